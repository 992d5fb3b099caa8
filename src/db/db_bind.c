/* Statements that know their parameters (include/db.h): db_call binds them
 * by name, db_check_statements compares the declarations with PostgreSQL. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_internal.h"
#include "errors.h"
#include "log.h"
#include "principal.h"
#include "request.h"

#define MAX_PARAMS 40

/* The parameters of one call, in order, and the texts made for them. */
struct bound {
  const char *values[MAX_PARAMS];
  char *owned[MAX_PARAMS];
  int n;
};

static void bound_free(struct bound *b) {
  for (int i = 0; i < b->n; i++)
    free(b->owned[i]);
}

static char *text_dup(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static char *text_dup(const char *fmt, ...) {
  char buf[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char *s = strdup(buf);
  if (s == NULL)
    abort();
  return s;
}

/* A JSON array as the text of a PostgreSQL array: {1,2} or {"a","b"}. */
static char *array_text(const json_t *a) {
  size_t cap = 3, i;
  json_t *v;
  json_array_foreach(a, i, v) cap +=
      2 * (json_is_string(v) ? strlen(json_string_value(v)) + 3 : 24);
  char *s = malloc(cap), *at = s;
  if (s == NULL)
    abort();
  *at++ = '{';
  json_array_foreach(a, i, v) {
    if (i > 0)
      *at++ = ',';
    if (json_is_integer(v)) {
      at += sprintf(at, "%" PRId64, (int64_t)json_integer_value(v));
    } else if (json_is_string(v)) {
      *at++ = '"';
      for (const char *c = json_string_value(v); *c; c++) {
        if (*c == '"' || *c == '\\')
          *at++ = '\\';
        *at++ = *c;
      }
      *at++ = '"';
    } else {
      at += sprintf(at, "NULL");
    }
  }
  *at++ = '}';
  *at = '\0';
  return s;
}

/* A member of a checked query or body as a parameter's text. */
static const char *json_param(const json_t *v, enum db_type type,
                              char **owned) {
  *owned = NULL;
  switch (json_typeof(v)) {
  case JSON_STRING:
    return json_string_value(v);
  case JSON_INTEGER:
    return *owned = text_dup("%" PRId64, (int64_t)json_integer_value(v));
  case JSON_REAL:
    return *owned = text_dup("%.17g", json_real_value(v));
  case JSON_TRUE:
    return "true";
  case JSON_FALSE:
    return "false";
  case JSON_NULL:
    return NULL;
  case JSON_ARRAY:
    if (type == DB_BIGINT_ARRAY || type == DB_TEXT_ARRAY)
      return *owned = array_text(v);
    break;
  case JSON_OBJECT:
    break;
  }
  *owned = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (*owned == NULL)
    abort();
  return *owned;
}

static const struct db_arg *arg_named(const struct db_arg *args,
                                      const char *name) {
  for (const struct db_arg *a = args; a != NULL && a->name != NULL; a++)
    if (strcmp(a->name, name) == 0)
      return a;
  return NULL;
}

static bool declares(const struct stmt_def *def, const char *name) {
  for (int i = 0; i < def->n_params; i++)
    if (strcmp(def->params[i].name, name) == 0)
      return true;
  return false;
}

/* Orders the values by the declaration; false (message in err) when the
 * call does not fit it. */
static bool bind(const struct stmt_def *def, const struct db_arg *args,
                 const json_t *values, const char *scope_kind,
                 const char *scope_id, struct bound *b, char *err,
                 size_t err_len) {
  b->n = 0;
  for (const struct db_arg *a = args; a != NULL && a->name != NULL; a++)
    if (!declares(def, a->name)) {
      snprintf(err, err_len, "statement %s has no parameter %s", def->name,
               a->name);
      return false;
    }
  for (int i = 0; i < def->n_params; i++) {
    const struct db_param *p = &def->params[i];
    const struct db_arg *a = arg_named(args, p->name);
    b->owned[b->n] = NULL;
    if (a != NULL) {
      b->values[b->n++] = a->value;
    } else if (json_is_object(values)) {
      const json_t *v = json_object_get(values, p->name);
      b->values[b->n] = v ? json_param(v, p->type, &b->owned[b->n]) : NULL;
      b->n++;
    } else {
      bound_free(b);
      snprintf(err, err_len, "statement %s: no value for %s", def->name,
               p->name);
      return false;
    }
  }
  if (def->scoped) {
    b->owned[b->n] = NULL;
    b->values[b->n++] = scope_kind;
    b->owned[b->n] = NULL;
    b->values[b->n++] = scope_id;
  }
  return true;
}

PGresult *db_call(struct request *rq, enum stmt_id id,
                  const struct db_arg *args, const json_t *values) {
  struct bound b;
  char err[200];
  if (!bind(db_stmt_def(id), args, values, auth_scope_kind(rq),
            auth_scope_id(rq), &b, err, sizeof err)) {
    log_msg(LOG_ERROR, "request %s: %s", rq->id, err);
    reply_problem(rq, ERR_INTERNAL, NULL);
    return NULL;
  }
  PGresult *r = db_exec(rq, id, b.n, b.values);
  bound_free(&b);
  return r;
}

/* For a connection of one's own: false (logged) when the call does not fit
 * the statement's declaration. */
static bool bind_on(const struct stmt_def *def, const struct db_arg *args,
                    const json_t *values, const char *scope_kind,
                    const char *scope_id, struct bound *b) {
  char err[200];
  if (bind(def, args, values, scope_kind, scope_id, b, err, sizeof err))
    return true;
  log_msg(LOG_ERROR, "%s", err);
  return false;
}

PGresult *db_call_on(PGconn *pg, enum stmt_id id, const struct db_arg *args,
                     const json_t *values, const char *scope_kind,
                     const char *scope_id) {
  struct bound b;
  const struct stmt_def *def = db_stmt_def(id);
  if (!bind_on(def, args, values, scope_kind, scope_id, &b))
    return NULL;
  PGresult *r = PQexecParams(pg, def->sql, b.n, NULL, b.values, NULL, NULL, 0);
  bound_free(&b);
  return r;
}

PGresult *db_side_call(enum stmt_id id, const struct db_arg *args,
                       const json_t *values) {
  struct bound b;
  if (!bind_on(db_stmt_def(id), args, values, NULL, NULL, &b))
    return NULL;
  PGresult *r = db_side_exec(id, b.n, b.values);
  bound_free(&b);
  return r;
}

int db_send_on(PGconn *pg, enum stmt_id id, const struct db_arg *args,
               const json_t *values, const char *scope_kind,
               const char *scope_id) {
  struct bound b;
  const struct stmt_def *def = db_stmt_def(id);
  if (!bind_on(def, args, values, scope_kind, scope_id, &b))
    return 0;
  int sent =
      PQsendQueryParams(pg, def->sql, b.n, NULL, b.values, NULL, NULL, 0);
  bound_free(&b);
  return sent;
}

int db_column(const PGresult *r, const char *column) {
  int c = PQfnumber(r, column);
  if (c < 0) {
    log_msg(LOG_ERROR, "a result has no column %s", column);
    abort();
  }
  return c;
}

const char *db_get(const PGresult *r, int row, const char *column) {
  int c = db_column(r, column);
  return PQgetisnull(r, row, c) ? NULL : PQgetvalue(r, row, c);
}

bool db_is_null(const PGresult *r, int row, const char *column) {
  return db_get(r, row, column) == NULL;
}

/* --- the declarations against PostgreSQL ------------------------------ */

static Oid type_oid(enum db_type t) {
  static const Oid oids[] = {
      [DB_BIGINT] = 20,         [DB_INT] = 23,          [DB_NUMERIC] = 1700,
      [DB_TEXT] = 25,           [DB_BOOL] = 16,         [DB_DATE] = 1082,
      [DB_TIMESTAMPTZ] = 1184,  [DB_JSON] = 114,        [DB_JSONB] = 3802,
      [DB_BIGINT_ARRAY] = 1016, [DB_TEXT_ARRAY] = 1009,
  };
  return oids[t];
}

static void note(char *err, size_t err_len, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(char *err, size_t err_len, size_t *at, const char *fmt, ...) {
  if (*at + 1 >= err_len)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err + *at, err_len - *at, fmt, ap);
  va_end(ap);
  if (n > 0)
    *at = *at + (size_t)n < err_len ? *at + (size_t)n : err_len - 1;
}

/* The differences of one statement from its declaration, noted; how many. */
static int compare(const struct stmt_def *def, const PGresult *d, char *err,
                   size_t err_len, size_t *at) {
  int want = def->n_params + (def->scoped ? 2 : 0);
  if (PQnparams(d) != want) {
    note(err, err_len, at, "%s: declares %d parameters, its SQL has %d; ",
         def->name, want, PQnparams(d));
    return 1;
  }
  int bad = 0;
  for (int i = 0; i < want; i++) {
    bool scope = i >= def->n_params;
    Oid expected =
        scope ? (i == def->n_params ? 25 : 20) : type_oid(def->params[i].type);
    if (PQparamtype(d, i) != expected) {
      note(err, err_len, at, "%s: $%d (%s) is declared type %u, its SQL %u; ",
           def->name, i + 1, scope ? "scope" : def->params[i].name, expected,
           PQparamtype(d, i));
      bad++;
    }
  }
  return bad > 0;
}

/* One statement: -1 when it does not prepare, else how many declarations
 * differ (0 or 1). Prepared under a name of its own, and let go. */
static int check_def(PGconn *conn, const struct stmt_def *def, char *err,
                     size_t err_len, size_t *at) {
  char name[80];
  snprintf(name, sizeof name, "opora_check_%s", def->name);
  PGresult *r = PQprepare(conn, name, def->sql, 0, NULL);
  bool prepared = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!prepared)
    note(err, err_len, at, "%s does not prepare: %s", def->name,
         PQresultErrorMessage(r));
  PQclear(r);
  if (!prepared)
    return -1;
  PGresult *d = PQdescribePrepared(conn, name);
  int differ = PQresultStatus(d) == PGRES_COMMAND_OK
                   ? compare(def, d, err, err_len, at)
                   : 1;
  PQclear(d);
  char sql[100];
  snprintf(sql, sizeof sql, "DEALLOCATE \"%s\"", name);
  PQclear(PQexec(conn, sql));
  return differ;
}

int db_check_def(PGconn *conn, const struct stmt_def *def, char *err,
                 size_t err_len) {
  size_t at = 0;
  err[0] = '\0';
  return check_def(conn, def, err, err_len, &at);
}

/* In a transaction left undone: the temporary tables some statements work
 * on (a push's) are made first, as their writer makes them. */
int db_check_statements(PGconn *conn, char *err, size_t err_len) {
  size_t at = 0;
  int differ = 0;
  err[0] = '\0';
  PQclear(PQexec(conn, "BEGIN"));
  for (int id = 0; id < STMT_COUNT; id++) {
    const char *sql = db_stmt_def((enum stmt_id)id)->sql;
    if (strncmp(sql, "CREATE TEMP ", 12) == 0)
      PQclear(PQexec(conn, sql));
  }
  for (int id = 0; id < STMT_COUNT && differ >= 0; id++) {
    int rc = check_def(conn, db_stmt_def((enum stmt_id)id), err, err_len, &at);
    differ = rc < 0 ? -1 : differ + rc;
  }
  PQclear(PQexec(conn, "ROLLBACK"));
  return differ;
}
