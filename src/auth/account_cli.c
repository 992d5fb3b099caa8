/* Accounts created from the command line: the first admin of a fresh
 * installation, and machine clients before anyone can log in. */
#include "account_cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "db.h"

const char account_user_help[] =
    "usage: opora user add --login LOGIN --role ROLE --scope SCOPE\n"
    "                      [--full-name NAME] [--position TEXT] [--email E]\n"
    "  ROLE: admin, municipal, curator, school, ingest or reader\n"
    "  SCOPE: global (admin only), region:ID, municipality:ID or school:ID\n"
    "Prints a one-time password. Also reads the settings of `opora migrate`\n"
    "(DATABASE_URL / --database-url).\n";

const char account_client_help[] =
    "usage: opora client add --client-id ID --role ROLE --scope SCOPE\n"
    "                        [--description TEXT]\n"
    "  ROLE: admin, municipal, school, ingest or reader\n"
    "  SCOPE: global (admin only), region:ID, municipality:ID or school:ID\n"
    "Prints the client secret, once. Also reads DATABASE_URL.\n";

int account_args_take(struct account_args *a, int *argc, char **argv, char *err,
                      size_t err_len) {
  static const struct {
    const char *flag;
    size_t offset;
  } flags[] = {
      {"--login", offsetof(struct account_args, login)},
      {"--client-id", offsetof(struct account_args, client_id)},
      {"--full-name", offsetof(struct account_args, full_name)},
      {"--position", offsetof(struct account_args, position)},
      {"--email", offsetof(struct account_args, email)},
      {"--description", offsetof(struct account_args, description)},
      {"--role", offsetof(struct account_args, role)},
      {"--scope", offsetof(struct account_args, scope)},
  };
  memset(a, 0, sizeof *a);
  int kept = 0;
  for (int i = 0; i < *argc; i++) {
    bool taken = false;
    for (size_t f = 0; f < sizeof flags / sizeof flags[0] && !taken; f++) {
      size_t n = strlen(flags[f].flag);
      const char **slot = (const char **)((char *)a + flags[f].offset);
      if (strncmp(argv[i], flags[f].flag, n) != 0)
        continue;
      if (argv[i][n] == '=') {
        *slot = argv[i] + n + 1;
        taken = true;
      } else if (argv[i][n] == '\0') {
        if (i + 1 >= *argc) {
          snprintf(err, err_len, "%s needs a value", flags[f].flag);
          return -1;
        }
        *slot = argv[++i];
        taken = true;
      }
    }
    if (!taken)
      argv[kept++] = argv[i];
  }
  *argc = kept;
  return 0;
}

int account_scope_json(const char *scope, char *out, size_t len, char *err,
                       size_t err_len) {
  if (strcmp(scope, "global") == 0) {
    snprintf(out, len, "{\"kind\":\"global\"}");
    return 0;
  }
  const char *colon = strchr(scope, ':');
  char kind[16];
  size_t kind_len = colon != NULL ? (size_t)(colon - scope) : 0;
  if (colon != NULL && kind_len < sizeof kind) {
    memcpy(kind, scope, kind_len);
    kind[kind_len] = '\0';
    char *end = NULL;
    long long id = strtoll(colon + 1, &end, 10);
    int k = scope_kind_parse(kind);
    if (k > SCOPE_GLOBAL && end != colon + 1 && *end == '\0' && id > 0) {
      snprintf(out, len, "{\"kind\":\"%s\",\"id\":%lld}", kind, id);
      return 0;
    }
  }
  snprintf(err, err_len,
           "--scope must be global, region:ID, municipality:ID or "
           "school:ID, not '%.60s'",
           scope);
  return -1;
}

/* Role and scope of a new account, checked before the database sees them. */
static int check_role_scope(const struct account_args *a, char *scope_json,
                            size_t len) {
  char err[160];
  if (a->role == NULL || a->scope == NULL) {
    fprintf(stderr, "opora: --role and --scope are required\n");
    return 2;
  }
  int role = role_parse(a->role);
  if (role < 0) {
    fprintf(stderr,
            "opora: --role must be admin, municipal, curator, school, ingest "
            "or reader, not '%.40s'\n",
            a->role);
    return 2;
  }
  if (account_scope_json(a->scope, scope_json, len, err, sizeof err) != 0) {
    fprintf(stderr, "opora: %s\n", err);
    return 2;
  }
  json_t *parsed = json_loads(scope_json, 0, NULL);
  int kind =
      scope_kind_parse(json_string_value(json_object_get(parsed, "kind")));
  json_decref(parsed);
  if (!role_scope_allowed((enum role)role, (enum scope_kind)kind)) {
    fprintf(stderr, "opora: --scope: the %s role cannot have a %s scope\n",
            a->role, scope_kind_name((enum scope_kind)kind));
    return 2;
  }
  return 0;
}

/* Runs an insert statement of accounts.def as a global administrator. */
static int insert_account(PGconn *conn, enum stmt_id stmt, json_t *body_steal,
                          const char *secret) {
  char *body = json_dumps(body_steal, JSON_COMPACT);
  json_decref(body_steal);
  const struct db_arg args[] = {
      {"body", body}, {"secret_hash", secret}, DB_END};
  PGresult *r = db_call_on(conn, stmt, args, NULL, "global", NULL);
  free(body);
  int rc = 0;
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
    const char *c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    if (c != NULL && strstr(c, "_key") != NULL)
      fprintf(stderr, "opora: an account with this name already exists\n");
    else if (c != NULL && strstr(c, "fkey") != NULL)
      fprintf(stderr, "opora: --scope names nothing that exists\n");
    else
      fprintf(stderr, "opora: cannot create the account: %s",
              PQerrorMessage(conn));
    rc = 1;
  }
  PQclear(r);
  return rc;
}

int account_user_add(PGconn *conn, const struct account_args *a) {
  char scope[96];
  int rc = check_role_scope(a, scope, sizeof scope);
  if (rc != 0)
    return rc;
  if (a->login == NULL) {
    fprintf(stderr, "opora: --login is required\n");
    return 2;
  }
  char password[PASSWORD_TEXT_LEN + 1], hash[PASSWORD_HASH_MAX];
  secret_password(password);
  if (!password_hash(password, hash)) {
    fprintf(stderr, "opora: cannot hash the password: out of memory\n");
    return 1;
  }
  json_t *body = json_pack(
      "{s:s, s:s, s:s?, s:s?, s:s, s:o}", "login", a->login, "full_name",
      a->full_name ? a->full_name : a->login, "position", a->position, "email",
      a->email, "role", a->role, "scope", json_loads(scope, 0, NULL));
  rc = insert_account(conn, STMT_USER_INSERT, body, hash);
  if (rc == 0)
    printf("opora: user %s created; one-time password: %s\n", a->login,
           password);
  return rc;
}

int account_client_add(PGconn *conn, const struct account_args *a) {
  char scope[96];
  int rc = check_role_scope(a, scope, sizeof scope);
  if (rc != 0)
    return rc;
  if (a->client_id == NULL) {
    fprintf(stderr, "opora: --client-id is required\n");
    return 2;
  }
  char secret[SECRET_TEXT_LEN + 1], hash[65];
  secret_random(secret);
  secret_sha256_hex(secret, strlen(secret), hash);
  json_t *body = json_pack("{s:s, s:s?, s:s, s:o}", "client_id", a->client_id,
                           "description", a->description, "role", a->role,
                           "scope", json_loads(scope, 0, NULL));
  rc = insert_account(conn, STMT_CLIENT_INSERT, body, hash);
  if (rc == 0)
    printf("opora: client %s created; secret (shown once): %s\n", a->client_id,
           secret);
  return rc;
}
