/* A cursor belongs to its query (openapi.yaml, "Lists and pagination"):
 * given to another list, to the same list under another parent, with other
 * filters or another `since`, it is answered 400 naming query.cursor, never
 * with rows of another place. Only `limit` may change between pages. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SCHOOLS "/api/v1/schools"
#define VALUES "/api/v1/indicator-values"

static struct { long long region, muni, other_muni, s1, s2, s3, s4; } fx;

static void fixtures(void) {
  if (fx.s1 != 0)
    return;
  struct territory t = kovrov();
  fx.region = t.region_id;
  fx.muni = t.municipality_id;
  fx.other_muni = create_municipality(t.region_id, "cu-murom", "округ Муром");
  fx.s1 = create_school(fx.muni, "cu-s1", "МБОУ СОШ № 1");
  fx.s2 = create_school(fx.muni, "cu-s2", "МБОУ СОШ № 2");
  fx.s3 = create_school(fx.other_muni, "cu-s3", "МБОУ СОШ № 3");
  fx.s4 = create_school(fx.other_muni, "cu-s4", "МБОУ СОШ № 4");
  for (int year = 2020; year <= 2022; year++) {
    create_status(fx.s1, "SHNOR", year);
    create_status(fx.s3, "SHNOR", year);
  }
  static const long long *const schools[] = {&fx.s1, &fx.s2, &fx.s3, &fx.s4};
  for (int i = 0; i < 4; i++)
    db_exec("BEGIN; SELECT indicator_values_lock();"
            " INSERT INTO indicator_values (school_id, indicator_code, period,"
            " value, source, change_no) SELECT %lld, code, '2023/24', '1',"
            " 'submission', nextval('indicator_change_seq') FROM indicators"
            " WHERE code IN ('TEACHERS_TOTAL', 'TEACHER_VACANCIES',"
            " 'STAFFING_LEVEL'); COMMIT",
            *schools[i]);
}

/* The next_cursor of the first page of path (which has a query), pages of
 * one. Caller frees. */
static char *first_cursor(const char *path) {
  struct http_reply *r = http_get("%s&limit=1", path);
  assert_status(r, 200);
  const char *next = jstr(r->json, "next_cursor");
  assert_non_null(next);
  char *cursor = strdup(next);
  http_reply_free(r);
  return cursor;
}

/* path (with a query) and the cursor: 200, or 400 naming query.cursor. */
static void expect_cursor(const char *path, const char *cursor, long status) {
  struct http_reply *r = http_get("%s&cursor=%s", path, esc(cursor));
  if (status == 200) {
    assert_status(r, 200);
  } else {
    assert_validation(r, "query.cursor");
    assert_non_null(strstr(r->body, "another list"));
  }
  http_reply_free(r);
}

static void test_other_lists(void **state) {
  (void)state;
  fixtures();
  const char *region = J(SCHOOLS "?region=%lld", fx.region);
  char *schools = first_cursor(region);
  char *values = first_cursor(VALUES "?period=2023/24");
  /* Its own list, with another page size too. */
  expect_cursor(region, schools, 200);
  expect_cursor(J("%s&limit=3", region), schools, 200);
  /* Another list: a school's name is no value's key. */
  expect_cursor(VALUES "?period=2023/24", schools, 400);
  expect_cursor("/api/v1/regions?limit=5", schools, 400);
  expect_cursor(region, values, 400);
  /* The same list under another school. */
  const char *mine = J(SCHOOLS "/%lld/statuses?category=SHNOR", fx.s1);
  const char *theirs = J(SCHOOLS "/%lld/statuses?category=SHNOR", fx.s3);
  char *statuses = first_cursor(mine);
  expect_cursor(mine, statuses, 200);
  expect_cursor(theirs, statuses, 400);
  free(schools);
  free(values);
  free(statuses);
}

static void test_other_filters(void **state) {
  (void)state;
  fixtures();
  const char *mine = J(SCHOOLS "?municipality=%lld", fx.muni);
  char *cursor = first_cursor(mine);
  expect_cursor(mine, cursor, 200);
  /* The same filter written otherwise is the same query. */
  expect_cursor(J(SCHOOLS "?municipality=0%lld", fx.muni), cursor, 200);
  expect_cursor(J(SCHOOLS "?municipality=%lld", fx.other_muni), cursor, 400);
  expect_cursor(J(SCHOOLS "?region=%lld", fx.region), cursor, 400);
  expect_cursor(J(SCHOOLS "?municipality=%lld&q=1", fx.muni), cursor, 400);
  free(cursor);
  cursor = first_cursor(VALUES "?indicator=TEACHERS_TOTAL");
  expect_cursor(VALUES "?indicator=TEACHERS_TOTAL", cursor, 200);
  expect_cursor(VALUES "?indicator=STAFFING_LEVEL", cursor, 400);
  expect_cursor(VALUES "?indicator=TEACHERS_TOTAL&period=2023/24", cursor, 400);
  free(cursor);
}

static void test_other_since(void **state) {
  (void)state;
  fixtures();
  long long first = db_count("SELECT min(change_no) FROM indicator_values") - 1;
  const char *from_first = J(VALUES "?since=%lld", first);
  const char *from_second = J(VALUES "?since=%lld", first + 1);
  char *a = first_cursor(from_first);
  char *b = first_cursor(from_second);
  expect_cursor(from_first, a, 200);
  expect_cursor(from_second, b, 200);
  expect_cursor(from_second, a, 400);
  expect_cursor(from_first, b, 400);
  /* The feed's cursor is not the list's, nor the other way. */
  char *list = first_cursor(VALUES "?period=2023/24");
  expect_cursor(J(VALUES "?since=%lld&period=2023/24", first), list, 400);
  expect_cursor(VALUES "?period=2023/24", a, 400);
  expect_cursor(J(VALUES "?since=%lld&indicator=TEACHERS_TOTAL", first), a,
                400);
  free(a);
  free(b);
  free(list);
}

/* A push's record (made with SQL) with `n` problems; returns its id. */
static long long import_with_problems(int n) {
  static int grade;
  long long assessment = db_count(
      "INSERT INTO assessments (kind, year, grade, subject_code, subject_name,"
      " max_primary_score, tasks) VALUES ('VPR', 2024, %d, 'math',"
      " 'Математика', 10, '[]') RETURNING id",
      ++grade);
  long long id = db_count(
      "INSERT INTO imports (assessment_id, actor_kind, actor_id, actor_name,"
      " scope_kind, body_sha256, content_type, mode, dry_run, outcome,"
      " rows_received, rows_inserted, rows_updated, rows_unchanged,"
      " rows_deleted, rows_rejected, problems_count, duration_ms, status,"
      " answer, request_id) VALUES (%lld, 'user', 1, 'admin', 'global', '',"
      " 'text/csv', 'strict', false, 'rejected', %d, 0, 0, 0, 0, %d, %d, 1,"
      " 422, '{}', 'r') RETURNING id",
      assessment, n, n, n);
  db_exec("INSERT INTO import_problems (import_id, seq, row_no, code, message)"
          " SELECT %lld, g, g + 1, 'bad_value', 'плохо' FROM"
          " generate_series(1, %d) g",
          id, n);
  return id;
}

/* The problems of a push's record page the same way. */
static void test_import_problems(void **state) {
  (void)state;
  long long a = import_with_problems(3), b = import_with_problems(3);
  struct http_reply *r = http_get("/api/v1/imports/%lld?limit=1", a);
  assert_status(r, 200);
  char *cursor = strdup(jstr(r->json, "next_cursor"));
  http_reply_free(r);
  r = http_get("/api/v1/imports/%lld?limit=2&cursor=%s", a, esc(cursor));
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "problems")), 2);
  http_reply_free(r);
  r = http_get("/api/v1/imports/%lld?cursor=%s", b, esc(cursor));
  assert_problem(r, 400, "bad_request");
  assert_error_path(r, "query.cursor");
  http_reply_free(r);
  free(cursor);
}

/* The list of push records filters by assessment and outcome, and pages
 * newest first. */
static void test_import_list(void **state) {
  (void)state;
  long long a = import_with_problems(1), b = import_with_problems(1);
  long long assessment =
      db_count("SELECT assessment_id FROM imports WHERE id = %lld", a);
  struct http_reply *r =
      http_get("/api/v1/imports?assessment=%lld&outcome=rejected", assessment);
  assert_status(r, 200);
  const json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_array_get(items, 0), "id", a);
  http_reply_free(r);
  r = http_get("/api/v1/imports?assessment=%lld&outcome=committed", assessment);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  char *cursor = first_cursor("/api/v1/imports?outcome=rejected");
  r = http_get("/api/v1/imports?outcome=rejected&limit=1&cursor=%s",
               esc(cursor));
  assert_status(r, 200);
  items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_true(jint(json_array_get(items, 0), "id") < b);
  http_reply_free(r);
  free(cursor);
}

/* A cursor of the former format (no query in it), or made up: not ours. */
static void test_not_ours(void **state) {
  (void)state;
  fixtures();
  /* base64url("c1:5:"), and "c2:" with a query no list has. */
  static const char *const bad[] = {"YzE6NTo", "YzI6MDAwMDAwMDAwMDAwMDAwMDo1Og",
                                    "YzI6eno6NTo"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct http_reply *r = http_get(SCHOOLS "?cursor=%s", bad[i]);
    assert_validation(r, "query.cursor");
    http_reply_free(r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_other_lists),
      cmocka_unit_test(test_other_filters),
      cmocka_unit_test(test_other_since),
      cmocka_unit_test(test_import_problems),
      cmocka_unit_test(test_import_list),
      cmocka_unit_test(test_not_ours),
  };
  harness_start("cursors");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
