/* Migration 0015 on a database with statistics kept before it: the new
 * counters (journal gaps of two and more, high marks with low basic
 * mastery) are computed once from the stored rows, as the push counts
 * them; the other counters and updated_at stay as they were. */
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

/* Applies the migrations before `version` or, with 0, all of them. */
static void apply(int below) {
  size_t n = 0;
  while (n < migrations_count && (below == 0 || migrations[n].version < below))
    n++;
  char err[512] = "";
  if (migrate_apply(conn, migrations, n, err, sizeof err) < 0)
    fail_msg("%s", err);
}

/* A participant of school `school`: task scores, primary score, mark and
 * journal mark (NULL when not given). Tasks 1 and 2 are basic (3 points
 * possible), task 3 advanced. */
static void result(int school, const char *code, const char *tasks, int primary,
                   const char *mark, const char *journal) {
  char text[512];
  snprintf(text, sizeof text,
           "INSERT INTO assessment_results (year, assessment_id,"
           " participant_code, school_id, task_scores, primary_score, mark,"
           " journal_mark, import_id, import_row) VALUES (2025, 1, '%s', %d,"
           " '%s', %d, %s, %s, 1, 1)",
           code, school, tasks, primary, mark, journal);
  sql(text);
}

static void counts_from_the_rows(void **state) {
  (void)state;
  apply(15);
  sql("INSERT INTO regions (code, name) VALUES ('33', 'Владимирская "
      "область');"
      " INSERT INTO municipalities (region_id, code, name) VALUES"
      " (1, '33-01', 'Округ Муром');"
      " INSERT INTO schools (municipality_id, code, full_name, short_name,"
      " type, locality) VALUES (1, 's1', 'Средняя школа № 1', 'СОШ № 1',"
      " 'SOSH', 'URBAN'), (1, 's2', 'Средняя школа № 2', 'СОШ № 2',"
      " 'SOSH', 'URBAN');"
      " INSERT INTO assessments (kind, year, grade, subject_code,"
      " subject_name, max_primary_score, mark3_from, mark4_from, mark5_from,"
      " tasks) VALUES ('VPR', 2025, 5, 'math', 'Математика', 6, 2, 4, 5,"
      " '[{\"number\": \"1\", \"max_score\": 1, \"level\": \"basic\"},"
      " {\"number\": \"2\", \"max_score\": 2, \"level\": \"basic\"},"
      " {\"number\": \"3\", \"max_score\": 3, \"level\": \"advanced\"}]');"
      " SELECT assessment_results_partition(2025)");
  /* School 1: journal two above, two below, one above, unknown; a "4"
   * with 1 of 3 basic points (33 %), a "5" with 2 of 3 (67 %). */
  result(1, "p1", "{0,1,0}", 1, "2", "4");
  result(1, "p2", "{0,1,3}", 4, "4", "2");
  result(1, "p3", "{1,1,1}", 3, "3", "4");
  result(1, "p4", "{1,1,3}", 5, "5", "NULL");
  /* School 2: a "4" with 1 of 3 basic points; no journal mark. */
  result(2, "q1", "{1,0,3}", 4, "4", "NULL");
  sql("INSERT INTO assessment_school_stats (assessment_id, school_id,"
      " participants, marks, failed, primary_sum, task_sums, score_counts,"
      " journal_known, confirmed, lowered, raised, updated_at) VALUES"
      " (1, 1, 4, '{1,1,1,1}', 1, 13, '{2,4,7}', '{0,1,0,1,1,1,0}', 3, 0,"
      " 2, 1, '2025-05-01T00:00:00Z'),"
      " (1, 2, 1, '{0,0,1,0}', 0, 4, '{1,0,3}', '{0,0,0,0,1,0,0}', 0, 0, 0,"
      " 0, '2025-05-01T00:00:00Z')");
  apply(0);
  expect("SELECT string_agg(school_id || ':' || journal_higher2 || ','"
         " || journal_lower2 || ',' || high_low_mastery, ' '"
         " ORDER BY school_id) FROM assessment_school_stats",
         "1:1,1,1 2:0,0,1");
  expect("SELECT count(*) FROM assessment_school_stats"
         " WHERE updated_at = '2025-05-01T00:00:00Z' AND participants > 0",
         "2");
}

static int setup(void **state) {
  (void)state;
  conn = testdb_create("stats_migration");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  testdb_drop(conn);
  return 0;
}

int main(void) {
  testdb_require("test_stats_migration");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(counts_from_the_rows),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
