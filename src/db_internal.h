/* What the database layer's files share (src/db.c, src/db_bind.c). */
#ifndef OPORA_DB_INTERNAL_H
#define OPORA_DB_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "db.h"

/* A statement as its .def file of src/sql declares it. `declared` is false for
 * the statements not yet given their parameters (STMT), run positionally. */
struct stmt_def {
  const char *name, *sql;
  const struct db_param *params;
  int n_params; /* without the scope */
  bool scoped, declared;
};

const struct stmt_def *db_stmt_def(enum stmt_id id);

/* db_check_statements for one statement: -1 when it does not prepare, 1
 * when its declaration differs from its SQL (err says how), 0. */
int db_check_def(PGconn *conn, const struct stmt_def *def, char *err,
                 size_t err_len);

#endif
