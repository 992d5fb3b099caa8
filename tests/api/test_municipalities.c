/* /api/v1/municipalities: create, get, update, list by region, bad inputs. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MUNIS "/api/v1/municipalities"

static const char *const required[] = {"region_id", "code", "name", NULL};

/* The Sverdlovsk region, created once. */
static long long sverdlovsk(void) {
  static long long id;
  if (!id)
    id = create_region("66", "Свердловская область");
  return id;
}

static void test_create_and_get(void **state) {
  (void)state;
  struct territory t = kovrov();
  struct http_reply *r = http_get(MUNIS "/%lld", t.municipality_id);
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "id", t.municipality_id);
  assert_json_int(r->json, "region_id", t.region_id);
  assert_json_str(r->json, "name", "Ковровский район");
  assert_json_str(r->json, "kind", "MUNICIPAL_DISTRICT"); /* the default */
  assert_json_int(r->json, "version", 1);
  assert_non_null(jstr(r->json, "created_at"));
  http_reply_free(r);

  r = http_post(MUNIS, J("{'region_id':%lld,'code':'66-kushva',"
                         "'name':'Кушвинский городской округ',"
                         "'kind':'CITY_OKRUG'}",
                         sverdlovsk()));
  assert_status(r, 201);
  assert_json_str(r->json, "kind", "CITY_OKRUG");
  assert_json_int(r->json, "region_id", sverdlovsk());
  assert_string_equal(r->location, J(MUNIS "/%lld", jint(r->json, "id")));
  http_reply_free(r);
}

static void test_create_missing_region(void **state) {
  (void)state;
  char *before = db_fingerprint();
  struct http_reply *r =
      http_post(MUNIS, J("{'region_id':999999,'code':'57-livny',"
                         "'name':'Ливенский район'}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.region_id");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_create_duplicate_code(void **state) {
  (void)state;
  struct territory t = kovrov();
  char *before = db_fingerprint();
  struct http_reply *r = http_post(
      MUNIS, J("{'region_id':%lld,'code':'33-kovrov','name':'Ковровский р-н'}",
               t.region_id));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_create_bad_fields(void **state) {
  (void)state;
  struct territory t = kovrov();
  char *before = db_fingerprint();
  struct http_reply *r =
      http_post(MUNIS, J("{'region_id':'33','code':'33-x','name':'',"
                         "'kind':'DISTRICT'}"));
  assert_validation(r, "$.region_id", "$.name", "$.kind");
  http_reply_free(r);

  static const char *const bodies[][2] = {
      {"{'region_id':0,'code':'a','name':'Вязниковский район'}", "$.region_id"},
      {"{'region_id':-3,'code':'a','name':'Вязниковский район'}",
       "$.region_id"},
      {"{'region_id':1.5,'code':'a','name':'Вязниковский район'}",
       "$.region_id"},
      {"{'region_id':%lld,'code':'a','name':'Вязниковский район',"
       "'kind':'municipal_district'}",
       "$.kind"},
      {"{'region_id':%lld,'code':'a','name':'Вязниковский район','kind':null}",
       "$.kind"},
      {"{'region_id':%lld,'code':'a','name':'Вязниковский район',"
       "'region':'33'}",
       "$.region"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    r = http_post(MUNIS, J(bodies[i][0], t.region_id));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  assert_db_unchanged(before);
}

static void test_create_bad_bodies(void **state) {
  (void)state;
  struct territory t = kovrov();
  check_bad_bodies("POST", MUNIS, NULL,
                   J("{'region_id':%lld,'code':'33-vyazniki',"
                     "'name':'Вязниковский район','kind':'MUNICIPAL_DISTRICT'}",
                     t.region_id),
                   required);
}

static void test_get_bad_ids(void **state) {
  (void)state;
  check_bad_ids("GET", MUNIS "/%s", "id", NULL, NULL);
}

static void test_update(void **state) {
  (void)state;
  long long id =
      create_municipality(kovrov().region_id, uniq("m"), "город Ковров");
  char *path = strdup(J(MUNIS "/%lld", id));
  struct http_reply *r =
      http_patch(path, "\"1\"", J("{'kind':'CITY_OKRUG','name':'Ковров'}"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_str(r->json, "kind", "CITY_OKRUG");
  assert_json_str(r->json, "name", "Ковров");
  http_reply_free(r);

  r = http_patch(path, "\"2\"", J("{'region_id':%lld}", sverdlovsk()));
  assert_status(r, 200);
  assert_json_int(r->json, "region_id", sverdlovsk());
  assert_json_str(r->json, "kind", "CITY_OKRUG");
  assert_string_equal(r->etag, "\"3\"");
  http_reply_free(r);
  free(path);
}

static void test_update_bad_inputs(void **state) {
  (void)state;
  long long id =
      create_municipality(kovrov().region_id, uniq("m"), "Камешковский район");
  char *path = strdup(J(MUNIS "/%lld", id));
  const char *body = J("{'name':'Камешковский муниципальный округ'}");
  check_bad_bodies("PATCH", path, "\"1\"", body, NULL);
  check_if_match("PATCH", path, J("{'kind':'MUNICIPAL_OKRUG'}"));
  check_bad_ids("PATCH", MUNIS "/%s", "id", "\"1\"",
                J("{'kind':'MUNICIPAL_OKRUG'}"));

  char *before = db_fingerprint();
  struct http_reply *r = http_patch(path, "\"1\"", J("{'region_id':999999}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.region_id");
  http_reply_free(r);
  r = http_patch(path, "\"1\"", J("{'code':'33-kovrov'}"));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);
  static const char *const bodies[][2] = {
      {"{'region_id':null}", "$.region_id"},
      {"{'kind':'ГОРОДСКОЙ_ОКРУГ'}", "$.kind"},
      {"{'name':null}", "$.name"},
      {"{'id':1}", "$.id"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    r = http_patch(path, "\"1\"", J("%s", bodies[i][0]));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  r = http_patch(path, "\"1\"", J("{'region_id':'1','kind':1,'nme':'x'}"));
  assert_validation(r, "$.region_id", "$.kind", "$.nme");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(
      db_count("SELECT version FROM municipalities WHERE id = %lld", id), 1);
  free(path);
}

static void test_list(void **state) {
  (void)state;
  long long orel = create_region(uniq("57"), "Орловская область");
  long long a = create_municipality(orel, uniq("m"), "Ливенский район");
  long long b = create_municipality(orel, uniq("m"), "Должанский район");
  long long c = create_municipality(orel, uniq("m"), "город Ливны");
  kovrov();

  json_t *items = list_all(J(MUNIS "?region=%lld", orel), 2);
  char *got = ids_of(items);
  /* By name: Должанский, Ливенский, город Ливны (collation decides). */
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY name, id) "
                       "FROM municipalities WHERE region_id = %lld",
                       orel);
  assert_string_equal(got, want);
  assert_int_equal(json_array_size(items), 3);
  json_t *item;
  size_t i;
  json_array_foreach(items, i, item) {
    assert_json_int(item, "region_id", orel);
    long long id = jint(item, "id");
    assert_true(id == a || id == b || id == c);
  }
  free(got);
  free(want);
  json_decref(items);

  items = list_all(J(MUNIS "?q=%s", esc("ливен")), 50);
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_array_get(items, 0), "id", a);
  json_decref(items);

  items = list_all(MUNIS, 3);
  got = ids_of(items);
  want = db_text(
      "SELECT string_agg(id::text, ',' ORDER BY name, id) FROM municipalities");
  assert_string_equal(got, want);
  free(got);
  free(want);
  json_decref(items);

  struct http_reply *r = http_get(MUNIS "?region=999999");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
}

static void test_list_bad_query(void **state) {
  (void)state;
  static const char *const bad[][2] = {
      {"region=abc", "query.region"},
      {"region=0", "query.region"},
      {"region=-1", "query.region"},
      {"limit=0", "query.limit"},
      {"limit=501", "query.limit"},
      {"cursor=%%21%%21", "query.cursor"},
      {"municipality=1", "query.municipality"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct http_reply *r = http_get(MUNIS "?%s", bad[i][0]);
    assert_problem(r, 400, "validation_failed");
    assert_error_path(r, bad[i][1]);
    http_reply_free(r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_get),
      cmocka_unit_test(test_create_missing_region),
      cmocka_unit_test(test_create_duplicate_code),
      cmocka_unit_test(test_create_bad_fields),
      cmocka_unit_test(test_create_bad_bodies),
      cmocka_unit_test(test_get_bad_ids),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_update_bad_inputs),
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_list_bad_query),
  };
  harness_start("municipalities");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
