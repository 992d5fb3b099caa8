#include "demo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "schedule.h"

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

/* Parses the schedules the demo roadmaps' items still have unparsed, with the
 * year of their roadmap's period as the year of dates written without one. A
 * schedule the parser does not understand stays the default, so a second
 * load writes nothing. */
static int parse_schedules(PGconn *conn, char *err, size_t err_len) {
  PGresult *items = PQexec(
      conn,
      "SELECT i.id, i.schedule_text, extract(year FROM r.period_from)::int "
      "FROM roadmap_items i JOIN roadmaps r ON r.id = i.roadmap_id "
      "WHERE i.schedule = '{\"kind\": \"unparsed\"}'::jsonb "
      "AND i.schedule_text IS NOT NULL ORDER BY i.id");
  if (PQresultStatus(items) != PGRES_TUPLES_OK) {
    snprintf(err, err_len, "schedules: %s", PQerrorMessage(conn));
    PQclear(items);
    return -1;
  }
  int rc = 0;
  for (int row = 0; row < PQntuples(items) && rc == 0; row++) {
    json_t *schedule = schedule_parse(PQgetvalue(items, row, 1),
                                      atoi(PQgetvalue(items, row, 2)));
    const char *kind = json_string_value(json_object_get(schedule, "kind"));
    if (schedule == NULL || kind == NULL || strcmp(kind, "unparsed") == 0) {
      json_decref(schedule);
      continue;
    }
    char *text = json_dumps(schedule, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(schedule);
    if (text == NULL) {
      snprintf(err, err_len, "schedules: out of memory");
      rc = -1;
      break;
    }
    const char *params[2] = {text, PQgetvalue(items, row, 0)};
    PGresult *r =
        PQexecParams(conn,
                     "UPDATE roadmap_items SET schedule = $1::jsonb "
                     "WHERE id = $2::bigint "
                     "AND schedule = '{\"kind\": \"unparsed\"}'::jsonb",
                     2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      snprintf(err, err_len, "schedules: %s", PQerrorMessage(conn));
      rc = -1;
    }
    PQclear(r);
    free(text);
  }
  PQclear(items);
  return rc;
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
  return 0;
}
