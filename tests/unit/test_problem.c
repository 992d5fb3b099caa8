/* The problem+json builder and the error registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "errors.h"
#include "jspec.h"
#include "request.h"

static void builds_every_member(void **state) {
  (void)state;
  json_t *p = problem_build(ERR_NOT_FOUND, "no school has id 7", "req-1", NULL);
  assert_string_equal(json_string_value(json_object_get(p, "type")),
                      "urn:opora:problem:not_found");
  assert_string_equal(json_string_value(json_object_get(p, "title")),
                      "Not found");
  assert_int_equal(json_integer_value(json_object_get(p, "status")), 404);
  assert_string_equal(json_string_value(json_object_get(p, "detail")),
                      "no school has id 7");
  assert_string_equal(json_string_value(json_object_get(p, "code")),
                      "not_found");
  assert_string_equal(json_string_value(json_object_get(p, "request_id")),
                      "req-1");
  assert_null(json_object_get(p, "errors"));
  json_decref(p);
}

static void carries_validation_errors(void **state) {
  (void)state;
  json_t *errors = json_array();
  jspec_error(errors, "$.code", "is required");
  jspec_error(errors, "$.name", "must be a string");
  json_t *p = problem_build(ERR_VALIDATION_FAILED, NULL, "r", errors);
  json_t *list = json_object_get(p, "errors");
  assert_int_equal(json_array_size(list), 2);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(list, 1), "path")),
      "$.name");
  /* Without a detail, the title stands in. */
  assert_string_equal(json_string_value(json_object_get(p, "detail")),
                      "Invalid request");
  json_decref(p);
}

static void registry_is_well_formed(void **state) {
  (void)state;
  for (int i = 0; i < ERR_COUNT; i++) {
    const struct error_info *e = error_info((enum error_id)i);
    assert_true(e->status >= 400 && e->status < 600);
    assert_non_null(e->code);
    for (const char *c = e->code; *c; c++) /* codes are snake_case */
      assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
    for (int k = 0; k < i; k++)
      assert_string_not_equal(e->code, error_info((enum error_id)k)->code);
  }
  /* An id out of range maps to the internal error, never out of bounds. */
  assert_int_equal(error_info(ERR_COUNT)->status, 500);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(builds_every_member),
      cmocka_unit_test(carries_validation_errors),
      cmocka_unit_test(registry_is_well_formed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
