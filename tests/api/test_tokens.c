/* Bearer tokens (docs/ACCESS.md "Answers"): what is not a valid token is
 * 401 with WWW-Authenticate; public routes need none; tokens never reach
 * the server log. The token cache is off here (OPORA_TOKEN_CACHE_TTL=0) so
 * that changes made in the database count at once; test_token_cache.c
 * shows the bound with the cache on. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_SEEN 32
static char seen[MAX_SEEN][64]; /* every token sent, for the log check */
static size_t n_seen;

static const char *remember(const char *token) {
  if (n_seen < MAX_SEEN)
    snprintf(seen[n_seen++], sizeof seen[0], "%s", token);
  return token;
}

static struct http_reply *get_with(const char *auth_line, const char *path) {
  const char *h[] = {auth_line, NULL};
  return http_request("GET", path, NULL, auth_line ? h : NULL);
}

static struct http_reply *get_bearer(const char *token) {
  return get_with(J("Authorization: Bearer %s", token), "/api/v1/regions");
}

static void assert_unauthorized(struct http_reply *r, int token_sent) {
  assert_problem(r, 401, "unauthorized");
  const char *w = http_header(r, "WWW-Authenticate");
  assert_non_null(w);
  if (token_sent)
    assert_string_equal(w, "Bearer realm=\"opora\", error=\"invalid_token\"");
  else
    assert_string_equal(w, "Bearer realm=\"opora\"");
}

static void test_absent_token(void **state) {
  (void)state;
  const char *was = remember(use_token(NULL));
  char keep[64];
  snprintf(keep, sizeof keep, "%s", was);
  struct http_reply *r = http_get("/api/v1/regions");
  assert_unauthorized(r, 0);
  http_reply_free(r);
  use_token(keep);
}

static void test_malformed_tokens(void **state) {
  (void)state;
  const char *chars43 = "abcdefghijABCDEFGHIJ0123456789-_abcdefghijk";
  assert_int_equal(strlen(chars43), 43);
  const char *lines[] = {
      J("Authorization: Bearer xxxxx_%s", chars43),     /* wrong prefix */
      J("Authorization: Bearer opora_%.42s", chars43),  /* too short */
      J("Authorization: Bearer opora_%sA", chars43),    /* too long */
      J("Authorization: Bearer opora_%.42s!", chars43), /* bad character */
      J("Authorization: Bearer opora_%.40s%%2F=", chars43),
      "Authorization: Bearer opora_",
      "Authorization: Bearer",
      "Authorization: Basic dXNlcjpwYXNzd29yZA==",
      "Authorization: Token opora_abc",
      "Authorization;", /* present and empty */
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    struct http_reply *r = get_with(lines[i], "/api/v1/regions");
    if (r->status != 401)
      printf("sent %s\n", lines[i]);
    assert_unauthorized(r, 1);
    http_reply_free(r);
  }
}

static void test_unknown_token(void **state) {
  (void)state;
  struct http_reply *r =
      get_bearer(remember("opora_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
  assert_unauthorized(r, 1);
  http_reply_free(r);
}

/* A token that works, then does not once the database says so. */
static void expect_cut_off(const char *token, const char *sql_fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_cut_off(const char *token, const char *sql_fmt, ...) {
  char sql[512];
  va_list ap;
  va_start(ap, sql_fmt);
  vsnprintf(sql, sizeof sql, sql_fmt, ap);
  va_end(ap);
  struct http_reply *r = get_bearer(remember(token));
  assert_status(r, 200);
  http_reply_free(r);
  db_exec("%s", sql);
  r = get_bearer(token);
  assert_unauthorized(r, 1);
  http_reply_free(r);
}

static void test_expired_revoked_inactive(void **state) {
  (void)state;
  long long region = create_region("tk-1", "Регион токенов");
  long long user = make_user("reader", "region", region);
  char t[64];
  snprintf(t, sizeof t, "%s", token_for_user(user));
  expect_cut_off(t,
                 "UPDATE auth_tokens SET expires_at = now() - interval "
                 "'1 second' WHERE token_hash = sha256('%s'::bytea)",
                 t);
  snprintf(t, sizeof t, "%s", token_for_user(user));
  expect_cut_off(t,
                 "UPDATE auth_tokens SET revoked_at = now()"
                 " WHERE token_hash = sha256('%s'::bytea)",
                 t);
  snprintf(t, sizeof t, "%s", token_for_user(user));
  expect_cut_off(t, "UPDATE users SET active = false WHERE id = %lld", user);

  long long client =
      db_count("INSERT INTO clients (client_id, role, scope_kind, region_id,"
               " secret_hash) VALUES ('tk-client', 'reader', 'region', %lld,"
               " sha256('x'::bytea)) RETURNING id",
               region);
  snprintf(t, sizeof t, "opora_%s",
           "ClientTokenClientTokenClientTokenClient-_12");
  assert_int_equal(strlen(t), 49);
  db_exec("INSERT INTO auth_tokens (token_hash, client_id, expires_at)"
          " VALUES (sha256('%s'::bytea), %lld, now() + interval '1 hour')",
          t, client);
  expect_cut_off(t, "UPDATE clients SET active = false WHERE id = %lld",
                 client);
}

static void test_public_routes(void **state) {
  (void)state;
  static const char *const paths[] = {"/health", "/ready", "/metrics",
                                      "/api/v1/openapi.yaml"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    char keep[64];
    snprintf(keep, sizeof keep, "%s", use_token(NULL));
    struct http_reply *r = http_get("%s", paths[i]);
    assert_status(r, 200);
    http_reply_free(r);
    use_token(keep);
  }
}

static void test_denials_are_problems(void **state) {
  (void)state;
  long long region = create_region("tk-2", "Регион отказов");
  const char *reader = remember(make_token("reader", "region", region));
  char keep[64];
  snprintf(keep, sizeof keep, "%s", use_token(reader));
  struct http_reply *r =
      http_post("/api/v1/regions", J("{'code':'tk-3','name':'Нет'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_get("/api/v1/schools/999999");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(keep);
}

/* Last: no token sent in this run is in the server log. */
static void test_tokens_not_logged(void **state) {
  (void)state;
  remember(use_token(NULL));
  FILE *f = fopen(server_log_path(), "r");
  assert_non_null(f);
  size_t cap = 1 << 20, len = 0;
  char *log = malloc(cap + 1);
  len = fread(log, 1, cap, f);
  log[len] = '\0';
  fclose(f);
  assert_true(len > 0);
  for (size_t i = 0; i < n_seen; i++)
    if (seen[i][0] != '\0' && strstr(log, seen[i]) != NULL) {
      printf("token %s is in %s\n", seen[i], server_log_path());
      fail();
    }
  assert_null(strstr(log, "Bearer opora_"));
  free(log);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_absent_token),
      cmocka_unit_test(test_malformed_tokens),
      cmocka_unit_test(test_unknown_token),
      cmocka_unit_test(test_expired_revoked_inactive),
      cmocka_unit_test(test_public_routes),
      cmocka_unit_test(test_denials_are_problems),
      cmocka_unit_test(test_tokens_not_logged),
  };
  setenv("OPORA_TOKEN_CACHE_TTL", "0", 1);
  harness_start("tokens");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
