/* /api/v1/users: people's accounts (docs/ACCESS.md). */
#include <string.h>

#include "account_http.h"
#include "audit.h"
#include "fields.h"
#include "handlers.h"

static const char *const roles[] = {"admin",  "municipal", "curator", "school",
                                    "ingest", "reader",    NULL};
static const char *const scope_kinds[] = {"global", "region", "municipality",
                                          "school", NULL};

static const struct jspec_field scope_fields[] = {
    ENUM_FIELD("kind", REQ, scope_kinds),
    FIELD("id", JS_ID, 0, 0, 0),
    END_FIELDS,
};

#define SCOPE_FIELD(flags)                                                     \
  { "scope", JS_OBJECT, flags, 0, 0, NULL, scope_fields, NULL, NULL }

const struct jspec_field user_fields[] = {
    PATTERN_FIELD("login", REQ, 3, 64, "^[a-z0-9][a-z0-9._@-]{2,63}$"),
    FIELD("full_name", JS_STRING, REQ, 1, 200),
    FIELD("position", JS_STRING, OPT_NULL, 1, 200),
    FIELD("email", JS_EMAIL, OPT_NULL, 0, 0),
    ENUM_FIELD("role", REQ, roles),
    SCOPE_FIELD(REQ),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    FIELD("last_login_at", JS_STRING, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

/* The login names the account for good. */
const struct jspec_field user_patch_fields[] = {
    FIELD("login", JS_STRING, JS_READONLY, 0, 0),
    FIELD("full_name", JS_STRING, 0, 1, 200),
    FIELD("position", JS_STRING, OPT_NULL, 1, 200),
    FIELD("email", JS_EMAIL, OPT_NULL, 0, 0),
    ENUM_FIELD("role", 0, roles),
    SCOPE_FIELD(0),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    FIELD("last_login_at", JS_STRING, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

static const struct account_kind users;

static void check_user(struct request *rq, const json_t *body, json_t *errors) {
  (void)rq;
  account_check(&users, body, errors);
}

static bool before_update_user(struct request *rq, struct write *w) {
  return account_before_update(rq, &users, w->id);
}

static bool make_password(char text[ACCOUNT_SECRET_MAX],
                          char stored[ACCOUNT_STORED_MAX]) {
  _Static_assert(PASSWORD_TEXT_LEN < ACCOUNT_SECRET_MAX, "password fits");
  _Static_assert(PASSWORD_HASH_MAX <= ACCOUNT_STORED_MAX, "hash fits");
  secret_password(text);
  return password_hash(text, stored);
}

static const struct resource user_resource = {
    .what = "user",
    .collection = "/api/v1/users",
    .id_param = "id",
    .fields = user_fields,
    .update_fields = user_patch_fields,
    .check = check_user,
    .get = STMT_USER_GET,
    .update = STMT_USER_UPDATE,
    .scope_field = "$.scope",
    .scope_message = "the scope is outside yours",
    .entity = "user",
    .audit_place = AUDIT_PLACE_USER,
    .check_transition = before_update_user,
};

static const struct account_kind users = {
    .res = &user_resource,
    .principal = PRINCIPAL_USER,
    .name_field = "login",
    .curator_allowed = true,
    .insert = STMT_USER_INSERT,
    .state = STMT_USER_STATE,
    .secret = STMT_USER_PASSWORD_SET,
    .revoke = STMT_USER_TOKENS_REVOKE,
    .secret_member = "password",
    .secret_action = "password_reset",
    .make_secret = make_password,
};

const struct jspec_field users_list_params[] = {
    ENUM_FIELD("role", 0, roles),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    FIELD("q", JS_STRING, 0, 1, 200),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column user_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"login", "Логин", TABLE_TEXT},
    {"full_name", "ФИО", TABLE_TEXT},
    {"position", "Должность", TABLE_TEXT},
    {"email", "Эл. почта", TABLE_TEXT},
    {"role", "Роль", TABLE_TEXT},
    {"scope.kind", "Область доступа", TABLE_TEXT},
    {"scope.id", "ID области доступа", TABLE_INTEGER},
    {"active", "Активна", TABLE_BOOLEAN},
    {"last_login_at", "Последний вход", TABLE_TIMESTAMP},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec user_table = TABLE_SPEC("users", user_columns);

const struct list_spec users_list_spec = {
    .params = users_list_params,
    .stmt = STMT_USERS_LIST,
    .keyed = true,
    .table = &user_table,
};

void users_list(struct request *rq) {
  resource_list(rq, &users_list_spec);
}
void users_create(struct request *rq) {
  account_create(rq, &users);
}
void user_get(struct request *rq) {
  resource_get(rq, &user_resource);
}
void user_update(struct request *rq) {
  account_update(rq, &users);
}
void user_password_reset(struct request *rq) {
  account_new_secret(rq, &users);
}
