/* Users and machine clients alike: creation with a generated secret, a new
 * secret, and the rules of role, scope and tokens around an update. */
#include "account_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

void account_check(const struct account_kind *k, const json_t *body,
                   json_t *errors) {
  const char *role_text = json_string_value(json_object_get(body, "role"));
  int role = role_text != NULL ? role_parse(role_text) : -1;
  if (role == ROLE_CURATOR && !k->curator_allowed) {
    jspec_error(errors, "$.role", "a machine client cannot be a curator");
    role = -1;
  }
  const json_t *scope = json_object_get(body, "scope");
  if (scope == NULL)
    return;
  int kind =
      scope_kind_parse(json_string_value(json_object_get(scope, "kind")));
  bool has_id = json_object_get(scope, "id") != NULL;
  if (kind == SCOPE_GLOBAL && has_id)
    jspec_error(errors, "$.scope.id", "a global scope has no id");
  else if (kind > SCOPE_GLOBAL && !has_id)
    jspec_error(errors, "$.scope.id", "is required for this kind of scope");
  if (role >= 0 && kind >= 0 &&
      !role_scope_allowed((enum role)role, (enum scope_kind)kind)) {
    char message[96];
    snprintf(message, sizeof message, "the %s role cannot have a %s scope",
             role_name((enum role)role),
             scope_kind_name((enum scope_kind)kind));
    jspec_error(errors, "$.scope.kind", message);
  }
}

static void reply_conflict_self(struct request *rq, const char *path,
                                const char *detail) {
  json_t *errors = json_array();
  jspec_error(errors, path, detail);
  reply_problem_errors_steal(rq, ERR_CONFLICT, detail, errors);
}

/* What the caller may not do to its own account: an admin who deactivates
 * themselves, or drops their role or scope, may lock everyone out. */
static bool self_change_allowed(struct request *rq, const json_t *patch,
                                const char *role, const json_t *scope,
                                bool active) {
  const json_t *new_active = json_object_get(patch, "active");
  if (active && json_is_false(new_active)) {
    reply_conflict_self(rq, "$.active", "you cannot deactivate yourself");
    return false;
  }
  const char *new_role = json_string_value(json_object_get(patch, "role"));
  if (new_role != NULL && strcmp(new_role, role) != 0) {
    reply_conflict_self(rq, "$.role", "you cannot change your own role");
    return false;
  }
  const json_t *new_scope = json_object_get(patch, "scope");
  if (new_scope != NULL && !json_equal(new_scope, scope)) {
    reply_conflict_self(rq, "$.scope", "you cannot change your own scope");
    return false;
  }
  return true;
}

bool account_before_update(struct request *rq, const struct account_kind *k,
                           int64_t id) {
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  const struct db_arg args[] = {{"id", id_text}, DB_END};
  PGresult *r = db_call(rq, k->state, args, NULL);
  if (r == NULL)
    return false;
  if (PQntuples(r) != 1) { /* gone meanwhile: the update answers 404 */
    PQclear(r);
    return true;
  }
  const json_t *patch = rq->json;
  const char *role_text = json_string_value(json_object_get(patch, "role"));
  if (role_text == NULL)
    role_text = db_get(r, 0, "role");
  json_t *stored_scope = json_loads(db_get(r, 0, "scope"), 0, NULL);
  bool active = strcmp(db_get(r, 0, "active"), "true") == 0;
  const json_t *scope = json_object_get(patch, "scope");
  const char *kind_text = json_string_value(
      json_object_get(scope != NULL ? scope : stored_scope, "kind"));
  int role = role_parse(role_text);
  int kind = kind_text != NULL ? scope_kind_parse(kind_text) : -1;
  bool ok = true;
  if (role < 0 || kind < 0 ||
      !role_scope_allowed((enum role)role, (enum scope_kind)kind)) {
    char message[96];
    snprintf(message, sizeof message, "the %s role cannot have a %s scope",
             role_text, kind_text != NULL ? kind_text : "?");
    json_t *errors = json_array();
    jspec_error(errors, scope != NULL ? "$.scope.kind" : "$.role", message);
    reply_validation_steal(rq, errors);
    ok = false;
  } else if (rq->principal.kind == k->principal && rq->principal.id == id) {
    ok = self_change_allowed(rq, patch, db_get(r, 0, "role"), stored_scope,
                             active);
  }
  json_decref(stored_scope);
  PQclear(r);
  if (ok && json_is_false(json_object_get(patch, "active"))) {
    r = db_call(rq, k->revoke, args, NULL);
    ok = r != NULL;
    PQclear(r);
  }
  return ok;
}

static bool changes_access(const json_t *patch) {
  return json_object_get(patch, "active") != NULL ||
         json_object_get(patch, "role") != NULL ||
         json_object_get(patch, "scope") != NULL;
}

void account_update(struct request *rq, const struct account_kind *k) {
  resource_update(rq, k->res);
  int64_t id;
  if (rq->status == 200 && changes_access(rq->json) &&
      request_param_id(rq, k->res->id_param, &id))
    token_cache_evict_principal(k->principal, id);
}

struct creation {
  const struct account_kind *k;
  char *body; /* owned */
  char secret[ACCOUNT_SECRET_MAX], stored[ACCOUNT_STORED_MAX];
  char id_text[24];
};

/* The account as the API shows it, plus its secret, this once. */
static void reply_created(struct request *rq, const struct creation *c,
                          const PGresult *r) {
  const char *doc = db_get(r, 0, "doc");
  size_t doc_len = strlen(doc);
  size_t cap = doc_len + strlen(c->k->secret_member) + strlen(c->secret) + 16;
  char *text = malloc(cap);
  if (text == NULL)
    abort();
  memcpy(text, doc, doc_len - 1); /* without the closing brace */
  size_t len = doc_len - 1;
  /* The secret's alphabet needs no JSON escaping. */
  len += (size_t)snprintf(text + len, cap - len, ",\"%s\":\"%s\"}",
                          c->k->secret_member, c->secret);
  reply_json_text_steal(rq, 201, text, len);
  reply_etag(rq, (int32_t)strtol(db_get(r, 0, "version"), NULL, 10));
}

static void reply_scope_forbidden(struct request *rq, const char *message) {
  json_t *errors = json_array();
  jspec_error(errors, "$.scope", message);
  reply_problem_errors_steal(rq, ERR_FORBIDDEN, message, errors);
}

static bool create_work(struct request *rq, void *arg) {
  struct creation *c = arg;
  const struct account_kind *k = c->k;
  const struct db_arg insert[] = {
      {"body", c->body}, {"secret_hash", c->stored}, DB_END};
  PGresult *r = db_call(rq, k->insert, insert, NULL);
  if (r == NULL)
    return false;
  bool inserted = PQntuples(r) == 1;
  if (inserted)
    snprintf(c->id_text, sizeof c->id_text, "%s", db_get(r, 0, "id"));
  PQclear(r);
  if (!inserted) {
    reply_scope_forbidden(rq, k->res->scope_message);
    return false;
  }
  r = db_call(rq, k->res->get,
              (const struct db_arg[]){{"id", c->id_text}, DB_END}, NULL);
  if (r == NULL)
    return false;
  if (PQntuples(r) != 1) {
    PQclear(r);
    reply_problem(rq, ERR_INTERNAL, "the new account cannot be read back");
    return false;
  }
  struct audit_entry e = {
      .action = "create",
      .entity = k->res->entity,
      .entity_id = c->id_text,
      .after = db_get(r, 0, "doc"),
      .place = k->res->audit_place,
  };
  bool ok = audit_write(rq, &e);
  if (ok)
    reply_created(rq, c, r);
  PQclear(r);
  return ok;
}

void account_create(struct request *rq, const struct account_kind *k) {
  json_t *errors = json_array();
  if (jspec_check(rq->json, k->res->fields, JSPEC_CREATE, errors) == 0)
    account_check(k, rq->json, errors);
  if (json_array_size(errors) > 0) {
    reply_validation_steal(rq, errors);
    return;
  }
  json_decref(errors);
  struct creation c = {.k = k};
  if (!k->make_secret(c.secret, c.stored)) {
    reply_problem(rq, ERR_INTERNAL, "cannot make a secret");
    return;
  }
  c.body = json_dumps(rq->json, JSON_COMPACT);
  if (c.body == NULL)
    abort();
  if (db_txn(rq, create_work, &c))
    reply_location(rq, k->res->collection, strtoll(c.id_text, NULL, 10));
  free(c.body);
  memset(c.secret, 0, sizeof c.secret);
}

struct renewal {
  const struct account_kind *k;
  char id_text[24];
  char secret[ACCOUNT_SECRET_MAX], stored[ACCOUNT_STORED_MAX];
};

static bool secret_work(struct request *rq, void *arg) {
  struct renewal *n = arg;
  const struct account_kind *k = n->k;
  const struct db_arg args[] = {
      {"id", n->id_text}, {"secret_hash", n->stored}, DB_END};
  PGresult *r = db_call(rq, k->secret, args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found) {
    reply_unseen(rq, "%s with id %s", k->res->what, n->id_text);
    return false;
  }
  r = db_call(rq, k->revoke,
              (const struct db_arg[]){{"id", n->id_text}, DB_END}, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  struct audit_entry e = {
      .action = k->secret_action,
      .entity = k->res->entity,
      .entity_id = n->id_text,
      .place = k->res->audit_place,
  };
  if (!audit_write(rq, &e))
    return false;
  reply_json_steal(rq, 200, json_pack("{s:s}", k->secret_member, n->secret));
  return true;
}

void account_new_secret(struct request *rq, const struct account_kind *k) {
  int64_t id;
  if (!request_param_id(rq, k->res->id_param, &id))
    return;
  struct renewal n = {.k = k};
  snprintf(n.id_text, sizeof n.id_text, "%lld", (long long)id);
  if (!k->make_secret(n.secret, n.stored)) {
    reply_problem(rq, ERR_INTERNAL, "cannot make a secret");
    return;
  }
  if (db_txn(rq, secret_work, &n))
    token_cache_evict_principal(k->principal, id);
  memset(n.secret, 0, sizeof n.secret);
}
