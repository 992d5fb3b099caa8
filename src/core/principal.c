/* The permissions and roles of include/permissions.def as tables, and the
 * caller's scope as statements take it. */
#include "principal.h"

#include <string.h>

#include "request.h"

#define PERM_BIT(p) (1ull << (p))
#define PERM_ALL (~0ull)
#define SCOPE_BIT(k) (1u << (k))

static const char *const permission_names[PERM_COUNT] = {
    [PERM_NONE] = "none",
    [PERM_PUBLIC] = "public",
    [PERM_AUTHENTICATED] = "authenticated",
#define PERM(id, name) [PERM_##id] = name,
#define ROLE(id, name, scopes, perms)
#include "permissions.def"
#undef PERM
#undef ROLE
};

static const struct {
  const char *name;
  unsigned scopes;
  unsigned long long perms;
} roles[ROLE_COUNT] = {
#define PERM(id, name)
#define ROLE(id, name_, scopes_, perms_)                                       \
  [ROLE_##id] = {.name = name_, .scopes = (scopes_), .perms = (perms_)},
#include "permissions.def"
#undef PERM
#undef ROLE
};

static const char *const scope_names[SCOPE_COUNT] = {
    [SCOPE_GLOBAL] = "global",
    [SCOPE_REGION] = "region",
    [SCOPE_MUNICIPALITY] = "municipality",
    [SCOPE_SCHOOL] = "school",
};

const char *permission_name(enum permission p) {
  return p < PERM_COUNT ? permission_names[p] : "?";
}
const char *role_name(enum role r) {
  return r < ROLE_COUNT ? roles[r].name : "?";
}
const char *principal_kind_name(enum principal_kind k) {
  return k == PRINCIPAL_CLIENT ? "client" : "user";
}
int role_parse(const char *name) {
  for (int r = 0; r < ROLE_COUNT; r++)
    if (strcmp(roles[r].name, name) == 0)
      return r;
  return -1;
}
const char *scope_kind_name(enum scope_kind k) {
  return k < SCOPE_COUNT ? scope_names[k] : "?";
}
int scope_kind_parse(const char *name) {
  for (int k = 0; k < SCOPE_COUNT; k++)
    if (strcmp(scope_names[k], name) == 0)
      return k;
  return -1;
}
bool role_has(enum role r, enum permission p) {
  if (p == PERM_NONE)
    return false;
  if (p == PERM_PUBLIC || p == PERM_AUTHENTICATED)
    return true;
  return r < ROLE_COUNT && (roles[r].perms & PERM_BIT(p)) != 0;
}
bool role_scope_allowed(enum role r, enum scope_kind k) {
  return r < ROLE_COUNT && k < SCOPE_COUNT &&
         (roles[r].scopes & SCOPE_BIT(k)) != 0;
}

const char *auth_scope_kind(const struct request *rq) {
  return rq->principal.scope_kind;
}
const char *auth_scope_id(const struct request *rq) {
  return rq->principal.scope_id[0] != '\0' ? rq->principal.scope_id : NULL;
}
