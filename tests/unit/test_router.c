/* Router: template matching, parameters, the Allow set for 405, HEAD, and
 * odd paths. Uses its own table so it does not depend on the handlers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"

static void h_list(struct request *rq) {
  (void)rq;
}
static void h_item(struct request *rq) {
  (void)rq;
}
static void h_head(struct request *rq) {
  (void)rq;
}

static const struct route table[] = {
    {HTTP_GET, "/health", h_list, "getHealth", PERM_PUBLIC, 0, NULL, NULL, NULL,
     NULL, NULL},
    {HTTP_GET, "/api/v1/schools", h_list, "listSchools", PERM_SCHOOLS_READ, 0,
     NULL, NULL, NULL, NULL, NULL},
    {HTTP_POST, "/api/v1/schools", h_item, "createSchool", PERM_SCHOOLS_CREATE,
     ROUTE_BODY_JSON, NULL, NULL, NULL, NULL, NULL},
    {HTTP_GET, "/api/v1/schools/{id}", h_item, "getSchool", PERM_PUBLIC, 0,
     NULL, NULL, NULL, NULL, NULL},
    {HTTP_PATCH, "/api/v1/schools/{id}", h_item, "updateSchool", PERM_PUBLIC, 0,
     NULL, NULL, NULL, NULL, NULL},
    {HTTP_DELETE, "/api/v1/schools/{id}", h_item, "deleteSchool", PERM_PUBLIC,
     0, NULL, NULL, NULL, NULL, NULL},
    {HTTP_PATCH, "/api/v1/schools/{id}/statuses/{status_id}", h_item,
     "updateStatus", PERM_PUBLIC, 0, NULL, NULL, NULL, NULL, NULL},
    {HTTP_POST, "/api/v1/uploads", h_item, "upload", PERM_PUBLIC, 0, NULL, NULL,
     NULL, NULL, NULL},
    {HTTP_HEAD, "/api/v1/probe", h_head, "headProbe", PERM_PUBLIC, 0, NULL,
     NULL, NULL, NULL, NULL},
    {HTTP_GET, "/api/v1/probe", h_list, "getProbe", PERM_PUBLIC, 0, NULL, NULL,
     NULL, NULL, NULL},
    {HTTP_GET, "/a/{p1}/{p2}/{p3}/{p4}", h_list, "four", PERM_PUBLIC, 0, NULL,
     NULL, NULL, NULL, NULL},
    {HTTP_GET, "/b/{p1}/{p2}/{p3}/{p4}/{p5}", h_list, "five", PERM_PUBLIC, 0,
     NULL, NULL, NULL, NULL, NULL},
};

#define N (sizeof table / sizeof table[0])

static const char *op(const struct route_match *m) {
  return m->route ? m->route->operation_id : "(none)";
}

/* Asserts parameter i is name=value. */
static void expect_param(const struct route_match *m, size_t i,
                         const char *name, const char *value) {
  assert_true(i < m->n_params);
  assert_int_equal(m->names_len[i], strlen(name));
  assert_memory_equal(m->names[i], name, strlen(name));
  assert_int_equal(m->values_len[i], strlen(value));
  assert_memory_equal(m->values_start[i], value, strlen(value));
}

static void test_method_parse_and_name(void **state) {
  (void)state;
  static const char *const names[] = {"GET",   "HEAD",   "POST",   "PUT",
                                      "PATCH", "DELETE", "OPTIONS"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    enum http_method m = http_method_parse(names[i]);
    assert_int_not_equal(m, HTTP_OTHER);
    assert_string_equal(http_method_name(m), names[i]);
  }
  assert_int_equal(http_method_parse("GET"), HTTP_GET);
  assert_int_equal(http_method_parse("DELETE"), HTTP_DELETE);
  assert_int_equal(http_method_parse("get"), HTTP_OTHER);
  assert_int_equal(http_method_parse("TRACE"), HTTP_OTHER);
  assert_int_equal(http_method_parse("GETX"), HTTP_OTHER);
  assert_int_equal(http_method_parse(""), HTTP_OTHER);
  assert_int_equal(http_method_parse(NULL), HTTP_OTHER);
  assert_string_equal(http_method_name(HTTP_OTHER), "OTHER");
}

static void test_static_routes(void **state) {
  (void)state;
  struct route_match m;
  assert_true(router_match(table, N, HTTP_GET, "/health", &m));
  assert_string_equal(op(&m), "getHealth");
  assert_int_equal(m.n_params, 0);
  assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_OPTIONS);

  assert_true(router_match(table, N, HTTP_POST, "/api/v1/schools", &m));
  assert_string_equal(op(&m), "createSchool");
  assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_OPTIONS);
}

static void test_params(void **state) {
  (void)state;
  struct route_match m;
  assert_true(router_match(table, N, HTTP_GET, "/api/v1/schools/42", &m));
  assert_string_equal(op(&m), "getSchool");
  assert_int_equal(m.n_params, 1);
  expect_param(&m, 0, "id", "42");

  const char *path = "/api/v1/schools/7/statuses/abc";
  assert_true(router_match(table, N, HTTP_PATCH, path, &m));
  assert_string_equal(op(&m), "updateStatus");
  assert_int_equal(m.n_params, 2);
  expect_param(&m, 0, "id", "7");
  expect_param(&m, 1, "status_id", "abc");
  /* Values point into the path, not into a copy. */
  assert_ptr_equal(m.values_start[0], path + strlen("/api/v1/schools/"));

  /* Any non-empty segment matches: checking it is the handler's job. */
  assert_true(router_match(table, N, HTTP_GET, "/api/v1/schools/x%20y", &m));
  expect_param(&m, 0, "id", "x%20y");

  assert_true(router_match(table, N, HTTP_GET, "/a/1/2/3/4", &m));
  assert_int_equal(m.n_params, 4);
  expect_param(&m, 3, "p4", "4");
}

static void test_too_many_params_never_match(void **state) {
  (void)state;
  struct route_match m;
  assert_false(router_match(table, N, HTTP_GET, "/b/1/2/3/4/5", &m));
  assert_int_equal(m.allowed, 0);
}

static void test_not_found(void **state) {
  (void)state;
  struct route_match m;
  const char *paths[] = {"/",
                         "",
                         "/nope",
                         "/api/v1/school",
                         "/api/v1/schoolsX",
                         "/api/v1/schools/1/2",
                         "/api/v1/schools/1/statuses",
                         "/API/V1/SCHOOLS",
                         "health",
                         "/health/",
                         "/health?x=1"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    assert_false(router_match(table, N, HTTP_GET, paths[i], &m));
    assert_null(m.route);
    assert_int_equal(m.allowed, 0);
    assert_int_equal(m.n_params, 0);
  }
  assert_false(router_match(table, N, HTTP_GET, NULL, &m));
  assert_int_equal(m.allowed, 0);
  assert_false(router_match(table, 0, HTTP_GET, "/health", &m));
  assert_int_equal(m.allowed, 0);
}

static void test_trailing_slash_and_empty_segments(void **state) {
  (void)state;
  struct route_match m;
  const char *paths[] = {"/api/v1/schools/",
                         "/api/v1/schools/1/",
                         "/api/v1/schools//",
                         "/api/v1//schools",
                         "//api/v1/schools",
                         "//",
                         "/api/v1/schools//statuses/1",
                         "/api/v1/schools/1/statuses/",
                         "/api/v1/schools/1/statuses//"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    assert_false(router_match(table, N, HTTP_GET, paths[i], &m));
    assert_false(router_match(table, N, HTTP_PATCH, paths[i], &m));
    assert_int_equal(m.allowed, 0);
  }
}

static void test_long_path(void **state) {
  (void)state;
  struct route_match m;
  char path[10000];
  strcpy(path, "/api/v1/schools/");
  memset(path + 16, '9', sizeof path - 17);
  path[sizeof path - 1] = '\0';
  assert_true(router_match(table, N, HTTP_GET, path, &m));
  assert_int_equal(m.values_len[0], sizeof path - 17);
  memset(path, '/', sizeof path - 1);
  assert_false(router_match(table, N, HTTP_GET, path, &m));
}

static void test_method_not_allowed(void **state) {
  (void)state;
  struct route_match m;
  assert_false(router_match(table, N, HTTP_PUT, "/api/v1/schools/1", &m));
  assert_null(m.route);
  assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_PATCH | HTTP_DELETE |
                                  HTTP_OPTIONS);
  assert_false(router_match(table, N, HTTP_OTHER, "/api/v1/schools/1", &m));
  assert_int_not_equal(m.allowed, 0);

  /* No GET route: HEAD is neither allowed nor routed. */
  assert_false(router_match(table, N, HTTP_HEAD, "/api/v1/uploads", &m));
  assert_int_equal(m.allowed, HTTP_POST | HTTP_OPTIONS);
}

static void test_options(void **state) {
  (void)state;
  struct route_match m;
  /* The server answers OPTIONS itself: no route, but allowed. */
  assert_false(router_match(table, N, HTTP_OPTIONS, "/api/v1/uploads", &m));
  assert_null(m.route);
  assert_true(m.allowed & HTTP_OPTIONS);
}

static void test_head(void **state) {
  (void)state;
  struct route_match m;
  assert_true(router_match(table, N, HTTP_HEAD, "/api/v1/schools/5", &m));
  assert_string_equal(op(&m), "getSchool");
  assert_int_equal(m.route->method, HTTP_GET);
  expect_param(&m, 0, "id", "5");
  /* A route declared for HEAD wins over the GET fallback, wherever it is. */
  assert_true(router_match(table, N, HTTP_HEAD, "/api/v1/probe", &m));
  assert_string_equal(op(&m), "headProbe");
  assert_true(router_match(table, N, HTTP_GET, "/api/v1/probe", &m));
  assert_string_equal(op(&m), "getProbe");
}

static void test_allow_header(void **state) {
  (void)state;
  char buf[96];
  router_allow_header(HTTP_OPTIONS | HTTP_PATCH | HTTP_HEAD | HTTP_GET, buf,
                      sizeof buf);
  assert_string_equal(buf, "GET, HEAD, PATCH, OPTIONS");
  router_allow_header(0xffu, buf, sizeof buf);
  assert_string_equal(buf, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  router_allow_header(HTTP_DELETE, buf, sizeof buf);
  assert_string_equal(buf, "DELETE");
  router_allow_header(0, buf, sizeof buf);
  assert_string_equal(buf, "");

  /* A short buffer keeps whole names only. */
  char small[12];
  router_allow_header(HTTP_GET | HTTP_HEAD | HTTP_POST, small, sizeof small);
  assert_string_equal(small, "GET, HEAD");
  char tiny[1] = {'x'};
  router_allow_header(HTTP_GET, tiny, sizeof tiny);
  assert_int_equal(tiny[0], '\0');
  router_allow_header(HTTP_GET, NULL, 0);
}

static void test_allow_from_match(void **state) {
  (void)state;
  struct route_match m;
  char buf[96];
  router_match(table, N, HTTP_PUT, "/api/v1/schools/9", &m);
  router_allow_header(m.allowed, buf, sizeof buf);
  assert_string_equal(buf, "GET, HEAD, PATCH, DELETE, OPTIONS");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_method_parse_and_name),
      cmocka_unit_test(test_static_routes),
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_too_many_params_never_match),
      cmocka_unit_test(test_not_found),
      cmocka_unit_test(test_trailing_slash_and_empty_segments),
      cmocka_unit_test(test_long_path),
      cmocka_unit_test(test_method_not_allowed),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_head),
      cmocka_unit_test(test_allow_header),
      cmocka_unit_test(test_allow_from_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
