/* Stored schedules kept in step with the grammar: an item's structured
 * schedule is derived from its text, so when the parser learns a wording the
 * rows written before must be read again, or an item five years late would
 * stay "unparsed" and never be overdue. */
#include "schedule_store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "schedule.h"

static bool status_ok(PGresult *r) {
  ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Writes one item's schedule when it differs from what is stored; the
 * versions of the item and of its roadmap move with it (as with any write on
 * an item), so their ETags tell a client the answer changed. Returns 1
 * (written), 0 (the same) or -1. */
static int store_one(PGconn *conn, const char *id, const char *text, int year) {
  json_t *schedule = schedule_parse(text, year);
  char *doc =
      schedule ? json_dumps(schedule, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(schedule);
  if (doc == NULL)
    return -1;
  PGresult *r =
      db_call_on(conn, STMT_SCHEDULE_STORE,
                 (const struct db_arg[]){{"schedule", doc}, {"id", id}, DB_END},
                 NULL, NULL, NULL);
  free(doc);
  int rc = r != NULL && status_ok(r) ? atoi(PQcmdTuples(r)) : -1;
  PQclear(r);
  return rc;
}

int schedules_reparse(PGconn *conn, int *changed, char *err, size_t err_len) {
  *changed = 0;
  PGresult *items =
      db_call_on(conn, STMT_SCHEDULES_STORED, NULL, NULL, NULL, NULL);
  if (items == NULL || !status_ok(items)) {
    snprintf(err, err_len, "schedules: %s", PQerrorMessage(conn));
    PQclear(items);
    return -1;
  }
  int rc = 0;
  for (int row = 0; row < PQntuples(items); row++) {
    int written = store_one(conn, db_get(items, row, "id"),
                            db_get(items, row, "schedule_text"),
                            atoi(db_get(items, row, "year")));
    if (written < 0) {
      snprintf(err, err_len, "schedules: %s", PQerrorMessage(conn));
      rc = -1;
      break;
    }
    *changed += written;
  }
  PQclear(items);
  return rc;
}
