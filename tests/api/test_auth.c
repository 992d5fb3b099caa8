/* POST /auth/login, POST /auth/token, DELETE /auth/token, GET /me, and the
 * `opora user add` / `opora client add` commands that make the accounts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct {
  char password[64]; /* of "smirnova", a municipal user of Kovrov */
  char secret[64];   /* of "rcoi-vladimir", an ingest client */
} acct;

/* The value after `marker` in a command's output, up to the line's end. */
static void value_after(const char *out, const char *marker, char *buf,
                        size_t len) {
  const char *p = strstr(out, marker);
  assert_non_null(p);
  p += strlen(marker);
  size_t n = strcspn(p, "\n");
  assert_true(n > 0 && n < len);
  memcpy(buf, p, n);
  buf[n] = '\0';
}

static void make_accounts(void) {
  if (acct.password[0] != '\0')
    return;
  struct territory t = kovrov();
  int status;
  const char *out = run_opora(
      J("user add --login smirnova --role municipal --scope municipality:%lld"
        " --full-name 'Смирнова Ольга Петровна'"
        " --position 'Главный специалист управления образования'",
        t.municipality_id),
      &status);
  assert_int_equal(status, 0);
  value_after(out, "one-time password: ", acct.password, sizeof acct.password);
  out = run_opora(J("client add --client-id rcoi-vladimir --role ingest"
                    " --scope region:%lld --description 'РЦОИ Владимирской "
                    "области'",
                    t.region_id),
                  &status);
  assert_int_equal(status, 0);
  value_after(out, "secret (shown once): ", acct.secret, sizeof acct.secret);
}

static struct http_reply *login(const char *user, const char *password) {
  const char *saved = use_token(NULL);
  struct http_reply *r =
      http_post("/api/v1/auth/login",
                J("{'login':'%s','password':'%s'}", user, password));
  use_token(saved);
  return r;
}

static void test_cli_refuses_bad_accounts(void **state) {
  (void)state;
  int status;
  const char *out =
      run_opora("user add --login x1 --role boss --scope global", &status);
  assert_int_equal(status, 2);
  assert_non_null(strstr(out, "--role"));
  out =
      run_opora("user add --login x2 --role school --scope region:1", &status);
  assert_int_equal(status, 2);
  assert_non_null(strstr(out, "cannot have a region scope"));
  out = run_opora("user add --login x3 --role reader --scope region:abc",
                  &status);
  assert_int_equal(status, 2);
  assert_non_null(strstr(out, "--scope"));
  out = run_opora("user add --login x4 --role reader --scope region:999999",
                  &status);
  assert_int_equal(status, 1);
  assert_non_null(strstr(out, "--scope names nothing"));
  assert_int_equal(db_count("SELECT count(*) FROM users WHERE login LIKE 'x_'"),
                   0);
}

static void test_login_and_me(void **state) {
  (void)state;
  make_accounts();
  struct http_reply *r = login("smirnova", acct.password);
  assert_status(r, 200);
  assert_json_str(r->json, "token_type", "Bearer");
  assert_json_int(r->json, "expires_in", 28800);
  assert_string_equal(http_header(r, "Cache-Control"), "no-store");
  const char *token = jstr(r->json, "access_token");
  assert_int_equal(strlen(token), 49);
  assert_true(strncmp(token, "opora_", 6) == 0);
  json_t *user = json_object_get(r->json, "user");
  assert_json_str(user, "login", "smirnova");
  assert_json_str(user, "role", "municipal");
  assert_json_str(user, "full_name", "Смирнова Ольга Петровна");
  char *saved = strdup(token);
  http_reply_free(r);

  const char *admin = use_token(saved);
  r = http_get("/api/v1/me");
  assert_status(r, 200);
  assert_json_str(r->json, "kind", "user");
  assert_json_str(json_object_get(r->json, "scope"), "kind", "municipality");
  json_t *perms = json_object_get(r->json, "permissions");
  assert_true(json_array_size(perms) > 0);
  char *text = json_dumps(perms, 0);
  assert_non_null(strstr(text, "schools:create"));
  assert_null(strstr(text, "users:admin"));
  free(text);
  http_reply_free(r);
  /* The login is in the audit trail, with the user as actor. */
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE action ="
                            " 'login' AND actor_name = 'smirnova'"),
                   1);
  assert_int_equal(db_count("SELECT count(*) FROM users WHERE login ="
                            " 'smirnova' AND last_login_at IS NOT NULL"),
                   1);

  /* Revoking the token in use: 204, then the token no longer works. */
  r = http_request("DELETE", "/api/v1/auth/token", NULL, NULL);
  assert_status(r, 204);
  http_reply_free(r);
  r = http_get("/api/v1/me");
  assert_problem(r, 401, "unauthorized");
  http_reply_free(r);
  use_token(admin);
  free(saved);
}

static void test_login_failures(void **state) {
  (void)state;
  make_accounts();
  char *before = db_fingerprint();
  struct http_reply *r = login("smirnova", "не тот пароль");
  assert_problem(r, 401, "invalid_credentials");
  assert_null(json_object_get(r->json, "access_token"));
  http_reply_free(r);
  r = login("nobody-here", "whatever");
  assert_problem(r, 401, "invalid_credentials");
  http_reply_free(r);
  /* Failed attempts are audited, under the login that was tried. */
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE action ="
                            " 'login_failed' AND actor_kind = 'anonymous'"),
                   2);
  db_exec("DELETE FROM audit_events WHERE action = 'login_failed'");
  assert_db_unchanged(before);

  const char *saved = use_token(NULL);
  r = http_post("/api/v1/auth/login", "{'login':'smirnova'}");
  assert_status(r, 400);
  http_reply_free(r);
  r = http_post("/api/v1/auth/login",
                "{\"login\": 5, \"password\": \"x\", \"remember\": true}");
  assert_validation(r, "$.login", "$.remember");
  http_reply_free(r);
  use_token(saved);
}

/* Five failures are answered 401; then the login must wait (429 with
 * Retry-After) and its password is not even checked. */
static void test_login_throttled(void **state) {
  (void)state;
  int status;
  char password[64];
  const char *out =
      run_opora(J("user add --login ivanova --role reader --scope region:%lld",
                  kovrov().region_id),
                &status);
  assert_int_equal(status, 0);
  value_after(out, "one-time password: ", password, sizeof password);
  for (int i = 0; i < 5; i++) {
    struct http_reply *r = login("ivanova", "wrong");
    assert_problem(r, 401, "invalid_credentials");
    http_reply_free(r);
  }
  struct http_reply *r = login("ivanova", password); /* even the right one */
  assert_problem(r, 429, "too_many_attempts");
  assert_non_null(http_header(r, "Retry-After"));
  assert_true(atoi(http_header(r, "Retry-After")) >= 1);
  http_reply_free(r);
  /* Once the wait is over, the right password works and clears the count. */
  db_exec("UPDATE audit_events SET at = at - interval '1 minute'"
          " WHERE action = 'login_failed' AND actor_name = 'ivanova'");
  r = login("ivanova", password);
  assert_status(r, 200);
  http_reply_free(r);
  r = login("ivanova", "wrong");
  assert_problem(r, 401, "invalid_credentials");
  http_reply_free(r);
  db_exec("DELETE FROM audit_events WHERE action = 'login_failed'");
}

/* An office behind one address (docs/ACCESS.md, "Failed logins"): four
 * colleagues' typos, 20 failures in all, do not lock out a fifth who types
 * the right password; 20 failures of logins that name no user do throttle
 * the address. */
static void test_office_behind_one_address(void **state) {
  (void)state;
  db_exec("DELETE FROM audit_events WHERE action = 'login_failed'");
  int status;
  char password[64];
  const char *out =
      run_opora(J("user add --login petrova --role reader --scope region:%lld",
                  kovrov().region_id),
                &status);
  assert_int_equal(status, 0);
  value_after(out, "one-time password: ", password, sizeof password);
  for (int u = 0; u < 4; u++) {
    long long id = make_user("reader", "region", kovrov().region_id);
    char *colleague = db_text("SELECT login FROM users WHERE id = %lld", id);
    for (int i = 0; i < 5; i++) {
      struct http_reply *r = login(colleague, "опечатка");
      assert_problem(r, 401, "invalid_credentials");
      http_reply_free(r);
    }
    free(colleague);
  }
  struct http_reply *r = login("petrova", password);
  assert_status(r, 200);
  http_reply_free(r);
  for (int i = 0; i < 20; i++) {
    r = login(J("no-such-user-%d", i), "guess");
    assert_problem(r, 401, "invalid_credentials");
    http_reply_free(r);
  }
  r = login("petrova", password);
  assert_problem(r, 429, "too_many_attempts");
  http_reply_free(r);
  db_exec("DELETE FROM audit_events WHERE action = 'login_failed'");
}

static struct http_reply *token_request(const char *content_type,
                                        const char *body, const char *basic) {
  const char *headers[3] = {NULL, NULL, NULL};
  int n = 0;
  if (content_type != NULL)
    headers[n++] = J("Content-Type: %s", content_type);
  if (basic != NULL)
    headers[n++] = J("Authorization: Basic %s", basic);
  const char *saved = use_token(NULL);
  struct http_reply *r =
      http_request("POST", "/api/v1/auth/token", body, headers);
  use_token(saved);
  return r;
}

static void assert_client_token(struct http_reply *r) {
  assert_status(r, 200);
  assert_json_str(r->json, "token_type", "Bearer");
  assert_json_int(r->json, "expires_in", 3600);
  assert_null(json_object_get(r->json, "user"));
  const char *saved = use_token(jstr(r->json, "access_token"));
  struct http_reply *me = http_get("/api/v1/me");
  assert_status(me, 200);
  assert_json_str(me->json, "kind", "client");
  assert_json_str(me->json, "client_id", "rcoi-vladimir");
  http_reply_free(me);
  /* An ingest client reads nothing of the registry. */
  struct http_reply *schools = http_get("/api/v1/schools");
  assert_problem(schools, 403, "forbidden");
  http_reply_free(schools);
  use_token(saved);
  http_reply_free(r);
}

/* base64 of "rcoi-vladimir:<secret>" */
static const char *basic_of(const char *id, const char *secret) {
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char plain[160];
  snprintf(plain, sizeof plain, "%s:%s", id, secret);
  size_t n = strlen(plain);
  char out[256];
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)plain[i] << 16;
    if (i + 1 < n)
      v |= (unsigned char)plain[i + 1] << 8;
    if (i + 2 < n)
      v |= (unsigned char)plain[i + 2];
    out[o++] = b64[(v >> 18) & 63];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? b64[v & 63] : '=';
  }
  out[o] = '\0';
  return J("%s", out);
}

static void test_client_credentials(void **state) {
  (void)state;
  make_accounts();
  const char *form = "application/x-www-form-urlencoded";
  assert_client_token(
      token_request(form,
                    J("grant_type=client_credentials&client_id=rcoi-vladimir"
                      "&client_secret=%s",
                      acct.secret),
                    NULL));
  assert_client_token(token_request(
      "application/json",
      J("{'grant_type':'client_credentials','client_id':'rcoi-vladimir',"
        "'client_secret':'%s'}",
        acct.secret),
      NULL));
  assert_client_token(token_request(form, "grant_type=client_credentials",
                                    basic_of("rcoi-vladimir", acct.secret)));

  struct http_reply *r = token_request(
      form, "grant_type=password&client_id=rcoi-vladimir&client_secret=x",
      NULL);
  assert_problem(r, 400, "unsupported_grant_type");
  http_reply_free(r);
  r = token_request(form,
                    "grant_type=client_credentials&client_id=rcoi-vladimir"
                    "&client_secret=wrong",
                    NULL);
  assert_problem(r, 401, "invalid_client");
  http_reply_free(r);
  r = token_request(form, "client_id=rcoi-vladimir&scope=all", NULL);
  assert_validation(r, "$.scope");
  http_reply_free(r);
  r = token_request(form, "client_id=a", NULL);
  assert_validation(r, "$.grant_type", "$.client_secret");
  http_reply_free(r);
  r = token_request(form,
                    J("grant_type=client_credentials&client_id=rcoi-vladimir"
                      "&client_secret=%s",
                      acct.secret),
                    basic_of("rcoi-vladimir", acct.secret));
  assert_validation(r, "header.Authorization");
  http_reply_free(r);
  r = token_request("text/plain", "grant_type=client_credentials", NULL);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  r = token_request(form, "grant_type=client%ZZcredentials", NULL);
  assert_status(r, 400);
  http_reply_free(r);
  /* A deactivated client gets no token. */
  db_exec(
      "UPDATE clients SET active = false WHERE client_id = 'rcoi-vladimir'");
  r = token_request(form, "grant_type=client_credentials",
                    basic_of("rcoi-vladimir", acct.secret));
  assert_problem(r, 401, "invalid_client");
  http_reply_free(r);
  db_exec("UPDATE clients SET active = true WHERE client_id = 'rcoi-vladimir'");
  db_exec("DELETE FROM audit_events WHERE action = 'login_failed'");
}

/* Passwords, secrets and tokens are never stored in clear, never answered
 * after their one showing, never logged. Runs last. */
static void test_secrets_never_leak(void **state) {
  (void)state;
  make_accounts();
  struct http_reply *r = login("smirnova", acct.password);
  assert_status(r, 200);
  char *token = strdup(jstr(r->json, "access_token"));
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM users WHERE password_hash"
                            " LIKE '$argon2id$%%' AND login = 'smirnova'"),
                   1);
  char *dump = db_text(
      "SELECT concat_ws(' ', (SELECT string_agg(u::text, ' ') FROM users u),"
      " (SELECT string_agg(c::text, ' ') FROM clients c),"
      " (SELECT string_agg(t::text, ' ') FROM auth_tokens t),"
      " (SELECT string_agg(a::text, ' ') FROM audit_events a))");
  assert_null(strstr(dump, acct.password));
  assert_null(strstr(dump, acct.secret));
  assert_null(strstr(dump, token));
  free(dump);
  FILE *log = fopen(server_log_path(), "r");
  assert_non_null(log);
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text - 1, log);
  text[n] = '\0';
  fclose(log);
  assert_true(n > 0);
  assert_null(strstr(text, acct.password));
  assert_null(strstr(text, acct.secret));
  assert_null(strstr(text, token));
  assert_null(strstr(text, "$argon2"));
  free(token);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cli_refuses_bad_accounts),
      cmocka_unit_test(test_login_and_me),
      cmocka_unit_test(test_login_failures),
      cmocka_unit_test(test_login_throttled),
      cmocka_unit_test(test_office_behind_one_address),
      cmocka_unit_test(test_client_credentials),
      cmocka_unit_test(test_secrets_never_leak),
  };
  harness_start("auth");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
