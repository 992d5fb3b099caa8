/* Identification runs that mind the objectivity of marks
 * (docs/OBJECTIVITY.md): `objectivity` exclude_high leaves out a figure
 * flagged high, saying why; mark_high counts it and says it is flagged;
 * ignore (the default) gives the same rows as a run without it; the
 * objectivity thresholds are the methodology's; bad parameters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "identification_helpers.h"

/* Z: "2" 45 % (meets 40 %), journal marks two above for 12 of 40 (30 %,
 * twice the default threshold: high); Q: "2" 25 %, objective. */
static struct {
  long long region, z, q, math23, math25;
  const char *admin;
} fx;

static void stat(long long assessment, long long school, const char *scores,
                 const char *marks, int failed, int higher2) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums, score_counts,"
          " journal_known, confirmed, lowered, raised, journal_higher2,"
          " journal_lower2, high_low_mastery) VALUES (%lld, %lld, 40, '%s',"
          " %d, 200, '{80,120}', '%s', 40, %d, %d, 0, %d, 0, 0)",
          assessment, school, marks, failed, scores, 40 - higher2, higher2,
          higher2);
}

static long long math(int year) {
  return api_create(
      "/api/v1/assessments",
      J("{'kind':'VPR','year':%d,'grade':5,'subject_code':'math',"
        "'subject_name':'Математика','max_primary_score':10,'mark3_from':4,"
        "'mark4_from':7,'mark5_from':9,'tasks':["
        "{'number':'1','max_score':4,'level':'basic'},"
        "{'number':'2','max_score':6,'level':'advanced'}]}",
        year));
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  fx.region = create_region("oi-r", "Ивановская область");
  long long m = create_municipality(fx.region, "oi-m", "Кинешемский район");
  fx.z = create_school(m, "OI-Z", "OI-Z");
  fx.q = create_school(m, "OI-Q", "OI-Q");
  fx.math23 = math(2023);
  fx.math25 = math(2025);
  stat(fx.math25, fx.z, "{4,5,4,5,5,5,4,4,2,1,1}", "{18,14,6,2}", 18, 12);
  stat(fx.math25, fx.q, "{2,2,3,3,6,6,6,4,4,2,2}", "{10,18,8,4}", 10, 0);
  stat(fx.math23, fx.z, "{4,5,4,5,5,5,4,4,2,1,1}", "{18,14,6,2}", 18, 0);
}

/* A run of the region's ВПР in mathematics, 2025 alone, "2" from 40 %, one
 * instrument enough; `extra` adds parameters. */
static long long run(const char *extra) {
  return ident_run(fx.admin, "low_results", fx.region,
                   J("{'years':1,'min_instruments':1,'share_fail_percent':40,"
                     "'instruments':[{'kind':'VPR','subjects':['math']}]%s}",
                     extra));
}

static json_t *school_of(long long id, long long school) {
  return ident_school(id, school);
}

static const json_t *evidence(const json_t *doc, const char *member) {
  return json_array_get(
      json_object_get(json_object_get(doc, "evidence"), member), 0);
}

static char *rows_of(long long id) {
  return db_text("SELECT string_agg(school_id || ' ' || decision || ' ' ||"
                 " severity || ' ' || position || ' ' || evidence::text,"
                 " E'\\n' ORDER BY school_id) FROM identification_run_schools"
                 " WHERE run_id = %lld",
                 id);
}

static const char *const flagged =
    "высокий уровень признаков необъективности (расхождение с отметками по "
    "журналу на 2 и более балла, вдвое выше порога и более)";

static void test_ignore_is_the_default(void **state) {
  (void)state;
  long long plain = run(""), ignore = run(",'objectivity':'ignore'");
  char *a = rows_of(plain), *b = rows_of(ignore);
  assert_string_equal(a, b);
  assert_null(strstr(a, "objectivity"));
  free(a);
  free(b);
  json_t *doc = school_of(plain, fx.z);
  assert_json_str(doc, "decision", "meets");
  json_decref(doc);
  /* The stored methodology says it; its thresholds only when minded. */
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", plain);
  const json_t *p =
      json_object_get(json_object_get(r->json, "methodology"), "parameters");
  assert_json_str(p, "objectivity", "ignore");
  assert_null(json_object_get(p, "objectivity_parameters"));
  http_reply_free(r);
}

static void test_exclude_high(void **state) {
  (void)state;
  long long id = run(",'objectivity':'exclude_high'");
  json_t *doc = school_of(id, fx.z);
  assert_json_str(doc, "decision", "insufficient_evidence");
  const json_t *f = evidence(doc, "figures");
  assert_json_str(f, "objectivity", "high");
  assert_true(json_is_true(json_object_get(f, "objectivity_excluded")));
  assert_true(json_is_false(json_object_get(f, "counted")));
  assert_json_str(f, "text",
                  J("ВПР 2025, математика, 5 класс: доля «2» 45 %% при пороге "
                    "40 %% (участников: 40) — не учитывается: %s",
                    flagged));
  const json_t *y = evidence(doc, "years");
  assert_json_str(y, "outcome", "unknown");
  assert_json_int(y, "objectivity_excluded", 1);
  assert_json_str(y, "text",
                  "2025: критерию отвечает процедур: 0 из 0 учтённых, нужно "
                  "не менее 1; не учтено из-за признаков необъективности: 1");
  json_decref(doc);
  /* Q is not flagged: counted as before, with its level. */
  doc = school_of(id, fx.q);
  assert_json_str(doc, "decision", "does_not_meet");
  assert_json_str(evidence(doc, "figures"), "objectivity", "none");
  json_decref(doc);
  /* The same run again: the same rows. */
  long long again = run(",'objectivity':'exclude_high'");
  char *a = rows_of(id), *b = rows_of(again);
  assert_string_equal(a, b);
  free(a);
  free(b);
  /* The rules read Z's 2023: the run's data state names it. */
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", id);
  assert_non_null(strstr(r->body, J("\"assessment_id\":%lld", fx.math23)));
  const json_t *p =
      json_object_get(json_object_get(r->json, "methodology"), "parameters");
  const json_t *op = json_object_get(p, "objectivity_parameters");
  assert_json_int(op, "journal_gap_percent", 15);
  assert_json_int(op, "peak_window", 2);
  assert_true(json_number_value(json_object_get(op, "z_critical")) == 2.33);
  assert_true(json_number_value(json_object_get(op, "z_high")) == 3.09);
  http_reply_free(r);
}

static void test_mark_high(void **state) {
  (void)state;
  long long id = run(",'objectivity':'mark_high'");
  json_t *doc = school_of(id, fx.z);
  assert_json_str(doc, "decision", "meets");
  const json_t *f = evidence(doc, "figures");
  assert_json_str(f, "objectivity", "high");
  assert_true(json_is_false(json_object_get(f, "objectivity_excluded")));
  assert_json_str(f, "text",
                  J("ВПР 2025, математика, 5 класс: доля «2» 45 %% при пороге "
                    "40 %% (участников: 40) — отмечено: %s",
                    flagged));
  json_decref(doc);
}

/* The methodology's thresholds: at 50 % Z is not flagged, so it counts;
 * a critical value is kept to two decimals. */
static void test_objectivity_thresholds(void **state) {
  (void)state;
  long long id = run(",'objectivity':'exclude_high',"
                     "'objectivity_parameters':{'journal_gap_percent':50,"
                     "'z_critical':2.576}");
  json_t *doc = school_of(id, fx.z);
  assert_json_str(doc, "decision", "meets");
  assert_json_str(evidence(doc, "figures"), "objectivity", "none");
  json_decref(doc);
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", id);
  const json_t *op = json_object_get(
      json_object_get(json_object_get(r->json, "methodology"), "parameters"),
      "objectivity_parameters");
  assert_true(json_number_value(json_object_get(op, "z_critical")) == 2.58);
  http_reply_free(r);
}

static void test_bad_parameters(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'low_results','year':2025,'region_id':%lld,'parameters':{"
        "'objectivity':'drop','objectivity_parameters':{'peak_margin':0,"
        "'z_high':'3','z_critical':11,'colour':1}}}",
        fx.region));
  assert_problem(r, 400, "validation_failed");
  assert_error_count(r, 5);
  assert_error_path(r, "$.parameters.objectivity");
  assert_error_path(r, "$.parameters.objectivity_parameters.peak_margin");
  assert_error_path(r, "$.parameters.objectivity_parameters.z_high");
  assert_error_path(r, "$.parameters.objectivity_parameters.z_critical");
  assert_error_path(r, "$.parameters.objectivity_parameters.colour");
  http_reply_free(r);
  /* Thresholds beside ignore would be read by nothing. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'low_results','year':2025,'region_id':%lld,"
                  "'parameters':{'objectivity_parameters':{'fail_drop':5}}}",
                  fx.region));
  assert_validation(r, "$.parameters.objectivity_parameters");
  http_reply_free(r);
  /* Not a parameter of ШНСУ runs. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'unfavourable_context','year':2025,"
                  "'region_id':%lld,'parameters':{'objectivity':'mark_high'}}",
                  fx.region));
  assert_validation(r, "$.parameters.objectivity");
  http_reply_free(r);
  /* A saved methodology is checked alike. */
  r = http_post("/api/v1/identification-methodologies",
                J("{'name':'x','kind':'low_results','region_id':%lld,"
                  "'parameters':{'objectivity':'exclude'}}",
                  fx.region));
  assert_validation(r, "$.parameters.objectivity");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ignore_is_the_default),
      cmocka_unit_test(test_exclude_high),
      cmocka_unit_test(test_mark_high),
      cmocka_unit_test(test_objectivity_thresholds),
      cmocka_unit_test(test_bad_parameters),
  };
  harness_start("objectivity_identification");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
