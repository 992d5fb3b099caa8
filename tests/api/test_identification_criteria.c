/* Identification runs of kind low_results with a criterion and threshold
 * per instrument (docs/IDENTIFICATION.md): ЕГЭ judged at 10 % beside ВПР at
 * 30 %, share_fail beside mean_percentile, an entry taking the
 * methodology's criterion, the first matching entry, the stored
 * methodology resolved, recomputation byte for byte and bad entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "identification_helpers.h"

static struct {
  long long region;
  long long math, russian, ege, oge;
  long long s[4];
  const char *admin;
} fx;

/* A row of kept statistics: participants, "2"s (ЕГЭ: under the minimum),
 * primary sum, scores of the two basic tasks. */
static void stat(long long assessment, long long school, int n, int failed,
                 int primary_sum, int t1, int t2) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums, score_counts,"
          " journal_known, confirmed, lowered, raised) VALUES (%lld, %lld, %d,"
          " ARRAY[%d, %d, 0, 0], %d, %d, ARRAY[%d, %d, 0]::bigint[],"
          " '{0,0,0,0,0}', 0, 0, 0, 0)",
          assessment, school, n, failed, n - failed, failed, primary_sum, t1,
          t2);
}

static long long vpr(const char *code, const char *name) {
  return api_create(
      "/api/v1/assessments",
      J("{'kind':'VPR','year':2025,'grade':5,'subject_code':'%s',"
        "'subject_name':'%s','max_primary_score':4,'mark3_from':1,"
        "'mark4_from':2,'mark5_from':3,'tasks':["
        "{'number':'1','max_score':1,'level':'basic'},"
        "{'number':'2','max_score':1,'level':'basic'},"
        "{'number':'3','max_score':2,'level':'advanced'}]}",
        code, name));
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.region = t.region_id;
  static const char *const codes[] = {"CR-1", "CR-2", "CR-3", "CR-4"};
  for (int i = 0; i < 4; i++)
    fx.s[i] = create_school(t.municipality_id, codes[i], codes[i]);
  fx.math = vpr("math", "Математика");
  fx.russian = vpr("russian", "Русский язык");
  fx.ege =
      api_create("/api/v1/assessments",
                 J("{'kind':'EGE','year':2025,'grade':11,'subject_code':'math',"
                   "'variant_set':'advanced','subject_name':'Математика',"
                   "'max_primary_score':4,'min_test_score':27,'tasks':["
                   "{'number':'1','max_score':2,'level':'basic'},"
                   "{'number':'2','max_score':2,'level':'advanced'}]}"));
  /* No basic-level tasks: left out under task_mastery. */
  fx.oge = api_create(
      "/api/v1/assessments",
      J("{'kind':'OGE','year':2025,'grade':9,'subject_code':'russian',"
        "'subject_name':'Русский язык','max_primary_score':2,"
        "'tasks':[{'number':'1','max_score':2,'level':'advanced'}]}"));
  /* ВПР math: "2" 35 %, 20 %, 35 %, 0 %; means 1, 3, 2, 4; basic mastery
   * 50 %, 100 %, 75 %, 100 %. */
  stat(fx.math, fx.s[0], 20, 7, 20, 10, 10);
  stat(fx.math, fx.s[1], 20, 4, 60, 20, 20);
  stat(fx.math, fx.s[2], 20, 7, 40, 15, 15);
  stat(fx.math, fx.s[3], 20, 0, 80, 20, 20);
  /* ВПР russian: "2" 40 %, 40 %, 10 %, 40 %; means 2, 2, 3, 2. */
  stat(fx.russian, fx.s[0], 20, 8, 40, 10, 10);
  stat(fx.russian, fx.s[1], 20, 8, 40, 10, 10);
  stat(fx.russian, fx.s[2], 20, 2, 60, 10, 10);
  stat(fx.russian, fx.s[3], 20, 8, 40, 10, 10);
  /* ЕГЭ: under the minimum 12 %, 12 %, 8 %. */
  stat(fx.ege, fx.s[0], 50, 6, 100, 50, 0);
  stat(fx.ege, fx.s[1], 50, 6, 100, 50, 0);
  stat(fx.ege, fx.s[2], 50, 4, 100, 50, 0);
  stat(fx.oge, fx.s[0], 20, 10, 20, 0, 0);
}

/* POSTs a run of the region with `parameters`; returns its answer. */
static json_t *run_doc(const char *parameters) {
  use_token(fx.admin);
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'low_results','year':2025,'region_id':%lld,'parameters':%s}",
        fx.region, parameters));
  assert_status(r, 201);
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

static long long run(const char *parameters) {
  json_t *doc = run_doc(parameters);
  long long id = jint(doc, "id");
  json_decref(doc);
  return id;
}

static json_t *school_of(long long id, int i) {
  return ident_school(id, fx.s[i]);
}
#define expect(id, i, d) ident_expect((id), fx.s[i], (d), __LINE__)

/* The figure of an assessment in school i's evidence; NULL when none. */
static json_t *figure_of(long long id, int i, long long assessment) {
  json_t *doc = school_of(id, i);
  const json_t *figs =
      json_object_get(json_object_get(doc, "evidence"), "figures");
  json_t *found = NULL;
  size_t k;
  json_t *f;
  json_array_foreach(figs, k, f) {
    if (jint(f, "assessment_id") == assessment)
      found = json_incref(f);
  }
  json_decref(doc);
  return found;
}

static void expect_text(long long id, int i, long long assessment,
                        const char *criterion, const char *text, int line) {
  json_t *f = figure_of(id, i, assessment);
  if (f == NULL)
    fail_msg("line %d: no figure of %lld for school %d", line, assessment, i);
  if (strcmp(jstr(f, "criterion"), criterion) != 0 ||
      strcmp(jstr(f, "text"), text) != 0)
    fail_msg("line %d: %s: %s", line, jstr(f, "criterion"), jstr(f, "text"));
  json_decref(f);
}
#define expect_figure(id, i, a, c, t)                                          \
  expect_text((id), (i), (a), (c), (t), __LINE__)

/* The stored instruments of a run, as compact JSON. */
static char *instruments_of(const json_t *run_answer) {
  const json_t *p =
      json_object_get(json_object_get(run_answer, "methodology"), "parameters");
  return json_dumps(json_object_get(p, "instruments"),
                    JSON_COMPACT | JSON_SORT_KEYS);
}

static void test_ege_at_10_vpr_at_30(void **state) {
  (void)state;
  json_t *doc = run_doc("{'years':1,'instruments':["
                        "{'kind':'VPR','subjects':['math'],"
                        "'share_fail_percent':30},"
                        "{'kind':'EGE','share_fail_percent':10}]}");
  char *got = instruments_of(doc);
  assert_string_equal(got, "[{\"criterion\":\"share_fail\",\"kind\":\"VPR\","
                           "\"share_fail_percent\":30,\"subjects\":[\"math\"]},"
                           "{\"criterion\":\"share_fail\",\"kind\":\"EGE\","
                           "\"share_fail_percent\":10}]");
  free(got);
  long long id = jint(doc, "id");
  json_decref(doc);
  expect(id, 0, "meets"); /* 35 % of 30, 12 % of 10 */
  expect(id, 1, "does_not_meet");
  expect(id, 2, "does_not_meet");
  expect_figure(id, 0, fx.ege, "share_fail",
                "ЕГЭ 2025, математика (профильный уровень): доля не набравших"
                " минимальный балл 12 % при пороге 10 % (участников: 50)");
  expect_figure(id, 0, fx.math, "share_fail",
                "ВПР 2025, математика, 5 класс: доля «2» 35 % при пороге 30 %"
                " (участников: 20)");
  json_t *f = figure_of(id, 0, fx.ege);
  assert_true(json_number_value(json_object_get(f, "threshold")) == 10.0);
  json_decref(f);
  /* One threshold for both: ЕГЭ's 12 % is under 30 %. */
  id = run("{'years':1,'instruments':[{'kind':'VPR','subjects':['math']},"
           "{'kind':'EGE'}]}");
  expect(id, 0, "does_not_meet");
  /* The methodology's 10 % is ЕГЭ's; ВПР's own 30 % is its own. */
  id = run("{'years':1,'share_fail_percent':10,'instruments':["
           "{'kind':'VPR','subjects':['math'],'share_fail_percent':30},"
           "{'kind':'EGE'}]}");
  expect(id, 0, "meets");
  expect(id, 1, "does_not_meet"); /* ВПР 20 % under 30 % */
}

static void test_share_fail_beside_mean_percentile(void **state) {
  (void)state;
  /* Math by the median of the means (2.5): s0 1 and s2 2 are below;
   * russian by "2" at 30 %: s2's 10 % is not. */
  long long id = run("{'years':1,'instruments':["
                     "{'kind':'VPR','subjects':['math'],"
                     "'criterion':'mean_percentile','percentile':50},"
                     "{'kind':'VPR','subjects':['russian']}]}");
  expect(id, 0, "meets");
  expect(id, 1, "does_not_meet");
  expect(id, 2, "does_not_meet");
  expect(id, 3, "does_not_meet");
  expect_figure(id, 0, fx.math, "mean_percentile",
                "ВПР 2025, математика, 5 класс: средний первичный балл 1 при"
                " пороге 2,5 (50-й процентиль по региону; участников: 20)");
  expect_figure(id, 0, fx.russian, "share_fail",
                "ВПР 2025, русский язык, 5 класс: доля «2» 40 % при пороге"
                " 30 % (участников: 20)");
}

static void test_first_entry_and_the_methodology_criterion(void **state) {
  (void)state;
  /* Math by its own entry (task mastery, the methodology's 60 %); russian
   * by the first entry matching it (share_fail, the methodology's 30 %), not
   * the third (the methodology's mean_percentile); ОГЭ has no basic tasks
   * and is left out. */
  json_t *doc = run_doc("{'years':1,'min_instruments':1,"
                        "'criterion':'mean_percentile','percentile':30,"
                        "'instruments':["
                        "{'kind':'VPR','subjects':['math'],"
                        "'criterion':'task_mastery'},"
                        "{'kind':'VPR','criterion':'share_fail'},"
                        "{'kind':'VPR'},"
                        "{'kind':'OGE','criterion':'task_mastery'}]}");
  char *got = instruments_of(doc);
  assert_string_equal(got,
                      "[{\"criterion\":\"task_mastery\",\"kind\":\"VPR\","
                      "\"subjects\":[\"math\"],\"sufficient_percent\":60},"
                      "{\"criterion\":\"share_fail\",\"kind\":\"VPR\","
                      "\"share_fail_percent\":30},"
                      "{\"criterion\":\"mean_percentile\",\"kind\":\"VPR\","
                      "\"percentile\":30},"
                      "{\"criterion\":\"task_mastery\",\"kind\":\"OGE\","
                      "\"sufficient_percent\":60}]");
  free(got);
  assert_int_equal(json_array_size(json_object_get(doc, "data_state")), 2);
  long long id = jint(doc, "id");
  json_decref(doc);
  expect_figure(id, 0, fx.math, "task_mastery",
                "ВПР 2025, математика, 5 класс: освоение заданий базового"
                " уровня 50 % при достаточном уровне 60 % (участников: 20)");
  expect_figure(id, 2, fx.russian, "share_fail",
                "ВПР 2025, русский язык, 5 класс: доля «2» 10 % при пороге"
                " 30 % (участников: 20)");
  json_t *f = figure_of(id, 0, fx.oge);
  assert_null(f);
  expect(id, 0, "meets");
  expect(id, 2, "does_not_meet");
}

static char *stored(long long id) {
  return db_text("SELECT string_agg(school_id || ' ' || decision || ' ' ||"
                 " severity || ' ' || position || ' ' || evidence::text, E'\\n'"
                 " ORDER BY school_id) || (SELECT methodology::text ||"
                 " data_state::text FROM identification_runs WHERE id = %lld)"
                 " FROM identification_run_schools WHERE run_id = %lld",
                 id, id);
}

static void test_recomputation(void **state) {
  (void)state;
  static const char *const mixed =
      "{'instruments':[{'kind':'VPR','subjects':['math'],"
      "'criterion':'mean_percentile','percentile':40},"
      "{'kind':'VPR','share_fail_percent':35},"
      "{'kind':'EGE','share_fail_percent':10}],'min_instruments':1}";
  long long a = run(mixed), b = run(mixed);
  char *sa = stored(a), *sb = stored(b);
  assert_string_equal(sa, sb);
  free(sb);
  /* Saved by name and taken by name: the same run. */
  use_token(fx.admin);
  struct http_reply *r =
      http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'save_as':'По процедурам','parameters':%s}",
                  fx.region, mixed));
  assert_status(r, 201);
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'methodology_name':'По процедурам'}",
                  fx.region));
  assert_status(r, 201);
  char *sc = stored(jint(r->json, "id"));
  http_reply_free(r);
  assert_string_equal(sa, sc);
  free(sa);
  free(sc);
}

static void test_bad_entries(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'low_results','year':2025,'region_id':%lld,'parameters':{"
        "'criterion':'mean_percentile','instruments':["
        "{'kind':'VPR','share_fail_percent':30},"
        "{'kind':'EGE','criterion':'share_fail','percentile':10,"
        "'sufficient_percent':50},"
        "{'kind':'OGE','criterion':'x','share_fail_percent':0},"
        "{'kind':'VPR','criterion':'task_mastery','sufficient_percent':101,"
        "'minimum':1}]}}",
        fx.region));
  assert_validation(r, "$.parameters.instruments[0].share_fail_percent",
                    "$.parameters.instruments[1].percentile",
                    "$.parameters.instruments[1].sufficient_percent",
                    "$.parameters.instruments[2].criterion",
                    "$.parameters.instruments[2].share_fail_percent",
                    "$.parameters.instruments[3].sufficient_percent",
                    "$.parameters.instruments[3].minimum");
  size_t i;
  const json_t *e;
  const char *message = NULL;
  json_array_foreach(json_object_get(r->json, "errors"), i, e) {
    if (strcmp(jstr(e, "path"),
               "$.parameters.instruments[0].share_fail_percent") == 0)
      message = jstr(e, "message");
  }
  assert_non_null(message);
  assert_string_equal(message, "is a threshold of criterion share_fail; this "
                               "instrument's criterion is mean_percentile");
  http_reply_free(r);
  /* An entry's own criterion of the methodology's kind only. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'unfavourable_context','year':2025,"
                  "'region_id':%lld,'parameters':{'instruments':["
                  "{'kind':'VPR','criterion':'share_fail'}]}}",
                  fx.region));
  assert_validation(r, "$.parameters.instruments");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ege_at_10_vpr_at_30),
      cmocka_unit_test(test_share_fail_beside_mean_percentile),
      cmocka_unit_test(test_first_entry_and_the_methodology_criterion),
      cmocka_unit_test(test_recomputation),
      cmocka_unit_test(test_bad_entries),
  };
  harness_start("identification_criteria");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
