/* Lists as Excel workbooks (openapi.yaml, "Tables"): with Accept: the XLSX
 * media type, a list answers a workbook of the same columns and rows as its
 * CSV, read back here with a real reader (tests/api/check_xlsx.py, openpyxl
 * under /usr/bin/python3): the header, the frozen pane, the filter, the
 * widths, and every cell's type and value against the CSV of the list. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"

#define XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static struct { long long municipality, school, roadmap; } fx;

static void setup(void) {
  fx.municipality =
      create_municipality(kovrov().region_id, "33-xlsx", "Ковровский район");
  fx.school = create_school(fx.municipality, "xlsx-1",
                            "МБОУ «СОШ № 10»; филиал в Малыгино");
  create_school(fx.municipality, "xlsx-2", "=HYPERLINK(1)");
  create_school(fx.municipality, "xlsx-3", "-2+3");
  db_exec("UPDATE schools SET students_count = 384, teachers_count = 35,"
          " address = 'пос. Малыгино,\n ул. Школьная, д. 1' WHERE id = %lld",
          fx.school);
  db_exec("BEGIN; SELECT indicator_values_lock();"
          " INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES"
          " (%lld, 'TEACHERS_TOTAL', '2023/24', '35', 'submission',"
          "  nextval('indicator_change_seq')),"
          " (%lld, 'TEACHERS_YOUNG_SHARE', '2023/24', '12.5', 'submission',"
          "  nextval('indicator_change_seq')),"
          " (%lld, 'GRADUATE_JOB_AGREEMENTS', '2023/24', 'true', 'submission',"
          "  nextval('indicator_change_seq')),"
          " (%lld, 'ASSESSMENT_RESULTS_REPORT', '2023/24', '\"-5 баллов\"',"
          "  'submission', nextval('indicator_change_seq')); COMMIT",
          fx.school, fx.school, fx.school, fx.school);
  fx.roadmap = db_count(
      "INSERT INTO roadmaps (owner_school_id, kind, title, period_from,"
      " period_to) VALUES (%lld, 'school_roadmap', 'План мероприятий"
      " («Дорожная карта») по повышению качества образования',"
      " '2023-09-01', '2024-08-31') RETURNING id",
      fx.school);
}

/* Writes a reply's body to a file of the build tree; returns its path. */
static char *saved(const struct http_reply *r, const char *name) {
  char *path = malloc(256);
  snprintf(path, 256, "xlsx-%s", name);
  file_write(path, r->body, r->len);
  return path;
}

static char *fetched(const char *path, const char *accept, const char *name) {
  const char *h[] = {accept, NULL};
  struct http_reply *r = http_request("GET", path, NULL, h);
  assert_status(r, 200);
  char *file = saved(r, name);
  http_reply_free(r);
  return file;
}

/* The list at path as a workbook, checked against its two CSVs; numeric:
 * the keys of the columns that must hold numbers. */
static void check_list(const char *path, const char *name,
                       const char *numeric) {
  const char *h[] = {"Accept: " XLSX, NULL};
  struct http_reply *r = http_request("GET", path, NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->content_type, XLSX);
  const char *disposition = NULL;
  for (size_t i = 0; i < r->n_headers; i++)
    if (strcasecmp(r->names[i], "Content-Disposition") == 0)
      disposition = r->values[i];
  assert_non_null(disposition);
  assert_non_null(strstr(disposition, ".xlsx\""));
  assert_true(r->len > 4 && memcmp(r->body, "PK", 2) == 0); /* a zip */
  char book_name[64], human_name[64], keys_name[64];
  snprintf(book_name, sizeof book_name, "%s.xlsx", name);
  snprintf(human_name, sizeof human_name, "%s.csv", name);
  snprintf(keys_name, sizeof keys_name, "%s-keys.csv", name);
  char *book = saved(r, book_name);
  http_reply_free(r);
  char *human = fetched(path, "Accept: text/csv", human_name);
  char *keys = fetched(path, "Accept: text/csv; columns=keys", keys_name);
  char command[2048];
  snprintf(command, sizeof command,
           "/usr/bin/python3 %s/tests/api/check_xlsx.py %s %s %s '%s'",
           OPORA_SOURCE_DIR, book, human, keys, numeric);
  int status = system(command);
  if (status != 0)
    fail_msg("%s: the workbook differs from the CSV (%s)", path, command);
  free(book);
  free(human);
  free(keys);
}

static void test_schools(void **state) {
  (void)state;
  check_list(J("/api/v1/schools?municipality=%lld", fx.municipality), "schools",
             "id,municipality_id,municipality.region_id,students_count,"
             "students_disabled_count,teachers_count,version");
}

/* Values typed by the value: numbers, a boolean, a text that looks like a
 * formula. */
static void test_indicator_values(void **state) {
  (void)state;
  check_list(J("/api/v1/indicator-values?school=%lld", fx.school),
             "indicator-values",
             "id,school.id,school.municipality_id,change_no");
}

/* Dates and counts. */
static void test_roadmaps(void **state) {
  (void)state;
  check_list(J("/api/v1/roadmaps?owner_school=%lld", fx.school), "roadmaps",
             "id,owner.id,revision,items_count,done_count,overdue_count,"
             "version");
}

/* An empty list: the header row alone, still frozen and filtered. */
static void test_empty(void **state) {
  (void)state;
  check_list("/api/v1/schools?q=nothing-like-it", "schools-empty", "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_schools),
      cmocka_unit_test(test_indicator_values),
      cmocka_unit_test(test_roadmaps),
      cmocka_unit_test(test_empty),
  };
  harness_start("xlsx");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
