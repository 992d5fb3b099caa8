/* A cursor is base64url("c1:<id>:<key>"): opaque to clients, and versioned
 * by its "c1" prefix should the format change. */
#include "cursor.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *base64url_encode(const unsigned char *in, size_t len) {
  char *out = malloc(len / 3 * 4 + 5);
  if (out == NULL)
    abort();
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < len)
      v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < len)
      v |= in[i + 2];
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    if (i + 1 < len)
      out[o++] = alphabet[(v >> 6) & 63];
    if (i + 2 < len)
      out[o++] = alphabet[v & 63];
  }
  out[o] = '\0';
  return out;
}

static int sextet(char c) {
  const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
  return p != NULL ? (int)(p - alphabet) : -1;
}

/* Decodes into a new NUL-terminated buffer; NULL when not base64url. */
static char *base64url_decode(const char *in, size_t *len_out) {
  size_t len = strlen(in);
  if (len % 4 == 1 || len > 4096)
    return NULL;
  char *out = malloc(len / 4 * 3 + 3);
  if (out == NULL)
    abort();
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    size_t n = len - i < 4 ? len - i : 4;
    unsigned v = 0;
    for (size_t k = 0; k < 4; k++) {
      int s = k < n ? sextet(in[i + k]) : 0;
      if (s < 0) {
        free(out);
        return NULL;
      }
      v = v << 6 | (unsigned)s;
    }
    out[o++] = (char)(v >> 16);
    if (n > 2)
      out[o++] = (char)(v >> 8 & 255);
    if (n > 3)
      out[o++] = (char)(v & 255);
  }
  out[o] = '\0';
  *len_out = o;
  return out;
}

char *cursor_encode(const char *key, long long id) {
  size_t key_len = key != NULL ? strlen(key) : 0;
  size_t cap = key_len + 40;
  char *plain = malloc(cap);
  if (plain == NULL)
    abort();
  int n = snprintf(plain, cap, "c1:%lld:%s", id, key != NULL ? key : "");
  char *out = base64url_encode((const unsigned char *)plain, (size_t)n);
  free(plain);
  return out;
}

bool cursor_decode(const char *text, char **key_out, long long *id_out) {
  size_t len;
  char *plain = base64url_decode(text, &len);
  if (plain == NULL)
    return false;
  char *end = NULL;
  long long id =
      strncmp(plain, "c1:", 3) == 0 ? strtoll(plain + 3, &end, 10) : 0;
  /* The key goes to the database as text: it must be valid UTF-8 without
   * NUL bytes, which json_stringn checks for us. */
  bool ok = id > 0 && end != NULL && *end == ':' && strlen(plain) == len;
  json_t *key =
      ok ? json_stringn(end + 1, len - (size_t)(end + 1 - plain)) : NULL;
  if (key == NULL) {
    free(plain);
    return false;
  }
  *id_out = id;
  *key_out =
      len > (size_t)(end + 1 - plain) ? strdup(json_string_value(key)) : NULL;
  json_decref(key);
  free(plain);
  return true;
}
