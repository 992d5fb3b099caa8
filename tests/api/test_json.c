/* JSON in and out, whatever the resource: ids no bigger than 2^53 - 1 in
 * paths, queries and bodies alike. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ID_MAX "9007199254740991"  /* 2^53 - 1 */
#define ID_OVER "9007199254740992" /* 2^53 */

static void test_ids_stop_at_2_53(void **state) {
  (void)state;
  char *before = db_fingerprint();
  /* Body: a nested id and a plain one. */
  struct http_reply *r = http_post(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':" ID_OVER "},'kind':'school_roadmap',"
        "'title':'Дорожная карта','period_from':'2021-09-01',"
        "'period_to':'2022-08-31'}"));
  assert_validation(r, "$.owner.id");
  http_reply_free(r);
  r = http_post("/api/v1/schools",
                J("{'code':'%s','short_name':'Школа','full_name':'Школа',"
                  "'municipality_id':" ID_OVER ",'type':'SOSH',"
                  "'locality':'RURAL'}",
                  uniq("id")));
  assert_validation(r, "$.municipality_id");
  http_reply_free(r);
  /* Path and query. */
  r = http_get("/api/v1/roadmaps/" ID_OVER);
  assert_validation(r, "path.id");
  http_reply_free(r);
  r = http_get("/api/v1/roadmaps?owner_school=" ID_OVER);
  assert_validation(r, "query.owner_school");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* 2^53 - 1 itself is an id: nothing has it. */
  r = http_get("/api/v1/roadmaps/" ID_MAX);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/roadmaps?owner_school=" ID_MAX);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = http_post("/api/v1/roadmaps",
                J("{'owner':{'kind':'school','id':" ID_MAX
                  "},'kind':'school_roadmap',"
                  "'title':'Дорожная карта','period_from':'2021-09-01',"
                  "'period_to':'2022-08-31'}"));
  assert_problem(r, 422, "reference_not_found");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids_stop_at_2_53),
  };
  harness_start("json");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
