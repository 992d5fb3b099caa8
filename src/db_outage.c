/* Whether the database is down, as the whole process sees it. A failed
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

#include "log.h"

#define BACKOFF_FIRST_MS 50u
#define BACKOFF_MAX_MS 800u
#define MS 1000000ull

static atomic_bool down;
static atomic_bool probing; /* a thread is trying to connect */
static atomic_ullong
    next_attempt_ns; /* clock_ns(): the next probe, not before */
static atomic_ullong outage_start_ns; /* clock_ns(): when the outage began */
static atomic_ullong attempts, refused;
static atomic_ullong random_state;

/* Changes of state only (rare): under the lock. */
static pthread_mutex_t change_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned backoff_ms;
static uint64_t recovered_ns; /* when the last outage ended */
static unsigned long long attempts_at_start, refused_at_start;

/* splitmix64 over a shared counter: jitter needs no quality, only spread. */
static uint64_t random_u64(void) {
  uint64_t z = atomic_fetch_add(&random_state, 0x9e3779b97f4a7c15ull) +
               0x9e3779b97f4a7c15ull + clock_ns();
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The next probe: between half the backoff and all of it from now. */
static void schedule_probe(uint64_t now) {
  uint64_t half = backoff_ms / 2;
  uint64_t wait_ms = half + random_u64() % (backoff_ms - half + 1);
  atomic_store(&next_attempt_ns, now + wait_ms * MS);
}

enum db_admit db_outage_admit(void) {
  if (!atomic_load(&down))
    return DB_CONNECT;
  if (clock_ns() >= atomic_load(&next_attempt_ns) &&
      !atomic_exchange(&probing, true))
    return DB_PROBE;
  atomic_fetch_add(&refused, 1);
  return DB_REFUSE;
}

static void outage_begin(uint64_t now, const char *reason) {
  atomic_store(&outage_start_ns, now);
  attempts_at_start = atomic_load(&attempts);
  refused_at_start = atomic_load(&refused);
  backoff_ms = BACKOFF_FIRST_MS;
  schedule_probe(now);
  atomic_store(&down, true);
  log_msg(LOG_WARN,
          "database unreachable, answering 503 until a connection succeeds: "
          "%s",
          reason);
}

static void outage_end(uint64_t now) {
  uint64_t start = atomic_load(&outage_start_ns);
  atomic_store(&down, false);
  recovered_ns = now;
  log_msg(LOG_WARN,
          "database reachable again after %.3f s: %llu request(s) refused, "
          "%llu connection attempt(s) meanwhile",
          (double)(now - start) / 1e9, atomic_load(&refused) - refused_at_start,
          atomic_load(&attempts) - attempts_at_start);
}

void db_outage_result(uint64_t started_ns, enum db_admit admit, bool ok,
                      const char *reason) {
  atomic_fetch_add(&attempts, 1);
  uint64_t now = clock_ns();
  pthread_mutex_lock(&change_lock);
  bool is_down = atomic_load(&down);
  /* An attempt begun before the last change of state says nothing new. */
  if (ok && is_down && started_ns >= atomic_load(&outage_start_ns)) {
    outage_end(now);
  } else if (!ok && !is_down && started_ns >= recovered_ns) {
    outage_begin(now, reason);
  } else if (!ok && is_down && admit == DB_PROBE) {
    backoff_ms =
        backoff_ms * 2 < BACKOFF_MAX_MS ? backoff_ms * 2 : BACKOFF_MAX_MS;
    schedule_probe(now);
  }
  pthread_mutex_unlock(&change_lock);
  if (admit == DB_PROBE)
    atomic_store(&probing, false);
}

bool db_up(void) {
  return !atomic_load(&down);
}

double db_outage_seconds(void) {
  if (!atomic_load(&down))
    return 0;
  uint64_t start = atomic_load(&outage_start_ns), now = clock_ns();
  return now > start ? (double)(now - start) / 1e9 : 0;
}

unsigned long long db_connect_attempts(void) {
  return atomic_load(&attempts);
}

unsigned long long db_refused_count(void) {
  return atomic_load(&refused);
}
