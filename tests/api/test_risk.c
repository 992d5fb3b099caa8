/* /api/v1/risk-factors and the risk profiles of schools (docs/PLANS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define FACTORS "/api/v1/risk-factors"

static long long school_id;

static long long school(void) {
  if (school_id == 0)
    school_id = create_school(kovrov().municipality_id, NULL,
                              "МБОУ «Иваново-Эсинская СОШ»");
  return school_id;
}

static const char *profile(const char *rest) {
  return J("/api/v1/schools/%lld/risk-profile%s", school(), rest);
}

/* A whole profile: every factor RF01..RF10, RF02 at `rf02`, the others
 * low, all from `source`. */
static const char *whole(const char *rf02, const char *source) {
  static char body[1200];
  snprintf(body, sizeof body, "{\"factors\":[");
  for (int i = 1; i <= 10; i++)
    snprintf(body + strlen(body), sizeof body - strlen(body),
             "%s{\"code\":\"RF%02d\",\"level\":\"%s\",\"source\":\"%s\","
             "\"comment\":%s}",
             i > 1 ? "," : "", i, i == 2 ? rf02 : "low", source,
             i == 2 ? "\"Вакансии учителей математики и физики\"" : "null");
  strcat(body, "]}");
  return body;
}

static struct http_reply *put(const char *path, const char *etag,
                              const char *body) {
  char line[64];
  snprintf(line, sizeof line, "If-Match: %s", etag != NULL ? etag : "");
  const char *headers[] = {line, NULL};
  return http_request("PUT", path, body, etag != NULL ? headers : NULL);
}

static void test_catalogue(void **state) {
  (void)state;
  /* Pages of three, by code: RF01-RF03, RF04-RF06, RF07-RF09, RF10. */
  struct http_reply *r = http_get(FACTORS "?limit=3");
  assert_status(r, 200);
  json_t *rf02 = json_array_get(json_object_get(r->json, "items"), 1);
  assert_json_str(rf02, "code", "RF02");
  assert_json_str(rf02, "group", "resources");
  assert_json_str(rf02, "name", "Дефицит педагогических кадров");
  int pages = 1;
  while (jstr(r->json, "next_cursor") != NULL) {
    char *next = strdup(jstr(r->json, "next_cursor"));
    http_reply_free(r);
    r = http_get(FACTORS "?limit=3&cursor=%s", esc(next));
    free(next);
    assert_status(r, 200);
    pages++;
  }
  assert_int_equal(pages, 4);
  assert_json_str(json_array_get(json_object_get(r->json, "items"), 0), "code",
                  "RF10");
  http_reply_free(r);
  r = http_get(FACTORS "?group=climate");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
  http_reply_free(r);
  r = http_get(FACTORS "/RF09");
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  http_reply_free(r);
  r = http_get(FACTORS "/RF99");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get(FACTORS "/RF%%2001");
  assert_status(r, 400);
  http_reply_free(r);
  r = http_get(FACTORS "?group=finance");
  assert_validation(r, "query.group");
  http_reply_free(r);
}

static void test_catalogue_writes(void **state) {
  (void)state;
  const char *body =
      "{\"code\":\"RF11\",\"group\":\"students\",\"name\":\"Высокая доля "
      "обучающихся с ОВЗ\",\"description\":\"по итогам мониторинга\"}";
  struct http_reply *r = http_post(FACTORS, body);
  assert_status(r, 201);
  assert_string_equal(r->location, FACTORS "/RF11");
  assert_string_equal(r->etag, "\"1\"");
  http_reply_free(r);
  r = http_post(FACTORS, body);
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);
  char *before = db_fingerprint();
  r = http_post(FACTORS, "{\"code\":\"R11\",\"group\":\"x\",\"name\":\"\"}");
  assert_validation(r, "$.code", "$.group", "$.name");
  http_reply_free(r);
  check_bad_bodies("POST", FACTORS, NULL,
                   "{\"code\":\"RF12\",\"group\":\"climate\",\"name\":\"x\"}",
                   ((const char *[]){"code", "group", "name", NULL}));
  assert_db_unchanged(before);

  r = http_patch(FACTORS "/RF11", "\"1\"", "{\"active\":false}");
  assert_status(r, 200);
  assert_json_int(r->json, "version", 2);
  http_reply_free(r);
  before = db_fingerprint();
  r = http_patch(FACTORS "/RF11", "\"2\"", "{\"code\":\"RF12\"}");
  assert_validation(r, "$.code");
  http_reply_free(r);
  check_if_match("PATCH", FACTORS "/RF11", "{\"name\":\"x\"}");
  assert_db_unchanged(before);

  /* Only an admin writes the catalogue; everyone but ingest reads it. */
  const char *admin = use_token(
      make_token("municipal", "municipality", kovrov().municipality_id));
  r = http_patch(FACTORS "/RF11", "\"2\"", "{\"name\":\"x\"}");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_get(FACTORS "/RF11");
  assert_status(r, 200);
  http_reply_free(r);
  use_token(admin);
}

static void test_profile_lifecycle(void **state) {
  (void)state;
  /* Never written: every active factor, unassessed, version 0. */
  struct http_reply *r = http_get("%s", profile("?year=2024"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"0\"");
  json_t *factors = json_object_get(r->json, "factors");
  assert_int_equal(json_array_size(factors), 10);
  assert_json_null(json_array_get(factors, 0), "level");
  http_reply_free(r);

  r = put(profile("?year=2024"), "\"0\"", whole("high", "curator"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  assert_json_str(json_array_get(json_object_get(r->json, "factors"), 1),
                  "level", "high");
  http_reply_free(r);
  /* The same PUT again is stale. */
  char *before = db_fingerprint();
  r = put(profile("?year=2024"), "\"0\"", whole("high", "curator"));
  assert_problem(r, 412, "precondition_failed");
  assert_string_equal(r->etag, "\"1\"");
  http_reply_free(r);
  r = put(profile("?year=2024"), NULL, whole("high", "curator"));
  assert_problem(r, 428, "precondition_required");
  http_reply_free(r);
  assert_db_unchanged(before);

  r = http_patch(profile("/RF02?year=2024"), "\"1\"",
                 "{\"level\":\"medium\",\"comment\":\"Две вакансии закрыты\"}");
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  json_t *rf02 = json_array_get(json_object_get(r->json, "factors"), 1);
  assert_json_str(rf02, "level", "medium");
  assert_json_str(rf02, "source", "curator"); /* kept */
  http_reply_free(r);

  /* History: ten entries from the PUT, then the patch, newest first. */
  json_t *history = list_all(profile("/history?year=2024"), 4);
  assert_int_equal(json_array_size(history), 11);
  assert_json_str(json_array_get(history, 0), "level", "medium");
  assert_json_str(json_array_get(history, 0), "factor", "RF02");
  json_decref(history);
  /* Another year is another profile. */
  r = http_get("%s", profile("?year=2023"));
  assert_string_equal(r->etag, "\"0\"");
  http_reply_free(r);
  assert_true(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                       " 'risk_profile' AND entity_id = %lld",
                       school()) == 2);
}

static void test_profile_bad_inputs(void **state) {
  (void)state;
  char *before = db_fingerprint();
  struct http_reply *r =
      put(profile("?year=2022"), "\"0\"",
          "{\"factors\":[{\"code\":\"RF01\",\"level\":\"extreme\","
          "\"source\":\"rumour\"},{\"code\":\"RF77\",\"level\":\"low\","
          "\"source\":\"curator\"},{\"code\":\"RF01\",\"level\":\"low\","
          "\"source\":\"curator\"}]}");
  assert_validation(r, "$.factors[0].level", "$.factors[0].source");
  http_reply_free(r);
  r = put(profile("?year=2022"), "\"0\"",
          "{\"factors\":[{\"code\":\"RF77\",\"level\":\"low\","
          "\"source\":\"curator\"},{\"code\":\"RF01\",\"level\":\"low\","
          "\"source\":\"curator\"},{\"code\":\"RF01\",\"level\":\"low\","
          "\"source\":\"curator\"}]}");
  assert_status(r, 400);
  assert_error_path(r, "$.factors[0].code"); /* unknown */
  assert_error_path(r, "$.factors[2].code"); /* twice */
  assert_error_path(r, "$.factors");         /* RF02..RF10 missing */
  http_reply_free(r);
  r = put(profile("?year=1999"), "\"0\"", whole("low", "curator"));
  assert_validation(r, "query.year");
  http_reply_free(r);
  r = put(profile("?year=2022&extra=1"), "\"0\"", whole("low", "curator"));
  assert_validation(r, "query.extra");
  http_reply_free(r);
  check_bad_bodies("PUT", profile("?year=2022"), "\"0\"",
                   whole("low", "curator"),
                   ((const char *[]){"factors", NULL}));
  /* One factor: unknown code 404; a factor not assessed needs a level. */
  r = http_patch(profile("/RF99?year=2022"), "\"0\"", "{\"level\":\"low\"}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(profile("/RF03?year=2022"), "\"0\"", "{\"comment\":\"x\"}");
  assert_validation(r, "$.level", "$.source");
  http_reply_free(r);
  r = http_patch(profile("/RF03?year=2022"), "\"0\"", "{\"level\":\"huge\"}");
  assert_validation(r, "$.level");
  http_reply_free(r);
  r = http_get("/api/v1/schools/999999/risk-profile?year=2022");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  check_bad_ids("GET", "/api/v1/schools/%s/risk-profile", "id", NULL, NULL);
  assert_db_unchanged(before);
}

/* A school assesses itself; a curator assesses as a curator. */
static void test_sources_by_role(void **state) {
  (void)state;
  long long own = school();
  long long other = create_school(kovrov().municipality_id, NULL, "МБОУ СОШ");
  const char *admin = use_token(make_token("school", "school", own));
  char *before = db_fingerprint();
  struct http_reply *r =
      put(profile("?year=2021"), "\"0\"", whole("high", "curator"));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.factors[0].source");
  http_reply_free(r);
  assert_db_unchanged(before);
  r = put(profile("?year=2021"), "\"0\"", whole("high", "self_diagnosis"));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_patch(profile("/RF05?year=2021"), "\"1\"",
                 "{\"source\":\"computed\"}");
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.source");
  http_reply_free(r);
  /* Another school's profile is not there for it. */
  r = http_get("/api/v1/schools/%lld/risk-profile?year=2021", other);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(make_token("reader", "region", kovrov().region_id));
  r = put(profile("?year=2021"), "\"1\"", whole("high", "curator"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(admin);
}

static void test_across_schools(void **state) {
  (void)state;
  long long a = school(), b = create_school(kovrov().municipality_id, NULL,
                                            "МБОУ «Мелеховская СОШ № 1»");
  create_status(a, "SHNOR", 2020);
  struct http_reply *r =
      put(J("/api/v1/schools/%lld/risk-profile?year=2020", a), "\"0\"",
          whole("high", "computed"));
  assert_status(r, 200);
  http_reply_free(r);
  r = put(J("/api/v1/schools/%lld/risk-profile?year=2020", b), "\"0\"",
          whole("none", "computed"));
  assert_status(r, 200);
  http_reply_free(r);

  /* Which schools have RF02 high in 2020/21? */
  json_t *high = list_all("/api/v1/risk-profiles?year=2020&factor=RF02&"
                          "level=high",
                          10);
  assert_int_equal(json_array_size(high), 1);
  assert_json_int(json_object_get(json_array_get(high, 0), "school"), "id", a);
  json_decref(high);
  json_t *shnor = list_all("/api/v1/risk-profiles?year=2020&category=SHNOR", 3);
  assert_int_equal(json_array_size(shnor), 10); /* a's ten factors */
  json_decref(shnor);
  json_t *here = list_all(J("/api/v1/risk-profiles?year=2020&factor=RF02&"
                            "municipality=%lld",
                            kovrov().municipality_id),
                          10);
  assert_int_equal(json_array_size(here), 2);
  json_decref(here);
  json_t *elsewhere = list_all("/api/v1/risk-profiles?year=2020&factor=RF02&"
                               "municipality=999999",
                               10);
  assert_int_equal(json_array_size(elsewhere), 0);
  json_decref(elsewhere);

  r = http_get("/api/v1/risk-profiles/summary?year=2020&group_by=municipality");
  assert_status(r, 200);
  json_t *groups = json_object_get(r->json, "groups");
  json_t *kovrov_group = NULL;
  for (size_t i = 0; i < json_array_size(groups); i++)
    if (jint(json_array_get(groups, i), "id") == kovrov().municipality_id)
      kovrov_group = json_array_get(groups, i);
  assert_non_null(kovrov_group);
  json_t *rf02 = json_array_get(json_object_get(kovrov_group, "factors"), 1);
  assert_json_str(rf02, "code", "RF02");
  assert_json_int(rf02, "high", 1);
  assert_json_int(rf02, "none", 1);
  http_reply_free(r);
  /* Only the SHNOR school counts; by municipality unless asked. */
  r = http_get("/api/v1/risk-profiles/summary?year=2020&category=SHNOR");
  assert_status(r, 200);
  assert_json_str(r->json, "group_by", "municipality");
  groups = json_object_get(r->json, "groups");
  kovrov_group = NULL;
  for (size_t i = 0; i < json_array_size(groups); i++)
    if (jint(json_array_get(groups, i), "id") == kovrov().municipality_id)
      kovrov_group = json_array_get(groups, i);
  assert_non_null(kovrov_group);
  rf02 = json_array_get(json_object_get(kovrov_group, "factors"), 1);
  assert_json_int(rf02, "high", 1);
  assert_json_int(rf02, "none", 0);
  http_reply_free(r);
  r = http_get("/api/v1/risk-profiles/summary?group_by=school");
  assert_validation(r, "query.group_by");
  http_reply_free(r);
  r = http_get("/api/v1/risk-profiles?level=extreme&factor=X1");
  assert_validation(r, "query.level", "query.factor");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_catalogue),
      cmocka_unit_test(test_catalogue_writes),
      cmocka_unit_test(test_profile_lifecycle),
      cmocka_unit_test(test_profile_bad_inputs),
      cmocka_unit_test(test_sources_by_role),
      cmocka_unit_test(test_across_schools),
  };
  harness_start("risk");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
