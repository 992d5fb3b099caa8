/* JSON text in and out (include/json_text.h). Jansson reads the body; when
 * it refuses a \u0000 or a number too large, it says so in its own terms
 * and without the member's name, so a second, tolerant walk over the text
 * finds every such member and names it by its path. That walk only runs on
 * a body already refused, and stops at the first text that is not JSON. */
#include "json_text.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jspec.h"

#define BOM "\xEF\xBB\xBF"
#define DEPTH_MAX 2048 /* as deep as Jansson reads */

/* --- the walk ------------------------------------------------------------ */

struct walk {
  const char *s;
  size_t n, i;
  int depth;
  struct jspec_path path;
  json_t *errors;
};

/* A string's decoded bytes (a key, for the path). */
struct bytes {
  char *data;
  size_t len, cap;
};

static void bytes_put(struct bytes *b, const char *s, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = (b->len + n) * 2 + 16;
    char *grown = realloc(b->data, cap);
    if (grown == NULL)
      abort();
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void report(struct walk *w, const char *message) {
  jspec_error(w->errors, w->path.text != NULL ? w->path.text : "$", message);
}

static void skip_space(struct walk *w) {
  while (w->i < w->n && (w->s[w->i] == ' ' || w->s[w->i] == '\t' ||
                         w->s[w->i] == '\n' || w->s[w->i] == '\r'))
    w->i++;
}

static bool hex4(const char *s, unsigned *out) {
  *out = 0;
  for (int k = 0; k < 4; k++) {
    char c = s[k];
    unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                 : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                 : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                        : 16;
    if (d == 16)
      return false;
    *out = *out * 16 + d;
  }
  return true;
}

static void put_utf8(struct bytes *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (char)(0xf0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  bytes_put(b, u, n);
}

/* One escape after the backslash at s[i] (\n, \u0041, a surrogate pair):
 * its bytes into `out` when given. False when it is not an escape. */
static bool read_escape(struct walk *w, struct bytes *out, bool *nul) {
  static const char plain[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
  if (w->i + 1 >= w->n)
    return false;
  const char *p = strchr(plain, w->s[w->i + 1]);
  if (p != NULL && *p != '\0') {
    if (out != NULL)
      bytes_put(out, &meant[p - plain], 1);
    w->i += 2;
    return true;
  }
  unsigned cp, low;
  if (w->s[w->i + 1] != 'u' || w->i + 6 > w->n || !hex4(w->s + w->i + 2, &cp))
    return false;
  w->i += 6;
  if (cp >= 0xd800 && cp < 0xdc00 && w->i + 6 <= w->n && w->s[w->i] == '\\' &&
      w->s[w->i + 1] == 'u' && hex4(w->s + w->i + 2, &low) && low >= 0xdc00 &&
      low < 0xe000) {
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    w->i += 6;
  }
  *nul = *nul || cp == 0;
  if (out != NULL)
    put_utf8(out, cp);
  return true;
}

/* The string whose opening quote is at s[i]; its bytes into `out` when
 * given, *nul when it holds a \u0000. False when it does not end. */
static bool read_string(struct walk *w, struct bytes *out, bool *nul) {
  *nul = false;
  w->i++;
  while (w->i < w->n) {
    char c = w->s[w->i];
    if (c == '"') {
      w->i++;
      return true;
    }
    if (c == '\\') {
      if (!read_escape(w, out, nul))
        return false;
      continue;
    }
    if (out != NULL)
      bytes_put(out, &c, 1);
    w->i++;
  }
  return false;
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* A number at s[i]: reports it when Jansson cannot hold it (an integer
 * beyond 64 bits, a real beyond a double). */
static bool read_number(struct walk *w) {
  size_t start = w->i;
  bool real = false;
  while (w->i < w->n &&
         (is_digit(w->s[w->i]) || strchr("+-.eE", w->s[w->i]) != NULL) &&
         w->s[w->i] != '\0') {
    real = real || !(is_digit(w->s[w->i]) || w->s[w->i] == '-');
    w->i++;
  }
  size_t len = w->i - start;
  char *text = malloc(len + 1);
  if (text == NULL)
    abort();
  memcpy(text, w->s + start, len);
  text[len] = '\0';
  char *end;
  errno = 0;
  bool too_large;
  if (real) {
    double d = strtod(text, &end);
    too_large = errno == ERANGE && isinf(d);
  } else {
    (void)strtoll(text, &end, 10);
    too_large = errno == ERANGE;
  }
  bool whole = len > 0 && *end == '\0';
  free(text);
  if (whole && too_large)
    report(w, real ? "is a number too large: at most about 1.8e308"
                   : "is an integer too large: it must lie between "
                     "-9223372036854775808 and 9223372036854775807");
  return whole;
}

static bool read_value(struct walk *w);

static bool read_member(struct walk *w) {
  skip_space(w);
  if (w->i >= w->n || w->s[w->i] != '"')
    return false;
  struct bytes key = {NULL, 0, 0};
  bool nul;
  bool ok = read_string(w, &key, &nul);
  size_t saved =
      jspec_path_push_key(&w->path, key.data != NULL ? key.data : "", key.len);
  free(key.data);
  if (ok && nul)
    report(w, "is a member name holding the character \\u0000, which no "
              "field has");
  skip_space(w);
  ok = ok && w->i < w->n && w->s[w->i] == ':';
  if (ok) {
    w->i++;
    ok = read_value(w);
  }
  jspec_path_pop(&w->path, saved);
  return ok;
}

/* An object or array whose bracket is at s[i]. */
static bool read_container(struct walk *w, char close) {
  if (w->depth >= DEPTH_MAX)
    return false;
  w->depth++;
  w->i++;
  skip_space(w);
  bool ok = true;
  if (w->i < w->n && w->s[w->i] == close) {
    w->i++;
  } else {
    for (size_t k = 0; ok; k++) {
      if (close == '}') {
        ok = read_member(w);
      } else {
        size_t saved = jspec_path_push_index(&w->path, k);
        ok = read_value(w);
        jspec_path_pop(&w->path, saved);
      }
      skip_space(w);
      if (!ok || w->i >= w->n || w->s[w->i] != ',')
        break;
      w->i++;
    }
    ok = ok && w->i < w->n && w->s[w->i] == close;
    if (ok)
      w->i++;
  }
  w->depth--;
  return ok;
}

static bool read_value(struct walk *w) {
  skip_space(w);
  if (w->i >= w->n)
    return false;
  char c = w->s[w->i];
  if (c == '{' || c == '[')
    return read_container(w, c == '{' ? '}' : ']');
  if (c == '"') {
    bool nul;
    bool ok = read_string(w, NULL, &nul);
    if (ok && nul)
      report(w, "must not hold the character \\u0000");
    return ok;
  }
  if (c == '-' || is_digit(c))
    return read_number(w);
  while (w->i < w->n && w->s[w->i] >= 'a' && w->s[w->i] <= 'z')
    w->i++; /* true, false, null */
  return true;
}

/* --- entry points -------------------------------------------------------- */

/* Faults that are about one member, not the text as a whole. */
static bool names_a_member(enum json_error_code code) {
  return code == json_error_null_character ||
         code == json_error_null_byte_in_key ||
         code == json_error_numeric_overflow;
}

json_t *json_text_load(const char *text, size_t len,
                       struct json_text_fault *fault) {
  fault->errors = NULL;
  fault->detail[0] = '\0';
  if (text == NULL)
    text = "";
  size_t skip = len >= 3 && memcmp(text, BOM, 3) == 0 ? 3 : 0;
  json_error_t error;
  json_t *value =
      json_loadb(text + skip, len - skip, JSON_REJECT_DUPLICATES, &error);
  if (value != NULL)
    return value;
  enum json_error_code code = json_error_code(&error);
  if (names_a_member(code)) {
    struct walk w = {text + skip, len - skip, 0, 0, {NULL, 0, 0}, json_array()};
    jspec_path_init(&w.path);
    read_value(&w);
    jspec_path_free(&w.path);
    if (json_array_size(w.errors) > 0) {
      fault->errors = w.errors;
      return NULL;
    }
    json_decref(w.errors);
  }
  const char *why = code == json_error_numeric_overflow ? "a number too large"
                    : names_a_member(code) ? "the character \\u0000"
                                           : error.text;
  snprintf(fault->detail, sizeof fault->detail, "%s (at byte %lld)", why,
           (long long)error.position + (long long)skip);
  return NULL;
}

size_t json_text_compact(char *text, size_t len) {
  size_t out = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (in_string) {
      text[out++] = c;
      if (c == '\\' && i + 1 < len)
        text[out++] = text[++i];
      else if (c == '"')
        in_string = false;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      in_string = c == '"';
      text[out++] = c;
    }
  }
  return out;
}
