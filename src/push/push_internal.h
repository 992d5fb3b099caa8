/* What src/push.c (the push's life) and src/push_rows.c (where each row
 * goes) share. Not for other files: include/push.h is the interface. */
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

  FILE *problems; /* every problem, as COPY text */
  long problems_count;
  json_t *shown; /* the first PUSH_PROBLEMS_SHOWN */
};

/* src/push.c */
/* Logs a database failure and answers 503 (the database is gone, or a
 * statement ran out of time) or 500; the push is over. */
void push_fail_db(struct push *p, const PGresult *r);
/* A statement on the push's connection, bound as db_call binds (the
 * caller's scope for a SCOPED one); NULL when its arguments do not fit the
 * declaration (logged). */
PGresult *push_run(struct push *p, enum stmt_id id, const struct db_arg *args,
                   const json_t *values);
/* A statement whose result is not needed; false after answering. */
bool push_run_ok(struct push *p, enum stmt_id id, const struct db_arg *args,
                 const json_t *values);
/* push_run's rows (caller clears), or NULL after failing the push. */
PGresult *push_query(struct push *p, enum stmt_id id,
                     const struct db_arg *args);
/* The instrument as the push's statements take it, in a list of db_arg. */
#define PUSH_INSTRUMENT_ARGS(p)                                                \
  {"year", (p)->year}, {                                                       \
    "assessment", (p)->assessment                                              \
  }
void push_problem(struct push *p, long row_no, const char *column,
                  const char *code, const char *message);
bool push_copy_start(struct push *p, enum stmt_id id);
/* The same for a COPY in binary format (include/copy_binary.h): sends its
 * header; push_copy_end sends its trailer. */
bool push_copy_start_binary(struct push *p, enum stmt_id id);
/* The statement timeout of the rest of the transaction: "0" around the COPY
 * that lasts as long as the upload, p->timeout_ms otherwise. */
bool push_timeout_set(struct push *p, const char *ms);
bool push_copy_send(struct push *p, const char *data, size_t len);
/* Ends the COPY; the result is the caller's (NULL when it could not end). */
PGresult *push_copy_end(struct push *p);

/* src/push_rows.c */
/* A well-mixed 64-bit hash of a code (school or participant). */
uint64_t push_code_hash(const char *code);
/* Sizes the filter for about `rows` codes and, for an instrument that has
 * rows, loads their codes, schools and hashes. False after answering. */
bool push_rows_prepare(struct push *p, bool has_rows, long rows);
/* One good row of a known school. False after answering. */
bool push_rows_add(struct push *p, const struct result_row *row,
                   int64_t school_id);
/* Everything still held is written. False after answering. */
bool push_rows_flush(struct push *p);
/* Stops the sending thread: before the connection is closed. */
void push_rows_free(struct push *p);

#endif
