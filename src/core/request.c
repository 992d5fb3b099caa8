/* Reading a request: path and query parameters, headers, the JSON body and
 * If-Match, each checked and answered with a problem when bad. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

bool request_parse_id(const char *text, size_t len, int64_t *out) {
  if (len == 0 || len > 16)
    return false;
  int64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] < '0' || text[i] > '9')
      return false;
    v = v * 10 + (text[i] - '0');
  }
  if (v <= 0 || v > 9007199254740991LL) /* 2^53 - 1: safe in JSON clients */
    return false;
  *out = v;
  return true;
}

bool request_param_raw(const struct request *rq, const char *name,
                       const char **text, size_t *len) {
  const struct route_match *m = &rq->match;
  for (size_t i = 0; i < m->n_params; i++)
    if (strlen(name) == m->names_len[i] &&
        strncmp(m->names[i], name, m->names_len[i]) == 0) {
      *text = m->values_start[i];
      *len = m->values_len[i];
      return true;
    }
  return false;
}

/* Answers 400 naming path.<name>; returns false for the caller to return. */
static bool reply_bad_param(struct request *rq, const char *name,
                            const char *message) {
  char path[64];
  snprintf(path, sizeof path, "path.%s", name);
  json_t *errors = json_array();
  jspec_error(errors, path, message);
  reply_validation_steal(rq, errors);
  return false;
}

bool request_param_id(struct request *rq, const char *name, int64_t *out) {
  const char *v;
  size_t n;
  if (!request_param_raw(rq, name, &v, &n)) {
    reply_problem(rq, ERR_INTERNAL, NULL); /* the route has no such parameter */
    return false;
  }
  return request_parse_id(v, n, out) ||
         reply_bad_param(rq, name, "must be a positive integer id");
}

bool request_param_key(struct request *rq, const char *name, char *buf,
                       size_t len) {
  const char *v;
  size_t n;
  if (!request_param_raw(rq, name, &v, &n)) {
    reply_problem(rq, ERR_INTERNAL, NULL); /* the route has no such parameter */
    return false;
  }
  bool ok = n > 0 && n < len;
  for (size_t k = 0; ok && k < n; k++)
    ok = (v[k] >= 'a' && v[k] <= 'z') || (v[k] >= 'A' && v[k] <= 'Z') ||
         (v[k] >= '0' && v[k] <= '9') || v[k] == '-' || v[k] == '_' ||
         v[k] == '.';
  if (!ok)
    return reply_bad_param(rq, name, "is not a code");
  memcpy(buf, v, n);
  buf[n] = '\0';
  return true;
}

const char *request_query(struct request *rq, const char *name) {
  return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A request made in-process (the demo's pushes) has no connection and no
 * headers. */
const char *request_header(struct request *rq, const char *name) {
  if (rq->conn == NULL)
    return NULL;
  return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

struct query_scan {
  const struct jspec_field *params;
  json_t *values;
  json_t *errors;
};

static const struct jspec_field *find_param(const struct jspec_field *params,
                                            const char *name) {
  for (const struct jspec_field *p = params; p->name != NULL; p++)
    if (strcmp(p->name, name) == 0)
      return p;
  return NULL;
}

/* "2.33", "-1", "3": digits with an optional sign and decimal part (no
 * exponent, no spaces); NULL for anything else. */
static json_t *query_number(const char *text) {
  const char *c = text + (*text == '-');
  size_t digits = strspn(c, "0123456789");
  if (digits == 0)
    return NULL;
  c += digits;
  if (*c == '.') {
    size_t decimals = strspn(c + 1, "0123456789");
    if (decimals == 0)
      return NULL;
    c += 1 + decimals;
  }
  if (*c != '\0' || c - text > 32)
    return NULL;
  return json_real(strtod(text, NULL));
}

/* Query text -> JSON of the parameter's type, or NULL when it cannot be. */
static json_t *query_value(const struct jspec_field *spec, const char *text) {
  if (spec->type == JS_INTEGER || spec->type == JS_ID) {
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (*text == '\0' || *end != '\0' || errno != 0 || *text == ' ' ||
        *text == '+')
      return NULL;
    return json_integer(v);
  }
  if (spec->type == JS_NUMBER)
    return query_number(text);
  if (spec->type == JS_BOOLEAN) {
    if (strcmp(text, "true") == 0)
      return json_true();
    if (strcmp(text, "false") == 0)
      return json_false();
    return NULL;
  }
  return json_string(text); /* NULL for invalid UTF-8 */
}

void request_query_arg(const struct jspec_field *params, const char *key,
                       const char *value, json_t *values, json_t *errors) {
  char path[128];
  snprintf(path, sizeof path, "query.%.100s", key);
  const struct jspec_field *spec = find_param(params, key);
  if (spec == NULL) {
    jspec_error(errors, path, "is not a known parameter");
    return;
  }
  if (json_object_get(values, key) != NULL) {
    jspec_error(errors, path, "is given more than once");
    return;
  }
  json_t *v = query_value(spec, value != NULL ? value : "");
  if (v == NULL) {
    jspec_error(errors, path,
                spec->type == JS_BOOLEAN  ? "must be true or false"
                : spec->type == JS_NUMBER ? "must be a number"
                : spec->type == JS_INTEGER || spec->type == JS_ID
                    ? "must be an integer"
                    : "must be UTF-8 text");
    return;
  }
  json_object_set_new(values, key, v);
}

static enum MHD_Result scan_query_arg(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value) {
  (void)kind;
  struct query_scan *scan = cls;
  request_query_arg(scan->params, key, value, scan->values, scan->errors);
  return MHD_YES;
}

/* jspec reports "$.name"; query parameters are named "query.name". */
static void rename_paths(json_t *errors, size_t from) {
  for (size_t i = from; i < json_array_size(errors); i++) {
    json_t *e = json_array_get(errors, i);
    const char *p = json_string_value(json_object_get(e, "path"));
    if (p != NULL && strncmp(p, "$.", 2) == 0) {
      char path[160];
      snprintf(path, sizeof path, "query.%s", p + 2);
      json_object_set_new(e, "path", json_string(path));
    }
  }
}

void request_query_finish(const struct jspec_field *params, json_t *values,
                          json_t *errors) {
  size_t before = json_array_size(errors);
  jspec_check(values, params, JSPEC_CREATE, errors);
  rename_paths(errors, before);
}

json_t *request_query_checked(struct request *rq,
                              const struct jspec_field *params) {
  struct query_scan scan = {params, json_object(), json_array()};
  MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, scan_query_arg,
                            &scan);
  request_query_finish(params, scan.values, scan.errors);
  if (json_array_size(scan.errors) > 0) {
    json_decref(scan.values);
    reply_validation_steal(rq, scan.errors);
    return NULL;
  }
  json_decref(scan.errors);
  return scan.values;
}

bool request_body_checked(struct request *rq, const struct jspec_field *fields,
                          enum jspec_mode mode) {
  json_t *errors = json_array();
  if (jspec_check(rq->json, fields, mode, errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_validation_steal(rq, errors);
  return false;
}

bool request_if_match(struct request *rq, int32_t *version) {
  const char *h = request_header(rq, MHD_HTTP_HEADER_IF_MATCH);
  if (h == NULL) {
    reply_problem(rq, ERR_PRECONDITION_REQUIRED,
                  "send If-Match with the ETag of the version you read");
    return false;
  }
  /* Accept "N" and W/"N"; one tag only, as a writer edits one version. */
  if (strncmp(h, "W/", 2) == 0)
    h += 2;
  size_t len = strlen(h);
  int64_t v = 0;
  /* "0": a resource that exists before its first write (a risk profile). */
  bool zero = len == 3 && strcmp(h, "\"0\"") == 0;
  if (!zero && (len < 3 || h[0] != '"' || h[len - 1] != '"' ||
                !request_parse_id(h + 1, len - 2, &v) || v > INT32_MAX)) {
    reply_problem(rq, ERR_PRECONDITION_FAILED,
                  "If-Match does not name a version of this resource");
    return false;
  }
  *version = (int32_t)v;
  return true;
}

const char *request_remote_addr(struct request *rq, char *buf, size_t len) {
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  buf[0] = '\0';
  if (info == NULL || info->client_addr == NULL)
    return buf;
  const struct sockaddr *sa = info->client_addr;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
              (socklen_t)len);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
              (socklen_t)len);
  return buf;
}
