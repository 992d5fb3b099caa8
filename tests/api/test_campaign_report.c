/* GET /api/v1/monitoring/campaigns/{id}/report (docs/MONITORING.md, «Отчёт
 * кампании»): the workbook is read back with a real reader
 * (tests/api/check_campaign_report.py, openpyxl under /usr/bin/python3) and
 * held against the answers of the campaign, completeness and submissions
 * endpoints for the same caller. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "harness.h"

#define XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static struct {
  long long region, m1, m2, campaign;
  long long a1, a2, a3, b1, b2;
} fx;

static const char *const codes[] = {
    "TEACHERS_TOTAL", "TEACHERS_FIRST_CATEGORY_SHARE",
    "GRADUATE_JOB_AGREEMENTS", "DEVELOPMENT_PROGRAM_URL",
    "ASSESSMENT_RESULTS_REPORT"};
#define N_CODES (sizeof codes / sizeof codes[0])

/* A submission of school in state, submitted `at` days after the deadline
 * (SQL, NULL: never), with values (SQL rows of code and jsonb). */
static void submission(long long school, const char *state, const char *at,
                       bool late, const char *values) {
  char when[128] = "NULL";
  if (at != NULL)
    snprintf(when, sizeof when, "(deadline + %s)::timestamp AT TIME ZONE 'UTC'",
             at);
  long long id =
      db_count("INSERT INTO submissions (campaign_id, school_id, state, late,"
               " submitted_at) SELECT id, %lld, '%s', %s, %s FROM campaigns"
               " WHERE id = %lld RETURNING id",
               school, state, late ? "true" : "false", when, fx.campaign);
  db_exec("INSERT INTO submission_values (submission_id, indicator_code,"
          " value) SELECT %lld, v.code, v.value::jsonb FROM (VALUES %s)"
          " AS v(code, value)",
          id, values);
}

/* Two municipalities of the region: A (three schools), B (two); an open
 * regional campaign, due five days ago: A1 accepted in time, A2 submitted
 * two days late, A3 not started, B1 a draft, B2 returned. */
static void setup(void) {
  struct territory t = kovrov();
  fx.region = t.region_id;
  fx.m1 = create_municipality(t.region_id, "33-rep-a", "Город Ковров (отчёт)");
  fx.m2 = create_municipality(t.region_id, "33-rep-b", "Округ Муром (отчёт)");
  fx.a1 = create_school(fx.m1, "rep-a1", "МБОУ СОШ № 1 г. Ковров");
  fx.a2 = create_school(fx.m1, "rep-a2", "МБОУ СОШ № 2 г. Ковров");
  fx.a3 = create_school(fx.m1, "rep-a3", "=HYPERLINK(3)");
  fx.b1 = create_school(fx.m2, "rep-b1", "МБОУ СОШ № 1 г. Муром");
  fx.b2 = create_school(fx.m2, "rep-b2", "МБОУ СОШ № 2 г. Муром");
  fx.campaign = db_count(
      "INSERT INTO campaigns (title, period, region_id, opens_on, deadline,"
      " status) VALUES ('Мониторинг кадров 2024/25', '2024/25', %lld,"
      " current_date - 30, current_date - 5, 'open') RETURNING id",
      t.region_id);
  for (size_t i = 0; i < N_CODES; i++)
    db_exec("INSERT INTO campaign_indicators (campaign_id, indicator_code,"
            " required, position) VALUES (%lld, '%s', true, %zu)",
            fx.campaign, codes[i], i + 1);
  db_exec("INSERT INTO campaign_schools (campaign_id, school_id)"
          " SELECT %lld, id FROM schools WHERE id IN (%lld, %lld, %lld, %lld,"
          " %lld)",
          fx.campaign, fx.a1, fx.a2, fx.a3, fx.b1, fx.b2);
  submission(fx.a1, "accepted", "interval '-1 day 10 hours'", false,
             "('TEACHERS_TOTAL', '34'), ('TEACHERS_FIRST_CATEGORY_SHARE',"
             " '41.2'), ('GRADUATE_JOB_AGREEMENTS', 'true'),"
             " ('DEVELOPMENT_PROGRAM_URL', '\"https://school.example.ru/p\"'),"
             " ('ASSESSMENT_RESULTS_REPORT', '\"-5 баллов по ВПР\"')");
  submission(fx.a2, "submitted", "interval '2 days 9 hours 30 minutes'", true,
             "('TEACHERS_TOTAL', '20'), ('TEACHERS_FIRST_CATEGORY_SHARE',"
             " '12.5'), ('GRADUATE_JOB_AGREEMENTS', 'false')");
  submission(fx.b1, "draft", NULL, false, "('TEACHERS_TOTAL', '12')");
  submission(fx.b2, "returned", "interval '-2 days'", false,
             "('TEACHERS_TOTAL', '8')");
}

/* Writes bytes to a file of the build tree; returns its path (owned). */
static char *saved(const char *body, size_t len, const char *name) {
  char *path = malloc(256);
  snprintf(path, 256, "report-%s", name);
  file_write(path, body, len);
  return path;
}

/* The JSON answer of path (owned). */
static json_t *answer(const char *path) {
  struct http_reply *r = http_get("%s", path);
  assert_status(r, 200);
  json_t *j = json_incref(r->json);
  http_reply_free(r);
  return j;
}

static const char *report_path(long long campaign) {
  return J("/api/v1/monitoring/campaigns/%lld/report", campaign);
}

/* The report as the current caller gets it, checked by the reader against
 * the API's answers for the same caller; late: {code: days late};
 * forbidden: texts the workbook must not hold. */
static void check_report(const char *name, json_t *late_steal,
                         json_t *forbidden_steal) {
  const char *h[] = {"Accept: application/json", NULL};
  struct http_reply *r = http_request("GET", report_path(fx.campaign), NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->content_type, XLSX);
  const char *disposition = http_header(r, "Content-Disposition");
  assert_non_null(disposition);
  char want[96];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  char today[16];
  strftime(today, sizeof today, "%Y-%m-%d", &tm);
  snprintf(want, sizeof want, "filename=\"campaign-report-%lld-%s.xlsx\"",
           fx.campaign, today);
  assert_non_null(strstr(disposition, want));
  char book_name[64];
  snprintf(book_name, sizeof book_name, "%s.xlsx", name);
  char *book = saved(r->body, r->len, book_name);
  http_reply_free(r);

  const char *base = J("/api/v1/monitoring/campaigns/%lld", fx.campaign);
  char prefix[96];
  snprintf(prefix, sizeof prefix, "%s", base);
  json_t *names = json_array();
  for (size_t i = 0; i < N_CODES; i++) {
    json_t *ind = answer(J("/api/v1/indicators/%s", codes[i]));
    json_array_append(names, json_object_get(ind, "name"));
    json_decref(ind);
  }
  json_t *expect = json_pack(
      "{s:o, s:o, s:o, s:o, s:o, s:o}", "campaign", answer(prefix),
      "completeness", answer(J("%s/completeness?limit=200", prefix)),
      "submissions", answer(J("%s/submissions?limit=200", prefix)), "names",
      names, "late", late_steal, "forbidden", forbidden_steal);
  assert_non_null(expect);
  char *text = json_dumps(expect, JSON_INDENT(1));
  char json_name[64];
  snprintf(json_name, sizeof json_name, "%s.json", name);
  char *expected = saved(text, strlen(text), json_name);
  free(text);
  json_decref(expect);

  char command[1024];
  snprintf(command, sizeof command,
           "/usr/bin/python3 %s/tests/api/check_campaign_report.py %s %s",
           OPORA_SOURCE_DIR, book, expected);
  if (system(command) != 0)
    fail_msg("%s: the report differs from the API (%s)", name, command);
  free(book);
  free(expected);
}

/* A regional reader: both municipalities, every late school. */
static void test_region(void **state) {
  (void)state;
  use_token(make_token("admin", "global", 0));
  use_token(make_token("reader", "region", fx.region));
  check_report("region",
               json_pack("{s:i, s:i, s:i, s:i}", "rep-a2", 2, "rep-a3", 5,
                         "rep-b1", 5, "rep-b2", 5),
               json_array());
  use_token(make_token("admin", "global", 0));
}

/* A municipal user of A: A's rows only, nothing of B anywhere. */
static void test_municipality(void **state) {
  (void)state;
  use_token(make_token("admin", "global", 0));
  use_token(make_token("municipal", "municipality", fx.m1));
  struct http_reply *r = http_get(
      "/api/v1/monitoring/campaigns/%lld/completeness?limit=200", fx.campaign);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 3);
  http_reply_free(r);
  check_report("municipality",
               json_pack("{s:i, s:i}", "rep-a2", 2, "rep-a3", 5),
               json_pack("[s, s, s, s]", "rep-b1", "rep-b2",
                         "Округ Муром (отчёт)", "г. Муром"));
  use_token(make_token("admin", "global", 0));
}

/* Another region's user, and an unknown campaign: 404 as for the
 * completeness of the same campaign. */
static void test_unseen(void **state) {
  (void)state;
  use_token(make_token("admin", "global", 0));
  long long other = create_region("98", "Другая область (отчёт)");
  use_token(make_token("reader", "region", other));
  struct http_reply *r = http_get("%s", report_path(fx.campaign));
  struct http_reply *c =
      http_get("/api/v1/monitoring/campaigns/%lld/completeness", fx.campaign);
  assert_problem(r, 404, "not_found");
  assert_problem(c, 404, "not_found");
  assert_string_equal(jstr(r->json, "detail"), jstr(c->json, "detail"));
  http_reply_free(r);
  http_reply_free(c);
  use_token(make_token("admin", "global", 0));
  r = http_get("%s", report_path(fx.campaign + 1000));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/monitoring/campaigns/x/report");
  assert_status(r, 400);
  http_reply_free(r);
}

/* A draft campaign has no schools yet: the sheets hold headers only. */
static void test_draft(void **state) {
  (void)state;
  use_token(make_token("admin", "global", 0));
  long long draft = db_count(
      "INSERT INTO campaigns (title, period, region_id, opens_on, deadline)"
      " VALUES ('Черновик', '2024/25', %lld, current_date, current_date + 9)"
      " RETURNING id",
      fx.region);
  struct http_reply *r = http_get("%s", report_path(draft));
  assert_status(r, 200);
  assert_string_equal(r->content_type, XLSX);
  assert_true(r->len > 4 && memcmp(r->body, "PK", 2) == 0);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_region),
      cmocka_unit_test(test_municipality),
      cmocka_unit_test(test_unseen),
      cmocka_unit_test(test_draft),
  };
  harness_start("campaign_report");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
