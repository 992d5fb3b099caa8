/* JSON in and out, whatever the resource: ids no bigger than 2^53 - 1 in
 * paths, queries and bodies alike; bodies saved with a UTF-8 BOM; \u0000
 * and numbers too large named by their member; and one compact form of
 * every JSON answer, whether Jansson or PostgreSQL wrote it. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ID_MAX "9007199254740991"      /* 2^53 - 1 */
#define ID_OVER "9007199254740992"     /* 2^53 */
#define INT_OVER "9223372036854775808" /* 2^63 */

static long long school_id;

static long long a_school(void) {
  if (school_id == 0)
    school_id = create_school(kovrov().municipality_id, NULL,
                              "МБОУ «Иваново-Эсинская СОШ»");
  return school_id;
}

/* The message of the error naming `path`, or NULL. */
static const char *message_at(const struct http_reply *r, const char *path) {
  json_t *errors = json_object_get(r->json, "errors");
  for (size_t i = 0; i < json_array_size(errors); i++) {
    json_t *e = json_array_get(errors, i);
    if (strcmp(jstr(e, "path"), path) == 0)
      return jstr(e, "message");
  }
  return NULL;
}

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

/* A NUL (%00) in a path or a query value is a 400, never cut short: the
 * school "1%00" is not school 1, a search for "a%00b" not one for "a";
 * "%2500" is the text "%00" (not an id: 400 naming it). Writes too. */
static void test_nul_in_url_is_refused(void **state) {
  (void)state;
  (void)a_school();
  char *before = db_fingerprint();
  const char *paths[] = {"/api/v1/schools/%lld%%00", "/api/v1/schools?q=a%%00b",
                         "/api/v1/schools?q=%%00", "/api/v1/schools%%00/%lld"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    struct http_reply *r = http_get(paths[i], a_school());
    assert_problem(r, 400, "bad_request");
    assert_non_null(strstr(jstr(r->json, "detail"), "NUL"));
    http_reply_free(r);
  }
  struct http_reply *r = http_patch(J("/api/v1/schools/%lld%%00", a_school()),
                                    "\"1\"", "{\"phone\":\"1\"}");
  assert_problem(r, 400, "bad_request");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld%%2500", a_school());
  assert_validation(r, "path.id");
  http_reply_free(r);
  /* The same connection serves the next request as usual. */
  r = http_get("/api/v1/schools/%lld", a_school());
  assert_status(r, 200);
  http_reply_free(r);
  assert_db_unchanged(before);
}

/* Query keys and values that are not UTF-8 are named in the problem (as
 * valid UTF-8), never dropped or misdescribed. */
static void test_query_not_utf8_is_named(void **state) {
  (void)state;
  struct http_reply *r = http_get("/api/v1/schools?%%FF%%FE=1");
  assert_validation(r, "query.??");
  http_reply_free(r);
  r = http_get("/api/v1/schools?q=%%FFa");
  assert_validation(r, "query.q");
  assert_non_null(strstr(r->body, "UTF-8"));
  http_reply_free(r);
}

static void test_bom_is_read(void **state) {
  (void)state;
  const char *code = uniq("bom");
  struct http_reply *r = http_post(
      "/api/v1/regions",
      J("\xEF\xBB\xBF{'code':'%s','name':'Ивановская область'}", code));
  assert_status(r, 201);
  assert_json_str(r->json, "code", code);
  long long id = jint(r->json, "id");
  http_reply_free(r);
  r = http_patch(J("/api/v1/regions/%lld", id), "\"1\"",
                 "\xEF\xBB\xBF\r\n{\"name\":\"Ивановская обл.\"}");
  assert_status(r, 200);
  assert_json_str(r->json, "name", "Ивановская обл.");
  http_reply_free(r);
  /* A BOM alone is no body; a BOM in the middle is no JSON. */
  r = http_post("/api/v1/regions", "\xEF\xBB\xBF");
  assert_problem(r, 400, "invalid_json");
  http_reply_free(r);
  r = http_post("/api/v1/regions",
                "{\"code\":\"x\",\xEF\xBB\xBF\"name\":\"y\"}");
  assert_problem(r, 400, "invalid_json");
  http_reply_free(r);
}

/* Bodies Jansson refuses member by member: each named, in our words. */
static void test_faults_name_the_member(void **state) {
  (void)state;
  char *before = db_fingerprint();
  struct http_reply *r =
      http_post("/api/v1/regions", "{\"code\":\"n1\",\"name\":\"a\\u0000b\"}");
  assert_validation(r, "$.name");
  assert_string_equal(message_at(r, "$.name"),
                      "must not hold the character \\u0000");
  assert_null(strstr(r->body, "JSON_ALLOW_NUL"));
  http_reply_free(r);

  r = http_post("/api/v1/regions",
                "{\"code\":\"n1\",\"name\":\"x\",\"n\\u0000m\":1}");
  assert_validation(r, "$['n\\u0000m']");
  http_reply_free(r);

  r = http_post("/api/v1/regions",
                "{\"code\":\"n1\",\"name\":\"x\",\"n\":" INT_OVER "}");
  assert_validation(r, "$.n");
  assert_non_null(strstr(message_at(r, "$.n"), "integer too large"));
  assert_null(strstr(r->body, "too big integer"));
  http_reply_free(r);

  /* Every fault at once, nested ones by their whole path. */
  r = http_post("/api/v1/roadmaps",
                "{\"owner\":{\"kind\":\"school\",\"id\":-" INT_OVER "1},"
                "\"title\":\"\\u0000\",\"period_from\":\"2021-09-01\","
                "\"tags\":[1,2,1e400],\"note\":\"ok\"}");
  assert_validation(r, "$.owner.id", "$.title", "$.tags[2]");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* The token endpoint reads JSON the same way. */
  const char *h[] = {"Authorization:", NULL};
  r = http_request("POST", "/api/v1/auth/token",
                   "\xEF\xBB\xBF{\"grant_type\":\"client_credentials\","
                   "\"client_id\":\"a\\u0000\",\"client_secret\":\"s\"}",
                   h);
  assert_validation(r, "$.client_id");
  http_reply_free(r);
}

/* Offset of the first whitespace outside a string, or -1. */
static long outer_space(const char *text, size_t len) {
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (in_string && c == '\\')
      i++;
    else if (c == '"')
      in_string = !in_string;
    else if (!in_string && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
      return (long)i;
  }
  return -1;
}

static void expect_compact(struct http_reply *r, long status) {
  assert_status(r, status);
  long at = outer_space(r->body, r->len);
  if (at >= 0)
    fail_msg("%s %s: whitespace at byte %ld: %.60s", r->method, r->path, at,
             r->body + (at > 20 ? at - 20 : 0));
  http_reply_free(r);
}

static void test_answers_are_compact(void **state) {
  (void)state;
  long long school = a_school();
  long long roadmap = api_create(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'school_roadmap',"
        "'title':'Дорожная карта','period_from':'2021-09-01',"
        "'period_to':'2022-08-31'}",
        school));
  /* A item with a parsed schedule: jsonb inside json_build_object. */
  struct http_reply *r =
      http_post(J("/api/v1/roadmaps/%lld/items", roadmap),
                J("{'activity':'Совещание, итоги: «1 : 2»',"
                  "'schedule_text':'ежегодно до 15 сентября'}"));
  long long item = jint(r->json, "id");
  expect_compact(r, 201);
  expect_compact(http_get("/api/v1/roadmap-items/%lld", item), 200);
  expect_compact(http_get("/api/v1/roadmaps/%lld?include=items", roadmap), 200);
  expect_compact(http_get("/api/v1/roadmaps/%lld/items", roadmap), 200);
  expect_compact(http_get("/api/v1/roadmap-items?roadmap=%lld", roadmap), 200);
  expect_compact(http_get("/api/v1/roadmaps?owner_school=%lld", school), 200);
  expect_compact(http_get("/api/v1/schools/%lld", school), 200);
  expect_compact(http_get("/api/v1/schools?limit=2"), 200);
  expect_compact(
      http_get("/api/v1/schools/%lld/risk-profile?year=2024", school), 200);
  expect_compact(http_get("/api/v1/risk-factors/RF01"), 200);
  expect_compact(http_get("/api/v1/audit?limit=5"), 200);
  expect_compact(http_get("/api/v1/me"), 200);
  expect_compact(http_get("/api/v1/roadmaps/" ID_MAX), 404);
  expect_compact(http_post("/api/v1/regions", "{}"), 400);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids_stop_at_2_53),
      cmocka_unit_test(test_nul_in_url_is_refused),
      cmocka_unit_test(test_query_not_utf8_is_named),
      cmocka_unit_test(test_bom_is_read),
      cmocka_unit_test(test_faults_name_the_member),
      cmocka_unit_test(test_answers_are_compact),
  };
  harness_start("json");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
