/* libFuzzer target for list cursors (src/core/cursor.c). The input is read two
 * ways. As a cursor (cut at its first NUL): decoded for one query, a cursor
 * read as ours encodes back to one that decodes to the same key and id; a
 * foreign or invalid one hands nothing out. As a page end (the first 8
 * bytes the id, the rest the key): encoded and decoded, it comes back
 * whole when the id is positive and the key valid UTF-8 without NUL,
 * refused otherwise, and never read for another query. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QUERY 0x0123456789abcdefu

static bool same_key(const char *a, const char *b) {
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp(a, b) == 0;
}

/* Encodes (key, id) and decodes it; OK with the same key and id, else
 * aborts. */
static void round_trip(const char *key, long long id) {
  char *text = cursor_encode(key, id, QUERY);
  char *back = NULL;
  long long back_id = 0;
  if (strlen(text) > CURSOR_TEXT_MAX) { /* longer than any key we store */
    if (cursor_decode(text, QUERY, &back, &back_id) != CURSOR_INVALID)
      abort();
    free(text);
    return;
  }
  if (cursor_decode(text, QUERY, &back, &back_id) != CURSOR_OK ||
      back_id != id || !same_key(key && key[0] ? key : NULL, back))
    abort();
  free(back);
  back = NULL;
  if (cursor_decode(text, QUERY + 1, &back, &back_id) != CURSOR_FOREIGN ||
      back != NULL)
    abort();
  free(text);
}

static void as_cursor(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL)
    abort();
  memcpy(text, data, size);
  text[size] = '\0';
  char *key = NULL;
  long long id = 0;
  enum cursor_read r = cursor_decode(text, QUERY, &key, &id);
  if (r == CURSOR_OK) {
    if (id <= 0)
      abort();
    round_trip(key, id);
  } else if (key != NULL) {
    abort(); /* nothing handed out */
  }
  free(key);
  free(text);
}

static bool valid_key(const char *s, size_t n) {
  json_t *j = json_stringn(s, n);
  json_decref(j);
  return j != NULL && memchr(s, '\0', n) == NULL;
}

static void as_page_end(const uint8_t *data, size_t size) {
  if (size < 8)
    return;
  uint64_t raw;
  memcpy(&raw, data, 8);
  long long id = (long long)(raw >> 1);
  size_t n = size - 8;
  char *key = malloc(n + 1);
  if (key == NULL)
    abort();
  memcpy(key, data + 8, n);
  key[n] = '\0';
  if (id > 0 && valid_key(key, n)) {
    round_trip(key, id);
  } else if (id > 0 && strlen(key) == n) {
    /* Invalid UTF-8: refused. */
    char *text = cursor_encode(key, id, QUERY), *back = NULL;
    long long back_id;
    if (cursor_decode(text, QUERY, &back, &back_id) != CURSOR_INVALID)
      abort();
    free(text);
  }
  free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  as_cursor(data, size);
  as_page_end(data, size);
  return 0;
}
