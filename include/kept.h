#ifndef OPORA_KEPT_H
#define OPORA_KEPT_H

#include <stdbool.h>
#include <stddef.h>

/* Answers kept in memory under their ETag (src/core/kept.c). A kept answer is
 * served only when a statement has just computed the same ETag from the
 * database, so it is never older than the data it was built from, whoever
 * changed them. Bounded in bytes and in answers: past either, the least
 * recently used are forgotten. */

/* A copy of the answer kept under key, an ETag or kept_key's (text owned
 * by the caller, NUL terminated), or false when none is. */
bool kept_copy(const char *key, char **text, size_t *len);

/* Keeps a copy of text under key (not when the key is KEPT_KEY_MAX or
 * longer, or the text a quarter of the bytes kept). */
void kept_put(const char *key, const char *text, size_t len);

/* The longest key (ETag or kept_key), its NUL included. */
#define KEPT_KEY_MAX 256

/* Whether answers are kept under kept_key's keys (OPORA_KEEP_DASHBOARDS). */
void kept_keys_configure(bool on);

/* The key of an answer kept under change numbers (stamp) rather than an
 * ETag: what was asked (route and query), the caller's scope, the stamp.
 * False when it is not to be kept: keeping is off; a curator's scope
 * follows the calendar (school_curators' dates), which no change number
 * follows; or the key is too long. */
bool kept_key(char *key, size_t size, const char *what, const char *scope_kind,
              const char *scope_id, const char *stamp);

/* Lookups that found a kept answer and that did not, and the bytes kept
 * (for /metrics). */
void kept_counts(unsigned long long *hits, unsigned long long *misses,
                 size_t *bytes);

/* Forgets every kept answer (at shutdown, and in tests). */
void kept_clear(void);

#endif
