/* The migration runner against a real PostgreSQL: each test gets a fresh
 * database made from OPORA_TEST_ADMIN_URL and dropped afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate.h"
#include "testdb.h"

static int create_db(void **state) {
  *state = testdb_create("migrate");
  return 0;
}

static int drop_db(void **state) {
  testdb_drop(*state);
  return 0;
}

/* The value of a query as text, "(error)" when it fails. */
static const char *scalar(PGconn *c, const char *sql) {
  static char value[128];
  PGresult *r = PQexec(c, sql);
  snprintf(value, sizeof value, "%s",
           PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
               ? PQgetvalue(r, 0, 0)
               : "(error)");
  PQclear(r);
  return value;
}

static void applies_in_order_once(void **state) {
  PGconn *c = *state;
  const struct migration list[] = {
      {1, "0001_a.sql", "CREATE TABLE a (id int)"},
      {2, "0002_b.sql", "CREATE TABLE b (id int); INSERT INTO a VALUES (1)"},
  };
  char err[256];
  assert_int_equal(migrate_pending(c, list, 2), 2);
  assert_int_equal(migrate_schema_version(c), 0); /* no table yet */
  assert_int_equal(migrate_latest(list, 2), 2);
  assert_int_equal(migrate_latest(list, 0), 0);
  assert_int_equal(migrate_apply(c, list, 2, err, sizeof err), 2);
  assert_int_equal(migrate_schema_version(c), 2);
  assert_int_equal(migrate_apply(c, list, 2, err, sizeof err), 0);
  assert_int_equal(migrate_pending(c, list, 2), 0);
  assert_string_equal(scalar(c, "SELECT count(*) FROM a"), "1");
  assert_string_equal(scalar(c, "SELECT string_agg(name, ',' ORDER BY version) "
                                "FROM schema_migrations"),
                      "0001_a.sql,0002_b.sql");
}

static void a_failing_file_leaves_nothing(void **state) {
  PGconn *c = *state;
  const struct migration list[] = {
      {1, "0001_a.sql", "CREATE TABLE a (id int)"},
      {2, "0002_bad.sql", "CREATE TABLE half (id int); SELEC oops"},
  };
  char err[256] = "";
  assert_int_equal(migrate_apply(c, list, 2, err, sizeof err), -1);
  assert_non_null(strstr(err, "0002_bad.sql"));
  assert_string_equal(scalar(c, "SELECT to_regclass('half') IS NULL"), "t");
  assert_string_equal(scalar(c, "SELECT max(version) FROM schema_migrations"),
                      "1");
  assert_int_equal(migrate_pending(c, list, 2), 1);
  assert_int_equal(migrate_schema_version(c), 1);
}

static void an_edited_released_file_is_refused(void **state) {
  PGconn *c = *state;
  struct migration list[] = {{1, "0001_a.sql", "CREATE TABLE a (id int)"}};
  char err[256] = "";
  assert_int_equal(migrate_apply(c, list, 1, err, sizeof err), 1);
  list[0].sql = "CREATE TABLE a (id bigint)";
  assert_int_equal(migrate_apply(c, list, 1, err, sizeof err), -1);
  assert_non_null(strstr(err, "0001_a.sql was changed"));
  assert_int_equal(migrate_pending(c, list, 1), -1);
}

static void the_real_migrations_apply(void **state) {
  PGconn *c = *state;
  char err[512] = "";
  int applied = migrate_apply(c, migrations, migrations_count, err, sizeof err);
  if (applied < 0)
    fail_msg("%s", err);
  assert_int_equal(applied, (int)migrations_count);
  assert_int_equal(migrate_pending(c, migrations, migrations_count), 0);
  assert_int_equal(migrate_schema_version(c),
                   migrate_latest(migrations, migrations_count));
}

int main(void) {
  testdb_require("test_migrate");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(applies_in_order_once, create_db,
                                      drop_db),
      cmocka_unit_test_setup_teardown(a_failing_file_leaves_nothing, create_db,
                                      drop_db),
      cmocka_unit_test_setup_teardown(an_edited_released_file_is_refused,
                                      create_db, drop_db),
      cmocka_unit_test_setup_teardown(the_real_migrations_apply, create_db,
                                      drop_db),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
