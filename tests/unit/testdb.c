#include "testdb.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char db_name[64];

static PGconn *connect_to(const char *dbname) {
  /* The URL's own database name is replaced by the second "dbname". */
  const char *keys[] = {"dbname", "dbname", NULL};
  const char *values[] = {getenv("OPORA_TEST_ADMIN_URL"), dbname, NULL};
  PGconn *c = PQconnectdbParams(keys, values, 1);
  if (PQstatus(c) != CONNECTION_OK)
    fail_msg("cannot connect to %s: %s", dbname, PQerrorMessage(c));
  return c;
}

static void admin_exec(const char *verb) {
  char sql[128];
  snprintf(sql, sizeof sql, "%s DATABASE %s", verb, db_name);
  PGconn *admin = connect_to("postgres");
  PGresult *r = PQexec(admin, sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    fail_msg("%s: %s", sql, PQerrorMessage(admin));
  PQclear(r);
  PQfinish(admin);
}

void testdb_require(const char *test_name) {
  if (getenv("OPORA_TEST_ADMIN_URL") != NULL)
    return;
  fprintf(stderr,
          "%s: set OPORA_TEST_ADMIN_URL to a PostgreSQL role that may "
          "create databases\n",
          test_name);
  exit(1);
}

PGconn *testdb_create(const char *prefix) {
  static int n;
  snprintf(db_name, sizeof db_name, "opora_unit_%.20s_%d_%d", prefix,
           (int)getpid(), n++);
  admin_exec("CREATE");
  return connect_to(db_name);
}

void testdb_drop(PGconn *conn) {
  PQfinish(conn);
  admin_exec("DROP");
}

char *testdb_scalar(PGconn *conn, const char *sql) {
  PGresult *r = PQexec(conn, sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
    fail_msg("%s: %s", sql, PQerrorMessage(conn));
  char *value = strdup(PQgetvalue(r, 0, 0));
  PQclear(r);
  return value;
}
