/* /api/v1/users: create, get, update, list, password reset; scopes, roles,
 * tokens, and the one-time password that is shown once and nowhere else. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define USERS "/api/v1/users"

static const char *const required[] = {"login", "full_name", "role", "scope",
                                       NULL};

/* Every password the server showed, to look for later. */
static char *shown[64];
static size_t n_shown;

static void remember(const char *password) {
  assert_non_null(password);
  assert_int_equal(strlen(password), 20);
  if (n_shown < sizeof shown / sizeof shown[0])
    shown[n_shown++] = strdup(password);
}

/* A municipal user of Kovrov through the API; its password is remembered. */
static long long create_user(const char *login, const char *full_name) {
  struct territory t = kovrov();
  struct http_reply *r = http_post(
      USERS, J("{'login':'%s','full_name':'%s','position':'Главный специалист "
               "управления образования','role':'municipal',"
               "'scope':{'kind':'municipality','id':%lld}}",
               login, full_name, t.municipality_id));
  assert_status(r, 201);
  remember(jstr(r->json, "password"));
  long long id = jint(r->json, "id");
  http_reply_free(r);
  return id;
}

static long long other_region(void) {
  static long long id;
  if (id == 0)
    id = create_region(uniq("r"), "Ярославская область");
  return id;
}

static void test_create_and_get(void **state) {
  (void)state;
  struct territory t = kovrov();
  struct http_reply *r = http_post(
      USERS, J("{'login':'smirnova.op','full_name':'Смирнова Ольга Петровна',"
               "'position':'Главный специалист управления образования',"
               "'email':'smirnova@kovrov-uo.example.org','role':'municipal',"
               "'scope':{'kind':'municipality','id':%lld}}",
               t.municipality_id));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_true(id > 0);
  assert_string_equal(r->etag, "\"1\"");
  assert_string_equal(r->location, J(USERS "/%lld", id));
  assert_json_str(r->json, "login", "smirnova.op");
  assert_json_str(r->json, "full_name", "Смирнова Ольга Петровна");
  assert_json_str(r->json, "position",
                  "Главный специалист управления образования");
  assert_json_str(r->json, "email", "smirnova@kovrov-uo.example.org");
  assert_json_str(r->json, "role", "municipal");
  json_t *scope = json_object_get(r->json, "scope");
  assert_json_str(scope, "kind", "municipality");
  assert_json_int(scope, "id", t.municipality_id);
  assert_int_equal(json_object_size(scope), 2);
  assert_true(json_is_true(json_object_get(r->json, "active")));
  assert_json_null(r->json, "last_login_at");
  assert_json_int(r->json, "version", 1);
  assert_non_null(jstr(r->json, "created_at"));
  assert_non_null(jstr(r->json, "updated_at"));
  const char *password = jstr(r->json, "password");
  remember(password);
  /* Exactly the User schema plus the password. */
  assert_int_equal(json_object_size(r->json), 13);
  char *hash = db_text("SELECT password_hash FROM users WHERE id = %lld", id);
  assert_true(strncmp(hash, "$argon2id$", 10) == 0);
  free(hash);

  json_object_del(r->json, "password");
  char *created = json_dumps(r->json, JSON_SORT_KEYS);
  http_reply_free(r);
  r = http_get(USERS "/%lld", id);
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  char *got = json_dumps(r->json, JSON_SORT_KEYS);
  assert_string_equal(got, created);
  assert_null(strstr(r->body, "password"));
  assert_null(strstr(r->body, "hash"));
  free(got);
  free(created);
  http_reply_free(r);

  /* One audit row, in the user's region, without any secret. */
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'user' AND entity_id = %lld AND action = 'create'"
                            " AND region_id = %lld AND before IS NULL AND"
                            " after->>'login' = 'smirnova.op'",
                            id, t.region_id),
                   1);

  /* A global admin and a region's reader. */
  r = http_post(USERS, J("{'login':'petrov@rcoi','full_name':'Петров Иван "
                         "Сергеевич','role':'admin','scope':{'kind':'global'},"
                         "'active':false}"));
  assert_status(r, 201);
  assert_json_str(json_object_get(r->json, "scope"), "kind", "global");
  assert_int_equal(json_object_size(json_object_get(r->json, "scope")), 1);
  assert_true(json_is_false(json_object_get(r->json, "active")));
  assert_json_null(r->json, "position");
  assert_json_null(r->json, "email");
  remember(jstr(r->json, "password"));
  http_reply_free(r);
  r = http_post(USERS, J("{'login':'kuznetsova_av','full_name':'Кузнецова "
                         "Анна Викторовна','role':'curator',"
                         "'scope':{'kind':'region','id':%lld}}",
                         t.region_id));
  assert_status(r, 201);
  remember(jstr(r->json, "password"));
  http_reply_free(r);
}

static void test_create_bad_bodies(void **state) {
  (void)state;
  check_bad_bodies("POST", USERS, NULL,
                   J("{'login':'ivanova.mp','full_name':'Иванова Мария "
                     "Петровна','role':'reader','scope':{'kind':'region',"
                     "'id':%lld}}",
                     kovrov().region_id),
                   required);
}

static void test_create_bad_fields(void **state) {
  (void)state;
  struct territory t = kovrov();
  create_user("dup-login", "Соколова Елена Андреевна");
  char *before = db_fingerprint();
  const char *scope_m =
      J("{'kind':'municipality','id':%lld}", t.municipality_id);
  char *sm = strdup(scope_m);
  static const char *const logins[] = {
      "ab",
      "-abc",
      ".abc",
      "Ivanova",
      "a b c",
      "иванова",
      "abc!",
      "abc/d",
      "",
      "a2345678901234567890123456789012345678901234567890123456789012345"};
  for (size_t i = 0; i < sizeof logins / sizeof logins[0]; i++) {
    struct http_reply *r =
        http_post(USERS, J("{'login':'%s','full_name':'Иванова Мария Петровна',"
                           "'role':'municipal','scope':%s}",
                           logins[i], sm));
    assert_validation(r, "$.login");
    http_reply_free(r);
  }
  static const char *const bodies[][2] = {
      /* role and scope do not fit */
      {"{'login':'x-one','full_name':'Х','role':'municipal','scope':{'kind':"
       "'region','id':%lld}}",
       "$.scope.kind"},
      {"{'login':'x-one','full_name':'Х','role':'admin','scope':{'kind':"
       "'municipality','id':%lld}}",
       "$.scope.kind"},
      {"{'login':'x-one','full_name':'Х','role':'reader','scope':{'kind':"
       "'global'}}",
       "$.scope.kind"},
      /* scope ids */
      {"{'login':'x-one','full_name':'Х','role':'admin','scope':{'kind':"
       "'global','id':%lld}}",
       "$.scope.id"},
      {"{'login':'x-one','full_name':'Х','role':'reader','scope':{'kind':"
       "'region'}}",
       "$.scope.id"},
      {"{'login':'x-one','full_name':'Х','role':'reader','scope':{'kind':"
       "'region','id':0}}",
       "$.scope.id"},
      {"{'login':'x-one','full_name':'Х','role':'reader','scope':{'id':%lld}}",
       "$.scope.kind"},
      {"{'login':'x-one','full_name':'Х','role':'reader','scope':{'kind':"
       "'planet','id':%lld}}",
       "$.scope.kind"},
      {"{'login':'x-one','full_name':'Х','role':'reader','scope':{'kind':"
       "'region','id':%lld,'x':1}}",
       "$.scope.x"},
      {"{'login':'x-one','full_name':'Х','role':'reader','scope':'region'}",
       "$.scope"},
      /* fields */
      {"{'login':'x-one','full_name':'Х','role':'boss','scope':{'kind':"
       "'region','id':%lld}}",
       "$.role"},
      {"{'login':'x-one','full_name':'','role':'reader','scope':{'kind':"
       "'region','id':%lld}}",
       "$.full_name"},
      {"{'login':'x-one','full_name':'Х','email':'нет','role':'reader',"
       "'scope':{'kind':'region','id':%lld}}",
       "$.email"},
      {"{'login':'x-one','full_name':'Х','active':'yes','role':'reader',"
       "'scope':{'kind':'region','id':%lld}}",
       "$.active"},
      {"{'login':'x-one','full_name':'Х','password':'secret','role':'reader',"
       "'scope':{'kind':'region','id':%lld}}",
       "$.password"},
      {"{'login':'x-one','full_name':'Х','password_hash':'x','role':'reader',"
       "'scope':{'kind':'region','id':%lld}}",
       "$.password_hash"},
      {"{'login':'x-one','full_name':'Х','last_login_at':'2024-01-01',"
       "'role':'reader','scope':{'kind':'region','id':%lld}}",
       "$.last_login_at"},
      {"{'login':'x-one','full_name':'Х','id':3,'role':'reader','scope':{"
       "'kind':'region','id':%lld}}",
       "$.id"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    char body[512];
    /* The one id a body names: the municipality where its scope says so. */
    bool m = strstr(bodies[i][0], "'municipality','id'") != NULL;
    snprintf(body, sizeof body, bodies[i][0],
             m ? t.municipality_id : t.region_id);
    struct http_reply *r = http_post(USERS, J("%s", body));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  /* Names that exist nowhere. */
  static const char *const kinds[] = {"region", "municipality", "school"};
  static const char *const kind_roles[] = {"reader", "municipal", "school"};
  for (size_t i = 0; i < 3; i++) {
    struct http_reply *r =
        http_post(USERS, J("{'login':'x-one','full_name':'Х','role':'%s',"
                           "'scope':{'kind':'%s','id':999999}}",
                           kind_roles[i], kinds[i]));
    assert_problem(r, 422, "reference_not_found");
    assert_error_path(r, "$.scope.id");
    http_reply_free(r);
  }
  /* The login is taken. */
  struct http_reply *r = http_post(
      USERS, J("{'login':'dup-login','full_name':'Другая','role':'municipal',"
               "'scope':%s}",
               sm));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.login");
  http_reply_free(r);
  free(sm);
  assert_db_unchanged(before);
}

static void test_update(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = create_user(uniq("orlova"), "Орлова Наталья Ивановна");
  char *path = strdup(J(USERS "/%lld", id));
  struct http_reply *r =
      http_patch(path, "\"1\"",
                 J("{'position':'Начальник отдела общего образования','email':"
                   "'orlova@kovrov-uo.example.org'}"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_int(r->json, "version", 2);
  assert_json_str(r->json, "position", "Начальник отдела общего образования");
  assert_json_str(r->json, "full_name", "Орлова Наталья Ивановна");
  assert_null(strstr(r->body, "password"));
  http_reply_free(r);

  /* null clears; role and scope move together. */
  r = http_patch(path, "\"2\"",
                 J("{'email':null,'role':'reader','scope':{'kind':'region',"
                   "'id':%lld}}",
                   t.region_id));
  assert_status(r, 200);
  assert_json_null(r->json, "email");
  assert_json_str(r->json, "role", "reader");
  assert_json_str(json_object_get(r->json, "scope"), "kind", "region");
  assert_json_int(json_object_get(r->json, "scope"), "id", t.region_id);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM users WHERE id = %lld AND"
                            " municipality_id IS NULL AND region_id = %lld",
                            id, t.region_id),
                   1);
  /* The audit row holds only what changed. */
  char *changed = db_text(
      "SELECT (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys("
      "after) k) FROM audit_events WHERE entity = 'user' AND entity_id = %lld"
      " AND action = 'update' ORDER BY id DESC LIMIT 1",
      id);
  assert_string_equal(changed, "email,role,scope");
  free(changed);

  r = http_patch(path, "\"3\"", J("{'role':'curator'}"));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_get("%s", path);
  assert_string_equal(r->etag, "\"4\"");
  http_reply_free(r);
  free(path);
}

static void test_update_bad_inputs(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = create_user(uniq("belova"), "Белова Татьяна Сергеевна");
  char *path = strdup(J(USERS "/%lld", id));
  check_bad_bodies("PATCH", path, "\"1\"", J("{'full_name':'Белова Т. С.'}"),
                   NULL);
  check_if_match("PATCH", path, J("{'full_name':'Белова Т. С.'}"));
  check_bad_ids("PATCH", USERS "/%s", "id", "\"1\"", J("{'active':true}"));

  char *before = db_fingerprint();
  const char *bodies[][2] = {
      {"{'login':'other-login'}", "$.login"},
      {"{'full_name':null}", "$.full_name"},
      {"{'active':null}", "$.active"},
      {"{'role':null}", "$.role"},
      {"{'scope':null}", "$.scope"},
      {"{'version':5}", "$.version"},
      {"{'password':'x'}", "$.password"},
      /* a municipal user cannot become a reader of a municipality */
      {"{'role':'reader'}", "$.role"},
      {"{'role':'admin'}", "$.role"},
      {"{'scope':{'kind':'region','id':%lld}}", "$.scope.kind"},
      {"{'scope':{'kind':'global'}}", "$.scope.kind"},
      {"{'role':'reader','scope':{'kind':'school','id':1}}", "$.scope.kind"},
      {"{'scope':{'kind':'municipality'}}", "$.scope.id"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    char body[256];
    snprintf(body, sizeof body, bodies[i][0], t.region_id);
    struct http_reply *r = http_patch(path, "\"1\"", J("%s", body));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  struct http_reply *r = http_patch(
      path, "\"1\"", J("{'scope':{'kind':'municipality','id':999999}}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.scope.id");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);
}

/* A page that needs no permission beyond territory:read. */
static long request_with(const char *token, const char *path) {
  const char *was = use_token(token);
  struct http_reply *r = http_get("%s", path);
  long status = r->status;
  if (status == 401)
    assert_non_null(http_header(r, "WWW-Authenticate"));
  http_reply_free(r);
  use_token(was);
  return status;
}

static void test_deactivate_stops_tokens(void **state) {
  (void)state;
  long long id = create_user(uniq("volkova"), "Волкова Ирина Олеговна");
  const char *token = strdup(token_for_user(id));
  assert_int_equal(request_with(token, "/api/v1/regions"), 200);
  assert_int_equal(request_with(token, "/api/v1/regions"), 200); /* cached */
  struct http_reply *r =
      http_patch(J(USERS "/%lld", id), "\"1\"", J("{'active':false}"));
  assert_status(r, 200);
  assert_true(json_is_false(json_object_get(r->json, "active")));
  http_reply_free(r);
  assert_int_equal(request_with(token, "/api/v1/regions"), 401);
  assert_int_equal(db_count("SELECT count(*) FROM auth_tokens WHERE user_id ="
                            " %lld AND revoked_at IS NULL",
                            id),
                   0);
  /* Active again: the revoked token stays revoked. */
  r = http_patch(J(USERS "/%lld", id), "\"2\"", J("{'active':true}"));
  assert_status(r, 200);
  http_reply_free(r);
  assert_int_equal(request_with(token, "/api/v1/regions"), 401);
  free((char *)token);
}

static void test_role_change_applies_at_once(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = make_user("reader", "region", t.region_id);
  const char *token = strdup(token_for_user(id));
  assert_int_equal(request_with(token, USERS), 403);
  struct http_reply *r =
      http_patch(J(USERS "/%lld", id), "\"1\"", J("{'role':'admin'}"));
  assert_status(r, 200);
  http_reply_free(r);
  assert_int_equal(request_with(token, USERS), 200);
  r = http_patch(J(USERS "/%lld", id), "\"2\"", J("{'role':'curator'}"));
  assert_status(r, 200);
  http_reply_free(r);
  assert_int_equal(request_with(token, USERS), 403);
  free((char *)token);
}

static void test_password_reset(void **state) {
  (void)state;
  long long id = create_user(uniq("zaitseva"), "Зайцева Светлана Юрьевна");
  char *old_hash =
      db_text("SELECT password_hash FROM users WHERE id = %lld", id);
  const char *token = strdup(token_for_user(id));
  assert_int_equal(request_with(token, "/api/v1/regions"), 200);
  const char *path = J(USERS "/%lld/password", id);
  struct http_reply *r = http_request("POST", path, NULL, NULL);
  assert_status(r, 200);
  assert_int_equal(json_object_size(r->json), 1);
  const char *password = jstr(r->json, "password");
  remember(password);
  assert_string_not_equal(password, shown[n_shown - 2]);
  http_reply_free(r);
  assert_int_equal(request_with(token, "/api/v1/regions"), 401);
  char *new_hash =
      db_text("SELECT password_hash FROM users WHERE id = %lld", id);
  assert_string_not_equal(old_hash, new_hash);
  assert_true(strncmp(new_hash, "$argon2id$", 10) == 0);
  free(old_hash);
  free(new_hash);
  assert_int_equal(db_count("SELECT version FROM users WHERE id = %lld", id),
                   2);
  assert_int_equal(
      db_count("SELECT count(*) FROM audit_events WHERE entity = 'user' AND"
               " entity_id = %lld AND action = 'password_reset' AND before IS"
               " NULL AND after IS NULL AND region_id IS NOT NULL",
               id),
      1);
  check_bad_ids("POST", USERS "/%s/password", "id", NULL, NULL);
  free((char *)token);
}

static void test_region_admin(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long b = other_region();
  long long mine = create_user(uniq("lebedeva"), "Лебедева Анна Михайловна");
  struct http_reply *r = http_post(
      USERS, J("{'login':'%s','full_name':'Морозов Алексей Викторович',"
               "'role':'reader','scope':{'kind':'region','id':%lld}}",
               uniq("morozov"), b));
  assert_status(r, 201);
  remember(jstr(r->json, "password"));
  long long theirs = jint(r->json, "id");
  http_reply_free(r);

  const char *was = use_token(make_token("admin", "region", t.region_id));
  char *before = db_fingerprint();
  r = http_get(USERS "/%lld", theirs);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(J(USERS "/%lld", theirs), "\"1\"", J("{'active':false}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_request("POST", J(USERS "/%lld/password", theirs), NULL, NULL);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* Nor into another region, nor a global account. */
  r = http_post(USERS, J("{'login':'%s','full_name':'Морозова Ольга',"
                         "'role':'reader','scope':{'kind':'region','id':%lld}}",
                         uniq("morozova"), b));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.scope");
  http_reply_free(r);
  r = http_post(USERS, J("{'login':'%s','full_name':'Морозова Ольга',"
                         "'role':'admin','scope':{'kind':'global'}}",
                         uniq("morozova")));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.scope");
  http_reply_free(r);
  r = http_patch(J(USERS "/%lld", mine), "\"1\"",
                 J("{'role':'reader','scope':{'kind':'region','id':%lld}}", b));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.scope");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* The list holds only the region's accounts. */
  json_t *all = list_all(USERS, 500);
  char *got = ids_of(all);
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY login, id)"
                       " FROM users WHERE region_id = %lld",
                       t.region_id);
  assert_string_equal(got, want);
  free(got);
  free(want);
  json_decref(all);

  /* Its own region: fine. */
  r = http_get(USERS "/%lld", mine);
  assert_status(r, 200);
  http_reply_free(r);
  r = http_post(USERS, J("{'login':'%s','full_name':'Никитина Дарья',"
                         "'role':'school','scope':{'kind':'school','id':%lld}}",
                         uniq("nikitina"),
                         create_school(t.municipality_id, NULL, "СОШ № 4")));
  assert_status(r, 201);
  remember(jstr(r->json, "password"));
  http_reply_free(r);
  use_token(was);
}

static void test_other_roles_forbidden(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = create_user(uniq("fedorova"), "Федорова Галина Петровна");
  const char *tokens[] = {
      strdup(make_token("reader", "region", t.region_id)),
      strdup(make_token("municipal", "municipality", t.municipality_id)),
      strdup(make_token("curator", "region", t.region_id)),
      strdup(make_token("ingest", "region", t.region_id)),
  };
  char *before = db_fingerprint();
  for (size_t i = 0; i < 4; i++) {
    const char *was = use_token(tokens[i]);
    struct http_reply *r = http_get(USERS);
    assert_problem(r, 403, "forbidden");
    http_reply_free(r);
    r = http_get(USERS "/%lld", id);
    assert_true(r->status == 403 || r->status == 404);
    http_reply_free(r);
    r = http_post(USERS, J("{'login':'x-forbidden','full_name':'Х','role':"
                           "'reader','scope':{'kind':'region','id':%lld}}",
                           t.region_id));
    assert_problem(r, 403, "forbidden");
    http_reply_free(r);
    r = http_patch(J(USERS "/%lld", id), "\"1\"", J("{'active':false}"));
    assert_true(r->status == 403 || r->status == 404);
    http_reply_free(r);
    r = http_request("POST", J(USERS "/%lld/password", id), NULL, NULL);
    assert_true(r->status == 403 || r->status == 404);
    http_reply_free(r);
    use_token(was);
    free((char *)tokens[i]);
  }
  assert_db_unchanged(before);
}

static void test_self_protection(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long me = make_user("admin", "region", t.region_id);
  const char *was = use_token(token_for_user(me));
  char *path = strdup(J(USERS "/%lld", me));
  char *before = db_fingerprint();
  const char *bodies[][2] = {
      {"{'active':false}", "$.active"},
      {"{'role':'reader'}", "$.role"},
      {"{'scope':{'kind':'region','id':%lld}}", "$.scope"},
  };
  long long elsewhere = other_region();
  for (size_t i = 0; i < 3; i++) {
    char body[128];
    snprintf(body, sizeof body, bodies[i][0], elsewhere);
    struct http_reply *r = http_patch(path, "\"1\"", J("%s", body));
    if (i == 2) /* another region is outside the caller's scope anyway */
      assert_true(r->status == 409 || r->status == 403);
    else {
      assert_problem(r, 409, "conflict");
      assert_error_path(r, bodies[i][1]);
    }
    http_reply_free(r);
  }
  assert_db_unchanged(before);
  /* What does not change the access is fine. */
  struct http_reply *r = http_patch(
      path, "\"1\"",
      J("{'full_name':'Григорьева Елена Николаевна','active':true,'role':"
        "'admin','scope':{'kind':'region','id':%lld}}",
        t.region_id));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_get("%s", path);
  assert_status(r, 200); /* the token still works */
  http_reply_free(r);
  free(path);
  use_token(was);
}

static void test_list(void **state) {
  (void)state;
  struct territory t = kovrov();
  create_user(uniq("sidorova"), "Сидорова Людмила Аркадьевна");
  long long off = create_user(uniq("sidorov"), "Сидоров Павел Игоревич");
  struct http_reply *r =
      http_patch(J(USERS "/%lld", off), "\"1\"", J("{'active':false}"));
  assert_status(r, 200);
  http_reply_free(r);
  make_user("reader", "region", t.region_id);

  json_t *all = list_all(USERS, 500);
  char *got = ids_of(all);
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY login, id)"
                       " FROM users");
  assert_string_equal(got, want);
  free(got);
  json_decref(all);
  all = list_all(USERS, 1);
  got = ids_of(all);
  assert_string_equal(got, want);
  free(got);
  free(want);
  json_t *first = json_array_get(all, 0);
  assert_non_null(jstr(first, "login"));
  assert_non_null(json_object_get(first, "scope"));
  assert_null(json_object_get(first, "password"));
  assert_null(json_object_get(first, "password_hash"));
  json_decref(all);

  static const char *const filters[][2] = {
      {"role=municipal", "role = 'municipal'"},
      {"active=false", "NOT active"},
      {"active=true&role=reader", "active AND role = 'reader'"},
      {"q=%D0%A1%D0%98%D0%94%D0%9E%D0%A0", "full_name ILIKE '%%сидор%%'"},
      {"q=SIDOROV", "login ILIKE '%%sidorov%%'"},
  };
  for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
    all = list_all(J(USERS "?%s", filters[i][0]), 2);
    got = ids_of(all);
    want = db_text("SELECT coalesce(string_agg(id::text, ',' ORDER BY login,"
                   " id), '') FROM users WHERE %s",
                   filters[i][1]);
    assert_string_equal(got, want);
    assert_true(strlen(want) > 0);
    free(got);
    free(want);
    json_decref(all);
  }
  static const char *const bad[][2] = {
      {"active=yes", "query.active"},
      {"role=boss", "query.role"},
      {"q=", "query.q"},
      {"limit=0", "query.limit"},
      {"cursor=garbage", "query.cursor"},
      {"login=x", "query.login"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = http_get(USERS "?%s", bad[i][0]);
    assert_validation(r, bad[i][1]);
    http_reply_free(r);
  }
}

/* Runs last: every password shown so far appears nowhere else. */
static void test_passwords_shown_once(void **state) {
  (void)state;
  assert_true(n_shown >= 5);
  json_t *all = list_all(USERS, 500);
  char *listed = json_dumps(all, 0);
  json_decref(all);
  char *audit = db_text("SELECT coalesce(string_agg(coalesce(before::text, '')"
                        " || coalesce(after::text, ''), ' '), '') FROM"
                        " audit_events");
  char *hashes = db_text("SELECT string_agg(password_hash, ' ') FROM users");
  char log_path[256];
  snprintf(log_path, sizeof log_path, "/tmp/opora-api-users-%ld.log",
           (long)getpid());
  FILE *f = fopen(log_path, "r");
  assert_non_null(f);
  size_t cap = 1 << 20, len = 0;
  char *log = malloc(cap);
  size_t got;
  while ((got = fread(log + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (len + 1 == cap) {
      cap *= 2;
      log = realloc(log, cap);
    }
  }
  log[len] = '\0';
  fclose(f);
  assert_true(len > 0);
  assert_null(strstr(audit, "argon2"));
  assert_null(strstr(audit, "password"));
  for (size_t i = 0; i < n_shown; i++) {
    assert_null(strstr(listed, shown[i]));
    assert_null(strstr(audit, shown[i]));
    assert_null(strstr(log, shown[i]));
    assert_null(strstr(hashes, shown[i]));
    struct http_reply *r = http_get(USERS "?limit=500");
    assert_null(strstr(r->body, shown[i]));
    http_reply_free(r);
    free(shown[i]);
  }
  assert_null(strstr(listed, "argon2"));
  free(log);
  free(hashes);
  free(audit);
  free(listed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_get),
      cmocka_unit_test(test_create_bad_bodies),
      cmocka_unit_test(test_create_bad_fields),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_update_bad_inputs),
      cmocka_unit_test(test_deactivate_stops_tokens),
      cmocka_unit_test(test_role_change_applies_at_once),
      cmocka_unit_test(test_password_reset),
      cmocka_unit_test(test_region_admin),
      cmocka_unit_test(test_other_roles_forbidden),
      cmocka_unit_test(test_self_protection),
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_passwords_shown_once),
  };
  harness_start("users");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
