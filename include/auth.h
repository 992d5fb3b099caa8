/* Authentication (docs/ACCESS.md). The server calls auth_check once per
 * request, before the body is parsed: it finds the principal
 * (include/principal.h) behind the bearer token (from the token cache, or
 * one query on a miss) and checks the route's permission. */
#ifndef OPORA_AUTH_H
#define OPORA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "principal.h"

struct request;

/* Authenticates the request for its route (rq->match.route) and checks the
 * route's permission. False after answering 401, 403 or 404. */
bool auth_check(struct request *rq);

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
