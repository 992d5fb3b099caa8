/* Identification runs (docs/IDENTIFICATION.md) over hand-made rows of
 * assessment_school_stats: every criterion, too few participants, a school
 * new this year, a missing year, ties at a threshold, changed parameters,
 * recomputation byte for byte, the diff, scope and bad bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "identification_helpers.h"

/* s[0] stably low, s[1] ordinary, s[2] new this year, s[3] too few in one
 * work, s[4] (in M2) low in one work in 2024, s[5] low everywhere, s[6] in
 * region B. */
static struct {
  long long region, m2;
  long long math24, rus24, math25, rus25;
  long long s[7];
  const char *admin, *municipal, *school0, *school1, *admin_b;
} fx;

/* A row: participants, "2"s, primary sum, scores of the two basic tasks. */
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

static long long instrument(int year, const char *code, const char *name) {
  return api_create(
      "/api/v1/assessments",
      J("{'kind':'VPR','year':%d,'grade':5,'subject_code':'%s',"
        "'subject_name':'%s','max_primary_score':4,'mark3_from':1,"
        "'mark4_from':2,'mark5_from':3,'tasks':["
        "{'number':'1','max_score':1,'level':'basic'},"
        "{'number':'2','max_score':1,'level':'basic'},"
        "{'number':'3','max_score':2,'level':'advanced'}]}",
        year, code, name));
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.region = t.region_id;
  fx.m2 = create_municipality(t.region_id, "id-m2", "Вязниковский район");
  long long rb = create_region("id-rb", "Ивановская область");
  long long mb = create_municipality(rb, "id-mb", "Кинешемский район");
  static const char *const codes[] = {"ID-1", "ID-2", "ID-3", "ID-4",
                                      "ID-5", "ID-6", "ID-7"};
  for (int i = 0; i < 7; i++)
    fx.s[i] = create_school(i == 4   ? fx.m2
                            : i == 6 ? mb
                                     : t.municipality_id,
                            codes[i], codes[i]);
  fx.math24 = instrument(2024, "math", "Математика");
  fx.rus24 = instrument(2024, "russian", "Русский язык");
  fx.math25 = instrument(2025, "math", "Математика");
  fx.rus25 = instrument(2025, "russian", "Русский язык");
  /* s0: 50 %, 30 % (a tie: meets); 42 %, 40 %. */
  stat(fx.math24, fx.s[0], 20, 10, 30, 10, 10);
  stat(fx.rus24, fx.s[0], 20, 6, 30, 10, 10);
  stat(fx.math25, fx.s[0], 50, 21, 50, 30, 29);
  stat(fx.rus25, fx.s[0], 50, 20, 100, 30, 30);
  /* s1: 10 % everywhere; basic mastery exactly 60 % in 2025 math. */
  stat(fx.math24, fx.s[1], 30, 3, 90, 20, 20);
  stat(fx.rus24, fx.s[1], 30, 3, 90, 20, 20);
  stat(fx.math25, fx.s[1], 30, 3, 90, 18, 18);
  stat(fx.rus25, fx.s[1], 30, 3, 90, 20, 20);
  /* s2: new in 2025, 50 % twice. */
  stat(fx.math25, fx.s[2], 20, 10, 40, 10, 10);
  stat(fx.rus25, fx.s[2], 20, 10, 40, 10, 10);
  /* s3: 2024 low twice; 2025 math only 3 participants. */
  stat(fx.math24, fx.s[3], 10, 5, 10, 5, 5);
  stat(fx.rus24, fx.s[3], 10, 5, 10, 5, 5);
  stat(fx.math25, fx.s[3], 3, 3, 0, 0, 0);
  stat(fx.rus25, fx.s[3], 10, 5, 10, 5, 5);
  /* s4: 2024 math 50 %, russian 10 % (29 of 100 would not meet either);
   * 2025 60 % twice. */
  stat(fx.math24, fx.s[4], 20, 10, 30, 10, 10);
  stat(fx.rus24, fx.s[4], 100, 29, 250, 60, 60);
  stat(fx.math25, fx.s[4], 20, 12, 70, 10, 10);
  stat(fx.rus25, fx.s[4], 20, 12, 30, 10, 10);
  /* s5: 60 % everywhere. */
  stat(fx.math24, fx.s[5], 20, 12, 20, 10, 10);
  stat(fx.rus24, fx.s[5], 20, 12, 20, 10, 10);
  stat(fx.math25, fx.s[5], 20, 12, 20, 10, 10);
  stat(fx.rus25, fx.s[5], 20, 12, 20, 10, 10);
  /* s6: region B, would meet. */
  stat(fx.math24, fx.s[6], 20, 12, 20, 10, 10);
  stat(fx.rus24, fx.s[6], 20, 12, 20, 10, 10);
  stat(fx.math25, fx.s[6], 20, 12, 20, 10, 10);
  stat(fx.rus25, fx.s[6], 20, 12, 20, 10, 10);
  fx.municipal =
      strdup(make_token("municipal", "municipality", t.municipality_id));
  fx.school0 = strdup(make_token("school", "school", fx.s[0]));
  fx.school1 = strdup(make_token("school", "school", fx.s[1]));
  fx.admin_b = strdup(make_token("admin", "region", rb));
}

/* Every item of a run's schools, a page of `limit` at a time. */
static json_t *all_schools(long long id, const char *query, int limit) {
  json_t *all = json_array();
  const char *cursor = NULL;
  char *owned = NULL;
  do {
    struct http_reply *r =
        http_get("/api/v1/identification-runs/%lld/schools?limit=%d%s%s%s", id,
                 limit, query, cursor != NULL ? "&cursor=" : "",
                 cursor != NULL ? esc(cursor) : "");
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    assert_true(json_array_size(items) <= (size_t)limit);
    json_array_extend(all, items);
    free(owned);
    cursor = jstr(r->json, "next_cursor");
    owned = cursor != NULL ? strdup(cursor) : NULL;
    cursor = owned;
    http_reply_free(r);
  } while (cursor != NULL);
  return all;
}

/* POSTs a run of the Vladimir region with `parameters`; returns its id. */
static long long run(const char *parameters) {
  return ident_run(fx.admin, "low_results", fx.region, parameters);
}

/* The decision of school i in run `id`, and its evidence. */
static json_t *school_of(long long id, int i) {
  return ident_school(id, fx.s[i]);
}
#define expect(id, i, d) ident_expect((id), fx.s[i], (d), __LINE__)

/* The figure text of `year` and subject code in a school's evidence. */
static const char *figure_text(const json_t *doc, int year, const char *code) {
  const json_t *figs =
      json_object_get(json_object_get(doc, "evidence"), "figures");
  size_t i;
  const json_t *f;
  json_array_foreach(figs, i, f) {
    if (jint(f, "year") == year && strcmp(jstr(f, "subject_code"), code) == 0)
      return jstr(f, "text");
  }
  return NULL;
}

static void test_share_fail_defaults(void **state) {
  (void)state;
  long long id = run(NULL);
  use_token(fx.admin);
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", id);
  assert_status(r, 200);
  const json_t *p =
      json_object_get(json_object_get(r->json, "methodology"), "parameters");
  assert_json_int(p, "years", 2);
  assert_json_int(p, "share_fail_percent", 30);
  assert_json_int(p, "min_instruments", 2);
  assert_json_int(p, "min_participants", 5);
  assert_json_str(p, "criterion", "share_fail");
  assert_int_equal(json_array_size(json_object_get(r->json, "data_state")), 4);
  const json_t *counts = json_object_get(r->json, "counts");
  assert_json_int(counts, "meets", 2);
  assert_json_int(counts, "insufficient_evidence", 2);
  assert_json_int(counts, "does_not_meet", 2);
  http_reply_free(r);
  expect(id, 0, "meets");
  expect(id, 1, "does_not_meet");
  expect(id, 2, "insufficient_evidence"); /* new this year */
  expect(id, 3, "insufficient_evidence"); /* too few in 2025 math */
  expect(id, 4, "does_not_meet");         /* 2024: one work only */
  expect(id, 5, "meets");
  json_t *doc = school_of(id, 0);
  assert_string_equal(
      figure_text(doc, 2025, "math"),
      "ВПР 2025, математика, 5 класс: доля «2» 42 % при пороге 30 %"
      " (участников: 50)");
  assert_string_equal(figure_text(doc, 2024, "russian"),
                      "ВПР 2024, русский язык, 5 класс: доля «2» 30 % при "
                      "пороге 30 % (участников: 20)");
  assert_json_int(doc, "severity", 4);
  json_decref(doc);
  doc = school_of(id, 3);
  assert_string_equal(figure_text(doc, 2025, "math"),
                      "ВПР 2025, математика, 5 класс: участников 3 — меньше 5,"
                      " показатель не учитывается");
  json_decref(doc);
  doc = school_of(id, 2);
  const json_t *y = json_array_get(
      json_object_get(json_object_get(doc, "evidence"), "years"), 1);
  assert_json_int(y, "year", 2024);
  assert_json_str(y, "outcome", "unknown");
  assert_json_str(y, "text", "2024: нет результатов по выбранным процедурам");
  json_decref(doc);
  /* Severity, then code: s0 and s5 meet with 4 figures each; region B's
   * school is not there. */
  json_t *items = all_schools(id, "", 2);
  assert_int_equal(json_array_size(items), 6);
  assert_json_str(json_object_get(json_array_get(items, 0), "school"), "code",
                  "ID-1");
  assert_json_str(json_object_get(json_array_get(items, 1), "school"), "code",
                  "ID-6");
  assert_json_str(json_array_get(items, 2), "decision",
                  "insufficient_evidence");
  json_decref(items);
}

static void test_filters_and_csv(void **state) {
  (void)state;
  long long id = run(NULL);
  use_token(fx.admin);
  struct http_reply *r =
      http_get("/api/v1/identification-runs/%lld/schools?decision=meets", id);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/schools?municipality=%lld", id,
               fx.m2);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
  static const char *const csv[] = {"Accept: text/csv", NULL};
  r = http_request("GET", J("/api/v1/identification-runs/%lld/schools", id),
                   NULL, csv);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "Обоснование"));
  assert_non_null(strstr(r->body, "ID-6"));
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/schools?decision=low", id);
  assert_validation(r, "query.decision");
  http_reply_free(r);
}

static void test_mean_percentile(void **state) {
  (void)state;
  /* 2025 math means of the schools with 5 and more: s0 1.0, s1 3.0,
   * s2 2.0, s4 3.5, s5 1.0: the median is 2.0; s2 ties it (not below). */
  long long id = run("{'criterion':'mean_percentile','percentile':50,"
                     "'years':1,'min_instruments':1,"
                     "'instruments':[{'kind':'VPR','subjects':['math'],"
                     "'grades':[5]}]}");
  expect(id, 0, "meets");
  expect(id, 1, "does_not_meet");
  expect(id, 2, "does_not_meet");
  expect(id, 3, "insufficient_evidence");
  expect(id, 4, "does_not_meet");
  expect(id, 5, "meets");
  json_t *doc = school_of(id, 0);
  assert_string_equal(figure_text(doc, 2025, "math"),
                      "ВПР 2025, математика, 5 класс: средний первичный балл 1"
                      " при пороге 2 (50-й процентиль по региону; участников: "
                      "50)");
  json_decref(doc);
}

static void test_task_mastery(void **state) {
  (void)state;
  /* Basic tasks of 2025 math: s0 59 of 100 (59 %), s1 36 of 60 (exactly
   * 60 %: sufficient). */
  long long id = run("{'criterion':'task_mastery','years':1,"
                     "'min_instruments':1,"
                     "'instruments':[{'kind':'VPR','subjects':['math']}]}");
  expect(id, 0, "meets");
  expect(id, 1, "does_not_meet");
  json_t *doc = school_of(id, 0);
  assert_string_equal(
      figure_text(doc, 2025, "math"),
      "ВПР 2025, математика, 5 класс: освоение заданий базового уровня 59 %"
      " при достаточном уровне 60 % (участников: 50)");
  json_decref(doc);
  id = run("{'criterion':'task_mastery','sufficient_percent':50,'years':1,"
           "'min_instruments':1,"
           "'instruments':[{'kind':'VPR','subjects':['math']}]}");
  expect(id, 0, "does_not_meet");
}

static void test_changed_parameters(void **state) {
  (void)state;
  /* One year, 50 %: s2 (new) and s4 meet, s0 (42 %, 40 %) does not. */
  long long id = run("{'share_fail_percent':50,'years':1}");
  expect(id, 0, "does_not_meet");
  expect(id, 2, "meets");
  expect(id, 4, "meets");
  /* Three participants count: s3 meets. */
  id = run("{'min_participants':3}");
  expect(id, 3, "meets");
  /* One work a year is enough: s4's 2024 is enough now. */
  id = run("{'min_instruments':1}");
  expect(id, 4, "meets");
  /* Enough counted figures decide alone: s3's 2025 russian (50 %) is under
   * 60 %, and its math of 3 participants is no evidence either way. */
  id = run("{'share_fail_percent':60,'years':1,'min_instruments':1}");
  expect(id, 3, "does_not_meet");
  expect(id, 5, "meets");
  /* OGE only: no figures, insufficient for all. */
  id = run("{'instruments':[{'kind':'OGE'}]}");
  expect(id, 0, "insufficient_evidence");
}

static char *evidence_of(long long id) {
  return db_text("SELECT string_agg(school_id || ' ' || decision || ' ' ||"
                 " severity || ' ' || position || ' ' || evidence::text, E'\\n'"
                 " ORDER BY school_id) FROM identification_run_schools"
                 " WHERE run_id = %lld",
                 id);
}

static void test_recomputation(void **state) {
  (void)state;
  long long a = run("{'criterion':'mean_percentile','percentile':30}");
  long long b = run("{'criterion':'mean_percentile','percentile':30}");
  assert_true(a != b);
  char *ea = evidence_of(a), *eb = evidence_of(b);
  assert_string_equal(ea, eb);
  free(ea);
  free(eb);
  char *sa = db_text("SELECT methodology::text || data_state::text FROM"
                     " identification_runs WHERE id = %lld",
                     a);
  char *sb = db_text("SELECT methodology::text || data_state::text FROM"
                     " identification_runs WHERE id = %lld",
                     b);
  assert_string_equal(sa, sb);
  free(sa);
  free(sb);
}

static void test_diff(void **state) {
  (void)state;
  long long a = run(NULL);                                  /* s0, s5 */
  long long b = run("{'share_fail_percent':50,'years':1}"); /* s2, s4, s5 */
  use_token(fx.admin);
  struct http_reply *r =
      http_get("/api/v1/identification-runs/%lld/diff?against=%lld", a, b);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "entered")), 1);
  assert_json_str(json_array_get(json_object_get(r->json, "entered"), 0),
                  "code", "ID-1");
  assert_int_equal(json_array_size(json_object_get(r->json, "left")), 2);
  assert_int_equal(json_array_size(json_object_get(r->json, "stayed")), 1);
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/diff", a);
  assert_validation(r, "query.against");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/diff?against=999999", a);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
}

static void test_scope(void **state) {
  (void)state;
  long long id = run(NULL);
  /* A municipal user: the run, and its own schools only. */
  use_token(fx.municipal);
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", id);
  assert_status(r, 200);
  http_reply_free(r);
  json_t *items = all_schools(id, "", 2);
  assert_int_equal(json_array_size(items), 5);
  /* Numbered among its own schools: the region's order is not told. */
  for (size_t i = 0; i < 5; i++)
    assert_json_int(json_array_get(items, i), "position", (long long)i + 1);
  json_decref(items);
  r = http_get("/api/v1/identification-runs/%lld/schools/%lld", id, fx.s[4]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* A school reads its own explanation, not another's. */
  use_token(fx.school0);
  r = http_get("/api/v1/identification-runs/%lld/schools/%lld", id, fx.s[0]);
  assert_status(r, 200);
  assert_json_int(r->json, "position", 1);
  http_reply_free(r);
  use_token(fx.school1);
  r = http_get("/api/v1/identification-runs/%lld/schools/%lld", id, fx.s[1]);
  assert_status(r, 200);
  assert_json_int(r->json, "position", 1);
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/schools/%lld", id, fx.s[0]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                "{\"kind\":\"low_results\",\"year\":2025}");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  /* Another region's admin sees nothing and may not run here. */
  use_token(fx.admin_b);
  r = http_get("/api/v1/identification-runs/%lld", id);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/schools", id);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'low_results','year':2025,'region_id':%lld}", fx.region));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.region_id");
  http_reply_free(r);
  /* Its own region by default: no school of region A. */
  r = http_post("/api/v1/identification-runs",
                "{\"kind\":\"low_results\",\"year\":2025}");
  assert_status(r, 201);
  assert_json_int(json_object_get(r->json, "counts"), "meets", 1);
  http_reply_free(r);
}

static void test_bad_bodies(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r =
      http_post("/api/v1/identification-runs",
                J("{'year':1999,'parameters':{'years':9,'criterion':'x',"
                  "'instruments':[{'kind':'PISA','grades':[12]}],'extra':1}}"));
  assert_validation(
      r, "$.kind", "$.year", "$.parameters.years", "$.parameters.criterion",
      "$.parameters.instruments[0].kind",
      "$.parameters.instruments[0].grades[0]", "$.parameters.extra");
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                "{\"kind\":\"low_results\",\"year\":2025}");
  assert_validation(r, "$.region_id"); /* a global admin names the region */
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'unfavourable_context','year':2025,"
                  "'region_id':%lld}",
                  fx.region));
  assert_status(r, 201); /* ШНСУ: test_identification_context.c */
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'parameters':{'weights':{'rural':1},'cutoff_value':3}}",
                  fx.region));
  assert_validation(r, "$.parameters.weights", "$.parameters.cutoff_value");
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                "{\"kind\":\"low_results\",\"year\":2025,"
                "\"region_id\":999999}");
  assert_problem(r, 422, "reference_not_found");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/999999");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs?kind=low_results&year=2025");
  assert_status(r, 200);
  assert_true(json_array_size(json_object_get(r->json, "items")) > 0);
  http_reply_free(r);
}

static void test_saved_methodology(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'low_results','year':2025,'region_id':%lld,'save_as':"
        "'Половина «2», один год','parameters':{'share_fail_percent':50,"
        "'years':1}}",
        fx.region));
  assert_status(r, 201);
  assert_json_str(r->json, "methodology_name", "Половина «2», один год");
  long long first = jint(r->json, "id");
  http_reply_free(r);
  /* The name is taken now. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'save_as':'Половина «2», один год'}",
                  fx.region));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.save_as");
  http_reply_free(r);
  /* Reused by name: the same parameters, the same decisions. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'methodology_name':'Половина «2», один год'}",
                  fx.region));
  assert_status(r, 201);
  long long second = jint(r->json, "id");
  assert_json_int(
      json_object_get(json_object_get(r->json, "methodology"), "parameters"),
      "share_fail_percent", 50);
  http_reply_free(r);
  char *ea = evidence_of(first), *eb = evidence_of(second);
  assert_string_equal(ea, eb);
  free(ea);
  free(eb);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'methodology_name':'нет такой'}",
                  fx.region));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.methodology_name");
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'methodology_name':'x','parameters':{}}",
                  fx.region));
  assert_validation(r, "$.methodology_name");
  http_reply_free(r);
}

static struct http_reply *apply(long long id, const char *body) {
  use_token(fx.admin);
  return http_post(J("/api/v1/identification-runs/%lld/apply", id), body);
}

static void test_apply(void **state) {
  (void)state;
  long long id = run(NULL); /* s0 and s5 meet */
  use_token(fx.admin);
  create_status(fx.s[1], "SHNOR", 2024);
  /* Choices that do not fit: nothing is written. */
  struct http_reply *r =
      apply(id, J("{'order_number':'12-п','include':[{'school_id':%lld,"
                  "'reason':'x'},{'school_id':%lld,'reason':'x'}],"
                  "'exclude':[{'school_id':%lld,'reason':'x'}]}",
                  fx.s[0], fx.s[6], fx.s[1]));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.include[0].school_id");
  assert_error_path(r, "$.include[1].school_id");
  assert_error_path(r, "$.exclude[0].school_id");
  http_reply_free(r);
  r = apply(id, "{\"include\":[]}");
  assert_validation(r, "$.order_number");
  http_reply_free(r);
  r = apply(id, "{\"order_number\":\"№ \"}"); /* the sign alone */
  assert_validation(r, "$.order_number");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM school_statuses"
                            " WHERE school_year = 2025"),
                   0);
  /* s0 out by hand, s2 in by hand, s5 as it meets; s1 (ШНОР in 2024)
   * proposed for exit. The number typed with its sign: the basis writes
   * it once. */
  const char *body =
      J("{'order_number':'№ 12-п','included_on':'2025-09-01',"
        "'exclude':[{'school_id':%lld,'reason':'переведена в другой режим'}],"
        "'include':[{'school_id':%lld,'reason':'решение комиссии'}]}",
        fx.s[0], fx.s[2]);
  char *again = strdup(body);
  r = apply(id, body);
  assert_status(r, 200);
  assert_true(json_is_true(json_object_get(r->json, "applied")));
  const json_t *app = json_object_get(r->json, "application");
  assert_json_int(app, "school_year", 2025);
  assert_int_equal(json_array_size(json_object_get(app, "statuses")), 2);
  const json_t *exit = json_object_get(app, "proposed_exit");
  assert_int_equal(json_array_size(exit), 1);
  assert_json_int(json_array_get(exit, 0), "school_id", fx.s[1]);
  http_reply_free(r);
  char *basis = db_text("SELECT basis FROM school_statuses WHERE school_id ="
                        " %lld AND school_year = 2025",
                        fx.s[2]);
  assert_string_equal(basis, J("Приказ № 12-п, идентификация № %lld; "
                               "включена вручную: решение комиссии",
                               id));
  free(basis);
  assert_int_equal(db_count("SELECT count(*) FROM school_statuses WHERE"
                            " school_year = 2025 AND school_id IN (%lld, %lld)"
                            " AND included_on = '2025-09-01'",
                            fx.s[2], fx.s[5]),
                   2);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE"
                            " entity = 'identification_run' AND action ="
                            " 'apply' AND entity_id = '%lld'",
                            id),
                   1);
  /* The same request again: the same answer, nothing more written. */
  r = apply(id, again);
  assert_status(r, 200);
  http_reply_free(r);
  free(again);
  assert_int_equal(db_count("SELECT count(*) FROM school_statuses"
                            " WHERE school_year = 2025"),
                   2);
  /* Another order: the run is locked. */
  r = apply(id, "{\"order_number\":\"13-п\"}");
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  /* A reader may not; another region's admin does not see it. */
  use_token(fx.municipal);
  r = http_post(J("/api/v1/identification-runs/%lld/apply", id),
                "{\"order_number\":\"12-п\"}");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(fx.admin_b);
  r = http_post(J("/api/v1/identification-runs/%lld/apply", id),
                "{\"order_number\":\"12-п\"}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
}

/* ЕГЭ: "2" is a score under the minimum; a variant set is named. Made
 * last: the default instruments take ЕГЭ too. */
static void test_ege_and_choices_named_twice(void **state) {
  (void)state;
  use_token(fx.admin);
  long long ege =
      api_create("/api/v1/assessments",
                 J("{'kind':'EGE','year':2025,'grade':11,'subject_code':'math',"
                   "'variant_set':'advanced','subject_name':'Математика',"
                   "'max_primary_score':4,'min_test_score':27,'tasks':["
                   "{'number':'1','max_score':2,'level':'basic'},"
                   "{'number':'2','max_score':2,'level':'advanced'}]}"));
  stat(ege, fx.s[0], 40, 12, 80, 40, 0);
  long long id = run("{'years':1,'min_instruments':1,"
                     "'instruments':[{'kind':'EGE'}]}");
  expect(id, 0, "meets");
  expect(id, 1, "insufficient_evidence");
  json_t *doc = school_of(id, 0);
  assert_string_equal(figure_text(doc, 2025, "math"),
                      "ЕГЭ 2025, математика (профильный уровень): доля не "
                      "набравших минимальный балл 30 % при пороге 30 % "
                      "(участников: 40)");
  json_decref(doc);
  struct http_reply *r = http_post(
      J("/api/v1/identification-runs/%lld/apply", id),
      J("{'order_number':'1','exclude':[{'school_id':%lld,'reason':'a'}],"
        "'include':[{'school_id':%lld,'reason':'b'}]}",
        fx.s[0], fx.s[0]));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.include[0].school_id");
  assert_error_path(r, "$.exclude[0].school_id");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_share_fail_defaults),
      cmocka_unit_test(test_filters_and_csv),
      cmocka_unit_test(test_mean_percentile),
      cmocka_unit_test(test_task_mastery),
      cmocka_unit_test(test_changed_parameters),
      cmocka_unit_test(test_recomputation),
      cmocka_unit_test(test_diff),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_bad_bodies),
      cmocka_unit_test(test_apply),
      cmocka_unit_test(test_saved_methodology),
      cmocka_unit_test(test_ege_and_choices_named_twice),
  };
  harness_start("identification");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
