/* Resilient schools (kind resilient, docs/IDENTIFICATION.md) over
 * hand-made statistics and context rows whose answer is worked out below:
 * a resilient school, a poor school with low results, a rich school with
 * high results, ties at both cut-offs, too few participants, a missing
 * year, changed parameters, recomputation byte for byte, the data check,
 * the diff, saved methodologies, bad parameters and apply refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "identification_helpers.h"

/* The schools, all rural (+10 on the index) in Ковровский район. */
enum {
  R, /* resilient: index 80, results 83.3 */
  T, /* index 70 and results 66.7: both exactly the cut-offs */
  M, /* like T, but no context row in 2024 */
  P, /* poor (70), low results (5.6) */
  W, /* rich (10), the best results (94.4) */
  F, /* poor (70), 3 participants in every instrument */
  O1,
  O2,
  O3,
  O4, /* ordinary: 20..50, results 16.7..50 */
  N_SCHOOLS
};
static const char *const codes[N_SCHOOLS] = {"RS-R",  "RS-T", "RS-M",  "RS-P",
                                             "RS-W",  "RS-F", "RS-O1", "RS-O2",
                                             "RS-O3", "RS-O4"};
/* The share of low-income families: the index is it plus 10. */
static const int low_income[N_SCHOOLS] = {70, 60, 60, 60, 0,
                                          60, 10, 20, 30, 40};
/* The mean primary score in every instrument: ranks (below + half of the
 * equal) / 9 of P 5.6, O1..O4 16.7, 27.8, 38.9, 50, T and M 66.7 (tied),
 * R 83.3, W 94.4; their 75th percentile is the 7th of 9 sorted: 66.7. F's
 * 9 is never counted. Indices: 10, 20, 30, 40, 50, 70 ×4, 80; the 75th
 * percentile of ten lies between the 7th and 8th, both 70 (2024 without M:
 * the 7th of nine, 70). */
static const int mean[N_SCHOOLS] = {7, 6, 6, 1, 8, 9, 2, 3, 4, 5};

static struct {
  long long region;
  long long s[N_SCHOOLS];
  long long inst[2][3]; /* 2024, 2025 × math, russian, history */
  const char *admin, *school_r;
} fx;

static void stat(long long assessment, long long school, int n, int mean_) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums, score_counts,"
          " journal_known, confirmed, lowered, raised) VALUES (%lld, %lld, %d,"
          " ARRAY[0, %d, 0, 0], 0, %d, ARRAY[%d]::bigint[],"
          " '{0,0,0,0,0,0,0,0,0,0,0}', 0, 0, 0, 0)",
          assessment, school, n, n, n * mean_, n * mean_);
}

static void context(long long school, int year, int low) {
  db_exec("INSERT INTO school_contexts (school_id, school_year, low_income,"
          " unemployed_parents, single_parent, parents_higher_education,"
          " non_russian_at_home, preventive_register, disabilities, pupils)"
          " VALUES (%lld, %d, %d, 0, 0, 0, 0, 0, 0, 300)",
          school, year, low);
}

static long long instrument(int year, const char *code, const char *name) {
  return api_create(
      "/api/v1/assessments",
      J("{'kind':'VPR','year':%d,'grade':5,'subject_code':'%s',"
        "'subject_name':'%s','max_primary_score':10,'mark3_from':3,"
        "'mark4_from':6,'mark5_from':8,'tasks':["
        "{'number':'1','max_score':10,'level':'basic'}]}",
        year, code, name));
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.region = t.region_id;
  for (int i = 0; i < N_SCHOOLS; i++)
    fx.s[i] = create_school(t.municipality_id, codes[i], codes[i]);
  static const char *const subjects[3][2] = {{"math", "Математика"},
                                             {"russian", "Русский язык"},
                                             {"history", "История"}};
  for (int y = 0; y < 2; y++)
    for (int k = 0; k < 3; k++) {
      fx.inst[y][k] = instrument(2024 + y, subjects[k][0], subjects[k][1]);
      for (int i = 0; i < N_SCHOOLS; i++)
        stat(fx.inst[y][k], fx.s[i], i == F ? 3 : 20, mean[i]);
    }
  for (int i = 0; i < N_SCHOOLS; i++)
    for (int y = 2024; y <= 2025; y++)
      if (i != M || y == 2025)
        context(fx.s[i], y, low_income[i]);
  fx.school_r = strdup(make_token("school", "school", fx.s[R]));
}

/* POSTs a resilient run of the region with `parameters`; returns its id. */
static long long run(const char *parameters) {
  return ident_run(fx.admin, "resilient", fx.region, parameters);
}

static json_t *school_of(long long id, int i) {
  return ident_school(id, fx.s[i]);
}
#define expect(id, i, d) ident_expect((id), fx.s[i], (d), __LINE__)

/* Year k (0: the latest) of school i's evidence. */
static json_t *year_of(long long id, int i, size_t k) {
  json_t *doc = school_of(id, i);
  json_t *y = json_incref(json_array_get(
      json_object_get(json_object_get(doc, "evidence"), "years"), k));
  json_decref(doc);
  return y;
}

static void expect_year_text(long long id, int i, size_t k, const char *want,
                             int line) {
  json_t *y = year_of(id, i, k);
  const char *got = jstr(y, "text");
  if (got == NULL || strcmp(got, want) != 0)
    fail_msg("line %d: school %s:\n  got  %s\n  want %s", line, codes[i],
             got ? got : "(none)", want);
  json_decref(y);
}
#define expect_text(id, i, k, w) expect_year_text((id), (i), (k), (w), __LINE__)

static void test_defaults(void **state) {
  (void)state;
  long long id = run(NULL);
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", id);
  assert_status(r, 200);
  assert_json_str(r->json, "kind", "resilient");
  const json_t *p =
      json_object_get(json_object_get(r->json, "methodology"), "parameters");
  assert_json_int(p, "years", 2);
  assert_json_int(p, "cutoff_percentile", 75);
  assert_json_null(p, "cutoff_value");
  assert_json_int(p, "results_percentile", 75);
  assert_json_int(p, "min_instruments", 3);
  assert_json_int(p, "min_participants", 5);
  assert_json_int(json_object_get(p, "weights"), "rural", 10);
  assert_int_equal(json_array_size(json_object_get(p, "instruments")), 3);
  assert_null(json_object_get(p, "criterion"));
  /* Read: six instruments, then 19 context rows (M has no 2024 row). */
  const json_t *ds = json_object_get(r->json, "data_state");
  assert_int_equal(json_array_size(ds), 25);
  assert_json_int(json_array_get(ds, 0), "assessment_id", fx.inst[0][0]);
  assert_json_int(json_array_get(ds, 6), "school_id", fx.s[R]);
  const json_t *counts = json_object_get(r->json, "counts");
  assert_json_int(counts, "meets", 2);
  assert_json_int(counts, "insufficient_evidence", 2);
  assert_json_int(counts, "does_not_meet", 6);
  http_reply_free(r);

  expect(id, R, "meets");
  expect(id, T, "meets"); /* equal to both cut-offs */
  expect(id, M, "insufficient_evidence");
  expect(id, P, "does_not_meet"); /* poor, low results */
  expect(id, W, "does_not_meet"); /* strong, not poor */
  expect(id, F, "insufficient_evidence");
  expect(id, O4, "does_not_meet");
  expect_text(id, R, 0,
              "2025: индекс социального неблагополучия 80 при пороге 70"
              " (75-й процентиль по региону); результаты: средний"
              " процентильный ранг 83,3 при пороге 66,7 (75-й процентиль по"
              " региону; учтено процедур: 3)");
  expect_text(id, T, 1,
              "2024: индекс социального неблагополучия 70 при пороге 70"
              " (75-й процентиль по региону); результаты: средний"
              " процентильный ранг 66,7 при пороге 66,7 (75-й процентиль по"
              " региону; учтено процедур: 3)");
  expect_text(id, M, 1,
              "2024: нет данных о социальном контексте школы; результаты:"
              " средний процентильный ранг 66,7 при пороге 66,7 (75-й"
              " процентиль по региону; учтено процедур: 3)");
  expect_text(id, F, 0,
              "2025: индекс социального неблагополучия 70 при пороге 70"
              " (75-й процентиль по региону); результаты не оцениваются:"
              " учтено процедур 0 — меньше 3; не учтено из-за малого числа"
              " участников: 3");
  expect_text(id, W, 0,
              "2025: индекс социального неблагополучия 10 при пороге 70"
              " (75-й процентиль по региону); результаты: средний"
              " процентильный ранг 94,4 при пороге 66,7 (75-й процентиль по"
              " региону; учтено процедур: 3)");

  json_t *doc = school_of(id, R);
  const json_t *ev = json_object_get(doc, "evidence");
  assert_json_str(ev, "summary",
                  "Высокие результаты при неблагоприятных социальных условиях"
                  " в каждом году с 2024 по 2025");
  assert_json_int(doc, "severity", 2);
  const json_t *y = json_array_get(json_object_get(ev, "years"), 0);
  assert_true(json_real_value(json_object_get(y, "score")) == 83.3);
  assert_true(json_real_value(json_object_get(y, "score_cutoff")) == 66.7);
  assert_true(json_number_value(json_object_get(y, "index")) == 80);
  const json_t *fig = json_array_get(json_object_get(ev, "figures"), 0);
  assert_json_str(fig, "text",
                  "ВПР 2025, история, 5 класс: средний первичный балл 7,"
                  " процентильный ранг 83,3 среди школ региона (участников:"
                  " 20)");
  assert_int_equal(json_array_size(json_object_get(ev, "figures")), 6);
  json_decref(doc);
  doc = school_of(id, F);
  fig = json_array_get(
      json_object_get(json_object_get(doc, "evidence"), "figures"), 0);
  assert_json_str(fig, "text",
                  "ВПР 2025, история, 5 класс: участников 3 — меньше 5,"
                  " показатель не учитывается");
  assert_json_null(fig, "percentile_rank");
  json_decref(doc);
  doc = school_of(id, M);
  assert_json_str(json_object_get(doc, "evidence"), "summary",
                  "Недостаточно данных для решения: 2024");
  json_decref(doc);

  /* Those that meet first, then those without enough evidence: M has a
   * year that meets (severity 1), F none. */
  r = http_get("/api/v1/identification-runs/%lld/schools?limit=4", id);
  assert_status(r, 200);
  const json_t *items = json_object_get(r->json, "items");
  static const char *const order[] = {"RS-R", "RS-T", "RS-M", "RS-F"};
  for (size_t i = 0; i < 4; i++)
    assert_json_str(json_object_get(json_array_get(items, i), "school"), "code",
                    order[i]);
  http_reply_free(r);
}

static void test_changed_parameters(void **state) {
  (void)state;
  /* One year: M has its context in 2025. */
  long long id = run("{'years':1}");
  expect(id, M, "meets");
  /* The top tenth of results: 83.3 is under 85.5 (between 83.3 and 94.4). */
  id = run("{'results_percentile':90}");
  expect(id, R, "does_not_meet");
  expect_text(id, R, 0,
              "2025: индекс социального неблагополучия 80 при пороге 70"
              " (75-й процентиль по региону); результаты: средний"
              " процентильный ранг 83,3 при пороге 85,5 (90-й процентиль по"
              " региону; учтено процедур: 3)");
  /* Four instruments wanted, three held: the poor are unknown, the rich
   * are not poor. */
  id = run("{'min_instruments':4}");
  expect(id, R, "insufficient_evidence");
  expect(id, W, "does_not_meet");
  /* Three participants count: F (9, the best of ten) ranks 95, over the
   * cut-off of 71.3 (between 60 and 75). */
  id = run("{'min_participants':3}");
  expect(id, F, "meets");
  /* One subject, one instrument enough: the same ranks. */
  id = run("{'instruments':[{'kind':'VPR','subjects':['math']}],"
           "'min_instruments':1}");
  expect(id, R, "meets");
  expect_text(id, R, 0,
              "2025: индекс социального неблагополучия 80 при пороге 70"
              " (75-й процентиль по региону); результаты: средний"
              " процентильный ранг 83,3 при пороге 66,7 (75-й процентиль по"
              " региону; учтено процедур: 1)");
  /* An absolute cut-off of the index: 75, so T, M and P are not poor. */
  id = run("{'cutoff_value':75}");
  expect(id, R, "meets");
  expect(id, T, "does_not_meet");
  /* OGE only: no results, the poor are unknown. */
  id = run("{'instruments':[{'kind':'OGE'}]}");
  expect(id, R, "insufficient_evidence");
  expect_text(id, R, 0,
              "2025: индекс социального неблагополучия 80 при пороге 70"
              " (75-й процентиль по региону); нет результатов по выбранным"
              " процедурам");
}

static char *stored(long long id) {
  return db_text("SELECT string_agg(school_id || ' ' || decision || ' ' ||"
                 " severity || ' ' || position || ' ' || evidence::text, E'\\n'"
                 " ORDER BY school_id) || (SELECT methodology::text ||"
                 " data_state::text FROM identification_runs WHERE id = %lld)"
                 " FROM identification_run_schools WHERE run_id = %lld",
                 id, id);
}

static void test_recomputation_and_saved(void **state) {
  (void)state;
  long long a = run("{'weights':{'rural':5.5},'results_percentile':70}");
  long long b = run("{'weights':{'rural':5.5},'results_percentile':70}");
  char *sa = stored(a), *sb = stored(b);
  assert_string_equal(sa, sb);
  free(sb);
  use_token(fx.admin);
  struct http_reply *r = http_post(
      "/api/v1/identification-methodologies",
      J("{'name':'Резильентные','kind':'resilient','region_id':%lld,"
        "'parameters':{'weights':{'rural':5.5},'results_percentile':70}}",
        fx.region));
  assert_status(r, 201);
  assert_json_int(json_object_get(r->json, "parameters"), "min_instruments", 3);
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'resilient','year':2025,'region_id':%lld,"
                  "'methodology_name':'Резильентные'}",
                  fx.region));
  assert_status(r, 201);
  char *sc = stored(jint(r->json, "id"));
  assert_string_equal(sa, sc);
  http_reply_free(r);
  /* Another kind's methodology is not this kind's. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'methodology_name':'Резильентные'}",
                  fx.region));
  assert_validation(r, "$.methodology_name");
  http_reply_free(r);
  r = http_get("/api/v1/identification-methodologies?kind=resilient");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
  free(sa);
  free(sc);
}

static void test_data_check_and_diff(void **state) {
  (void)state;
  long long a = run(NULL);
  long long b = run("{'years':1}");
  use_token(fx.admin);
  struct http_reply *r =
      http_get("/api/v1/identification-runs/%lld/diff?against=%lld", a, b);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "stayed")), 2);
  assert_int_equal(json_array_size(json_object_get(r->json, "left")), 1);
  assert_json_str(json_array_get(json_object_get(r->json, "left"), 0), "code",
                  "RS-M");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/data-check", a);
  assert_status(r, 200);
  assert_true(json_is_true(json_object_get(r->json, "same_data")));
  http_reply_free(r);
  /* A context row edited and an instrument's statistics recomputed: both
   * named. */
  db_exec("UPDATE school_contexts SET low_income = 71, version = version + 1,"
          " updated_at = now() WHERE school_id = %lld AND school_year = 2025",
          fx.s[R]);
  db_exec("UPDATE assessment_school_stats SET updated_at = now()"
          " WHERE assessment_id = %lld AND school_id = %lld",
          fx.inst[1][0], fx.s[O1]);
  r = http_get("/api/v1/identification-runs/%lld/data-check", a);
  assert_status(r, 200);
  assert_true(json_is_false(json_object_get(r->json, "same_data")));
  const json_t *changed = json_object_get(r->json, "changed");
  assert_int_equal(json_array_size(changed), 2);
  assert_json_int(json_array_get(changed, 0), "assessment_id", fx.inst[1][0]);
  assert_json_int(json_array_get(changed, 1), "school_id", fx.s[R]);
  assert_json_str(json_array_get(changed, 1), "school_code", "RS-R");
  http_reply_free(r);
  db_exec("UPDATE school_contexts SET low_income = 70, version = version + 1,"
          " updated_at = now() WHERE school_id = %lld AND school_year = 2025",
          fx.s[R]);
}

static void test_bad_parameters(void **state) {
  (void)state;
  use_token(fx.admin);
  char *before = db_fingerprint();
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'resilient','year':2025,'region_id':%lld,'parameters':{"
        "'criterion':'share_fail','percentile':10,'results_percentile':100,"
        "'min_instruments':0,'cutoff_percentile':50,'cutoff_value':60,"
        "'instruments':[{'kind':'VPR','criterion':'mean_percentile',"
        "'share_fail_percent':30},{'kind':'ВПР'}],"
        "'weights':{'income':1}}}",
        fx.region));
  assert_validation(
      r, "$.parameters.criterion", "$.parameters.percentile",
      "$.parameters.results_percentile", "$.parameters.min_instruments",
      "$.parameters.cutoff_value", "$.parameters.instruments[0].criterion",
      "$.parameters.instruments[0].share_fail_percent",
      "$.parameters.instruments[1].kind", "$.parameters.weights.income");
  http_reply_free(r);
  /* results_percentile is this kind's only. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'parameters':{'results_percentile':75}}",
                  fx.region));
  assert_validation(r, "$.parameters.results_percentile");
  http_reply_free(r);
  r = http_post("/api/v1/identification-methodologies",
                J("{'name':'x','kind':'unfavourable_context','region_id':%lld,"
                  "'parameters':{'results_percentile':75}}",
                  fx.region));
  assert_validation(r, "$.parameters.results_percentile");
  http_reply_free(r);
  r = http_post("/api/v1/identification-methodologies",
                J("{'name':'x','kind':'resilient','region_id':%lld,"
                  "'parameters':{'sufficient_percent':60}}",
                  fx.region));
  assert_validation(r, "$.parameters.sufficient_percent");
  http_reply_free(r);
  /* The objectivity flags are low_results' only. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'resilient','year':2025,'region_id':%lld,"
                  "'parameters':{'objectivity':'exclude_high'}}",
                  fx.region));
  assert_validation(r, "$.parameters.objectivity");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_apply_refused_and_scope(void **state) {
  (void)state;
  long long id = run(NULL);
  use_token(fx.admin);
  char *before = db_fingerprint();
  struct http_reply *r =
      http_post(J("/api/v1/identification-runs/%lld/apply", id),
                "{\"order_number\":\"7-п\"}");
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  assert_db_unchanged(before);
  r = http_get("/api/v1/identification-runs/%lld", id);
  assert_true(json_is_false(json_object_get(r->json, "applied")));
  http_reply_free(r);
  /* A school reads its own evidence, not another's, and no data state. */
  use_token(fx.school_r);
  r = http_get("/api/v1/identification-runs/%lld", id);
  assert_status(r, 200);
  assert_null(json_object_get(r->json, "data_state"));
  assert_json_int(json_object_get(r->json, "counts"), "meets", 1);
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/schools/%lld", id, fx.s[R]);
  assert_status(r, 200);
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/schools/%lld", id, fx.s[T]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs?kind=resilient");
  assert_status(r, 200);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_changed_parameters),
      cmocka_unit_test(test_recomputation_and_saved),
      cmocka_unit_test(test_data_check_and_diff),
      cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test(test_apply_refused_and_scope),
  };
  harness_start("identification_resilient");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
