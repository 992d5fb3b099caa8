/* Query parameters as request_query_checked reads them once libmicrohttpd
 * has decoded them (request_query_arg, request_query_finish): every
 * argument a typed value or an error naming it, whatever its bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fields.h"
#include "request.h"

static const struct jspec_field params[] = {
    FIELD("name", JS_STRING, 0, 0, 50),
    FIELD("limit", JS_INTEGER, 0, 1, 100),
    END_FIELDS,
};

static json_t *check(const char *key, const char *value, json_t **errors) {
  json_t *values = json_object();
  *errors = json_array();
  request_query_arg(params, key, value, values, *errors);
  request_query_finish(params, values, *errors);
  return values;
}

static const char *error_field(const json_t *errors, size_t i,
                               const char *field) {
  return json_string_value(json_object_get(json_array_get(errors, i), field));
}

static void test_typed_values(void **state) {
  (void)state;
  json_t *errors, *values = check("limit", "20", &errors);
  assert_int_equal(json_array_size(errors), 0);
  assert_int_equal(json_integer_value(json_object_get(values, "limit")), 20);
  json_decref(values);
  json_decref(errors);
  values = check("limit", "200", &errors);
  assert_int_equal(json_array_size(errors), 1);
  assert_string_equal(error_field(errors, 0, "path"), "query.limit");
  json_decref(values);
  json_decref(errors);
}

/* Found by tests/fuzz/fuzz_request.c: `?%FF=1` named a parameter whose
 * error could not be listed, so the unknown parameter was let through. */
static void test_unknown_key_not_utf8(void **state) {
  (void)state;
  json_t *errors, *values = check("\xffT", "1", &errors);
  assert_int_equal(json_array_size(errors), 1);
  assert_string_equal(error_field(errors, 0, "path"), "query.?T");
  assert_string_equal(error_field(errors, 0, "message"),
                      "is not a known parameter");
  assert_int_equal(json_object_size(values), 0);
  json_decref(values);
  json_decref(errors);
}

/* A key cut to 100 bytes in its path, inside a character. */
static void test_long_key_cut_in_a_character(void **state) {
  (void)state;
  char key[160];
  memset(key, 'a', 99);
  strcpy(key + 99, "\xd0\xa8");
  json_t *errors, *values = check(key, "1", &errors);
  assert_int_equal(json_array_size(errors), 1);
  json_decref(values);
  json_decref(errors);
}

static void test_text_value_not_utf8(void **state) {
  (void)state;
  json_t *errors, *values = check("name", "\xd0", &errors);
  assert_int_equal(json_array_size(errors), 1);
  assert_string_equal(error_field(errors, 0, "path"), "query.name");
  assert_string_equal(error_field(errors, 0, "message"), "must be UTF-8 text");
  json_decref(values);
  json_decref(errors);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_typed_values),
      cmocka_unit_test(test_unknown_key_not_utf8),
      cmocka_unit_test(test_long_key_cut_in_a_character),
      cmocka_unit_test(test_text_value_not_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
