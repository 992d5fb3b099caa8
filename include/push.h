/* A bulk push of assessment results (docs/ASSESSMENTS.md): the body is
 * parsed as it arrives (src/push/results_parse.c), each good row is COPYed at
 * once, and everything happens in one transaction on a connection of the
 * push's own, so that nothing is seen before the answer says it is
 * committed and a dropped connection leaves nothing behind.
 *
 *   push_begin  -> connection, BEGIN, locks, Idempotency-Key, the school
 *                  codes of the caller's scope, the push's id, the filter
 *   push_feed   -> parser -> row checks -> new rows to the open COPY,
 *                  possible repeats to a batch merged through a temp table
 *   push_finish -> last rows, statistics, record and problems, COMMIT,
 *                  answer
 *   push_free   -> stops the sending thread, closes the connection
 *                  (ROLLBACK when not finished) */
#ifndef OPORA_PUSH_H
#define OPORA_PUSH_H

#include <stdbool.h>
#include <stddef.h>

#include "results_parse.h"

struct request;

struct push_options {
  enum results_format format;
  bool cp1251;              /* CSV declared charset=windows-1251 */
  bool partial;             /* ?mode=partial: keep the good rows */
  bool dry_run;             /* ?dry_run=true: check and report, write nothing */
  bool replace_school;      /* ?replace=school */
  const char *content_type; /* as sent */
  const char *idempotency_key; /* NULL when none */
};

/* Settings of every push from now on: the longest statement in
 * milliseconds (0 = none; the COPY that takes the upload as it comes is
 * bounded by lock waits only), the rows merged with stored ones at a
 * time, the bits of the stored map's keys (32; fewer only in tests, to
 * make codes share keys), and the seconds a connection may stay idle. */
void push_configure(unsigned statement_timeout_ms, unsigned batch_rows,
                    unsigned key_bits, unsigned connection_timeout_s);

/* How long the record of a running push may stay unchanged before readers
 * take it for one whose process died ('interrupted'): longer than a push
 * can go without writing its progress (an idle client, two statements). */
unsigned push_stale_seconds(void);

/* What the pushes of this process did, for /metrics: pushes by outcome
 * once they end (failed: ended without their record), the rows received
 * and rejected as they come, those accepted (received less rejected) once
 * their push ends, and the pushes running now. Replays and pushes refused
 * before they start (409, 503) are not pushes here. */
struct push_counts {
  unsigned long long committed, rejected, dry_run, failed;
  unsigned long long rows_received, rows_accepted, rows_rejected;
  long running;
};
void push_counts(struct push_counts *out);

/* How many problems the answer shows (all are kept in the record). */
#define PUSH_PROBLEMS_SHOWN 20

struct push;

/* Starts a push of rows of `ins` (copied). NULL after answering the request
 * (503; 409 `conflict` when another push holds the instrument, 409
 * `push_in_progress` when one holds the key). */
struct push *push_begin(struct request *rq, const struct instrument *ins,
                        const struct push_options *opt);

/* The next piece of the body. False once the push has answered the request
 * (a database failure): the rest of the body is to be dropped. */
bool push_feed(struct push *p, struct request *rq, const char *data,
               size_t len);

/* The end of the body: completes the push and answers the request. */
void push_finish(struct push *p, struct request *rq);

/* Frees the push; a push not finished is rolled back. */
void push_free(struct push *p);

#endif
