/* Every operation of the route table has a row in the access matrix
 * (tests/api/access_expect.h), and every row names an operation: a new
 * route cannot land without saying who may call it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../api/access_expect.h"
#include "router.h"

static const struct access_expect *row_of(const char *op) {
  for (size_t i = 0; i < access_expect_count; i++)
    if (strcmp(access_expect[i].op, op) == 0)
      return &access_expect[i];
  return NULL;
}

static void test_every_route_has_a_row(void **state) {
  (void)state;
  int missing = 0;
  for (size_t i = 0; i < routes_count; i++)
    if (row_of(routes[i].operation_id) == NULL) {
      printf("no access expectations for %s %s (%s): add a row to "
             "tests/api/access_expect.h and a runner to test_access.c\n",
             http_method_name(routes[i].method), routes[i].path,
             routes[i].operation_id);
      missing++;
    }
  assert_int_equal(missing, 0);
}

static void test_every_row_has_a_route(void **state) {
  (void)state;
  int stray = 0;
  for (size_t i = 0; i < access_expect_count; i++) {
    size_t found = 0;
    for (size_t j = 0; j < routes_count; j++)
      if (strcmp(routes[j].operation_id, access_expect[i].op) == 0)
        found++;
    if (found != 1) {
      printf("%s: %zu routes, want 1\n", access_expect[i].op, found);
      stray++;
    }
    for (size_t k = 0; k < i; k++)
      if (strcmp(access_expect[k].op, access_expect[i].op) == 0) {
        printf("%s: two rows\n", access_expect[i].op);
        stray++;
      }
  }
  assert_int_equal(stray, 0);
}

/* A role the route table lets through never expects 403 on a visible
 * object, and a role it stops never expects success: the matrix agrees
 * with permissions.def. */
static void test_rows_agree_with_permissions(void **state) {
  (void)state;
  static const enum role role_of[C_COUNT] = {
      [C_ADMIN_G] = ROLE_ADMIN,  [C_ADMIN_R] = ROLE_ADMIN,
      [C_MUNI] = ROLE_MUNICIPAL, [C_CURATOR] = ROLE_CURATOR,
      [C_SCHOOL] = ROLE_SCHOOL,  [C_INGEST] = ROLE_INGEST,
      [C_READER] = ROLE_READER,
  };
  int wrong = 0;
  for (size_t j = 0; j < routes_count; j++) {
    const struct access_expect *row = row_of(routes[j].operation_id);
    if (row == NULL)
      continue;
    for (int c = 0; c < C_COUNT; c++) {
      bool may = role_has(role_of[c], routes[j].permission);
      int in = row->in[c];
      if (!may && in != 403) {
        printf("%s caller %d: the role lacks %s, so in-scope must be 403, "
               "not %d\n",
               row->op, c, permission_name(routes[j].permission), in);
        wrong++;
      }
      if (may && in >= 200 && in < 300)
        continue;
      if (may && routes[j].permission != PERM_PUBLIC && in == 403 &&
          strcmp(row->op, "createRegion") != 0) { /* global admins only */
        printf("%s caller %d: the role has %s but expects 403\n", row->op, c,
               permission_name(routes[j].permission));
        wrong++;
      }
    }
  }
  assert_int_equal(wrong, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_route_has_a_row),
      cmocka_unit_test(test_every_row_has_a_route),
      cmocka_unit_test(test_rows_agree_with_permissions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
