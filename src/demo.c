#include "demo.h"

#include <stdio.h>

#include "embedded.h"

int demo_data_load(PGconn *conn, char *err, size_t err_len) {
  PGresult *r = PQexec(conn, "BEGIN");
  PQclear(r);
  r = PQexec(conn, embedded_demo_data_sql);
  ExecStatusType status = PQresultStatus(r);
  PQclear(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    snprintf(err, err_len, "%s", PQerrorMessage(conn));
    PQclear(PQexec(conn, "ROLLBACK"));
    return -1;
  }
  r = PQexec(conn, "COMMIT");
  status = PQresultStatus(r);
  PQclear(r);
  if (status != PGRES_COMMAND_OK) {
    snprintf(err, err_len, "%s", PQerrorMessage(conn));
    return -1;
  }
  return 0;
}
