/* Authentication and the permission check of every request. */
#include "auth.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "request.h"

static void reply_unauthorized(struct request *rq, bool token_sent,
                               const char *detail) {
  reply_problem(rq, ERR_UNAUTHORIZED, detail);
  reply_header(rq, "WWW-Authenticate",
               token_sent ? "Bearer realm=\"opora\", error=\"invalid_token\""
                          : "Bearer realm=\"opora\"");
}

/* "opora_" and 43 base64url characters, nothing else. */
static bool token_well_formed(const char *t) {
  if (strlen(t) != TOKEN_TEXT_LEN || strncmp(t, "opora_", 6) != 0)
    return false;
  for (const char *c = t + 6; *c != '\0'; c++) {
    bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
    if (!ok)
      return false;
  }
  return true;
}

/* A row of TOKEN_PRINCIPAL. */
static bool principal_from_row(const PGresult *r, struct principal *p) {
  memset(p, 0, sizeof *p);
  p->token_id = strtoll(db_get(r, 0, "token_id"), NULL, 10);
  p->id = strtoll(db_get(r, 0, "principal_id"), NULL, 10);
  p->kind =
      db_get(r, 0, "is_client")[0] == '1' ? PRINCIPAL_CLIENT : PRINCIPAL_USER;
  int role = role_parse(db_get(r, 0, "role"));
  int scope = scope_kind_parse(db_get(r, 0, "scope_kind"));
  if (role < 0 || scope < 0)
    return false;
  p->role = (enum role)role;
  snprintf(p->name, sizeof p->name, "%s", db_get(r, 0, "name"));
  p->expires_at = strtoll(db_get(r, 0, "expires_at"), NULL, 10);
  if (p->role == ROLE_CURATOR) { /* reads follow the assignments in force */
    snprintf(p->scope_kind, sizeof p->scope_kind, "assigned");
    snprintf(p->scope_id, sizeof p->scope_id, "%lld", (long long)p->id);
    return true;
  }
  snprintf(p->scope_kind, sizeof p->scope_kind, "%s",
           scope_kind_name((enum scope_kind)scope));
  const char *column = scope == SCOPE_REGION         ? "region_id"
                       : scope == SCOPE_MUNICIPALITY ? "municipality_id"
                       : scope == SCOPE_SCHOOL       ? "school_id"
                                                     : NULL;
  const char *scope_id = column != NULL ? db_get(r, 0, column) : NULL;
  if (scope_id != NULL)
    snprintf(p->scope_id, sizeof p->scope_id, "%s", scope_id);
  return true;
}

/* The principal behind the token: from the cache, or asked of the
 * database. False after answering. */
static bool authenticate(struct request *rq) {
  const char *header = request_header(rq, "Authorization");
  if (header == NULL) {
    reply_unauthorized(rq, false,
                       "send Authorization: Bearer <token>; POST "
                       "/api/v1/auth/login or /api/v1/auth/token gives one");
    return false;
  }
  if (strncasecmp(header, "Bearer ", 7) != 0) {
    reply_unauthorized(rq, true,
                       "the Authorization header must be Bearer <token>");
    return false;
  }
  const char *token = header + 7;
  while (*token == ' ')
    token++;
  if (!token_well_formed(token)) {
    reply_unauthorized(rq, true, "this is not a token the server issued");
    return false;
  }
  char hash[65];
  secret_sha256_hex(token, strlen(token), hash);
  if (token_cache_get(hash, &rq->principal)) {
    rq->authenticated = true;
    return true;
  }
  PGresult *r =
      db_call(rq, STMT_TOKEN_PRINCIPAL,
              (const struct db_arg[]){{"token_hash", hash}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1 && principal_from_row(r, &rq->principal);
  PQclear(r);
  if (!found) {
    reply_unauthorized(rq, true,
                       "the token is unknown, expired or revoked, or its "
                       "account is inactive: get a new one");
    return false;
  }
  token_cache_put(hash, &rq->principal);
  rq->authenticated = true;
  return true;
}

/* The statement that tells whether the object a route acts on is visible,
 * from the route's path template. Each takes the object's `id`. */
static bool object_statement(const char *path, enum stmt_id *stmt) {
  static const struct {
    const char *prefix;
    enum stmt_id stmt;
  } objects[] = {
      {"/api/v1/schools/{id}", STMT_SCHOOL_VISIBLE},
      {"/api/v1/regions/{id}", STMT_REGION_VISIBLE},
      {"/api/v1/municipalities/{id}", STMT_MUNICIPALITY_VISIBLE},
      {"/api/v1/roadmaps/{id}", STMT_ROADMAP_VISIBLE},
      {"/api/v1/roadmap-items/{id}", STMT_ROADMAP_ITEM_VISIBLE},
      {"/api/v1/monitoring/campaigns/{id}", STMT_CAMPAIGN_VISIBLE},
      {"/api/v1/programmes/{id}", STMT_PROGRAMME_GET},
      {"/api/v1/programme-targets/{id}", STMT_PROGRAMME_TARGET_GET},
  };
  for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
    if (strncmp(path, objects[i].prefix, strlen(objects[i].prefix)) == 0) {
      *stmt = objects[i].stmt;
      return true;
    }
  return false;
}

/* Is the object the path parameter `param` names visible to the caller?
 * False after answering (400 for a bad id, 404 when not visible, or a
 * database failure). */
static bool param_visible(struct request *rq, const char *param,
                          enum stmt_id stmt) {
  int64_t id;
  if (!request_param_id(rq, param, &id))
    return false;
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  PGresult *r =
      db_call(rq, stmt, (const struct db_arg[]){{"id", id_text}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool visible = PQntuples(r) == 1;
  PQclear(r);
  if (!visible)
    reply_problem(rq, ERR_NOT_FOUND, "nothing with this id");
  return visible;
}

/* The role may not do this. Outside the scope that is 404, as for a missing
 * object (or a school, for what hangs off one: a campaign's submissions);
 * on a visible object, 403. */
static void reply_denied(struct request *rq) {
  enum stmt_id stmt;
  if (object_statement(rq->match.route->path, &stmt) &&
      !param_visible(rq, "id", stmt))
    return;
  const char *school;
  size_t school_len;
  if (request_param_raw(rq, "school_id", &school, &school_len) &&
      !param_visible(rq, "school_id", STMT_SCHOOL_VISIBLE))
    return;
  char detail[160];
  snprintf(detail, sizeof detail, "the %s role does not have %s",
           role_name(rq->principal.role),
           permission_name(rq->match.route->permission));
  reply_problem(rq, ERR_FORBIDDEN, detail);
}

bool auth_check(struct request *rq) {
  const struct route *route = rq->match.route;
  if (route->permission == PERM_NONE) { /* a bug: fail closed */
    reply_problem(rq, ERR_INTERNAL, NULL);
    return false;
  }
  if (route->permission == PERM_PUBLIC)
    return true;
  if (!authenticate(rq))
    return false;
  if (role_has(rq->principal.role, route->permission))
    return true;
  reply_denied(rq);
  return false;
}
