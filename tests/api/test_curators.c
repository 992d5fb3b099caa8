/* /api/v1/schools/{id}/curators: who follows a school, and when. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *const required[] = {"full_name", "starts_on", NULL};

static const char *curators_of(long long school) {
  return J("/api/v1/schools/%lld/curators", school);
}

static const char *curator_path(long long school, long long curator) {
  return J("/api/v1/schools/%lld/curators/%lld", school, curator);
}

/* Seed 003: the Borovsk district working group. */
static const char *aleksandrova(void) {
  return J("{'full_name':'Александрова Г.И.',"
           "'position':'заместитель директора',"
           "'organisation':'МОУ «СОШ № 4 г. Балабаново»',"
           "'email':'aleksandrova@example.ru','phone':'+7 (48438) 0-00-00',"
           "'starts_on':'2020-11-30','ends_on':null}");
}

static long long new_school(void) {
  return create_school(kovrov().municipality_id, NULL,
                       "МБОУ «Краснооктябрьская СОШ»");
}

static void test_create_and_list(void **state) {
  (void)state;
  long long school = new_school();
  struct http_reply *r = http_post(curators_of(school), aleksandrova());
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->location, curator_path(school, id));
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "school_id", school);
  assert_json_str(r->json, "full_name", "Александрова Г.И.");
  assert_json_str(r->json, "position", "заместитель директора");
  assert_json_str(r->json, "organisation", "МОУ «СОШ № 4 г. Балабаново»");
  assert_json_str(r->json, "email", "aleksandrova@example.ru");
  assert_json_str(r->json, "starts_on", "2020-11-30");
  assert_json_null(r->json, "ends_on");
  assert_json_int(r->json, "version", 1);
  http_reply_free(r);

  /* Only the required fields; an ending on the starting day. */
  long long second =
      api_create(curators_of(school),
                 J("{'full_name':'Медведева И.Е.','starts_on':'2021-01-11',"
                   "'ends_on':'2021-01-11'}"));
  json_t *items = list_all(curators_of(school), 1);
  char *ids = ids_of(items);
  assert_string_equal(ids, J("%lld,%lld", id, second));
  assert_json_null(json_array_get(items, 1), "position");
  assert_json_null(json_array_get(items, 1), "email");
  free(ids);
  json_decref(items);

  r = http_get("/api/v1/schools/999999/curators");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("%s?limit=0", curators_of(school));
  assert_validation(r, "query.limit");
  http_reply_free(r);
}

static void test_create_bad_inputs(void **state) {
  (void)state;
  long long school = new_school();
  char *path = strdup(curators_of(school));
  check_bad_bodies("POST", path, NULL, aleksandrova(), required);

  char *before = db_fingerprint();
  struct http_reply *r = http_post(
      path, J("{'full_name':'','email':'почта','starts_on':'2021-13-01'}"));
  assert_validation(r, "$.full_name", "$.email", "$.starts_on");
  http_reply_free(r);
  static const char *const bodies[][2] = {
      {"{'full_name':'Иванова','starts_on':'2021-09-01',"
       "'ends_on':'2021-08-31'}",
       "$.ends_on"},
      {"{'full_name':'   ','starts_on':'2021-09-01'}", "$.full_name"},
      {"{'full_name':'Иванова','starts_on':null}", "$.starts_on"},
      {"{'full_name':'Иванова','starts_on':'2021-09-01','school_id':%lld}",
       "$.school_id"},
      {"{'full_name':'Иванова','starts_on':'2021-09-01','email':'a@b@c'}",
       "$.email"},
      {"{'full_name':'Иванова','starts_on':'01.09.2021'}", "$.starts_on"},
      {"{'full_name':'Иванова','starts_on':'2021-09-01','position':5}",
       "$.position"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    r = http_post(path, J(bodies[i][0], school));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  char phone[60];
  memset(phone, '1', 51);
  phone[51] = '\0';
  r = http_post(path, J("{'full_name':'Иванова','starts_on':'2021-09-01',"
                        "'phone':'%s'}",
                        phone));
  assert_validation(r, "$.phone");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);

  check_bad_ids("POST", "/api/v1/schools/%s/curators", "id", NULL,
                aleksandrova());
  check_bad_ids("GET", "/api/v1/schools/%s/curators", "id", NULL, NULL);
}

static void test_update(void **state) {
  (void)state;
  long long school = new_school();
  long long id = api_create(curators_of(school), aleksandrova());
  char *path = strdup(curator_path(school, id));
  struct http_reply *r =
      http_patch(path, "\"1\"",
                 J("{'ends_on':'2023-12-31','position':null,'email':null}"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_str(r->json, "ends_on", "2023-12-31");
  assert_json_null(r->json, "position");
  assert_json_null(r->json, "email");
  assert_json_str(r->json, "organisation", "МОУ «СОШ № 4 г. Балабаново»");
  assert_json_str(r->json, "full_name", "Александрова Г.И.");
  http_reply_free(r);

  char *before = db_fingerprint();
  r = http_patch(path, "\"1\"", J("{'ends_on':'2024-12-31'}"));
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  /* Earlier than the stored starts_on (2020-11-30). */
  r = http_patch(path, "\"2\"", J("{'ends_on':'2020-11-29'}"));
  assert_problem(r, 400, "validation_failed");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", J("{'starts_on':'2024-01-01'}"));
  assert_problem(r, 400, "validation_failed");
  http_reply_free(r);
  r = http_patch(path, "\"2\"",
                 J("{'full_name':null,'starts_on':null,'school_id':1}"));
  assert_validation(r, "$.full_name", "$.starts_on", "$.school_id");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(
      db_count("SELECT version FROM school_curators WHERE id = %lld", id), 2);

  check_bad_bodies("PATCH", path, "\"2\"",
                   J("{'position':'методист','phone':'+7 900 000-00-00'}"),
                   NULL);
  check_if_match("PATCH", path, J("{'position':'методист'}"));
  check_bad_ids("PATCH", J("/api/v1/schools/%lld/curators/%%s", school),
                "curator_id", "\"2\"", J("{'position':'методист'}"));
  check_bad_ids("PATCH", J("/api/v1/schools/%%s/curators/%lld", id), "id",
                "\"2\"", J("{'position':'методист'}"));
  free(path);
}

static void test_delete(void **state) {
  (void)state;
  long long school = new_school();
  long long id = api_create(curators_of(school), aleksandrova());
  char *path = strdup(curator_path(school, id));
  check_if_match("DELETE", path, NULL);
  check_bad_ids("DELETE", J("/api/v1/schools/%lld/curators/%%s", school),
                "curator_id", "\"1\"", NULL);

  /* Through another school the curator does not exist. */
  long long other = new_school();
  char *before = db_fingerprint();
  struct http_reply *r = http_delete(curator_path(other, id), "\"1\"");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(curator_path(other, id), "\"1\"", J("{'position':'x'}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);

  r = http_delete(path, "\"1\"");
  assert_status(r, 204);
  assert_int_equal(r->len, 0);
  http_reply_free(r);
  assert_int_equal(
      db_count("SELECT count(*) FROM school_curators WHERE id = %lld", id), 0);
  r = http_delete(path, "\"1\"");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(path, "\"1\"", J("{'position':'x'}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);

  /* With its curator gone the school can be deleted. */
  r = http_delete(J("/api/v1/schools/%lld", school), "\"1\"");
  assert_status(r, 204);
  http_reply_free(r);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_list),
      cmocka_unit_test(test_create_bad_inputs),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_delete),
  };
  harness_start("curators");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
