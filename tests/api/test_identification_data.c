/* "Same data?" (docs/IDENTIFICATION.md): GET /identification-runs/{id}/
 * data-check against real pushes and context rows written through the API:
 * a run and then a new push to one of its instruments, an instrument that
 * appears, one that disappears, a fresh run; a ШНСУ run and an edited
 * context row; scope. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct {
  long long region, m2;
  long long s[3]; /* s0, s1 in Kovrov; s2 in M2 */
  char code[3][16];
  long long math;
  const char *admin, *ingest, *municipal, *admin_b;
} fx;

#define F1_HEADER                                                                                                              \
  "ОО;Муниципалитет;Название ОО;Код участника;Класс;Вариант;1 (1б);2 (1б);" \
  "3 (2б);4.1 (1б);4.2 (2б);Первичный балл;Отметка;Отметка по журналу\r\n"

/* ВПР 5 класс in `subject`: five tasks of 7 points; marks 3, 4, 5 from 2,
 * 4, 6. */
static long long instrument(const char *subject) {
  use_token(fx.admin);
  return api_create(
      "/api/v1/assessments",
      J("{'kind':'VPR','year':2025,'grade':5,'subject_code':'%s',"
        "'subject_name':'Предмет','max_primary_score':7,'mark3_from':2,"
        "'mark4_from':4,'mark5_from':6,'tasks':["
        "{'number':'1','max_score':1,'level':'basic'},"
        "{'number':'2','max_score':1,'level':'basic'},"
        "{'number':'3','max_score':2,'level':'basic'},"
        "{'number':'4.1','max_score':1,'level':'advanced'},"
        "{'number':'4.2','max_score':2,'level':'advanced'}]}",
        subject));
}

/* Pushes n participants of school i (codes prefix-1..n), each with one
 * point: a "2". */
static void push(long long assessment, int i, const char *prefix, int n) {
  char body[4096];
  size_t len = (size_t)snprintf(body, sizeof body, "%s", F1_HEADER);
  for (int k = 1; k <= n && len < sizeof body - 200; k++)
    len += (size_t)snprintf(body + len, sizeof body - len,
                            "%s;Район;Школа;%s-%d;5А;1;1;0;0;0;0;1;2;\r\n",
                            fx.code[i], prefix, k);
  use_token(fx.ingest);
  const char *h[] = {"Content-Type: text/csv; charset=utf-8", NULL};
  struct http_reply *r = http_request_n(
      "POST", J("/api/v1/assessments/%lld/results", assessment), body, len, h);
  assert_status(r, 201);
  http_reply_free(r);
}

static long long last_import(long long assessment) {
  return db_count("SELECT max(id) FROM imports WHERE assessment_id = %lld"
                  " AND outcome = 'committed'",
                  assessment);
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.region = t.region_id;
  fx.m2 = create_municipality(t.region_id, "dc-m2", "Вязниковский район");
  for (int i = 0; i < 3; i++) {
    snprintf(fx.code[i], sizeof fx.code[i], "DC-%d", i + 1);
    fx.s[i] = create_school(i == 2 ? fx.m2 : t.municipality_id, fx.code[i],
                            fx.code[i]);
  }
  fx.ingest = strdup(make_token("ingest", "region", t.region_id));
  fx.municipal =
      strdup(make_token("municipal", "municipality", t.municipality_id));
  long long rb = create_region("dc-rb", "Ивановская область");
  fx.admin_b = strdup(make_token("admin", "region", rb));
  fx.math = instrument("math");
  push(fx.math, 0, "a", 10);
  push(fx.math, 1, "b", 10);
}

static long long run(const char *kind, const char *parameters) {
  use_token(fx.admin);
  struct http_reply *r =
      http_post("/api/v1/identification-runs",
                J("{'kind':'%s','year':2025,'region_id':%lld,'parameters':%s}",
                  kind, fx.region, parameters));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  http_reply_free(r);
  return id;
}

static long long results_run(void) {
  return run("low_results", "{'years':1,'min_instruments':1,"
                            "'instruments':[{'kind':'VPR'}]}");
}

/* The data check of run id, as the current token. */
static json_t *check(long long id) {
  struct http_reply *r =
      http_get("/api/v1/identification-runs/%lld/data-check", id);
  assert_status(r, 200);
  assert_json_int(r->json, "run_id", id);
  assert_non_null(jstr(r->json, "checked_at"));
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

static void data_as_expected(long long id, bool same, size_t changed,
                             size_t appeared, size_t disappeared, int line) {
  json_t *doc = check(id);
  size_t c = json_array_size(json_object_get(doc, "changed"));
  size_t a = json_array_size(json_object_get(doc, "appeared"));
  size_t d = json_array_size(json_object_get(doc, "disappeared"));
  if (json_is_true(json_object_get(doc, "same_data")) != same || c != changed ||
      a != appeared || d != disappeared) {
    char *text = json_dumps(doc, JSON_COMPACT);
    fail_msg("line %d: %s", line, text);
  }
  json_decref(doc);
}
#define expect_data(id, same, c, a, d)                                         \
  data_as_expected((id), (same), (c), (a), (d), __LINE__)

static void test_new_push(void **state) {
  (void)state;
  long long id = results_run();
  use_token(fx.admin);
  expect_data(id, true, 0, 0, 0);
  long long then = last_import(fx.math);
  push(fx.math, 0, "a2", 3); /* three more participants of s0 */
  use_token(fx.admin);
  json_t *doc = check(id);
  assert_false(json_is_true(json_object_get(doc, "same_data")));
  const json_t *c = json_array_get(json_object_get(doc, "changed"), 0);
  assert_json_int(c, "assessment_id", fx.math);
  assert_json_str(c, "kind", "VPR");
  assert_json_str(c, "subject_code", "math");
  assert_json_int(json_object_get(c, "then"), "last_import_id", then);
  assert_json_int(json_object_get(c, "now"), "last_import_id",
                  last_import(fx.math));
  assert_true(then != last_import(fx.math));
  assert_int_equal(json_array_size(json_object_get(doc, "changed")), 1);
  json_decref(doc);
  /* A run now reads today's data. */
  long long fresh = results_run();
  use_token(fx.admin);
  expect_data(fresh, true, 0, 0, 0);
  expect_data(id, false, 1, 0, 0);
}

static void test_appeared_and_disappeared(void **state) {
  (void)state;
  long long id = results_run();
  use_token(fx.admin);
  expect_data(id, true, 0, 0, 0);
  /* An instrument the methodology reads now and did not then. */
  long long russian = instrument("russian");
  push(russian, 1, "r", 5);
  use_token(fx.admin);
  json_t *doc = check(id);
  const json_t *a = json_array_get(json_object_get(doc, "appeared"), 0);
  assert_json_int(a, "assessment_id", russian);
  assert_json_null(a, "then");
  assert_json_int(json_object_get(a, "now"), "last_import_id",
                  last_import(russian));
  json_decref(doc);
  expect_data(id, false, 0, 1, 0);
  /* Read then, not now: the region's statistics of math are gone. */
  long long fresh = results_run();
  db_exec("DELETE FROM assessment_school_stats WHERE assessment_id = %lld",
          fx.math);
  use_token(fx.admin);
  doc = check(fresh);
  const json_t *d = json_array_get(json_object_get(doc, "disappeared"), 0);
  assert_json_int(d, "assessment_id", fx.math);
  assert_json_null(d, "now");
  assert_non_null(jstr(json_object_get(d, "then"), "statistics_updated_at"));
  json_decref(doc);
  expect_data(fresh, false, 0, 0, 1);
}

/* PUTs school i's context of `year`: a new row without If-Match, else
 * the version given. */
static void put_context(int i, int year, int low_income, int version) {
  char if_match[32];
  snprintf(if_match, sizeof if_match, "If-Match: \"%d\"", version);
  const char *h[] = {version > 0 ? if_match : NULL, NULL};
  use_token(fx.admin);
  struct http_reply *r = http_request(
      "PUT", J("/api/v1/schools/%lld/social-context/%d", fx.s[i], year),
      J("{'parents_higher_education':10,'single_parent':20,"
        "'unemployed_parents':5,'low_income':%d,'non_russian_at_home':1,"
        "'preventive_register':1,'disabilities':2,'pupils':300}",
        low_income),
      version > 0 ? h : NULL);
  assert_status(r, version > 0 ? 200 : 201);
  http_reply_free(r);
}

static void test_context_row_edited(void **state) {
  (void)state;
  for (int i = 0; i < 3; i++)
    put_context(i, 2025, 10 + i, 0);
  long long id = run("unfavourable_context", "{'years':1}");
  use_token(fx.admin);
  expect_data(id, true, 0, 0, 0);
  put_context(0, 2025, 40, 1);
  put_context(2, 2025, 40, 1);
  use_token(fx.admin);
  json_t *doc = check(id);
  assert_false(json_is_true(json_object_get(doc, "same_data")));
  const json_t *c = json_array_get(json_object_get(doc, "changed"), 0);
  assert_json_int(c, "school_id", fx.s[0]);
  assert_json_str(c, "school_code", "DC-1");
  assert_json_int(c, "year", 2025);
  assert_json_int(json_object_get(c, "then"), "version", 1);
  assert_json_int(json_object_get(c, "now"), "version", 2);
  assert_int_equal(json_array_size(json_object_get(doc, "changed")), 2);
  json_decref(doc);
  /* A municipal user reads the run restricted to its schools: counts of
   * its two schools, no data state (it names every school of the region),
   * and no data check (identification:run). */
  use_token(fx.municipal);
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", id);
  assert_status(r, 200);
  assert_null(json_object_get(r->json, "data_state"));
  const json_t *counts = json_object_get(r->json, "counts");
  assert_int_equal(jint(counts, "meets") + jint(counts, "does_not_meet") +
                       jint(counts, "insufficient_evidence"),
                   2);
  assert_null(strstr(r->body, "DC-3"));
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs?kind=unfavourable_context");
  assert_status(r, 200);
  assert_null(json_object_get(
      json_array_get(json_object_get(r->json, "items"), 0), "data_state"));
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/data-check", id);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(fx.admin);
  r = http_get("/api/v1/identification-runs/%lld", id);
  assert_int_equal(json_array_size(json_object_get(r->json, "data_state")), 3);
  counts = json_object_get(r->json, "counts");
  assert_int_equal(jint(counts, "meets") + jint(counts, "does_not_meet") +
                       jint(counts, "insufficient_evidence"),
                   3);
  http_reply_free(r);
  /* A row new since the run: appeared; a run now reads it. */
  long long two = run("unfavourable_context", "{'years':2}");
  put_context(1, 2024, 10, 0);
  use_token(fx.admin);
  expect_data(two, false, 0, 1, 0);
  long long fresh = run("unfavourable_context", "{'years':2}");
  use_token(fx.admin);
  expect_data(fresh, true, 0, 0, 0);
}

static void test_scope_and_ids(void **state) {
  (void)state;
  long long id = results_run();
  use_token(fx.admin_b);
  struct http_reply *r =
      http_get("/api/v1/identification-runs/%lld/data-check", id);
  assert_problem(r, 404, "not_found");
  assert_json_str(r->json, "detail",
                  J("no identification run %lld is within your scope", id));
  http_reply_free(r);
  use_token(fx.admin);
  r = http_get("/api/v1/identification-runs/999999/data-check");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/x/data-check");
  assert_validation(r, "path.id");
  http_reply_free(r);
  use_token(fx.ingest);
  r = http_get("/api/v1/identification-runs/%lld/data-check", id);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_push),
      cmocka_unit_test(test_appeared_and_disappeared),
      cmocka_unit_test(test_context_row_edited),
      cmocka_unit_test(test_scope_and_ids),
  };
  harness_start("identification_data");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
