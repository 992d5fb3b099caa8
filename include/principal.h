/* Who is calling, as every layer sees it: the permissions and roles of
 * include/permissions.def, the kinds of scope, and the principal auth_check
 * finds behind a request's token (src/auth/auth.c). Statements filter by the
 * principal's scope, passed as their last two parameters. */
#ifndef OPORA_PRINCIPAL_H
#define OPORA_PRINCIPAL_H

#include <stdbool.h>
#include <stdint.h>

struct request;

enum permission {
  PERM_NONE,          /* a route that forgot its permission: never served */
  PERM_PUBLIC,        /* no token needed */
  PERM_AUTHENTICATED, /* any valid token */
#define PERM(id, name) PERM_##id,
#define ROLE(id, name, scopes, perms)
#include "permissions.def"
#undef PERM
#undef ROLE
  PERM_COUNT
};

enum role {
#define PERM(id, name)
#define ROLE(id, name, scopes, perms) ROLE_##id,
#include "permissions.def"
#undef PERM
#undef ROLE
  ROLE_COUNT
};

/* How a scope is stored on a user or client. */
enum scope_kind {
  SCOPE_GLOBAL,
  SCOPE_REGION,
  SCOPE_MUNICIPALITY,
  SCOPE_SCHOOL,
  SCOPE_COUNT
};

enum principal_kind { PRINCIPAL_USER, PRINCIPAL_CLIENT };

#define AUTH_NAME_MAX 64

struct principal {
  enum principal_kind kind;
  int64_t id; /* users.id or clients.id */
  int64_t token_id;
  enum role role;
  char name[AUTH_NAME_MAX + 1]; /* login or client_id */
  /* The scope as statements take it ($n scope kind, $n+1 scope id):
   * "global" (id NULL), "region", "municipality", "school", or "assigned"
   * for a curator (id = the user). */
  char scope_kind[16];
  char scope_id[24];
  int64_t expires_at; /* the token's expiry, Unix seconds */
};

const char *permission_name(enum permission p);
const char *role_name(enum role r);
/* "user" or "client", as audit rows and push records store it. */
const char *principal_kind_name(enum principal_kind k);
/* -1 when name is no role. */
int role_parse(const char *name);
const char *scope_kind_name(enum scope_kind k);
int scope_kind_parse(const char *name);
bool role_has(enum role r, enum permission p);
/* May a user or client of role r have a scope of kind k? */
bool role_scope_allowed(enum role r, enum scope_kind k);

/* The statement parameters of the caller's scope: kind, then id (NULL for
 * global). */
const char *auth_scope_kind(const struct request *rq);
const char *auth_scope_id(const struct request *rq);

#endif
