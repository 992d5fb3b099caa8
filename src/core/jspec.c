/* Field specs. The walk follows the spec, not the body, so its depth is
 * bounded by the handler's table whatever the client sends. Paths are
 * RFC 9535 normalized paths: $.a.b, $.items[2].name, and $['odd key'] for
 * keys that are not plain names. */
#include "jspec.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define ID_MAX ((1LL << 53) - 1) /* largest integer a JS client keeps exact */
#define EMAIL_MAX 254
#define URL_MAX 2000
#define YEAR_MIN 1900
#define YEAR_MAX 2200

struct walk {
  struct jspec_path path;
  json_t *errors;
};

static void check_value(struct walk *w, const struct jspec_field *f,
                        const json_t *v);

/* --- paths ------------------------------------------------------------- */

/* If the path cannot grow, errors are still reported at the shorter path. */
static bool path_append(struct jspec_path *p, const char *s, size_t n) {
  if (p->len + n + 1 > p->cap) {
    size_t cap = (p->len + n + 1) * 2;
    char *text = realloc(p->text, cap);
    if (!text)
      return false;
    p->text = text;
    p->cap = cap;
  }
  memcpy(p->text + p->len, s, n);
  p->len += n;
  p->text[p->len] = '\0';
  return true;
}

void jspec_path_pop(struct jspec_path *p, size_t saved) {
  if (p->text && saved <= p->len) {
    p->len = saved;
    p->text[saved] = '\0';
  }
}

void jspec_path_init(struct jspec_path *p) {
  *p = (struct jspec_path){NULL, 0, 0};
  path_append(p, "$", 1);
}

void jspec_path_free(struct jspec_path *p) {
  free(p->text);
  *p = (struct jspec_path){NULL, 0, 0};
}

static bool name_first(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}

/* RFC 9535 member-name-shorthand: such keys may follow a dot. */
static bool is_shorthand(const char *key, size_t n) {
  const unsigned char *k = (const unsigned char *)key;
  if (n == 0 || !name_first(k[0]))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!name_first(k[i]) && !(k[i] >= '0' && k[i] <= '9'))
      return false;
  return true;
}

static void path_append_escaped(struct jspec_path *p, const char *key,
                                size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)key[i];
    char buf[8];
    int len;
    if (c == '\'' || c == '\\')
      len = snprintf(buf, sizeof buf, "\\%c", c);
    else if (c < 0x20)
      len = snprintf(buf, sizeof buf, "\\u%04x", c);
    else
      len = snprintf(buf, sizeof buf, "%c", c);
    path_append(p, buf, (size_t)len);
  }
}

size_t jspec_path_push_key(struct jspec_path *p, const char *key, size_t n) {
  size_t saved = p->len;
  if (is_shorthand(key, n)) {
    if (path_append(p, ".", 1))
      path_append(p, key, n);
    return saved;
  }
  path_append(p, "['", 2);
  path_append_escaped(p, key, n);
  path_append(p, "']", 2);
  return saved;
}

size_t jspec_path_push_index(struct jspec_path *p, size_t i) {
  size_t saved = p->len;
  char buf[32];
  int n = snprintf(buf, sizeof buf, "[%zu]", i);
  path_append(p, buf, (size_t)n);
  return saved;
}

static void report(struct walk *w, const char *message) {
  jspec_error(w->errors, w->path.text ? w->path.text : "$", message);
}

/* --- text helpers ------------------------------------------------------ */

/* Decodes one code point; Jansson guarantees the text is valid UTF-8. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i) {
  uint32_t c = s[(*i)++];
  size_t more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
  c &= more == 3 ? 0x07 : more == 2 ? 0x0f : more == 1 ? 0x1f : 0x7f;
  for (; more > 0 && *i < n; more--)
    c = (c << 6) | (s[(*i)++] & 0x3fu);
  return c;
}

static size_t utf8_count(const char *s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    count += ((unsigned char)s[i] & 0xc0) != 0x80;
  return count;
}

/* Unicode White_Space, plus the zero-width space and BOM, which also render
 * as nothing. */
static bool is_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200b) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
         c == 0xfeff;
}

static bool is_blank(const char *s, size_t n) {
  size_t i = 0;
  while (i < n)
    if (!is_space(utf8_next((const unsigned char *)s, n, &i)))
      return false;
  return true;
}

static bool is_control(unsigned char c, bool multiline) {
  if (multiline && (c == '\n' || c == '\r' || c == '\t'))
    return false;
  return c < 0x20 || c == 0x7f;
}

/* Scans the whole length: a string may hold NUL bytes. */
static bool has_control(const char *s, size_t n, bool multiline) {
  for (size_t i = 0; i < n; i++)
    if (is_control((unsigned char)s[i], multiline))
      return true;
  return false;
}

/* Also rejects spaces: neither an address nor a URL may contain one. */
static bool has_space_or_control(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
      return true;
  return false;
}

static const char *plural(long long n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

/* --- dates ------------------------------------------------------------- */

enum date_verdict { DATE_OK, DATE_SHAPE, DATE_CALENDAR, DATE_RANGE };

static bool digits_at(const char *s, size_t from, size_t to, int *out) {
  *out = 0;
  for (size_t i = from; i < to; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    *out = *out * 10 + (s[i] - '0');
  }
  return true;
}

static int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

static enum date_verdict date_verdict(const char *s, size_t n) {
  int y, m, d;
  if (n != 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, 0, 4, &y) ||
      !digits_at(s, 5, 7, &m) || !digits_at(s, 8, 10, &d))
    return DATE_SHAPE;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return DATE_CALENDAR;
  if (y < YEAR_MIN || y > YEAR_MAX)
    return DATE_RANGE;
  return DATE_OK;
}

bool jspec_is_date(const char *text) {
  return text && date_verdict(text, strlen(text)) == DATE_OK;
}

static void check_date(struct walk *w, const json_t *v) {
  enum date_verdict verdict = DATE_SHAPE;
  if (json_is_string(v))
    verdict = date_verdict(json_string_value(v), json_string_length(v));
  if (verdict == DATE_SHAPE)
    report(w, "must be a date as YYYY-MM-DD");
  else if (verdict == DATE_CALENDAR)
    report(w, "must be a real calendar date");
  else if (verdict == DATE_RANGE)
    report(w, "must be a date from 1900 to 2200");
}

/* --- strings ----------------------------------------------------------- */

/* min/max count characters (code points); min >= 1 also refuses blanks. */
/* True when the length is within bounds; otherwise reports why. */
static bool check_length(struct walk *w, const struct jspec_field *f,
                         const char *s, size_t n) {
  long long count = (long long)utf8_count(s, n);
  char message[96];
  if (f->min >= 1 && is_blank(s, n)) {
    report(w, "must not be blank");
  } else if (f->min > 0 && count < f->min) {
    snprintf(message, sizeof message, "must be at least %lld %s", f->min,
             plural(f->min, "character", "characters"));
    report(w, message);
  } else if (f->max > 0 && count > f->max) {
    snprintf(message, sizeof message, "must be at most %lld %s", f->max,
             plural(f->max, "character", "characters"));
    report(w, message);
  } else {
    return true;
  }
  return false;
}

/* The pattern is compiled per check: bodies are small, and this keeps the
 * spec plain data. A pattern that does not compile is a bug in the spec. */
static void check_pattern(struct walk *w, const struct jspec_field *f,
                          const char *s) {
  if (f->pattern == NULL)
    return;
  regex_t re;
  if (regcomp(&re, f->pattern, REG_EXTENDED | REG_NOSUB) != 0)
    abort();
  bool matches = regexec(&re, s, 0, NULL, 0) == 0;
  regfree(&re);
  if (!matches) {
    char message[160];
    snprintf(message, sizeof message, "must match the pattern %s", f->pattern);
    report(w, message);
  }
}

static void check_string(struct walk *w, const struct jspec_field *f,
                         const json_t *v) {
  bool multiline = f->type == JS_TEXT;
  if (!json_is_string(v)) {
    report(w, "must be a string");
  } else if (has_control(json_string_value(v), json_string_length(v),
                         multiline)) {
    report(w, multiline ? "must not contain control characters other than "
                          "line breaks and tabs"
                        : "must not contain control characters");
  } else {
    if (check_length(w, f, json_string_value(v), json_string_length(v)))
      check_pattern(w, f, json_string_value(v));
  }
}

/* A sanity check, not RFC 5322: one @, something on each side, a dotted
 * domain. Deliverability is for the mail server to judge. */
static bool is_email(const char *s, size_t n) {
  const char *at = memchr(s, '@', n);
  if (!at || at == s || memchr(at + 1, '@', n - (size_t)(at - s) - 1))
    return false;
  const char *domain = at + 1;
  size_t dlen = n - (size_t)(domain - s);
  const char *dot = memchr(domain, '.', dlen);
  return dlen >= 3 && dot && domain[0] != '.' && domain[dlen - 1] != '.';
}

static bool is_url(const char *s, size_t n) {
  size_t scheme = 0;
  if (n >= 7 && strncasecmp(s, "http://", 7) == 0)
    scheme = 7;
  else if (n >= 8 && strncasecmp(s, "https://", 8) == 0)
    scheme = 8;
  return scheme > 0 && n > scheme && s[scheme] != '/';
}

/* Email and URL share a shape: a string with no spaces, an intrinsic
 * length limit, a syntax check, then the spec's own length bounds. */
static void check_address(struct walk *w, const struct jspec_field *f,
                          const json_t *v) {
  bool email = f->type == JS_EMAIL;
  const char *bad =
      email ? "must be an email address" : "must be an http:// or https:// URL";
  if (!json_is_string(v)) {
    report(w, bad);
    return;
  }
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  bool ok =
      !has_space_or_control(s, n) && (email ? is_email(s, n) : is_url(s, n));
  if (utf8_count(s, n) > (email ? EMAIL_MAX : URL_MAX))
    report(w, email ? "must be at most 254 characters"
                    : "must be at most 2000 characters");
  else if (!ok)
    report(w, bad);
  else
    check_length(w, f, s, n);
}

/* --- other scalars ----------------------------------------------------- */

/* min,max = 0,0: unbounded. max = 0 alone: no maximum, so a range cannot end
 * at 0; otherwise min..max inclusive (min 0 then forbids negatives). */
static void check_integer(struct walk *w, const struct jspec_field *f,
                          const json_t *v) {
  char message[96];
  if (!json_is_integer(v)) {
    report(w, "must be an integer");
    return;
  }
  json_int_t x = json_integer_value(v);
  if (f->max == 0 && f->min != 0 && x < f->min) {
    snprintf(message, sizeof message, "must be at least %lld", f->min);
    report(w, message);
  } else if (f->max != 0 && (x < f->min || x > f->max)) {
    snprintf(message, sizeof message, "must be from %lld to %lld", f->min,
             f->max);
    report(w, message);
  }
}

/* Bounds as for integers, when either is given (0,0: unbounded). */
static void check_number(struct walk *w, const struct jspec_field *f,
                         const json_t *v) {
  char message[96];
  if (!json_is_number(v)) {
    report(w, "must be a number");
    return;
  }
  double x = json_number_value(v);
  if (f->max == 0 && f->min != 0 && x < (double)f->min) {
    snprintf(message, sizeof message, "must be at least %lld", f->min);
    report(w, message);
  } else if (f->max != 0 && (x < (double)f->min || x > (double)f->max)) {
    snprintf(message, sizeof message, "must be from %lld to %lld", f->min,
             f->max);
    report(w, message);
  }
}

static void check_id(struct walk *w, const json_t *v) {
  if (!json_is_integer(v) || json_integer_value(v) < 1 ||
      json_integer_value(v) > ID_MAX)
    report(w, "must be a positive integer id");
}

static bool enum_has(const char *const *values, const char *s, size_t n) {
  for (; values && *values; values++)
    if (strlen(*values) == n && memcmp(*values, s, n) == 0)
      return true;
  return false;
}

/* "must be one of: A, B, C"; the caller frees it. */
static char *enum_message(const char *const *values) {
  static const char head[] = "must be one of: ";
  size_t len = sizeof head;
  for (const char *const *v = values; v && *v; v++)
    len += strlen(*v) + 2;
  char *message = malloc(len);
  if (!message)
    return NULL;
  strcpy(message, head);
  for (const char *const *v = values; v && *v; v++) {
    if (v != values)
      strcat(message, ", ");
    strcat(message, *v);
  }
  return message;
}

static void check_enum(struct walk *w, const struct jspec_field *f,
                       const json_t *v) {
  if (json_is_string(v) &&
      enum_has(f->values, json_string_value(v), json_string_length(v)))
    return;
  char *message = enum_message(f->values);
  report(w, message ? message : "must be one of the allowed values");
  free(message);
}

/* --- objects and arrays ------------------------------------------------ */

static const struct jspec_field *find_field(const struct jspec_field *fields,
                                            const char *key) {
  for (const struct jspec_field *f = fields; f && f->name; f++)
    if (strcmp(f->name, key) == 0)
      return f;
  return NULL;
}

static void check_member(struct walk *w, const struct jspec_field *f,
                         const json_t *v, enum jspec_mode mode) {
  if (f->flags & JS_READONLY) {
    if (v)
      report(w, "is read-only");
  } else if (!v) {
    if (mode == JSPEC_CREATE && (f->flags & JS_REQUIRED))
      report(w, "is required");
  } else {
    check_value(w, f, v);
  }
}

/* Spec order first, then unknown keys in body order: the result does not
 * depend on how the client ordered known fields. */
static void check_fields(struct walk *w, const json_t *obj,
                         const struct jspec_field *fields,
                         enum jspec_mode mode) {
  for (const struct jspec_field *f = fields; f && f->name; f++) {
    size_t saved = jspec_path_push_key(&w->path, f->name, strlen(f->name));
    check_member(w, f, json_object_get(obj, f->name), mode);
    jspec_path_pop(&w->path, saved);
  }
  /* Jansson's iterator takes a non-const object; iterating changes nothing. */
  for (void *it = json_object_iter((json_t *)obj); it;
       it = json_object_iter_next((json_t *)obj, it)) {
    const char *key = json_object_iter_key(it);
    if (find_field(fields, key))
      continue;
    size_t saved = jspec_path_push_key(&w->path, key, strlen(key));
    report(w, "is not a known field");
    jspec_path_pop(&w->path, saved);
  }
}

/* A nested object replaces the stored one as a whole, so its required fields
 * apply even in a PATCH. A NULL `fields` means an empty object. */
static void check_object(struct walk *w, const struct jspec_field *f,
                         const json_t *v) {
  if (!json_is_object(v))
    report(w, "must be an object");
  else
    check_fields(w, v, f->fields, JSPEC_CREATE);
}

static void check_count(struct walk *w, const struct jspec_field *f,
                        size_t size) {
  long long n = (long long)size;
  char message[96];
  if (f->min > 0 && n < f->min) {
    snprintf(message, sizeof message, "must have at least %lld %s", f->min,
             plural(f->min, "item", "items"));
    report(w, message);
  } else if (f->max > 0 && n > f->max) {
    snprintf(message, sizeof message, "must have at most %lld %s", f->max,
             plural(f->max, "item", "items"));
    report(w, message);
  }
}

/* Items are checked even when the count is wrong, so every error shows. A
 * NULL `items` accepts any item. */
static void check_array(struct walk *w, const struct jspec_field *f,
                        const json_t *v) {
  if (!json_is_array(v)) {
    report(w, "must be an array");
    return;
  }
  check_count(w, f, json_array_size(v));
  for (size_t i = 0; f->items && i < json_array_size(v); i++) {
    size_t saved = jspec_path_push_index(&w->path, i);
    check_value(w, f->items, json_array_get(v, i));
    jspec_path_pop(&w->path, saved);
  }
}

static void check_value(struct walk *w, const struct jspec_field *f,
                        const json_t *v) {
  if (json_is_null(v)) {
    if (!(f->flags & JS_NULLABLE))
      report(w, "must not be null");
    return;
  }
  switch (f->type) {
  case JS_STRING:
  case JS_TEXT:
    check_string(w, f, v);
    break;
  case JS_INTEGER:
    check_integer(w, f, v);
    break;
  case JS_BOOLEAN:
    if (!json_is_boolean(v))
      report(w, "must be a boolean");
    break;
  case JS_DATE:
    check_date(w, v);
    break;
  case JS_ENUM:
    check_enum(w, f, v);
    break;
  case JS_EMAIL:
  case JS_URL:
    check_address(w, f, v);
    break;
  case JS_ID:
    check_id(w, v);
    break;
  case JS_OBJECT:
    check_object(w, f, v);
    break;
  case JS_ARRAY:
    check_array(w, f, v);
    break;
  case JS_NUMBER:
    check_number(w, f, v);
    break;
  }
}

/* --- entry points ------------------------------------------------------ */

size_t jspec_check(const json_t *value, const struct jspec_field *fields,
                   enum jspec_mode mode, json_t *errors) {
  size_t before = json_array_size(errors);
  struct walk w = {{NULL, 0, 0}, errors};
  jspec_path_init(&w.path);
  if (!json_is_object(value))
    report(&w, "must be an object");
  else if (mode == JSPEC_PATCH && json_object_size(value) == 0)
    report(&w, "must change at least one field");
  else
    check_fields(&w, value, fields, mode);
  jspec_path_free(&w.path);
  return json_array_size(errors) - before;
}

void jspec_error(json_t *errors, const char *path, const char *message) {
  /* A body of a million bad keys must not become a bigger answer: past the
   * cap, one last entry says the list was cut. */
  size_t n = json_array_size(errors);
  if (n > JSPEC_MAX_ERRORS)
    return;
  if (n == JSPEC_MAX_ERRORS) {
    path = "$";
    message = "too many errors; the first ones are listed";
  }
  /* A path or a message may quote what the client sent (a query key, a
   * value): it is listed as valid UTF-8, never dropped. */
  char *path_text = strdup(path), *message_text = strdup(message);
  if (path_text == NULL || message_text == NULL)
    abort();
  utf8_make_valid(path_text);
  utf8_make_valid(message_text);
  json_array_append_new(errors, json_pack("{s:s, s:s}", "path", path_text,
                                          "message", message_text));
  free(path_text);
  free(message_text);
}
