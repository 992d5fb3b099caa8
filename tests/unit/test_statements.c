/* Statement declarations (include/db.h, STMT): every statement of the
 * server prepares on the migrated schema and has the parameters, in number
 * and type, that PostgreSQL infers from its SQL. A
 * declaration that drifts from its SQL fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "db_internal.h"
#include "migrate.h"
#include "testdb.h"

static int create_db(void **state) {
  PGconn *c = testdb_create("stmts");
  char err[512];
  if (migrate_apply(c, migrations, migrations_count, err, sizeof err) < 0)
    fail_msg("migrate: %s", err);
  *state = c;
  return 0;
}

static int drop_db(void **state) {
  testdb_drop(*state);
  return 0;
}

static void every_statement_fits_its_declaration(void **state) {
  char err[8192];
  int differ = db_check_statements(*state, err, sizeof err);
  if (differ != 0)
    fail_msg("%d statement(s): %s", differ, err);
}

static void a_drift_is_found(void **state) {
  PGconn *c = *state;
  char err[512];
  const struct db_param two[] = {{"id", DB_BIGINT}, {"name", DB_TEXT}};
  struct stmt_def def = {"T", "SELECT $1::bigint, $2::text", two, 2, false};
  assert_int_equal(db_check_def(c, &def, err, sizeof err), 0);
  def.n_params = 1; /* a parameter too few */
  assert_int_equal(db_check_def(c, &def, err, sizeof err), 1);
  const struct db_param swapped[] = {{"name", DB_TEXT}, {"id", DB_BIGINT}};
  def.params = swapped;
  def.n_params = 2;
  assert_int_equal(db_check_def(c, &def, err, sizeof err), 1);
  printf("as reported: %s\n", err);
  def.params = two;
  def.scoped = true; /* the scope is not in the SQL */
  assert_int_equal(db_check_def(c, &def, err, sizeof err), 1);
  def.sql = "SELECT $1::bigint, $2::text WHERE $3::text IS NOT NULL"
            " AND $4::bigint > 0";
  assert_int_equal(db_check_def(c, &def, err, sizeof err), 0);
  def.sql = "SELEC 1";
  assert_int_equal(db_check_def(c, &def, err, sizeof err), -1);
}

int main(void) {
  testdb_require("test_statements");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(every_statement_fits_its_declaration,
                                      create_db, drop_db),
      cmocka_unit_test_setup_teardown(a_drift_is_found, create_db, drop_db),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
