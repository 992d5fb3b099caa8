/* /api/v1/indicators: the catalogue, computed indicators' formulas and the
 * aggregates of official values (docs/MONITORING.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define INDICATORS "/api/v1/indicators"

static size_t items_count(const struct http_reply *r) {
  return json_array_size(json_object_get(r->json, "items"));
}

static void expect_count(const char *path, size_t n) {
  struct http_reply *r = http_get("%s", path);
  assert_status(r, 200);
  if (items_count(r) != n)
    fail_msg("%s: %zu items, expected %zu", path, items_count(r), n);
  http_reply_free(r);
}

static void test_catalogue(void **state) {
  (void)state;
  /* Pages of ten, by code. */
  struct http_reply *r = http_get(INDICATORS "?limit=10");
  assert_status(r, 200);
  assert_json_str(json_array_get(json_object_get(r->json, "items"), 0), "code",
                  "ADDITIONAL_EDUCATION_DYNAMICS_SHARE");
  size_t total = items_count(r);
  while (jstr(r->json, "next_cursor") != NULL) {
    char *next = strdup(jstr(r->json, "next_cursor"));
    http_reply_free(r);
    r = http_get(INDICATORS "?limit=10&cursor=%s", esc(next));
    free(next);
    assert_status(r, 200);
    total += items_count(r);
  }
  assert_int_equal(total, 35); /* 27 of the reference, 8 more rules */
  assert_json_str(
      json_array_get(json_object_get(r->json, "items"), items_count(r) - 1),
      "code", "TRUANCY_SHARE");
  http_reply_free(r);
  expect_count(INDICATORS "?value_type=boolean", 4);
  expect_count(INDICATORS "?value_type=url", 3);
  expect_count(INDICATORS "?periodicity=half_year", 1);
  expect_count(INDICATORS "?computed=false&limit=500", 25);
  /* The programme indicators computed by a rule (docs/EFFECTIVENESS.md). */
  expect_count(INDICATORS "?computed=true", 10);
  expect_count(INDICATORS "?active=false", 0);

  r = http_get(INDICATORS "/TEACHERS_TOTAL");
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  assert_json_str(r->json, "name", "Численность педагогических работников");
  assert_json_str(r->json, "value_type", "integer");
  assert_json_str(r->json, "periodicity", "school_year");
  assert_json_str(r->json, "deadline", "10-01");
  assert_json_str(r->json, "form", "form");
  assert_json_null(r->json, "formula");
  assert_int_equal(json_array_size(json_object_get(r->json, "inputs")), 0);
  http_reply_free(r);
  /* A code longer than 23 characters. */
  r = http_get(INDICATORS "/TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE");
  assert_status(r, 200);
  assert_json_str(r->json, "value_type", "percent");
  http_reply_free(r);
  r = http_get(INDICATORS "/NO_SUCH_INDICATOR");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get(INDICATORS "?value_type=float&computed=maybe");
  assert_validation(r, "query.value_type", "query.computed");
  http_reply_free(r);
  r = http_request("GET", INDICATORS "?value_type=url", NULL,
                   (const char *[]){"Accept: text/csv", NULL});
  assert_status(r, 200);
  assert_non_null(strstr(r->content_type, "text/csv"));
  assert_non_null(strstr(r->body, "ROADMAP_URL"));
  http_reply_free(r);
}

#define FIRST_CATEGORY_COUNT                                                                                          \
  "{\"code\":\"TEACHERS_FIRST_CATEGORY_COUNT\",\"name\":\"Численность "                                    \
  "педагогов первой квалификационной категории\",\"value_type\":\"integer\"," \
  "\"periodicity\":\"school_year\",\"deadline\":\"10-01\",\"polarity\":"                                              \
  "\"higher\",\"unit\":\"чел.\",\"min_value\":0}"

static void test_create(void **state) {
  (void)state;
  struct http_reply *r = http_post(INDICATORS, FIRST_CATEGORY_COUNT);
  assert_status(r, 201);
  assert_string_equal(r->location, INDICATORS "/TEACHERS_FIRST_CATEGORY_COUNT");
  assert_string_equal(r->etag, "\"1\"");
  assert_json_str(r->json, "form", "form");
  assert_json_int(r->json, "min_value", 0);
  assert_json_null(r->json, "max_value");
  assert_json_str(r->json, "unit", "чел.");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'indicator' AND action = 'create'"),
                   1);
  r = http_post(INDICATORS, FIRST_CATEGORY_COUNT);
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);

  char *before = db_fingerprint();
  r = http_post(INDICATORS, "{\"code\":\"teachers\",\"name\":\"\","
                            "\"value_type\":\"float\",\"periodicity\":"
                            "\"month\",\"deadline\":\"13-01\",\"polarity\":"
                            "\"up\",\"form\":\"paper\",\"min_value\":\"0\","
                            "\"inputs\":[\"A\"]}");
  assert_validation(r, "$.code", "$.name", "$.value_type", "$.periodicity",
                    "$.deadline", "$.polarity", "$.form", "$.min_value",
                    "$.inputs");
  http_reply_free(r);
  r = http_post(INDICATORS,
                "{\"code\":\"X_SHARE\",\"name\":\"Доля\",\"value_type\":"
                "\"percent\",\"periodicity\":\"year\",\"min_value\":-1,"
                "\"max_value\":100.5}");
  assert_validation(r, "$.min_value", "$.max_value");
  http_reply_free(r);
  r = http_post(INDICATORS, "{\"code\":\"X_COUNT\",\"name\":\"Число\","
                            "\"value_type\":\"number\",\"periodicity\":"
                            "\"quarter\",\"min_value\":10,\"max_value\":2.5}");
  assert_validation(r, "$.max_value");
  http_reply_free(r);
  r = http_post(INDICATORS, "{\"code\":\"X\",\"name\":\"Один символ\","
                            "\"value_type\":\"number\",\"periodicity\":"
                            "\"quarter\",\"deadline\":\"1-10\"}");
  assert_validation(r, "$.code", "$.deadline");
  http_reply_free(r);
  check_bad_bodies(
      "POST", INDICATORS, NULL,
      "{\"code\":\"X_VALID\",\"name\":\"Показатель\","
      "\"value_type\":\"integer\",\"periodicity\":\"year\"}",
      ((const char *[]){"code", "name", "value_type", "periodicity", NULL}));
  assert_db_unchanged(before);
}

#define SHARE_BODY(code, type, formula)                                                                          \
  "{\"code\":\"" code "\",\"name\":\"Доля педагогов первой квалификационной " \
  "категории (расчёт)\",\"value_type\":\"" type "\",\"periodicity\":"                                            \
  "\"school_year\",\"formula\":\"" formula "\"}"

/* A 422 invalid_formula naming the formula with this message and
 * position. */
static void expect_formula_error(struct http_reply *r, const char *message,
                                 long long position) {
  assert_problem(r, 422, "invalid_formula");
  json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
  assert_json_str(e, "path", "$.formula");
  assert_json_str(e, "message", message);
  assert_json_int(e, "position", position);
  http_reply_free(r);
}

static void test_formulas(void **state) {
  (void)state;
  struct http_reply *r = http_post(
      INDICATORS,
      SHARE_BODY("TEACHERS_FIRST_CATEGORY_SHARE_CALC", "percent",
                 "100 * TEACHERS_FIRST_CATEGORY_COUNT / TEACHERS_TOTAL"));
  assert_status(r, 201);
  assert_json_str(r->json, "form", "computed");
  assert_json_str(r->json, "formula",
                  "100 * TEACHERS_FIRST_CATEGORY_COUNT / TEACHERS_TOTAL");
  json_t *inputs = json_object_get(r->json, "inputs");
  assert_int_equal(json_array_size(inputs), 2);
  assert_string_equal(json_string_value(json_array_get(inputs, 0)),
                      "TEACHERS_FIRST_CATEGORY_COUNT");
  assert_string_equal(json_string_value(json_array_get(inputs, 1)),
                      "TEACHERS_TOTAL");
  http_reply_free(r);
  expect_count(INDICATORS "?computed=true", 11);

  char *before = db_fingerprint();
  expect_formula_error(http_post(INDICATORS, SHARE_BODY("X_CALC", "percent",
                                                        "100 * (TEACHERS_"
                                                        "TOTAL")),
                       "missing ')'", 22);
  expect_formula_error(
      http_post(INDICATORS,
                SHARE_BODY("X_CALC", "percent", "100 * TEACHERS_TOTAL)")),
      "unexpected ')'", 21);
  expect_formula_error(
      http_post(INDICATORS, SHARE_BODY("X_CALC", "number", "«TEACHERS_TOTAL»")),
      "unknown character '«'", 1);
  expect_formula_error(http_post(INDICATORS, SHARE_BODY("X_CALC", "number",
                                                        "TEACHERS_TOTAL + ")),
                       "expected a number, a code or '('", 18);
  expect_formula_error(
      http_post(INDICATORS, SHARE_BODY("X_CALC", "number",
                                       "TEACHERS_TOTAL - NO_SUCH_INDICATOR")),
      "no indicator has code NO_SUCH_INDICATOR", 18);
  expect_formula_error(
      http_post(INDICATORS,
                SHARE_BODY("X_CALC", "number",
                           "TEACHERS_TOTAL * 2 + ROADMAP_URL + ROADMAP_URL")),
      "ROADMAP_URL is a url indicator: a formula takes numbers (percent, "
      "number, integer)",
      22);
  expect_formula_error(
      http_post(INDICATORS,
                SHARE_BODY("X_CALC", "number", "RISK_GROUP_SYSTEM * 100")),
      "RISK_GROUP_SYSTEM is a boolean indicator: a formula takes numbers "
      "(percent, number, integer)",
      1);
  expect_formula_error(
      http_post(INDICATORS, SHARE_BODY("X_CALC", "number", "X_CALC + 1")),
      "the formula uses its own indicator: X_CALC -> X_CALC", 1);
  /* A computed indicator is a number or a percent. */
  r = http_post(INDICATORS, SHARE_BODY("X_CALC", "integer", "2 * 2"));
  assert_validation(r, "$.value_type");
  http_reply_free(r);
  r = http_post(INDICATORS, SHARE_BODY("X_CALC", "text", "2 * 2"));
  assert_validation(r, "$.value_type");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* An inactive input. */
  db_exec("INSERT INTO indicators (code, name, value_type, periodicity, form,"
          " active) VALUES ('OLD_COUNT', 'Устаревший', 'integer',"
          " 'school_year', 'form', false)");
  expect_formula_error(
      http_post(INDICATORS, SHARE_BODY("X_CALC", "number", "1 + OLD_COUNT")),
      "OLD_COUNT is not active", 5);

  /* Cycles through other computed indicators. */
  r = http_post(INDICATORS,
                SHARE_BODY("A_CALC", "number", "TEACHERS_TOTAL + 1"));
  assert_status(r, 201);
  http_reply_free(r);
  r = http_post(INDICATORS, SHARE_BODY("B_CALC", "number", "A_CALC * 2"));
  assert_status(r, 201);
  http_reply_free(r);
  r = http_post(INDICATORS, SHARE_BODY("C_CALC", "number", "B_CALC - A_CALC"));
  assert_status(r, 201);
  http_reply_free(r);
  before = db_fingerprint();
  expect_formula_error(
      http_patch(INDICATORS "/A_CALC", "\"1\"", "{\"formula\":\"B_CALC / 2\"}"),
      "the formula makes a cycle: A_CALC -> B_CALC -> A_CALC", 1);
  expect_formula_error(http_patch(INDICATORS "/A_CALC", "\"1\"",
                                  "{\"formula\":\"1 + (C_CALC)\"}"),
                       "the formula makes a cycle: A_CALC -> C_CALC -> B_CALC "
                       "-> A_CALC",
                       6);
  assert_db_unchanged(before);
  /* The same formula on an unrelated indicator is fine. */
  r = http_patch(INDICATORS "/A_CALC", "\"1\"",
                 "{\"formula\":\"TEACHERS_TOTAL - TEACHERS_TOTAL_X\"}");
  expect_formula_error(r, "no indicator has code TEACHERS_TOTAL_X", 18);
  r = http_patch(INDICATORS "/A_CALC", "\"1\"",
                 "{\"formula\":\"TEACHERS_YOUNG_SHARE / 100\"}");
  assert_status(r, 200);
  assert_string_equal(
      json_string_value(json_array_get(json_object_get(r->json, "inputs"), 0)),
      "TEACHERS_YOUNG_SHARE");
  http_reply_free(r);
}

static void test_update(void **state) {
  (void)state;
  const char *path = INDICATORS "/TEACHERS_FIRST_CATEGORY_COUNT";
  struct http_reply *r =
      http_patch(path, "\"1\"",
                 "{\"description\":\"на 1 сентября\",\"max_value\":500,"
                 "\"deadline\":null}");
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_str(r->json, "description", "на 1 сентября");
  assert_json_int(r->json, "max_value", 500);
  assert_json_null(r->json, "deadline");
  assert_json_str(r->json, "value_type", "integer");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'indicator' AND action = 'update'"),
                   2); /* with A_CALC's */
  char *before = db_fingerprint();
  r = http_patch(path, "\"2\"", "{\"code\":\"OTHER\",\"inputs\":[]}");
  assert_validation(r, "$.code", "$.inputs");
  http_reply_free(r);
  /* Against the stored row: min 0 > max -1; a formula on an integer. */
  r = http_patch(path, "\"2\"", "{\"max_value\":-1}");
  assert_validation(r, "$.max_value");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", "{\"formula\":\"2 * 2\"}");
  assert_validation(r, "$.value_type");
  http_reply_free(r);
  r = http_patch(INDICATORS "/TEACHERS_FIRST_CATEGORY_SHARE_CALC", "\"1\"",
                 "{\"value_type\":\"boolean\"}");
  assert_validation(r, "$.value_type");
  http_reply_free(r);
  r = http_patch(INDICATORS "/TEACHERS_YOUNG_SHARE", "\"1\"",
                 "{\"max_value\":120}");
  assert_validation(r, "$.min_value");
  http_reply_free(r);
  check_if_match("PATCH", path, "{\"name\":\"x\"}");
  r = http_patch(INDICATORS "/NO_SUCH_INDICATOR", "\"1\"",
                 "{\"formula\":\"1 + 1\"}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);
  /* A formula removed: no inputs, still computed in form. */
  r = http_patch(INDICATORS "/C_CALC", "\"1\"", "{\"formula\":null}");
  assert_status(r, 200);
  assert_json_null(r->json, "formula");
  assert_int_equal(json_array_size(json_object_get(r->json, "inputs")), 0);
  http_reply_free(r);
}

/* A rule-computed indicator keeps its form, its type and no formula: each
 * change is a 400 naming its field, and nothing is written. Its name and
 * the like change as any indicator's. */
static void test_rule_indicator_kept(void **state) {
  (void)state;
  const char *path = INDICATORS "/GIA_PASSED_SHARE";
  char *etag = etag_of(path);
  char *before = db_fingerprint();
  struct http_reply *r = http_patch(path, etag, "{\"form\":\"form\"}");
  assert_validation(r, "$.form");
  http_reply_free(r);
  r = http_patch(path, etag, "{\"value_type\":\"number\"}");
  assert_validation(r, "$.value_type");
  http_reply_free(r);
  r = http_patch(path, etag, "{\"formula\":\"100 * TEACHERS_TOTAL\"}");
  assert_validation(r, "$.formula");
  http_reply_free(r);
  char *other = etag_of(INDICATORS "/TEACHERS_TOTAL");
  r = http_patch(INDICATORS "/TEACHERS_TOTAL", other, "{\"form\":\"rule\"}");
  assert_validation(r, "$.form");
  http_reply_free(r);
  free(other);
  assert_db_unchanged(before);
  r = http_patch(path, etag, "{\"description\":\"по итогам ГИА-9 и ГИА-11\"}");
  assert_status(r, 200);
  assert_json_str(r->json, "form", "rule");
  assert_json_str(r->json, "rule", "gia_passed");
  http_reply_free(r);
  free(etag);
}

/* An indicator that a formula uses stays numeric. */
static void test_formula_inputs_kept(void **state) {
  (void)state;
  const char *path = INDICATORS "/TEACHERS_TOTAL";
  char *etag = etag_of(path);
  char *before = db_fingerprint();
  struct http_reply *r = http_patch(path, etag, "{\"value_type\":\"text\"}");
  assert_problem(r, 422, "invalid_formula");
  assert_error_path(r, "$.value_type");
  assert_non_null(
      strstr(jstr(r->json, "detail"), "TEACHERS_FIRST_CATEGORY_SHARE_CALC"));
  http_reply_free(r);
  r = http_patch(path, etag, "{\"value_type\":\"boolean\"}");
  assert_problem(r, 422, "invalid_formula");
  http_reply_free(r);
  assert_db_unchanged(before);
  /* Another numeric type, or any other field, is fine. */
  r = http_patch(path, etag, "{\"value_type\":\"number\"}");
  assert_status(r, 200);
  http_reply_free(r);
  free(etag);
}

static void test_non_admins(void **state) {
  (void)state;
  struct territory t = kovrov();
  const char *tokens[] = {
      make_token("admin", "region", t.region_id),
      make_token("municipal", "municipality", t.municipality_id),
      make_token("reader", "region", t.region_id),
  };
  const char *admin = use_token(NULL);
  for (int i = 0; i < 3; i++) {
    use_token(tokens[i]);
    char *before = db_fingerprint();
    struct http_reply *r =
        http_post(INDICATORS, SHARE_BODY("Y_CALC", "number", "1"));
    if (i == 0)
      assert_status(r, 201);
    else
      assert_problem(r, 403, "forbidden");
    http_reply_free(r);
    if (i > 0) {
      r = http_patch(INDICATORS "/TEACHERS_TOTAL", "\"1\"",
                     "{\"name\":\"Педагоги\"}");
      assert_problem(r, 403, "forbidden");
      http_reply_free(r);
      assert_db_unchanged(before);
    } else {
      free(before);
    }
    r = http_get(INDICATORS "/TEACHERS_TOTAL");
    assert_status(r, 200);
    http_reply_free(r);
  }
  use_token(admin);
}

/* Schools: s1, s2 in Kovrov, s3 in another municipality of the region, s4
 * in another region. */
static long long s[4];

static void value(int school, const char *code, const char *period,
                  const char *json) {
  db_exec("INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES (%lld, '%s', '%s', '%s',"
          " 'submission', nextval('indicator_change_seq'))",
          s[school], code, period, json);
}

static const json_t *group(const struct http_reply *r, size_t i) {
  return json_array_get(json_object_get(r->json, "groups"), i);
}

static double jnum(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  if (!json_is_number(v))
    fail_msg("%s is not a number", key);
  return json_number_value(v);
}

static void expect_stats(const json_t *g, long long schools, long long reported,
                         double mean, double median, double min, double max) {
  assert_json_int(g, "schools", schools);
  assert_json_int(g, "reported", reported);
  assert_true(fabs(jnum(g, "mean") - mean) < 1e-9);
  assert_true(fabs(jnum(g, "median") - median) < 1e-9);
  assert_true(fabs(jnum(g, "min") - min) < 1e-9);
  assert_true(fabs(jnum(g, "max") - max) < 1e-9);
  assert_json_null(g, "share_true");
}

#define AGG INDICATORS "/TEACHERS_YOUNG_SHARE/aggregate?period=2023%%2F24"

static void test_aggregate(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long muromtsevo =
      create_municipality(t.region_id, uniq("m"), "Судогодский район");
  long long orel = create_region("57", "Орловская область");
  long long orel_m = create_municipality(orel, uniq("m"), "Орловский округ");
  s[0] = create_school(t.municipality_id, NULL, "МБОУ СОШ № 1");
  s[1] = create_school(t.municipality_id, NULL, "МБОУ СОШ № 2");
  s[2] = create_school(muromtsevo, NULL, "МБОУ Муромцевская СОШ");
  s[3] = create_school(orel_m, NULL, "МБОУ Образцовская СОШ");
  value(0, "TEACHERS_YOUNG_SHARE", "2023/24", "20");
  value(1, "TEACHERS_YOUNG_SHARE", "2023/24", "30");
  value(2, "TEACHERS_YOUNG_SHARE", "2023/24", "50");
  value(3, "TEACHERS_YOUNG_SHARE", "2023/24", "90");
  value(0, "TEACHERS_YOUNG_SHARE", "2022/23", "99");
  value(0, "FEDERAL_PROJECTS_PARTICIPATION", "2023/24", "true");
  value(1, "FEDERAL_PROJECTS_PARTICIPATION", "2023/24", "false");
  value(2, "FEDERAL_PROJECTS_PARTICIPATION", "2023/24", "true");
  value(0, "ASSESSMENT_RESULTS_REPORT", "2023/24", "\"справка\"");

  struct http_reply *r = http_get(AGG "&group_by=region");
  assert_status(r, 200);
  assert_json_str(r->json, "indicator", "TEACHERS_YOUNG_SHARE");
  assert_json_str(r->json, "period", "2023/24");
  assert_json_str(r->json, "group_by", "region");
  assert_int_equal(json_array_size(json_object_get(r->json, "groups")), 2);
  /* By name: Владимирская, Орловская. */
  assert_json_int(group(r, 0), "id", t.region_id);
  expect_stats(group(r, 0), 3, 3, 100.0 / 3, 30, 20, 50);
  assert_json_int(group(r, 1), "id", orel);
  assert_json_str(group(r, 1), "name", "Орловская область");
  expect_stats(group(r, 1), 1, 1, 90, 90, 90, 90);
  http_reply_free(r);

  r = http_get(AGG);
  assert_status(r, 200);
  assert_json_str(r->json, "group_by", "municipality");
  assert_int_equal(json_array_size(json_object_get(r->json, "groups")), 3);
  http_reply_free(r);

  /* A municipal user sees its municipality's schools only. */
  const char *admin =
      use_token(make_token("municipal", "municipality", t.municipality_id));
  r = http_get(AGG "&group_by=region");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "groups")), 1);
  expect_stats(group(r, 0), 2, 2, 25, 25, 20, 30);
  http_reply_free(r);
  r = http_get(INDICATORS "/FEDERAL_PROJECTS_PARTICIPATION/aggregate"
                          "?period=2023%%2F24&group_by=municipality");
  assert_status(r, 200);
  assert_json_int(group(r, 0), "id", t.municipality_id);
  assert_json_int(group(r, 0), "reported", 2);
  assert_true(fabs(jnum(group(r, 0), "share_true") - 0.5) < 1e-9);
  assert_json_null(group(r, 0), "mean");
  http_reply_free(r);
  r = http_get(INDICATORS "/ASSESSMENT_RESULTS_REPORT/aggregate"
                          "?period=2023%%2F24");
  assert_status(r, 200);
  assert_json_int(group(r, 0), "reported", 1);
  assert_json_int(group(r, 0), "schools", 2);
  assert_json_null(group(r, 0), "mean");
  assert_json_null(group(r, 0), "share_true");
  http_reply_free(r);
  use_token(admin);

  /* By the open statuses of the period's school year. */
  create_status(s[0], "SHNOR", 2023);
  create_status(s[3], "SHNOR", 2024);
  r = http_get(AGG "&group_by=category");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "groups")), 2);
  assert_json_str(group(r, 0), "id", "SHNOR");
  assert_json_str(group(r, 0), "name", "ШНОР");
  expect_stats(group(r, 0), 1, 1, 20, 20, 20, 20);
  assert_json_str(group(r, 1), "id", "none");
  expect_stats(group(r, 1), 3, 3, 170.0 / 3, 50, 30, 90);
  http_reply_free(r);
  /* No values for the period: counted schools, nothing reported. */
  r = http_get(INDICATORS
               "/TEACHERS_YOUNG_SHARE/aggregate?period=2024-H1&group_by="
               "category");
  assert_status(r, 200);
  assert_json_int(group(r, 0), "schools", 1);
  assert_json_int(group(r, 0), "reported", 0);
  assert_json_null(group(r, 0), "mean");
  http_reply_free(r);

  r = http_request("GET",
                   INDICATORS "/TEACHERS_YOUNG_SHARE/aggregate?period=2023%2F24"
                              "&group_by=region",
                   NULL, (const char *[]){"Accept: text/csv", NULL});
  assert_status(r, 200);
  assert_non_null(strstr(r->content_type, "text/csv"));
  assert_non_null(strstr(r->body, "Орловская область"));
  http_reply_free(r);

  r = http_get(INDICATORS "/NO_SUCH_INDICATOR/aggregate?period=2023");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get(INDICATORS "/TEACHERS_YOUNG_SHARE/aggregate");
  assert_validation(r, "query.period");
  http_reply_free(r);
  r = http_get(INDICATORS "/TEACHERS_YOUNG_SHARE/aggregate?period=2023%%2F25");
  assert_validation(r, "query.period");
  http_reply_free(r);
  r = http_get(INDICATORS "/TEACHERS_YOUNG_SHARE/aggregate?period=2024-Q5"
                          "&group_by=school");
  assert_validation(r, "query.period", "query.group_by");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_catalogue),
      cmocka_unit_test(test_create),
      cmocka_unit_test(test_formulas),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_formula_inputs_kept),
      cmocka_unit_test(test_rule_indicator_kept),
      cmocka_unit_test(test_non_admins),
      cmocka_unit_test(test_aggregate),
  };
  harness_start("indicators");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
