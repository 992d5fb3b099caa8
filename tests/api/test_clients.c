/* /api/v1/clients: machine clients, their secrets shown once, scopes,
 * roles, and tokens that stop when a client is deactivated or rotated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define CLIENTS "/api/v1/clients"

static const char *const required[] = {"client_id", "role", "scope", NULL};

static char *shown[32];
static size_t n_shown;

static void remember(const char *secret) {
  assert_non_null(secret);
  assert_int_equal(strlen(secret), 43);
  if (n_shown < sizeof shown / sizeof shown[0])
    shown[n_shown++] = strdup(secret);
}

/* An ingest client of the Vladimir region. */
static long long create_client(const char *client_id) {
  struct http_reply *r = http_post(
      CLIENTS, J("{'client_id':'%s','description':'Загрузка результатов "
                 "оценочных процедур из РЦОИ Владимирской области',"
                 "'role':'ingest','scope':{'kind':'region','id':%lld}}",
                 client_id, kovrov().region_id));
  assert_status(r, 201);
  remember(jstr(r->json, "client_secret"));
  long long id = jint(r->json, "id");
  http_reply_free(r);
  return id;
}

/* A token for a client, made in the database (the token endpoint is not
 * what is tested here); do not free. */
static const char *client_token(long long client_id) {
  static char tokens[8][50];
  static unsigned n;
  char *t = tokens[n % 8];
  snprintf(t, 50, "opora_client%037u", ++n);
  db_exec("INSERT INTO auth_tokens (token_hash, client_id, expires_at)"
          " VALUES (sha256('%s'::bytea), %lld, now() + interval '1 day')",
          t, client_id);
  return t;
}

static long status_with(const char *token, const char *path) {
  const char *was = use_token(token);
  struct http_reply *r = http_get("%s", path);
  long status = r->status;
  http_reply_free(r);
  use_token(was);
  return status;
}

static void test_create_and_get(void **state) {
  (void)state;
  struct territory t = kovrov();
  struct http_reply *r = http_post(
      CLIENTS,
      J("{'client_id':'rcoi-vladimir','description':'Загрузка "
        "результатов оценочных процедур из РЦОИ Владимирской "
        "области','role':'ingest','scope':{'kind':'region','id':%lld}}",
        t.region_id));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->etag, "\"1\"");
  assert_string_equal(r->location, J(CLIENTS "/%lld", id));
  assert_json_str(r->json, "client_id", "rcoi-vladimir");
  assert_json_str(r->json, "role", "ingest");
  assert_json_str(json_object_get(r->json, "scope"), "kind", "region");
  assert_json_int(json_object_get(r->json, "scope"), "id", t.region_id);
  assert_true(json_is_true(json_object_get(r->json, "active")));
  assert_json_null(r->json, "last_used_at");
  assert_json_int(r->json, "version", 1);
  const char *secret = jstr(r->json, "client_secret");
  remember(secret);
  assert_int_equal(json_object_size(r->json), 11);
  /* Only the SHA-256 of the secret is kept. */
  assert_int_equal(db_count("SELECT count(*) FROM clients WHERE id = %lld AND"
                            " secret_hash = sha256('%s'::bytea)",
                            id, secret),
                   1);
  json_object_del(r->json, "client_secret");
  char *created = json_dumps(r->json, JSON_SORT_KEYS);
  http_reply_free(r);
  r = http_get(CLIENTS "/%lld", id);
  assert_status(r, 200);
  char *got = json_dumps(r->json, JSON_SORT_KEYS);
  assert_string_equal(got, created);
  assert_null(strstr(r->body, "secret"));
  free(got);
  free(created);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'client' AND entity_id = %lld AND action ="
                            " 'create' AND region_id = %lld",
                            id, t.region_id),
                   1);

  r = http_post(CLIENTS, J("{'client_id':'school-portal.1','role':'school',"
                           "'scope':{'kind':'school','id':%lld}}",
                           create_school(t.municipality_id, NULL, "СОШ № 1")));
  assert_status(r, 201);
  assert_json_null(r->json, "description");
  remember(jstr(r->json, "client_secret"));
  http_reply_free(r);
}

static void test_create_bad_inputs(void **state) {
  (void)state;
  struct territory t = kovrov();
  check_bad_bodies("POST", CLIENTS, NULL,
                   J("{'client_id':'kovrov-portal','role':'reader','scope':{"
                     "'kind':'region','id':%lld}}",
                     t.region_id),
                   required);
  create_client("dup-client");
  char *before = db_fingerprint();
  static const char *const names[] = {"ab",   "-abc", "Rcoi", "rcoi@vladimir",
                                      "рцои", "a b c"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct http_reply *r = http_post(
        CLIENTS, J("{'client_id':'%s','role':'reader','scope':{'kind':"
                   "'region','id':%lld}}",
                   names[i], t.region_id));
    assert_validation(r, "$.client_id");
    http_reply_free(r);
  }
  static const char *const bodies[][2] = {
      {"{'client_id':'x-one','role':'curator','scope':{'kind':'region','id':"
       "%lld}}",
       "$.role"},
      {"{'client_id':'x-one','role':'reader','scope':{'kind':'global'}}",
       "$.scope.kind"},
      {"{'client_id':'x-one','role':'admin','scope':{'kind':'region'}}",
       "$.scope.id"},
      {"{'client_id':'x-one','role':'reader','scope':{'kind':'region','id':"
       "%lld},'client_secret':'x'}",
       "$.client_secret"},
      {"{'client_id':'x-one','role':'reader','description':'','scope':{"
       "'kind':'region','id':%lld}}",
       "$.description"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    char body[256];
    snprintf(body, sizeof body, bodies[i][0], t.region_id);
    struct http_reply *r = http_post(CLIENTS, J("%s", body));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  struct http_reply *r = http_post(
      CLIENTS, J("{'client_id':'x-one','role':'municipal','scope':{'kind':"
                 "'municipality','id':999999}}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.scope.id");
  http_reply_free(r);
  r = http_post(CLIENTS, J("{'client_id':'dup-client','role':'reader',"
                           "'scope':{'kind':'region','id':%lld}}",
                           t.region_id));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.client_id");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_update(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = create_client(uniq("kovrov-ais"));
  char *path = strdup(J(CLIENTS "/%lld", id));
  check_bad_bodies("PATCH", path, "\"1\"", J("{'description':'АИС'}"), NULL);
  check_if_match("PATCH", path, J("{'description':'АИС'}"));
  check_bad_ids("PATCH", CLIENTS "/%s", "id", "\"1\"", J("{'active':true}"));
  char *before = db_fingerprint();
  static const char *const bodies[][2] = {
      {"{'client_id':'renamed'}", "$.client_id"},
      {"{'role':'curator'}", "$.role"},
      {"{'role':'municipal'}", "$.role"},
      {"{'scope':{'kind':'global'}}", "$.scope.kind"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    struct http_reply *r = http_patch(path, "\"1\"", J("%s", bodies[i][0]));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  assert_db_unchanged(before);

  struct http_reply *r =
      http_patch(path, "\"1\"",
                 J("{'description':null,'role':'municipal','scope':{'kind':"
                   "'municipality','id':%lld}}",
                   t.municipality_id));
  assert_status(r, 200);
  assert_json_null(r->json, "description");
  assert_json_str(r->json, "role", "municipal");
  assert_json_int(json_object_get(r->json, "scope"), "id", t.municipality_id);
  assert_string_equal(r->etag, "\"2\"");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'client' AND entity_id = %lld AND action ="
                            " 'update' AND after ? 'scope'",
                            id),
                   1);
  free(path);
}

static void test_deactivate_and_rotate(void **state) {
  (void)state;
  long long id = create_client(uniq("rcoi"));
  const char *token = strdup(client_token(id));
  /* An ingest client reads no territory; 403 shows the token is good. */
  assert_int_equal(status_with(token, "/api/v1/regions"), 403);
  struct http_reply *r =
      http_patch(J(CLIENTS "/%lld", id), "\"1\"", J("{'active':false}"));
  assert_status(r, 200);
  http_reply_free(r);
  assert_int_equal(status_with(token, "/api/v1/regions"), 401);
  free((char *)token);

  r = http_patch(J(CLIENTS "/%lld", id), "\"2\"", J("{'active':true}"));
  assert_status(r, 200);
  http_reply_free(r);
  token = strdup(client_token(id));
  assert_int_equal(status_with(token, "/api/v1/regions"), 403);
  char *old = db_text("SELECT encode(secret_hash, 'hex') FROM clients WHERE"
                      " id = %lld",
                      id);
  r = http_request("POST", J(CLIENTS "/%lld/secret", id), NULL, NULL);
  assert_status(r, 200);
  assert_int_equal(json_object_size(r->json), 1);
  const char *secret = jstr(r->json, "client_secret");
  remember(secret);
  assert_int_equal(db_count("SELECT count(*) FROM clients WHERE id = %lld AND"
                            " secret_hash = sha256('%s'::bytea) AND version ="
                            " 4",
                            id, secret),
                   1);
  http_reply_free(r);
  assert_int_equal(status_with(token, "/api/v1/regions"), 401);
  char *now = db_text("SELECT encode(secret_hash, 'hex') FROM clients WHERE"
                      " id = %lld",
                      id);
  assert_string_not_equal(old, now);
  free(old);
  free(now);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'client' AND entity_id = %lld AND action ="
                            " 'secret_rotate' AND after IS NULL",
                            id),
                   1);
  check_bad_ids("POST", CLIENTS "/%s/secret", "id", NULL, NULL);
  free((char *)token);
}

static void test_scopes_and_roles(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long b = create_region(uniq("r"), "Ивановская область");
  long long mine = create_client(uniq("mine"));
  struct http_reply *r = http_post(
      CLIENTS, J("{'client_id':'%s','role':'reader','scope':{'kind':'region',"
                 "'id':%lld}}",
                 uniq("theirs"), b));
  assert_status(r, 201);
  remember(jstr(r->json, "client_secret"));
  long long theirs = jint(r->json, "id");
  http_reply_free(r);

  const char *was = use_token(make_token("admin", "region", t.region_id));
  char *before = db_fingerprint();
  r = http_get(CLIENTS "/%lld", theirs);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(J(CLIENTS "/%lld", theirs), "\"1\"", J("{'active':false}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_request("POST", J(CLIENTS "/%lld/secret", theirs), NULL, NULL);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post(CLIENTS, J("{'client_id':'%s','role':'reader','scope':{"
                           "'kind':'region','id':%lld}}",
                           uniq("x"), b));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.scope");
  http_reply_free(r);
  r = http_patch(J(CLIENTS "/%lld", mine), "\"1\"",
                 J("{'scope':{'kind':'region','id':%lld}}", b));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.scope");
  http_reply_free(r);
  assert_db_unchanged(before);
  json_t *all = list_all(CLIENTS, 500);
  char *got = ids_of(all);
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY client_id,"
                       " id) FROM clients WHERE region_id = %lld",
                       t.region_id);
  assert_string_equal(got, want);
  free(got);
  free(want);
  json_decref(all);
  use_token(was);

  const char *tokens[] = {
      strdup(make_token("reader", "region", t.region_id)),
      strdup(make_token("municipal", "municipality", t.municipality_id)),
  };
  before = db_fingerprint();
  for (size_t i = 0; i < 2; i++) {
    was = use_token(tokens[i]);
    r = http_get(CLIENTS);
    assert_problem(r, 403, "forbidden");
    http_reply_free(r);
    r = http_post(CLIENTS, J("{'client_id':'x-denied','role':'reader',"
                             "'scope':{'kind':'region','id':%lld}}",
                             t.region_id));
    assert_problem(r, 403, "forbidden");
    http_reply_free(r);
    r = http_request("POST", J(CLIENTS "/%lld/secret", mine), NULL, NULL);
    assert_true(r->status == 403 || r->status == 404);
    http_reply_free(r);
    use_token(was);
    free((char *)tokens[i]);
  }
  assert_db_unchanged(before);
}

static void test_list(void **state) {
  (void)state;
  create_client(uniq("list-a"));
  long long off = create_client(uniq("list-b"));
  struct http_reply *r =
      http_patch(J(CLIENTS "/%lld", off), "\"1\"", J("{'active':false}"));
  assert_status(r, 200);
  http_reply_free(r);
  json_t *all = list_all(CLIENTS, 1);
  char *got = ids_of(all);
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY client_id,"
                       " id) FROM clients");
  assert_string_equal(got, want);
  free(got);
  free(want);
  json_decref(all);
  all = list_all(CLIENTS "?active=false&role=ingest", 10);
  got = ids_of(all);
  want = db_text("SELECT string_agg(id::text, ',' ORDER BY client_id, id)"
                 " FROM clients WHERE NOT active AND role = 'ingest'");
  assert_string_equal(got, want);
  free(got);
  free(want);
  json_decref(all);
  r = http_get(CLIENTS "?q=x");
  assert_validation(r, "query.q");
  http_reply_free(r);
  r = http_get(CLIENTS "?active=1");
  assert_validation(r, "query.active");
  http_reply_free(r);
}

/* Runs last: no secret shown so far appears anywhere else. */
static void test_secrets_shown_once(void **state) {
  (void)state;
  assert_true(n_shown >= 4);
  struct http_reply *r = http_get(CLIENTS "?limit=500");
  assert_status(r, 200);
  char *audit = db_text("SELECT coalesce(string_agg(coalesce(before::text, '')"
                        " || coalesce(after::text, ''), ' '), '') FROM"
                        " audit_events");
  assert_null(strstr(audit, "secret"));
  char log_path[256];
  snprintf(log_path, sizeof log_path, "/tmp/opora-api-clients-%ld.log",
           (long)getpid());
  FILE *f = fopen(log_path, "r");
  assert_non_null(f);
  static char log[1 << 20];
  size_t len = fread(log, 1, sizeof log - 1, f);
  log[len] = '\0';
  fclose(f);
  assert_true(len > 0);
  for (size_t i = 0; i < n_shown; i++) {
    assert_null(strstr(r->body, shown[i]));
    assert_null(strstr(audit, shown[i]));
    assert_null(strstr(log, shown[i]));
    free(shown[i]);
  }
  free(audit);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_get),
      cmocka_unit_test(test_create_bad_inputs),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_deactivate_and_rotate),
      cmocka_unit_test(test_scopes_and_roles),
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_secrets_shown_once),
  };
  harness_start("clients");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
