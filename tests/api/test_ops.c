/* Operational endpoints and the HTTP core: health, readiness, metrics, the
 * spec, routing errors, HEAD, CORS, request ids, body limits and body
 * parsing, database outages. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The `version:` of the served spec's `info`, malloc'ed. */
static char *spec_info_version(void) {
  struct http_reply *r = http_get("/api/v1/openapi.yaml");
  assert_status(r, 200);
  const char *info = strstr(r->body, "\ninfo:\n");
  assert_non_null(info);
  const char *v = strstr(info, "\n  version: ");
  assert_non_null(v);
  v += strlen("\n  version: ");
  char *version = strndup(v, strcspn(v, "\n"));
  http_reply_free(r);
  return version;
}

static void test_health(void **state) {
  (void)state;
  struct http_reply *r = http_get("/health");
  assert_status(r, 200);
  assert_non_null(r->content_type);
  assert_true(strncmp(r->content_type, "application/json", 16) == 0);
  assert_json_str(r->json, "status", "ok");
  assert_non_null(r->request_id);
  /* The binary's version, the one its spec states. */
  char *version = spec_info_version();
  assert_json_str(r->json, "version", version);
  free(version);
  http_reply_free(r);
}

static void test_ready(void **state) {
  (void)state;
  long long latest = db_count("SELECT max(version) FROM schema_migrations");
  struct http_reply *r = http_get("/ready");
  assert_status(r, 200);
  assert_json_str(r->json, "status", "ready");
  assert_json_int(r->json, "schema_version", latest);
  assert_json_int(r->json, "schema_expected", latest);
  http_reply_free(r);
}

/* The database's schema against the binary's: ahead (a newer release has
 * migrated during a rolling upgrade) is ready; behind (not migrated, or
 * restored from an older backup) is not, and says so. */
static void test_ready_schema_versions(void **state) {
  (void)state;
  long long latest = db_count("SELECT max(version) FROM schema_migrations");
  db_exec("INSERT INTO schema_migrations (version, name, checksum) "
          "VALUES (%lld, 'from_a_newer_release.sql', 'x')",
          latest + 1);
  struct http_reply *r = http_get("/ready");
  assert_status(r, 200);
  assert_json_int(r->json, "schema_version", latest + 1);
  assert_json_int(r->json, "schema_expected", latest);
  http_reply_free(r);
  /* `opora migrate` of the older binary applies nothing, says which schema
   * the database is at, and warns. */
  int status = -1;
  const char *out = run_opora("migrate", &status);
  assert_int_equal(status, 0);
  char *at = harness_fmt("schema at version %lld", latest + 1);
  assert_non_null(strstr(out, at));
  free(at);
  assert_non_null(strstr(out, "is newer than this binary's"));
  db_exec("DELETE FROM schema_migrations WHERE version = %lld", latest + 1);
  out = run_opora("migrate", &status);
  assert_int_equal(status, 0);
  assert_null(strstr(out, "newer"));

  /* The last migration set aside: the database is one behind. */
  db_exec("UPDATE schema_migrations SET version = -version WHERE version = "
          "%lld",
          latest);
  r = http_get("/ready");
  db_exec("UPDATE schema_migrations SET version = -version WHERE version = "
          "%lld",
          -latest);
  assert_status(r, 503);
  assert_json_str(r->json, "status", "not_ready");
  assert_json_int(r->json, "schema_version", latest - 1);
  assert_json_int(r->json, "schema_expected", latest);
  assert_non_null(strstr(jstr(r->json, "reason"), "run opora migrate"));
  assert_non_null(http_header(r, "Retry-After"));
  http_reply_free(r);

  r = http_get("/ready");
  assert_status(r, 200);
  http_reply_free(r);
}

/* `opora version`: the binary's version and the schema it migrates to. */
static void test_version_command(void **state) {
  (void)state;
  char *version = spec_info_version();
  long long latest = db_count("SELECT max(version) FROM schema_migrations");
  char *want = harness_fmt("opora %s (schema %lld)\n", version, latest);
  int status = -1;
  assert_string_equal(run_opora("version", &status), want);
  assert_int_equal(status, 0);
  assert_string_equal(run_opora("--version", &status), want);
  assert_int_equal(status, 0);
  assert_non_null(strstr(run_opora("--help", &status), "  version "));
  free(want);
  free(version);
}

/* The value of the sample line starting with `series`, or -1. */
static double metric(const char *text, const char *series) {
  for (const char *p = strstr(text, series); p; p = strstr(p + 1, series))
    if ((p == text || p[-1] == '\n') && p[strlen(series)] == ' ')
      return strtod(p + strlen(series) + 1, NULL);
  return -1;
}

static void test_metrics(void **state) {
  (void)state;
  struct territory t = kovrov();
  http_reply_free(http_get("/api/v1/regions"));
  http_reply_free(http_get("/api/v1/regions/%lld", t.region_id));
  http_reply_free(http_get("/api/v1/regions/unknown-id-4711"));
  http_reply_free(http_get("/no-such-path-4711"));
  struct http_reply *r = http_get("/metrics");
  assert_status(r, 200);
  assert_non_null(r->content_type);
  assert_true(strncmp(r->content_type, "text/plain", 10) == 0);
  assert_non_null(strstr(r->content_type, "version=0.0.4"));
  assert_non_null(strstr(r->body, "# TYPE opora_http_requests_total counter"));
  assert_non_null(
      strstr(r->body, "# TYPE opora_http_request_duration_seconds histogram"));
  assert_non_null(strstr(r->body, "opora_db_connections"));
  assert_non_null(strstr(r->body, "opora_db_errors_total"));
  /* The outage state (tests/fault/db_outage.sh shows it changing). */
  assert_true(metric(r->body, "opora_db_up") == 1);
  assert_true(metric(r->body, "opora_db_outage_seconds") == 0);
  assert_true(metric(r->body, "opora_db_connect_attempts_total") >= 1);
  assert_non_null(strstr(r->body, "# TYPE opora_db_refused_total counter"));
  const char *list = "opora_http_requests_total{route=\"/api/v1/regions\","
                     "method=\"GET\",status=\"200\"}";
  double before = metric(r->body, list);
  assert_true(before >= 1);
  /* Routes are labelled by template; raw paths never become labels. */
  assert_non_null(strstr(r->body, "route=\"/api/v1/regions/{id}\""));
  assert_null(strstr(r->body, "4711"));
  http_reply_free(r);

  http_reply_free(http_get("/api/v1/regions"));
  r = http_get("/metrics");
  assert_true(metric(r->body, list) == before + 1);
  http_reply_free(r);
}

static void test_openapi(void **state) {
  (void)state;
  struct http_reply *r = http_get("/api/v1/openapi.yaml");
  assert_status(r, 200);
  assert_non_null(r->content_type);
  assert_true(strncmp(r->content_type, "application/yaml", 16) == 0);
  assert_true(strncmp(r->body, "openapi: 3.1", 12) == 0);
  assert_non_null(strstr(r->body, "/schools/{id}"));
  http_reply_free(r);
}

static void test_unknown_path(void **state) {
  (void)state;
  static const char *const paths[] = {"/",
                                      "/nope",
                                      "/api/v1/nope",
                                      "/api/v1/regions/1/extra",
                                      "/api/v2/regions",
                                      "/api/v1/schools/"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    struct http_reply *r = http_get("%s", paths[i]);
    assert_problem(r, 404, "not_found");
    http_reply_free(r);
  }
  struct http_reply *r = http_post("/api/v1/nope", "{}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
}

static void test_method_not_allowed(void **state) {
  (void)state;
  struct http_reply *r = http_request("DELETE", "/api/v1/regions", NULL, NULL);
  assert_problem(r, 405, "method_not_allowed");
  assert_true(header_has_token(r, "Allow", "GET"));
  assert_true(header_has_token(r, "Allow", "POST"));
  assert_false(header_has_token(r, "Allow", "DELETE"));
  http_reply_free(r);

  r = http_request("PUT", "/api/v1/schools/1", "{}", NULL);
  assert_problem(r, 405, "method_not_allowed");
  assert_true(header_has_token(r, "Allow", "GET"));
  assert_true(header_has_token(r, "Allow", "PATCH"));
  assert_true(header_has_token(r, "Allow", "DELETE"));
  assert_false(header_has_token(r, "Allow", "PUT"));
  http_reply_free(r);

  r = http_post("/health", "{}");
  assert_problem(r, 405, "method_not_allowed");
  assert_true(header_has_token(r, "Allow", "GET"));
  http_reply_free(r);

  char *before = db_fingerprint();
  r = http_request("DELETE", "/api/v1/regions/1", NULL, NULL);
  assert_problem(r, 405, "method_not_allowed");
  assert_true(header_has_token(r, "Allow", "PATCH"));
  http_reply_free(r);
  assert_db_unchanged(before);
}

/* The head of a raw response up to the blank line, and what follows it. */
static void split_raw(char *raw, char **head, char **body) {
  char *end = strstr(raw, "\r\n\r\n");
  assert_non_null(end);
  *end = '\0';
  *head = raw;
  *body = end + 4;
}

static const char *find_ci(const char *hay, const char *needle) {
  for (size_t n = strlen(needle); *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0)
      return hay;
  return NULL;
}

static void assert_raw_header_same(const char *get_head, const char *head_head,
                                   const char *name) {
  const char *a = find_ci(get_head, name), *b = find_ci(head_head, name);
  if (!a) {
    assert_null(b);
    return;
  }
  assert_non_null(b);
  size_t la = strcspn(a, "\r"), lb = strcspn(b, "\r");
  if (la != lb || strncmp(a, b, la) != 0) {
    print_error("GET %.*s but HEAD %.*s\n", (int)la, a, (int)lb, b);
    fail();
  }
}

/* HEAD: the GET answer's status and headers, no body bytes on the wire. */
static void check_head(const char *path) {
  char *get_req =
      strdup(J("GET %s HTTP/1.1\r\nHost: t\r\nX-Request-Id: same-id\r\n"
               "Connection: close\r\n\r\n",
               path));
  char *head_req =
      strdup(J("HEAD %s HTTP/1.1\r\nHost: t\r\nX-Request-Id: same-id\r\n"
               "Connection: close\r\n\r\n",
               path));
  size_t gl, hl;
  char *g = raw_http(get_req, strlen(get_req), &gl);
  char *hd = raw_http(head_req, strlen(head_req), &hl);
  char *gh, *gb, *hh, *hb;
  split_raw(g, &gh, &gb);
  split_raw(hd, &hh, &hb);
  assert_true(strncmp(gh, "HTTP/1.1 200", 12) == 0);
  assert_true(strncmp(hh, "HTTP/1.1 200", 12) == 0);
  assert_true(strlen(gb) > 0);
  if (*hb != '\0') {
    print_error("HEAD %s sent a body: %s\n", path, hb);
    fail();
  }
  static const char *const names[] = {
      "\r\nContent-Type:", "\r\nETag:", "\r\nContent-Length:",
      "\r\nX-Request-Id:"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    assert_raw_header_same(gh, hh, names[i]);
  free(g);
  free(hd);
  free(get_req);
  free(head_req);
}

static void test_head(void **state) {
  (void)state;
  struct territory t = kovrov();
  check_head("/health");
  check_head("/api/v1/regions");
  check_head(J("/api/v1/regions/%lld", t.region_id));
  check_head("/api/v1/openapi.yaml");

  struct http_reply *r =
      http_request("HEAD", "/api/v1/regions/999999", NULL, NULL);
  assert_status(r, 404);
  assert_int_equal(r->len, 0);
  http_reply_free(r);
}

static void test_cors_preflight(void **state) {
  (void)state;
  const char *h[] = {
      "Origin: " HARNESS_ORIGIN, "Access-Control-Request-Method: PATCH",
      "Access-Control-Request-Headers: if-match, content-type", NULL};
  struct http_reply *r = http_request("OPTIONS", "/api/v1/schools/1", NULL, h);
  assert_status(r, 204);
  assert_int_equal(r->len, 0);
  assert_non_null(http_header(r, "Access-Control-Allow-Origin"));
  assert_string_equal(http_header(r, "Access-Control-Allow-Origin"),
                      HARNESS_ORIGIN);
  assert_true(header_has_token(r, "Access-Control-Allow-Methods", "PATCH"));
  assert_true(header_has_token(r, "Access-Control-Allow-Headers", "If-Match"));
  assert_true(
      header_has_token(r, "Access-Control-Allow-Headers", "Content-Type"));
  assert_non_null(http_header(r, "Access-Control-Max-Age"));
  assert_true(header_has_token(r, "Vary", "Origin"));
  http_reply_free(r);
}

static void test_cors_other_origin(void **state) {
  (void)state;
  const char *pre[] = {"Origin: https://evil.example",
                       "Access-Control-Request-Method: DELETE", NULL};
  struct http_reply *r =
      http_request("OPTIONS", "/api/v1/schools/1", NULL, pre);
  assert_null(http_header(r, "Access-Control-Allow-Origin"));
  assert_null(http_header(r, "Access-Control-Allow-Methods"));
  assert_true(r->status < 500);
  http_reply_free(r);

  /* A prefix or suffix of the allowed origin is another origin. */
  const char *near[] = {"Origin: https://opora-front.example.evil.example",
                        NULL};
  r = http_request("GET", "/api/v1/regions", NULL, near);
  assert_status(r, 200);
  assert_null(http_header(r, "Access-Control-Allow-Origin"));
  http_reply_free(r);

  const char *other[] = {"Origin: https://evil.example", NULL};
  r = http_request("GET", "/api/v1/regions", NULL, other);
  assert_status(r, 200);
  assert_null(http_header(r, "Access-Control-Allow-Origin"));
  assert_true(header_has_token(r, "Vary", "Origin"));
  http_reply_free(r);
}

/* With origins configured, every answer depends on Origin, so a cache (a
 * browser's included) must not hand an answer made without one, or for
 * another origin, to an allowed origin's script: Vary: Origin on all. */
static void test_cors_vary_without_origin(void **state) {
  (void)state;
  struct http_reply *r =
      http_request("GET", "/api/v1/openapi.yaml", NULL, NULL);
  assert_status(r, 200);
  assert_null(http_header(r, "Access-Control-Allow-Origin"));
  assert_true(header_has_token(r, "Vary", "Origin"));
  http_reply_free(r);
  r = http_request("GET", "/api/v1/nothing-here", NULL, NULL);
  assert_status(r, 404);
  assert_true(header_has_token(r, "Vary", "Origin"));
  http_reply_free(r);
}

static void test_cors_simple_request(void **state) {
  (void)state;
  const char *h[] = {"Origin: " HARNESS_ORIGIN, NULL};
  struct http_reply *r = http_request("GET", "/api/v1/regions", NULL, h);
  assert_status(r, 200);
  assert_non_null(http_header(r, "Access-Control-Allow-Origin"));
  assert_string_equal(http_header(r, "Access-Control-Allow-Origin"),
                      HARNESS_ORIGIN);
  assert_true(header_has_token(r, "Vary", "Origin"));
  assert_true(header_has_token(r, "Access-Control-Expose-Headers", "ETag"));
  assert_true(header_has_token(r, "Access-Control-Expose-Headers", "Location"));
  assert_true(
      header_has_token(r, "Access-Control-Expose-Headers", "X-Request-Id"));
  /* A front end reads a table's file name. */
  assert_true(header_has_token(r, "Access-Control-Expose-Headers",
                               "Content-Disposition"));
  http_reply_free(r);

  /* Problems carry CORS headers too, or the front end cannot read them. */
  r = http_request("GET", "/api/v1/schools/999999", NULL, h);
  assert_problem(r, 404, "not_found");
  assert_non_null(http_header(r, "Access-Control-Allow-Origin"));
  http_reply_free(r);
}

static int sane_id(const char *id) {
  size_t n = strlen(id);
  return n >= 1 && n <= 64 &&
         strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789._-") == n;
}

static void test_request_id(void **state) {
  (void)state;
  const char *sane[] = {"X-Request-Id: front-42.retry_1", NULL};
  struct http_reply *r = http_request("GET", "/health", NULL, sane);
  assert_non_null(r->request_id);
  assert_string_equal(r->request_id, "front-42.retry_1");
  http_reply_free(r);

  char max[80] = "X-Request-Id: ";
  memset(max + strlen(max), 'a', 64);
  const char *h64[] = {max, NULL};
  r = http_request("GET", "/health", NULL, h64);
  assert_string_equal(r->request_id, max + strlen("X-Request-Id: "));
  http_reply_free(r);

  char long_id[256] = "X-Request-Id: ";
  memset(long_id + strlen(long_id), 'b', 200);
  static const char *const insane[] = {
      "X-Request-Id: has spaces in it", "X-Request-Id: quote\"d",
      "X-Request-Id: слово", "X-Request-Id: a/b", NULL};
  for (size_t i = 0; i < 5; i++) {
    const char *one[] = {i < 4 ? insane[i] : long_id, NULL};
    r = http_request("GET", "/api/v1/nope", NULL, one);
    assert_problem(r, 404, "not_found"); /* body request_id == header */
    assert_true(sane_id(r->request_id));
    assert_null(strstr(one[0], r->request_id));
    http_reply_free(r);
  }

  /* Generated ids differ between requests. */
  struct http_reply *a = http_get("/health"), *b = http_get("/health");
  assert_true(sane_id(a->request_id));
  assert_string_not_equal(a->request_id, b->request_id);
  http_reply_free(a);
  http_reply_free(b);
}

/* {"code":"big","name":"xxxx..."} of exactly `size` bytes. */
static char *body_of_size(size_t size) {
  const char *head = "{\"code\":\"big\",\"name\":\"", *tail = "\"}";
  char *b = malloc(size + 1);
  memset(b, 'x', size);
  memcpy(b, head, strlen(head));
  memcpy(b + size - strlen(tail), tail, strlen(tail));
  b[size] = '\0';
  return b;
}

static void test_body_too_large(void **state) {
  (void)state;
  char *body = body_of_size(100 * 1024);
  static const char *const variants[][3] = {
      {"Expect:", NULL, NULL},              /* Content-Length, body sent */
      {"Expect: 100-continue", NULL, NULL}, /* rejected before the body */
      {"Transfer-Encoding: chunked", "Expect:", NULL}, /* no length known */
  };
  for (size_t i = 0; i < 3; i++) {
    print_message("  100 KB body with %s\n", variants[i][0]);
    char *before = db_fingerprint();
    struct http_reply *r =
        http_request("POST", "/api/v1/regions", body, variants[i]);
    assert_problem(r, 413, "payload_too_large");
    http_reply_free(r);
    assert_db_unchanged(before);
  }
  free(body);

  /* Just under the limit the body is read and judged on its fields. */
  body = body_of_size(HARNESS_MAX_BODY - 16);
  char *before = db_fingerprint();
  struct http_reply *r = http_post("/api/v1/regions", body);
  assert_validation(r, "$.name");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(body);

  /* The server still answers on a fresh request afterwards. */
  r = http_get("/health");
  assert_status(r, 200);
  http_reply_free(r);
}

static void test_bad_bodies(void **state) {
  (void)state;
  const char *required[] = {"code", "name", NULL};
  check_bad_bodies("POST", "/api/v1/regions", NULL,
                   J("{'code':'99','name':'Тестовая область'}"), required);
}

static void test_content_type_parameters(void **state) {
  (void)state;
  const char *h[] = {"Content-Type: application/json; charset=utf-8", NULL};
  struct http_reply *r = http_request(
      "POST", "/api/v1/regions",
      J("{'code':'%s','name':'Орловская область'}", uniq("57")), h);
  assert_status(r, 201);
  http_reply_free(r);

  const char *latin1[] = {"Content-Type: application/json; charset=latin1",
                          NULL};
  char *before = db_fingerprint();
  r = http_request("POST", "/api/v1/regions",
                   J("{'code':'%s','name':'Orel'}", uniq("57")), latin1);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  assert_db_unchanged(before);
}

/* JSON that parsers commonly get wrong: each a 400 invalid_json. (A
 * \u0000, a number too large and a BOM: tests/api/test_json.c.) */
static void test_json_edge_cases(void **state) {
  (void)state;
  static const char *const bodies[] = {
      "{\"code\":\"n1\",\"name\":\"a\\ud800b\"}", /* lone surrogate */
      "{\"code\":\"n1\",\"name\":\"a\\x41\"}",    /* bad escape */
      "{\"code\":\"n1\",\"name\":\"tab\there\"}", /* raw control */
      "{'code':'n1'}",                            /* single quotes */
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    char *before = db_fingerprint();
    struct http_reply *r = http_post("/api/v1/regions", bodies[i]);
    assert_problem(r, 400, "invalid_json");
    http_reply_free(r);
    assert_db_unchanged(before);
  }
  /* 30000 levels of nesting, inside the body limit. */
  size_t depth = 30000;
  char *deep = malloc(2 * depth + 1);
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  deep[2 * depth] = '\0';
  char *before = db_fingerprint();
  struct http_reply *r = http_post("/api/v1/regions", deep);
  assert_problem(r, 400, "invalid_json");
  http_reply_free(r);
  free(deep);
  assert_db_unchanged(before);
}

/* A connection the server held is killed: the next requests reconnect. */
static void test_db_reconnect(void **state) {
  (void)state;
  db_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  for (int i = 0; i < 6; i++) {
    struct http_reply *r = http_get("/api/v1/regions");
    assert_status(r, 200);
    http_reply_free(r);
  }
}

/* The database refuses connections: 503 with Retry-After; /health stays up;
 * service resumes when the database is back. */
static void test_db_unavailable(void **state) {
  (void)state;
  db_admin_exec("ALTER DATABASE \"%s\" ALLOW_CONNECTIONS false", db_name());
  db_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  struct http_reply *r = http_get("/api/v1/regions");
  int ok503 = r->status == 503;
  if (ok503) {
    assert_problem(r, 503, "database_unavailable");
    ok503 = http_header(r, "Retry-After") != NULL;
  }
  struct http_reply *ready = http_get("/ready");
  struct http_reply *health = http_get("/health");
  long ready_status = ready->status, health_status = health->status;
  struct http_reply *m = http_get("/metrics");
  double up = metric(m->body, "opora_db_up");
  http_reply_free(m);
  db_admin_exec("ALTER DATABASE \"%s\" ALLOW_CONNECTIONS true", db_name());
  if (!ok503) {
    print_error("expected 503 database_unavailable with Retry-After\n");
    assert_problem(r, 503, "database_unavailable");
    fail();
  }
  assert_int_equal(ready_status, 503);
  assert_int_equal(health_status, 200);
  assert_true(up == 0); /* the outage is in /metrics */
  http_reply_free(r);
  http_reply_free(ready);
  http_reply_free(health);

  long status = 0;
  for (int i = 0; i < 100 && status != 200; i++) {
    r = http_get("/api/v1/regions");
    status = r->status;
    http_reply_free(r);
    if (status != 200) {
      struct timespec ts = {0, 100000000L};
      nanosleep(&ts, NULL);
    }
  }
  assert_int_equal(status, 200);
}

/* SIGTERM: the listener closes, a request in flight still gets its answer,
 * and the server exits 0 (checked by harness_finish). Runs last. */
static void test_graceful_shutdown(void **state) {
  (void)state;
  /* Hold the regions table so that a list request waits in the database. */
  db_exec("BEGIN");
  db_exec("LOCK TABLE regions IN ACCESS EXCLUSIVE MODE");
  const char *req = "GET /api/v1/regions HTTP/1.1\r\nHost: t\r\n"
                    "Connection: close\r\n\r\n";
  int fd = raw_send(req, strlen(req));
  assert_true(fd >= 0);
  struct timespec pause = {0, 300000000L};
  nanosleep(&pause, NULL);
  assert_true(db_count("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity "
                       "a USING (pid) WHERE NOT l.granted AND a.datname = "
                       "current_database()") >= 1);

  server_signal(SIGTERM);
  nanosleep(&pause, NULL);
  int running = server_running();
  int refused = raw_send(req, strlen(req));
  if (refused >= 0)
    close(refused);
  db_exec("COMMIT");

  size_t len;
  char *answer = raw_read(fd, &len);
  if (strncmp(answer, "HTTP/1.1 200", 12) != 0) {
    print_error("the request in flight got: %.200s\n", answer);
    fail();
  }
  free(answer);
  assert_true(running);     /* it waited for the request */
  assert_true(refused < 0); /* and took no new connection meanwhile */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_health),
      cmocka_unit_test(test_ready),
      cmocka_unit_test(test_ready_schema_versions),
      cmocka_unit_test(test_version_command),
      cmocka_unit_test(test_metrics),
      cmocka_unit_test(test_openapi),
      cmocka_unit_test(test_unknown_path),
      cmocka_unit_test(test_method_not_allowed),
      cmocka_unit_test(test_head),
      cmocka_unit_test(test_cors_preflight),
      cmocka_unit_test(test_cors_other_origin),
      cmocka_unit_test(test_cors_vary_without_origin),
      cmocka_unit_test(test_cors_simple_request),
      cmocka_unit_test(test_request_id),
      cmocka_unit_test(test_body_too_large),
      cmocka_unit_test(test_bad_bodies),
      cmocka_unit_test(test_content_type_parameters),
      cmocka_unit_test(test_json_edge_cases),
      cmocka_unit_test(test_db_reconnect),
      cmocka_unit_test(test_db_unavailable),
      cmocka_unit_test(test_graceful_shutdown), /* last: stops the server */
  };
  harness_start("ops");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
