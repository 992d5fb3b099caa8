#include "demo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_results.h"
#include "embedded.h"
#include "schedule_store.h"

/* Runs one script; on failure writes the server's message to err. */
static int run_script(PGconn *conn, const char *sql, const char *name,
                      char *err, size_t err_len) {
  PGresult *r = PQexec(conn, sql);
  ExecStatusType status = PQresultStatus(r);
  PQclear(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    snprintf(err, err_len, "%s: %s", name, PQerrorMessage(conn));
    return -1;
  }
  return 0;
}

/* The demo plans' schedules are loaded as text; the parser reads them. */
static int parse_schedules(PGconn *conn, char *err, size_t err_len) {
  int changed = 0;
  return schedules_reparse(conn, &changed, err, err_len);
}

int demo_data_load(PGconn *conn, char *err, size_t err_len) {
  PGresult *r = PQexec(conn, "BEGIN");
  PQclear(r);
  if (run_script(conn, embedded_demo_data_sql, "demo_data.sql", err, err_len) !=
          0 ||
      run_script(conn, embedded_demo_plans_sql, "demo_plans.sql", err,
                 err_len) != 0 ||
      parse_schedules(conn, err, err_len) != 0 ||
      run_script(conn, embedded_demo_monitoring_sql, "demo_monitoring.sql", err,
                 err_len) != 0 ||
      run_script(conn, embedded_demo_effectiveness_sql,
                 "demo_effectiveness.sql", err, err_len) != 0 ||
      run_script(conn, embedded_demo_context_sql, "demo_context.sql", err,
                 err_len) != 0 ||
      run_script(conn, embedded_demo_assessments_sql, "demo_assessments.sql",
                 err, err_len) != 0 ||
      run_script(conn, embedded_demo_programmes_sql, "demo_programmes.sql", err,
                 err_len) != 0) {
    PQclear(PQexec(conn, "ROLLBACK"));
    return -1;
  }
  r = PQexec(conn, "COMMIT");
  ExecStatusType status = PQresultStatus(r);
  PQclear(r);
  if (status != PGRES_COMMAND_OK) {
    snprintf(err, err_len, "%s", PQerrorMessage(conn));
    return -1;
  }
  /* The push works on a connection of its own: it sees the instruments
   * and schools once they are committed. */
  return demo_results_load(conn, err, err_len);
}
