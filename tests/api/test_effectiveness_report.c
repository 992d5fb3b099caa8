/* GET /programmes/{id}/report (docs/EFFECTIVENESS.md, "The report"): the
 * workbook read back with a real reader (tests/api/check_programme_report.py)
 * and held against the effectiveness answers of the same caller for every
 * year: the summary with its "as of" line, a sheet per year, the schools
 * behind each figure, a chart per indicator; a municipal user's report
 * holds only its schools; out of scope 404; a bad municipality 400. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct { long long region, other_region, m1, m2, a, b, programme; } fx;

static long long instrument(const char *kind, int year) {
  return db_count("INSERT INTO assessments (kind, year, grade, subject_code,"
                  " subject_name, max_primary_score, tasks) VALUES ('%s', %d,"
                  " 9, 'russian', 'Русский язык', 30, '[]') RETURNING id",
                  kind, year);
}

static void stat(long long assessment, long long school, int participants,
                 int failed, int primary_sum) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums,"
          " score_counts, journal_known, confirmed, lowered, raised)"
          " VALUES (%lld, %lld, %d, '{0,0,0,0}', %d, %d, '{}', '{}', 0, 0,"
          " 0, 0)",
          assessment, school, participants, failed, primary_sum);
}

static void setup(void) {
  fx.region = create_region("rep-r", "Владимирская область");
  fx.other_region = create_region("rep-x", "Орловская область");
  fx.m1 = create_municipality(fx.region, "rep-m1", "Ковровский район");
  fx.m2 = create_municipality(fx.region, "rep-m2", "Вязниковский район");
  fx.a = create_school(fx.m1, "rep-a", "МБОУ «Малыгинская СОШ»");
  fx.b = create_school(fx.m2, "rep-b", "МБОУ «Троицкая ООШ»");
  db_exec("INSERT INTO school_statuses (school_id, category, school_year,"
          " basis, included_on) VALUES (%lld, 'SHNOR', 2023, 'Приказ № 1',"
          " '2023-09-01'), (%lld, 'SHNSU', 2023, 'Приказ № 1', '2023-09-01'),"
          " (%lld, 'SHNOR', 2024, 'Приказ № 2', '2024-09-01')",
          fx.a, fx.b, fx.a);
  long long oge[3] = {instrument("OGE", 2023), instrument("OGE", 2024),
                      instrument("OGE", 2025)};
  stat(oge[0], fx.a, 20, 8, 300);
  stat(oge[0], fx.b, 10, 2, 180);
  stat(oge[1], fx.a, 20, 5, 320);
  stat(oge[1], fx.b, 12, 1, 230);
  stat(oge[2], fx.a, 18, 2, 340);
  fx.programme = db_count(
      "INSERT INTO programmes (title, owner_region_id, year_from, year_to)"
      " VALUES ('Региональная программа поддержки ШНОР и ШНСУ на 2023-2024"
      " годы', %lld, 2023, 2024) RETURNING id",
      fx.region);
  db_exec("INSERT INTO programme_targets (programme_id, indicator_code,"
          " baseline_year, baseline_value, targets) VALUES"
          " (%lld, 'GIA_PASSED_SHARE', 2022, 70, '{\"2023\": 80, \"2024\":"
          " 90}'), (%lld, 'IMPROVED_RESULTS', 2022, 0, '{\"2023\": 50,"
          " \"2024\": 100}')",
          fx.programme, fx.programme);
}

/* Saves the body of a GET to a file of the build tree. */
static void save(const char *path, const char *file) {
  struct http_reply *r = http_get("%s", path);
  assert_status(r, 200);
  file_write(file, r->body, r->len);
  http_reply_free(r);
}

/* The report and the answers of 2023 and 2024 for the caller in use,
 * checked against each other. */
static void check_report(const char *name, const char *query) {
  char book[64], y1[64], y2[64], command[1024];
  snprintf(book, sizeof book, "report-%s.xlsx", name);
  snprintf(y1, sizeof y1, "report-%s-2023.json", name);
  snprintf(y2, sizeof y2, "report-%s-2024.json", name);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/programmes/%lld/report%s", fx.programme,
           query);
  save(path, book);
  /* query: "" or "?municipality=N", after the year */
  const char *more = query[0] != '\0' ? query + 1 : "";
  snprintf(path, sizeof path,
           "/api/v1/programmes/%lld/effectiveness?year=2023%s%s", fx.programme,
           more[0] ? "&" : "", more);
  save(path, y1);
  snprintf(path, sizeof path,
           "/api/v1/programmes/%lld/effectiveness?year=2024%s%s", fx.programme,
           more[0] ? "&" : "", more);
  save(path, y2);
  snprintf(command, sizeof command,
           "/usr/bin/python3 %s/tests/api/check_programme_report.py %s %s %s",
           OPORA_SOURCE_DIR, book, y1, y2);
  if (system(command) != 0)
    fail_msg("the report differs from the answers (%s)", command);
}

static void test_report_of_the_region(void **state) {
  (void)state;
  struct http_reply *r =
      http_get("/api/v1/programmes/%lld/report", fx.programme);
  assert_status(r, 200);
  assert_string_equal(
      r->content_type,
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  assert_true(r->len > 4 && memcmp(r->body, "PK", 2) == 0);
  http_reply_free(r);
  check_report("region", "");
}

/* A municipal user of m2 sees its school's lines only; asked for m2. */
static void test_report_in_scope(void **state) {
  (void)state;
  const char *admin = use_token(make_token("municipal", "municipality", fx.m2));
  check_report("m2", "");
  FILE *f = fopen("report-m2-2023.json", "r");
  assert_non_null(f);
  char text[16384];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  assert_non_null(strstr(text, "rep-b"));
  assert_null(strstr(text, "rep-a")); /* the other municipality's school */
  use_token(admin);
  check_report("m1", J("?municipality=%lld", fx.m1));
}

static void test_refused(void **state) {
  (void)state;
  const char *admin = use_token(make_token("admin", "region", fx.other_region));
  struct http_reply *r =
      http_get("/api/v1/programmes/%lld/report", fx.programme);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(admin);
  r = http_get("/api/v1/programmes/%lld/report?municipality=999999",
               fx.programme);
  assert_validation(r, "query.municipality");
  http_reply_free(r);
  r = http_get("/api/v1/programmes/%lld/report?municipality=x", fx.programme);
  assert_status(r, 400);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_report_of_the_region),
      cmocka_unit_test(test_report_in_scope),
      cmocka_unit_test(test_refused),
  };
  harness_start("effectiveness-report");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
