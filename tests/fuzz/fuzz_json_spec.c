/* libFuzzer target for JSON bodies: the text loader (src/core/json_text.c) and
 * the declarative field specs (src/core/jspec.c). The first byte picks a spec:
 * a table with every field kind and flag, or the body spec of a route of
 * the real table (src/routes.c; a PATCH route checks in JSPEC_PATCH mode);
 * the rest is the body. A body that loads must dump and load back to an
 * equal value, and compacted must load to it too; a refused one names its
 * faults; checking gives the same errors twice, each with a path and a
 * message, never more than JSPEC_MAX_ERRORS + 1. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "json_text.h"
#include "jspec.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const colours[] = {"red", "green", "blue", NULL};

static const struct jspec_field inner[] = {
    FIELD("code", JS_STRING, REQ, 1, 8),
    FIELD("score", JS_NUMBER, OPT_NULL, -5, 5),
    END_FIELDS,
};
static const struct jspec_field inner_item = {"inner", JS_OBJECT, 0,    0,   0,
                                              NULL,    inner,     NULL, NULL};
static const struct jspec_field id_item = FIELD("id", JS_ID, 0, 0, 0);
static const struct jspec_field date_item = FIELD("day", JS_DATE, 0, 0, 0);

/* Every kind, with bounds, flags and nesting. */
static const struct jspec_field every_kind[] = {
    READONLY_FIELDS,
    FIELD("name", JS_STRING, REQ, 1, 20),
    FIELD("note", JS_TEXT, OPT_NULL, 0, 200),
    FIELD("count", JS_INTEGER, 0, -10, 1000),
    FIELD("open", JS_INTEGER, 0, 0, 0),
    FIELD("flag", JS_BOOLEAN, OPT_NULL, 0, 0),
    FIELD("on", JS_DATE, REQ, 0, 0),
    ENUM_FIELD("colour", OPT_NULL, colours),
    FIELD("email", JS_EMAIL, 0, 0, 0),
    FIELD("site", JS_URL, OPT_NULL, 0, 100),
    FIELD("school_id", JS_ID, REQ, 0, 0),
    FIELD("share", JS_NUMBER, 0, 0, 100),
    FIELD("any", JS_NUMBER, 0, 0, 0),
    PATTERN_FIELD("code", 0, 2, 12, "^[A-Z]{2}-[0-9]+$"),
    {"inner", JS_OBJECT, OPT_NULL, 0, 0, NULL, inner, NULL, NULL},
    {"items", JS_ARRAY, 0, 0, 5, NULL, NULL, &inner_item, NULL},
    {"ids", JS_ARRAY, REQ, 1, 0, NULL, NULL, &id_item, NULL},
    {"days", JS_ARRAY, OPT_NULL, 0, 3, NULL, NULL, &date_item, NULL},
    END_FIELDS,
};

/* The n-th spec: 0 and 1 the table above (create, patch), then the body
 * specs of the route table. */
static const struct jspec_field *spec_of(size_t n, enum jspec_mode *mode) {
  *mode = n % 2 ? JSPEC_PATCH : JSPEC_CREATE;
  if (n < 2)
    return every_kind;
  size_t k = n - 2, seen = 0;
  for (size_t i = 0; i < routes_count; i++) {
    if (routes[i].body == NULL)
      continue;
    if (seen++ == k % 128) {
      *mode = routes[i].method == HTTP_PATCH ? JSPEC_PATCH : JSPEC_CREATE;
      return routes[i].body;
    }
  }
  return every_kind;
}

/* Each entry an object of a string path starting with "$" (or "query.")
 * and a string message. */
static void check_errors(const json_t *errors) {
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *path = json_string_value(json_object_get(e, "path"));
    const char *message = json_string_value(json_object_get(e, "message"));
    if (path == NULL || message == NULL || path[0] != '$' || !message[0])
      abort();
  }
}

static void check_spec(const json_t *value, const struct jspec_field *spec,
                       enum jspec_mode mode) {
  json_t *errors = json_array(), *again = json_array();
  size_t n = jspec_check(value, spec, mode, errors);
  if (n != json_array_size(errors) || n > JSPEC_MAX_ERRORS + 1)
    abort();
  check_errors(errors);
  if (jspec_check(value, spec, mode, again) != n || !json_equal(errors, again))
    abort();
  json_decref(errors);
  json_decref(again);
}

/* Dumped, or compacted, the text loads back to the same value. */
static void check_reload(const json_t *value, const char *text, size_t len) {
  struct json_text_fault fault;
  char *dumped = json_dumps(value, JSON_COMPACT);
  if (dumped == NULL)
    abort();
  json_t *back = json_text_load(dumped, strlen(dumped), &fault);
  if (back == NULL || !json_equal(value, back))
    abort();
  json_decref(back);
  free(dumped);

  char *copy = malloc(len + 1);
  if (copy == NULL)
    abort();
  memcpy(copy, text, len);
  size_t n = json_text_compact(copy, len);
  if (n > len)
    abort();
  back = json_text_load(copy, n, &fault);
  if (back == NULL || !json_equal(value, back))
    abort();
  json_decref(back);
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  enum jspec_mode mode;
  const struct jspec_field *spec = spec_of(data[0], &mode);
  const char *text = (const char *)data + 1;
  size_t len = size - 1;

  struct json_text_fault fault;
  json_t *value = json_text_load(text, len, &fault);
  if (value == NULL) {
    if (fault.errors != NULL) {
      if (json_array_size(fault.errors) == 0)
        abort();
      check_errors(fault.errors);
      json_decref(fault.errors);
    } else if (fault.detail[0] == '\0') {
      abort(); /* refused without saying why */
    }
    return 0;
  }
  check_reload(value, text, len);
  check_spec(value, spec, mode);
  json_decref(value);
  return 0;
}
