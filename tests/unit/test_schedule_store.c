/* Stored schedules read again with the current grammar
 * (src/db/schedule_store.c): a schedule stored by an older parser ("unparsed",
 * or a one-off date where the text says «ежегодно») is brought up to date, and
 * its item's and roadmap's versions move; one already right is left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "schedule_store.h"
#include "testdb.h"

static void exec_ok(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
    fail_msg("%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
}

static void assert_scalar(PGconn *c, const char *sql, const char *expected) {
  char *value = testdb_scalar(c, sql);
  assert_string_equal(value, expected);
  free(value);
}

static int create_db(void **state) {
  PGconn *c = testdb_create("schedstore");
  char err[512];
  if (migrate_apply(c, migrations, migrations_count, err, sizeof err) < 0)
    fail_msg("migrate: %s", err);
  exec_ok(c, "INSERT INTO regions (code, name) VALUES ('33', 'Владимирская')");
  exec_ok(c, "INSERT INTO municipalities (region_id, code, name)"
             " SELECT id, '33-01', 'Ковров' FROM regions");
  exec_ok(c, "INSERT INTO roadmaps (owner_municipality_id, kind, title,"
             " period_from, period_to) SELECT id, 'municipal_programme',"
             " 'План', '2021-01-01', '2023-12-31' FROM municipalities");
  /* As an older parser left them: both unparsed or wrong. */
  exec_ok(c,
          "INSERT INTO roadmap_items (roadmap_id, position, activity,"
          " schedule_text, schedule) SELECT id, 1, 'Мониторинг',"
          " 'I полугодие 2021 г.', '{\"kind\": \"unparsed\"}' FROM roadmaps");
  exec_ok(c, "INSERT INTO roadmap_items (roadmap_id, position, activity,"
             " schedule_text, schedule) SELECT id, 2, 'Отчёт',"
             " 'ежегодно, до 15 сентября',"
             " '{\"kind\": \"date\", \"date\": \"2021-09-15\","
             " \"due\": \"2021-09-15\"}' FROM roadmaps");
  *state = c;
  return 0;
}

static int drop_db(void **state) {
  testdb_drop(*state);
  return 0;
}

static void stale_schedules_are_read_again(void **state) {
  PGconn *c = *state;
  char err[512];
  int changed = -1;
  assert_int_equal(schedules_reparse(c, &changed, err, sizeof err), 0);
  assert_int_equal(changed, 2);
  assert_scalar(c,
                "SELECT schedule->>'due' FROM roadmap_items WHERE position = 1",
                "2021-06-30");
  assert_scalar(
      c, "SELECT schedule->>'kind' FROM roadmap_items WHERE position = 2",
      "yearly_deadline");
  assert_scalar(c,
                "SELECT string_agg(version::text, ',' ORDER BY position)"
                " FROM roadmap_items",
                "2,2");
  assert_scalar(c, "SELECT version FROM roadmaps", "3");

  /* Read again: nothing differs, nothing is written. */
  assert_int_equal(schedules_reparse(c, &changed, err, sizeof err), 0);
  assert_int_equal(changed, 0);
  assert_scalar(c, "SELECT version FROM roadmaps", "3");
}

int main(void) {
  testdb_require("test_schedule_store");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(stale_schedules_are_read_again, create_db,
                                      drop_db),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
