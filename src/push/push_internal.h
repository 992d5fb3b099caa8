/* The state of a push, shared by push.c (its life), push_rows.c (where
 * each row goes) and push_copy.c (its connection). Types only: each file's
 * functions are in its own header, and the calls go one way: push.c ->
 * push_rows.c -> push_copy.c. Not for other folders: include/push.h is the
 * interface. */
#ifndef OPORA_PUSH_INTERNAL_H
#define OPORA_PUSH_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "copy_pipe.h"
#include "db.h"
#include "push.h"
#include "push_stats.h"
#include "push_stored.h"

struct request;

struct school_code {
  char *code;
  int64_t id;
};

/* A growing buffer of COPY data (rows in binary, or text). */
struct lines {
  char *text;
  size_t len, cap;
  long rows;
};

/* A Bloom filter of the participant codes new to the instrument that the
 * push has seen: "no" is certain, "maybe" is checked by the database. Its
 * size is fixed when the push starts. */
struct seen_filter {
  uint64_t *bits;
  uint64_t n_bits; /* a power of two */
};

struct push {
  struct request *rq; /* the request the push answers (outlives the push) */
  struct instrument ins;
  struct push_options opt;
  char key[256];
  PGconn *pg;
  int64_t import_id;
  char year[16], assessment[24], import[24];
  char timeout_ms[16]; /* statement_timeout, as set_config takes it */
  long batch_rows;
  unsigned key_bits; /* of the stored map's keys (tests: fewer) */
  uint64_t started_ns;
  crypto_hash_sha256_state sha;

  /* Idempotency-Key seen before: the body is only hashed, then the first
   * answer is replayed (same body) or refused (another body). */
  bool replay;
  char replay_sha[65];
  int replay_status;
  char *replay_answer;

  struct results_parser *parser;
  bool body_fatal; /* the body cannot be read on (its header, its syntax) */
  bool db_failed;  /* answered: the rest is dropped */

  struct school_code *codes; /* open addressing, n_codes a power of two */
  size_t n_codes;
  struct stats_table stats;

  /* Rows new to the instrument: one COPY straight into the results. */
  struct lines fresh;
  bool copy_open;
  bool copy_binary;       /* the open COPY is binary: a trailer ends it */
  struct copy_pipe *pipe; /* sends the new rows while parsing goes on */
  long fresh_sent;        /* rows sent since the COPY opened */
  /* Rows that may meet a stored or an earlier row: merged in batches
   * through a temporary table. */
  struct lines suspect;
  struct seen_filter seen;
  /* The instrument's rows when the push began: a participant sent again
   * with the same hash is unchanged and not sent to the database. */
  struct stored_map stored;
  /* A push much smaller than the instrument: no map; every row goes
   * through the batches, which write it with the push's id. */
  bool stored_in_db;
  int64_t *replaced; /* replace=school: every school of the push */
  size_t n_replaced, cap_replaced;

  long received, inserted, updated, unchanged, deleted, rejected;
  long last_bad_row;

  /* Its record while it runs (push_progress.c). */
  bool progress_due;    /* started: the record is written at the next tick */
  bool progress_on;     /* begun, and not yet ended nor failed */
  uint64_t progress_ns; /* clock_ns() of the last write of its counters */
  long counted_received, counted_rejected; /* in the metrics already */

  FILE *problems; /* every problem, as COPY text */
  long problems_count;
  json_t *shown; /* the first PUSH_PROBLEMS_SHOWN */
};

/* The import record's fields that say who pushed what and how: the same in
 * the record written as the push starts (push_progress.c) and in its final
 * one. Fills the first PUSH_RECORD_ARGS entries of `out`. */
enum { PUSH_RECORD_ARGS = 11 };
void push_record_args(const struct push *p,
                      struct db_arg out[PUSH_RECORD_ARGS]);

#endif
