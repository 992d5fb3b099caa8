/* The statistics of assessment results that authorities read
 * (docs/ASSESSMENTS.md), from hand-made rows of assessment_school_stats:
 * exact numbers, scope, filters, sort orders and the score distribution. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct {
  long long assessment, other;
  long long school[5]; /* s1..s3 in Kovrov, s4 in M2, s5 in region B */
  long long m2;
  const char *reader; /* reader of the Vladimir region */
  const char *admin;
} fx;

static void assert_num_at(const json_t *obj, const char *key, double want,
                          int line) {
  const json_t *v = json_object_get(obj, key);
  if (!json_is_number(v) || fabs(json_number_value(v) - want) > 1e-9) {
    char *text = json_dumps(obj, JSON_COMPACT);
    fail_msg("line %d: expected %s = %g in %s", line, key, want, text);
  }
}
#define assert_num(obj, key, want) assert_num_at((obj), (key), (want), __LINE__)

static void stats_row(long long school, int participants, const char *marks,
                      int failed, int primary_sum, const char *task_sums,
                      const char *score_counts, int known, int confirmed,
                      int lowered, int raised) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums, score_counts,"
          " journal_known, confirmed, lowered, raised) VALUES (%lld, %lld, %d,"
          " '%s', %d, %d, '%s', '%s', %d, %d, %d, %d)",
          fx.assessment, school, participants, marks, failed, primary_sum,
          task_sums, score_counts, known, confirmed, lowered, raised);
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.m2 = create_municipality(t.region_id, "st-m2", "Вязниковский район");
  long long rb = create_region("st-rb", "Ивановская область");
  long long mb = create_municipality(rb, "st-mb", "Кинешемский район");
  static const char *const names[] = {"Школа А", "Школа Б", "Школа В",
                                      "Школа Г", "Школа Д"};
  for (int i = 0; i < 5; i++)
    fx.school[i] = create_school(i < 3    ? t.municipality_id
                                 : i == 3 ? fx.m2
                                          : mb,
                                 NULL, names[i]);
  create_status(fx.school[0], "SHNOR", 2024);
  create_status(fx.school[1], "RISK_GROUP", 2024);
  create_status(fx.school[2], "SHNOR", 2023);
  db_exec("UPDATE school_statuses SET excluded_on = '2024-06-01',"
          " exclusion_reason = 'переход в эффективный режим'"
          " WHERE school_id = %lld",
          fx.school[2]);
  fx.assessment = api_create(
      "/api/v1/assessments",
      J("{'kind':'VPR','year':2025,'grade':5,'subject_code':'math',"
        "'subject_name':'Математика','max_primary_score':6,'mark3_from':2,"
        "'mark4_from':4,'mark5_from':6,'tasks':["
        "{'number':'1','max_score':1,'level':'basic'},"
        "{'number':'2','max_score':1,'level':'basic'},"
        "{'number':'3','max_score':2,'level':'advanced'},"
        "{'number':'4.1','max_score':2,'level':'advanced'}]}"));
  fx.other = api_create(
      "/api/v1/assessments",
      J("{'kind':'OGE','year':2025,'grade':9,'subject_code':'russian',"
        "'subject_name':'Русский язык','max_primary_score':1,"
        "'tasks':[{'number':'1','max_score':1,'level':'basic'}]}"));
  stats_row(fx.school[0], 10, "{2,3,3,2}", 2, 31, "{7,6,4,14}",
            "{1,1,1,2,2,1,2}", 8, 6, 1, 1);
  stats_row(fx.school[1], 30, "{3,9,12,6}", 3, 120, "{27,24,40,29}",
            "{0,3,5,4,8,4,6}", 0, 0, 0, 0);
  stats_row(fx.school[2], 50, "{10,20,15,5}", 10, 150, "{40,30,40,40}",
            "{5,5,10,10,10,5,5}", 0, 0, 0, 0);
  stats_row(fx.school[3], 20, "{0,5,10,5}", 0, 90, "{20,20,25,25}",
            "{0,0,0,5,5,5,5}", 0, 0, 0, 0);
  stats_row(fx.school[4], 5, "{5,0,0,0}", 5, 0, "{0,0,0,0}", "{5,0,0,0,0,0,0}",
            0, 0, 0, 0);
  fx.reader = strdup(make_token("reader", "region", t.region_id));
}

static void test_school_assessments(void **state) {
  (void)state;
  use_token(fx.reader);
  struct http_reply *r =
      http_get("/api/v1/schools/%lld/assessments", fx.school[0]);
  assert_status(r, 200);
  const json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  const json_t *a = json_array_get(items, 0);
  assert_json_int(a, "id", fx.assessment);
  assert_json_str(a, "kind", "VPR");
  assert_json_int(a, "grade", 5);
  assert_json_str(a, "subject_name", "Математика");
  const json_t *s = json_object_get(json_array_get(items, 0), "stats");
  assert_json_int(s, "participants", 10);
  const json_t *marks = json_object_get(s, "marks");
  assert_json_int(marks, "2", 2);
  assert_json_int(marks, "3", 3);
  assert_json_int(marks, "4", 3);
  assert_json_int(marks, "5", 2);
  assert_num(s, "share_fail", 20.0);
  assert_num(s, "share_good", 50.0);
  assert_num(s, "mean_primary_score", 3.1);
  assert_json_null(s, "mean_test_score");
  assert_json_str(s, "evidence", "limited");
  const json_t *tasks = json_object_get(s, "tasks");
  assert_int_equal(json_array_size(tasks), 4);
  /* 7 of 10, 6 of 10 (exactly 60: sufficient), 4 of 20 (advanced, 20%),
   * 14 of 20. */
  static const double mastery[] = {70.0, 60.0, 20.0, 70.0};
  static const int sufficient[] = {1, 1, 0, 1};
  for (size_t i = 0; i < 4; i++) {
    const json_t *t = json_array_get(tasks, i);
    assert_num(t, "mastery", mastery[i]);
    assert_int_equal(json_is_true(json_object_get(t, "sufficient")),
                     sufficient[i]);
  }
  assert_json_str(json_array_get(tasks, 3), "number", "4.1");
  assert_json_str(json_array_get(tasks, 3), "level", "advanced");
  assert_json_int(json_array_get(tasks, 3), "max_score", 2);
  const json_t *journal = json_object_get(s, "journal");
  assert_json_int(journal, "known", 8);
  assert_num(journal, "share_confirmed", 75.0);
  assert_num(journal, "share_lowered", 12.5);
  assert_num(journal, "share_raised", 12.5);
  http_reply_free(r);

  r = http_get("/api/v1/schools/%lld/assessments", fx.school[1]);
  assert_status(r, 200);
  s = json_object_get(json_array_get(json_object_get(r->json, "items"), 0),
                      "stats");
  assert_json_str(s, "evidence", "moderate");
  assert_json_null(json_object_get(s, "journal"), "share_confirmed");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/assessments", fx.school[2]);
  assert_status(r, 200);
  s = json_object_get(json_array_get(json_object_get(r->json, "items"), 0),
                      "stats");
  assert_json_str(s, "evidence", "informative");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/assessments?year=2024", fx.school[0]);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/assessments?kind=OGE&year=2025",
               fx.school[0]);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  /* A school outside the reader's region: as if it did not exist. */
  r = http_get("/api/v1/schools/%lld/assessments", fx.school[4]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/assessments?kind=GIA", fx.school[0]);
  assert_validation(r, "query.kind");
  http_reply_free(r);
  use_token(fx.admin);
}

static void expect_schools(const char *query, int n, ...) {
  char want[256] = "";
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    size_t len = strlen(want);
    snprintf(want + len, sizeof want - len, "%s%lld", i ? "," : "",
             fx.school[va_arg(ap, int)]);
  }
  va_end(ap);
  /* Whole pages of 1: the order holds across cursors. */
  json_t *all = list_all(
      J("/api/v1/assessments/%lld/schools%s", fx.assessment, query), 1);
  char *got = ids_of(all);
  if (strcmp(got, want) != 0)
    fail_msg("%s: schools %s, expected %s", query, got, want);
  free(got);
  json_decref(all);
}

static void test_assessment_schools(void **state) {
  (void)state;
  /* A global admin sees all five. */
  expect_schools("", 5, 0, 1, 2, 3, 4);
  use_token(fx.reader);
  expect_schools("", 4, 0, 1, 2, 3);
  expect_schools("?sort=school", 4, 0, 1, 2, 3);
  /* 20% twice (by id), 10%, 0%. */
  expect_schools("?sort=-share_fail", 4, 0, 2, 1, 3);
  expect_schools("?sort=share_fail", 4, 3, 1, 0, 2);
  /* 3.0, 3.1, 4.0, 4.5 */
  expect_schools("?sort=mean_primary_score", 4, 2, 0, 1, 3);
  expect_schools("?sort=-mean_primary_score", 4, 3, 1, 0, 2);
  expect_schools(J("?municipality=%lld", fx.m2), 1, 3);
  /* An open status only: s3's was closed. */
  expect_schools("?category=SHNOR", 1, 0);
  expect_schools("?category=RISK_GROUP&sort=-share_fail", 1, 1);

  struct http_reply *r = http_get(
      "/api/v1/assessments/%lld/schools?sort=-share_fail", fx.assessment);
  assert_status(r, 200);
  const json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
  const json_t *school = first;
  assert_json_str(school, "short_name", "Школа А");
  assert_non_null(jstr(school, "code"));
  assert_json_int(school, "municipality_id", kovrov().municipality_id);
  assert_num(json_object_get(first, "stats"), "share_fail", 20.0);
  http_reply_free(r);
  r = http_get("/api/v1/assessments/%lld/schools", fx.other);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = http_get("/api/v1/assessments/999999/schools");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/assessments/%lld/schools?sort=best&category=ШНОР"
               "&municipality=0",
               fx.assessment);
  assert_validation(r, "query.sort", "query.category", "query.municipality");
  http_reply_free(r);
  use_token(fx.admin);
}

static void expect_scores(const json_t *d, const int *want, int n) {
  const json_t *scores = json_object_get(d, "scores");
  assert_int_equal(json_array_size(scores), (size_t)n);
  for (int i = 0; i < n; i++) {
    assert_json_int(json_array_get(scores, (size_t)i), "score", i);
    assert_json_int(json_array_get(scores, (size_t)i), "count", want[i]);
  }
}

static void test_distribution(void **state) {
  (void)state;
  use_token(fx.reader);
  struct http_reply *r =
      http_get("/api/v1/assessments/%lld/distribution", fx.assessment);
  assert_status(r, 200);
  static const int region[] = {6, 9, 16, 21, 25, 15, 18};
  expect_scores(r->json, region, 7);
  assert_json_int(r->json, "participants", 110);
  assert_json_int(r->json, "schools", 4);
  assert_json_int(r->json, "max_primary_score", 6);
  const json_t *b = json_object_get(r->json, "boundaries");
  assert_json_int(b, "3", 2);
  assert_json_int(b, "4", 4);
  assert_json_int(b, "5", 6);
  assert_json_null(r->json, "school_id");
  http_reply_free(r);
  r = http_get("/api/v1/assessments/%lld/distribution?school=%lld",
               fx.assessment, fx.school[1]);
  assert_status(r, 200);
  static const int one[] = {0, 3, 5, 4, 8, 4, 6};
  expect_scores(r->json, one, 7);
  assert_json_int(r->json, "participants", 30);
  assert_json_int(r->json, "school_id", fx.school[1]);
  http_reply_free(r);
  r = http_get("/api/v1/assessments/%lld/distribution?school=%lld",
               fx.assessment, fx.school[4]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/assessments/%lld/distribution", fx.other);
  assert_status(r, 200);
  assert_json_null(r->json, "boundaries");
  assert_json_int(r->json, "participants", 0);
  static const int none[] = {0, 0};
  expect_scores(r->json, none, 2);
  http_reply_free(r);
  r = http_get("/api/v1/assessments/999999/distribution");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/assessments/%lld/distribution?school=x", fx.assessment);
  assert_validation(r, "query.school");
  http_reply_free(r);
  use_token(fx.admin);
  r = http_get("/api/v1/assessments/%lld/distribution", fx.assessment);
  assert_status(r, 200);
  assert_json_int(r->json, "participants", 115);
  assert_json_int(json_array_get(json_object_get(r->json, "scores"), 0),
                  "count", 11);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_school_assessments),
      cmocka_unit_test(test_assessment_schools),
      cmocka_unit_test(test_distribution),
  };
  harness_start("assessment_stats");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
