/* Objectivity of marks (docs/OBJECTIVITY.md) over hand-made rows of
 * assessment_school_stats whose answers are known: a school lifted exactly
 * to the "3" boundary, journal marks two above, high marks with low basic
 * mastery, a sudden rise against earlier years, two rules at once, a tiny
 * group; each level and its order; thresholds as parameters; filters,
 * pages and CSV; scope; bad query parameters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Schools of region R (municipality M1 but n, in M2). */
enum {
  S_P,  /* peak: five pupils moved from score 3 to the "3" boundary, 4 */
  S_J,  /* journal marks two above for 8 of 40 */
  S_H,  /* 6 of 40 "4"s and "5"s with basic mastery under 60 % */
  S_U,  /* "2"s down from 50 % in 2023 and 2024 to 35 % */
  S_W,  /* journal gaps (20 %) and low mastery (12.5 %): two rules */
  S_N,  /* ordinary, in M2 */
  S_O1, /* S_O1 .. S_O1 + 5: ordinary */
  S_COUNT = S_O1 + 6
};
static const char *const school_codes[S_COUNT] = {
    "OBJ-P",  "OBJ-J",  "OBJ-H",  "OBJ-U",  "OBJ-W",  "OBJ-N",
    "OBJ-O1", "OBJ-O2", "OBJ-O3", "OBJ-O4", "OBJ-O5", "OBJ-O6"};

static struct {
  long long region, m1, m2;
  long long s[S_COUNT];
  long long math23, math24, math25;
  const char *admin, *municipal2, *school_p, *ingest;
} fx;

/* 40 participants per primary score 0..10 with marks 2 to 5 from 0, 4, 7
 * and 9: "2" 14, "3" 14, "4" 7, "5" 5. */
#define ORDINARY "{2,3,4,5,5,5,4,4,3,3,2}", "{14,14,7,5}", 14

/* A statistics row: the histogram, marks and "2"s, the journal (40 known,
 * `higher2` two or more above, `lower2` below) and `low` high marks with
 * low basic mastery. */
static void stat(long long assessment, long long school, int n,
                 const char *scores, const char *marks, int failed, int known,
                 int higher2, int lower2, int low) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums, score_counts,"
          " journal_known, confirmed, lowered, raised, journal_higher2,"
          " journal_lower2, high_low_mastery) VALUES (%lld, %lld, %d, '%s',"
          " %d, %d, '{%d,%d}', '%s', %d, %d, %d, %d, %d, %d, %d)",
          assessment, school, n, marks, failed, 5 * n, 2 * n, 3 * n, scores,
          known, known - higher2 - lower2, higher2, lower2, higher2, lower2,
          low);
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
  fx.region = create_region("obj-r", "Владимирская область");
  fx.m1 = create_municipality(fx.region, "obj-m1", "Округ Муром");
  fx.m2 = create_municipality(fx.region, "obj-m2", "Вязниковский район");
  for (int i = 0; i < S_COUNT; i++)
    fx.s[i] = create_school(i == S_N ? fx.m2 : fx.m1, school_codes[i],
                            school_codes[i]);
  fx.math23 = math(2023);
  fx.math24 = math(2024);
  fx.math25 = math(2025);
  stat(fx.math25, fx.s[S_P], 40, "{2,3,4,0,10,5,4,4,3,3,2}", "{9,19,7,5}", 9,
       40, 0, 0, 0);
  stat(fx.math25, fx.s[S_J], 40, ORDINARY, 40, 8, 0, 0);
  stat(fx.math25, fx.s[S_H], 40, ORDINARY, 40, 0, 0, 6);
  stat(fx.math25, fx.s[S_U], 40, ORDINARY, 40, 0, 0, 0);
  stat(fx.math25, fx.s[S_W], 40, ORDINARY, 40, 4, 4, 5);
  for (int i = S_N; i < S_COUNT; i++)
    stat(fx.math25, fx.s[i], 40, ORDINARY, 40, 0, 0, 0);
  /* U before: "2" 20 of 40, "4" and "5" 6 of 40. */
  stat(fx.math23, fx.s[S_U], 40, "{5,5,5,5,5,5,4,3,1,1,1}", "{20,14,4,2}", 20,
       40, 0, 0, 0);
  stat(fx.math24, fx.s[S_U], 40, "{5,5,5,5,5,5,4,3,1,1,1}", "{20,14,4,2}", 20,
       40, 0, 0, 0);
  fx.municipal2 = strdup(make_token("municipal", "municipality", fx.m2));
  fx.school_p = strdup(make_token("school", "school", fx.s[S_P]));
  fx.ingest = strdup(make_token("ingest", "region", fx.region));
}

/* Every item of GET path, `limit` a page. */
static json_t *all_items(const char *path_in, int limit) {
  char *path = strdup(path_in);
  json_t *all = json_array();
  char *cursor = NULL;
  do {
    struct http_reply *r =
        http_get("%s%slimit=%d%s%s", path, strchr(path, '?') ? "&" : "?", limit,
                 cursor ? "&cursor=" : "", cursor ? esc(cursor) : "");
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    assert_true(json_array_size(items) <= (size_t)limit);
    json_array_extend(all, items);
    free(cursor);
    const char *next = jstr(r->json, "next_cursor");
    cursor = next != NULL ? strdup(next) : NULL;
    http_reply_free(r);
  } while (cursor != NULL);
  free(path);
  return all;
}

/* The item of school `code` in items. */
static const json_t *item_of(const json_t *items, const char *code) {
  size_t i;
  const json_t *it;
  json_array_foreach(items, i, it) {
    if (strcmp(jstr(json_object_get(it, "school"), "code"), code) == 0)
      return it;
  }
  fail_msg("no item of %s", code);
  return NULL;
}

static const json_t *rule_of(const json_t *item, const char *rule) {
  return json_object_get(json_object_get(item, "rules"), rule);
}

/* "OBJ-W OBJ-H ...": the schools of items, in order. */
static char *codes_of(const json_t *items) {
  char *out = calloc(1, 1024);
  size_t i;
  const json_t *it;
  json_array_foreach(items, i, it) {
    if (i > 0)
      strcat(out, " ");
    strcat(out, jstr(json_object_get(it, "school"), "code"));
  }
  return out;
}

static json_t *list_2025(const char *extra) {
  return all_items(J("/api/v1/objectivity?year=2025%s", extra), 500);
}

static void assert_raised_by(const json_t *item, const char *want) {
  char got[200] = "";
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(item, "raised_by"), i, r) {
    if (i > 0)
      strcat(got, ",");
    strcat(got, json_string_value(r));
  }
  assert_string_equal(got, want);
}

/* Each level, in order: high first, then attention, then none; within
 * each by school code. */
static void test_levels_and_order(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  char *order = codes_of(items);
  assert_string_equal(order, "OBJ-W OBJ-H OBJ-J OBJ-P OBJ-U OBJ-N OBJ-O1"
                             " OBJ-O2 OBJ-O3 OBJ-O4 OBJ-O5 OBJ-O6");
  free(order);
  const json_t *w = item_of(items, "OBJ-W");
  assert_json_str(w, "level", "high");
  assert_raised_by(w, "journal_gap,high_marks_low_mastery");
  assert_json_str(w, "summary",
                  "ВПР 2025, математика, 5 класс: высокий уровень признаков "
                  "необъективности — расхождение с отметками по журналу на 2 "
                  "и более балла; высокие отметки при низком освоении "
                  "базовых заданий");
  const json_t *j = item_of(items, "OBJ-J");
  assert_json_str(j, "level", "attention");
  assert_raised_by(j, "journal_gap");
  const json_t *o = item_of(items, "OBJ-O1");
  assert_json_str(o, "level", "none");
  assert_raised_by(o, "");
  assert_json_str(o, "summary",
                  "ВПР 2025, математика, 5 класс: признаков необъективности "
                  "не выявлено");
  /* Ordinary schools: no peak (as many at 4 as at 3), no previous years. */
  assert_json_str(rule_of(o, "boundary_peak"), "outcome", "not_raised");
  assert_json_str(rule_of(o, "sudden_rise"), "outcome", "not_judged");
  json_decref(items);
}

/* P: 10 of 40 at 4, the lowest score of "3" (25 %), none at 3; the rest of
 * the region 55 of 440 (12,5 %). */
static void test_boundary_peak(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *p = item_of(items, "OBJ-P");
  assert_json_str(p, "level", "attention");
  assert_raised_by(p, "boundary_peak");
  const json_t *k = rule_of(p, "boundary_peak");
  assert_json_str(k, "outcome", "raised");
  assert_json_int(k, "mark", 3);
  assert_json_int(k, "score", 4);
  assert_true(json_real_value(json_object_get(k, "school_share")) == 25.0);
  assert_true(json_real_value(json_object_get(k, "region_share")) == 12.5);
  assert_true(json_real_value(json_object_get(k, "figure")) == 12.5);
  assert_json_str(k, "text",
                  "ВПР 2025, математика, 5 класс: первичный балл 4 (граница "
                  "отметки «3») — у 25 % участников, в других школах региона "
                  "— у 12,5 %: больше на 12,5 п. п. (порог 10 п. п.); баллом "
                  "ниже — у 0 % (участников: 40)");
  json_decref(items);
  /* A margin above the excess: not raised. */
  items = list_2025("&peak_margin=13");
  assert_json_str(item_of(items, "OBJ-P"), "level", "none");
  json_decref(items);
}

static void test_journal_gap(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *j = item_of(items, "OBJ-J");
  const json_t *g = rule_of(j, "journal_gap");
  assert_json_str(g, "outcome", "raised");
  assert_json_int(g, "threshold", 15);
  assert_json_str(g, "text",
                  "ВПР 2025, математика, 5 класс: у 20 % участников отметка "
                  "по журналу отличается от отметки за ВПР на 2 и более "
                  "балла: выше у 20 %, ниже у 0 % (порог 15 %; участников с "
                  "отметкой по журналу: 40)");
  const json_t *journal = json_object_get(j, "journal");
  assert_json_int(journal, "higher2", 8);
  assert_true(json_real_value(json_object_get(journal, "share_lowered")) ==
              20.0);
  json_decref(items);
  items = list_2025("&journal_gap_percent=25");
  assert_json_str(item_of(items, "OBJ-J"), "level", "none");
  /* W keeps its other rule. */
  assert_json_str(item_of(items, "OBJ-W"), "level", "attention");
  json_decref(items);
  /* At 10 %, J's 20 % is twice the threshold: high on one rule. */
  items = list_2025("&journal_gap_percent=10");
  const json_t *jj = item_of(items, "OBJ-J");
  assert_json_str(jj, "level", "high");
  assert_true(json_is_true(json_object_get(rule_of(jj, "journal_gap"), "far")));
  assert_non_null(strstr(jstr(jj, "summary"), ", вдвое выше порога и более"));
  json_decref(items);
}

static void test_high_marks_low_mastery(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *h = item_of(items, "OBJ-H");
  assert_raised_by(h, "high_marks_low_mastery");
  const json_t *m = rule_of(h, "high_marks_low_mastery");
  assert_json_int(m, "count", 6);
  assert_json_str(m, "text",
                  "ВПР 2025, математика, 5 класс: у 15 % участников отметка "
                  "«4» или «5» при освоении заданий базового уровня ниже 60 %"
                  " (порог 10 %; участников: 40)");
  json_decref(items);
  items = list_2025("&high_low_mastery_percent=16");
  assert_json_str(item_of(items, "OBJ-H"), "level", "none");
  json_decref(items);
}

/* U: "2" 35 % against 50 % in 2023 and 2024; "4" and "5" 30 % against
 * 15 %. */
static void test_sudden_rise(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *u = item_of(items, "OBJ-U");
  assert_json_str(u, "level", "attention");
  const json_t *s = rule_of(u, "sudden_rise");
  assert_json_str(s, "outcome", "raised");
  assert_json_str(s, "text",
                  "ВПР 2025, математика, 5 класс: доля «2» 35 % при 50 % в "
                  "среднем за 2023, 2024 гг. — ниже на 15 п. п. (порог 10 п. "
                  "п.); доля «4» и «5» 30 % при 15 % — выше на 15 п. п. "
                  "(порог 15 п. п.)");
  json_decref(items);
  /* One previous year; margins above both: not raised. */
  items = list_2025("&previous_years=1&fail_drop=16&good_rise=16");
  s = rule_of(item_of(items, "OBJ-U"), "sudden_rise");
  assert_json_str(s, "outcome", "not_raised");
  assert_non_null(strstr(jstr(s, "text"), "при 50 % в 2024 г. —"));
  json_decref(items);
}

/* A tiny group: level none, not judged; judged when the least is lower. */
static void test_tiny_group(void **state) {
  (void)state;
  use_token(fx.admin);
  long long r2 = create_region("obj-r2", "Ивановская область");
  long long m = create_municipality(r2, "obj-r2m", "Кинешемский район");
  long long t = create_school(m, "OBJ-T", "OBJ-T");
  stat(fx.math25, t, 12, "{0,1,1,1,2,2,1,1,1,1,1}", "{3,5,2,2}", 3, 12, 6, 0,
       3);
  json_t *items =
      all_items(J("/api/v1/objectivity?year=2025&municipality=%lld", m), 500);
  assert_int_equal(json_array_size(items), 1);
  const json_t *it = json_array_get(items, 0);
  assert_json_str(it, "level", "none");
  assert_true(json_is_true(json_object_get(it, "insufficient_evidence")));
  assert_json_str(it, "summary",
                  "ВПР 2025, математика, 5 класс: участников 12 — меньше 20, "
                  "признаки необъективности не оцениваются");
  assert_json_str(rule_of(it, "journal_gap"), "outcome", "not_judged");
  json_decref(items);
  items = all_items(
      J("/api/v1/objectivity?year=2025&municipality=%lld&min_participants=10",
        m),
      500);
  it = json_array_get(items, 0);
  assert_json_str(it, "level", "high");
  assert_raised_by(it, "journal_gap,high_marks_low_mastery");
  /* Alone in its region: no other schools to compare a peak with. */
  assert_json_str(rule_of(it, "boundary_peak"), "outcome", "not_judged");
  json_decref(items);
}

static void test_filters_pages_and_csv(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *all = list_2025("");
  /* Pages of 5 give the same rows in the same order. */
  json_t *paged = all_items("/api/v1/objectivity?year=2025", 5);
  char *a = codes_of(all), *b = codes_of(paged);
  assert_string_equal(a, b);
  free(a);
  free(b);
  json_decref(paged);
  json_decref(all);
  json_t *items = list_2025("&level=attention");
  char *codes = codes_of(items);
  assert_string_equal(codes, "OBJ-H OBJ-J OBJ-P OBJ-U");
  free(codes);
  json_decref(items);
  items = list_2025(J("&municipality=%lld", fx.m2));
  codes = codes_of(items);
  assert_string_equal(codes, "OBJ-N");
  free(codes);
  json_decref(items);
  /* One instrument: 2024's has U only. */
  items = all_items(J("/api/v1/objectivity?instrument=%lld", fx.math24), 500);
  codes = codes_of(items);
  assert_string_equal(codes, "OBJ-U");
  free(codes);
  json_decref(items);
  static const char *const csv[] = {"Accept: text/csv", NULL};
  struct http_reply *r =
      http_request("GET", "/api/v1/objectivity?year=2025", NULL, csv);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "Вывод"));
  assert_non_null(strstr(r->body, "OBJ-W;"));
  assert_non_null(strstr(r->body, "признаков необъективности не выявлено"));
  http_reply_free(r);
}

/* A school's instruments, newest first. */
static void test_school_route(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items =
      all_items(J("/api/v1/schools/%lld/objectivity", fx.s[S_U]), 2);
  assert_int_equal(json_array_size(items), 3);
  for (int i = 0; i < 3; i++)
    assert_json_int(
        json_object_get(json_array_get(items, (size_t)i), "assessment"), "year",
        2025 - i);
  json_decref(items);
  items =
      all_items(J("/api/v1/schools/%lld/objectivity?year=2023", fx.s[S_U]), 50);
  assert_int_equal(json_array_size(items), 1);
  /* 2023 has no earlier year. */
  assert_json_str(rule_of(json_array_get(items, 0), "sudden_rise"), "text",
                  "ВПР 2023, математика, 5 класс: нет результатов той же "
                  "работы за 2020–2022 годы с участниками не менее 20, "
                  "признак не оценивается");
  json_decref(items);
  static const char *const csv[] = {"Accept: text/csv", NULL};
  struct http_reply *r = http_request(
      "GET", J("/api/v1/schools/%lld/objectivity", fx.s[S_P]), NULL, csv);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "OBJ-P;"));
  http_reply_free(r);
}

/* Each caller sees its schools only; the peak's baseline is the region's
 * whatever the caller's scope; ingest clients do not read flags. */
static void test_scope(void **state) {
  (void)state;
  use_token(fx.municipal2);
  json_t *items = list_2025("");
  char *codes = codes_of(items);
  assert_string_equal(codes, "OBJ-N");
  free(codes);
  json_decref(items);
  struct http_reply *r =
      http_get("/api/v1/schools/%lld/objectivity", fx.s[S_P]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(fx.school_p);
  items = list_2025("");
  assert_int_equal(json_array_size(items), 1);
  const json_t *k = rule_of(json_array_get(items, 0), "boundary_peak");
  assert_true(json_real_value(json_object_get(k, "region_share")) == 12.5);
  json_decref(items);
  r = http_get("/api/v1/schools/%lld/objectivity", fx.s[S_J]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(fx.ingest);
  r = http_get("/api/v1/objectivity?year=2025");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/objectivity", fx.s[S_P]);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
}

static void test_bad_queries(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r =
      http_get("/api/v1/objectivity?year=1999&level=severe&instrument=x"
               "&journal_gap_percent=0&peak_margin=101&previous_years=9"
               "&min_participants=-1&fail_drop=a&good_rise=0"
               "&high_low_mastery_percent=200&colour=red");
  assert_problem(r, 400, "validation_failed");
  assert_error_count(r, 11);
  assert_error_path(r, "query.year");
  assert_error_path(r, "query.level");
  assert_error_path(r, "query.instrument");
  assert_error_path(r, "query.journal_gap_percent");
  assert_error_path(r, "query.peak_margin");
  assert_error_path(r, "query.previous_years");
  assert_error_path(r, "query.min_participants");
  assert_error_path(r, "query.fail_drop");
  assert_error_path(r, "query.good_rise");
  assert_error_path(r, "query.high_low_mastery_percent");
  assert_error_path(r, "query.colour");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/objectivity?year=0&level=high", fx.s[S_P]);
  assert_problem(r, 400, "validation_failed");
  assert_error_count(r, 2);
  assert_error_path(r, "query.year");
  assert_error_path(r, "query.level");
  http_reply_free(r);
  r = http_get("/api/v1/schools/0/objectivity");
  assert_validation(r, "path.id");
  http_reply_free(r);
  r = http_get("/api/v1/objectivity?cursor=bogus");
  assert_validation(r, "query.cursor");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels_and_order),
      cmocka_unit_test(test_boundary_peak),
      cmocka_unit_test(test_journal_gap),
      cmocka_unit_test(test_high_marks_low_mastery),
      cmocka_unit_test(test_sudden_rise),
      cmocka_unit_test(test_tiny_group),
      cmocka_unit_test(test_filters_pages_and_csv),
      cmocka_unit_test(test_school_route),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_bad_queries),
  };
  harness_start("objectivity");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
