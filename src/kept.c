#include "kept.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1,024 slots, 32 MB: the cards of a region's ШНОР and ШНСУ schools and
 * their neighbours several times over (a card is some 25 kB). */
#define KEPT_SLOTS 1024
#define KEPT_BYTES (32u << 20)
#define KEPT_ETAG KEPT_KEY_MAX

struct kept_slot {
  char etag[KEPT_ETAG];
  char *text;
  size_t len;
};

static struct {
  pthread_mutex_t lock;
  struct kept_slot slots[KEPT_SLOTS];
  size_t bytes;
} kept = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_ullong kept_hits, kept_misses;

static struct kept_slot *slot_of(const char *etag) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)etag; *p; p++)
    h = (h ^ *p) * 16777619u;
  return &kept.slots[h % KEPT_SLOTS];
}

bool kept_copy(const char *etag, char **text, size_t *len) {
  bool found = false;
  pthread_mutex_lock(&kept.lock);
  struct kept_slot *s = slot_of(etag);
  if (s->text != NULL && strcmp(s->etag, etag) == 0) {
    *text = malloc(s->len + 1);
    if (*text == NULL)
      abort();
    memcpy(*text, s->text, s->len + 1);
    *len = s->len;
    found = true;
  }
  pthread_mutex_unlock(&kept.lock);
  atomic_fetch_add(found ? &kept_hits : &kept_misses, 1);
  return found;
}

void kept_put(const char *etag, const char *text, size_t len) {
  if (strlen(etag) >= KEPT_ETAG)
    return;
  char *copy = malloc(len + 1);
  if (copy == NULL)
    abort();
  memcpy(copy, text, len);
  copy[len] = '\0';
  pthread_mutex_lock(&kept.lock);
  struct kept_slot *s = slot_of(etag);
  size_t freed = s->text != NULL ? s->len : 0;
  if (kept.bytes - freed + len > KEPT_BYTES) {
    pthread_mutex_unlock(&kept.lock);
    free(copy);
    return;
  }
  free(s->text);
  kept.bytes = kept.bytes - freed + len;
  strcpy(s->etag, etag);
  s->text = copy;
  s->len = len;
  pthread_mutex_unlock(&kept.lock);
}

void kept_clear(void) {
  pthread_mutex_lock(&kept.lock);
  for (size_t i = 0; i < KEPT_SLOTS; i++) {
    free(kept.slots[i].text);
    kept.slots[i].text = NULL;
  }
  kept.bytes = 0;
  pthread_mutex_unlock(&kept.lock);
}

static atomic_bool keys_on = true;

void kept_keys_configure(bool on) {
  atomic_store(&keys_on, on);
}

bool kept_key(char *key, size_t size, const char *what, const char *scope_kind,
              const char *scope_id, const char *stamp) {
  if (!atomic_load(&keys_on) || strcmp(scope_kind, "assigned") == 0 ||
      size > KEPT_ETAG)
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
