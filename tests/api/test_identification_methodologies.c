/* Saved identification methodologies as a resource (docs/IDENTIFICATION.md):
 * saved without a run and by a run, listed by name with a kind filter and
 * pages, read, taken by runs, deleted while their runs keep their
 * methodology and name; audited; another region's answered as missing;
 * bad bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct {
  long long region, region_b;
  const char *admin, *admin_b, *municipal;
} fx;

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.region = t.region_id;
  create_school(t.municipality_id, "IM-1", "IM-1");
  fx.region_b = create_region("im-rb", "Ивановская область");
  fx.admin_b = strdup(make_token("admin", "region", fx.region_b));
  fx.municipal =
      strdup(make_token("municipal", "municipality", t.municipality_id));
}

/* Saves a methodology of the region; returns the answer. */
static struct http_reply *save(const char *name, const char *kind,
                               const char *parameters) {
  use_token(fx.admin);
  return http_post("/api/v1/identification-methodologies",
                   J("{'name':'%s','kind':'%s','region_id':%lld%s%s}", name,
                     kind, fx.region, parameters ? ",'parameters':" : "",
                     parameters ? parameters : ""));
}

static long long saved(const char *name, const char *kind,
                       const char *parameters) {
  struct http_reply *r = save(name, kind, parameters);
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  http_reply_free(r);
  return id;
}

static json_t *run_by_name(const char *name, const char *kind) {
  use_token(fx.admin);
  struct http_reply *r =
      http_post("/api/v1/identification-runs",
                J("{'kind':'%s','year':2025,'region_id':%lld,"
                  "'methodology_name':'%s'}",
                  kind, fx.region, name));
  assert_status(r, 201);
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

static long long audit_count(const char *action, long long id) {
  return db_count("SELECT count(*) FROM audit_events WHERE entity ="
                  " 'identification_methodology' AND action = '%s' AND"
                  " entity_id = '%lld'",
                  action, id);
}

static void test_save_read_and_run(void **state) {
  (void)state;
  struct http_reply *r =
      save("ЕГЭ 10 %", "low_results",
           "{'instruments':[{'kind':'VPR'},"
           "{'kind':'EGE','share_fail_percent':10}],'years':1}");
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_non_null(http_header(r, "Location"));
  assert_json_str(r->json, "name", "ЕГЭ 10 %");
  assert_json_int(r->json, "runs", 0);
  const json_t *p = json_object_get(r->json, "parameters");
  assert_json_int(p, "years", 1);
  assert_json_int(p, "min_instruments", 2);
  assert_json_int(json_array_get(json_object_get(p, "instruments"), 1),
                  "share_fail_percent", 10);
  assert_json_str(json_array_get(json_object_get(p, "instruments"), 0),
                  "criterion", "share_fail");
  http_reply_free(r);
  assert_int_equal(audit_count("create", id), 1);
  /* A run takes it by name: the same parameters, its id and name. */
  json_t *run = run_by_name("ЕГЭ 10 %", "low_results");
  assert_json_int(run, "methodology_id", id);
  assert_json_str(run, "methodology_name", "ЕГЭ 10 %");
  char *a = json_dumps(
      json_object_get(json_object_get(run, "methodology"), "parameters"),
      JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(run);
  r = http_get("/api/v1/identification-methodologies/%lld", id);
  assert_status(r, 200);
  assert_json_int(r->json, "runs", 1);
  char *b = json_dumps(json_object_get(r->json, "parameters"),
                       JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(a, b);
  free(a);
  free(b);
  http_reply_free(r);
  /* Read by every reader of the region. */
  use_token(fx.municipal);
  r = http_get("/api/v1/identification-methodologies/%lld", id);
  assert_status(r, 200);
  http_reply_free(r);
}

static void test_list(void **state) {
  (void)state;
  saved("Б", "low_results", NULL);
  saved("А", "unfavourable_context", "{'cutoff_value':50}");
  use_token(fx.admin);
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'low_results','year':2025,'region_id':%lld,'save_as':'В'}",
        fx.region));
  assert_status(r, 201);
  http_reply_free(r);
  /* By name, a page at a time. */
  json_t *all = list_all("/api/v1/identification-methodologies", 1);
  size_t n = json_array_size(all);
  assert_true(n >= 3);
  for (size_t i = 1; i < n; i++)
    assert_true(strcmp(jstr(json_array_get(all, i - 1), "name"),
                       jstr(json_array_get(all, i), "name")) < 0);
  json_decref(all);
  all = list_all("/api/v1/identification-methodologies?kind="
                 "unfavourable_context",
                 10);
  assert_int_equal(json_array_size(all), 1);
  assert_json_str(json_array_get(all, 0), "name", "А");
  json_decref(all);
  r = http_get("/api/v1/identification-methodologies?kind=x");
  assert_validation(r, "query.kind");
  http_reply_free(r);
  /* Another region's admin lists none of these. */
  use_token(fx.admin_b);
  r = http_get("/api/v1/identification-methodologies");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
}

static void test_delete_keeps_runs(void **state) {
  (void)state;
  long long id = saved("Удаляемая", "low_results", "{'years':1}");
  json_t *run = run_by_name("Удаляемая", "low_results");
  long long run_id = jint(run, "id");
  char *before = json_dumps(json_object_get(run, "methodology"),
                            JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(run);
  /* Not by a municipal user; not by another region's admin (as missing). */
  use_token(fx.municipal);
  struct http_reply *r =
      http_delete(J("/api/v1/identification-methodologies/%lld", id), NULL);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(fx.admin_b);
  r = http_delete(J("/api/v1/identification-methodologies/%lld", id), NULL);
  assert_problem(r, 404, "not_found");
  assert_json_str(
      r->json, "detail",
      J("no identification methodology %lld is within your scope", id));
  http_reply_free(r);
  r = http_get("/api/v1/identification-methodologies/%lld", id);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(fx.admin);
  r = http_delete(J("/api/v1/identification-methodologies/%lld", id), NULL);
  assert_status(r, 204);
  http_reply_free(r);
  assert_int_equal(audit_count("delete", id), 1);
  /* Gone, as one that never was. */
  r = http_get("/api/v1/identification-methodologies/%lld", id);
  assert_problem(r, 404, "not_found");
  assert_json_str(
      r->json, "detail",
      J("no identification methodology %lld is within your scope", id));
  http_reply_free(r);
  r = http_delete(J("/api/v1/identification-methodologies/%lld", id), NULL);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* The run keeps its methodology and its name. */
  r = http_get("/api/v1/identification-runs/%lld", run_id);
  assert_status(r, 200);
  assert_json_null(r->json, "methodology_id");
  assert_json_str(r->json, "methodology_name", "Удаляемая");
  char *after = json_dumps(json_object_get(r->json, "methodology"),
                           JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(before, after);
  free(before);
  free(after);
  http_reply_free(r);
  /* No run takes it by name; the name is free again. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'methodology_name':'Удаляемая'}",
                  fx.region));
  assert_problem(r, 422, "reference_not_found");
  http_reply_free(r);
  saved("Удаляемая", "low_results", NULL);
}

static void test_bad_bodies(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r =
      http_post("/api/v1/identification-methodologies",
                "{\"name\":\" \",\"kind\":\"x\",\"extra\":1}");
  assert_validation(r, "$.name", "$.kind", "$.extra");
  http_reply_free(r);
  r = save("Плохая", "low_results",
           "{'instruments':[{'kind':'VPR','criterion':'task_mastery',"
           "'share_fail_percent':30}],'weights':{'rural':1}}");
  assert_validation(r, "$.parameters.instruments[0].share_fail_percent",
                    "$.parameters.weights");
  http_reply_free(r);
  r = http_post("/api/v1/identification-methodologies",
                "{\"name\":\"x\",\"kind\":\"low_results\"}");
  assert_validation(r, "$.region_id"); /* a global admin names it */
  http_reply_free(r);
  saved("Занятая", "low_results", NULL);
  r = save("Занятая", "unfavourable_context", NULL);
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.name");
  http_reply_free(r);
  /* Another region's admin saves in its own region only. */
  use_token(fx.admin_b);
  r = http_post(
      "/api/v1/identification-methodologies",
      J("{'name':'Чужая','kind':'low_results','region_id':%lld}", fx.region));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.region_id");
  http_reply_free(r);
  r = http_post("/api/v1/identification-methodologies",
                "{\"name\":\"Занятая\",\"kind\":\"low_results\"}");
  assert_status(r, 201); /* a name is unique within a region */
  assert_json_int(r->json, "region_id", fx.region_b);
  http_reply_free(r);
  use_token(fx.municipal);
  r = http_post("/api/v1/identification-methodologies",
                "{\"name\":\"y\",\"kind\":\"low_results\"}");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(fx.admin);
  r = http_get("/api/v1/identification-methodologies/abc");
  assert_validation(r, "path.id");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_save_read_and_run),
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_delete_keeps_runs),
      cmocka_unit_test(test_bad_bodies),
  };
  harness_start("identification_methodologies");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
