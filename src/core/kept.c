#include "kept.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"

/* A chained hash table of answers under their keys, with the least recently
 * used evicted past KEPT_BYTES or KEPT_ENTRIES: 32 MB, the cards of a
 * region's ШНОР and ШНСУ schools and their neighbours several times over (a
 * card is some 25 kB), or every dashboard page of a region. Keys never
 * share a place (a table of direct-mapped slots made two dashboards that
 * hashed alike evict each other on every visit). */
#define KEPT_BUCKETS 4096
#define KEPT_ENTRIES 16384
#define KEPT_BYTES (32u << 20)

struct kept_entry {
  struct kept_entry *next_in_bucket;
  struct lru_link used;
  uint32_t hash;
  size_t len;
  char *text;
  char key[]; /* NUL terminated */
};

static struct {
  pthread_mutex_t lock;
  struct kept_entry *buckets[KEPT_BUCKETS];
  struct lru_list used;
  size_t bytes, entries;
} kept = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_ullong kept_hits, kept_misses;

static uint32_t hash_of(const char *key) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h;
}

static struct kept_entry **place_of(const char *key, uint32_t hash) {
  struct kept_entry **at = &kept.buckets[hash % KEPT_BUCKETS];
  while (*at != NULL && ((*at)->hash != hash || strcmp((*at)->key, key) != 0))
    at = &(*at)->next_in_bucket;
  return at;
}

/* Takes the entry at *at out of the table and frees it. */
static void entry_drop(struct kept_entry **at) {
  struct kept_entry *e = *at;
  *at = e->next_in_bucket;
  lru_unlink(&kept.used, &e->used);
  kept.bytes -= e->len;
  kept.entries--;
  free(e->text);
  free(e);
}

static void drop_oldest(void) {
  struct kept_entry *e = LRU_ENTRY(kept.used.oldest, struct kept_entry, used);
  entry_drop(place_of(e->key, e->hash));
}

bool kept_copy(const char *key, char **text, size_t *len) {
  uint32_t hash = hash_of(key);
  pthread_mutex_lock(&kept.lock);
  struct kept_entry *e = *place_of(key, hash);
  if (e != NULL) {
    lru_touch(&kept.used, &e->used);
    *text = malloc(e->len + 1);
    if (*text == NULL)
      abort();
    memcpy(*text, e->text, e->len + 1);
    *len = e->len;
  }
  pthread_mutex_unlock(&kept.lock);
  atomic_fetch_add(e != NULL ? &kept_hits : &kept_misses, 1);
  return e != NULL;
}

void kept_put(const char *key, const char *text, size_t len) {
  size_t key_len = strlen(key);
  if (key_len >= KEPT_KEY_MAX || len >= KEPT_BYTES / 4)
    return;
  struct kept_entry *e = malloc(sizeof *e + key_len + 1);
  char *copy = malloc(len + 1);
  if (e == NULL || copy == NULL)
    abort();
  memcpy(copy, text, len);
  copy[len] = '\0';
  memcpy(e->key, key, key_len + 1);
  e->hash = hash_of(key);
  e->text = copy;
  e->len = len;
  pthread_mutex_lock(&kept.lock);
  struct kept_entry **at = place_of(key, e->hash);
  if (*at != NULL)
    entry_drop(at);
  while (kept.used.oldest != NULL &&
         (kept.bytes + len > KEPT_BYTES || kept.entries + 1 > KEPT_ENTRIES))
    drop_oldest();
  e->next_in_bucket = kept.buckets[e->hash % KEPT_BUCKETS];
  kept.buckets[e->hash % KEPT_BUCKETS] = e;
  lru_push_newest(&kept.used, &e->used);
  kept.bytes += len;
  kept.entries++;
  pthread_mutex_unlock(&kept.lock);
}

void kept_clear(void) {
  pthread_mutex_lock(&kept.lock);
  while (kept.used.oldest != NULL)
    drop_oldest();
  pthread_mutex_unlock(&kept.lock);
}

static atomic_bool keys_on = true;

void kept_keys_configure(bool on) {
  atomic_store(&keys_on, on);
}

bool kept_key(char *key, size_t size, const char *what, const char *scope_kind,
              const char *scope_id, const char *stamp) {
  if (!atomic_load(&keys_on) || strcmp(scope_kind, "assigned") == 0 ||
      size > KEPT_KEY_MAX)
    return false;
  int n = snprintf(key, size, "%s|%s:%s|%s", what, scope_kind, scope_id, stamp);
  return n > 0 && (size_t)n < size;
}

void kept_counts(unsigned long long *hits, unsigned long long *misses,
                 size_t *bytes) {
  *hits = atomic_load(&kept_hits);
  *misses = atomic_load(&kept_misses);
  pthread_mutex_lock(&kept.lock);
  *bytes = kept.bytes;
  pthread_mutex_unlock(&kept.lock);
}
