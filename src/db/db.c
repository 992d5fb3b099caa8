/* One connection per server thread and database target (the primary and
 * each replica), kept in thread-local storage and closed by the thread's
 * destructor: no pool, no locks on the request path. A thread that pushes
 * also keeps a side connection to the primary for the pushes' progress
 * (db_side_call). */
#include "db.h"
#include "db_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc_cache.h"
#include "log.h"
#include "request.h"

#define TXN_ATTEMPTS 4
/* The side connection's statement and lock timeouts. */
#define SIDE_STATEMENT_MS 2000u
#define SIDE_LOCK_MS 200u

/* The declarations' words (include/db.h), only while the table is built. */
#define ARGS(...)                                                              \
  (const struct db_param[]){__VA_ARGS__},                                      \
      (int)(sizeof((const struct db_param[]){__VA_ARGS__}) /                   \
            sizeof(struct db_param))
#define NOARGS NULL, 0
#define ID(n)                                                                  \
  { #n, DB_BIGINT }
#define INT(n)                                                                 \
  { #n, DB_INT }
#define NUM(n)                                                                 \
  { #n, DB_NUMERIC }
#define TEXT(n)                                                                \
  { #n, DB_TEXT }
#define BOOL(n)                                                                \
  { #n, DB_BOOL }
#define DATE(n)                                                                \
  { #n, DB_DATE }
#define TIME(n)                                                                \
  { #n, DB_TIMESTAMPTZ }
#define JSON(n)                                                                \
  { #n, DB_JSON }
#define JSONB(n)                                                               \
  { #n, DB_JSONB }
#define IDS(n)                                                                 \
  { #n, DB_BIGINT_ARRAY }
#define TEXTS(n)                                                               \
  { #n, DB_TEXT_ARRAY }
#define CURSOR_KEY                                                             \
  { "cursor_key", DB_TEXT }
#define CURSOR_ID                                                              \
  { "cursor_id", DB_BIGINT }
#define LIMIT                                                                  \
  { "limit", DB_BIGINT }
#define SCOPED true
#define UNSCOPED false

static const struct stmt_def statements[STMT_COUNT] = {
#define STMT(id, args, scope, text) [STMT_##id] = {#id, text, args, scope},
#include "sql/statements.def"
#undef STMT
};

/* The generated ids (stmt_ids.h) count every statement declared. */
enum {
  STMTS_DECLARED = 0
#define STMT(id, args, scope, text) +1
#include "sql/statements.def"
#undef STMT
};
_Static_assert((int)STMTS_DECLARED == (int)STMT_COUNT,
               "stmt_ids.h does not name every statement of src/db/sql");

#undef ARGS
#undef NOARGS
#undef ID
#undef INT
#undef NUM
#undef TEXT
#undef BOOL
#undef DATE
#undef TIME
#undef JSON
#undef JSONB
#undef IDS
#undef TEXTS
#undef CURSOR_KEY
#undef CURSOR_ID
#undef LIMIT
#undef SCOPED
#undef UNSCOPED

const struct stmt_def *db_stmt_def(enum stmt_id id) {
  return &statements[id];
}

bool db_stmt_scoped(enum stmt_id id) {
  return statements[id].scoped;
}

static const struct {
  const char *name, *path, *message;
} constraints[] = {
#define CONSTRAINT(name, path, message) {name, path, message},
#include "sql/constraints.def"
#undef CONSTRAINT
};

/* What went wrong with the last statement, kept for db_txn to act on. */
struct db_failure {
  bool failed;
  bool connection_lost;
  char sqlstate[6];
  char constraint[64];
};

struct db_conn {
  PGconn *pg;
  int target;
  bool prepared[STMT_COUNT];
  bool in_txn;
  char xid[24]; /* the id of db_txn's transaction */
  struct db_failure failure;
};

/* A thread's connections, one per target, opened on first use; and its
 * side connection. */
struct conn_set {
  struct db_conn *c[DB_TARGETS_MAX];
  struct db_conn *side;
};

static char conninfo[DB_TARGETS_MAX][1024];
static int n_replicas;
static char options[64];
static char own_options[96];
static char side_options[128];
static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct conn_set *thread_set;
/* The primary's connection of this thread, the one db_txn uses. */
static _Thread_local struct db_conn *thread_conn;
static atomic_long open_connections;
static atomic_ullong failed_statements;

char *db_id_array(const int64_t *ids, size_t n) {
  size_t cap = 3 + n * 21, len = 0;
  char *text = malloc(cap);
  if (text == NULL)
    abort();
  text[len++] = '{';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(text + len, cap - len, "%s%lld", i ? "," : "",
                            (long long)ids[i]);
  text[len++] = '}';
  text[len] = '\0';
  return text;
}

const char *db_stmt_name(enum stmt_id id) {
  return statements[id].name;
}
const char *db_stmt_sql(enum stmt_id id) {
  return statements[id].sql;
}
long db_open_connections(void) {
  return atomic_load(&open_connections);
}
unsigned long long db_error_count(void) {
  return atomic_load(&failed_statements);
}

static void conn_close(struct db_conn *c) {
  if (c->pg != NULL) {
    PQfinish(c->pg);
    c->pg = NULL;
    atomic_fetch_sub(&open_connections, 1);
  }
}

static void set_destroy(void *p) {
  struct conn_set *set = p;
  for (int t = 0; t < DB_TARGETS_MAX; t++)
    if (set->c[t] != NULL) {
      conn_close(set->c[t]);
      free(set->c[t]);
    }
  if (set->side != NULL) {
    conn_close(set->side);
    free(set->side);
  }
  free(set);
}

static void make_key(void) {
  pthread_key_create(&conn_key, set_destroy);
}

int db_replica_count(void) {
  return n_replicas;
}

void db_configure(const struct config *cfg) {
  snprintf(conninfo[DB_PRIMARY], sizeof conninfo[0], "%s", cfg->database_url);
  n_replicas = (int)cfg->n_read_urls;
  for (int r = 1; r <= n_replicas; r++)
    snprintf(conninfo[r], sizeof conninfo[0], "%s", cfg->read_urls[r - 1]);
  db_route_configure(cfg->read_wait_ms);
  /* No JIT: the API's statements are short, and PostgreSQL compiles any
   * plan whose estimate passes jit_above_cost, which estimates over SQL
   * functions and temporary tables often do by far (a page of the
   * objectivity list over 2,000 schools spent 0.55 s of 0.75 s compiling). */
  snprintf(options, sizeof options, "-c statement_timeout=%u -c jit=off",
           cfg->statement_timeout_ms);
  /* A push's statements last as long as its upload; a push abandoned in
   * between is ended by the server, and by PostgreSQL as a last resort. */
  snprintf(own_options, sizeof own_options,
           "-c statement_timeout=0 -c jit=off "
           "-c idle_in_transaction_session_timeout=%u",
           (cfg->connection_timeout + 60) * 1000);
  /* Progress is best-effort: it never waits long, on a lock least of all,
   * and its commits need not wait for the disk. */
  snprintf(side_options, sizeof side_options,
           "-c statement_timeout=%u -c lock_timeout=%u "
           "-c synchronous_commit=off -c jit=off",
           SIDE_STATEMENT_MS, SIDE_LOCK_MS);
  pthread_once(&key_once, make_key);
}

void db_close_all(void) {
  if (thread_set != NULL) {
    set_destroy(thread_set);
    pthread_setspecific(conn_key, NULL);
    thread_set = NULL;
    thread_conn = NULL;
  }
}

/* A connection with these options, unless the database is down (then
 * NULL at once, src/db/db_outage.c). Only the start of an outage is logged. */
static PGconn *connect_with(int target, const char *opts,
                            const char *application) {
  enum db_admit admit = db_outage_admit(target);
  if (admit == DB_REFUSE)
    return NULL;
  const char *keys[] = {"dbname", "options", "application_name",
                        "client_encoding", NULL};
  const char *values[] = {conninfo[target], opts, application, "UTF8", NULL};
  uint64_t started = clock_ns();
  PGconn *pg = PQconnectdbParams(keys, values, 1);
  bool ok = PQstatus(pg) == CONNECTION_OK;
  db_outage_result(target, started, admit, ok, ok ? NULL : PQerrorMessage(pg));
  if (!ok) {
    PQfinish(pg);
    return NULL;
  }
  atomic_fetch_add(&open_connections, 1);
  return pg;
}

static void set_ensure(void) {
  if (thread_set == NULL) {
    pthread_once(&key_once, make_key);
    thread_set = calloc(1, sizeof *thread_set);
    if (thread_set == NULL)
      abort();
    pthread_setspecific(conn_key, thread_set);
  }
}

/* The connection to `target` kept in *slot (made on first use), open with
 * these options: opened again when it was lost. NULL when the database
 * cannot be reached (src/db/db_outage.c). */
static struct db_conn *conn_ready(struct db_conn **slot, int target,
                                  const char *opts, const char *application) {
  if (*slot == NULL) {
    *slot = calloc(1, sizeof **slot);
    if (*slot == NULL)
      abort();
    (*slot)->target = target;
  }
  struct db_conn *c = *slot;
  if (c->pg != NULL && PQstatus(c->pg) != CONNECTION_OK)
    conn_close(c);
  if (c->pg == NULL) {
    c->pg = connect_with(target, opts, application);
    if (c->pg == NULL)
      return NULL;
    memset(c->prepared, 0, sizeof c->prepared);
  }
  return c;
}

static struct db_conn *conn_get_target(int target) {
  set_ensure();
  struct db_conn *c =
      conn_ready(&thread_set->c[target], target, options, "opora");
  if (target == DB_PRIMARY)
    thread_conn = thread_set->c[DB_PRIMARY];
  return c;
}

static struct db_conn *conn_get(void) {
  return conn_get_target(DB_PRIMARY);
}

/* This thread's side connection; NULL when the database cannot be
 * reached. */
static struct db_conn *side_get(void) {
  set_ensure();
  return conn_ready(&thread_set->side, DB_PRIMARY, side_options,
                    "opora-progress");
}

PGconn *db_connect_own(void) {
  return connect_with(DB_PRIMARY, own_options, "opora-push");
}

PGconn *db_connect_listener(void) {
  return connect_with(DB_PRIMARY, options, "opora-docs");
}

void db_disconnect_own(PGconn *pg) {
  if (pg != NULL) {
    PQfinish(pg);
    atomic_fetch_sub(&open_connections, 1);
  }
}

PGconn *db_connection(void) {
  return db_target_connection(DB_PRIMARY);
}

PGconn *db_target_connection(int target) {
  if (target < 0 || target > n_replicas)
    return NULL;
  struct db_conn *c = conn_get_target(target);
  return c != NULL ? c->pg : NULL;
}

bool db_connection_lost(const PGconn *pg, const PGresult *r) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  /* 57P01/57P02: the backend was terminated; its connection is gone even
   * while libpq has not read the end of it yet. */
  return PQstatus(pg) != CONNECTION_OK ||
         (state != NULL &&
          (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
           strcmp(state, "57P02") == 0));
}

/* What a failed statement's result says (r NULL: nothing came back). */
static void failure_read(struct db_failure *f, const PGconn *pg,
                         const PGresult *r) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *constraint =
      r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
  f->failed = true;
  f->connection_lost = db_connection_lost(pg, r);
  snprintf(f->sqlstate, sizeof f->sqlstate, "%s", state ? state : "");
  snprintf(f->constraint, sizeof f->constraint, "%s",
           constraint ? constraint : "");
}

static void failure_record(struct db_conn *c, const PGresult *r) {
  struct db_failure *f = &c->failure;
  failure_read(f, c->pg, r);
  atomic_fetch_add(&failed_statements, 1);
  if (f->connection_lost)
    conn_close(c);
}

static void reply_unavailable(struct request *rq) {
  reply_problem(rq, ERR_DATABASE_UNAVAILABLE,
                "the database cannot be reached; try again shortly");
  /* While the database is down it is tried again at least every second. */
  reply_header(rq, "Retry-After", db_up() ? "5" : "1");
}

static bool sqlstate_is(const struct db_failure *f, const char *state) {
  return strcmp(f->sqlstate, state) == 0;
}

/* Answers a failed statement in the client's terms, never with SQL. */
static void reply_failure(struct request *rq, const struct db_failure *f) {
  const char *path = NULL, *message = NULL;
  for (size_t i = 0; i < sizeof constraints / sizeof constraints[0]; i++)
    if (strcmp(constraints[i].name, f->constraint) == 0) {
      path = constraints[i].path;
      message = constraints[i].message;
    }
  if (f->connection_lost || sqlstate_is(f, "57014") ||
      strncmp(f->sqlstate, "57P", 3) == 0) {
    reply_unavailable(rq);
  } else if (sqlstate_is(f, "23503") && rq->method == HTTP_DELETE) {
    /* A row a DELETE removes is still referred to. */
    reply_problem(rq, ERR_STILL_REFERENCED,
                  message ? message : "other records still refer to this one");
  } else if (path != NULL && sqlstate_is(f, "23505")) {
    reply_problem_at(rq, ERR_ALREADY_EXISTS, path, message);
  } else if (path != NULL && sqlstate_is(f, "23503")) {
    reply_problem_at(rq, ERR_REFERENCE_NOT_FOUND, path, message);
  } else if (path != NULL && sqlstate_is(f, "23514")) {
    json_t *errors = json_array();
    jspec_error(errors, path, message);
    reply_validation_steal(rq, errors);
  } else if (strncmp(f->sqlstate, "22", 2) == 0) {
    reply_problem(rq, ERR_BAD_REQUEST, "a value is out of the range allowed");
  } else {
    log_msg(LOG_ERROR, "request %s: database error %s (constraint %s)", rq->id,
            f->sqlstate, f->constraint[0] ? f->constraint : "-");
    reply_problem(rq, ERR_INTERNAL, NULL);
  }
}

void db_reply_failure_on(struct request *rq, const PGconn *pg,
                         const PGresult *r) {
  struct db_failure f = {0};
  failure_read(&f, pg, r);
  reply_failure(rq, &f);
}

static PGresult *exec_prepared(struct db_conn *c, enum stmt_id id, int n,
                               const char *const *params) {
  if (!c->prepared[id]) {
    PGresult *r =
        PQprepare(c->pg, statements[id].name, statements[id].sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
      return r;
    PQclear(r);
    c->prepared[id] = true;
  }
  return PQexecPrepared(c->pg, statements[id].name, n, params, NULL, NULL, 0);
}

bool db_result_ok(const PGresult *r) {
  ExecStatusType s = PQresultStatus(r);
  return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

PGresult *db_side_exec(enum stmt_id id, int n_params,
                       const char *const *params) {
  struct db_conn *c = side_get();
  if (c == NULL)
    return NULL;
  PGresult *r = exec_prepared(c, id, n_params, params);
  if (db_result_ok(r))
    return r;
  log_msg(LOG_WARN, "side connection: %s failed: %s", statements[id].name,
          r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
  failure_record(c, r); /* a lost connection is opened again next time */
  PQclear(r);
  return NULL;
}

/* Inside db_txn: a statement on the transaction's own connection, never on
 * a fresh one, which would run outside the transaction. */
static PGresult *exec_in_txn(struct db_conn *c, enum stmt_id id, int n,
                             const char *const *params) {
  if (c->pg == NULL) {
    c->failure.failed = c->failure.connection_lost = true;
    return NULL;
  }
  PGresult *r = exec_prepared(c, id, n, params);
  if (db_result_ok(r))
    return r;
  failure_record(c, r);
  PQclear(r);
  return NULL;
}

/* A read that failed on a replica is read again on the primary: the replica
 * was unreachable, or recovery cancelled the statement (40001: a conflict
 * with the changes it replays). */
static bool replica_gave_up(const struct db_conn *c) {
  return c->target != DB_PRIMARY &&
         (c->failure.connection_lost || sqlstate_is(&c->failure, "40001"));
}

PGresult *db_exec(struct request *rq, enum stmt_id id, int n_params,
                  const char *const *params) {
  if (thread_conn != NULL && thread_conn->in_txn)
    return exec_in_txn(thread_conn, id, n_params, params);
  /* Outside a transaction only reads run here (and single-statement writes
   * of non-GET requests, on the primary), so a statement that met a
   * dropped connection may run once more on a fresh one. */
  int target = db_read_target(rq, id);
  struct db_conn *c = NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    c = conn_get_target(target);
    if (c == NULL && target != DB_PRIMARY) {
      db_read_on_primary(rq);
      target = DB_PRIMARY;
      c = conn_get_target(target);
    }
    if (c == NULL) {
      reply_unavailable(rq);
      return NULL;
    }
    PGresult *r = exec_prepared(c, id, n_params, params);
    if (db_result_ok(r)) {
      if (rq != NULL && target == DB_PRIMARY)
        rq->db_primary_used = true;
      return r;
    }
    failure_record(c, r);
    PQclear(r);
    if (replica_gave_up(c)) {
      db_read_on_primary(rq);
      target = DB_PRIMARY;
      attempt--; /* the primary gets its own two attempts */
      continue;
    }
    if (!c->failure.connection_lost)
      break;
  }
  reply_failure(rq, &c->failure);
  return NULL;
}

/* Serialization failures and deadlocks left no effect, nor did a connection
 * lost before COMMIT was sent: the whole unit may run again. */
static bool failure_retryable(const struct db_failure *f, bool committing) {
  return sqlstate_is(f, "40001") || sqlstate_is(f, "40P01") ||
         (f->connection_lost && !committing);
}

/* BEGIN, and the transaction's id, in one round trip: a COMMIT whose answer
 * is lost can then be looked up (commit_outcome). */
static bool txn_begin(struct db_conn *c) {
  PGresult *r = PQexec(c->pg, "BEGIN; SELECT pg_current_xact_id()");
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  if (ok)
    snprintf(c->xid, sizeof c->xid, "%s", PQgetvalue(r, 0, 0));
  else
    failure_record(c, r);
  PQclear(r);
  if (!ok && c->pg != NULL)
    PQclear(PQexec(c->pg, "ROLLBACK"));
  return ok;
}

enum commit_outcome { COMMIT_UNKNOWN, COMMIT_DONE, COMMIT_UNDONE };

/* After the connection broke during COMMIT (a killed backend): whether the
 * transaction committed, asked on a fresh connection. */
static enum commit_outcome commit_outcome(const char *xid) {
  struct db_conn *c = conn_get();
  if (c == NULL)
    return COMMIT_UNKNOWN;
  const char *params[] = {xid};
  PGresult *r = exec_prepared(c, STMT_XACT_STATUS, 1, params);
  enum commit_outcome outcome = COMMIT_UNKNOWN;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
    const char *status = PQgetvalue(r, 0, 0);
    if (strcmp(status, "committed") == 0)
      outcome = COMMIT_DONE;
    else if (strcmp(status, "aborted") == 0)
      outcome = COMMIT_UNDONE;
  } else {
    failure_record(c, r);
  }
  PQclear(r);
  return outcome;
}

/* COMMIT, and what the transaction changed of the school documents
 * (migration 0027's opora.docs_changed) read just before it in the same
 * round trip: dropped from the document cache once committed, before the
 * request is answered, so this instance never serves what it overwrote.
 * The WAL position right after the COMMIT comes in the same round trip
 * too: a replica that has replayed it shows the transaction (*lsn, 0 when
 * not read). */
static bool commit(struct db_conn *c, uint64_t *lsn) {
  static const char sql[] =
      "SELECT current_setting('opora.docs_changed', true); COMMIT; "
      "SELECT pg_current_wal_insert_lsn()::text";
  char *changed = NULL;
  *lsn = 0;
  bool committed = false;
  PGresult *failed = NULL;
  if (PQsendQuery(c->pg, sql)) {
    PGresult *r;
    for (int i = 0; (r = PQgetResult(c->pg)) != NULL; i++) {
      ExecStatusType st = PQresultStatus(r);
      if (i == 0 && st == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
          !PQgetisnull(r, 0, 0))
        changed = strdup(PQgetvalue(r, 0, 0));
      else if (i == 1 && st == PGRES_COMMAND_OK)
        committed = true;
      else if (i == 2 && st == PGRES_TUPLES_OK && PQntuples(r) == 1)
        *lsn = db_lsn_parse(PQgetvalue(r, 0, 0));
      if (!db_result_ok(r) && failed == NULL) {
        failed = r; /* recorded once every result is read (below) */
        continue;
      }
      PQclear(r);
    }
  }
  /* Only now, the backend's end read, does the connection's state say
   * whether it was lost (a backend terminated during COMMIT sends its
   * error first): a lost COMMIT is looked up, not answered 503. */
  if (!committed)
    failure_record(c, failed);
  PQclear(failed);
  if (committed && changed != NULL)
    doc_cache_invalidate(changed);
  free(changed);
  return committed;
}

/* One attempt: true when committed. Otherwise *f says what failed (nothing,
 * when the work answered the request itself). */
static bool txn_attempt(struct request *rq, struct db_conn *c, db_work_fn work,
                        void *arg, struct db_failure *f, bool *committing) {
  memset(&c->failure, 0, sizeof c->failure);
  *committing = false;
  if (!txn_begin(c)) {
    *f = c->failure;
    return false;
  }
  c->in_txn = true;
  bool ok = work(rq, arg);
  c->in_txn = false;
  if (ok) {
    *committing = true;
    uint64_t lsn;
    bool committed = commit(c, &lsn);
    if (committed && lsn > rq->commit_lsn)
      rq->commit_lsn = lsn;
    *f = c->failure;
    return committed;
  }
  *f = c->failure;
  if (c->pg != NULL)
    PQclear(PQexec(c->pg, "ROLLBACK"));
  return false;
}

bool db_txn(struct request *rq, db_work_fn work, void *arg) {
  for (int attempt = 1;; attempt++) {
    struct db_conn *c = conn_get();
    if (c == NULL) {
      reply_unavailable(rq);
      return false;
    }
    struct db_failure f;
    bool committing;
    if (txn_attempt(rq, c, work, arg, &f, &committing))
      return true;
    if (!f.failed)
      return false; /* the work answered the request itself */
    if (committing && f.connection_lost) {
      char xid[sizeof c->xid];
      snprintf(xid, sizeof xid, "%s", c->xid);
      enum commit_outcome outcome = commit_outcome(xid);
      if (outcome == COMMIT_DONE) {
        doc_cache_flush();          /* what it changed was not read back */
        rq->db_primary_used = true; /* its position is read before answering */
        return true;                /* the work's answer stands */
      }
      committing = outcome != COMMIT_UNDONE;
    }
    if (attempt < TXN_ATTEMPTS && failure_retryable(&f, committing)) {
      log_msg(LOG_DEBUG, "request %s: retrying transaction after %s", rq->id,
              f.connection_lost ? "a lost connection" : f.sqlstate);
      continue;
    }
    reply_failure(rq, &f);
    return false;
  }
}
