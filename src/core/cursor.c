/* A cursor is base64url("c2:<query>:<id>:<key>"), <query> the 16 hex
 * digits of cursor_query_hash: opaque to clients, and versioned by its
 * prefix ("c1" cursors had no query and are no longer read). */
#include "cursor.h"

#include <inttypes.h>
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
  if (len % 4 == 1 || len > CURSOR_TEXT_MAX)
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

/* FNV-1a, 64 bits: enough to tell queries apart (not a secret). */
static uint64_t fnv1a(uint64_t h, const char *text, size_t len) {
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)text[i];
    h *= 0x100000001b3u;
  }
  return h;
}

uint64_t cursor_query_hash(const char *list, const json_t *query) {
  json_t *filters = json_object();
  const char *name;
  json_t *value;
  json_object_foreach((json_t *)query, name, value) {
    if (strcmp(name, "cursor") != 0 && strcmp(name, "limit") != 0)
      json_object_set(filters, name, value);
  }
  char *text = json_dumps(filters, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(filters);
  if (text == NULL)
    abort();
  uint64_t h = fnv1a(0xcbf29ce484222325u, list, strlen(list) + 1);
  h = fnv1a(h, text, strlen(text));
  free(text);
  return h;
}

char *cursor_encode(const char *key, long long id, uint64_t query) {
  size_t key_len = key != NULL ? strlen(key) : 0;
  size_t cap = key_len + 64;
  char *plain = malloc(cap);
  if (plain == NULL)
    abort();
  int n = snprintf(plain, cap, "c2:%016" PRIx64 ":%lld:%s", query, id,
                   key != NULL ? key : "");
  char *out = base64url_encode((const unsigned char *)plain, (size_t)n);
  free(plain);
  return out;
}

/* "c2:<16 hex>:" and the query it names; false when not so. */
static bool read_query(const char *plain, uint64_t *query) {
  if (strncmp(plain, "c2:", 3) != 0 || strlen(plain) < 20 || plain[19] != ':')
    return false;
  uint64_t q = 0;
  for (int i = 3; i < 19; i++) {
    const char *digit = strchr("0123456789abcdef", plain[i]);
    if (plain[i] == '\0' || digit == NULL)
      return false;
    q = q << 4 | (uint64_t)(digit - "0123456789abcdef");
  }
  *query = q;
  return true;
}

enum cursor_read cursor_decode(const char *text, uint64_t query, char **key_out,
                               long long *id_out) {
  size_t len;
  char *plain = base64url_decode(text, &len);
  if (plain == NULL)
    return CURSOR_INVALID;
  uint64_t made_for = 0;
  char *end = NULL;
  long long id = strlen(plain) == len && read_query(plain, &made_for)
                     ? strtoll(plain + 20, &end, 10)
                     : 0;
  /* The key goes to the database as text: it must be valid UTF-8 without
   * NUL bytes, which json_stringn checks for us. */
  bool ok = id > 0 && end != NULL && *end == ':';
  json_t *key =
      ok ? json_stringn(end + 1, len - (size_t)(end + 1 - plain)) : NULL;
  if (key == NULL) {
    free(plain);
    return CURSOR_INVALID;
  }
  enum cursor_read read = made_for == query ? CURSOR_OK : CURSOR_FOREIGN;
  *id_out = id;
  *key_out = read == CURSOR_OK && len > (size_t)(end + 1 - plain)
                 ? strdup(json_string_value(key))
                 : NULL;
  json_decref(key);
  free(plain);
  return read;
}
