/* The push's batch meets the stored rows by key, one index lookup a row,
 * whatever the planner would make of the sizes (src/db/sql/push.def,
 * PUSH_STAGING_CHANGES): planned as a join, a batch of 20,000 rows against
 * an instrument of 200,000 read every stored row (a hash join), which made
 * a correction of 10,000 rows into a million take 0.8 s instead of 0.02. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "migrate.h"
#include "testdb.h"

static void exec_ok(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    fail_msg("%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
}

/* An instrument of 200,000 stored rows and a batch of 20,000 (half of
 * them stored participants), both analyzed. */
static void fill(PGconn *c) {
  exec_ok(c, "SELECT assessment_results_partition(2025)");
  exec_ok(c, "INSERT INTO assessment_results (year, assessment_id,"
             " participant_code, school_id, task_scores, primary_score,"
             " import_id, import_row)"
             " SELECT 2025, 1, lpad(i::text, 9, '0'), 1 + i % 1500,"
             " '{1,0,1}', 2, 1, i FROM generate_series(1, 200000) i");
  exec_ok(c, "ANALYZE assessment_results");
  exec_ok(c, "BEGIN");
  exec_ok(c, "CREATE TEMP TABLE push_rows (LIKE assessment_results)"
             " ON COMMIT DROP");
  exec_ok(
      c,
      "INSERT INTO push_rows SELECT year, assessment_id,"
      " lpad((import_row * 2)::text, 9, '0'), school_id, class_name, variant,"
      " '{0,0,1}', 1, mark, test_score, journal_mark, 2, import_row"
      " FROM assessment_results"
      " WHERE import_row <= 20000");
  exec_ok(c, "ANALYZE push_rows");
}

static void test_batch_looks_rows_up_by_key(void **state) {
  (void)state;
  PGconn *c = testdb_create("push_plan");
  char err[512];
  if (migrate_apply(c, migrations, migrations_count, err, sizeof err) < 0)
    fail_msg("migrate: %s", err);
  fill(c);
  PGresult *r =
      PQprepare(c, "changes", db_stmt_sql(STMT_PUSH_STAGING_CHANGES), 0, NULL);
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    fail_msg("prepare: %s", PQerrorMessage(c));
  PQclear(r);
  r = PQexec(c, "EXPLAIN (COSTS OFF) EXECUTE changes(2025, 1)");
  assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
  char plan[4096] = "";
  for (int i = 0; i < PQntuples(r); i++) {
    strncat(plan, PQgetvalue(r, i, 0), sizeof plan - strlen(plan) - 2);
    strcat(plan, "\n");
  }
  PQclear(r);
  if (strstr(plan, "Seq Scan on assessment_results") != NULL ||
      strstr(plan, "Index Scan using assessment_results_y2025_pkey") == NULL)
    fail_msg("the stored rows are not looked up by key:\n%s", plan);
  exec_ok(c, "ROLLBACK");
  testdb_drop(c);
}

int main(void) {
  testdb_require("test_push_plan");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_looks_rows_up_by_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
