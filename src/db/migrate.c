/* Applies the embedded migrations. Two runs at once serialize on an advisory
 * lock; each file runs in its own transaction together with the row that
 * records it, so a failed file leaves nothing behind. */
#include "migrate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* Any constant shared by all instances; "opor" in ASCII. */
#define MIGRATION_LOCK "1869573234"

static const char create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static void set_err(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
  size_t n = strlen(err); /* libpq messages end with a newline */
  while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
    err[--n] = '\0';
}

static bool exec_ok(PGconn *conn, const char *sql, char *err, size_t len) {
  PGresult *r = PQexec(conn, sql);
  bool ok = db_result_ok(r);
  if (!ok)
    set_err(err, len, "%s", PQerrorMessage(conn));
  PQclear(r);
  return ok;
}

enum applied_state { NOT_APPLIED, APPLIED, CHANGED, CHECK_FAILED };

static enum applied_state applied_state(PGconn *conn,
                                        const struct migration *m) {
  char version[16];
  snprintf(version, sizeof version, "%d", m->version);
  const char *params[] = {version, m->sql};
  PGresult *r = PQexecParams(
      conn,
      "SELECT checksum = md5($2) FROM schema_migrations WHERE version = $1", 2,
      NULL, params, NULL, NULL, 0);
  enum applied_state state = CHECK_FAILED;
  if (PQresultStatus(r) == PGRES_TUPLES_OK)
    state = PQntuples(r) == 0                       ? NOT_APPLIED
            : strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? APPLIED
                                                    : CHANGED;
  PQclear(r);
  return state;
}

static bool apply_one(PGconn *conn, const struct migration *m, char *err,
                      size_t len) {
  if (!exec_ok(conn, "BEGIN", err, len))
    return false;
  char version[16];
  snprintf(version, sizeof version, "%d", m->version);
  const char *params[] = {version, m->name, m->sql};
  bool ok = exec_ok(conn, m->sql, err, len);
  if (ok) {
    PGresult *r = PQexecParams(conn,
                               "INSERT INTO schema_migrations "
                               "(version, name, checksum) "
                               "VALUES ($1, $2, md5($3))",
                               3, NULL, params, NULL, NULL, 0);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
      set_err(err, len, "%s", PQerrorMessage(conn));
    PQclear(r);
  }
  if (ok)
    return exec_ok(conn, "COMMIT", err, len);
  char reason[512];
  snprintf(reason, sizeof reason, "%s", err);
  PQclear(PQexec(conn, "ROLLBACK"));
  set_err(err, len, "%s: %s", m->name, reason);
  return false;
}

static int apply_locked(PGconn *conn, const struct migration *list, size_t n,
                        char *err, size_t len) {
  if (!exec_ok(conn, create_table_sql, err, len))
    return -1;
  int applied = 0;
  for (size_t i = 0; i < n; i++) {
    switch (applied_state(conn, &list[i])) {
    case APPLIED:
      continue;
    case CHANGED:
      set_err(err, len,
              "%s was changed after it was applied; add a new migration "
              "instead of editing a released one",
              list[i].name);
      return -1;
    case CHECK_FAILED:
      set_err(err, len, "%s", PQerrorMessage(conn));
      return -1;
    case NOT_APPLIED:
      if (!apply_one(conn, &list[i], err, len))
        return -1;
      applied++;
    }
  }
  return applied;
}

int migrate_apply(PGconn *conn, const struct migration *list, size_t n,
                  char *err, size_t err_len) {
  /* Notices such as "relation already exists, skipping" are noise here. */
  if (!exec_ok(conn, "SET client_min_messages = warning", err, err_len) ||
      !exec_ok(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")", err,
               err_len))
    return -1;
  int applied = apply_locked(conn, list, n, err, err_len);
  char ignored[8];
  exec_ok(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")", ignored,
          sizeof ignored);
  return applied;
}

int migrate_pending(PGconn *conn, const struct migration *list, size_t n) {
  PGresult *r =
      PQexec(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL");
  bool has_table = PQresultStatus(r) == PGRES_TUPLES_OK &&
                   strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  bool failed = PQresultStatus(r) != PGRES_TUPLES_OK;
  PQclear(r);
  if (failed)
    return -1;
  if (!has_table)
    return (int)n;
  int pending = 0;
  for (size_t i = 0; i < n; i++) {
    enum applied_state s = applied_state(conn, &list[i]);
    if (s == CHANGED || s == CHECK_FAILED)
      return -1;
    pending += s == NOT_APPLIED;
  }
  return pending;
}

int migrate_latest(const struct migration *list, size_t n) {
  int latest = 0;
  for (size_t i = 0; i < n; i++)
    if (list[i].version > latest)
      latest = list[i].version;
  return latest;
}

int migrate_schema_version(PGconn *conn) {
  PGresult *r =
      PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  int version = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK)
    version = atoi(PQgetvalue(r, 0, 0));
  else if (state != NULL && strcmp(state, "42P01") == 0)
    version = 0; /* undefined_table: nothing migrated yet */
  PQclear(r);
  return version;
}
