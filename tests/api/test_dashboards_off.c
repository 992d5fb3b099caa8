/* OPORA_KEEP_DASHBOARDS=0: aggregates and completeness are computed on
 * every request, so a write that raises no change number (its triggers
 * off) is seen at once; with keeping on (test_dashboards.c) it is not. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define AGGREGATE                                                              \
  "/api/v1/indicators/TEACHERS_YOUNG_SHARE/aggregate?period=2023%2F24"

static void test_not_kept(void **state) {
  (void)state;
  long long school = create_school(kovrov().municipality_id, NULL, "МБОУ СОШ");
  db_exec("INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES (%lld, 'TEACHERS_YOUNG_SHARE',"
          " '2023/24', '20', 'submission', nextval('indicator_change_seq'))",
          school);
  struct http_reply *r = http_get("%s", AGGREGATE);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "\"max\":20"));
  http_reply_free(r);
  db_exec("ALTER TABLE indicator_values DISABLE TRIGGER USER;"
          " UPDATE indicator_values SET value = '77' WHERE school_id = %lld;"
          " ALTER TABLE indicator_values ENABLE TRIGGER USER",
          school);
  r = http_get("%s", AGGREGATE);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "\"max\":77"));
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_not_kept),
  };
  setenv("OPORA_KEEP_DASHBOARDS", "0", 1);
  harness_start("dashboards_off");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
