/* What the database layer's files share (src/db/db.c, src/db/db_bind.c,
 * src/db/db_outage.c). */
#ifndef OPORA_DB_INTERNAL_H
#define OPORA_DB_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* A statement as its .def file of src/db/sql declares it. */
struct stmt_def {
  const char *name, *sql;
  const struct db_param *params;
  int n_params; /* without the scope */
  bool scoped;
};

const struct stmt_def *db_stmt_def(enum stmt_id id);

/* Runs a prepared statement with its parameters in order (db_call puts
 * them so). Returns its result on success (caller PQclears
 * it). On failure returns NULL: outside a transaction it has answered the
 * request (503 when the database is down, a mapped problem otherwise);
 * inside db_txn the runner answers after rolling back. */
PGresult *db_exec(struct request *rq, enum stmt_id id, int n_params,
                  const char *const *params);

/* A statement on this thread's side connection (db_side_call); NULL when
 * it failed (logged) or the database cannot be reached. */
PGresult *db_side_exec(enum stmt_id id, int n_params,
                       const char *const *params);

/* db_check_statements for one statement: -1 when it does not prepare, 1
 * when its declaration differs from its SQL (err says how), 0. */
int db_check_def(PGconn *conn, const struct stmt_def *def, char *err,
                 size_t err_len);

/* Before a connection attempt (src/db/db_outage.c): connect (the database is
 * up), probe (it is down and this thread is the one to try now), or refuse
 * (down; counted as a refused request). */
enum db_admit { DB_CONNECT, DB_PROBE, DB_REFUSE };
enum db_admit db_outage_admit(int target);
/* After an admitted attempt that began at started_ns (clock_ns()); reason
 * is libpq's message when it failed. */
void db_outage_result(int target, uint64_t started_ns, enum db_admit admit,
                      bool ok, const char *reason);

/* Where a request's statement reads (src/db/db_route.c): the primary, or the
 * replica this request reads from (decided at its first read). */
int db_read_target(struct request *rq, enum stmt_id id);
/* OPORA_READ_WAIT_MS: how long a read waits for a replica's replay. */
void db_route_configure(unsigned read_wait_ms);

#endif
