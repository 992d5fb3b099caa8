/* The contract both ways: every route's field tables (src/routes.c: .body,
 * .query, .list) against its operation in openapi.yaml. A body's fields
 * against the request body schema of each media type, a query's against the
 * operation's query parameters, a path's {names} against its path
 * parameters, and a list's filters against its query: names, required,
 * types, null, lengths, patterns, enums, ranges, item counts and read-only
 * members (spec_schema.c). Every drift is printed, then the test fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "db_internal.h"
#include "resource.h"
#include "router.h"
#include "spec_schema.h"
#include "spec_yaml.h"

/* What a handler checks beyond its field table, and the spec states. */
static const char *const explained[] = {
    /* Read from the JSON body, a form or HTTP Basic, then required and
     * any value but client_credentials refused (src/api/auth.c). */
    "issueToken body (application/json).grant_type: ",
    /* Checked against the active factors after the table: a code not of
     * the catalogue's pattern is none of them (400 at the same path). */
    "putRiskProfile body (application/json).factors[].code: ",
    NULL,
};

static const json_t *operation_of(const struct route *r) {
  const json_t *op = spec_operation(http_method_name(r->method), r->path);
  if (op == NULL)
    fail_msg("%s %s is not in openapi.yaml (see test_spec)",
             http_method_name(r->method), r->path);
  return op;
}

/* The media types the field table checks (a form is read by hand). */
static bool is_json(const char *media) {
  return strcmp(media, "application/json") == 0 ||
         strcmp(media, "application/merge-patch+json") == 0;
}

static void check_body(struct drift *d, const struct route *r) {
  const json_t *body =
      spec_deref(json_object_get(operation_of(r), "requestBody"));
  const json_t *content = json_object_get(body, "content");
  char where[160];
  snprintf(where, sizeof where, "%s body", r->operation_id);
  if ((r->flags & ROUTE_BODY_JSON) && r->body == NULL)
    drift_report(d, where, "a JSON route without a field table (.body)");
  if (r->body != NULL && content == NULL)
    drift_report(d, where, "the server checks a body, the spec has none");
  if (r->body == NULL && json_object_get(content, "application/json") &&
      !(r->flags & (ROUTE_BODY_STREAM | ROUTE_BODY_RAW)))
    drift_report(d, where,
                 "the spec takes a JSON body, the route has no "
                 "field table");
  const char *media;
  json_t *m;
  json_object_foreach((json_t *)content, media, m) {
    if (r->body == NULL || !is_json(media))
      continue;
    char sub[224];
    snprintf(sub, sizeof sub, "%s (%s)", where, media);
    compare_object(d, sub, r->body, json_object_get(m, "schema"),
                   r->method == HTTP_PATCH ? JSPEC_PATCH : JSPEC_CREATE);
  }
}

static const struct jspec_field *field_named(const struct jspec_field *fields,
                                             const char *name) {
  for (const struct jspec_field *f = fields; f && f->name; f++)
    if (strcmp(f->name, name) == 0)
      return f;
  return NULL;
}

/* The {names} of the path template, each a path parameter of the spec. */
static size_t check_path(struct drift *d, const struct route *r) {
  const json_t *op = operation_of(r);
  size_t n = 0;
  for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{')) {
    char name[64];
    if (sscanf(p, "{%63[^}]}", name) != 1)
      continue;
    n++;
    if (spec_parameter(op, "path", name) == NULL)
      drift_report(d, r->operation_id,
                   "the path names {%s}, the spec has "
                   "no such path parameter",
                   name);
  }
  return n;
}

static void check_query(struct drift *d, const struct route *r) {
  const json_t *op = operation_of(r), *p;
  size_t i, in_path = 0, in_spec_path = 0;
  json_array_foreach(json_object_get(op, "parameters"), i, p) {
    const json_t *param = spec_deref(p);
    const char *in = json_string_value(json_object_get(param, "in"));
    const char *name = json_string_value(json_object_get(param, "name"));
    char where[160];
    snprintf(where, sizeof where, "%s query.%s", r->operation_id,
             name ? name : "?");
    in_spec_path += in != NULL && strcmp(in, "path") == 0;
    if (in == NULL || name == NULL || strcmp(in, "query") != 0)
      continue;
    const struct jspec_field *f = field_named(r->query, name);
    if (f == NULL) {
      drift_report(d, where, "in the spec, refused by the server");
      continue;
    }
    bool required = json_is_true(json_object_get(param, "required"));
    if (required != ((f->flags & JS_REQUIRED) != 0))
      drift_report(d, where, "%s in the server, %s in the spec",
                   f->flags & JS_REQUIRED ? "required" : "optional",
                   required ? "required" : "optional");
    compare_field(d, where, f, json_object_get(param, "schema"));
  }
  for (const struct jspec_field *f = r->query; f && f->name; f++)
    if (spec_parameter(op, "query", f->name) == NULL)
      drift_report(d, r->operation_id,
                   "the server takes query.%s, the spec does not", f->name);
  in_path = check_path(d, r);
  if (in_path != in_spec_path)
    drift_report(d, r->operation_id,
                 "%zu path parameters in the route, %zu "
                 "in the spec",
                 in_path, in_spec_path);
}

/* A list's statement filters by the parameters it declares, bound by name
 * from the checked query: each (but the school, the parent and the page's)
 * is a query parameter, and each query parameter but the page's is one of
 * them (or it would be taken and ignored). */
static bool page_or_parent(const char *name) {
  static const char *const own[] = {"school",    "parent", "cursor_key",
                                    "cursor_id", "limit",  NULL};
  for (const char *const *o = own; *o; o++)
    if (strcmp(*o, name) == 0)
      return true;
  return false;
}

static void check_list(struct drift *d, const struct route *r) {
  const struct list_spec *list = r->list;
  const struct stmt_def *def = db_stmt_def(list->stmt);
  if (list->params != r->query)
    drift_report(d, r->operation_id,
                 "the list spec checks another query "
                 "than the route's .query");
  for (int i = 0; i < def->n_params; i++)
    if (!page_or_parent(def->params[i].name) &&
        field_named(list->params, def->params[i].name) == NULL)
      drift_report(d, r->operation_id,
                   "filters by %s, which its query does not take",
                   def->params[i].name);
  for (const struct jspec_field *p = list->params; p && p->name; p++) {
    bool filter =
        strcmp(p->name, "limit") == 0 || strcmp(p->name, "cursor") == 0;
    for (int i = 0; !filter && i < def->n_params; i++)
      filter = strcmp(def->params[i].name, p->name) == 0;
    if (!filter)
      drift_report(d, r->operation_id,
                   "takes query.%s but filters nothing by it", p->name);
  }
}

static void every_body_matches_its_schema(void **state) {
  (void)state;
  struct drift d = {0, explained};
  size_t bodies = 0;
  for (size_t i = 0; i < routes_count; i++) {
    check_body(&d, &routes[i]);
    bodies += routes[i].body != NULL;
  }
  assert_true(bodies > 30);
  if (d.count > 0)
    fail_msg("%zu drifts between the body field tables and openapi.yaml",
             d.count);
}

static void every_query_matches_its_parameters(void **state) {
  (void)state;
  struct drift d = {0, explained};
  size_t queries = 0;
  for (size_t i = 0; i < routes_count; i++) {
    check_query(&d, &routes[i]);
    queries += routes[i].query != NULL;
  }
  assert_true(queries > 30);
  if (d.count > 0)
    fail_msg("%zu drifts between the query tables and openapi.yaml", d.count);
}

static void every_list_filters_by_its_query(void **state) {
  (void)state;
  struct drift d = {0, explained};
  size_t lists = 0;
  for (size_t i = 0; i < routes_count; i++)
    if (routes[i].list != NULL) {
      check_list(&d, &routes[i]);
      lists++;
    }
  assert_true(lists > 15);
  if (d.count > 0)
    fail_msg("%zu drifts between lists' filters and their queries", d.count);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_body_matches_its_schema),
      cmocka_unit_test(every_query_matches_its_parameters),
      cmocka_unit_test(every_list_filters_by_its_query),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
