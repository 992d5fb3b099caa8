/* The spec is the contract: openapi.yaml (read with a YAML parser,
 * spec_yaml.c) must list exactly the operations of the route table (method,
 * path, operationId); its Problem.code enum exactly the codes of
 * include/errors.def and its Permission enum exactly the permissions of
 * include/permissions.def, both in order; and the operations it marks public
 * (`security: []`, or an empty requirement `- {}`) must be exactly the
 * routes whose permission is PERM_PUBLIC, while every route names a
 * permission. Every problem the spec shows, and its table of codes, agree
 * with the registry's status and title. The field tables are held against
 * the schemas in test_contract.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "router.h"
#include "spec_yaml.h"

static const char *const methods[] = {"get",   "post",   "put",
                                      "patch", "delete", NULL};

static bool is_method(const char *word) {
  for (size_t i = 0; methods[i]; i++)
    if (strcmp(word, methods[i]) == 0)
      return true;
  return false;
}

/* No token needed: `security: []`, or a requirement that is `{}`. */
static bool is_public(const json_t *operation) {
  const json_t *security = json_object_get(operation, "security");
  const json_t *req;
  size_t i;
  if (json_is_array(security) && json_array_size(security) == 0)
    return true;
  json_array_foreach(security, i, req) {
    if (json_is_object(req) && json_object_size(req) == 0)
      return true;
  }
  return false;
}

static const struct route *find_route(const char *method, const char *path) {
  for (size_t k = 0; k < routes_count; k++)
    if (strcmp(http_method_name(routes[k].method), method) == 0 &&
        strcmp(routes[k].path, path) == 0)
      return &routes[k];
  return NULL;
}

static void every_route_is_in_the_spec(void **state) {
  (void)state;
  for (size_t i = 0; i < routes_count; i++) {
    const char *method = http_method_name(routes[i].method);
    const json_t *op = spec_operation(method, routes[i].path);
    if (op == NULL)
      fail_msg("%s %s is served but not in openapi.yaml", method,
               routes[i].path);
    const char *id = json_string_value(json_object_get(op, "operationId"));
    if (id == NULL || strcmp(id, routes[i].operation_id) != 0)
      fail_msg("%s %s: operationId %s in the spec, %s in the route table",
               method, routes[i].path, id ? id : "(none)",
               routes[i].operation_id);
  }
}

static void every_spec_operation_is_served(void **state) {
  (void)state;
  const json_t *paths = json_object_get(spec_document(), "paths");
  const char *path;
  const json_t *item;
  size_t n = 0;
  json_object_foreach((json_t *)paths, path, item) {
    const char *key;
    const json_t *op;
    json_object_foreach((json_t *)item, key, op) {
      if (strcmp(key, "summary") == 0 || strcmp(key, "description") == 0)
        continue;
      if (!is_method(key))
        fail_msg("%s: %s is not an operation the server knows", path, key);
      char upper[16];
      size_t i = 0;
      for (; key[i] != '\0' && i + 1 < sizeof upper; i++)
        upper[i] = (char)(key[i] - 'a' + 'A');
      upper[i] = '\0';
      if (find_route(upper, path) == NULL)
        fail_msg("%s %s is in openapi.yaml but not in the route table", upper,
                 path);
      n++;
    }
  }
  assert_true(n > 0);
}

/* A route that forgot its permission is an error, not a public route. */
static void every_route_names_its_permission(void **state) {
  (void)state;
  for (size_t i = 0; i < routes_count; i++) {
    if (routes[i].permission == PERM_NONE || routes[i].permission >= PERM_COUNT)
      fail_msg("%s %s names no permission", http_method_name(routes[i].method),
               routes[i].path);
    const json_t *op =
        spec_operation(http_method_name(routes[i].method), routes[i].path);
    bool public = routes[i].permission == PERM_PUBLIC;
    if (op != NULL && is_public(op) != public)
      fail_msg("%s %s is %s in the route table but %s in openapi.yaml",
               http_method_name(routes[i].method), routes[i].path,
               public ? "public" : "protected",
               is_public(op) ? "public" : "protected");
  }
}

static const json_t *schema(const char *name) {
  const json_t *s = json_object_get(
      json_object_get(json_object_get(spec_document(), "components"),
                      "schemas"),
      name);
  if (s == NULL)
    fail_msg("openapi.yaml has no schema %s", name);
  return s;
}

static void problem_codes_match_the_registry(void **state) {
  (void)state;
  const json_t *codes = json_object_get(
      json_object_get(json_object_get(schema("Problem"), "properties"), "code"),
      "enum");
  if (json_array_size(codes) != ERR_COUNT)
    fail_msg("openapi.yaml lists %zu problem codes, include/errors.def %d",
             json_array_size(codes), (int)ERR_COUNT);
  for (int i = 0; i < ERR_COUNT; i++) {
    const char *code = json_string_value(json_array_get(codes, (size_t)i));
    assert_non_null(code);
    assert_string_equal(code, error_info((enum error_id)i)->code);
  }
}

/* The permissions a route may name (after the two pseudo-permissions). */
static void permissions_match_the_registry(void **state) {
  (void)state;
  const json_t *names = json_object_get(schema("Permission"), "enum");
  size_t first = (size_t)PERM_AUTHENTICATED + 1;
  if (json_array_size(names) != (size_t)PERM_COUNT - first)
    fail_msg("openapi.yaml's Permission enum lists %zu permissions, "
             "include/permissions.def %zu",
             json_array_size(names), (size_t)PERM_COUNT - first);
  for (size_t p = first; p < (size_t)PERM_COUNT; p++) {
    const char *name = json_string_value(json_array_get(names, p - first));
    assert_non_null(name);
    assert_string_equal(name, permission_name((enum permission)p));
  }
}

static const struct error_info *error_by_code(const char *code) {
  for (int i = 0; i < ERR_COUNT; i++)
    if (strcmp(error_info((enum error_id)i)->code, code) == 0)
      return error_info((enum error_id)i);
  return NULL;
}

/* The table of codes in the spec's description: `| 404 | `not_found` |`
 * rows. Every code but bad_request (reserved for the HTTP layer) has its
 * row, with the registry's status. */
static void the_table_of_codes_matches_the_registry(void **state) {
  (void)state;
  const char *text = json_string_value(
      json_object_get(json_object_get(spec_document(), "info"), "description"));
  assert_non_null(text);
  bool listed[ERR_COUNT] = {false};
  for (const char *line = text; line != NULL && *line != '\0';) {
    unsigned status;
    char code[64];
    if (sscanf(line, "| %u | `%63[a-z_]` |", &status, code) == 2) {
      const struct error_info *e = error_by_code(code);
      if (e == NULL)
        fail_msg("the table of codes lists %s, not in include/errors.def",
                 code);
      if (e->status != status)
        fail_msg(
            "the table of codes gives %s the status %u, include/errors.def "
            "%u",
            code, status, e->status);
      listed[e - error_info((enum error_id)0)] = true;
    }
    line = strchr(line, '\n');
    line = line != NULL ? line + 1 : NULL;
  }
  for (int i = 0; i < ERR_COUNT; i++)
    if (!listed[i] && i != ERR_BAD_REQUEST)
      fail_msg("the table of codes does not list %s",
               error_info((enum error_id)i)->code);
}

/* A problem example: an object whose `type` is urn:opora:problem:<code>. */
static size_t check_problem_examples(const json_t *node, const char *where) {
  size_t n = 0;
  const char *type = json_string_value(json_object_get(node, "type"));
  if (json_is_object(node) && type != NULL &&
      strncmp(type, "urn:opora:problem:", 18) == 0) {
    const struct error_info *e = error_by_code(type + 18);
    const char *code = json_string_value(json_object_get(node, "code"));
    const char *title = json_string_value(json_object_get(node, "title"));
    json_int_t status = json_integer_value(json_object_get(node, "status"));
    if (e == NULL || code == NULL || strcmp(code, e->code) != 0 ||
        title == NULL || strcmp(title, e->title) != 0 ||
        status != (json_int_t)e->status)
      fail_msg("%s: the example problem %s does not match include/errors.def "
               "(code %s, status %u, title %s)",
               where, type, e ? e->code : "?", e ? e->status : 0,
               e ? e->title : "?");
    n++;
  }
  const char *key;
  const json_t *value;
  size_t i;
  if (json_is_object(node)) {
    json_object_foreach((json_t *)node, key, value) {
      n += check_problem_examples(value, key);
    }
  }
  json_array_foreach(node, i, value) {
    n += check_problem_examples(value, where);
  }
  return n;
}

static void every_problem_example_matches_the_registry(void **state) {
  (void)state;
  assert_true(check_problem_examples(spec_document(), "openapi.yaml") > 10);
}

/* --- ids ----------------------------------------------------------------- */

#define ID_MAXIMUM 9007199254740991LL /* 2^53 - 1, src/jspec.c */

static bool names_an_id(const char *name) {
  size_t n = strlen(name);
  return strcmp(name, "id") == 0 || strcmp(name, "Id") == 0 ||
         (n > 3 && strcmp(name + n - 3, "_id") == 0);
}

static bool is_integer_schema(const json_t *s) {
  const json_t *type = json_object_get(s, "type"), *t;
  size_t i;
  if (json_is_string(type))
    return strcmp(json_string_value(type), "integer") == 0;
  json_array_foreach(type, i, t) {
    if (json_is_string(t) && strcmp(json_string_value(t), "integer") == 0)
      return true;
  }
  return false;
}

/* An id with a type of its own must state the maximum (the others refer to
 * the Id schema). */
static size_t check_id_schema(const char *name, const json_t *s) {
  if (!names_an_id(name) || !is_integer_schema(s))
    return 0;
  if (json_integer_value(json_object_get(s, "maximum")) != ID_MAXIMUM)
    fail_msg("openapi.yaml: %s is an integer id without maximum: %lld", name,
             ID_MAXIMUM);
  return 1;
}

static size_t check_ids(const json_t *node) {
  size_t n = 0;
  const char *key;
  const json_t *value;
  size_t i;
  if (json_is_object(node)) {
    const char *pname = json_string_value(json_object_get(node, "name"));
    if (pname != NULL && json_object_get(node, "in") != NULL)
      n += check_id_schema(pname, json_object_get(node, "schema"));
    json_object_foreach((json_t *)node, key, value) {
      n += check_id_schema(key, value) + check_ids(value);
    }
  }
  json_array_foreach(node, i, value) {
    n += check_ids(value);
  }
  return n;
}

/* The server takes no id above 2^53 - 1: every id says so. */
static void every_id_states_its_maximum(void **state) {
  (void)state;
  assert_true(check_ids(spec_document()) > 5); /* Id and ids of their own */
}

/* One version: CMake's project(VERSION), which the binary reports (opora
 * version, GET /health), is the spec's info.version. */
static void the_spec_states_the_built_version(void **state) {
  (void)state;
  const json_t *info = json_object_get(spec_document(), "info");
  const char *version = json_string_value(json_object_get(info, "version"));
  assert_non_null(version);
  assert_string_equal(version, OPORA_VERSION);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_route_is_in_the_spec),
      cmocka_unit_test(every_spec_operation_is_served),
      cmocka_unit_test(problem_codes_match_the_registry),
      cmocka_unit_test(permissions_match_the_registry),
      cmocka_unit_test(every_route_names_its_permission),
      cmocka_unit_test(the_table_of_codes_matches_the_registry),
      cmocka_unit_test(every_problem_example_matches_the_registry),
      cmocka_unit_test(every_id_states_its_maximum),
      cmocka_unit_test(the_spec_states_the_built_version),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
