/* Whether a database target (the primary, or one replica) is down, as the
 * whole process sees it; each target has a state of its own. A failed
 * connection attempt starts an outage: until an attempt succeeds, threads
 * without a connection refuse their requests at once (503), and one thread
 * at a time tries again after a backoff that doubles from 50 ms to 800 ms,
 * with jitter, so that service is back within a second of the database. A
 * backend killed while the database is up is no outage: its thread
 * reconnects at once. Logged once when an outage starts and once when it
 * ends. */
#include "db_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define BACKOFF_FIRST_MS 50u
#define BACKOFF_MAX_MS 800u
#define MS 1000000ull

/* One target's state. Changes of state are rare: under the lock. */
struct outage {
  atomic_bool down;
  atomic_bool probing;           /* a thread is trying to connect */
  atomic_ullong next_attempt_ns; /* clock_ns(): the next probe, not before */
  atomic_ullong outage_start_ns; /* clock_ns(): when the outage began */
  atomic_ullong attempts, refused;
  pthread_mutex_t change_lock;
  unsigned backoff_ms;
  uint64_t recovered_ns; /* when the last outage ended */
  unsigned long long attempts_at_start, refused_at_start;
};

static struct outage targets[DB_TARGETS_MAX];
static pthread_once_t targets_once = PTHREAD_ONCE_INIT;
static atomic_ullong random_state;

static void targets_init(void) {
  for (size_t i = 0; i < DB_TARGETS_MAX; i++)
    pthread_mutex_init(&targets[i].change_lock, NULL);
}

static struct outage *target_state(int target) {
  pthread_once(&targets_once, targets_init);
  return &targets[target >= 0 && target < DB_TARGETS_MAX ? target : 0];
}

/* splitmix64 over a shared counter: jitter needs no quality, only spread. */
static uint64_t random_u64(void) {
  uint64_t z = atomic_fetch_add(&random_state, 0x9e3779b97f4a7c15ull) +
               0x9e3779b97f4a7c15ull + clock_ns();
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The next probe: between half the backoff and all of it from now. */
static void schedule_probe(struct outage *o, uint64_t now) {
  uint64_t half = o->backoff_ms / 2;
  uint64_t wait_ms = half + random_u64() % (o->backoff_ms - half + 1);
  atomic_store(&o->next_attempt_ns, now + wait_ms * MS);
}

enum db_admit db_outage_admit(int target) {
  struct outage *o = target_state(target);
  if (!atomic_load(&o->down))
    return DB_CONNECT;
  if (clock_ns() >= atomic_load(&o->next_attempt_ns) &&
      !atomic_exchange(&o->probing, true))
    return DB_PROBE;
  atomic_fetch_add(&o->refused, 1);
  return DB_REFUSE;
}

static void outage_begin(struct outage *o, int target, uint64_t now,
                         const char *reason) {
  atomic_store(&o->outage_start_ns, now);
  o->attempts_at_start = atomic_load(&o->attempts);
  o->refused_at_start = atomic_load(&o->refused);
  o->backoff_ms = BACKOFF_FIRST_MS;
  schedule_probe(o, now);
  atomic_store(&o->down, true);
  if (target == DB_PRIMARY)
    log_msg(LOG_WARN,
            "database unreachable, answering 503 until a connection "
            "succeeds: %s",
            reason);
  else
    log_msg(LOG_WARN,
            "replica %d unreachable, reading from the primary until a "
            "connection succeeds: %s",
            target, reason);
}

static void outage_end(struct outage *o, int target, uint64_t now) {
  uint64_t start = atomic_load(&o->outage_start_ns);
  atomic_store(&o->down, false);
  o->recovered_ns = now;
  char what[32];
  if (target == DB_PRIMARY)
    snprintf(what, sizeof what, "database");
  else
    snprintf(what, sizeof what, "replica %d", target);
  log_msg(LOG_WARN,
          "%s reachable again after %.3f s: %llu request(s) refused, %llu "
          "connection attempt(s) meanwhile",
          what, (double)(now - start) / 1e9,
          atomic_load(&o->refused) - o->refused_at_start,
          atomic_load(&o->attempts) - o->attempts_at_start);
}

void db_outage_result(int target, uint64_t started_ns, enum db_admit admit,
                      bool ok, const char *reason) {
  struct outage *o = target_state(target);
  atomic_fetch_add(&o->attempts, 1);
  uint64_t now = clock_ns();
  pthread_mutex_lock(&o->change_lock);
  bool is_down = atomic_load(&o->down);
  /* An attempt begun before the last change of state says nothing new. */
  if (ok && is_down && started_ns >= atomic_load(&o->outage_start_ns)) {
    outage_end(o, target, now);
  } else if (!ok && !is_down && started_ns >= o->recovered_ns) {
    outage_begin(o, target, now, reason);
  } else if (!ok && is_down && admit == DB_PROBE) {
    o->backoff_ms =
        o->backoff_ms * 2 < BACKOFF_MAX_MS ? o->backoff_ms * 2 : BACKOFF_MAX_MS;
    schedule_probe(o, now);
  }
  pthread_mutex_unlock(&o->change_lock);
  if (admit == DB_PROBE)
    atomic_store(&o->probing, false);
}

bool db_target_up(int target) {
  return !atomic_load(&target_state(target)->down);
}

bool db_up(void) {
  return db_target_up(DB_PRIMARY);
}

double db_outage_seconds(void) {
  struct outage *o = target_state(DB_PRIMARY);
  if (!atomic_load(&o->down))
    return 0;
  uint64_t start = atomic_load(&o->outage_start_ns), now = clock_ns();
  return now > start ? (double)(now - start) / 1e9 : 0;
}

unsigned long long db_connect_attempts(void) {
  return atomic_load(&target_state(DB_PRIMARY)->attempts);
}

unsigned long long db_refused_count(void) {
  return atomic_load(&target_state(DB_PRIMARY)->refused);
}
