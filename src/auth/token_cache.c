/* Verified tokens, kept briefly so that a request with a token costs no
 * database round trip. A fixed table of slots indexed by the token hash:
 * bounded memory, and a collision only costs a lookup. One mutex: the
 * critical sections copy a small struct. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"

#define SLOTS 8192

struct slot {
  char hash[65]; /* "" = empty */
  struct principal principal;
  int64_t trusted_until; /* Unix seconds */
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned ttl = 30;

void token_cache_configure(unsigned ttl_seconds) {
  ttl = ttl_seconds;
}

static struct slot *slot_of(const char *hash_hex) {
  /* The hash is uniformly random: its first hex digits index well. */
  unsigned long index = strtoul(
      (char[]){hash_hex[0], hash_hex[1], hash_hex[2], hash_hex[3], '\0'}, NULL,
      16);
  return &slots[index % SLOTS];
}

static int64_t now_seconds(void) {
  return (int64_t)time(NULL);
}

bool token_cache_get(const char *hash_hex, struct principal *out) {
  struct slot *s = slot_of(hash_hex);
  bool found = false;
  pthread_mutex_lock(&lock);
  if (strcmp(s->hash, hash_hex) == 0 && s->trusted_until > now_seconds()) {
    *out = s->principal;
    found = true;
  }
  pthread_mutex_unlock(&lock);
  return found;
}

void token_cache_put(const char *hash_hex, const struct principal *p) {
  if (ttl == 0)
    return;
  int64_t until = now_seconds() + ttl;
  if (until > p->expires_at)
    until = p->expires_at;
  struct slot *s = slot_of(hash_hex);
  pthread_mutex_lock(&lock);
  memcpy(s->hash, hash_hex, sizeof s->hash);
  s->hash[64] = '\0';
  s->principal = *p;
  s->trusted_until = until;
  pthread_mutex_unlock(&lock);
}

void token_cache_evict_token(int64_t token_id) {
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < SLOTS; i++)
    if (slots[i].hash[0] != '\0' && slots[i].principal.token_id == token_id)
      slots[i].hash[0] = '\0';
  pthread_mutex_unlock(&lock);
}

void token_cache_evict_principal(enum principal_kind kind, int64_t id) {
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < SLOTS; i++)
    if (slots[i].hash[0] != '\0' && slots[i].principal.kind == kind &&
        slots[i].principal.id == id)
      slots[i].hash[0] = '\0';
  pthread_mutex_unlock(&lock);
}
