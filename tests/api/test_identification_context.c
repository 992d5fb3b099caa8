/* ШНСУ identification runs (kind unfavourable_context,
 * docs/IDENTIFICATION.md) over hand-made rows of school_contexts: a poor
 * school meets, an ordinary one does not, a school missing a year's context
 * is insufficient, ties at the cut-off, changed weights, recomputation byte
 * for byte, apply making ШНСУ statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "identification_helpers.h"

/* s[0] poor, s[1] ordinary (urban), s[2] poor without 2024's context,
 * s[3] in between, s[4] ordinary, s[5] in region B. */
static struct {
  long long region;
  long long s[6];
  const char *admin;
} fx;

/* A context row: the shares low-income, unemployed, single-parent, higher
 * education, non-Russian at home, preventive register, disabilities. */
static void context(long long school, int year, int low, int unemployed,
                    int single, int higher, int non_russian, int preventive,
                    int disabilities) {
  db_exec("INSERT INTO school_contexts (school_id, school_year, low_income,"
          " unemployed_parents, single_parent, parents_higher_education,"
          " non_russian_at_home, preventive_register, disabilities, pupils)"
          " VALUES (%lld, %d, %d, %d, %d, %d, %d, %d, %d, 300)",
          school, year, low, unemployed, single, higher, non_russian,
          preventive, disabilities);
}

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  struct territory t = kovrov();
  fx.region = t.region_id;
  long long rb = create_region("ic-rb", "Ивановская область");
  long long mb = create_municipality(rb, "ic-mb", "Кинешемский район");
  static const char *const codes[] = {"IC-1", "IC-2", "IC-3",
                                      "IC-4", "IC-5", "IC-6"};
  for (int i = 0; i < 6; i++)
    fx.s[i] =
        create_school(i == 5 ? mb : t.municipality_id, codes[i], codes[i]);
  db_exec("UPDATE schools SET locality = 'URBAN' WHERE id = %lld", fx.s[1]);
  /* Indices with the default weights (rural +10): s0 103, s1 -20, s2 103
   * (2025 only), s3 55, s4 23; s5 is another region's. */
  for (int y = 2024; y <= 2025; y++) {
    context(fx.s[0], y, 38, 20, 30, 5, 5, 2, 3);
    context(fx.s[1], y, 5, 2, 10, 40, 1, 0, 2);
    context(fx.s[3], y, 20, 10, 20, 10, 2, 1, 2);
    context(fx.s[4], y, 10, 5, 15, 20, 0, 1, 2);
    context(fx.s[5], y, 60, 40, 40, 0, 0, 5, 5);
  }
  context(fx.s[2], 2025, 38, 20, 30, 5, 5, 2, 3);
}

/* POSTs a ШНСУ run of the region with `parameters`; returns its id. */
static long long run(const char *parameters) {
  return ident_run(fx.admin, "unfavourable_context", fx.region, parameters);
}

static json_t *school_of(long long id, int i) {
  return ident_school(id, fx.s[i]);
}
#define expect(id, i, d) ident_expect((id), fx.s[i], (d), __LINE__)

/* The text of a year of school i's evidence (0: the latest). */
static char *year_text(long long id, int i, size_t k) {
  json_t *doc = school_of(id, i);
  const json_t *y = json_array_get(
      json_object_get(json_object_get(doc, "evidence"), "years"), k);
  char *text = strdup(jstr(y, "text"));
  json_decref(doc);
  return text;
}

static void test_defaults(void **state) {
  (void)state;
  long long id = run(NULL);
  struct http_reply *r = http_get("/api/v1/identification-runs/%lld", id);
  assert_status(r, 200);
  const json_t *p =
      json_object_get(json_object_get(r->json, "methodology"), "parameters");
  assert_json_int(p, "years", 2);
  assert_json_int(p, "cutoff_percentile", 75);
  assert_true(json_is_null(json_object_get(p, "cutoff_value")));
  assert_json_int(json_object_get(p, "weights"), "rural", 10);
  assert_json_int(json_object_get(p, "weights"), "parents_higher_education",
                  -1);
  /* The context rows read: 4 schools twice, s2 once. */
  assert_int_equal(json_array_size(json_object_get(r->json, "data_state")), 9);
  assert_json_int(json_array_get(json_object_get(r->json, "data_state"), 0),
                  "version", 1);
  http_reply_free(r);
  /* 2024's cut-off: 67 (75th percentile of -20, 23, 55, 103); 2025's: 103,
   * which s0 ties and meets. */
  expect(id, 0, "meets");
  expect(id, 1, "does_not_meet");
  expect(id, 2, "insufficient_evidence");
  expect(id, 3, "does_not_meet");
  expect(id, 4, "does_not_meet");
  char *t = year_text(id, 0, 0);
  assert_string_equal(
      t, "2025: индекс социального неблагополучия 103 при пороге 103"
         " (75-й процентиль по региону); доля малообеспеченных семей 38 %;"
         " доля семей с безработными родителями 20 %; доля неполных семей"
         " 30 %; доля семей, где оба родителя с высшим образованием 5 %;"
         " доля не говорящих дома по-русски 5 %; доля состоящих на"
         " профилактическом учёте 2 %; доля обучающихся с ОВЗ 3 %;"
         " сельская школа (+10)");
  free(t);
  t = year_text(id, 2, 1);
  assert_string_equal(t, "2024: нет данных о социальном контексте школы");
  free(t);
  json_t *doc = school_of(id, 2);
  assert_json_str(json_object_get(doc, "evidence"), "summary",
                  "Недостаточно данных для решения: 2024");
  json_decref(doc);
  r = http_get("/api/v1/identification-runs/%lld/schools", id);
  assert_status(r, 200);
  const json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 5); /* not region B's */
  assert_json_str(json_object_get(json_array_get(items, 0), "school"), "code",
                  "IC-1");
  assert_json_str(json_object_get(json_array_get(items, 1), "school"), "code",
                  "IC-3");
  http_reply_free(r);
}

static void test_cutoff_value_and_weights(void **state) {
  (void)state;
  /* A tie at an absolute cut-off meets it. */
  long long id = run("{'cutoff_value':55}");
  expect(id, 3, "meets");
  expect(id, 4, "does_not_meet");
  char *t = year_text(id, 3, 0);
  assert_true(strncmp(t,
                      "2025: индекс социального неблагополучия 55 при пороге"
                      " 55 (заданное значение);",
                      strlen("2025: индекс социального неблагополучия 55 при"
                             " пороге 55 (заданное значение);")) == 0);
  free(t);
  id = run("{'cutoff_value':60}");
  expect(id, 3, "does_not_meet");
  /* Low income counted three times: s3 75, s4 43. */
  id = run("{'cutoff_value':60,'weights':{'low_income':3}}");
  expect(id, 3, "meets");
  expect(id, 4, "does_not_meet");
  /* One year only: s2 has it. */
  id = run("{'years':1}");
  expect(id, 2, "meets");
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
  long long a = run("{'weights':{'rural':5.5}}");
  long long b = run("{'weights':{'rural':5.5}}");
  assert_true(a != b);
  char *sa = stored(a), *sb = stored(b);
  assert_string_equal(sa, sb);
  free(sa);
  free(sb);
  /* Saved (its cutoff_value null) and taken by name: the same run. */
  use_token(fx.admin);
  struct http_reply *r =
      http_post("/api/v1/identification-runs",
                J("{'kind':'unfavourable_context','year':2025,'region_id':%lld,"
                  "'parameters':{'weights':{'rural':5.5}},'save_as':'ШНСУ'}",
                  fx.region));
  assert_status(r, 201);
  long long c = jint(r->json, "id");
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'unfavourable_context','year':2025,"
                  "'region_id':%lld,'methodology_name':'ШНСУ'}",
                  fx.region));
  assert_status(r, 201);
  long long d = jint(r->json, "id");
  http_reply_free(r);
  sa = stored(a);
  char *sc = stored(c), *sd = stored(d);
  assert_string_equal(sa, sc);
  assert_string_equal(sc, sd);
  free(sa);
  free(sc);
  free(sd);
}

static void test_bad_parameters(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'unfavourable_context','year':2025,'region_id':%lld,"
        "'parameters':{'criterion':'share_fail','cutoff_percentile':100,"
        "'weights':{'income':1,'rural':'x'}}}",
        fx.region));
  assert_validation(
      r, "$.parameters.criterion", "$.parameters.cutoff_percentile",
      "$.parameters.weights.income", "$.parameters.weights.rural");
  http_reply_free(r);
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'unfavourable_context','year':2025,'region_id':%lld,"
                  "'parameters':{'cutoff_percentile':50,'cutoff_value':1}}",
                  fx.region));
  assert_validation(r, "$.parameters.cutoff_value");
  http_reply_free(r);
  /* An unknown kind: its parameters are not judged by another kind's. */
  r = http_post("/api/v1/identification-runs",
                J("{'kind':'x','year':2025,'region_id':%lld,"
                  "'parameters':{'weights':{'rural':1}}}",
                  fx.region));
  assert_validation(r, "$.kind");
  assert_int_equal(json_array_size(json_object_get(r->json, "errors")), 1);
  http_reply_free(r);
}

static void test_apply(void **state) {
  (void)state;
  long long id = run(NULL); /* s0 meets */
  create_status(fx.s[1], "SHNSU", 2024);
  struct http_reply *r =
      http_post(J("/api/v1/identification-runs/%lld/apply", id),
                "{\"order_number\":\"7-п\",\"included_on\":\"2025-09-01\"}");
  assert_status(r, 200);
  const json_t *app = json_object_get(r->json, "application");
  assert_int_equal(json_array_size(json_object_get(app, "statuses")), 1);
  const json_t *exit = json_object_get(app, "proposed_exit");
  assert_int_equal(json_array_size(exit), 1);
  assert_json_int(json_array_get(exit, 0), "school_id", fx.s[1]);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM school_statuses WHERE"
                            " school_id = %lld AND category = 'SHNSU'"
                            " AND school_year = 2025",
                            fx.s[0]),
                   1);
  assert_int_equal(db_count("SELECT count(*) FROM school_statuses WHERE"
                            " category = 'SHNOR'"),
                   0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_cutoff_value_and_weights),
      cmocka_unit_test(test_recomputation),
      cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test(test_apply),
  };
  harness_start("identification_context");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
