/* Who is calling, and what they may do (docs/ACCESS.md). The server calls
 * auth_check once per request, before the body is parsed: it finds the
 * principal behind the bearer token (from the token cache, or one query on a
 * miss) and checks the route's permission. Statements then filter by the
 * principal's scope, passed as their last two parameters. */
#ifndef OPORA_AUTH_H
#define OPORA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
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

/* Lifetime of the tokens people get at login (src/api/auth.c). */
void auth_configure(unsigned person_token_ttl);

/* Authenticates the request for its route (rq->match.route) and checks the
 * route's permission. False after answering 401, 403 or 404. */
bool auth_check(struct request *rq);

/* The statement parameters of the caller's scope: kind, then id (NULL for
 * global). */
const char *auth_scope_kind(const struct request *rq);
const char *auth_scope_id(const struct request *rq);

/* --- secrets (src/auth/secrets.c, libsodium) ---------------------------- */

/* Once, before any other call; false when libsodium cannot start. */
bool secrets_init(void);
/* A new random token "opora_" + 43 base64url characters, into out. */
#define TOKEN_TEXT_LEN 49
void secret_token(char out[TOKEN_TEXT_LEN + 1]);
/* A new random secret of 43 base64url characters (256 bits). */
#define SECRET_TEXT_LEN 43
void secret_random(char out[SECRET_TEXT_LEN + 1]);
/* A readable one-time password: 20 characters from an unambiguous set. */
#define PASSWORD_TEXT_LEN 20
void secret_password(char out[PASSWORD_TEXT_LEN + 1]);
/* SHA-256 of text as 64 lower-case hex digits. */
void secret_sha256_hex(const char *text, size_t len, char out[65]);
/* Argon2id hash of a password (crypto_pwhash_str). False when out of
 * memory. */
#define PASSWORD_HASH_MAX 128
bool password_hash(const char *password, char out[PASSWORD_HASH_MAX]);
bool password_verify(const char *hash, const char *password);

/* --- the token cache (src/auth/token_cache.c) --------------------------- */

/* Seconds a verified token is trusted without asking the database. */
void token_cache_configure(unsigned ttl_seconds);
/* Copies the principal cached for this token hash (hex) into *out; false
 * when absent or stale. */
bool token_cache_get(const char *hash_hex, struct principal *out);
void token_cache_put(const char *hash_hex, const struct principal *p);
void token_cache_evict_token(int64_t token_id);
/* Every token of a user or client: on deactivation, role or scope change. */
void token_cache_evict_principal(enum principal_kind kind, int64_t id);

#endif
