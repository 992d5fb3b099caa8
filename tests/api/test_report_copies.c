/* Reports marked as sent (docs/EFFECTIVENESS.md, "Sent reports"): POST
 * /programmes/{id}/report/copies keeps the report as it was made; after the
 * data change, the copy is the same bytes and still holds the figures of
 * then (read back with openpyxl against the answers of then); a copy is
 * read by callers whose scope covers the one it was made in; bad bodies
 * are 400 naming the field; the copy is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct {
  long long region, other, m1, m2, a, b, programme, muni_programme;
  char admin[64];
} fx;

static void setup(void) {
  snprintf(fx.admin, sizeof fx.admin, "%s", use_token(NULL));
  use_token(fx.admin);
  fx.region = create_region("cp-r", "Владимирская область");
  fx.other = create_region("cp-x", "Орловская область");
  fx.m1 = create_municipality(fx.region, "cp-m1", "Ковровский район");
  fx.m2 = create_municipality(fx.region, "cp-m2", "Вязниковский район");
  fx.a = create_school(fx.m1, "cp-a", "МБОУ «Малыгинская СОШ»");
  fx.b = create_school(fx.m2, "cp-b", "МБОУ «Троицкая ООШ»");
  db_exec("INSERT INTO school_statuses (school_id, category, school_year,"
          " basis, included_on) VALUES (%lld, 'SHNOR', 2024, 'Приказ № 2',"
          " '2024-09-01'), (%lld, 'SHNOR', 2024, 'Приказ № 2', '2024-09-01')",
          fx.a, fx.b);
  long long oge = db_count(
      "INSERT INTO assessments (kind, year, grade, subject_code,"
      " subject_name, max_primary_score, tasks) VALUES ('OGE', 2025, 9,"
      " 'math', 'Математика', 30, '[]') RETURNING id");
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums,"
          " score_counts, journal_known, confirmed, lowered, raised) VALUES"
          " (%lld, %lld, 20, '{0,0,0,0}', 4, 300, '{}', '{}', 0, 0, 0, 0),"
          " (%lld, %lld, 10, '{0,0,0,0}', 1, 180, '{}', '{}', 0, 0, 0, 0)",
          oge, fx.a, oge, fx.b);
  fx.programme = db_count(
      "INSERT INTO programmes (title, owner_region_id, year_from, year_to)"
      " VALUES ('Региональная программа поддержки ШНОР на 2024 год', %lld,"
      " 2024, 2024) RETURNING id",
      fx.region);
  fx.muni_programme = db_count(
      "INSERT INTO programmes (title, owner_municipality_id, year_from,"
      " year_to) VALUES ('Муниципальная программа Ковровского района', %lld,"
      " 2024, 2024) RETURNING id",
      fx.m1);
  db_exec("INSERT INTO programme_targets (programme_id, indicator_code,"
          " baseline_year, baseline_value, targets) VALUES (%lld,"
          " 'GIA_PASSED_SHARE', 2023, 80, '{\"2024\": 85}'), (%lld,"
          " 'GIA_PASSED_SHARE', 2023, 80, '{\"2024\": 85}')",
          fx.programme, fx.muni_programme);
}

static struct http_reply *post_copy(long long programme, const char *body) {
  return http_post(J("/api/v1/programmes/%lld/report/copies", programme), body);
}

static struct http_reply *file_of(long long copy) {
  return http_get("/api/v1/report-copies/%lld/file", copy);
}

static void test_kept_as_sent(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *answer =
      http_get("/api/v1/programmes/%lld/effectiveness?year=2024", fx.programme);
  assert_status(answer, 200);
  file_write("copy-then-2024.json", answer->body, answer->len);
  http_reply_free(answer);
  struct http_reply *r = post_copy(
      fx.programme,
      J("{'note':'направлен в министерство образования, письмо № 12-345'}"));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_json_str(r->json, "kind", "programme_report");
  assert_json_int(r->json, "object_id", fx.programme);
  assert_non_null(jstr(r->json, "sent_by"));
  assert_non_null(r->location);
  long long size = jint(r->json, "size");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity"
                            " = 'report_copy' AND entity_id = %lld",
                            id),
                   1);
  struct http_reply *first = file_of(id);
  assert_status(first, 200);
  assert_int_equal((long long)first->len, size);
  assert_true(memcmp(first->body, "PK", 2) == 0);
  /* The data change: the target and a school's results. */
  db_exec("UPDATE programme_targets SET targets = '{\"2024\": 99}',"
          " version = version + 1 WHERE programme_id = %lld",
          fx.programme);
  db_exec("UPDATE assessment_school_stats SET failed = 10 WHERE school_id ="
          " %lld",
          fx.a);
  struct http_reply *later = file_of(id);
  assert_int_equal(later->len, first->len);
  assert_true(memcmp(later->body, first->body, first->len) == 0);
  file_write("copy-kept.xlsx", later->body, later->len);
  http_reply_free(later);
  http_reply_free(first);
  char command[512];
  snprintf(command, sizeof command,
           "/usr/bin/python3 %s/tests/api/check_programme_report.py"
           " copy-kept.xlsx copy-then-2024.json",
           OPORA_SOURCE_DIR);
  if (system(command) != 0)
    fail_msg("the kept copy does not hold the figures it was made with");
  /* The record, and the list by object. */
  r = http_get("/api/v1/report-copies/%lld", id);
  assert_status(r, 200);
  assert_json_str(r->json, "note",
                  "направлен в министерство образования, письмо № 12-345");
  http_reply_free(r);
  r = http_get("/api/v1/report-copies?kind=programme_report&object_id=%lld",
               fx.programme);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
}

/* Who reads a copy: callers whose scope covers the one it was made in. */
static void test_scope(void **state) {
  (void)state;
  use_token(make_token("admin", "region", fx.region));
  struct http_reply *r = post_copy(fx.programme, "{}");
  assert_status(r, 201);
  long long regional = jint(r->json, "id");
  http_reply_free(r);
  use_token(make_token("municipal", "municipality", fx.m1));
  r = post_copy(fx.muni_programme, J("{'note':'в управление образования'}"));
  assert_status(r, 201);
  long long municipal = jint(r->json, "id");
  assert_json_int(json_object_get(r->json, "scope"), "id", fx.m1);
  http_reply_free(r);
  /* the municipality: its own copy, not the region's */
  r = http_get("/api/v1/report-copies/%lld", municipal);
  assert_status(r, 200);
  http_reply_free(r);
  struct http_reply *missing = http_get("/api/v1/report-copies/999999");
  r = http_get("/api/v1/report-copies/%lld", regional);
  assert_problem(r, 404, "not_found");
  assert_string_equal(
      jstr(r->json, "detail") + 0,
      J("no report copy with id %lld is within your scope", regional));
  http_reply_free(r);
  http_reply_free(missing);
  r = file_of(regional);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* another municipality of the region: neither */
  use_token(make_token("municipal", "municipality", fx.m2));
  r = http_get("/api/v1/report-copies/%lld", municipal);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* the region: both; another region: none */
  use_token(make_token("reader", "region", fx.region));
  r = http_get("/api/v1/report-copies/%lld", municipal);
  assert_status(r, 200);
  http_reply_free(r);
  use_token(make_token("admin", "region", fx.other));
  r = http_get("/api/v1/report-copies?object_id=%lld", fx.programme);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = post_copy(fx.programme, "{}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(fx.admin);
}

/* A campaign's report is kept the same way, made in the caller's scope. */
static void test_campaign_copy(void **state) {
  (void)state;
  long long campaign = db_count(
      "INSERT INTO campaigns (title, period, region_id, opens_on, deadline,"
      " status) VALUES ('Мониторинг кадрового обеспечения ШНОР, 2024/25',"
      " '2024/25', %lld, '2024-09-01', '2024-10-01', 'open') RETURNING id",
      fx.region);
  db_exec("INSERT INTO campaign_schools VALUES (%lld, %lld), (%lld, %lld)",
          campaign, fx.a, campaign, fx.b);
  use_token(make_token("municipal", "municipality", fx.m1));
  struct http_reply *r =
      http_post(J("/api/v1/monitoring/campaigns/%lld/report/copies", campaign),
                J("{'note':'в министерство'}"));
  assert_status(r, 201);
  assert_json_str(r->json, "kind", "campaign_report");
  assert_json_str(r->json, "title",
                  "Мониторинг кадрового обеспечения ШНОР, 2024/25");
  long long id = jint(r->json, "id");
  http_reply_free(r);
  r = file_of(id);
  assert_status(r, 200);
  assert_true(r->len > 4 && memcmp(r->body, "PK", 2) == 0);
  http_reply_free(r);
  r = http_post(J("/api/v1/monitoring/campaigns/%lld/report/copies", campaign),
                J("{'municipality':%lld}", fx.m1));
  assert_validation(r, "$.municipality");
  http_reply_free(r);
  use_token(fx.admin);
}

static void test_bad_bodies(void **state) {
  (void)state;
  use_token(fx.admin);
  char *before = db_fingerprint();
  char note[2100];
  memset(note, 'x', 2001);
  note[2001] = '\0';
  struct http_reply *r =
      post_copy(fx.programme, J("{'note':'%s','extra':1}", note));
  assert_validation(r, "$.note", "$.extra");
  http_reply_free(r);
  r = post_copy(fx.programme, "{\"municipality\":999999}");
  assert_validation(r, "$.municipality");
  http_reply_free(r);
  r = post_copy(999999, "{}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kept_as_sent),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_campaign_copy),
      cmocka_unit_test(test_bad_bodies),
  };
  harness_start("report-copies");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
