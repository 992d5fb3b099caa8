/* Migration 0006 on a database with official values written by the former
 * rule: values no accepted submission gives any more (removed before the
 * submission was accepted again, or of a returned submission) are
 * withdrawn, each with a change number of its own, computed values left
 * beside nothing with them; the values still given stay as they were. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "testdb.h"

static PGconn *conn;

static void sql(const char *text) {
  PGresult *r = PQexec(conn, text);
  if (PQresultStatus(r) != PGRES_COMMAND_OK &&
      PQresultStatus(r) != PGRES_TUPLES_OK)
    fail_msg("%s: %s", text, PQerrorMessage(conn));
  PQclear(r);
}

static void expect(const char *query, const char *expected) {
  char *got = testdb_scalar(conn, query);
  if (strcmp(got, expected) != 0)
    fail_msg("%s\n  got      %s\n  expected %s", query, got, expected);
  free(got);
}

/* Applies the migrations before `version` (below) or all of them. */
static void apply(int below) {
  size_t n = 0;
  while (n < migrations_count && (below == 0 || migrations[n].version < below))
    n++;
  char err[512] = "";
  if (migrate_apply(conn, migrations, n, err, sizeof err) < 0)
    fail_msg("%s", err);
}

/* A submission of school 1 in campaign `campaign` in `state`, its values
 * (SQL VALUES rows of code, jsonb) and, when accepted once, its accept
 * event. */
static void submission(int campaign, const char *state, bool accepted_once,
                       const char *values) {
  char text[1024];
  snprintf(text, sizeof text,
           "INSERT INTO submissions (campaign_id, school_id, state, version)"
           " VALUES (%d, 1, '%s', 4);"
           " INSERT INTO submission_values (submission_id, indicator_code,"
           " value) SELECT currval('submissions_id_seq'), x.c, x.v::jsonb"
           " FROM (VALUES %s) AS x(c, v)",
           campaign, state, values);
  sql(text);
  if (accepted_once)
    sql("INSERT INTO submission_events (submission_id, version, action,"
        " state, actor, snapshot) VALUES (currval('submissions_id_seq'), 4,"
        " 'accept', 'accepted', 'reviewer', '[]')");
}

/* An official value of school 1 as the former rule wrote it. */
static void official(const char *code, const char *period, const char *value,
                     const char *source) {
  char text[512];
  snprintf(text, sizeof text,
           "INSERT INTO indicator_values (school_id, indicator_code, period,"
           " value, source, change_no) VALUES (1, '%s', '%s', '%s', '%s',"
           " nextval('indicator_change_seq'))",
           code, period, value, source);
  sql(text);
}

#define STATE(code, period)                                                    \
  "SELECT coalesce(value::text, 'null') || ' ' || withdrawn"                   \
  " FROM indicator_values WHERE indicator_code = '" code                       \
  "' AND period = '" period "'"

static void withdraws_what_is_no_longer_official(void **state) {
  (void)state;
  apply(6);
  sql("INSERT INTO regions (code, name) VALUES ('33', 'Владимирская "
      "область');"
      " INSERT INTO municipalities (region_id, code, name) VALUES"
      " (1, '33-01', 'Округ Муром');"
      " INSERT INTO schools (municipality_id, code, full_name, short_name,"
      " type, locality) VALUES (1, 's1', 'Средняя школа № 1', 'СОШ № 1',"
      " 'SOSH', 'URBAN');"
      " INSERT INTO campaigns (title, period, region_id, opens_on, deadline,"
      " status) VALUES ('Кадры', '2023/24', 1, '2023-09-01', '2023-10-01',"
      " 'open'), ('Кадры', '2024/25', 1, '2024-09-01', '2024-10-01', 'open')");
  /* 2023/24: accepted again without the vacancies it had. */
  submission(1, "accepted", true, "('TEACHERS_TOTAL', '40')");
  official("TEACHERS_TOTAL", "2023/24", "40", "submission");
  official("TEACHER_VACANCIES", "2023/24", "2", "submission");
  /* 2024/25: returned after it was accepted. */
  submission(2, "returned", true, "('TEACHERS_TOTAL', '41')");
  official("TEACHERS_TOTAL", "2024/25", "41", "submission");
  official("STAFFING_LEVEL", "2024/25", "null", "computed");
  sql("UPDATE indicator_values SET value = NULL, reason = 'missing X'"
      " WHERE source = 'computed'");
  char *kept = testdb_scalar(conn, "SELECT change_no FROM indicator_values"
                                   " WHERE indicator_code = 'TEACHERS_TOTAL'"
                                   " AND period = '2023/24'");
  apply(0);
  expect(STATE("TEACHERS_TOTAL", "2023/24"), "40 false");
  expect(STATE("TEACHER_VACANCIES", "2023/24"), "null true");
  expect(STATE("TEACHERS_TOTAL", "2024/25"), "null true");
  expect(STATE("STAFFING_LEVEL", "2024/25"), "null true");
  expect("SELECT count(*) FROM indicator_values WHERE reason IS NOT NULL", "0");
  /* Each withdrawal has a change number of its own, after the others; the
   * value still official keeps its own. */
  expect("SELECT count(DISTINCT change_no) FROM indicator_values"
         " WHERE withdrawn AND change_no > 4",
         "3");
  char query[160];
  snprintf(query, sizeof query,
           "SELECT change_no FROM indicator_values WHERE NOT withdrawn"
           " AND change_no = %s",
           kept);
  expect(query, kept);
  free(kept);
}

static int setup(void **state) {
  (void)state;
  conn = testdb_create("value_migration");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  testdb_drop(conn);
  return 0;
}

int main(void) {
  testdb_require("test_value_migration");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(withdraws_what_is_no_longer_official),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
