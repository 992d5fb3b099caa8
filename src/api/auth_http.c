/* /api/v1/auth and /api/v1/me: tokens for people (login and password) and
 * for machine clients (OAuth2 client credentials), revocation, and who the
 * caller is. Failed attempts are audited and throttled (docs/ACCESS.md). */
#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "json_text.h"
#include "request.h"

#define CLIENT_TOKEN_TTL 3600

static unsigned token_ttl = 28800;

void auth_configure(unsigned person_token_ttl) {
  token_ttl = person_token_ttl;
}

/* --- throttling ------------------------------------------------------- */

/* True when `name` (a login or client id) may try now; otherwise answers
 * 429 with Retry-After. */
static bool may_try(struct request *rq, const char *name) {
  char addr[64];
  const struct db_arg args[] = {
      {"login", name},
      {"remote_addr", request_remote_addr(rq, addr, sizeof addr)},
      DB_END};
  PGresult *r = db_call(rq, STMT_LOGIN_WAIT, args, NULL);
  if (r == NULL)
    return false;
  long wait = strtol(db_get(r, 0, "wait"), NULL, 10);
  PQclear(r);
  if (wait <= 0)
    return true;
  char seconds[24], detail[128];
  snprintf(seconds, sizeof seconds, "%ld", wait);
  snprintf(detail, sizeof detail,
           "too many failed attempts: try again in %ld s", wait);
  reply_problem(rq, ERR_TOO_MANY_ATTEMPTS, detail);
  reply_header(rq, "Retry-After", seconds);
  return false;
}

struct failure {
  const char *name, *entity, *entity_id;
  enum error_id err;
  const char *detail;
};

/* The failed attempt is audited (and so counted) even though the request
 * fails: the unit commits after answering. */
static bool failure_work(struct request *rq, void *arg) {
  const struct failure *f = arg;
  struct audit_entry e = {.action = "login_failed",
                          .entity = f->entity,
                          .entity_id = f->entity_id,
                          .place = AUDIT_PLACE_NONE,
                          .anonymous_name = f->name};
  if (!audit_write(rq, &e))
    return false;
  reply_problem(rq, f->err, f->detail);
  return true;
}

static void reply_failed_attempt(struct request *rq, struct failure *f) {
  db_txn(rq, failure_work, f);
}

/* --- issuing ------------------------------------------------------------ */

struct issue {
  const char *user_id, *client_id; /* one of them */
  const char *region_id;           /* for the audit; NULL when global */
  const char *action, *entity;
  unsigned lifetime;
  char token[TOKEN_TEXT_LEN + 1];
  char expires_at[40];
  json_t *user; /* the Me of a person, owned */
};

static bool issue_work(struct request *rq, void *arg) {
  struct issue *is = arg;
  char hash[65], lifetime[16];
  secret_token(is->token);
  secret_sha256_hex(is->token, strlen(is->token), hash);
  snprintf(lifetime, sizeof lifetime, "%u", is->lifetime);
  const struct db_arg args[] = {{"token_hash", hash},
                                {"user_id", is->user_id},
                                {"client_id", is->client_id},
                                {"lifetime", lifetime},
                                DB_END};
  PGresult *r = db_call(rq, STMT_TOKEN_INSERT, args, NULL);
  if (r == NULL)
    return false;
  snprintf(is->expires_at, sizeof is->expires_at, "%s",
           db_get(r, 0, "expires_at"));
  rq->principal.token_id = strtoll(db_get(r, 0, "id"), NULL, 10);
  rq->principal.expires_at = strtoll(db_get(r, 0, "expires_epoch"), NULL, 10);
  PQclear(r);
  const char *owner = is->user_id != NULL ? is->user_id : is->client_id;
  r = db_call(rq, is->user_id != NULL ? STMT_USER_LOGGED_IN : STMT_CLIENT_USED,
              (const struct db_arg[]){{"id", owner}, DB_END}, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  struct audit_entry e = {.action = is->action,
                          .entity = is->entity,
                          .entity_id = owner,
                          .place = is->region_id != NULL ? AUDIT_PLACE_REGION_ID
                                                         : AUDIT_PLACE_NONE,
                          .parent = is->region_id};
  return audit_write(rq, &e);
}

/* Who the principal is, as GET /me and the login answer show it. */
static json_t *me_build(struct request *rq) {
  const struct principal *p = &rq->principal;
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)p->id);
  PGresult *r =
      db_call(rq, p->kind == PRINCIPAL_USER ? STMT_ME_USER : STMT_ME_CLIENT,
              (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return NULL;
  json_t *me = PQntuples(r) == 1 ? json_loads(db_get(r, 0, "me"), 0, NULL)
                                 : json_object();
  PQclear(r);
  json_t *permissions = json_array();
  for (int perm = PERM_AUTHENTICATED + 1; perm < PERM_COUNT; perm++)
    if (role_has(p->role, (enum permission)perm))
      json_array_append_new(
          permissions, json_string(permission_name((enum permission)perm)));
  json_object_set_new(me, "permissions", permissions);
  char expires[32];
  time_t t = (time_t)p->expires_at;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_object_set_new(me, "token_expires_at", json_string(expires));
  return me;
}

static void reply_token(struct request *rq, struct issue *is) {
  json_t *body = json_pack(
      "{s:s, s:s, s:I, s:s}", "access_token", is->token, "token_type", "Bearer",
      "expires_in", (json_int_t)is->lifetime, "expires_at", is->expires_at);
  if (is->user != NULL)
    json_object_set(body, "user", is->user);
  reply_json_steal(rq, 200, body);
  reply_header(rq, "Cache-Control", "no-store");
  sodium_memzero(is->token, sizeof is->token);
}

/* Becomes the principal about to get a token, so that the audit row and
 * the answer name it. */
static void become(struct request *rq, enum principal_kind kind, const char *id,
                   const char *role, const char *name) {
  struct principal *p = &rq->principal;
  memset(p, 0, sizeof *p);
  p->kind = kind;
  p->id = strtoll(id, NULL, 10);
  int r = role_parse(role);
  p->role = r >= 0 ? (enum role)r : ROLE_READER;
  snprintf(p->name, sizeof p->name, "%s", name);
  rq->authenticated = true;
}

/* --- POST /auth/login ---------------------------------------------------- */

const struct jspec_field login_fields[] = {
    FIELD("login", JS_STRING, REQ, 1, AUTH_NAME_MAX),
    FIELD("password", JS_STRING, REQ, 1, 1024),
    END_FIELDS,
};

/* Checking against this when the login is unknown makes a miss take as
 * long as a wrong password. */
static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy_hash(void) {
  if (!password_hash("no such user", dummy_hash))
    dummy_hash[0] = '\0';
}

void auth_login(struct request *rq) {
  if (!request_body_checked(rq, login_fields, JSPEC_CREATE))
    return;
  const char *login = json_string_value(json_object_get(rq->json, "login"));
  const char *password =
      json_string_value(json_object_get(rq->json, "password"));
  if (!may_try(rq, login))
    return;
  PGresult *r = db_call(rq, STMT_USER_FOR_LOGIN, NULL, rq->json);
  if (r == NULL)
    return;
  bool found = PQntuples(r) == 1;
  pthread_once(&dummy_once, make_dummy_hash);
  bool verified = password_verify(
      found ? db_get(r, 0, "password_hash") : dummy_hash, password);
  bool active = found && db_get(r, 0, "active")[0] == 't';
  if (!found || !verified || !active) {
    struct failure f = {.name = login,
                        .entity = "user",
                        .entity_id = found ? db_get(r, 0, "id") : NULL,
                        .err = ERR_INVALID_CREDENTIALS,
                        .detail = "wrong login or password"};
    reply_failed_attempt(rq, &f);
    PQclear(r);
    return;
  }
  become(rq, PRINCIPAL_USER, db_get(r, 0, "id"), db_get(r, 0, "role"),
         db_get(r, 0, "login"));
  struct issue is = {.user_id = db_get(r, 0, "id"),
                     .region_id = db_get(r, 0, "region_id"),
                     .action = "login",
                     .entity = "user",
                     .lifetime = token_ttl};
  if (db_txn(rq, issue_work, &is)) {
    is.user = me_build(rq);
    if (is.user != NULL)
      reply_token(rq, &is);
    json_decref(is.user);
  }
  PQclear(r);
}

/* --- POST /auth/token (client credentials) ------------------------------ */

struct client_credentials {
  char *grant_type, *client_id, *client_secret; /* owned */
};

static void credentials_free(struct client_credentials *c) {
  free(c->grant_type);
  free(c->client_id);
  if (c->client_secret != NULL)
    sodium_memzero(c->client_secret, strlen(c->client_secret));
  free(c->client_secret);
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes one application/x-www-form-urlencoded value; NULL when bad. */
static char *form_decode(const char *s, size_t len) {
  char *out = malloc(len + 1);
  if (out == NULL)
    abort();
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '+') {
      out[n++] = ' ';
    } else if (s[i] == '%') {
      int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
        free(out);
        return NULL;
      }
      out[n++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[n++] = s[i];
    }
  }
  out[n] = '\0';
  return out;
}

/* Reads the form into c; appends an error per bad or unknown field. */
static void form_read(const char *body, size_t len,
                      struct client_credentials *c, json_t *errors) {
  size_t start = 0;
  while (start < len) {
    size_t end = start;
    while (end < len && body[end] != '&')
      end++;
    const char *eq = memchr(body + start, '=', end - start);
    size_t key_len = eq != NULL ? (size_t)(eq - (body + start)) : end - start;
    char *key = form_decode(body + start, key_len);
    char *value =
        eq != NULL ? form_decode(eq + 1, (size_t)(body + end - eq - 1)) : NULL;
    char **slot = NULL;
    if (key != NULL && strcmp(key, "grant_type") == 0)
      slot = &c->grant_type;
    else if (key != NULL && strcmp(key, "client_id") == 0)
      slot = &c->client_id;
    else if (key != NULL && strcmp(key, "client_secret") == 0)
      slot = &c->client_secret;
    char path[80];
    snprintf(path, sizeof path, "$.%.64s", key != NULL ? key : "?");
    if (slot == NULL)
      jspec_error(errors, path, "is not a field of this request");
    else if (value == NULL || *slot != NULL)
      jspec_error(errors, path, "must be given once, with a value");
    else {
      *slot = value;
      value = NULL;
    }
    free(key);
    free(value);
    start = end + 1;
  }
}

const struct jspec_field token_fields[] = {
    FIELD("grant_type", JS_STRING, 0, 1, 64),
    FIELD("client_id", JS_STRING, 0, 1, AUTH_NAME_MAX),
    FIELD("client_secret", JS_STRING, 0, 1, 256),
    END_FIELDS,
};

static char *json_string_dup(const json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s != NULL ? strdup(s) : NULL;
}

static void json_read(struct request *rq, struct client_credentials *c,
                      json_t *errors) {
  struct json_text_fault fault;
  json_t *body = json_text_load(rq->body, rq->body_len, &fault);
  if (fault.errors != NULL) {
    json_array_extend(errors, fault.errors);
    json_decref(fault.errors);
  } else if (!json_is_object(body)) {
    jspec_error(errors, "$", "must be a JSON object");
  } else if (jspec_check(body, token_fields, JSPEC_CREATE, errors) == 0) {
    c->grant_type = json_string_dup(body, "grant_type");
    c->client_id = json_string_dup(body, "client_id");
    c->client_secret = json_string_dup(body, "client_secret");
  }
  json_decref(body);
}

/* HTTP Basic client_id:client_secret, when sent. */
static void basic_read(struct request *rq, struct client_credentials *c,
                       json_t *errors) {
  const char *h = request_header(rq, "Authorization");
  if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
    return; /* a bearer token sent along is no credential here */
  char decoded[512];
  size_t n = 0;
  if (sodium_base642bin((unsigned char *)decoded, sizeof decoded - 1, h + 6,
                        strlen(h + 6), NULL, &n, NULL,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    jspec_error(errors, "header.Authorization", "is not valid base64");
    return;
  }
  decoded[n] = '\0';
  char *colon = strchr(decoded, ':');
  if (colon == NULL || strlen(decoded) != n) {
    jspec_error(errors, "header.Authorization",
                "must hold client_id:client_secret");
  } else if (c->client_id != NULL || c->client_secret != NULL) {
    jspec_error(errors, "header.Authorization",
                "send the credentials either here or in the body, not both");
  } else {
    *colon = '\0';
    c->client_id = strdup(decoded);
    c->client_secret = strdup(colon + 1);
  }
  sodium_memzero(decoded, sizeof decoded);
}

/* The credentials from the body (form or JSON) and HTTP Basic. False after
 * answering 400 or 415. */
static bool credentials_read(struct request *rq, struct client_credentials *c) {
  const char *ct = request_header(rq, "Content-Type");
  json_t *errors = json_array();
  if (ct != NULL &&
      strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
    form_read(rq->body != NULL ? rq->body : "", rq->body_len, c, errors);
  } else if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
    json_read(rq, c, errors);
  } else if (rq->body_len > 0 || ct != NULL) {
    json_decref(errors);
    reply_problem(rq, ERR_UNSUPPORTED_MEDIA_TYPE,
                  "send application/x-www-form-urlencoded or "
                  "application/json");
    return false;
  }
  basic_read(rq, c, errors);
  if (json_array_size(errors) == 0) {
    if (c->grant_type == NULL)
      jspec_error(errors, "$.grant_type", "is required");
    if (c->client_id == NULL)
      jspec_error(errors, "$.client_id", "is required (or HTTP Basic)");
    if (c->client_secret == NULL)
      jspec_error(errors, "$.client_secret", "is required (or HTTP Basic)");
  }
  if (json_array_size(errors) > 0) {
    reply_validation_steal(rq, errors);
    return false;
  }
  json_decref(errors);
  if (strcmp(c->grant_type, "client_credentials") != 0) {
    reply_problem(rq, ERR_UNSUPPORTED_GRANT_TYPE,
                  "grant_type must be client_credentials");
    return false;
  }
  return true;
}

static void issue_client_token(struct request *rq,
                               const struct client_credentials *c) {
  if (!may_try(rq, c->client_id))
    return;
  PGresult *r = db_call(
      rq, STMT_CLIENT_FOR_ID,
      (const struct db_arg[]){{"client_id", c->client_id}, DB_END}, NULL);
  if (r == NULL)
    return;
  char hash[65];
  secret_sha256_hex(c->client_secret, strlen(c->client_secret), hash);
  bool found = PQntuples(r) == 1;
  bool ok = found &&
            sodium_memcmp(db_get(r, 0, "secret_hash"), hash, 64) == 0 &&
            db_get(r, 0, "active")[0] == 't';
  if (!ok) {
    struct failure f = {.name = c->client_id,
                        .entity = "client",
                        .entity_id = found ? db_get(r, 0, "id") : NULL,
                        .err = ERR_INVALID_CLIENT,
                        .detail = "unknown client or wrong secret"};
    reply_failed_attempt(rq, &f);
    PQclear(r);
    return;
  }
  become(rq, PRINCIPAL_CLIENT, db_get(r, 0, "id"), db_get(r, 0, "role"),
         c->client_id);
  struct issue is = {
      .client_id = db_get(r, 0, "id"),
      .region_id = db_get(r, 0, "region_id"),
      .action = "token_issue",
      .entity = "client",
      .lifetime = token_ttl < CLIENT_TOKEN_TTL ? token_ttl : CLIENT_TOKEN_TTL};
  if (db_txn(rq, issue_work, &is))
    reply_token(rq, &is);
  PQclear(r);
}

void auth_token_issue(struct request *rq) {
  struct client_credentials c = {0};
  if (credentials_read(rq, &c))
    issue_client_token(rq, &c);
  credentials_free(&c);
}

/* --- DELETE /auth/token, GET /me ---------------------------------------- */

static bool revoke_work(struct request *rq, void *arg) {
  (void)arg;
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)rq->principal.token_id);
  PGresult *r = db_call(rq, STMT_TOKEN_REVOKE,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  char region[24] = "";
  if (PQntuples(r) == 1 && !db_is_null(r, 0, "region_id"))
    snprintf(region, sizeof region, "%s", db_get(r, 0, "region_id"));
  PQclear(r);
  struct audit_entry e = {.action = "token_revoke",
                          .entity = "token",
                          .entity_id = id,
                          .place = region[0] ? AUDIT_PLACE_REGION_ID
                                             : AUDIT_PLACE_NONE,
                          .parent = region[0] ? region : NULL};
  if (!audit_write(rq, &e))
    return false;
  reply_empty(rq, 204);
  return true;
}

void auth_token_revoke(struct request *rq) {
  if (db_txn(rq, revoke_work, NULL))
    token_cache_evict_token(rq->principal.token_id);
}

void me_get(struct request *rq) {
  json_t *me = me_build(rq);
  if (me != NULL)
    reply_json_steal(rq, 200, me);
}
