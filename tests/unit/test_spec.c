/* The spec is the contract: openapi.yaml must list exactly the operations of
 * the route table (method, path, operationId), its Problem.code enum exactly
 * the codes of src/errors.def, and its Permission enum exactly the
 * permissions of src/permissions.def, both in order; and the operations it
 * marks public (`security: []`, or an empty requirement `- {}`) must be
 * exactly the routes whose permission is PERM_PUBLIC, while every route
 * names a permission. The spec is read line by
 * line, relying on its fixed indentation (2 spaces a level). */
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

#define MAX_OPS 256

struct op {
  char method[16], path[256], operation_id[128];
  bool public; /* no token needed */
};

static struct op spec_ops[MAX_OPS];
static size_t n_spec_ops;
static char spec_codes[64][64];
static size_t n_spec_codes;
static char spec_perms[64][64];
static size_t n_spec_perms;

static size_t indent_of(const char *line) {
  size_t n = 0;
  while (line[n] == ' ')
    n++;
  return n;
}

static void chomp(char *line) {
  size_t n = strlen(line);
  while (n > 0 &&
         (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
    line[--n] = '\0';
}

static bool is_method(const char *word) {
  static const char *const methods[] = {
      "get:", "post:", "put:", "patch:", "delete:", NULL};
  for (size_t i = 0; methods[i]; i++)
    if (strcmp(word, methods[i]) == 0)
      return true;
  return false;
}

/* Adds the names in a piece of a flow list (`[a, b,`, `c, d]`). */
static void add_perm_names(const char *text) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", text);
  for (char *w = strtok(buf, "[], '\""); w; w = strtok(NULL, "[], '\"")) {
    assert_true(n_spec_perms < 64);
    snprintf(spec_perms[n_spec_perms++], sizeof spec_perms[0], "%.63s", w);
  }
}

/* Collects operations under `paths:`, the enum under Problem's `code:` and
 * the enum of the Permission schema (`- name` items, or a flow list that
 * may span lines). */
static void read_spec(void) {
  FILE *f = fopen(OPORA_SOURCE_DIR "/openapi.yaml", "r");
  assert_non_null(f);
  char line[1024], path[256] = "";
  enum { OUTSIDE, PATHS, PROBLEM, PROBLEM_CODE, PROBLEM_ENUM } where = OUTSIDE;
  size_t problem_indent = 0;
  enum { PS_OUTSIDE, PS_SCHEMA, PS_ENUM, PS_FLOW, PS_ITEMS } perm = PS_OUTSIDE;
  while (fgets(line, sizeof line, f)) {
    /* The rest of a longer line would be read as a line of its own. */
    if (strchr(line, '\n') == NULL && !feof(f))
      fail_msg("openapi.yaml has a line longer than %zu bytes: %.60s",
               sizeof line - 2, line);
    chomp(line);
    size_t ind = indent_of(line);
    const char *text = line + ind;
    if (*text == '\0' || *text == '#')
      continue;
    if (ind == 0)
      where = strcmp(text, "paths:") == 0 ? PATHS : OUTSIDE;
    if (where == PATHS && ind == 2 && text[0] == '/') {
      snprintf(path, sizeof path, "%.*s", (int)strlen(text) - 1, text);
    } else if (where == PATHS && ind == 4 && is_method(text)) {
      struct op *op = &spec_ops[n_spec_ops++];
      snprintf(op->method, sizeof op->method, "%.*s", (int)strlen(text) - 1,
               text);
      for (char *c = op->method; *c; c++)
        *c = (char)(*c - 'a' + 'A');
      snprintf(op->path, sizeof op->path, "%s", path);
    } else if (where == PATHS && ind == 6 && n_spec_ops > 0 &&
               strcmp(text, "security: []") == 0) {
      spec_ops[n_spec_ops - 1].public = true;
    } else if (where == PATHS && ind == 8 && n_spec_ops > 0 &&
               strcmp(text, "- {}") == 0) {
      spec_ops[n_spec_ops - 1].public = true;
    } else if (where == PATHS && ind == 6 &&
               strncmp(text, "operationId: ", 13) == 0 && n_spec_ops > 0) {
      snprintf(spec_ops[n_spec_ops - 1].operation_id,
               sizeof spec_ops[0].operation_id, "%.127s", text + 13);
    }
    if (strcmp(text, "Problem:") == 0 && ind == 4) {
      where = PROBLEM;
      problem_indent = ind;
    } else if (where >= PROBLEM && ind <= problem_indent) {
      where = OUTSIDE;
    } else if (where == PROBLEM && strcmp(text, "code:") == 0) {
      where = PROBLEM_CODE;
    } else if (where == PROBLEM_CODE && strcmp(text, "enum:") == 0) {
      where = PROBLEM_ENUM;
    } else if (where == PROBLEM_ENUM && strncmp(text, "- ", 2) == 0) {
      snprintf(spec_codes[n_spec_codes++], sizeof spec_codes[0], "%.63s",
               text + 2);
    } else if (where == PROBLEM_ENUM) {
      where = OUTSIDE;
    }
    if (ind == 4 && strcmp(text, "Permission:") == 0) {
      perm = PS_SCHEMA;
    } else if (perm != PS_OUTSIDE && ind <= 4) {
      perm = PS_OUTSIDE;
    } else if (perm == PS_SCHEMA && ind == 6 &&
               strncmp(text, "enum:", 5) == 0) {
      const char *rest = text + 5;
      while (*rest == ' ')
        rest++;
      perm = PS_ENUM;
      if (*rest != '\0') { /* enum: [a, b] */
        perm = PS_FLOW;
        add_perm_names(rest);
        if (strchr(rest, ']') != NULL)
          perm = PS_OUTSIDE;
      }
    } else if (perm == PS_ENUM) { /* the enum's first line decides its form */
      perm = text[0] == '[' ? PS_FLOW : PS_ITEMS;
      add_perm_names(text[0] == '[' ? text : text + 2);
      if (perm == PS_FLOW && strchr(text, ']') != NULL)
        perm = PS_OUTSIDE;
    } else if (perm == PS_FLOW) {
      add_perm_names(text);
      if (strchr(text, ']') != NULL)
        perm = PS_OUTSIDE;
    } else if (perm == PS_ITEMS && strncmp(text, "- ", 2) == 0) {
      add_perm_names(text + 2);
    } else if (perm == PS_ITEMS) {
      perm = PS_OUTSIDE;
    }
  }
  fclose(f);
}

static const struct op *find_spec_op(const char *method, const char *path) {
  for (size_t i = 0; i < n_spec_ops; i++)
    if (strcmp(spec_ops[i].method, method) == 0 &&
        strcmp(spec_ops[i].path, path) == 0)
      return &spec_ops[i];
  return NULL;
}

static void every_route_is_in_the_spec(void **state) {
  (void)state;
  for (size_t i = 0; i < routes_count; i++) {
    const char *method = http_method_name(routes[i].method);
    const struct op *op = find_spec_op(method, routes[i].path);
    if (op == NULL)
      fail_msg("%s %s is served but not in openapi.yaml", method,
               routes[i].path);
    if (strcmp(op->operation_id, routes[i].operation_id) != 0)
      fail_msg("%s %s: operationId %s in the spec, %s in the route table",
               method, routes[i].path, op->operation_id,
               routes[i].operation_id);
  }
}

static void every_spec_operation_is_served(void **state) {
  (void)state;
  assert_true(n_spec_ops > 0);
  for (size_t i = 0; i < n_spec_ops; i++) {
    bool served = false;
    for (size_t k = 0; k < routes_count && !served; k++)
      served =
          strcmp(http_method_name(routes[k].method), spec_ops[i].method) == 0 &&
          strcmp(routes[k].path, spec_ops[i].path) == 0;
    if (!served)
      fail_msg("%s %s is in openapi.yaml but not in the route table",
               spec_ops[i].method, spec_ops[i].path);
  }
}

/* A route that forgot its permission is an error, not a public route. */
static void every_route_names_its_permission(void **state) {
  (void)state;
  for (size_t i = 0; i < routes_count; i++) {
    if (routes[i].permission == PERM_NONE || routes[i].permission >= PERM_COUNT)
      fail_msg("%s %s names no permission", http_method_name(routes[i].method),
               routes[i].path);
    const struct op *op =
        find_spec_op(http_method_name(routes[i].method), routes[i].path);
    bool public = routes[i].permission == PERM_PUBLIC;
    if (op != NULL && op->public != public)
      fail_msg("%s %s is %s in the route table but %s in openapi.yaml",
               http_method_name(routes[i].method), routes[i].path,
               public ? "public" : "protected",
               op->public ? "public" : "protected");
  }
}

static void problem_codes_match_the_registry(void **state) {
  (void)state;
  if (n_spec_codes != ERR_COUNT)
    fail_msg("openapi.yaml lists %zu problem codes, src/errors.def %d",
             n_spec_codes, (int)ERR_COUNT);
  for (int i = 0; i < ERR_COUNT; i++)
    assert_string_equal(spec_codes[i], error_info((enum error_id)i)->code);
}

/* The permissions a route may name (after the two pseudo-permissions). */
static void permissions_match_the_registry(void **state) {
  (void)state;
  size_t first = (size_t)PERM_AUTHENTICATED + 1;
  if (n_spec_perms != (size_t)PERM_COUNT - first)
    fail_msg("openapi.yaml's Permission enum lists %zu permissions, "
             "src/permissions.def %zu",
             n_spec_perms, (size_t)PERM_COUNT - first);
  for (size_t p = first; p < (size_t)PERM_COUNT; p++)
    assert_string_equal(spec_perms[p - first],
                        permission_name((enum permission)p));
}

/* --- ids ----------------------------------------------------------------- */

#define ID_MAXIMUM "maximum: 9007199254740991" /* 2^53 - 1, src/jspec.c */

static char **read_lines(size_t *n) {
  FILE *f = fopen(OPORA_SOURCE_DIR "/openapi.yaml", "r");
  assert_non_null(f);
  size_t cap = 16384;
  char **lines = malloc(cap * sizeof *lines);
  char line[1024];
  *n = 0;
  while (lines != NULL && fgets(line, sizeof line, f)) {
    chomp(line);
    if (*n == cap)
      fail_msg("openapi.yaml has more than %zu lines", cap);
    lines[(*n)++] = strdup(line);
  }
  fclose(f);
  return lines;
}

/* `id`, `school_id` and the like, or the Id schema. */
static bool names_an_id(const char *text) {
  size_t n = strlen(text);
  return n >= 3 && text[n - 1] == ':' &&
         (strcmp(text, "id:") == 0 || strcmp(text, "Id:") == 0 ||
          (n > 4 && strcmp(text + n - 4, "_id:") == 0));
}

/* The server takes no id above 2^53 - 1: every id the spec describes with a
 * type of its own says so (the others refer to the Id schema). */
static void every_id_states_its_maximum(void **state) {
  (void)state;
  size_t n;
  char **lines = read_lines(&n);
  assert_non_null(lines);
  size_t checked = 0;
  for (size_t i = 0; i < n; i++) {
    size_t ind = indent_of(lines[i]);
    if (!names_an_id(lines[i] + ind))
      continue;
    bool integer = false, maximum = false;
    for (size_t j = i + 1;
         j < n && (lines[j][0] == '\0' || indent_of(lines[j]) > ind); j++) {
      const char *text = lines[j] + ind + 2;
      if (indent_of(lines[j]) != ind + 2)
        continue;
      integer = integer || (strncmp(text, "type:", 5) == 0 &&
                            strstr(text, "integer") != NULL);
      maximum = maximum || strcmp(text, ID_MAXIMUM) == 0;
    }
    if (integer && !maximum)
      fail_msg("openapi.yaml line %zu: %s is an integer id without %s", i + 1,
               lines[i] + ind, ID_MAXIMUM);
    checked += integer;
  }
  assert_true(checked > 5); /* the Id schema and the ids of their own */
  for (size_t i = 0; i < n; i++)
    free(lines[i]);
  free(lines);
}

static int setup(void **state) {
  (void)state;
  read_spec();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_route_is_in_the_spec),
      cmocka_unit_test(every_spec_operation_is_served),
      cmocka_unit_test(problem_codes_match_the_registry),
      cmocka_unit_test(permissions_match_the_registry),
      cmocka_unit_test(every_route_names_its_permission),
      cmocka_unit_test(every_id_states_its_maximum),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
