/* libFuzzer target for what a request line carries: the path matched
 * against the real route table (src/core/router.c, src/routes.c), its ids read
 * as the handlers read them, and the query string checked against the
 * matched route's parameters (src/core/request.c, as request_query_checked does
 * after libmicrohttpd has split and decoded it). The first byte picks the
 * method, the rest is "path?query" (cut at the first NUL). The same text is
 * also read as a Content-Type, as the imports read its type and charset.
 *
 * A match must rebuild the path from its template and captures, with the
 * method of the route (or GET for HEAD) among the allowed; an id read is
 * digits only. Every query argument ends as a typed value of a known
 * parameter or an error naming it, each error's path "query.<name>" (but
 * the last past JSPEC_MAX_ERRORS, which says the list was cut). */
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv_in.h"
#include "fields.h"
#include "request.h"
#include "results_parse.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum http_method methods[] = {
    HTTP_GET,    HTTP_POST,    HTTP_PUT,  HTTP_PATCH,
    HTTP_DELETE, HTTP_OPTIONS, HTTP_HEAD, HTTP_OTHER,
};

static const struct jspec_field no_params[] = {END_FIELDS};

/* The path again from the template and the captures. */
static void check_match(const struct route_match *m, enum http_method method,
                        const char *path) {
  const struct route *r = m->route;
  if (r->method != method && !(method == HTTP_HEAD && r->method == HTTP_GET))
    abort();
  if (!(m->allowed & r->method) || m->n_params > ROUTE_MAX_PARAMS)
    abort();
  size_t len = strlen(path), at = 0, k = 0;
  for (const char *t = r->path; *t;) {
    if (*t == '{') {
      if (k == m->n_params || m->values_len[k] == 0 ||
          m->values_start[k] != path + at ||
          memchr(m->values_start[k], '/', m->values_len[k]) != NULL)
        abort();
      at += m->values_len[k++];
      t = strchr(t, '}') + 1;
    } else if (at < len && path[at] == *t) {
      at++, t++;
    } else {
      abort();
    }
  }
  if (at != len || k != m->n_params)
    abort();
  for (size_t i = 0; i < m->n_params; i++) {
    int64_t id = 0;
    if (request_parse_id(m->values_start[i], m->values_len[i], &id) &&
        (id <= 0 ||
         strspn(m->values_start[i], "0123456789") < m->values_len[i]))
      abort();
  }
}

static bool known(const struct jspec_field *params, const char *key) {
  for (const struct jspec_field *p = params; p->name; p++)
    if (strcmp(p->name, key) == 0)
      return true;
  return false;
}

/* As libmicrohttpd reads a query: '&' between arguments, the first '='
 * between key and value, '+' a space, then %XX decoded. */
static void check_query(const struct jspec_field *params, char *query) {
  json_t *values = json_object(), *errors = json_array();
  bool unknown = false;
  for (char *arg = query; arg != NULL;) {
    char *next = strchr(arg, '&');
    if (next != NULL)
      *next++ = '\0';
    char *value = strchr(arg, '=');
    if (value != NULL)
      *value++ = '\0';
    for (char *c = arg; *c; c++)
      *c = *c == '+' ? ' ' : *c;
    for (char *c = value; c && *c; c++)
      *c = *c == '+' ? ' ' : *c;
    MHD_http_unescape(arg);
    if (value != NULL)
      MHD_http_unescape(value);
    if (*arg != '\0' || value != NULL) {
      unknown = unknown || !known(params, arg);
      request_query_arg(params, arg, value, values, errors);
    }
    arg = next;
  }
  request_query_finish(params, values, errors);
  if (unknown && json_array_size(errors) == 0)
    abort(); /* an unknown parameter let through */
  const char *key;
  json_t *v;
  json_object_foreach(values, key, v) {
    if (!known(params, key))
      abort();
  }
  size_t i;
  json_array_foreach(errors, i, v) {
    const char *path = json_string_value(json_object_get(v, "path"));
    /* The entry after JSPEC_MAX_ERRORS says the list was cut, at "$". */
    bool cut = i == JSPEC_MAX_ERRORS && path && strcmp(path, "$") == 0;
    if (path == NULL || (strncmp(path, "query.", 6) != 0 && !cut) ||
        !json_is_string(json_object_get(v, "message")))
      abort();
  }
  json_decref(values);
  json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  enum http_method method = methods[data[0] % 8];
  char *line = malloc(size);
  if (line == NULL)
    abort();
  memcpy(line, data + 1, size - 1);
  line[size - 1] = '\0';
  enum csv_in_encoding enc;
  enum results_format format;
  bool cp1251;
  (void)csv_in_charset(line, &enc);
  (void)results_format_from_content_type(line, &format, &cp1251);

  char *query = strchr(line, '?');
  if (query != NULL)
    *query++ = '\0';

  struct route_match m;
  if (router_match(routes, routes_count, method, line, &m)) {
    check_match(&m, method, line);
    if (query != NULL)
      check_query(m.route->query ? m.route->query : no_params, query);
  } else if (query != NULL) {
    check_query(no_params, query);
  }
  char allow[128];
  router_allow_header(m.allowed, allow, sizeof allow);
  free(line);
  return 0;
}
