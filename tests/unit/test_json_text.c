/* JSON text in and out (src/core/json_text.c): bodies with a BOM, faults named
 * by member, and the compact form of answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_text.h"

/* Loads `text`; returns the fault's "path=message;..." or the detail, or
 * "ok" (caller frees). */
static char *load(const char *text, size_t len) {
  struct json_text_fault fault;
  json_t *v = json_text_load(text, len, &fault);
  if (v != NULL) {
    json_decref(v);
    return strdup("ok");
  }
  if (fault.errors == NULL)
    return strdup(fault.detail);
  size_t cap = 1024, at = 0;
  char *out = calloc(1, cap);
  size_t i;
  json_t *e;
  json_array_foreach(fault.errors, i, e) {
    at += (size_t)snprintf(out + at, cap - at, "%s=%s;",
                           json_string_value(json_object_get(e, "path")),
                           json_string_value(json_object_get(e, "message")));
  }
  json_decref(fault.errors);
  return out;
}

static void expect_load(const char *text, const char *want) {
  char *got = load(text, strlen(text));
  assert_string_equal(got, want);
  free(got);
}

#define NUL_MESSAGE "must not hold the character \\u0000"
#define INT_MESSAGE                                                            \
  "is an integer too large: it must lie between -9223372036854775808 and "     \
  "9223372036854775807"

static void test_bom(void **state) {
  (void)state;
  expect_load("\xEF\xBB\xBF{\"a\":1}", "ok");
  expect_load("\xEF\xBB\xBF  [1]", "ok");
  char *got = load("\xEF\xBB\xBF{\"a\":}", 10);
  assert_non_null(strstr(got, "(at byte 9)")); /* counted with the BOM */
  free(got);
  got = load("\xEF\xBB{\"a\":1}", 9); /* two bytes of one: not a BOM */
  assert_string_not_equal(got, "ok");
  free(got);
  got = load(NULL, 0);
  assert_string_not_equal(got, "ok");
  free(got);
}

static void test_nul_named(void **state) {
  (void)state;
  expect_load("{\"a\":\"x\\u0000\"}", "$.a=" NUL_MESSAGE ";");
  expect_load("{\"a\":{\"b\":[\"ok\",\"\\u0000\"]}}",
              "$.a.b[1]=" NUL_MESSAGE ";");
  expect_load("{\"a\\u0000b\":1}",
              "$['a\\u0000b']=is a member name holding the character "
              "\\u0000, which no field has;");
  /* Escapes before it are decoded for the path: a surrogate pair, a quote. */
  expect_load("{\"\\ud83d\\ude00\\\"\":\"\\u0000\"}",
              "$['\xF0\x9F\x98\x80\"']=" NUL_MESSAGE ";");
  /* An escaped backslash before u0000 is no NUL. */
  expect_load("{\"a\":\"\\\\u0000\"}", "ok");
}

static void test_numbers_named(void **state) {
  (void)state;
  expect_load("{\"a\":9223372036854775807,\"b\":-9223372036854775808}", "ok");
  expect_load("{\"a\":9223372036854775808}", "$.a=" INT_MESSAGE ";");
  expect_load("{\"a\":[-9223372036854775809]}", "$.a[0]=" INT_MESSAGE ";");
  expect_load("{\"a\":1e400}", "$.a=is a number too large: at most about "
                               "1.8e308;");
  expect_load("{\"a\":1e-400}", "ok"); /* underflow is 0, as Jansson reads */
  /* Several at once, and those after a syntax error are not looked for. */
  expect_load("{\"a\":99999999999999999999,\"b\":\"\\u0000\",\"c\":[1,}",
              "$.a=" INT_MESSAGE ";$.b=" NUL_MESSAGE ";");
}

static void test_other_faults_keep_detail(void **state) {
  (void)state;
  char *got = load("{\"a\":1,\"a\":2}", 13);
  assert_non_null(strstr(got, "duplicate"));
  free(got);
  got = load("[", 1);
  assert_non_null(strstr(got, "(at byte"));
  free(got);
  /* Deeper than Jansson reads: one detail, no walk past the limit. */
  size_t depth = 5000;
  char *deep = malloc(2 * depth + 32);
  size_t n = 0;
  for (size_t i = 0; i < depth; i++)
    deep[n++] = '[';
  n += (size_t)sprintf(deep + n, "\"\\u0000\"");
  for (size_t i = 0; i < depth; i++)
    deep[n++] = ']';
  got = load(deep, n);
  assert_string_not_equal(got, "ok");
  free(got);
  free(deep);
}

static void expect_compact(const char *text, const char *want) {
  char *copy = strdup(text);
  size_t n = json_text_compact(copy, strlen(copy));
  assert_int_equal(n, strlen(want));
  assert_memory_equal(copy, want, n);
  free(copy);
}

static void test_compact(void **state) {
  (void)state;
  /* As PostgreSQL writes them: json_build_object, json_agg, jsonb. */
  expect_compact("{\"a\" : 1, \"b\" : [1, 2]}", "{\"a\":1,\"b\":[1,2]}");
  expect_compact("[{\"a\":1}, \n {\"a\":2}]", "[{\"a\":1},{\"a\":2}]");
  expect_compact("{\"kind\": \"yearly\", \"day\": 15}",
                 "{\"kind\":\"yearly\",\"day\":15}");
  /* Strings keep their spaces, escaped quotes and backslashes included. */
  expect_compact("{\"a b\" : \"x : y, \\\" z\\\\\" , \"c\":\"\\\\\"}",
                 "{\"a b\":\"x : y, \\\" z\\\\\",\"c\":\"\\\\\"}");
  expect_compact("\t{ }\r\n", "{}");
  expect_compact("{\"a\":\"Совещание , итоги\"}",
                 "{\"a\":\"Совещание , итоги\"}");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bom),
      cmocka_unit_test(test_nul_named),
      cmocka_unit_test(test_numbers_named),
      cmocka_unit_test(test_other_faults_keep_detail),
      cmocka_unit_test(test_compact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
