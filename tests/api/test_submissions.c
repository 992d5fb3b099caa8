/* /api/v1/monitoring/campaigns/{id}/submissions: saving, submitting,
 * review, history and the official values accepting writes
 * (docs/MONITORING.md). Campaigns are made with SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static long long school_a, school_b, school_far, muni_far;

/* Seed 001's school: its staff and programme. */
#define FULL                                                                           \
  "{\"values\":["                                                                      \
  "{\"code\":\"TEACHERS_TOTAL\",\"value\":34},"                                        \
  "{\"code\":\"TEACHERS_FIRST_CATEGORY_SHARE\",\"value\":41.2},"                       \
  "{\"code\":\"TEACHER_VACANCIES\",\"value\":2,"                                       \
  "\"comment\":\"учитель математики, учитель физики\"}," \
  "{\"code\":\"GRADUATE_JOB_AGREEMENTS\",\"value\":true},"                             \
  "{\"code\":\"DEVELOPMENT_PROGRAM_URL\","                                             \
  "\"value\":\"https://school-kovrov.example.ru/programma-razvitiya\","                \
  "\"link\":\"https://school-kovrov.example.ru/programma-razvitiya\"}]}"

static void setup_schools(void) {
  if (school_a != 0)
    return;
  struct territory t = kovrov();
  school_a = create_school(t.municipality_id, NULL, "МБОУ СОШ № 1 г. Ковров");
  school_b = create_school(t.municipality_id, NULL, "МБОУ Мелеховская СОШ");
  muni_far = create_municipality(t.region_id, "33-murom", "Округ Муром");
  school_far = create_school(muni_far, NULL, "МБОУ СОШ № 2 г. Муром");
}

/* An open regional campaign of 2024/25 asking schools A, B and the far
 * one: five required indicators, a text, a computed one; the deadline is
 * `deadline` (SQL). */
static long long campaign_with(const char *status, const char *deadline) {
  setup_schools();
  long long id = db_count(
      "INSERT INTO campaigns (title, period, region_id, opens_on, deadline,"
      " status) VALUES ('Мониторинг кадров 2024/25', '2024/25', %lld,"
      " current_date - 30, %s, '%s') RETURNING id",
      kovrov().region_id, deadline, status);
  db_exec("INSERT INTO campaign_indicators (campaign_id, indicator_code,"
          " required, position) VALUES (%lld, 'TEACHERS_TOTAL', true, 1),"
          " (%lld, 'TEACHERS_FIRST_CATEGORY_SHARE', true, 2),"
          " (%lld, 'TEACHER_VACANCIES', true, 3),"
          " (%lld, 'GRADUATE_JOB_AGREEMENTS', true, 4),"
          " (%lld, 'DEVELOPMENT_PROGRAM_URL', true, 5),"
          " (%lld, 'ASSESSMENT_RESULTS_REPORT', false, 6),"
          " (%lld, 'GIA_PASSED_SHARE', false, 7)",
          id, id, id, id, id, id, id);
  db_exec("INSERT INTO campaign_schools (campaign_id, school_id)"
          " VALUES (%lld, %lld), (%lld, %lld), (%lld, %lld)",
          id, school_a, id, school_b, id, school_far);
  return id;
}

static long long campaign(void) {
  return campaign_with("open", "current_date + 14");
}

static const char *subm(long long campaign_id, long long school,
                        const char *rest) {
  return J("/api/v1/monitoring/campaigns/%lld/submissions/%lld%s", campaign_id,
           school, rest);
}

static struct http_reply *send(const char *method, const char *path,
                               const char *etag, const char *body) {
  char line[64];
  snprintf(line, sizeof line, "If-Match: %s", etag != NULL ? etag : "");
  const char *headers[] = {line, NULL};
  return http_request(method, path, body, etag != NULL ? headers : NULL);
}
static struct http_reply *put(long long c, long long s, const char *etag,
                              const char *body) {
  return send("PUT", subm(c, s, ""), etag, body);
}
static struct http_reply *act(long long c, long long s, const char *what,
                              const char *etag) {
  return send("POST", subm(c, s, J("/%s", what)), etag, NULL);
}
static struct http_reply *give_back(long long c, long long s, const char *etag,
                                    const char *comment) {
  return send("POST", subm(c, s, "/return"), etag,
              J("{'comment':'%s'}", comment));
}

/* Expects status with the state and version, and ETag the version. */
static void expect(struct http_reply *r, long status, const char *state,
                   long long version) {
  assert_status(r, status);
  assert_json_str(r->json, "state", state);
  assert_json_int(r->json, "version", version);
  char etag[24];
  snprintf(etag, sizeof etag, "\"%lld\"", version);
  assert_non_null(r->etag);
  assert_string_equal(r->etag, etag);
  http_reply_free(r);
}

static void expect_problem(struct http_reply *r, long status,
                           const char *code) {
  assert_problem(r, status, code);
  http_reply_free(r);
}

/* Every item of a list, following next_cursor pages of `limit` (the items
 * have no id of their own: list_all does not fit). */
static json_t *pages(const char *path, int limit) {
  json_t *all = json_array();
  char *cursor = NULL;
  for (int n = 0; n < 100; n++) {
    struct http_reply *r = cursor == NULL ? http_get("%s?limit=%d", path, limit)
                                          : http_get("%s?limit=%d&cursor=%s",
                                                     path, limit, esc(cursor));
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    assert_true(json_array_size(items) <= (size_t)limit);
    json_array_extend(all, items);
    free(cursor);
    cursor = jstr(r->json, "next_cursor") != NULL
                 ? strdup(jstr(r->json, "next_cursor"))
                 : NULL;
    http_reply_free(r);
    if (cursor == NULL)
      break;
  }
  free(cursor);
  return all;
}

static void test_not_started(void **state) {
  (void)state;
  long long c = campaign();
  struct http_reply *r = http_get("%s", subm(c, school_a, ""));
  assert_status(r, 200);
  assert_json_int(r->json, "campaign_id", c);
  assert_json_int(r->json, "school_id", school_a);
  assert_json_str(r->json, "state", "not_started");
  assert_json_int(r->json, "version", 0);
  assert_true(json_is_false(json_object_get(r->json, "late")));
  assert_json_null(r->json, "submitted_at");
  assert_int_equal(json_array_size(json_object_get(r->json, "values")), 0);
  assert_string_equal(r->etag, "\"0\"");
  http_reply_free(r);
  const char *h[] = {"If-None-Match: \"0\"", NULL};
  r = http_request("GET", subm(c, school_a, ""), NULL, h);
  assert_status(r, 304);
  http_reply_free(r);
  /* Nothing was written by reading. */
  assert_int_equal(db_count("SELECT count(*) FROM submissions WHERE"
                            " campaign_id = %lld",
                            c),
                   0);
  /* Unknown campaign, a school it does not ask: 404. */
  expect_problem(http_get("%s", subm(c + 1000, school_a, "")), 404,
                 "not_found");
  long long other =
      create_school(kovrov().municipality_id, NULL, "МБОУ Новинская СОШ");
  expect_problem(http_get("%s", subm(c, other, "")), 404, "not_found");
  expect_problem(put(c, other, "\"0\"", FULL), 404, "not_found");
}

static void test_lifecycle(void **state) {
  (void)state;
  long long c = campaign();
  long long s = school_a;
  struct http_reply *r = put(c, s, "\"0\"", FULL);
  assert_status(r, 200);
  json_t *values = json_object_get(r->json, "values");
  assert_int_equal(json_array_size(values), 5);
  assert_json_str(json_array_get(values, 0), "code", "TEACHERS_TOTAL");
  assert_json_int(json_array_get(values, 0), "value", 34);
  assert_true(json_real_value(
                  json_object_get(json_array_get(values, 1), "value")) == 41.2);
  assert_json_str(json_array_get(values, 2), "comment",
                  "учитель математики, учитель физики");
  assert_true(
      json_is_true(json_object_get(json_array_get(values, 3), "value")));
  assert_json_str(json_array_get(values, 4), "link",
                  "https://school-kovrov.example.ru/programma-razvitiya");
  expect(r, 200, "draft", 1);
  expect(put(c, s, "\"1\"", FULL), 200, "draft", 2);
  /* Submitted: no saves, no second submit, no return to an earlier step. */
  r = act(c, s, "submit", "\"2\"");
  assert_true(json_is_false(json_object_get(r->json, "late")));
  assert_non_null(jstr(r->json, "submitted_at"));
  expect(r, 200, "submitted", 3);
  r = put(c, s, "\"3\"", FULL);
  assert_problem(r, 409, "conflict");
  assert_non_null(strstr(jstr(r->json, "detail"), "submitted"));
  http_reply_free(r);
  expect_problem(act(c, s, "submit", "\"3\""), 409, "conflict");
  /* Accepted: the values are official, each with its change number. */
  long long seq_before =
      db_count("SELECT coalesce(max(change_no), 0) FROM indicator_values");
  expect(act(c, s, "accept", "\"3\""), 200, "accepted", 4);
  assert_int_equal(db_count("SELECT count(*) FROM indicator_values WHERE"
                            " school_id = %lld AND period = '2024/25' AND"
                            " source = 'submission' AND submission_id ="
                            " (SELECT id FROM submissions WHERE campaign_id ="
                            " %lld AND school_id = %lld)",
                            s, c, s),
                   5);
  assert_int_equal(db_count("SELECT count(DISTINCT change_no) FROM"
                            " indicator_values WHERE school_id = %lld AND"
                            " change_no > %lld",
                            s, seq_before),
                   5);
  assert_int_equal(db_count("SELECT (value #>> '{}')::int FROM"
                            " indicator_values WHERE school_id = %lld AND"
                            " indicator_code = 'TEACHERS_TOTAL'",
                            s),
                   34);
  long long first_no = db_count("SELECT change_no FROM indicator_values WHERE"
                                " school_id = %lld AND indicator_code ="
                                " 'TEACHERS_TOTAL'",
                                s);
  /* Locked until a return. */
  r = put(c, s, "\"4\"", FULL);
  assert_problem(r, 409, "conflict");
  assert_non_null(strstr(jstr(r->json, "detail"), "accepted"));
  http_reply_free(r);
  expect_problem(act(c, s, "submit", "\"4\""), 409, "conflict");
  expect_problem(act(c, s, "accept", "\"4\""), 409, "conflict");
  /* Returned with a comment (required), the values as they were. */
  r = send("POST", subm(c, s, "/return"), "\"4\"", "{}");
  assert_validation(r, "$.comment");
  http_reply_free(r);
  r = give_back(c, s, "\"4\"", "Уточните число вакансий");
  assert_json_str(r->json, "reviewer_comment", "Уточните число вакансий");
  assert_int_equal(json_array_size(json_object_get(r->json, "values")), 5);
  expect(r, 200, "returned", 5);
  expect_problem(give_back(c, s, "\"5\"", "ещё раз"), 409, "conflict");
  expect_problem(act(c, s, "accept", "\"5\""), 409, "conflict");
  /* Corrected, submitted again, accepted: the official value follows. */
  const char *fixed = J("%s", FULL);
  char *corrected = strdup(fixed);
  char *p = strstr(corrected, "34");
  p[1] = '5';
  expect(put(c, s, "\"5\"", corrected), 200, "draft", 6);
  free(corrected);
  expect(act(c, s, "submit", "\"6\""), 200, "submitted", 7);
  expect(act(c, s, "accept", "\"7\""), 200, "accepted", 8);
  assert_int_equal(db_count("SELECT (value #>> '{}')::int FROM"
                            " indicator_values WHERE school_id = %lld AND"
                            " indicator_code = 'TEACHERS_TOTAL'",
                            s),
                   35);
  assert_true(db_count("SELECT change_no FROM indicator_values WHERE"
                       " school_id = %lld AND indicator_code ="
                       " 'TEACHERS_TOTAL'",
                       s) > first_no);
  /* A reviewer may take back an accepted submission too. */
  expect(give_back(c, s, "\"8\"", "Пересмотр"), 200, "returned", 9);

  /* History: newest first, with the values as they were. */
  r = http_get("%s", subm(c, s, "/history?limit=100"));
  assert_status(r, 200);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 9);
  static const char *const actions[] = {"return", "accept", "submit",
                                        "save",   "return", "accept",
                                        "submit", "save",   "save"};
  static const char *const states[] = {"returned",  "accepted", "submitted",
                                       "draft",     "returned", "accepted",
                                       "submitted", "draft",    "draft"};
  for (size_t i = 0; i < 9; i++) {
    json_t *e = json_array_get(items, i);
    assert_json_int(e, "version", (long long)(9 - i));
    assert_json_str(e, "action", actions[i]);
    assert_json_str(e, "state", states[i]);
    assert_non_null(jstr(e, "actor"));
    assert_non_null(jstr(e, "at"));
  }
  assert_json_str(json_array_get(items, 4), "comment",
                  "Уточните число вакансий");
  json_t *oldest = json_object_get(json_array_get(items, 8), "values");
  json_t *newest = json_object_get(json_array_get(items, 0), "values");
  assert_int_equal(json_array_size(oldest), 5);
  const char *code = NULL;
  for (size_t i = 0; i < 5; i++) {
    code = jstr(json_array_get(oldest, i), "code");
    if (strcmp(code, "TEACHERS_TOTAL") == 0) {
      assert_json_int(json_array_get(oldest, i), "value", 34);
      assert_json_int(json_array_get(newest, i), "value", 35);
    }
  }
  http_reply_free(r);
  json_t *all = pages(subm(c, s, "/history"), 4);
  assert_int_equal(json_array_size(all), 9);
  json_decref(all);
  /* Every write audited. */
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'submission' AND entity_id = (SELECT id FROM"
                            " submissions WHERE campaign_id = %lld AND"
                            " school_id = %lld)",
                            c, s),
                   9);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'submission' AND action = 'accept' AND"
                            " municipality_id = %lld",
                            kovrov().municipality_id) >= 2,
                   1);
}

static void test_every_bad_value_at_once(void **state) {
  (void)state;
  long long c = campaign();
  char *before = db_fingerprint();
  struct http_reply *r = put(
      c, school_a, "\"0\"",
      "{\"values\":["
      "{\"code\":\"TEACHERS_TOTAL\",\"value\":34.5},"                 /* 0 */
      "{\"code\":\"TEACHERS_FIRST_CATEGORY_SHARE\",\"value\":141.2}," /* 1 */
      "{\"code\":\"TEACHER_VACANCIES\",\"value\":\"2\"},"             /* 2 */
      "{\"code\":\"GRADUATE_JOB_AGREEMENTS\",\"value\":\"да\"},"      /* 3 */
      "{\"code\":\"DEVELOPMENT_PROGRAM_URL\","
      "\"value\":\"ftp://school-kovrov.example.ru/\"},"          /* 4 */
      "{\"code\":\"ASSESSMENT_RESULTS_REPORT\",\"value\":\"\"}," /* 5 */
      "{\"code\":\"GIA_PASSED_SHARE\",\"value\":97.5},"          /* 6 */
      "{\"code\":\"TEACHERS_YOUNG_SHARE\",\"value\":20},"        /* 7 */
      "{\"code\":\"NO_SUCH_INDICATOR\",\"value\":1},"            /* 8 */
      "{\"code\":\"TEACHERS_TOTAL\",\"value\":34},"              /* 9 */
      "{\"code\":\"TEACHERS_FIRST_CATEGORY_SHARE\",\"value\":40,"
      "\"comment\":\"\",\"link\":\"программа\"}," /* 10 */
      "{\"value\":1},"                            /* 11 */
      "{\"code\":\"TEACHER_VACANCIES\"},"         /* 12: twice */
      "7]}");                                     /* 13 */
  assert_validation(
      r, "$.values[0].value", "$.values[1].value", "$.values[2].value",
      "$.values[3].value", "$.values[4].value", "$.values[5].value",
      "$.values[6].code", "$.values[7].code", "$.values[8].code",
      "$.values[9].code", "$.values[10].code", "$.values[10].comment",
      "$.values[10].link", "$.values[11].code", "$.values[12].code",
      "$.values[12].value", "$.values[13]");
  http_reply_free(r);
  assert_db_unchanged(before);
  before = db_fingerprint();
  r = put(c, school_a, "\"0\"", "{}");
  assert_validation(r, "$.values");
  http_reply_free(r);
  r = put(c, school_a, "\"0\"", "{\"values\":{},\"state\":\"accepted\"}");
  assert_validation(r, "$.values", "$.state");
  http_reply_free(r);
  assert_db_unchanged(before);
  /* The shapes every write refuses, and bad path ids. */
  static const char *const required[] = {"values", NULL};
  check_bad_bodies("PUT", subm(c, school_a, ""), "\"0\"", FULL, required);
  check_bad_ids("PUT",
                J("/api/v1/monitoring/campaigns/%lld/submissions/%%s", c),
                "school_id", "\"0\"", FULL);
  check_bad_ids("GET", "/api/v1/monitoring/campaigns/%s/submissions", "id",
                NULL, NULL);
  /* A campaign's range: TEACHER_VACANCIES within 0..50 here. */
  db_exec("UPDATE indicators SET min_value = 0, max_value = 50 WHERE code ="
          " 'TEACHER_VACANCIES'");
  r = put(c, school_a, "\"0\"",
          "{\"values\":[{\"code\":\"TEACHER_VACANCIES\",\"value\":51},"
          "{\"code\":\"TEACHERS_TOTAL\",\"value\":-1}]}");
  db_exec("UPDATE indicators SET min_value = NULL, max_value = NULL WHERE"
          " code = 'TEACHER_VACANCIES'");
  assert_validation(r, "$.values[0].value");
  http_reply_free(r);
  /* A text of 1..4000 characters; an empty set is a valid save. */
  expect(put(c, school_a, "\"0\"",
             "{\"values\":[{\"code\":\"ASSESSMENT_RESULTS_REPORT\","
             "\"value\":\"Результаты ВПР выше региональных\"}]}"),
         200, "draft", 1);
  expect(put(c, school_a, "\"1\"", "{\"values\":[]}"), 200, "draft", 2);
}

static void test_submit_needs_every_required(void **state) {
  (void)state;
  long long c = campaign();
  expect(put(c, school_a, "\"0\"",
             "{\"values\":[{\"code\":\"TEACHERS_TOTAL\",\"value\":34}]}"),
         200, "draft", 1);
  char *before = db_fingerprint();
  struct http_reply *r = act(c, school_a, "submit", "\"1\"");
  assert_problem(r, 400, "validation_failed");
  assert_error_count(r, 4);
  assert_error_path(r, "$.values");
  assert_non_null(strstr(r->body, "TEACHER_VACANCIES"));
  assert_non_null(strstr(r->body, "DEVELOPMENT_PROGRAM_URL"));
  assert_null(strstr(r->body, "ASSESSMENT_RESULTS_REPORT"));
  http_reply_free(r);
  assert_db_unchanged(before);
  /* Not started: nothing to submit. */
  expect_problem(act(c, school_b, "submit", "\"0\""), 409, "conflict");
  expect_problem(act(c, school_b, "accept", "\"0\""), 409, "conflict");
  expect_problem(give_back(c, school_b, "\"0\"", "нет"), 409, "conflict");
}

static void test_late(void **state) {
  (void)state;
  long long past = campaign_with("open", "current_date - 1");
  expect(put(past, school_a, "\"0\"", FULL), 200, "draft", 1);
  struct http_reply *r = act(past, school_a, "submit", "\"1\"");
  assert_true(json_is_true(json_object_get(r->json, "late")));
  expect(r, 200, "submitted", 2);
  long long today = campaign_with("open", "current_date");
  expect(put(today, school_a, "\"0\"", FULL), 200, "draft", 1);
  r = act(today, school_a, "submit", "\"1\"");
  assert_true(json_is_false(json_object_get(r->json, "late")));
  expect(r, 200, "submitted", 2);
}

static void test_if_match(void **state) {
  (void)state;
  long long c = campaign();
  /* No If-Match: 428; a first save must say "0". */
  expect_problem(put(c, school_a, NULL, FULL), 428, "precondition_required");
  expect_problem(put(c, school_a, "\"1\"", FULL), 412, "precondition_failed");
  expect(put(c, school_a, "\"0\"", FULL), 200, "draft", 1);
  struct http_reply *r = put(c, school_a, "\"0\"", FULL);
  assert_problem(r, 412, "precondition_failed");
  assert_string_equal(r->etag, "\"1\"");
  http_reply_free(r);
  /* Two people edit version 1: the second does not overwrite the first. */
  expect(put(c, school_a, "\"1\"",
             "{\"values\":[{\"code\":\"TEACHERS_TOTAL\",\"value\":34}]}"),
         200, "draft", 2);
  char *before = db_fingerprint();
  r = put(c, school_a, "\"1\"",
          "{\"values\":[{\"code\":\"TEACHER_VACANCIES\",\"value\":2}]}");
  assert_problem(r, 412, "precondition_failed");
  assert_string_equal(r->etag, "\"2\"");
  http_reply_free(r);
  assert_db_unchanged(before);
  r = http_get("%s", subm(c, school_a, ""));
  json_t *values = json_object_get(r->json, "values");
  assert_int_equal(json_array_size(values), 1);
  assert_json_str(json_array_get(values, 0), "code", "TEACHERS_TOTAL");
  http_reply_free(r);
  /* Transitions too. */
  expect_problem(act(c, school_a, "submit", NULL), 428,
                 "precondition_required");
  expect_problem(act(c, school_a, "submit", "\"1\""), 412,
                 "precondition_failed");
}

static void test_campaign_status(void **state) {
  (void)state;
  long long draft = campaign_with("draft", "current_date + 14");
  expect_problem(put(draft, school_a, "\"0\"", FULL), 409, "conflict");
  long long c = campaign();
  expect(put(c, school_a, "\"0\"", FULL), 200, "draft", 1);
  expect(put(c, school_b, "\"0\"", FULL), 200, "draft", 1);
  expect(act(c, school_b, "submit", "\"1\""), 200, "submitted", 2);
  db_exec("UPDATE campaigns SET status = 'closed' WHERE id = %lld", c);
  expect_problem(put(c, school_a, "\"1\"", FULL), 409, "conflict");
  expect_problem(act(c, school_a, "submit", "\"1\""), 409, "conflict");
  expect_problem(put(c, school_far, "\"0\"", FULL), 409, "conflict");
  /* What came in before the close is still reviewed. */
  expect(act(c, school_b, "accept", "\"2\""), 200, "accepted", 3);
}

static void test_scope(void **state) {
  (void)state;
  long long c = campaign();
  struct territory t = kovrov();
  /* A school: its own submission only. */
  const char *school = make_token("school", "school", school_a);
  char admin[128]; /* use_token's answer lives in a ring buffer */
  snprintf(admin, sizeof admin, "%s", use_token(school));
  expect(put(c, school_a, "\"0\"", FULL), 200, "draft", 1);
  expect(act(c, school_a, "submit", "\"1\""), 200, "submitted", 2);
  expect_problem(put(c, school_b, "\"0\"", FULL), 404, "not_found");
  expect_problem(http_get("%s", subm(c, school_b, "")), 404, "not_found");
  expect_problem(act(c, school_a, "accept", "\"2\""), 403, "forbidden");
  json_t *all =
      pages(J("/api/v1/monitoring/campaigns/%lld/submissions", c), 10);
  assert_int_equal(json_array_size(all), 1);
  json_decref(all);
  /* A curator: the schools it is assigned to. */
  use_token(admin);
  long long curator = make_user("curator", "region", t.region_id);
  db_exec("INSERT INTO school_curators (school_id, full_name, starts_on,"
          " user_id) VALUES (%lld, 'Сидорова А.П.', current_date - 10, %lld)",
          school_a, curator);
  expect(put(c, school_b, "\"0\"", FULL), 200, "draft", 1);
  expect(act(c, school_b, "submit", "\"1\""), 200, "submitted", 2);
  use_token(token_for_user(curator));
  expect_problem(put(c, school_a, "\"2\"", FULL), 403, "forbidden");
  expect_problem(act(c, school_b, "accept", "\"2\""), 404, "not_found");
  expect(act(c, school_a, "accept", "\"2\""), 200, "accepted", 3);
  /* Municipal users: their municipality's schools only. */
  use_token(make_token("municipal", "municipality", muni_far));
  expect_problem(http_get("%s", subm(c, school_a, "")), 404, "not_found");
  expect_problem(act(c, school_b, "accept", "\"2\""), 404, "not_found");
  expect(put(c, school_far, "\"0\"", FULL), 200, "draft", 1);
  use_token(make_token("municipal", "municipality", t.municipality_id));
  expect(act(c, school_b, "accept", "\"2\""), 200, "accepted", 3);
  /* Another region sees no campaign of this one. */
  use_token(admin);
  long long other = create_region("37", "Ивановская область");
  use_token(make_token("admin", "region", other));
  expect_problem(http_get("%s", subm(c, school_a, "")), 404, "not_found");
  expect_problem(http_get("/api/v1/monitoring/campaigns/%lld/submissions", c),
                 404, "not_found");
  use_token(admin);
}

static void test_list(void **state) {
  (void)state;
  long long c = campaign();
  expect(put(c, school_a, "\"0\"", FULL), 200, "draft", 1);
  expect(put(c, school_b, "\"0\"", FULL), 200, "draft", 1);
  expect(act(c, school_b, "submit", "\"1\""), 200, "submitted", 2);
  const char *base = J("/api/v1/monitoring/campaigns/%lld/submissions", c);
  json_t *all = pages(base, 1);
  assert_int_equal(json_array_size(all), 3);
  /* By school short name: Мелеховская, СОШ № 1, СОШ № 2. */
  assert_json_int(json_array_get(all, 0), "school_id", school_b);
  assert_json_str(json_array_get(all, 0), "state", "submitted");
  assert_json_str(json_object_get(json_array_get(all, 0), "school"),
                  "short_name", "МБОУ Мелеховская СОШ");
  assert_json_str(json_array_get(all, 2), "state", "not_started");
  json_decref(all);
  struct http_reply *r = http_get("%s?state=not_started", base);
  assert_status(r, 200);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_array_get(items, 0), "school_id", school_far);
  http_reply_free(r);
  r = http_get("%s?municipality=%lld", base, kovrov().municipality_id);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
  http_reply_free(r);
  r = http_get("%s?state=lost", base);
  assert_validation(r, "query.state");
  http_reply_free(r);
  const char *h[] = {"Accept: text/csv; columns=keys", NULL};
  r = http_request("GET", base, NULL, h);
  assert_status(r, 200);
  assert_non_null(strstr(r->content_type, "text/csv"));
  assert_non_null(strstr(r->body, "school.short_name"));
  assert_non_null(strstr(r->body, "МБОУ Мелеховская СОШ"));
  http_reply_free(r);
  expect_problem(
      http_get("/api/v1/monitoring/campaigns/%lld/submissions", c + 1000), 404,
      "not_found");
}

/* GET /schools/{id}/submissions: one school across campaigns, newest
 * first, each as getSubmission answers it plus its campaign. */
static void test_school_card(void **state) {
  (void)state;
  setup_schools();
  long long card = create_school(kovrov().municipality_id, NULL,
                                 "МБОУ «Иваново-Эсинская СОШ»");
  long long c1 = campaign(), c2 = campaign(), c3 = campaign();
  db_exec("INSERT INTO campaign_schools (campaign_id, school_id)"
          " VALUES (%lld, %lld), (%lld, %lld), (%lld, %lld)",
          c1, card, c2, card, c3, card);
  campaign(); /* one that does not ask it */
  expect(put(c1, card, "\"0\"", FULL), 200, "draft", 1);
  expect(put(c2, card, "\"0\"", FULL), 200, "draft", 1);
  expect(act(c2, card, "submit", "\"1\""), 200, "submitted", 2);

  const char *base = J("/api/v1/schools/%lld/submissions", card);
  json_t *all = pages(base, 1);
  assert_int_equal(json_array_size(all), 3);
  json_t *newest = json_array_get(all, 0);
  assert_json_int(newest, "campaign_id", c3);
  assert_json_int(newest, "school_id", card);
  assert_json_str(newest, "state", "not_started");
  assert_json_int(newest, "version", 0);
  json_t *camp = json_object_get(newest, "campaign");
  assert_json_int(camp, "id", c3);
  assert_json_str(camp, "title", "Мониторинг кадров 2024/25");
  assert_json_str(camp, "period", "2024/25");
  assert_json_str(camp, "status", "open");
  assert_non_null(jstr(camp, "opens_on"));
  assert_non_null(jstr(camp, "deadline"));
  assert_json_int(json_array_get(all, 2), "campaign_id", c1);
  assert_json_str(json_array_get(all, 2), "state", "draft");
  /* The same submission getSubmission answers, and its campaign. */
  json_t *listed = json_deep_copy(json_array_get(all, 1));
  json_object_del(listed, "campaign");
  struct http_reply *r = http_get("%s", subm(c2, card, ""));
  assert_status(r, 200);
  assert_true(json_equal(listed, r->json));
  http_reply_free(r);
  json_decref(listed);
  json_decref(all);

  r = http_get("%s?state=submitted", base);
  assert_status(r, 200);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_array_get(items, 0), "campaign_id", c2);
  http_reply_free(r);
  r = http_get("%s?campaign=%lld&state=draft", base, c1);
  items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_array_get(items, 0), "campaign_id", c1);
  http_reply_free(r);
  r = http_get("%s?state=lost&campaign=0&school=1", base);
  assert_validation(r, "query.state", "query.campaign", "query.school");
  http_reply_free(r);

  /* The school itself; no other school, nor another municipality's user;
   * a school that is not there answers the same. */
  char admin[128];
  snprintf(admin, sizeof admin, "%s",
           use_token(make_token("school", "school", card)));
  all = pages(base, 50);
  assert_int_equal(json_array_size(all), 3);
  json_decref(all);
  use_token(make_token("school", "school", school_a));
  expect_problem(http_get("%s", base), 404, "not_found");
  use_token(make_token("municipal", "municipality", muni_far));
  expect_problem(http_get("%s", base), 404, "not_found");
  use_token(admin);
  r = http_get("/api/v1/schools/%lld/submissions", card + 100000);
  assert_problem(r, 404, "not_found");
  assert_string_equal(
      jstr(r->json, "detail"),
      J("no school with id %lld is within your scope", card + 100000));
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_not_started),
      cmocka_unit_test(test_lifecycle),
      cmocka_unit_test(test_every_bad_value_at_once),
      cmocka_unit_test(test_submit_needs_every_required),
      cmocka_unit_test(test_late),
      cmocka_unit_test(test_if_match),
      cmocka_unit_test(test_campaign_status),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_school_card),
  };
  harness_start("submissions");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
