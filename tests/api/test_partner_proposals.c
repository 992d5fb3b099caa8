/* Partner proposals of a ШНОР run (docs/IDENTIFICATION.md, "Partner
 * proposals") over hand-made statistics and context rows: the order of
 * each rule (resilient before strong, same municipality before a closer
 * index, a closer index before better results, better results on the
 * school's weakest instruments), the fallback to strong schools, the
 * default model, scope and the directory rule, and accepting a proposal:
 * the partnership, its audit row, an out-of-region partner, twice. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Two ШНОР schools (S1 in Ковровский район, S2 in Вязниковский район) and
 * the others, all rural (index = low-income share + 10). */
enum { S1, S2, RA1, RA2, RA3, RB1, SA, SB, OA, OB, N_SCHOOLS };
static const char *const codes[N_SCHOOLS] = {
    "PP-S1",  "PP-S2", "PP-RA1", "PP-RA2", "PP-RA3",
    "PP-RB1", "PP-SA", "PP-SB",  "PP-OA",  "PP-OB"};
static const bool in_m2[N_SCHOOLS] = {false, true,  false, false, false,
                                      true,  false, true,  false, true};
/* Indices: S1 50, S2 70, RA1 90, RA2 60, RA3 60, RB1 52, SA 10, SB 10,
 * OA 20, OB 30. */
static const int low_income[N_SCHOOLS] = {40, 60, 80, 50, 50, 42, 0, 0, 10, 20};
/* Means in math, russian, history, biology. Ranks of ten (below + half
 * the equal) give scores S1 28.8, S2 8.8, RA1 71.2, RA2 48.8, RA3 53.8,
 * RB1 56.2, SA and SB 88.8, OA 22.5, OB 32.5. S1's weakest: math, russian,
 * history (rank 10 each; biology 85), where RA1 ranks 75, RA2 45, RA3 and
 * RB1 60. */
static const int means[N_SCHOOLS][4] = {
    {1, 1, 1, 9}, {1, 1, 1, 1}, {8, 8, 8, 8}, {6, 6, 6, 8}, {7, 7, 7, 6},
    {7, 7, 7, 7}, {9, 9, 9, 9}, {9, 9, 9, 9}, {3, 3, 3, 3}, {4, 4, 4, 4}};

static struct {
  long long region, m1, m2;
  long long s[N_SCHOOLS];
  long long other_region_school;
  long long shnor;     /* the default ШНОР run: S1 and S2 meet */
  long long resilient; /* index ≥ 52 and score ≥ the 40th percentile
                        * (42.3): RA1, RA2, RA3, RB1 */
  const char *admin, *municipal_m2, *curator, *reader;
} fx;

static void stat(long long assessment, long long school, int failed, int mean) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums, score_counts,"
          " journal_known, confirmed, lowered, raised) VALUES (%lld, %lld, 20,"
          " ARRAY[%d, %d, 0, 0], %d, %d, ARRAY[%d]::bigint[],"
          " '{0,0,0,0,0,0,0,0,0,0,0}', 0, 0, 0, 0)",
          assessment, school, failed, 20 - failed, failed, 20 * mean,
          20 * mean);
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

static long long run_of(const char *kind, const char *parameters) {
  use_token(fx.admin);
  struct http_reply *r =
      http_post("/api/v1/identification-runs",
                J("{'kind':'%s','year':2025,'region_id':%lld%s%s}", kind,
                  fx.region, parameters != NULL ? ",'parameters':" : "",
                  parameters != NULL ? parameters : ""));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  http_reply_free(r);
  return id;
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.region = t.region_id;
  fx.m1 = t.municipality_id;
  fx.m2 = create_municipality(t.region_id, "pp-m2", "Вязниковский район");
  for (int i = 0; i < N_SCHOOLS; i++)
    fx.s[i] = create_school(in_m2[i] ? fx.m2 : fx.m1, codes[i], codes[i]);
  long long rb = create_region("pp-rb", "Ивановская область");
  long long mb = create_municipality(rb, "pp-mb", "Кинешемский район");
  fx.other_region_school = create_school(mb, "PP-X", "PP-X");
  static const char *const subjects[4][2] = {{"math", "Математика"},
                                             {"russian", "Русский язык"},
                                             {"history", "История"},
                                             {"biology", "Биология"}};
  for (int y = 2024; y <= 2025; y++)
    for (int k = 0; k < 4; k++) {
      long long a = instrument(y, subjects[k][0], subjects[k][1]);
      for (int i = 0; i < N_SCHOOLS; i++)
        stat(a, fx.s[i], i == S1 || i == S2 ? 10 : 0, means[i][k]);
    }
  for (int i = 0; i < N_SCHOOLS; i++)
    for (int y = 2024; y <= 2025; y++)
      db_exec("INSERT INTO school_contexts (school_id, school_year,"
              " low_income, unemployed_parents, single_parent,"
              " parents_higher_education, non_russian_at_home,"
              " preventive_register, disabilities, pupils) VALUES (%lld, %d,"
              " %d, 0, 0, 0, 0, 0, 0, 300)",
              fx.s[i], y, low_income[i]);
  fx.shnor = run_of("low_results", NULL);
  fx.resilient = run_of("resilient", "{'years':1,'cutoff_value':52,"
                                     "'results_percentile':40}");
  fx.municipal_m2 = strdup(make_token("municipal", "municipality", fx.m2));
  fx.curator = strdup(make_token("curator", "region", fx.region));
  fx.reader = strdup(make_token("reader", "region", fx.region));
}

/* GET the proposals with `query`; asserts 200. */
static json_t *proposals(const char *query) {
  struct http_reply *r = http_get(
      "/api/v1/identification-runs/%lld/partner-proposals%s", fx.shnor, query);
  assert_status(r, 200);
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

/* The candidates' codes of the item for school i, comma-separated. */
static char *candidates_of(const json_t *doc, int i) {
  char buf[512] = "";
  size_t k;
  const json_t *item;
  json_array_foreach(json_object_get(doc, "items"), k, item) {
    if (jint(json_object_get(item, "school"), "id") != fx.s[i])
      continue;
    size_t c;
    const json_t *cand;
    json_array_foreach(json_object_get(item, "candidates"), c, cand) {
      assert_int_equal(jint(cand, "rank"), (long long)c + 1);
      const char *code = jstr(json_object_get(cand, "school"), "code");
      snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
               c ? "," : "", code);
    }
    return strdup(buf);
  }
  return strdup("(no item)");
}

static void expect_candidates(const json_t *doc, int i, const char *want,
                              int line) {
  char *got = candidates_of(doc, i);
  if (strcmp(got, want) != 0)
    fail_msg("line %d: %s: %s, not %s", line, codes[i], got, want);
  free(got);
}
#define expect(doc, i, w) expect_candidates((doc), (i), (w), __LINE__)

static const json_t *candidate(const json_t *doc, size_t item, size_t c) {
  return json_array_get(
      json_object_get(json_array_get(json_object_get(doc, "items"), item),
                      "candidates"),
      c);
}

static void test_order_of_the_rules(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *doc = proposals(J("?resilient_run=%lld&per_school=6", fx.resilient));
  assert_json_int(json_object_get(doc, "resilient"), "run_id", fx.resilient);
  assert_json_int(doc, "per_school", 6);
  assert_int_equal(json_array_size(json_object_get(doc, "items")), 2);
  /* S1 (Ковровский, index 50): the same municipality first although RB1's
   * index (52) is the closest; RA2 and RA3 (60) before RA1 (90) although
   * RA1 is better on S1's weakest instruments (75 against 45 and 60); RA3
   * before RA2, better there (60 against 45); then the strong ones, four
   * resilient being fewer than six. */
  expect(doc, S1, "PP-RA3,PP-RA2,PP-RA1,PP-RB1,PP-SA,PP-SB");
  /* S2 (Вязниковский, 70): RB1 of its own municipality, then RA3 (weak
   * results 51.7 on biology, math, russian) before RA2 (50), then RA1. */
  expect(doc, S2, "PP-RB1,PP-RA3,PP-RA2,PP-RA1,PP-SB,PP-SA");
  const json_t *item = json_array_get(json_object_get(doc, "items"), 0);
  assert_json_str(json_object_get(item, "school"), "code", "PP-S1");
  assert_json_str(item, "decision", "meets");
  const json_t *weakest = json_object_get(item, "weakest");
  assert_int_equal(json_array_size(weakest), 3);
  assert_json_str(json_array_get(weakest, 0), "text",
                  "ВПР 2025, математика, 5 класс: процентильный ранг 10");
  const json_t *c = candidate(doc, 0, 0);
  assert_json_str(c, "kind", "resilient");
  assert_true(json_is_true(json_object_get(c, "same_municipality")));
  assert_true(json_number_value(json_object_get(c, "index_distance")) == 10);
  assert_true(json_number_value(json_object_get(c, "weak_results")) == 60);
  char *reasons = json_dumps(json_object_get(c, "reasons"), JSON_ENSURE_ASCII);
  json_t *want = json_pack(
      "[ssss]",
      J("резильентная школа: высокие результаты при неблагоприятных"
        " социальных условиях (идентификация № %lld)",
        fx.resilient),
      "тот же муниципалитет",
      "индекс социального неблагополучия 60 (у школы 50, разница 10)",
      "по процедурам, где результаты школы ниже всего: средний процентильный"
      " ранг 60 (по 3 из 3)");
  char *wanted = json_dumps(want, JSON_ENSURE_ASCII);
  assert_string_equal(reasons, wanted);
  free(reasons);
  free(wanted);
  json_decref(want);
  c = candidate(doc, 0, 4);
  assert_json_str(c, "kind", "strong");
  assert_string_equal(
      json_string_value(json_array_get(json_object_get(c, "reasons"), 0)),
      "сильная школа: результаты не ниже 40-го процентиля по региону;"
      " резильентных школ меньше 6");
  json_decref(doc);

  /* Three by default: resilient ones only. */
  doc = proposals(J("?resilient_run=%lld", fx.resilient));
  expect(doc, S1, "PP-RA3,PP-RA2,PP-RA1");
  json_decref(doc);
  /* One school of the run, whatever its decision. */
  doc = proposals(J("?resilient_run=%lld&school_id=%lld&per_school=1",
                    fx.resilient, fx.s[OA]));
  assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
  /* OA (Ковровский, 20): RA2 and RA3 (40 away) before RA1 (70); RA3
   * better on OA's weakest (biology, math, russian: 51.7 against 50). */
  expect(doc, OA, "PP-RA3");
  assert_json_str(json_array_get(json_object_get(doc, "items"), 0), "decision",
                  "does_not_meet");
  json_decref(doc);
}

static void test_default_model(void **state) {
  (void)state;
  use_token(fx.admin);
  /* The default model now: index ≥ 60 and score ≥ 67.5 in 2024 and 2025:
   * RA1 only; the strong SA and SB fill up. */
  json_t *doc = proposals("");
  const json_t *src = json_object_get(doc, "resilient");
  assert_json_null(src, "run_id");
  assert_json_int(src, "year", 2025);
  assert_json_int(json_object_get(src, "parameters"), "results_percentile", 75);
  expect(doc, S1, "PP-RA1,PP-SA,PP-SB");
  expect(doc, S2, "PP-RA1,PP-SB,PP-SA");
  json_t *reasons = json_object_get(candidate(doc, 0, 1), "reasons");
  assert_string_equal(json_string_value(json_array_get(reasons, 0)),
                      "сильная школа: результаты не ниже 75-го процентиля по"
                      " региону; резильентных школ меньше 3");
  assert_string_equal(
      json_string_value(
          json_array_get(json_object_get(candidate(doc, 0, 0), "reasons"), 0)),
      "резильентная школа: высокие результаты при неблагоприятных социальных"
      " условиях (модель по умолчанию, 2024–2025)");
  /* The same as a stored run of the default model. */
  long long dflt = run_of("resilient", NULL);
  json_t *named = proposals(J("?resilient_run=%lld", dflt));
  expect(named, S1, "PP-RA1,PP-SA,PP-SB");
  expect(named, S2, "PP-RA1,PP-SB,PP-SA");
  json_decref(named);
  json_decref(doc);
}

static void test_scope_and_directory(void **state) {
  (void)state;
  /* A municipal user of Вязниковский: its school S2 only; RB1 in full,
   * the candidates of Ковровский as the directory shows them. */
  use_token(fx.municipal_m2);
  json_t *doc = proposals(J("?resilient_run=%lld", fx.resilient));
  assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
  expect(doc, S2, "PP-RB1,PP-RA3,PP-RA2");
  const json_t *c = candidate(doc, 0, 0);
  assert_true(json_is_true(json_object_get(c, "in_scope")));
  assert_non_null(json_object_get(c, "reasons"));
  c = candidate(doc, 0, 1);
  assert_true(json_is_false(json_object_get(c, "in_scope")));
  assert_int_equal(json_object_size(c), 3); /* rank, school, in_scope */
  assert_int_equal(json_object_size(json_object_get(c, "school")), 3);
  json_decref(doc);
  struct http_reply *r =
      http_get("/api/v1/identification-runs/%lld/partner-proposals"
               "?school_id=%lld",
               fx.shnor, fx.s[S1]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* A curator of the region reads the run, not the schools it is not
   * assigned to: no item. */
  use_token(fx.curator);
  doc = proposals("");
  assert_int_equal(json_array_size(json_object_get(doc, "items")), 0);
  json_decref(doc);
}

static void test_bad_requests(void **state) {
  (void)state;
  use_token(fx.admin);
  const char *base =
      J("/api/v1/identification-runs/%lld/partner-proposals", fx.shnor);
  char *path = strdup(base);
  struct http_reply *r =
      http_get("%s?per_school=0&school_id=x&resilient_run=0&limit=2", path);
  assert_validation(r, "query.per_school", "query.school_id",
                    "query.resilient_run", "query.limit");
  http_reply_free(r);
  r = http_get("%s?resilient_run=%lld", path, fx.shnor);
  assert_validation(r, "query.resilient_run");
  http_reply_free(r);
  r = http_get("%s?resilient_run=999999", path);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("%s?school_id=%lld", path, fx.other_region_school);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/identification-runs/%lld/partner-proposals",
               fx.resilient);
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  free(path);
  check_bad_ids("GET", "/api/v1/identification-runs/%s/partner-proposals", "id",
                NULL, NULL);
}

static const char *accept_path(long long run, int i) {
  return J("/api/v1/identification-runs/%lld/partner-proposals/%lld/accept",
           run, fx.s[i]);
}

static const char *const accept_required[] = {"partner_school_id", NULL};

static void test_accept(void **state) {
  (void)state;
  use_token(fx.admin);
  char *path = strdup(accept_path(fx.shnor, S1));
  struct http_reply *r =
      http_post(path, J("{'partner_school_id':%lld}", fx.s[RA3]));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->location,
                      J("/api/v1/schools/%lld/partners/%lld", fx.s[S1], id));
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "school_id", fx.s[S1]);
  assert_json_int(r->json, "partner_school_id", fx.s[RA3]);
  assert_json_str(r->json, "kind", "MENTORING");
  assert_json_str(r->json, "agreement",
                  J("Предложение партнёров по идентификации № %lld", fx.shnor));
  assert_json_null(r->json, "ends_on");
  assert_json_str(json_object_get(r->json, "partner_school"), "code", "PP-RA3");
  char *today = db_text("SELECT to_char(current_date, 'YYYY-MM-DD')");
  assert_json_str(r->json, "starts_on", today);
  free(today);
  http_reply_free(r);
  /* Listed by the partnerships resource, audited with the run. */
  r = http_get("/api/v1/schools/%lld/partners", fx.s[RA3]);
  assert_status(r, 200);
  assert_json_int(json_array_get(json_object_get(r->json, "items"), 0), "id",
                  id);
  http_reply_free(r);
  assert_int_equal(
      db_count("SELECT count(*) FROM audit_events WHERE entity ="
               " 'school_partnership' AND entity_id = '%lld' AND action ="
               " 'create' AND (after->>'identification_run_id')::bigint = %lld",
               id, fx.shnor),
      1);

  /* Twice, or the other way round: the pair is partners already. */
  char *before = db_fingerprint();
  r = http_post(path,
                J("{'partner_school_id':%lld,'kind':'NETWORK'}", fx.s[RA3]));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.partner_school_id");
  http_reply_free(r);
  r = http_post(accept_path(fx.shnor, RA3),
                J("{'partner_school_id':%lld}", fx.s[S1]));
  assert_problem(r, 409, "already_exists");
  http_reply_free(r);
  /* Another region's school answers as a missing one. */
  r = http_post(path, J("{'partner_school_id':%lld}", fx.other_region_school));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.partner_school_id");
  char *other = strdup(jstr(r->json, "detail"));
  http_reply_free(r);
  r = http_post(path, "{\"partner_school_id\":999999}");
  assert_problem(r, 422, "reference_not_found");
  assert_string_equal(jstr(r->json, "detail"), other);
  http_reply_free(r);
  free(other);
  r = http_post(path, J("{'partner_school_id':%lld}", fx.s[S1]));
  assert_validation(r, "$.partner_school_id");
  http_reply_free(r);
  r = http_post(path, J("{'partner_school_id':%lld,'starts_on':'2025-09-01',"
                        "'ends_on':'2025-08-31','kind':'x','basis':''}",
                        fx.s[RA2]));
  assert_validation(r, "$.kind", "$.basis");
  http_reply_free(r);
  r = http_post(path, J("{'partner_school_id':%lld,'starts_on':'2025-09-01',"
                        "'ends_on':'2025-08-31'}",
                        fx.s[RA2]));
  assert_validation(r, "$.ends_on");
  http_reply_free(r);
  /* A resilient run has no proposals to accept. */
  r = http_post(accept_path(fx.resilient, S1),
                J("{'partner_school_id':%lld}", fx.s[RA2]));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  r = http_post(accept_path(999999, S1),
                J("{'partner_school_id':%lld}", fx.s[RA2]));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);
  check_bad_bodies("POST", path, NULL,
                   J("{'partner_school_id':%lld,'kind':'NETWORK',"
                     "'basis':'договор № 5','starts_on':'2025-09-01',"
                     "'ends_on':null}",
                     fx.s[RA2]),
                   accept_required);
  check_bad_ids("POST",
                J("/api/v1/identification-runs/%lld/partner-proposals/%%s/"
                  "accept",
                  fx.shnor),
                "school_id", NULL, J("{'partner_school_id':%lld}", fx.s[RA2]));
  free(path);
}

static void test_accept_scope(void **state) {
  (void)state;
  /* A municipal user pairs its school with one of another municipality
   * (the directory), with its own basis; not a school of another. */
  use_token(fx.municipal_m2);
  struct http_reply *r = http_post(
      accept_path(fx.shnor, S2),
      J("{'partner_school_id':%lld,'kind':'NETWORK','basis':'договор о"
        " сетевом партнёрстве № 3'}",
        fx.s[RA2]));
  assert_status(r, 201);
  assert_json_str(r->json, "kind", "NETWORK");
  assert_json_str(r->json, "agreement", "договор о сетевом партнёрстве № 3");
  http_reply_free(r);
  char *before = db_fingerprint();
  r = http_post(accept_path(fx.shnor, S1),
                J("{'partner_school_id':%lld}", fx.s[RB1]));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* A reader may read proposals, not make partnerships. */
  use_token(fx.reader);
  r = http_post(accept_path(fx.shnor, S1),
                J("{'partner_school_id':%lld}", fx.s[RB1]));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  assert_db_unchanged(before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_of_the_rules),
      cmocka_unit_test(test_default_model),
      cmocka_unit_test(test_scope_and_directory),
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_accept),
      cmocka_unit_test(test_accept_scope),
  };
  harness_start("partner_proposals");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
