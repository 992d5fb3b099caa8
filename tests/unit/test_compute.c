/* official_values_recompute against a real PostgreSQL: computed indicators
 * from a school's official values, in dependency order, with reasons, and
 * change numbers drawn only for what changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "migrate.h"
#include "monitoring.h"
#include "request.h"
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

static bool recompute_work(struct request *rq, void *arg) {
  (void)arg;
  return official_values_recompute(rq, "1", "2023/24");
}

static void recompute(void) {
  struct request rq = {0};
  strcpy(rq.id, "test");
  assert_true(db_txn(&rq, recompute_work, NULL));
  if (rq.response != NULL)
    MHD_destroy_response(rq.response);
}

/* A submitted official value of school 1 for 2023/24. */
static void official(const char *code, const char *value) {
  char text[512];
  snprintf(text, sizeof text,
           "INSERT INTO indicator_values (school_id, indicator_code, period,"
           " value, source, change_no) VALUES (1, '%s', '2023/24', '%s',"
           " 'submission', nextval('indicator_change_seq'))"
           " ON CONFLICT (school_id, indicator_code, period) DO UPDATE SET"
           " value = excluded.value, change_no = excluded.change_no",
           code, value);
  sql(text);
}

#define COMPUTED(code)                                                         \
  "SELECT coalesce(value::text, 'null') || ' ' || coalesce(reason, '-')"       \
  " || ' ' || source FROM indicator_values WHERE school_id = 1"                \
  " AND period = '2023/24' AND indicator_code = '" code "'"

static void values_and_reasons(void **state) {
  (void)state;
  /* Nothing submitted yet: every formula misses its inputs. */
  recompute();
  expect(COMPUTED("TEACHERS_FIRST_CATEGORY_SHARE_CALC"),
         "null missing TEACHERS_FIRST_CATEGORY_COUNT, TEACHERS_TOTAL "
         "computed");
  expect(COMPUTED("TEACHERS_OTHER_SHARE"),
         "null missing TEACHERS_FIRST_CATEGORY_SHARE_CALC computed");
  official("TEACHERS_TOTAL", "40");
  official("TEACHERS_FIRST_CATEGORY_COUNT", "12");
  official("ASSESSMENT_RESULTS_REPORT", "\"справка\"");
  recompute();
  expect(COMPUTED("TEACHERS_FIRST_CATEGORY_SHARE_CALC"), "30 - computed");
  /* Computed from the value computed in the same run. */
  expect(COMPUTED("TEACHERS_OTHER_SHARE"), "70 - computed");
  official("TEACHERS_TOTAL", "0");
  recompute();
  expect(COMPUTED("TEACHERS_FIRST_CATEGORY_SHARE_CALC"),
         "null division by zero computed");
  expect(COMPUTED("TEACHERS_OTHER_SHARE"),
         "null missing TEACHERS_FIRST_CATEGORY_SHARE_CALC computed");
  /* An inactive indicator is not computed; another school's values and
   * another period are untouched. */
  expect("SELECT count(*) FROM indicator_values WHERE indicator_code ="
         " 'INACTIVE_CALC'",
         "0");
  expect("SELECT count(*) FROM indicator_values WHERE school_id <> 1"
         " OR period <> '2023/24'",
         "0");
}

static void change_numbers(void **state) {
  (void)state;
  official("TEACHERS_TOTAL", "48");
  official("TEACHERS_FIRST_CATEGORY_COUNT", "12");
  recompute();
  expect(COMPUTED("TEACHERS_FIRST_CATEGORY_SHARE_CALC"), "25 - computed");
  char *before = testdb_scalar(conn, "SELECT string_agg(change_no::text, ','"
                                     " ORDER BY indicator_code)"
                                     " FROM indicator_values");
  char *seq = testdb_scalar(conn, "SELECT last_value FROM"
                                  " indicator_change_seq");
  /* Nothing changed: no row moves, no change number is drawn. */
  recompute();
  char *after = testdb_scalar(conn, "SELECT string_agg(change_no::text, ','"
                                    " ORDER BY indicator_code)"
                                    " FROM indicator_values");
  assert_string_equal(before, after);
  expect("SELECT last_value FROM indicator_change_seq", seq);
  /* One input changes: both computed rows get new, higher numbers. */
  official("TEACHERS_FIRST_CATEGORY_COUNT", "24");
  recompute();
  expect(COMPUTED("TEACHERS_FIRST_CATEGORY_SHARE_CALC"), "50 - computed");
  char query[256];
  snprintf(query, sizeof query,
           "SELECT count(*) FROM indicator_values WHERE source = 'computed'"
           " AND change_no > %s",
           seq);
  expect(query, "2");
  free(before);
  free(after);
  free(seq);
}

static int setup(void **state) {
  (void)state;
  conn = testdb_create("compute");
  char err[512];
  if (migrate_apply(conn, migrations, migrations_count, err, sizeof err) < 0)
    fail_msg("%s", err);
  sql("INSERT INTO regions (code, name) VALUES ('33', 'Владимирская "
      "область')");
  sql("INSERT INTO municipalities (region_id, code, name) VALUES"
      " (1, '33-01', 'Округ Муром')");
  sql("INSERT INTO schools (municipality_id, code, full_name, short_name,"
      " type, locality) VALUES"
      " (1, 's1', 'Средняя школа № 1', 'СОШ № 1', 'SOSH', 'URBAN'),"
      " (1, 's2', 'Средняя школа № 2', 'СОШ № 2', 'SOSH', 'URBAN')");
  sql("INSERT INTO indicators (code, name, value_type, periodicity, form)"
      " VALUES ('TEACHERS_FIRST_CATEGORY_COUNT', 'Численность педагогов"
      " первой квалификационной категории', 'integer', 'school_year',"
      " 'form')");
  /* Listed before its input by code: the order comes from the inputs. */
  sql("INSERT INTO indicators (code, name, value_type, periodicity, form,"
      " formula, inputs) VALUES"
      " ('TEACHERS_OTHER_SHARE', 'Доля остальных педагогов', 'percent',"
      "  'school_year', 'computed', '100 - TEACHERS_FIRST_CATEGORY_SHARE_CALC',"
      "  '{TEACHERS_FIRST_CATEGORY_SHARE_CALC}'),"
      " ('TEACHERS_FIRST_CATEGORY_SHARE_CALC', 'Доля педагогов первой"
      "  категории (расчёт)', 'percent', 'school_year', 'computed',"
      "  '100 * TEACHERS_FIRST_CATEGORY_COUNT / TEACHERS_TOTAL',"
      "  '{TEACHERS_FIRST_CATEGORY_COUNT,TEACHERS_TOTAL}')");
  sql("INSERT INTO indicators (code, name, value_type, periodicity, form,"
      " formula, inputs, active) VALUES ('INACTIVE_CALC', 'Не используется',"
      " 'number', 'school_year', 'computed', 'TEACHERS_TOTAL * 2',"
      " '{TEACHERS_TOTAL}', false)");
  struct config cfg;
  config_defaults(&cfg);
  snprintf(cfg.database_url, sizeof cfg.database_url,
           "host='%s' port='%s' user='%s' dbname='%s'", PQhost(conn),
           PQport(conn), PQuser(conn), PQdb(conn));
  db_configure(&cfg);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  db_close_all();
  testdb_drop(conn);
  return 0;
}

int main(void) {
  testdb_require("test_compute");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(values_and_reasons),
      cmocka_unit_test(change_numbers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
