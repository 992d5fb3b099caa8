/* PostgreSQL access. Every thread of the server owns one connection
 * (connected on first use, again after it breaks). Statements are named in
 * src/sql/ (one .def file per resource) and prepared lazily on each connection.
 * Writes go through db_txn, which retries serialization failures and deadlocks.
 */
#ifndef OPORA_DB_H
#define OPORA_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct request;

enum stmt_id {
#define STMT(id, sql) STMT_##id,
#include "../src/sql/statements.def"
#undef STMT
  STMT_COUNT
};

/* Keeps the settings connections are opened with. */
void db_configure(const struct config *cfg);
/* Closes this thread's connection (thread exit) or every one (shutdown). */
void db_close_all(void);

/* This thread's connection, opened if needed; NULL when the database cannot
 * be reached. */
PGconn *db_connection(void);

/* A connection of a request's own, outside the thread's (a bulk push keeps
 * a transaction open across many calls of its thread), without a statement
 * timeout. NULL when the database cannot be reached. */
PGconn *db_connect_own(void);
void db_disconnect_own(PGconn *pg);

/* Runs a prepared statement. Returns its result on success (caller PQclears
 * it). On failure returns NULL: outside a transaction it has answered the
 * request (503 when the database is down, a mapped problem otherwise);
 * inside db_txn the runner answers after rolling back. */
PGresult *db_exec(struct request *rq, enum stmt_id id, int n_params,
                  const char *const *params);

/* A unit of work inside one transaction. Returns true to commit; false to
 * roll back, having answered the request or after a failed db_exec. */
typedef bool (*db_work_fn)(struct request *rq, void *arg);

/* BEGIN; work; COMMIT, retrying the whole unit a bounded number of times on
 * serialization failure or deadlock. True when committed. */
bool db_txn(struct request *rq, db_work_fn work, void *arg);

/* Metrics: open connections and failed statements so far. */
long db_open_connections(void);
unsigned long long db_error_count(void);

/* A statement or query that succeeded (command or rows). */
bool db_result_ok(const PGresult *r);

/* Ids as the text of a bigint[] parameter: "{1,2,3}". Caller frees. */
char *db_id_array(const int64_t *ids, size_t n);

/* Statement registry (for tests and tools). */
const char *db_stmt_name(enum stmt_id id);
const char *db_stmt_sql(enum stmt_id id);

#endif
