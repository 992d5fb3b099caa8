/* Opaque list cursors: the sort key and id of the last row of a page, so the
 * next page starts after it (keyset pagination: stable while rows change). */
#ifndef OPORA_CURSOR_H
#define OPORA_CURSOR_H

#include <stdbool.h>

/* A URL-safe cursor for (key, id); key may be NULL. Caller frees. */
char *cursor_encode(const char *key, long long id);

/* Reverses cursor_encode. *key_out is malloc'ed (NULL when the cursor has no
 * key); false, with nothing to free, when text is not a cursor we made. */
bool cursor_decode(const char *text, char **key_out, long long *id_out);

#endif
