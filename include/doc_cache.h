/* Answered school documents kept in memory (src/core/doc_cache.c), so that a
 * GET /schools/{id} costs no database round trip. Kept while a listener
 * (src/db/doc_listen.c) hears the database's invalidations (migration 0027);
 * while it does not, nothing is served nor kept. The instance that writes
 * drops what its transaction changed before it answers (src/db/db.c). */
#ifndef OPORA_DOC_CACHE_H
#define OPORA_DOC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A school's document as the uncached path answers it. */
struct doc {
  int64_t id, municipality_id, region_id;
  int32_t version;
  char *text; /* owned by whoever holds the struct */
  size_t len;
};

/* Noted before the statement that reads a document: it is kept only when
 * nothing was invalidated meanwhile that could concern it. */
struct doc_ticket {
  bool valid;
  uint64_t epoch, stripe;
};

/* bytes: the memory bound (0 = the cache is off). */
void doc_cache_configure(size_t bytes);
bool doc_cache_on(void);

/* A copy of school id's document (caller frees out->text) when it is kept
 * and the scope (kind, id as the statements take it) sees it by the rule
 * of SQL school_in_scope. Other scope kinds (a curator's dates) are never
 * answered here. False otherwise: then ask the database. */
bool doc_cache_get(int64_t id, const char *scope_kind, const char *scope_id,
                   struct doc *out);
/* Before reading school id from the database, for a caller of scope_kind. */
struct doc_ticket doc_cache_ticket(int64_t id, const char *scope_kind);
/* Keeps a copy of doc when ticket still holds. */
void doc_cache_put(const struct doc_ticket *ticket, const struct doc *doc);

/* Drops what keys name: " s<school> m<municipality> ...", or "*" for all. */
void doc_cache_invalidate(const char *keys);
/* Drops everything, and refuses every fill begun before. */
void doc_cache_flush(void);
/* The listener's state: while false nothing is served nor kept. */
void doc_cache_set_listening(bool on);

struct doc_cache_counts {
  unsigned long long hits, misses, invalidations, evictions;
  size_t bytes, entries;
  bool listening;
};
void doc_cache_counts(struct doc_cache_counts *c);

/* The listener thread (src/db/doc_listen.c): started when the cache is on;
 * stopping it also drops every document. */
bool doc_listen_start(void);
void doc_listen_stop(void);

#endif
