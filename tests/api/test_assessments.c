/* /api/v1/assessments: the instruments (docs/ASSESSMENTS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ASSESSMENTS "/api/v1/assessments"

/* ВПР, mathematics, grade 5: tasks "1".."15", 1 point each for 1..10
 * (basic), 2 for 11..15 (advanced): 20 points; marks from 7, 12, 16. */
static const char *tasks_json(int n, int advanced_from, int advanced_score) {
  static char buf[16384];
  size_t len = (size_t)snprintf(buf, sizeof buf, "[");
  for (int i = 1; i <= n; i++)
    len += (size_t)snprintf(
        buf + len, sizeof buf - len,
        "%s{\"number\":\"%d\",\"max_score\":%d,\"level\":\"%s\","
        "\"element\":\"Задание %d\"}",
        i > 1 ? "," : "", i, i >= advanced_from ? advanced_score : 1,
        i >= advanced_from ? "advanced" : "basic", i);
  snprintf(buf + len, sizeof buf - len, "]");
  return buf;
}

static const char *vpr_body(int year, int grade, const char *subject) {
  return J("{'kind':'VPR','year':%d,'grade':%d,'subject_code':'%s',"
           "'subject_name':'Математика','held_on':'%d-04-15',"
           "'max_primary_score':20,'mark3_from':7,'mark4_from':12,"
           "'mark5_from':16,'tasks':%s}",
           year, grade, subject, year, tasks_json(15, 11, 2));
}

static long long vpr_math5;

static void test_create(void **state) {
  (void)state;
  struct http_reply *r = http_post(ASSESSMENTS, vpr_body(2025, 5, "math"));
  assert_status(r, 201);
  assert_string_equal(r->etag, "\"1\"");
  vpr_math5 = jint(r->json, "id");
  assert_string_equal(r->location, J(ASSESSMENTS "/%lld", vpr_math5));
  assert_json_str(r->json, "kind", "VPR");
  assert_json_int(r->json, "year", 2025);
  assert_json_str(r->json, "variant_set", "");
  assert_json_str(r->json, "held_on", "2025-04-15");
  assert_json_null(r->json, "min_test_score");
  const json_t *tasks = json_object_get(r->json, "tasks");
  assert_int_equal(json_array_size(tasks), 15);
  assert_json_str(json_array_get(tasks, 14), "number", "15");
  assert_json_str(json_array_get(tasks, 14), "level", "advanced");
  assert_json_int(json_array_get(tasks, 14), "max_score", 2);
  http_reply_free(r);
  /* The year's partition of the results is there. */
  assert_int_equal(db_count("SELECT count(*) FROM pg_class"
                            " WHERE relname = 'assessment_results_y2025'"),
                   1);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'assessment' AND action = 'create'"
                            " AND entity_id = %lld",
                            vpr_math5),
                   1);
  /* The same kind, year, grade, subject and variant set. */
  r = http_post(ASSESSMENTS, vpr_body(2025, 5, "math"));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.subject_code");
  http_reply_free(r);
  /* Another variant set is another instrument: ЕГЭ, basic and profile. */
  r = http_post(ASSESSMENTS,
                J("{'kind':'EGE','year':2025,'grade':11,'subject_code':'math',"
                  "'subject_name':'Математика (профильный уровень)',"
                  "'variant_set':'advanced','max_primary_score':6,"
                  "'min_test_score':27,'tasks':%s}",
                  tasks_json(4, 3, 2)));
  assert_status(r, 201);
  assert_json_int(r->json, "min_test_score", 27);
  assert_json_null(r->json, "mark3_from");
  http_reply_free(r);
  r = http_post(ASSESSMENTS,
                J("{'kind':'EGE','year':2025,'grade':11,'subject_code':'math',"
                  "'subject_name':'Математика (базовый уровень)',"
                  "'variant_set':'basic','max_primary_score':4,"
                  "'mark3_from':1,'mark4_from':2,'mark5_from':3,"
                  "'tasks':%s}",
                  tasks_json(4, 5, 1)));
  assert_status(r, 201);
  http_reply_free(r);
  check_bad_bodies(
      "POST", ASSESSMENTS, NULL, vpr_body(2024, 6, "math"),
      ((const char *[]){"kind", "year", "grade", "subject_code", "subject_name",
                        "max_primary_score", "tasks", NULL}));
}

static void test_every_error_at_once(void **state) {
  (void)state;
  char *before = db_fingerprint();
  /* Every field wrong. */
  struct http_reply *r = http_post(
      ASSESSMENTS,
      J("{'kind':'GIA','year':1999,'grade':12,'subject_code':'Math',"
        "'subject_name':'','variant_set':'Basic','held_on':'2025-02-30',"
        "'max_primary_score':0,'mark3_from':0,'mark4_from':'5',"
        "'mark5_from':1001,'min_test_score':101,'id':7,"
        "'tasks':[{'number':'1a','max_score':0,'level':'hard'},"
        "{'number':'2','max_score':101,'level':'basic','extra':1},"
        "{'max_score':1,'level':'basic'},"
        "{'number':'1234567890.12345','max_score':1,'level':'basic'}]}"));
  assert_validation(
      r, "$.kind", "$.year", "$.grade", "$.subject_code", "$.subject_name",
      "$.variant_set", "$.held_on", "$.max_primary_score", "$.mark3_from",
      "$.mark4_from", "$.mark5_from", "$.min_test_score", "$.id",
      "$.tasks[0].number", "$.tasks[0].max_score", "$.tasks[0].level",
      "$.tasks[1].max_score", "$.tasks[1].extra", "$.tasks[2].number",
      "$.tasks[3].number");
  http_reply_free(r);
  /* Fields fine one by one, wrong together: a repeated task number, the
   * sum of the tasks, the boundaries, a minimum test score off ЕГЭ. */
  r = http_post(ASSESSMENTS,
                J("{'kind':'VPR','year':2025,'grade':6,'subject_code':'math',"
                  "'subject_name':'Математика','max_primary_score':10,"
                  "'mark3_from':5,'mark4_from':5,'mark5_from':11,"
                  "'min_test_score':30,'tasks':[{'number':'1','max_score':2,"
                  "'level':'basic'},{'number':'2','max_score':2,'level':"
                  "'basic'},{'number':'1','max_score':2,'level':'basic'}]}"));
  assert_validation(r, "$.tasks[2].number", "$.max_primary_score",
                    "$.mark4_from", "$.mark5_from", "$.min_test_score");
  http_reply_free(r);
  /* Two boundaries of three; no tasks; too many tasks. */
  r = http_post(
      ASSESSMENTS,
      J("{'kind':'OGE','year':2025,'grade':9,'subject_code':'russian',"
        "'subject_name':'Русский язык','max_primary_score':2,"
        "'mark3_from':1,'mark5_from':2,'tasks':%s}",
        tasks_json(2, 3, 1)));
  assert_validation(r, "$.mark4_from");
  http_reply_free(r);
  r = http_post(
      ASSESSMENTS,
      J("{'kind':'OGE','year':2025,'grade':9,'subject_code':'russian',"
        "'subject_name':'Русский язык','max_primary_score':2,"
        "'tasks':[]}"));
  assert_validation(r, "$.tasks");
  http_reply_free(r);
  r = http_post(
      ASSESSMENTS,
      J("{'kind':'OGE','year':2025,'grade':9,'subject_code':'russian',"
        "'subject_name':'Русский язык','max_primary_score':65,"
        "'tasks':%s}",
        tasks_json(65, 66, 1)));
  assert_validation(r, "$.tasks");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_read(void **state) {
  (void)state;
  struct http_reply *r = http_get(ASSESSMENTS "/%lld", vpr_math5);
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  assert_json_str(r->json, "subject_name", "Математика");
  assert_json_int(r->json, "mark5_from", 16);
  http_reply_free(r);
  r = http_request("GET", J(ASSESSMENTS "/%lld", vpr_math5), NULL,
                   (const char *[]){"If-None-Match: \"1\"", NULL});
  assert_status(r, 304);
  http_reply_free(r);
  r = http_get(ASSESSMENTS "/999999");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  check_bad_ids("GET", ASSESSMENTS "/%s", "id", NULL, NULL);

  /* More of 2024: the list is newest year first, by kind, grade, subject. */
  for (int grade = 4; grade <= 8; grade++) {
    r = http_post(ASSESSMENTS, vpr_body(2024, grade, "math"));
    assert_status(r, 201);
    http_reply_free(r);
  }
  r = http_post(ASSESSMENTS, vpr_body(2024, 5, "russian"));
  assert_status(r, 201);
  http_reply_free(r);
  json_t *all = list_all(ASSESSMENTS, 2);
  assert_int_equal(json_array_size(all), 9);
  const json_t *first = json_array_get(all, 0);
  assert_json_str(first, "kind", "EGE");
  assert_json_str(first, "variant_set", "advanced");
  assert_json_int(json_array_get(all, 2), "year", 2025);
  assert_json_str(json_array_get(all, 2), "kind", "VPR");
  assert_json_int(json_array_get(all, 3), "year", 2024);
  assert_json_int(json_array_get(all, 3), "grade", 4);
  assert_json_str(json_array_get(all, 4), "subject_code", "math");
  assert_json_str(json_array_get(all, 5), "subject_code", "russian");
  json_decref(all);
  r = http_get(ASSESSMENTS "?kind=VPR&year=2024&grade=5");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
  http_reply_free(r);
  r = http_get(ASSESSMENTS "?subject_code=russian");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
  r = http_get(ASSESSMENTS "?kind=GIA&year=1999&grade=0&subject_code=X");
  assert_validation(r, "query.kind", "query.year", "query.grade",
                    "query.subject_code");
  http_reply_free(r);
  r = http_get(ASSESSMENTS "?cursor=not-a-cursor");
  assert_validation(r, "query.cursor");
  http_reply_free(r);
  r = http_request("GET", ASSESSMENTS "?kind=EGE", NULL,
                   (const char *[]){"Accept: text/csv", NULL});
  assert_status(r, 200);
  assert_non_null(strstr(r->content_type, "text/csv"));
  assert_non_null(strstr(r->body, "Математика (профильный уровень)"));
  http_reply_free(r);
}

static void test_update(void **state) {
  (void)state;
  const char *path = J(ASSESSMENTS "/%lld", vpr_math5);
  struct http_reply *r =
      http_patch(path, "\"1\"",
                 "{\"subject_name\":\"Математика (5 класс)\",\"held_on\":null,"
                 "\"mark3_from\":6}");
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_str(r->json, "subject_name", "Математика (5 класс)");
  assert_json_null(r->json, "held_on");
  assert_json_int(r->json, "mark3_from", 6);
  assert_json_int(r->json, "mark4_from", 12);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'assessment' AND action = 'update'"
                            " AND entity_id = %lld",
                            vpr_math5),
                   1);
  char *before = db_fingerprint();
  /* Against the stored instrument: max 20, marks from 6, 12, 16. */
  r = http_patch(path, "\"2\"", "{\"mark5_from\":21,\"mark4_from\":5}");
  assert_validation(r, "$.mark4_from", "$.mark5_from");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", "{\"max_primary_score\":15}");
  assert_validation(r, "$.max_primary_score", "$.mark5_from");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", "{\"mark4_from\":null}");
  assert_validation(r, "$.mark4_from");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", "{\"min_test_score\":40}");
  assert_validation(r, "$.min_test_score");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", "{\"grade\":12,\"id\":3}");
  assert_validation(r, "$.grade", "$.id");
  http_reply_free(r);
  /* Onto another instrument's key. */
  r = http_patch(path, "\"2\"", "{\"year\":2024}");
  assert_problem(r, 409, "already_exists");
  http_reply_free(r);
  check_if_match("PATCH", path, "{\"subject_name\":\"x\"}");
  assert_db_unchanged(before);
  r = http_patch(ASSESSMENTS "/999999", "\"1\"", "{\"subject_name\":\"x\"}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* A new year gets its partition. */
  r = http_patch(path, "\"2\"", "{\"year\":2026,\"held_on\":\"2026-04-20\"}");
  assert_status(r, 200);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM pg_class"
                            " WHERE relname = 'assessment_results_y2026'"),
                   1);
  /* Tasks and the maximum together. */
  r = http_patch(path, "\"3\"",
                 J("{'max_primary_score':16,'mark5_from':15,'tasks':%s}",
                   tasks_json(12, 9, 2)));
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "tasks")), 12);
  http_reply_free(r);
}

/* Results fix what they were checked against; delete is refused. */
static void test_results_lock(void **state) {
  (void)state;
  const char *path = J(ASSESSMENTS "/%lld", vpr_math5);
  long long school = create_school(kovrov().municipality_id, NULL, "Школа");
  db_exec("INSERT INTO assessment_results (year, assessment_id,"
          " participant_code, school_id, task_scores, primary_score, mark,"
          " import_id, import_row) VALUES (2026, %lld, 'P-0001', %lld,"
          " '{1,1,1,1,1,1,1,1,2,2,2,2}', 16, 5, 1, 1)",
          vpr_math5, school);
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums, score_counts,"
          " journal_known, confirmed, lowered, raised) VALUES (%lld, %lld, 1,"
          " '{0,0,0,1}', 0, 16, '{1,1,1,1,1,1,1,1,2,2,2,2}',"
          " '{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1}', 0, 0, 0, 0)",
          vpr_math5, school);
  char *before = db_fingerprint();
  struct http_reply *r = http_patch(
      path, "\"4\"",
      J("{'grade':6,'tasks':%s,'max_primary_score':14,'mark5_from':14}",
        tasks_json(11, 9, 2)));
  assert_problem(r, 409, "conflict");
  assert_error_count(r, 3);
  assert_error_path(r, "$.grade");
  assert_error_path(r, "$.tasks");
  assert_error_path(r, "$.max_primary_score");
  http_reply_free(r);
  r = http_delete(path, "\"4\"");
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  assert_db_unchanged(before);
  /* What the results do not depend on may change; so may nothing. */
  r = http_patch(path, "\"4\"",
                 "{\"kind\":\"VPR\",\"mark3_from\":5,\"subject_name\":"
                 "\"Математика\"}");
  assert_status(r, 200);
  http_reply_free(r);
  check_if_match("DELETE", path, NULL);
  /* Without results it goes, with its statistics. */
  db_exec("DELETE FROM assessment_results WHERE assessment_id = %lld",
          vpr_math5);
  r = http_delete(path, "\"4\"");
  assert_problem(r, 412, "precondition_failed");
  assert_string_equal(r->etag, "\"5\"");
  http_reply_free(r);
  r = http_delete(path, "\"5\"");
  assert_status(r, 204);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_school_stats"
                            " WHERE assessment_id = %lld",
                            vpr_math5),
                   0);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'assessment' AND action = 'delete'"
                            " AND entity_id = %lld AND before IS NOT NULL",
                            vpr_math5),
                   1);
  r = http_get("%s", path);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_delete(path, "\"5\"");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  check_bad_ids("DELETE", ASSESSMENTS "/%s", "id", "\"1\"", NULL);
}

/* Instruments are written by admins and ingest clients; read by all. */
static void test_roles(void **state) {
  (void)state;
  struct territory t = kovrov();
  const char *prev = use_token(make_token("ingest", "region", t.region_id));
  struct http_reply *r = http_post(ASSESSMENTS, vpr_body(2023, 4, "math"));
  assert_status(r, 201);
  http_reply_free(r);
  use_token(make_token("reader", "region", t.region_id));
  r = http_post(ASSESSMENTS, vpr_body(2023, 5, "math"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_get(ASSESSMENTS "?year=2023");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
  use_token(make_token("municipal", "municipality", t.municipality_id));
  r = http_post(ASSESSMENTS, vpr_body(2023, 5, "math"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(prev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create),
      cmocka_unit_test(test_every_error_at_once),
      cmocka_unit_test(test_read),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_results_lock),
      cmocka_unit_test(test_roles),
  };
  harness_start("assessments");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
