/* Where a request reads (docs/SCALING.md). Writes, and every statement of a
 * request that is not a GET or HEAD, run on the primary. A GET reads from
 * its thread's replica (threads take the replicas in turn), unless that
 * replica is down, or has not yet replayed the write position the request
 * must see: its Opora-LSN, or the caller's last write on this instance
 * (src/db/read_after.c). Then the request waits for the replay up to
 * OPORA_READ_WAIT_MS, polling, and otherwise reads from the primary. The
 * choice is made at the request's first statement and kept: all its reads
 * come from one target, so a change number read first (a kept dashboard's
 * stamp) is never paired with an older snapshot read after it. */
#include "db.h"
#include "db_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "read_after.h"
#include "request.h"

#define POLL_FIRST_US 500u
#define POLL_MAX_US 5000u
#define LAGGING_PAUSE_NS 1000000000ull

static unsigned wait_ms = 100;
static atomic_uint next_slot;
static _Thread_local unsigned thread_slot; /* 1 + this thread's turn */

/* Each replica's replay position as last seen: a request that needs no
 * more is sent there without asking. */
static _Atomic uint64_t replayed[DB_TARGETS_MAX];
/* A replica that made a request wait in vain is not waited for again
 * until this time (clock_ns()): while it lags, reads go to the primary at
 * once instead of each paying the whole wait. */
static atomic_ullong lagging_until[DB_TARGETS_MAX];
static atomic_ullong reads[DB_TARGETS_MAX];
static atomic_ullong waits, waited_out, fallbacks;

void db_route_configure(unsigned read_wait_ms) {
  wait_ms = read_wait_ms;
}

uint64_t db_lsn_parse(const char *text) {
  unsigned hi, lo;
  char end;
  if (text == NULL || sscanf(text, "%8X/%8X%c", &hi, &lo, &end) != 2)
    return 0;
  return (uint64_t)hi << 32 | lo;
}

static void note_replayed(int target, uint64_t lsn) {
  uint64_t seen = atomic_load(&replayed[target]);
  while (lsn > seen &&
         !atomic_compare_exchange_weak(&replayed[target], &seen, lsn))
    ;
}

/* Asks the replica how far it has replayed; 0 when it cannot say. */
uint64_t db_lsn_of(int target, enum stmt_id id) {
  PGconn *pg = db_target_connection(target);
  if (pg == NULL)
    return 0;
  PGresult *r =
      db_call_on(pg, id, (const struct db_arg[]){DB_END}, NULL, NULL, NULL);
  uint64_t lsn = 0;
  if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
    lsn = db_lsn_parse(PQgetvalue(r, 0, 0));
  PQclear(r);
  return lsn;
}

static uint64_t ask_replayed(int target) {
  uint64_t lsn = db_lsn_of(target, STMT_REPLAY_LSN);
  if (lsn != 0)
    note_replayed(target, lsn);
  return lsn;
}

static uint64_t now_us(void) {
  return clock_ns() / 1000u;
}

static void sleep_us(unsigned us) {
  struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000L};
  nanosleep(&ts, NULL);
}

/* Whether the replica has replayed `need`, waiting up to the bound. */
static bool replica_caught_up(int target, uint64_t need) {
  if (atomic_load(&replayed[target]) >= need)
    return true;
  if (ask_replayed(target) >= need)
    return true;
  if (wait_ms == 0 || !db_target_up(target) ||
      clock_ns() < atomic_load(&lagging_until[target]))
    return false;
  atomic_fetch_add(&waits, 1);
  uint64_t deadline = now_us() + (uint64_t)wait_ms * 1000u;
  for (unsigned pause = POLL_FIRST_US; now_us() < deadline;) {
    sleep_us(pause);
    if (ask_replayed(target) >= need)
      return true;
    pause = pause * 2 < POLL_MAX_US ? pause * 2 : POLL_MAX_US;
  }
  atomic_fetch_add(&waited_out, 1);
  atomic_store(&lagging_until[target], clock_ns() + LAGGING_PAUSE_NS);
  return false;
}

static int choose(const struct request *rq) {
  int n = db_replica_count();
  if (n == 0 || (rq->method != HTTP_GET && rq->method != HTTP_HEAD))
    return DB_PRIMARY;
  if (thread_slot == 0)
    thread_slot = 1 + atomic_fetch_add(&next_slot, 1);
  uint64_t need = rq->read_after_lsn;
  uint64_t mine = read_after_caller_lsn(rq);
  if (mine > need)
    need = mine;
  if (need == UINT64_MAX)
    return DB_PRIMARY; /* a position that cannot be read: be safe */
  /* The thread's own replica first, then the others that are up. */
  for (int k = 0; k < n; k++) {
    int target = 1 + (int)((thread_slot - 1 + (unsigned)k) % (unsigned)n);
    /* A replica that is down is tried again when its backoff allows (the
     * connection attempt is then this request's). */
    if (!db_target_up(target) && db_target_connection(target) == NULL)
      continue;
    if (need == 0 || atomic_load(&replayed[target]) >= need)
      return target;
  }
  int own = 1 + (int)((thread_slot - 1) % (unsigned)n);
  if (db_target_up(own) && replica_caught_up(own, need))
    return own;
  return DB_PRIMARY;
}

/* Statements that read the primary whatever the request: the token
 * lookup (a token issued a moment ago is there first; a revoked one is gone
 * there first). */
static bool reads_primary(enum stmt_id id) {
  return id == STMT_TOKEN_PRINCIPAL;
}

int db_read_target(struct request *rq, enum stmt_id id) {
  if (rq == NULL || db_replica_count() == 0 || reads_primary(id))
    return DB_PRIMARY;
  if (!rq->db_routed) {
    rq->db_routed = true;
    rq->db_target = choose(rq);
    atomic_fetch_add(&reads[rq->db_target], 1);
  }
  return rq->db_target;
}

void db_read_on_primary(struct request *rq) {
  if (rq == NULL || db_replica_count() == 0 ||
      (rq->db_routed && rq->db_target == DB_PRIMARY))
    return;
  if (rq->db_routed)
    atomic_fetch_add(&fallbacks, 1);
  rq->db_routed = true;
  rq->db_target = DB_PRIMARY;
  atomic_fetch_add(&reads[DB_PRIMARY], 1);
}

void db_route_counts(struct db_route_counts *out) {
  memset(out, 0, sizeof *out);
  for (int t = 0; t < DB_TARGETS_MAX; t++) {
    out->reads[t] = atomic_load(&reads[t]);
    out->replayed[t] = atomic_load(&replayed[t]);
  }
  out->waits = atomic_load(&waits);
  out->waited_out = atomic_load(&waited_out);
  out->fallbacks = atomic_load(&fallbacks);
}
