/* What /api/v1/users and /api/v1/clients share (src/api/account_http.c): an
 * account has a role and a scope checked together, a generated secret shown
 * once (a password, a client secret), and tokens that must stop at once when
 * it is deactivated or its role or scope changes. Reads and updates go
 * through the generic resource code; creation and new secrets are here. */
#ifndef OPORA_ACCOUNT_H
#define OPORA_ACCOUNT_H

#include <stddef.h>

#include "auth.h"
#include "resource.h"

/* A new secret: the text shown once, and what the database keeps. */
#define ACCOUNT_SECRET_MAX 64
#define ACCOUNT_STORED_MAX 128

struct account_kind {
  const struct resource *res; /* get, update, fields, entity, audit place */
  enum principal_kind principal;
  const char *name_field; /* "login" / "client_id" */
  bool curator_allowed;   /* a curator is a person: no client has the role */
  /* Statements of src/db/sql/accounts.def, all scoped: insert (body,
   * secret_hash) -> id; state (id) -> role, scope (JSON), active; secret
   * (id, secret_hash) -> id; revoke (id). secret_hash is what the database
   * keeps of the secret. */
  enum stmt_id insert, state, secret, revoke;
  const char *secret_member; /* "password" / "client_secret" */
  const char *secret_action; /* audit action of a new secret */
  /* Fills the secret text and what is stored; false when it cannot. */
  bool (*make_secret)(char text[ACCOUNT_SECRET_MAX],
                      char stored[ACCOUNT_STORED_MAX]);
};

/* The rules across fields of a body or patch (struct resource's check):
 * the name's pattern, a scope's id, the role against the scope when both
 * are given. */
void account_check(const struct account_kind *k, const json_t *body,
                   json_t *errors);
/* Inside the update's transaction (struct resource's before_update): the
 * role and scope as they will stand, what the caller may do to its own
 * account, and the tokens of an account being deactivated. */
bool account_before_update(struct request *rq, const struct account_kind *k,
                           int64_t id);

void account_create(struct request *rq, const struct account_kind *k);
void account_update(struct request *rq, const struct account_kind *k);
void account_new_secret(struct request *rq, const struct account_kind *k);

#endif
