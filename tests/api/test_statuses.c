/* /api/v1/schools/{id}/statuses: a school's ШНОР / ШНСУ / risk-group status
 * per school year, closed with a date and a reason, history kept. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *const required[] = {"category", "school_year", "basis",
                                       "included_on", NULL};

#define BASIS "приказ № 653-осн от 30.12.2020"
#define REASON "переход в эффективный режим"

static const char *statuses_of(long long school) {
  return J("/api/v1/schools/%lld/statuses", school);
}

static const char *status_path(long long school, long long status) {
  return J("/api/v1/schools/%lld/statuses/%lld", school, status);
}

static const char *shnor(int year) {
  return J("{'category':'SHNOR','school_year':%d,'basis':'" BASIS
           "','included_on':'2020-12-30'}",
           year);
}

static const char *closing(const char *date) {
  return J("{'excluded_on':'%s','exclusion_reason':'" REASON "'}", date);
}

static long long new_school(void) {
  return create_school(kovrov().municipality_id, NULL,
                       "МБОУ «Иваново-Эсинская СОШ»");
}

static void test_create(void **state) {
  (void)state;
  long long school = new_school();
  struct http_reply *r = http_post(statuses_of(school), shnor(2020));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_true(id > 0);
  assert_string_equal(r->location, status_path(school, id));
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "school_id", school);
  assert_json_str(r->json, "category", "SHNOR");
  assert_json_int(r->json, "school_year", 2020);
  assert_json_str(r->json, "basis", BASIS);
  assert_json_str(r->json, "included_on", "2020-12-30");
  assert_json_null(r->json, "excluded_on");
  assert_json_null(r->json, "exclusion_reason");
  assert_json_int(r->json, "version", 1);
  assert_non_null(jstr(r->json, "created_at"));
  assert_non_null(jstr(r->json, "updated_at"));
  http_reply_free(r);

  /* Other years and other categories are separate statuses. */
  create_status(school, "SHNOR", 2021);
  create_status(school, "SHNSU", 2020);
  create_status(school, "RISK_GROUP", 2020);
  assert_int_equal(
      db_count("SELECT count(*) FROM school_statuses WHERE school_id = %lld",
               school),
      4);
}

static void test_one_open_status_per_year(void **state) {
  (void)state;
  long long school = new_school();
  long long id = create_status(school, "SHNOR", 2022);
  char *before = db_fingerprint();
  struct http_reply *r = http_post(statuses_of(school), shnor(2022));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.category");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* Closed, the same category and year can be opened again. */
  r = http_patch(status_path(school, id), "\"1\"", closing("2023-05-31"));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_post(statuses_of(school), shnor(2022));
  assert_status(r, 201);
  http_reply_free(r);
}

static void test_close(void **state) {
  (void)state;
  long long school = new_school();
  long long id = create_status(school, "SHNOR", 2020); /* included 2020-09-01 */
  char *path = strdup(status_path(school, id));
  struct http_reply *r = http_patch(path, "\"1\"", closing("2023-08-31"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_int(r->json, "version", 2);
  assert_json_str(r->json, "excluded_on", "2023-08-31");
  assert_json_str(r->json, "exclusion_reason", REASON);
  assert_json_str(r->json, "basis", BASIS);
  assert_json_str(r->json, "category", "SHNOR");
  http_reply_free(r);

  /* Closing again is a conflict, whatever the dates. */
  char *before = db_fingerprint();
  r = http_patch(path, "\"2\"", closing("2024-01-15"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);

  /* Closing on the day of inclusion is allowed. */
  id = create_status(school, "SHNSU", 2021);
  r = http_patch(status_path(school, id), "\"1\"", closing("2021-09-01"));
  assert_status(r, 200);
  http_reply_free(r);
}

static void test_close_bad_inputs(void **state) {
  (void)state;
  long long school = new_school();
  long long id = create_status(school, "SHNOR", 2020); /* included 2020-09-01 */
  char *path = strdup(status_path(school, id));
  char *before = db_fingerprint();
  struct http_reply *r = http_patch(path, "\"1\"", closing("2020-08-31"));
  assert_validation(r, "$.excluded_on");
  http_reply_free(r);

  static const char *const bodies[][2] = {
      {"{'excluded_on':'2023-08-31','exclusion_reason':''}",
       "$.exclusion_reason"},
      {"{'excluded_on':'31.08.2023','exclusion_reason':'" REASON "'}",
       "$.excluded_on"},
      {"{'excluded_on':'2023-02-29','exclusion_reason':'" REASON "'}",
       "$.excluded_on"},
      {"{'category':'SHNSU'}", "$.category"},
      {"{'school_year':2021}", "$.school_year"},
      {"{'school_id':1}", "$.school_id"},
      {"{'basis':null}", "$.basis"},
      {"{'included_on':null}", "$.included_on"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    r = http_patch(path, "\"1\"", J("%s", bodies[i][0]));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  /* The date and the reason go together: either may be named. */
  static const char *const halves[] = {
      "{'excluded_on':'2023-08-31'}",
      "{'exclusion_reason':'" REASON "'}",
      "{'excluded_on':'2023-08-31','exclusion_reason':null}",
      "{'excluded_on':null,'exclusion_reason':'" REASON "'}",
  };
  for (size_t i = 0; i < sizeof halves / sizeof halves[0]; i++) {
    r = http_patch(path, "\"1\"", J("%s", halves[i]));
    assert_problem(r, 400, "validation_failed");
    assert_error_count(r, 1);
    const char *p =
        jstr(json_array_get(json_object_get(r->json, "errors"), 0), "path");
    assert_true(strcmp(p, "$.excluded_on") == 0 ||
                strcmp(p, "$.exclusion_reason") == 0);
    http_reply_free(r);
  }
  assert_db_unchanged(before);

  check_bad_bodies("PATCH", path, "\"1\"",
                   J("{'basis':'приказ № 12-осн от 15.01.2021',"
                     "'included_on':'2021-01-15'}"),
                   NULL);
  check_if_match("PATCH", path, J("{'basis':'приказ № 12-осн'}"));

  /* Once closed, included_on cannot move past excluded_on. */
  r = http_patch(path, "\"1\"", closing("2021-05-31"));
  assert_status(r, 200);
  http_reply_free(r);
  before = db_fingerprint();
  r = http_patch(path, "\"2\"", J("{'included_on':'2021-06-01'}"));
  assert_problem(r, 400, "validation_failed");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);
}

static void test_update_basis(void **state) {
  (void)state;
  long long school = new_school();
  long long id = create_status(school, "RISK_GROUP", 2023);
  struct http_reply *r = http_patch(status_path(school, id), "\"1\"",
                                    J("{'basis':'приказ № 36 от 16.02.2023',"
                                      "'included_on':'2023-02-16'}"));
  assert_status(r, 200);
  assert_json_str(r->json, "basis", "приказ № 36 от 16.02.2023");
  assert_json_str(r->json, "included_on", "2023-02-16");
  assert_json_int(r->json, "school_year", 2023);
  assert_json_null(r->json, "excluded_on");
  assert_string_equal(r->etag, "\"2\"");
  http_reply_free(r);
  assert_int_equal(
      db_count("SELECT version FROM school_statuses WHERE id = %lld", id), 2);
}

static void test_create_bad_inputs(void **state) {
  (void)state;
  long long school = new_school();
  const char *path = statuses_of(school);
  char *path_copy = strdup(path);
  check_bad_bodies("POST", path_copy, NULL, shnor(2024), required);

  char *before = db_fingerprint();
  /* Three problems at once. */
  struct http_reply *r = http_post(
      path_copy, J("{'category':'ШНОР','school_year':1999,'basis':'" BASIS
                   "','included_on':'2020-12-30','note':1}"));
  assert_validation(r, "$.category", "$.school_year", "$.note");
  http_reply_free(r);

  static const char *const cases[][2] = {
      {"category", "\"shnor\""},
      {"category", "null"},
      {"school_year", "2101"},
      {"school_year", "\"2024\""},
      {"school_year", "2024.5"},
      {"basis", "\"\""},
      {"basis", "\"   \""},
      {"included_on", "\"30.12.2020\""},
      {"included_on", "\"2020-12-32\""},
      {"included_on", "\"2021-02-29\""},
      {"included_on", "\"2020-1-5\""},
      {"included_on", "\"2020-12-30T00:00:00Z\""},
      {"included_on", "20201230"},
      {"id", "5"},
      {"school_id", "5"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *body = json_loads(shnor(2024), 0, NULL);
    json_object_set_new(body, cases[i][0],
                        json_loads(cases[i][1], JSON_DECODE_ANY, NULL));
    char *text = json_dumps(body, JSON_COMPACT);
    r = http_post(path_copy, text);
    assert_validation(r, J("$.%s", cases[i][0]));
    http_reply_free(r);
    free(text);
    json_decref(body);
  }
  /* basis up to 500 characters (Cyrillic: 1000 bytes). */
  char basis[1100] = "";
  for (int i = 0; i < 501; i++)
    strcat(basis, "ж");
  r = http_post(path_copy,
                J("{'category':'SHNOR','school_year':2024,'basis':'%s',"
                  "'included_on':'2024-09-01'}",
                  basis));
  assert_validation(r, "$.basis");
  http_reply_free(r);
  assert_db_unchanged(before);
  basis[strlen(basis) - strlen("ж")] = '\0';
  api_create(path_copy, J("{'category':'SHNOR','school_year':2024,'basis':'%s',"
                          "'included_on':'2024-09-01'}",
                          basis));
  free(path_copy);
}

/* A status is created open: excluded_on and exclusion_reason are refused on
 * create, alone or together. */
/* History may be entered after the fact: a status created closed needs both
 * the date and the reason, and the date must not precede the inclusion. */
static void test_create_closed_for_history(void **state) {
  (void)state;
  long long school = new_school();
  char *path = strdup(statuses_of(school));
  static const char *const half[] = {
      "'excluded_on':'2021-08-31'",
      "'exclusion_reason':'" REASON "'",
      "'excluded_on':'2019-08-31','exclusion_reason':'" REASON "'",
  };
  static const char *const named[] = {"$.exclusion_reason", "$.excluded_on",
                                      "$.excluded_on"};
  for (size_t i = 0; i < sizeof half / sizeof half[0]; i++) {
    char *before = db_fingerprint();
    struct http_reply *r = http_post(
        path, J("{'category':'SHNOR','school_year':2020,'basis':'" BASIS
                "','included_on':'2020-12-30',%s}",
                half[i]));
    assert_problem(r, 400, "validation_failed");
    assert_error_path(r, named[i]);
    http_reply_free(r);
    assert_db_unchanged(before);
  }
  struct http_reply *r = http_post(
      path, J("{'category':'SHNOR','school_year':2020,'basis':'" BASIS
              "','included_on':'2020-12-30','excluded_on':'2021-08-31',"
              "'exclusion_reason':'" REASON "'}"));
  assert_int_equal(r->status, 201);
  assert_string_equal(
      json_string_value(json_object_get(r->json, "excluded_on")), "2021-08-31");
  http_reply_free(r);
  free(path);
}

static void test_bad_ids(void **state) {
  (void)state;
  long long school = new_school();
  long long id = create_status(school, "SHNOR", 2024);
  check_bad_ids("POST", "/api/v1/schools/%s/statuses", "id", NULL, shnor(2025));
  check_bad_ids("GET", "/api/v1/schools/%s/statuses", "id", NULL, NULL);
  check_bad_ids("PATCH", J("/api/v1/schools/%%s/statuses/%lld", id), "id",
                "\"1\"", J("{'basis':'x'}"));
  check_bad_ids("PATCH", J("/api/v1/schools/%lld/statuses/%%s", school),
                "status_id", "\"1\"", J("{'basis':'x'}"));

  /* A status reached through another school does not exist there. */
  long long other = new_school();
  char *before = db_fingerprint();
  struct http_reply *r =
      http_patch(status_path(other, id), "\"1\"", closing("2025-05-31"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_history(void **state) {
  (void)state;
  long long school = new_school();
  long long a = create_status(school, "SHNOR", 2020);
  long long b = create_status(school, "SHNSU", 2021);
  long long c = create_status(school, "SHNOR", 2022);
  struct http_reply *r =
      http_patch(status_path(school, a), "\"1\"", closing("2021-08-31"));
  assert_status(r, 200);
  http_reply_free(r);

  json_t *items = list_all(statuses_of(school), 2);
  char *got = ids_of(items);
  assert_string_equal(got, J("%lld,%lld,%lld", a, b, c));
  free(got);
  assert_json_str(json_array_get(items, 0), "exclusion_reason", REASON);
  json_decref(items);

  items = list_all(J("%s?year=2021", statuses_of(school)), 50);
  got = ids_of(items);
  assert_string_equal(got, J("%lld", b));
  free(got);
  json_decref(items);
  items = list_all(J("%s?category=SHNOR", statuses_of(school)), 50);
  got = ids_of(items);
  assert_string_equal(got, J("%lld,%lld", a, c));
  free(got);
  json_decref(items);
  items = list_all(J("%s?category=SHNOR&year=2022", statuses_of(school)), 50);
  got = ids_of(items);
  assert_string_equal(got, J("%lld", c));
  free(got);
  json_decref(items);

  /* The school shows only the open ones. */
  r = http_get("/api/v1/schools/%lld", school);
  got = ids_of(json_object_get(r->json, "statuses"));
  assert_true(strcmp(got, J("%lld,%lld", b, c)) == 0 ||
              strcmp(got, J("%lld,%lld", c, b)) == 0);
  free(got);
  http_reply_free(r);

  static const char *const bad[][2] = {
      {"year=abc", "query.year"},       {"year=1999", "query.year"},
      {"category=X", "query.category"}, {"limit=0", "query.limit"},
      {"cursor=zzz", "query.cursor"},   {"school=1", "query.school"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = http_get("%s?%s", statuses_of(school), bad[i][0]);
    assert_problem(r, 400, "validation_failed");
    assert_error_path(r, bad[i][1]);
    http_reply_free(r);
  }
  r = http_get("/api/v1/schools/999999/statuses");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create),
      cmocka_unit_test(test_one_open_status_per_year),
      cmocka_unit_test(test_close),
      cmocka_unit_test(test_close_bad_inputs),
      cmocka_unit_test(test_update_basis),
      cmocka_unit_test(test_create_bad_inputs),
      cmocka_unit_test(test_create_closed_for_history),
      cmocka_unit_test(test_bad_ids),
      cmocka_unit_test(test_history),
  };
  harness_start("statuses");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
