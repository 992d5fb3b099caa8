/* Entries in order of use, for the caches bounded by size (src/core/kept.c,
 * src/core/doc_cache.c): an entry embeds a struct lru_link, and the cache
 * evicts from the oldest end. The caller holds its cache's lock. */
#ifndef OPORA_LRU_H
#define OPORA_LRU_H

#include <stddef.h>

struct lru_link {
  struct lru_link *newer, *older;
};

struct lru_list {
  struct lru_link *newest, *oldest;
};

/* The entry (a `type`) whose `member` is link; NULL for NULL. */
#define LRU_ENTRY(link, type, member)                                          \
  ((link) != NULL ? (type *)(void *)((char *)(link)-offsetof(type, member))    \
                  : NULL)

static inline void lru_unlink(struct lru_list *l, struct lru_link *e) {
  if (e->newer != NULL)
    e->newer->older = e->older;
  else
    l->newest = e->older;
  if (e->older != NULL)
    e->older->newer = e->newer;
  else
    l->oldest = e->newer;
  e->newer = e->older = NULL;
}

static inline void lru_push_newest(struct lru_list *l, struct lru_link *e) {
  e->older = l->newest;
  e->newer = NULL;
  if (l->newest != NULL)
    l->newest->newer = e;
  l->newest = e;
  if (l->oldest == NULL)
    l->oldest = e;
}

/* e was just used. */
static inline void lru_touch(struct lru_list *l, struct lru_link *e) {
  lru_unlink(l, e);
  lru_push_newest(l, e);
}

#endif
