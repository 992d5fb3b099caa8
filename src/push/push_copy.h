/* Statements and COPY on a push's connection, the answer when the database
 * fails it, and its problems (src/push/push_copy.c). */
#ifndef OPORA_PUSH_COPY_H
#define OPORA_PUSH_COPY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "db.h"
#include "push_internal.h"

/* Logs a database failure and answers it: 503 when the database is gone
 * or a statement ran out of time, else as db_exec would (a constraint's
 * 409, 422 or 400; 500); the push is over. */
void push_fail_db(struct push *p, const PGresult *r);
/* A statement on the push's connection, bound as db_call binds (the
 * caller's scope for a SCOPED one); NULL when its arguments do not fit the
 * declaration (logged). */
PGresult *push_run(struct push *p, enum stmt_id id, const struct db_arg *args,
                   const json_t *values);
/* A statement whose result is not needed; false after answering. */
bool push_run_ok(struct push *p, enum stmt_id id, const struct db_arg *args,
                 const json_t *values);
/* A command without parameters (BEGIN, COMMIT, ROLLBACK); false after
 * failing the push. */
bool push_exec(struct push *p, const char *sql);
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
/* The same for a COPY in binary format (src/push/copy_binary.h): sends its
 * header; push_copy_end sends its trailer. */
bool push_copy_start_binary(struct push *p, enum stmt_id id);
/* The statement timeout of the rest of the transaction: "0" around the COPY
 * that lasts as long as the upload, p->timeout_ms otherwise. */
bool push_timeout_set(struct push *p, const char *ms);
bool push_copy_send(struct push *p, const char *data, size_t len);
/* Ends the COPY; the result is the caller's (NULL when it could not end). */
PGresult *push_copy_end(struct push *p);

#endif
