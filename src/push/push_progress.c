/* A push's record while it runs (push_progress.h). It is written on the
 * thread's side connection (db_side_call): committed at once and seen by
 * readers while the push's own transaction is still open. Best-effort: a
 * failure there is logged and the push goes on; its transaction writes
 * the final record either way (an upsert). One UPDATE a second at most,
 * whatever the rows: nothing here runs per row. */
#include "push_progress.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "principal.h"
#include "request.h"

#define PROGRESS_EVERY_MS 1000u

static struct {
  atomic_ullong committed, rejected, dry_run, failed;
  atomic_ullong rows_received, rows_accepted, rows_rejected;
  atomic_long running;
} counts;

void push_counts(struct push_counts *out) {
  out->committed = atomic_load(&counts.committed);
  out->rejected = atomic_load(&counts.rejected);
  out->dry_run = atomic_load(&counts.dry_run);
  out->failed = atomic_load(&counts.failed);
  out->rows_received = atomic_load(&counts.rows_received);
  out->rows_accepted = atomic_load(&counts.rows_accepted);
  out->rows_rejected = atomic_load(&counts.rows_rejected);
  out->running = atomic_load(&counts.running);
}

/* Rows received and rejected since the last count, into the metrics. */
static void rows_count(struct push *p) {
  atomic_fetch_add(&counts.rows_received,
                   (unsigned long long)(p->received - p->counted_received));
  atomic_fetch_add(&counts.rows_rejected,
                   (unsigned long long)(p->rejected - p->counted_rejected));
  p->counted_received = p->received;
  p->counted_rejected = p->rejected;
}

/* The push is over: its rows and its outcome counted. */
static void finish_count(struct push *p, atomic_ullong *outcome) {
  rows_count(p);
  if (p->received > p->rejected)
    atomic_fetch_add(&counts.rows_accepted,
                     (unsigned long long)(p->received - p->rejected));
  atomic_fetch_add(outcome, 1);
  atomic_fetch_sub(&counts.running, 1);
  p->progress_on = false;
}

static void side_run(enum stmt_id id, const struct db_arg *args,
                     const json_t *values) {
  PQclear(db_side_call(id, args, values));
}

static void counters_args(const struct push *p, char received[24],
                          char rejected[24], char problems[24]) {
  snprintf(received, 24, "%ld", p->received);
  snprintf(rejected, 24, "%ld", p->rejected);
  snprintf(problems, 24, "%ld", p->problems_count);
}

static void progress_begin(struct push *p) {
  struct request *rq = p->rq;
  p->progress_due = false;
  p->progress_on = true;
  p->progress_ns = clock_ns();
  atomic_fetch_add(&counts.running, 1);
  rows_count(p);
  char received[24], rejected[24], problems[24];
  counters_args(p, received, rejected, problems);
  struct db_arg texts[PUSH_RECORD_ARGS + 4];
  push_record_args(p, texts);
  texts[PUSH_RECORD_ARGS] = (struct db_arg){"rows_received", received};
  texts[PUSH_RECORD_ARGS + 1] = (struct db_arg){"rows_rejected", rejected};
  texts[PUSH_RECORD_ARGS + 2] = (struct db_arg){"problems_count", problems};
  texts[PUSH_RECORD_ARGS + 3] = (struct db_arg)DB_END;
  json_t *values =
      json_pack("{sI sb}", "actor_id", (json_int_t)rq->principal.id, "dry_run",
                p->opt.dry_run);
  side_run(STMT_PUSH_PROGRESS_START, texts, values);
  json_decref(values);
}

void progress_tick(struct push *p) {
  if (p->progress_due) {
    progress_begin(p);
    return;
  }
  if (!p->progress_on)
    return;
  uint64_t now = clock_ns();
  if (now - p->progress_ns < PROGRESS_EVERY_MS * 1000000ull)
    return;
  p->progress_ns = now;
  rows_count(p);
  char received[24], rejected[24], problems[24];
  counters_args(p, received, rejected, problems);
  const struct db_arg args[] = {{"id", p->import},
                                {"rows_received", received},
                                {"rows_rejected", rejected},
                                {"problems_count", problems},
                                DB_END};
  side_run(STMT_PUSH_PROGRESS, args, NULL);
}

void progress_end(struct push *p, const char *outcome) {
  if (!p->progress_on)
    return;
  finish_count(p, strcmp(outcome, "committed") == 0  ? &counts.committed
                  : strcmp(outcome, "rejected") == 0 ? &counts.rejected
                                                     : &counts.dry_run);
}

void progress_fail(struct push *p) {
  if (!p->progress_on)
    return;
  finish_count(p, &counts.failed);
  char received[24], rejected[24], problems[24], ms[24], status[16];
  counters_args(p, received, rejected, problems);
  snprintf(ms, sizeof ms, "%ld",
           (long)((clock_ns() - p->started_ns) / 1000000u));
  snprintf(status, sizeof status, "%u", p->rq->status);
  const struct db_arg args[] = {{"id", p->import},
                                {"rows_received", received},
                                {"rows_rejected", rejected},
                                {"problems_count", problems},
                                {"duration_ms", ms},
                                {"status", p->rq->status ? status : NULL},
                                DB_END};
  side_run(STMT_PUSH_PROGRESS_FAIL, args, NULL);
}
