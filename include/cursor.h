/* Opaque list cursors: the sort key and id of the last row of a page, so the
 * next page starts after it (keyset pagination: stable while rows change).
 * A cursor belongs to its query: the list and the filters it was made for
 * (cursor_query_hash), so it never pages another list or other filters. */
#ifndef OPORA_CURSOR_H
#define OPORA_CURSOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The query a cursor belongs to: `list` (the operation and the path, with
 * its ids) and the checked query parameters but `cursor` and `limit` (the
 * page size may change from page to page). */
uint64_t cursor_query_hash(const char *list, const json_t *query);

/* The longest cursor read (and taken as the `cursor` query parameter). One
 * made for any key the API stores fits: text fields take at most 4,000
 * characters, 16,000 bytes of UTF-8, about 21,400 characters encoded. So
 * does its URL in the default request head (OPORA_HEADER_MEMORY, 32k). */
#define CURSOR_TEXT_MAX 24576

/* A URL-safe cursor for (key, id) of `query`; key may be NULL. Caller
 * frees. */
char *cursor_encode(const char *key, long long id, uint64_t query);

enum cursor_read {
  CURSOR_OK,      /* *key_out (malloc'ed, NULL without key) and *id_out set */
  CURSOR_INVALID, /* not a cursor we made; nothing to free */
  CURSOR_FOREIGN, /* one we made for another query; nothing to free */
};

/* Reverses cursor_encode for a cursor made for `query`. */
enum cursor_read cursor_decode(const char *text, uint64_t query, char **key_out,
                               long long *id_out);

#endif
