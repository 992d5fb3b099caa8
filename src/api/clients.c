/* /api/v1/clients: machine clients (regional data systems, integrators)
 * (docs/ACCESS.md). */
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

const struct jspec_field client_fields[] = {
    PATTERN_FIELD("client_id", REQ, 3, 64, "^[a-z0-9][a-z0-9._-]{2,63}$"),
    FIELD("description", JS_STRING, OPT_NULL, 1, 500),
    ENUM_FIELD("role", REQ, roles),
    SCOPE_FIELD(REQ),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    FIELD("last_used_at", JS_STRING, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

/* The client_id names the client for good. */
const struct jspec_field client_patch_fields[] = {
    FIELD("client_id", JS_STRING, JS_READONLY, 0, 0),
    FIELD("description", JS_STRING, OPT_NULL, 1, 500),
    ENUM_FIELD("role", 0, roles),
    SCOPE_FIELD(0),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    FIELD("last_used_at", JS_STRING, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

static const struct account_kind clients;

static void check_client(struct request *rq, const json_t *body,
                         json_t *errors) {
  (void)rq;
  account_check(&clients, body, errors);
}

static bool before_update_client(struct request *rq, struct write *w) {
  return account_before_update(rq, &clients, w->id);
}

/* The secret is random: its SHA-256 is all a slow hash would add. */
static bool make_client_secret(char text[ACCOUNT_SECRET_MAX],
                               char stored[ACCOUNT_STORED_MAX]) {
  _Static_assert(SECRET_TEXT_LEN < ACCOUNT_SECRET_MAX, "secret fits");
  secret_random(text);
  secret_sha256_hex(text, strlen(text), stored);
  return true;
}

static const struct resource client_resource = {
    .what = "client",
    .collection = "/api/v1/clients",
    .id_param = "id",
    .fields = client_fields,
    .update_fields = client_patch_fields,
    .check = check_client,
    .get = STMT_CLIENT_GET,
    .update = STMT_CLIENT_UPDATE,
    .scope_field = "$.scope",
    .scope_message = "the scope is outside yours",
    .entity = "client",
    .audit_place = AUDIT_PLACE_CLIENT,
    .check_transition = before_update_client,
};

static const struct account_kind clients = {
    .res = &client_resource,
    .principal = PRINCIPAL_CLIENT,
    .name_field = "client_id",
    .curator_allowed = false,
    .insert = STMT_CLIENT_INSERT,
    .state = STMT_CLIENT_STATE,
    .secret = STMT_CLIENT_SECRET_SET,
    .revoke = STMT_CLIENT_TOKENS_REVOKE,
    .secret_member = "client_secret",
    .secret_action = "secret_rotate",
    .make_secret = make_client_secret,
};

const struct jspec_field clients_list_params[] = {
    ENUM_FIELD("role", 0, roles),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column client_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"client_id", "Идентификатор клиента", TABLE_TEXT},
    {"description", "Описание", TABLE_TEXT},
    {"role", "Роль", TABLE_TEXT},
    {"scope.kind", "Область доступа", TABLE_TEXT},
    {"scope.id", "ID области доступа", TABLE_INTEGER},
    {"active", "Активен", TABLE_BOOLEAN},
    {"last_used_at", "Последнее обращение", TABLE_TIMESTAMP},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec client_table =
    TABLE_SPEC("clients", client_columns);

const struct list_spec clients_list_spec = {
    .params = clients_list_params,
    .stmt = STMT_CLIENTS_LIST,
    .keyed = true,
    .table = &client_table,
};

void clients_list(struct request *rq) {
  resource_list(rq, &clients_list_spec);
}
void clients_create(struct request *rq) {
  account_create(rq, &clients);
}
void client_get(struct request *rq) {
  resource_get(rq, &client_resource);
}
void client_update(struct request *rq) {
  account_update(rq, &clients);
}
void client_secret_rotate(struct request *rq) {
  account_new_secret(rq, &clients);
}
