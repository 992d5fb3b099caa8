/* /api/v1/regions: create, get, update, list, and every bad input. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define REGIONS "/api/v1/regions"

static const char *const required[] = {"code", "name", NULL};

/* A string of n copies of the UTF-8 character c. */
static const char *repeat(const char *c, size_t n) {
  size_t cl = strlen(c);
  char *s = malloc(n * cl + 1);
  for (size_t i = 0; i < n; i++)
    memcpy(s + i * cl, c, cl);
  s[n * cl] = '\0';
  const char *kept = J("%s", s);
  free(s);
  return kept;
}

static void test_create_and_get(void **state) {
  (void)state;
  struct http_reply *r =
      http_post(REGIONS, J("{'code':'57','name':'Орловская область'}"));
  assert_status(r, 201);
  assert_non_null(r->content_type);
  assert_true(strncmp(r->content_type, "application/json", 16) == 0);
  long long id = jint(r->json, "id");
  assert_true(id > 0);
  assert_json_str(r->json, "code", "57");
  assert_json_str(r->json, "name", "Орловская область");
  assert_json_int(r->json, "version", 1);
  assert_non_null(jstr(r->json, "created_at"));
  assert_non_null(jstr(r->json, "updated_at"));
  assert_string_equal(r->etag, "\"1\"");
  assert_string_equal(r->location, J(REGIONS "/%lld", id));
  char *created = json_dumps(r->json, JSON_SORT_KEYS);
  http_reply_free(r);

  r = http_get(REGIONS "/%lld", id);
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  char *got = json_dumps(r->json, JSON_SORT_KEYS);
  assert_string_equal(got, created); /* POST answers what GET shows */
  free(got);
  free(created);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM regions WHERE code = '57'"),
                   1);
}

static void test_lengths_count_characters(void **state) {
  (void)state;
  /* 300 Cyrillic letters are 600 bytes: still a valid name. */
  long long id = create_region(uniq("len"), repeat("Я", 300));
  assert_true(id > 0);
  char *before = db_fingerprint();
  struct http_reply *r = http_post(
      REGIONS, J("{'code':'%s','name':'%s'}", uniq("len"), repeat("Я", 301)));
  assert_validation(r, "$.name");
  http_reply_free(r);
  r = http_post(REGIONS, J("{'code':'%s','name':'x'}", repeat("7", 33)));
  assert_validation(r, "$.code");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_true(create_region(repeat("Ж", 32), "Ж") > 0);
}

static void test_create_bad_fields(void **state) {
  (void)state;
  char *before = db_fingerprint();
  /* Three problems at once: all three named. */
  struct http_reply *r = http_post(
      REGIONS, J("{'code':'','name':'%s','population':1}", repeat("x", 301)));
  assert_validation(r, "$.code", "$.name", "$.population");
  http_reply_free(r);

  static const char *const bodies[][2] = {
      {"{'code':'   ','name':'Курская область'}", "$.code"},
      {"{'code':'46','name':'   '}", "$.name"},
      {"{'code':null,'name':'Курская область'}", "$.code"},
      {"{'code':46,'name':'Курская область'}", "$.code"},
      {"{'code':'46','name':['Курская область']}", "$.name"},
      {"{'code':'46','name':'Курская область','id':5}", "$.id"},
      {"{'code':'46','name':'Курская область','version':1}", "$.version"},
      {"{'code':'46','name':'Курская область','created_at':'2024-01-01T00:00:"
       "00Z'}",
       "$.created_at"},
      {"{'name':'Курская область'}", "$.code"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    r = http_post(REGIONS, J("%s", bodies[i][0]));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  assert_db_unchanged(before);
}

static void test_create_bad_bodies(void **state) {
  (void)state;
  check_bad_bodies("POST", REGIONS, NULL,
                   J("{'code':'46','name':'Курская область'}"), required);
}

static void test_create_duplicate_code(void **state) {
  (void)state;
  kovrov(); /* region "33" */
  char *before = db_fingerprint();
  struct http_reply *r =
      http_post(REGIONS, J("{'code':'33','name':'Владимирская область'}"));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_get_bad_ids(void **state) {
  (void)state;
  check_bad_ids("GET", REGIONS "/%s", "id", NULL, NULL);
}

static void test_update(void **state) {
  (void)state;
  long long id = create_region(uniq("r"), "Калужская обл.");
  const char *path = J(REGIONS "/%lld", id);
  char *path_copy = strdup(path);
  struct http_reply *r =
      http_patch(path_copy, "\"1\"", J("{'name':'Калужская область'}"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_int(r->json, "version", 2);
  assert_json_str(r->json, "name", "Калужская область");
  assert_true(
      strcmp(jstr(r->json, "updated_at"), jstr(r->json, "created_at")) >= 0);
  http_reply_free(r);

  /* The old ETag is stale now. */
  char *before = db_fingerprint();
  r = http_patch(path_copy, "\"1\"", J("{'name':'Калуга'}"));
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  assert_db_unchanged(before);

  r = http_patch(path_copy, "\"2\"", J("{'code':'40'}"));
  assert_status(r, 200);
  assert_json_str(r->json, "code", "40");
  assert_json_str(r->json, "name", "Калужская область"); /* untouched */
  assert_string_equal(r->etag, "\"3\"");
  http_reply_free(r);

  r = http_get("%s", path_copy);
  assert_string_equal(r->etag, "\"3\"");
  assert_json_str(r->json, "code", "40");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT version FROM regions WHERE id = %lld", id),
                   3);
  free(path_copy);
}

static void test_update_bad_inputs(void **state) {
  (void)state;
  long long id = create_region(uniq("r"), "Свердловская область");
  char *path = strdup(J(REGIONS "/%lld", id));
  check_bad_bodies("PATCH", path, "\"1\"", J("{'name':'Свердловская обл.'}"),
                   NULL);
  check_if_match("PATCH", path, J("{'name':'Свердловская обл.'}"));
  check_bad_ids("PATCH", REGIONS "/%s", "id", "\"1\"", J("{'name':'x'}"));

  char *before = db_fingerprint();
  static const char *const bodies[][2] = {
      {"{'name':null}", "$.name"},
      {"{'code':null}", "$.code"},
      {"{'code':''}", "$.code"},
      {"{'id':7}", "$.id"},
      {"{'version':9}", "$.version"},
      {"{'updated_at':'2030-01-01T00:00:00Z'}", "$.updated_at"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    struct http_reply *r = http_patch(path, "\"1\"", J("%s", bodies[i][0]));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  /* Three problems at once. */
  struct http_reply *r =
      http_patch(path, "\"1\"", J("{'code':1,'name':'','x':true}"));
  assert_validation(r, "$.code", "$.name", "$.x");
  http_reply_free(r);

  /* Another region's code. */
  kovrov();
  r = http_patch(path, "\"1\"", J("{'code':'33'}"));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(db_count("SELECT version FROM regions WHERE id = %lld", id),
                   1);
  free(path);
}

static void test_no_delete(void **state) {
  (void)state;
  struct territory t = kovrov();
  char *before = db_fingerprint();
  struct http_reply *r = http_delete(J(REGIONS "/%lld", t.region_id), "\"1\"");
  assert_problem(r, 405, "method_not_allowed");
  assert_true(header_has_token(r, "Allow", "GET"));
  assert_true(header_has_token(r, "Allow", "PATCH"));
  assert_false(header_has_token(r, "Allow", "DELETE"));
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_list(void **state) {
  (void)state;
  kovrov();
  create_region(uniq("r"), "Кабардино-Балкарская Республика");
  create_region(uniq("r"), "Кабардино-Балкарская Республика"); /* same name */

  json_t *all = list_all(REGIONS, 500);
  char *got = ids_of(all);
  char *want = db_text(
      "SELECT string_agg(id::text, ',' ORDER BY name, id) FROM regions");
  assert_string_equal(got, want);
  free(got);
  json_decref(all);

  /* One by one, the same rows in the same order. */
  all = list_all(REGIONS, 1);
  got = ids_of(all);
  assert_string_equal(got, want);
  free(got);
  free(want);
  /* Items are whole regions. */
  json_t *first = json_array_get(all, 0);
  assert_non_null(jstr(first, "code"));
  assert_non_null(jstr(first, "name"));
  assert_true(jint(first, "version") >= 1);
  json_decref(all);

  struct http_reply *r = http_get(REGIONS);
  assert_status(r, 200);
  assert_true(json_is_null(json_object_get(r->json, "next_cursor")));
  http_reply_free(r);
}

static void test_list_search(void **state) {
  (void)state;
  kovrov();
  static const char *const queries[] = {"владимир", "ВЛАДИМИРСКАЯ",
                                        "мирская обл"};
  for (size_t i = 0; i < 3; i++) {
    json_t *items = list_all(J(REGIONS "?q=%s", esc(queries[i])), 50);
    char *got = ids_of(items);
    char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY name, id) "
                         "FROM regions WHERE name LIKE 'Владимирская%%'");
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(items);
  }
  /* LIKE wildcards and its escape character are plain characters. */
  static const char *const plain[] = {"\\", "a\\", "\\%", "'", "%_%"};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
    struct http_reply *p = http_get(REGIONS "?q=%s", esc(plain[i]));
    assert_status(p, 200);
    assert_int_equal(json_array_size(json_object_get(p->json, "items")), 0);
    http_reply_free(p);
  }
  struct http_reply *too_long = http_get(REGIONS "?q=%s", repeat("я", 201));
  assert_validation(too_long, "query.q");
  http_reply_free(too_long);
  struct http_reply *r = http_get(REGIONS "?q=%s", esc("%"));
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = http_get(REGIONS "?q=%s", esc("_"));
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
}

static void test_list_bad_query(void **state) {
  (void)state;
  static const char *const bad[][2] = {
      {"limit=0", "query.limit"},
      {"limit=501", "query.limit"},
      {"limit=abc", "query.limit"},
      {"limit=-1", "query.limit"},
      {"limit=", "query.limit"},
      {"limit=1.5", "query.limit"},
      {"cursor=garbage", "query.cursor"},
      {"cursor=", "query.cursor"},
      {"cursor=eyJ4IjoxfQ", "query.cursor"},
      {"sort=name", "query.sort"},
      {"limit=10&limit=20", "query.limit"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct http_reply *r = http_get(REGIONS "?%s", bad[i][0]);
    assert_problem(r, 400, "validation_failed");
    assert_error_path(r, bad[i][1]);
    http_reply_free(r);
  }
  struct http_reply *r = http_get(REGIONS "?limit=0&bogus=1");
  assert_validation(r, "query.limit", "query.bogus");
  http_reply_free(r);
  r = http_get(REGIONS "?limit=500");
  assert_status(r, 200);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_get),
      cmocka_unit_test(test_lengths_count_characters),
      cmocka_unit_test(test_create_bad_fields),
      cmocka_unit_test(test_create_bad_bodies),
      cmocka_unit_test(test_create_duplicate_code),
      cmocka_unit_test(test_get_bad_ids),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_update_bad_inputs),
      cmocka_unit_test(test_no_delete),
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_list_search),
      cmocka_unit_test(test_list_bad_query),
  };
  harness_start("regions");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
