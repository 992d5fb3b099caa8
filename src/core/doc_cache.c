/* The school document cache: shards (a mutex each) of entries keyed by
 * school id, each shard a hash of buckets and an LRU list, bounded in bytes
 * (the entry and its text). The number of shards follows the bound (one
 * per 64 KiB, at most 64), so a small bound is kept exactly.
 *
 * Fills race with invalidations: a reader notes the epoch and its shard's
 * invalidation count before its statement (doc_cache_ticket) and keeps its
 * answer only when neither moved (doc_cache_put, under the shard's lock).
 * A school's invalidation bumps its shard's count; a municipality's, a
 * flush and the listener's loss bump the epoch. */
#include "doc_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"

#define MAX_SHARDS 64
#define SHARD_MIN_BYTES (64u * 1024u)
#define BUCKETS 256

struct entry {
  struct entry *chain;  /* the next in its bucket */
  struct lru_link used; /* the shard's LRU list */
  struct doc doc;       /* doc.text points into text[] */
  char text[];
};

struct shard {
  pthread_mutex_t lock;
  struct entry *buckets[BUCKETS];
  struct lru_list used;
  size_t bytes, entries;
  uint64_t invalidations; /* the stripe's count */
};

static struct shard shards[MAX_SHARDS];
static size_t n_shards, shard_limit;
static atomic_ullong epoch;
static atomic_bool listening;
static atomic_ullong hits, misses, invalidations, evictions;

void doc_cache_configure(size_t bytes) {
  n_shards = bytes / SHARD_MIN_BYTES;
  if (n_shards > MAX_SHARDS)
    n_shards = MAX_SHARDS;
  if (n_shards == 0 && bytes > 0)
    n_shards = 1;
  shard_limit = n_shards > 0 ? bytes / n_shards : 0;
  for (size_t i = 0; i < MAX_SHARDS; i++)
    pthread_mutex_init(&shards[i].lock, NULL);
}

bool doc_cache_on(void) {
  return n_shards > 0;
}

static struct shard *shard_of(int64_t id) {
  return &shards[(uint64_t)id % n_shards];
}

static struct entry **bucket_of(struct shard *s, int64_t id) {
  return &s->buckets[((uint64_t)id / n_shards) % BUCKETS];
}

static struct entry *find(struct shard *s, int64_t id) {
  for (struct entry *e = *bucket_of(s, id); e != NULL; e = e->chain)
    if (e->doc.id == id)
      return e;
  return NULL;
}

/* What an entry of a text of len bytes costs (its NUL included). */
static size_t entry_size(size_t len) {
  return sizeof(struct entry) + len + 1;
}

static struct entry *entry_of(struct lru_link *link) {
  return LRU_ENTRY(link, struct entry, used);
}

static void drop(struct shard *s, struct entry *e) {
  struct entry **p = bucket_of(s, e->doc.id);
  while (*p != e)
    p = &(*p)->chain;
  *p = e->chain;
  lru_unlink(&s->used, &e->used);
  s->bytes -= entry_size(e->doc.len);
  s->entries--;
  free(e);
}

/* SQL school_in_scope (migrations/0002_access.sql) but for 'assigned',
 * whose dated assignments only the database knows: never here. */
static bool in_scope(const struct doc *d, const char *kind, const char *id) {
  if (strcmp(kind, "global") == 0)
    return true;
  int64_t scope = id != NULL ? strtoll(id, NULL, 10) : 0;
  if (strcmp(kind, "region") == 0)
    return d->region_id == scope;
  if (strcmp(kind, "municipality") == 0)
    return d->municipality_id == scope;
  if (strcmp(kind, "school") == 0)
    return d->id == scope;
  return false;
}

static bool cacheable_scope(const char *kind) {
  return strcmp(kind, "global") == 0 || strcmp(kind, "region") == 0 ||
         strcmp(kind, "municipality") == 0 || strcmp(kind, "school") == 0;
}

bool doc_cache_get(int64_t id, const char *scope_kind, const char *scope_id,
                   struct doc *out) {
  if (n_shards == 0 || !cacheable_scope(scope_kind))
    return false;
  bool found = false;
  if (atomic_load(&listening)) {
    struct shard *s = shard_of(id);
    pthread_mutex_lock(&s->lock);
    struct entry *e = find(s, id);
    if (e != NULL && in_scope(&e->doc, scope_kind, scope_id)) {
      *out = e->doc;
      out->text = malloc(e->doc.len + 1);
      if (out->text == NULL)
        abort();
      memcpy(out->text, e->doc.text, e->doc.len + 1);
      lru_touch(&s->used, &e->used);
      found = true;
    }
    pthread_mutex_unlock(&s->lock);
  }
  atomic_fetch_add_explicit(found ? &hits : &misses, 1, memory_order_relaxed);
  return found;
}

struct doc_ticket doc_cache_ticket(int64_t id, const char *scope_kind) {
  struct doc_ticket t = {0};
  if (n_shards == 0 || !cacheable_scope(scope_kind) || !atomic_load(&listening))
    return t;
  struct shard *s = shard_of(id);
  t.epoch = atomic_load(&epoch);
  pthread_mutex_lock(&s->lock);
  t.stripe = s->invalidations;
  pthread_mutex_unlock(&s->lock);
  /* Listening from before the epoch was read: a loss since bumps it. */
  t.valid = atomic_load(&listening);
  return t;
}

void doc_cache_put(const struct doc_ticket *ticket, const struct doc *doc) {
  size_t size = entry_size(doc->len);
  if (!ticket->valid || size > shard_limit)
    return;
  struct entry *e = malloc(size);
  if (e == NULL)
    abort();
  e->doc = *doc;
  memcpy(e->text, doc->text, doc->len);
  e->text[doc->len] = '\0';
  e->doc.text = e->text;
  e->doc.len = doc->len;
  struct shard *s = shard_of(doc->id);
  pthread_mutex_lock(&s->lock);
  if (atomic_load(&epoch) != ticket->epoch ||
      s->invalidations != ticket->stripe || !atomic_load(&listening)) {
    pthread_mutex_unlock(&s->lock);
    free(e);
    return;
  }
  struct entry *old = find(s, doc->id);
  if (old != NULL)
    drop(s, old);
  while (s->used.oldest != NULL && s->bytes + size > shard_limit) {
    drop(s, entry_of(s->used.oldest));
    atomic_fetch_add_explicit(&evictions, 1, memory_order_relaxed);
  }
  struct entry **b = bucket_of(s, doc->id);
  e->chain = *b;
  *b = e;
  lru_push_newest(&s->used, &e->used);
  s->bytes += size;
  s->entries++;
  pthread_mutex_unlock(&s->lock);
}

static void invalidate_school(int64_t id) {
  struct shard *s = shard_of(id);
  pthread_mutex_lock(&s->lock);
  s->invalidations++;
  struct entry *e = find(s, id);
  if (e != NULL)
    drop(s, e);
  pthread_mutex_unlock(&s->lock);
}

/* Every school of a municipality (or all when municipality < 0). The epoch
 * moves first: a fill begun before cannot land after the sweep. */
static void sweep(int64_t municipality) {
  atomic_fetch_add(&epoch, 1);
  for (size_t i = 0; i < n_shards; i++) {
    struct shard *s = &shards[i];
    pthread_mutex_lock(&s->lock);
    struct entry *e = entry_of(s->used.newest);
    while (e != NULL) {
      struct entry *next = entry_of(e->used.older);
      if (municipality < 0 || e->doc.municipality_id == municipality)
        drop(s, e);
      e = next;
    }
    pthread_mutex_unlock(&s->lock);
  }
}

void doc_cache_flush(void) {
  if (n_shards > 0)
    sweep(-1);
}

void doc_cache_invalidate(const char *keys) {
  if (n_shards == 0 || keys == NULL)
    return;
  for (const char *p = keys; *p != '\0';) {
    if (*p == ' ') {
      p++;
      continue;
    }
    char kind = *p++;
    char *end;
    long long id = strtoll(p, &end, 10);
    if (kind == 's' && end != p)
      invalidate_school(id);
    else if (kind == 'm' && end != p)
      sweep(id);
    else
      sweep(-1); /* '*', or a key this release does not know */
    atomic_fetch_add_explicit(&invalidations, 1, memory_order_relaxed);
    p = end;
    while (*p != '\0' && *p != ' ')
      p++;
  }
}

void doc_cache_set_listening(bool on) {
  if (!on) {
    atomic_store(&listening, false);
    atomic_fetch_add(&epoch, 1);
    return;
  }
  /* Notifications sent while nobody listened are lost: start empty. */
  doc_cache_flush();
  atomic_store(&listening, true);
}

void doc_cache_counts(struct doc_cache_counts *c) {
  *c = (struct doc_cache_counts){
      .hits = atomic_load(&hits),
      .misses = atomic_load(&misses),
      .invalidations = atomic_load(&invalidations),
      .evictions = atomic_load(&evictions),
      .listening = atomic_load(&listening),
  };
  for (size_t i = 0; i < n_shards; i++) {
    pthread_mutex_lock(&shards[i].lock);
    c->bytes += shards[i].bytes;
    c->entries += shards[i].entries;
    pthread_mutex_unlock(&shards[i].lock);
  }
}
