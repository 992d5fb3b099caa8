/* PostgreSQL access. Every thread of the server owns one connection
 * (connected on first use, again after it breaks). Statements are named in
 * src/db/sql/ (one .def file per resource) and prepared lazily on each
 * connection. Writes go through db_txn, which retries serialization failures
 * and deadlocks.
 */
#ifndef OPORA_DB_H
#define OPORA_DB_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct request;

/* Database targets: the primary (DATABASE_URL) and the streaming replicas
 * of OPORA_DATABASE_READ_URL, numbered 1 .. db_replica_count(). Writes and
 * whatever must see them run on the primary; a GET's reads on a replica
 * (src/db/db_route.c). */
#define DB_PRIMARY 0
#define DB_REPLICAS_MAX CONFIG_READ_URLS_MAX
#define DB_TARGETS_MAX (1 + DB_REPLICAS_MAX)

/* enum stmt_id: STMT_<NAME> for each statement of the .def files of
 * src/db/sql, then STMT_COUNT; generated into the build tree
 * (cmake/stmt_ids.cmake). */
#include "stmt_ids.h"

/* A statement's parameters are declared beside its SQL (the .def files of
 * src/db/sql): STMT(SCHOOLS_LIST, ARGS(ID(region), TEXT(q), CURSOR_KEY,
 * CURSOR_ID, LIMIT), SCOPED, "SELECT ... $1::bigint ... $2::text ...") names
 * them in the order of $1, $2, ..., with the type the SQL gives each; SCOPED
 * appends the caller's scope (kind text, id bigint) as the last two. db_call
 * binds them by name; db_check_statements compares the declarations with what
 * PostgreSQL infers (PQdescribePrepared), at start-up and in a unit test, so a
 * drift fails there and never at a user. */
enum db_type {
  DB_BIGINT,
  DB_INT,
  DB_NUMERIC,
  DB_TEXT,
  DB_BOOL,
  DB_DATE,
  DB_TIMESTAMPTZ,
  DB_JSON,
  DB_JSONB,
  DB_BIGINT_ARRAY,
  DB_TEXT_ARRAY,
};

struct db_param {
  const char *name;
  enum db_type type;
};

/* A value bound by name; value NULL is SQL NULL. Lists of them end with
 * DB_END. */
struct db_arg {
  const char *name;
  const char *value;
};
#define DB_END                                                                 \
  { NULL, NULL }

/* Runs a declared statement: each parameter is taken from `args` when named
 * there, else from the member of `values` (a checked query or body) of the
 * same name (absent or null: SQL NULL); a SCOPED statement gets the
 * caller's scope. An argument the statement does not declare, or a
 * parameter found nowhere when `values` is NULL, is a programming error:
 * logged, answered 500. Otherwise as db_exec. */
PGresult *db_call(struct request *rq, enum stmt_id id,
                  const struct db_arg *args, const json_t *values);

/* The same on a connection of one's own (a push), outside the thread's;
 * scope_kind/scope_id for a SCOPED statement. NULL when the arguments do
 * not fit the declaration (logged). */
PGresult *db_call_on(PGconn *pg, enum stmt_id id, const struct db_arg *args,
                     const json_t *values, const char *scope_kind,
                     const char *scope_id);

/* The same sent without waiting (PQsendQueryParams: a read in single-row
 * mode). 0 when the arguments do not fit the declaration (logged) or the
 * send failed. */
int db_send_on(PGconn *pg, enum stmt_id id, const struct db_arg *args,
               const json_t *values, const char *scope_kind,
               const char *scope_id);

/* A result's value by column name; NULL when SQL NULL. A column the
 * statement does not return is a programming error (abort): tests find it. */
const char *db_get(const PGresult *r, int row, const char *column);
bool db_is_null(const PGresult *r, int row, const char *column);
/* The column's number, as db_get finds it: for a loop over many rows (or
 * over the one-row results of single-row mode), found once. */
int db_column(const PGresult *r, const char *column);

/* The statement takes the caller's scope (SCOPED): a catalogue's do not. */
bool db_stmt_scoped(enum stmt_id id);

/* Prepares every statement on conn and compares its parameters
 * with the declaration. Returns how many differ, each described in err
 * (the first few), or -1 when a statement cannot be prepared at all. */
int db_check_statements(PGconn *conn, char *err, size_t err_len);

/* Keeps the settings connections are opened with. */
void db_configure(const struct config *cfg);
/* Closes this thread's connection (thread exit) or every one (shutdown). */
void db_close_all(void);

/* This thread's connection to the primary, opened if needed; NULL when the
 * database cannot be reached. */
PGconn *db_connection(void);
/* The same to a target (DB_PRIMARY or a replica). */
PGconn *db_target_connection(int target);
int db_replica_count(void);

/* The request reads from the primary from now on, never from an older
 * snapshot again: after a read failed on a replica, or to fill a cache
 * whose invalidations come from the primary. */
void db_read_on_primary(struct request *rq);

/* Reads and fallbacks per target, for /metrics (src/db/db_route.c). */
struct db_route_counts {
  unsigned long long
      reads[DB_TARGETS_MAX];     /* requests whose reads went there */
  unsigned long long waits;      /* reads that waited for a replica's replay */
  unsigned long long waited_out; /* ... and then read from the primary */
  unsigned long long fallbacks;  /* reads moved to the primary by a failure */
  uint64_t replayed[DB_TARGETS_MAX]; /* each replica's position, last seen */
};
void db_route_counts(struct db_route_counts *out);

/* WAL positions as PostgreSQL writes them ("16/B374D848"); 0 when text is
 * not one. */
uint64_t db_lsn_parse(const char *text);
/* The position a one-row statement (STMT_REPLAY_LSN, STMT_WAL_INSERT_LSN)
 * reads on this thread's connection to target; 0 when it cannot say. */
uint64_t db_lsn_of(int target, enum stmt_id id);

/* A connection of a request's own, outside the thread's (a bulk push keeps
 * a transaction open across many calls of its thread), without a statement
 * timeout. NULL when the database cannot be reached. */
PGconn *db_connect_own(void);
void db_disconnect_own(PGconn *pg);
/* A statement (UNSCOPED) on this thread's side connection to the primary,
 * opened on first use and closed with the thread's others: autocommit,
 * short statement and lock timeouts, and prepared statements of its own.
 * For what is best-effort beside a request's own work (a push's progress,
 * written while its transaction is open on its own connection): the
 * result (caller clears), or NULL when the statement failed (logged) or the
 * database cannot be reached; it never answers a request. */
PGresult *db_side_call(enum stmt_id id, const struct db_arg *args,
                       const json_t *values);

/* The document cache's listening connection (application_name
 * "opora-docs"); closed with db_disconnect_own. */
PGconn *db_connect_listener(void);

/* A unit of work inside one transaction. Returns true to commit; false to
 * roll back, having answered the request or after a failed db_exec. */
typedef bool (*db_work_fn)(struct request *rq, void *arg);

/* BEGIN; work; COMMIT, retrying the whole unit a bounded number of times on
 * serialization failure or deadlock. True when committed. */
bool db_txn(struct request *rq, db_work_fn work, void *arg);

/* Metrics: open connections and failed statements so far. */
long db_open_connections(void);
unsigned long long db_error_count(void);
/* The outage state (src/db/db_outage.c): whether the database is up, how long
 * the current outage has lasted (0 when up), connection attempts and
 * requests refused because the database was down, since the start. */
bool db_up(void);
/* The same for one target (a replica: reads fall back to the primary). */
bool db_target_up(int target);
double db_outage_seconds(void);
unsigned long long db_connect_attempts(void);
unsigned long long db_refused_count(void);

/* A statement or query that succeeded (command or rows). */
bool db_result_ok(const PGresult *r);

/* A failed statement's connection is gone: libpq lost it, or the server
 * said so (08xxx, or 57P01/57P02: its backend was terminated). r NULL:
 * nothing came back. */
bool db_connection_lost(const PGconn *pg, const PGresult *r);
/* Answers a failed statement of a connection of one's own (a push) as
 * db_exec answers its own: a constraint of src/db/sql/constraints.def as
 * its 409, 422 or 400, a value out of range 400, 503 when the database is
 * gone or cancelled it, else 500 (logged). */
void db_reply_failure_on(struct request *rq, const PGconn *pg,
                         const PGresult *r);

/* Ids as the text of a bigint[] parameter: "{1,2,3}". Caller frees. */
char *db_id_array(const int64_t *ids, size_t n);

/* Statement registry (for tests and tools). */
const char *db_stmt_name(enum stmt_id id);
const char *db_stmt_sql(enum stmt_id id);

#endif
