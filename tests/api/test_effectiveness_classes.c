/* The classes' rule of a school's own programme (IMPROVED_CLASSES_SHARE,
 * rule improved_classes, docs/EFFECTIVENESS.md): classes followed from one
 * year's ВПР to the next, hand-built participants' rows, the figure
 * against what the rule says and against a plain SQL count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct {
  long long school, other, programme;
  long long work[2][2]; /* [year 2023, 2024][russian, math] */
} fx;

/* One participant's row: n-th of the class, its mark and primary score. */
static void pupil(int year, long long work, long long school,
                  const char *class_name, int n, int mark, int score) {
  db_exec("INSERT INTO assessment_results (year, assessment_id,"
          " participant_code, school_id, class_name, task_scores,"
          " primary_score, mark, import_id, import_row) VALUES (%d, %lld,"
          " '%lld-%s-%d', %lld, '%s', '{}', %d, %d, 0, 0)",
          year, work, school, class_name, n, school, class_name, score, mark);
}

/* A class's work: `pupils` pupils, the first `fails` with a "2" (score 5),
 * the others a "4" with the given score. */
static void class_work(int year, long long work, long long school,
                       const char *class_name, int pupils, int fails,
                       int score) {
  for (int i = 0; i < pupils; i++)
    pupil(year, work, school, class_name, i, i < fails ? 2 : 4,
          i < fails ? 5 : score);
}

/* The same for both subjects of the year. */
static void both(int year, long long school, const char *class_name, int pupils,
                 int fails, int score) {
  int y = year - 2023;
  class_work(year, fx.work[y][0], school, class_name, pupils, fails, score);
  class_work(year, fx.work[y][1], school, class_name, pupils, fails, score);
}

static void setup(void) {
  long long region = create_region("cl-r", "cl Регион");
  long long m = create_municipality(region, "cl-m", "cl Район");
  fx.school = create_school(m, "cl-s1", "cl МКОУ СОШ с.п. Красноармейское");
  fx.other = create_school(m, "cl-s2", "cl Соседняя школа");
  db_exec("SELECT assessment_results_partition(2023),"
          " assessment_results_partition(2024)");
  static const char *const subjects[2] = {"russian", "math"};
  for (int y = 0; y < 2; y++)
    for (int s = 0; s < 2; s++)
      fx.work[y][s] = db_count(
          "INSERT INTO assessments (kind, year, grade, subject_code,"
          " subject_name, max_primary_score, tasks) VALUES ('VPR', %d, %d,"
          " '%s', '%s', 30, '[]') RETURNING id",
          2023 + y, 5 + y, subjects[s], subjects[s]);
  /* 5А, low (4 of 10), followed as «6 а»: fewer "2", higher scores. */
  both(2023, fx.school, "5А", 10, 4, 15);
  both(2024, fx.school, "6 а", 10, 1, 20);
  /* 5Б, low (5 of 10): more "2" a year later. */
  both(2023, fx.school, "5Б", 10, 5, 15);
  both(2024, fx.school, "6-Б", 10, 6, 20);
  /* 5В, not low (1 of 10): better, but not counted. */
  both(2023, fx.school, "5В", 10, 1, 15);
  both(2024, fx.school, "6В", 10, 0, 25);
  /* 5Г, three pupils: too few to follow. */
  both(2023, fx.school, "5Г", 3, 3, 5);
  both(2024, fx.school, "6Г", 3, 0, 25);
  /* Another school's class, low and improved: not this programme's. */
  both(2023, fx.other, "5А", 10, 5, 15);
  both(2024, fx.other, "6А", 10, 0, 25);
  fx.programme = db_count(
      "INSERT INTO programmes (title, owner_school_id, year_from, year_to)"
      " VALUES ('cl Программа (концепция) развития школы', %lld, 2023,"
      " 2024) RETURNING id",
      fx.school);
  db_exec("INSERT INTO programme_targets (programme_id, indicator_code,"
          " baseline_year, baseline_value, targets) VALUES (%lld,"
          " 'IMPROVED_CLASSES_SHARE', 2022, 0, '{\"2023\": 50, \"2024\": 75}')",
          fx.programme);
}

static const json_t *target(const json_t *doc) {
  const json_t *targets = json_object_get(doc, "targets");
  assert_int_equal(json_array_size(targets), 1);
  return json_array_get(targets, 0);
}

/* 5А improved, 5Б did not: 1 of the 2 low classes; 5В and 5Г do not
 * count; the other school's class is not the programme's. */
static void test_classes_followed(void **state) {
  (void)state;
  struct http_reply *r = http_get("/api/v1/programmes/%lld/effectiveness"
                                  "?year=2023",
                                  fx.programme);
  assert_status(r, 200);
  const json_t *t = target(r->json);
  assert_json_str(json_object_get(t, "indicator"), "code",
                  "IMPROVED_CLASSES_SHARE");
  assert_json_int(t, "numerator", 1);
  assert_json_int(t, "denominator", 2);
  assert_true(json_number_value(json_object_get(t, "actual")) == 50.0);
  assert_true(json_is_true(json_object_get(t, "met")));
  const json_t *schools = json_object_get(t, "schools");
  assert_int_equal(json_array_size(schools), 1);
  assert_json_int(json_array_get(schools, 0), "id", fx.school);
  http_reply_free(r);

  /* The same count in plain SQL: per class letter (grade, spaces and
   * dashes taken off), the pooled "2" share and mean a year apart. */
  long long plain[2];
  for (int k = 0; k < 2; k++)
    plain[k] = db_count(
        "WITH w AS (SELECT r.year, upper(regexp_replace(r.class_name,"
        " '[0-9 -]', '', 'g')) AS letter, count(*) AS n, count(*) FILTER"
        " (WHERE r.mark = 2)::numeric AS f, avg(r.primary_score) AS m FROM"
        " assessment_results r WHERE r.school_id = %lld GROUP BY 1, 2),"
        " c AS (SELECT b.letter, b.f / b.n AS fb, a.f / a.n AS fa, b.m AS"
        " mb, a.m AS ma FROM w b JOIN w a ON a.letter = b.letter AND"
        " a.year = 2024 WHERE b.year = 2023 AND b.n >= 10 AND a.n >= 10)"
        " SELECT count(*) FROM c WHERE fb >= 0.3 AND (%d = 0 OR (fa < fb"
        " AND ma > mb))",
        fx.school, k);
  assert_int_equal(plain[0], 2);
  assert_int_equal(plain[1], 1);
}

/* A year whose classes are not followed (no 2025 works): not counted, and
 * the school says why. */
static void test_not_followed(void **state) {
  (void)state;
  struct http_reply *r = http_get("/api/v1/programmes/%lld/effectiveness"
                                  "?year=2024",
                                  fx.programme);
  assert_status(r, 200);
  const json_t *t = target(r->json);
  assert_json_null(t, "actual");
  const json_t *line = json_array_get(json_object_get(t, "schools"), 0);
  assert_json_str(line, "reason",
                  "нет классов, писавших те же работы два года подряд");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classes_followed),
      cmocka_unit_test(test_not_followed),
  };
  harness_start("effectiveness-classes");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
