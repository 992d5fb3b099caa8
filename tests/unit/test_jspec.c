/* Field specs: every type and rule, paths, modes, and that all errors of a
 * body are reported together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jspec.h"

#define F(name, type, flags, min, max)                                         \
  { name, type, flags, min, max, NULL, NULL, NULL, NULL }
#define END                                                                    \
  { NULL, JS_STRING, 0, 0, 0, NULL, NULL, NULL, NULL }

static const char *const kinds[] = {"SHNOR", "SHNSU", "RISK", NULL};

static const struct jspec_field address_fields[] = {
    F("city", JS_STRING, JS_REQUIRED, 1, 100),
    F("zip", JS_STRING, 0, 6, 6),
    END,
};

static const struct jspec_field contact_item = {
    "ignored",
    JS_OBJECT,
    0,
    0,
    0,
    NULL,
    (const struct jspec_field[]){F("name", JS_STRING, JS_REQUIRED, 1, 50),
                                 F("email", JS_EMAIL, 0, 0, 0), END},
    NULL,
    NULL};

static const struct jspec_field tag_item = F("", JS_STRING, 0, 1, 10);

static const struct jspec_field school[] = {
    F("id", JS_ID, JS_READONLY, 0, 0),
    F("name", JS_STRING, JS_REQUIRED, 1, 10),
    F("notes", JS_TEXT, JS_NULLABLE, 0, 20),
    F("students", JS_INTEGER, 0, 0, 5000),
    F("delta", JS_INTEGER, 0, 0, 0),
    F("floor", JS_INTEGER, 0, -10, 0),
    F("ratio", JS_NUMBER, 0, 1, 10),
    F("weight", JS_NUMBER, 0, 0, 0),
    F("rural", JS_BOOLEAN, 0, 0, 0),
    F("opened", JS_DATE, 0, 0, 0),
    {"kind", JS_ENUM, 0, 0, 0, kinds, NULL, NULL, NULL},
    F("email", JS_EMAIL, JS_NULLABLE, 0, 0),
    F("site", JS_URL, 0, 0, 0),
    F("municipality_id", JS_ID, JS_REQUIRED, 0, 0),
    {"address", JS_OBJECT, JS_NULLABLE, 0, 0, NULL, address_fields, NULL, NULL},
    {"contacts", JS_ARRAY, 0, 0, 3, NULL, NULL, &contact_item, NULL},
    {"tags", JS_ARRAY, 0, 1, 0, NULL, NULL, &tag_item, NULL},
    {"code", JS_STRING, 0, 1, 20, NULL, NULL, NULL, "^[a-z]+-[0-9]{2,4}$"},
    END,
};

/* Checks `body` (JSON text) and returns the errors; NULL-safe for cmocka. */
static json_t *check(const char *body, enum jspec_mode mode) {
  json_error_t jerr;
  json_t *value = json_loads(body, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
  assert_non_null(value);
  json_t *errors = json_array();
  size_t n = jspec_check(value, school, mode, errors);
  assert_int_equal(n, json_array_size(errors));
  json_decref(value);
  return errors;
}

/* The message at `path`, or NULL when there is no error there. */
static const char *message_at(const json_t *errors, const char *path) {
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "path")), path) == 0)
      return json_string_value(json_object_get(e, "message"));
  }
  return NULL;
}

/* Asserts exactly one error, at path, with message. */
static void expect_one(const char *body, const char *path,
                       const char *message) {
  json_t *errors = check(body, JSPEC_CREATE);
  if (json_array_size(errors) != 1 || !message_at(errors, path)) {
    char *dump = json_dumps(errors, 0);
    print_error("body %s\nerrors %s\n", body, dump);
    free(dump);
    json_decref(errors);
    fail();
  }
  assert_string_equal(message_at(errors, path), message);
  json_decref(errors);
}

static void expect_ok(const char *body, enum jspec_mode mode) {
  json_t *errors = check(body, mode);
  if (json_array_size(errors) != 0) {
    char *dump = json_dumps(errors, 0);
    print_error("body %s\nerrors %s\n", body, dump);
    free(dump);
    json_decref(errors);
    fail();
  }
  json_decref(errors);
}

#define BASE "\"name\": \"Лицей\", \"municipality_id\": 7"

static void test_valid_full_body(void **state) {
  (void)state;
  expect_ok("{" BASE ", \"notes\": \"line 1\\nline 2\\tend\", "
            "\"students\": 0, \"delta\": -99999, \"floor\": 5, "
            "\"rural\": false, \"opened\": \"2024-02-29\", \"kind\": \"RISK\", "
            "\"email\": \"head@school.example.ru\", "
            "\"site\": \"https://school.example.ru/about\", "
            "\"address\": {\"city\": \"Ковров\", \"zip\": \"601900\"}, "
            "\"contacts\": [{\"name\": \"Анна\"}], \"tags\": [\"a\"]}",
            JSPEC_CREATE);
  expect_ok("{" BASE ", \"notes\": null, \"email\": null, \"address\": null}",
            JSPEC_CREATE);
}

static void test_top_level_must_be_object(void **state) {
  (void)state;
  const char *bodies[] = {"[]", "\"x\"", "1", "null", "true"};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    json_t *errors = check(bodies[i], JSPEC_CREATE);
    assert_int_equal(json_array_size(errors), 1);
    assert_string_equal(message_at(errors, "$"), "must be an object");
    json_decref(errors);
  }
  json_t *errors = json_array();
  assert_int_equal(jspec_check(NULL, school, JSPEC_CREATE, errors), 1);
  json_decref(errors);
}

static void test_required(void **state) {
  (void)state;
  json_t *errors = check("{}", JSPEC_CREATE);
  assert_int_equal(json_array_size(errors), 2);
  assert_string_equal(message_at(errors, "$.name"), "is required");
  assert_string_equal(message_at(errors, "$.municipality_id"), "is required");
  json_decref(errors);
}

static void test_null(void **state) {
  (void)state;
  expect_one("{" BASE ", \"students\": null}", "$.students",
             "must not be null");
  expect_one("{\"name\": null, \"municipality_id\": 7}", "$.name",
             "must not be null");
}

static void test_pattern(void **state) {
  (void)state;
  expect_ok("{" BASE ", \"code\": \"kovrov-653\"}", JSPEC_CREATE);
  const char *bad[] = {"Kovrov-653", "kovrov-6",    "kovrov-65310",
                       "kovrov653",  " kovrov-653", "ковров-653"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char body[160];
    snprintf(body, sizeof body, "{" BASE ", \"code\": \"%s\"}", bad[i]);
    expect_one(body, "$.code", "must match the pattern ^[a-z]+-[0-9]{2,4}$");
  }
  /* Reported with the other bad fields, in one pass. */
  json_t *errors =
      check("{\"name\": \"\", \"municipality_id\": 7, \"code\": \"X\"}",
            JSPEC_CREATE);
  assert_int_equal(json_array_size(errors), 2);
  assert_non_null(message_at(errors, "$.name"));
  assert_non_null(message_at(errors, "$.code"));
  json_decref(errors);
}

static void test_readonly_and_unknown(void **state) {
  (void)state;
  expect_one("{" BASE ", \"id\": 5}", "$.id", "is read-only");
  expect_one("{" BASE ", \"id\": null}", "$.id", "is read-only");
  expect_one("{" BASE ", \"colour\": 1}", "$.colour", "is not a known field");
  expect_one("{" BASE ", \"odd key\": 1}", "$['odd key']",
             "is not a known field");
  expect_one("{" BASE ", \"it's\\\\\": 1}", "$['it\\'s\\\\']",
             "is not a known field");
  expect_one("{" BASE ", \"a\\nb\": 1}", "$['a\\u000ab']",
             "is not a known field");
  expect_one("{" BASE ", \"9lives\": 1}", "$['9lives']",
             "is not a known field");
  expect_one("{" BASE ", \"\": 1}", "$['']", "is not a known field");
  expect_one("{" BASE ", \"имя\": 1}", "$.имя", "is not a known field");
}

static void test_string_types(void **state) {
  (void)state;
  expect_one("{\"name\": 5, \"municipality_id\": 7}", "$.name",
             "must be a string");
  expect_one("{\"name\": \"\", \"municipality_id\": 7}", "$.name",
             "must not be blank");
  expect_one("{\"name\": \"  \\t \", \"municipality_id\": 7}", "$.name",
             "must not contain control characters");
  expect_one("{\"name\": \"   \", \"municipality_id\": 7}", "$.name",
             "must not be blank");
  /* U+00A0 and U+3000 are spaces too. */
  expect_one("{\"name\": \"\\u00a0\\u3000\", \"municipality_id\": 7}", "$.name",
             "must not be blank");
  expect_one("{\"name\": \"a\\u0001b\", \"municipality_id\": 7}", "$.name",
             "must not contain control characters");
  expect_one("{\"name\": \"a\\u007fb\", \"municipality_id\": 7}", "$.name",
             "must not contain control characters");
  expect_one("{\"name\": \"a\\u0000b\", \"municipality_id\": 7}", "$.name",
             "must not contain control characters");
  expect_one("{\"name\": \"a\\nb\", \"municipality_id\": 7}", "$.name",
             "must not contain control characters");
  expect_one("{\"name\": \"12345678901\", \"municipality_id\": 7}", "$.name",
             "must be at most 10 characters");
  expect_one("{" BASE ", \"address\": {\"city\": \"К\", \"zip\": \"12345\"}}",
             "$.address.zip", "must be at least 6 characters");
}

static void test_text(void **state) {
  (void)state;
  expect_ok("{" BASE ", \"notes\": \"a\\r\\nb\\tc\"}", JSPEC_CREATE);
  expect_ok("{" BASE ", \"notes\": \"  \"}", JSPEC_CREATE); /* min 0 */
  expect_one("{" BASE ", \"notes\": \"a\\u0007\"}", "$.notes",
             "must not contain control characters other than line breaks "
             "and tabs");
  expect_one("{" BASE ", \"notes\": 1}", "$.notes", "must be a string");
  expect_one("{" BASE ", \"notes\": \"123456789012345678901\"}", "$.notes",
             "must be at most 20 characters");
}

static void test_cyrillic_length(void **state) {
  (void)state;
  /* 7 characters, 14 bytes: within a limit of 10 characters. */
  expect_ok("{\"name\": \"Иваново\", \"municipality_id\": 7}", JSPEC_CREATE);
  /* 10 characters (20 bytes) fit, 11 do not. */
  expect_ok("{\"name\": \"ШколаШкола\", \"municipality_id\": 7}", JSPEC_CREATE);
  expect_one("{\"name\": \"ШколаШколаШ\", \"municipality_id\": 7}", "$.name",
             "must be at most 10 characters");
  /* 4-byte characters count once. */
  expect_ok("{\"name\": \"😀😀😀😀😀😀😀😀😀😀\", \"municipality_id\": 7}", JSPEC_CREATE);
  expect_ok("{" BASE ", \"address\": {\"city\": \"Я\", \"zip\": \"абвгде\"}}",
            JSPEC_CREATE);
}

static void test_integer(void **state) {
  (void)state;
  expect_one("{" BASE ", \"students\": 1.0}", "$.students",
             "must be an integer");
  expect_one("{" BASE ", \"students\": \"5\"}", "$.students",
             "must be an integer");
  expect_one("{" BASE ", \"students\": true}", "$.students",
             "must be an integer");
  expect_one("{" BASE ", \"students\": -1}", "$.students",
             "must be from 0 to 5000");
  expect_one("{" BASE ", \"students\": 5001}", "$.students",
             "must be from 0 to 5000");
  expect_ok("{" BASE ", \"students\": 5000}", JSPEC_CREATE);
  /* 0,0: unbounded. */
  expect_ok("{" BASE ", \"delta\": -9223372036854775807}", JSPEC_CREATE);
  expect_ok("{" BASE ", \"delta\": 9223372036854775807}", JSPEC_CREATE);
  /* max 0 alone: a minimum only. */
  expect_ok("{" BASE ", \"floor\": 1000000}", JSPEC_CREATE);
  expect_ok("{" BASE ", \"floor\": -10}", JSPEC_CREATE);
  expect_one("{" BASE ", \"floor\": -11}", "$.floor", "must be at least -10");
}

/* A number bounded like an integer, or unbounded (0,0). */
static void test_number(void **state) {
  (void)state;
  expect_ok("{" BASE ", \"ratio\": 2.33}", JSPEC_CREATE);
  expect_ok("{" BASE ", \"ratio\": 1}", JSPEC_CREATE);
  expect_ok("{" BASE ", \"ratio\": 10.0}", JSPEC_CREATE);
  expect_one("{" BASE ", \"ratio\": 0.99}", "$.ratio", "must be from 1 to 10");
  expect_one("{" BASE ", \"ratio\": 10.01}", "$.ratio", "must be from 1 to 10");
  expect_one("{" BASE ", \"ratio\": \"2\"}", "$.ratio", "must be a number");
  expect_ok("{" BASE ", \"weight\": -1e300}", JSPEC_CREATE);
}

static void test_boolean(void **state) {
  (void)state;
  expect_ok("{" BASE ", \"rural\": true}", JSPEC_CREATE);
  expect_one("{" BASE ", \"rural\": 1}", "$.rural", "must be a boolean");
  expect_one("{" BASE ", \"rural\": \"true\"}", "$.rural", "must be a boolean");
}

static void test_id(void **state) {
  (void)state;
  const char *bad[] = {"0", "-1", "1.0", "\"1\"", "9007199254740992", "true"};
  char body[128];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(body, sizeof body, "{\"name\": \"x\", \"municipality_id\": %s}",
             bad[i]);
    expect_one(body, "$.municipality_id", "must be a positive integer id");
  }
  expect_ok("{\"name\": \"x\", \"municipality_id\": 9007199254740991}",
            JSPEC_CREATE);
  expect_ok("{\"name\": \"x\", \"municipality_id\": 1}", JSPEC_CREATE);
}

static void test_is_date(void **state) {
  (void)state;
  assert_true(jspec_is_date("2024-02-29"));
  assert_true(jspec_is_date("2000-02-29")); /* divisible by 400 */
  assert_true(jspec_is_date("1900-01-01"));
  assert_true(jspec_is_date("2200-12-31"));
  assert_true(jspec_is_date("2024-12-31"));
  assert_false(jspec_is_date("2023-02-29"));
  assert_false(jspec_is_date("2100-02-29")); /* divisible by 100 only */
  assert_false(jspec_is_date("2024-13-01"));
  assert_false(jspec_is_date("2024-00-10"));
  assert_false(jspec_is_date("2024-04-31"));
  assert_false(jspec_is_date("2024-04-00"));
  assert_false(jspec_is_date("2024-1-01"));
  assert_false(jspec_is_date("2024-01-1"));
  assert_false(jspec_is_date("24-01-01"));
  assert_false(jspec_is_date("2024/01/01"));
  assert_false(jspec_is_date("2024-01-01T00:00:00Z"));
  assert_false(jspec_is_date("+024-01-01"));
  assert_false(jspec_is_date("1899-12-31"));
  assert_false(jspec_is_date("2201-01-01"));
  assert_false(jspec_is_date(""));
  assert_false(jspec_is_date(NULL));
}

static void test_date_messages(void **state) {
  (void)state;
  expect_ok("{" BASE ", \"opened\": \"2024-02-29\"}", JSPEC_CREATE);
  expect_one("{" BASE ", \"opened\": \"2023-02-29\"}", "$.opened",
             "must be a real calendar date");
  expect_one("{" BASE ", \"opened\": \"2024-13-01\"}", "$.opened",
             "must be a real calendar date");
  expect_one("{" BASE ", \"opened\": \"2024-1-01\"}", "$.opened",
             "must be a date as YYYY-MM-DD");
  expect_one("{" BASE ", \"opened\": 20240101}", "$.opened",
             "must be a date as YYYY-MM-DD");
  expect_one("{" BASE ", \"opened\": \"1812-09-07\"}", "$.opened",
             "must be a date from 1900 to 2200");
}

static void test_enum(void **state) {
  (void)state;
  expect_ok("{" BASE ", \"kind\": \"SHNSU\"}", JSPEC_CREATE);
  expect_one("{" BASE ", \"kind\": \"shnor\"}", "$.kind",
             "must be one of: SHNOR, SHNSU, RISK");
  expect_one("{" BASE ", \"kind\": 1}", "$.kind",
             "must be one of: SHNOR, SHNSU, RISK");
  expect_one("{" BASE ", \"kind\": \"SHNOR\\u0000\"}", "$.kind",
             "must be one of: SHNOR, SHNSU, RISK");
}

static void test_email(void **state) {
  (void)state;
  const char *good[] = {"a@b.ru", "first.last+tag@mail.school.ru",
                        "директор@школа.рф"};
  const char *bad[] = {"plain",   "@b.ru",     "a@",       "a@b",
                       "a@@b.ru", "a@b@c.ru",  "a b@c.ru", "a@.ru",
                       "a@b.",    "a@b.ru\\t", "1"};
  char body[160];
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    snprintf(body, sizeof body, "{" BASE ", \"email\": \"%s\"}", good[i]);
    expect_ok(body, JSPEC_CREATE);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(body, sizeof body, "{" BASE ", \"email\": \"%s\"}", bad[i]);
    expect_one(body, "$.email", "must be an email address");
  }
  expect_one("{" BASE ", \"email\": 5}", "$.email", "must be an email address");
  char long_email[400];
  memset(long_email, 'a', 250);
  strcpy(long_email + 250, "@b.ru");
  char *big = malloc(600);
  snprintf(big, 600, "{" BASE ", \"email\": \"%s\"}", long_email);
  expect_one(big, "$.email", "must be at most 254 characters");
  free(big);
}

static void test_url(void **state) {
  (void)state;
  const char *good[] = {"http://a.ru", "https://школа.рф/о-нас?x=1#y",
                        "HTTPS://A.RU"};
  const char *bad[] = {"ftp://a.ru",         "a.ru",          "http://",
                       "https:///x",         "http://a b.ru", "//a.ru",
                       "javascript:alert(1)"};
  char body[160];
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    snprintf(body, sizeof body, "{" BASE ", \"site\": \"%s\"}", good[i]);
    expect_ok(body, JSPEC_CREATE);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(body, sizeof body, "{" BASE ", \"site\": \"%s\"}", bad[i]);
    expect_one(body, "$.site", "must be an http:// or https:// URL");
  }
  size_t size = 2100;
  char *big = malloc(size + 100);
  int n = snprintf(big, size, "{" BASE ", \"site\": \"https://a.ru/");
  memset(big + n, 'x', 1990);
  strcpy(big + n + 1990, "\"}");
  expect_one(big, "$.site", "must be at most 2000 characters");
  free(big);
}

static void test_object(void **state) {
  (void)state;
  expect_one("{" BASE ", \"address\": \"Ковров\"}", "$.address",
             "must be an object");
  expect_one("{" BASE ", \"address\": []}", "$.address", "must be an object");
  /* A nested object is a whole value: its required fields apply. */
  expect_one("{" BASE ", \"address\": {}}", "$.address.city", "is required");
  expect_one("{" BASE ", \"address\": {\"city\": \"К\", \"street\": \"x\"}}",
             "$.address.street", "is not a known field");
}

static void test_array(void **state) {
  (void)state;
  expect_one("{" BASE ", \"tags\": \"a\"}", "$.tags", "must be an array");
  expect_one("{" BASE ", \"tags\": []}", "$.tags", "must have at least 1 item");
  expect_one("{" BASE ", \"contacts\": [{\"name\": \"a\"}, {\"name\": \"b\"}, "
             "{\"name\": \"c\"}, {\"name\": \"d\"}]}",
             "$.contacts", "must have at most 3 items");
  expect_one("{" BASE ", \"tags\": [\"a\", \"\", \"b\"]}", "$.tags[1]",
             "must not be blank");
  expect_one("{" BASE ", \"tags\": [\"a\", null]}", "$.tags[1]",
             "must not be null");
  expect_one("{" BASE ", \"contacts\": [{\"name\": \"a\"}, 5]}",
             "$.contacts[1]", "must be an object");
  expect_one("{" BASE ", \"contacts\": [{\"name\": \"a\"}, "
             "{\"name\": \"b\", \"email\": \"x\"}]}",
             "$.contacts[1].email", "must be an email address");
}

static void test_many_errors_at_once(void **state) {
  (void)state;
  json_t *errors =
      check("{\"id\": 1, \"name\": \"\", \"students\": 1.5, \"rural\": 0, "
            "\"opened\": \"2023-02-29\", \"kind\": \"X\", \"site\": \"a\", "
            "\"address\": {\"zip\": 1, \"x\": 2}, "
            "\"contacts\": [{}, {\"name\": 3}, {\"name\": \"ok\"}, {}], "
            "\"tags\": [\"12345678901\"], \"extra\": true}",
            JSPEC_CREATE);
  static const char *const expected[][2] = {
      {"$.id", "is read-only"},
      {"$.name", "must not be blank"},
      {"$.students", "must be an integer"},
      {"$.rural", "must be a boolean"},
      {"$.opened", "must be a real calendar date"},
      {"$.kind", "must be one of: SHNOR, SHNSU, RISK"},
      {"$.site", "must be an http:// or https:// URL"},
      {"$.municipality_id", "is required"},
      {"$.address.city", "is required"},
      {"$.address.zip", "must be a string"},
      {"$.address.x", "is not a known field"},
      {"$.contacts", "must have at most 3 items"},
      {"$.contacts[0].name", "is required"},
      {"$.contacts[1].name", "must be a string"},
      {"$.contacts[3].name", "is required"},
      {"$.tags[0]", "must be at most 10 characters"},
      {"$.extra", "is not a known field"},
  };
  size_t n = sizeof expected / sizeof expected[0];
  assert_int_equal(json_array_size(errors), n);
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(errors, i);
    assert_string_equal(json_string_value(json_object_get(e, "path")),
                        expected[i][0]);
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        expected[i][1]);
  }
  json_decref(errors);
}

static void test_patch(void **state) {
  (void)state;
  json_t *errors = check("{}", JSPEC_PATCH);
  assert_int_equal(json_array_size(errors), 1);
  assert_string_equal(message_at(errors, "$"),
                      "must change at least one field");
  json_decref(errors);
  /* Required fields may be left out of a PATCH... */
  expect_ok("{\"students\": 10}", JSPEC_PATCH);
  expect_ok("{\"notes\": null}", JSPEC_PATCH);
  /* ...but a given field is checked as on create. */
  errors = check("{\"name\": \"\", \"id\": 3, \"x\": 1}", JSPEC_PATCH);
  assert_int_equal(json_array_size(errors), 3);
  assert_string_equal(message_at(errors, "$.name"), "must not be blank");
  assert_string_equal(message_at(errors, "$.id"), "is read-only");
  assert_string_equal(message_at(errors, "$.x"), "is not a known field");
  json_decref(errors);
  errors = check("{\"name\": null}", JSPEC_PATCH);
  assert_string_equal(message_at(errors, "$.name"), "must not be null");
  json_decref(errors);
  errors = check("[]", JSPEC_PATCH);
  assert_string_equal(message_at(errors, "$"), "must be an object");
  json_decref(errors);
}

static void test_appends_and_counts(void **state) {
  (void)state;
  json_t *errors = json_array();
  jspec_error(errors, "$.earlier", "was there before");
  json_t *body = json_pack("{s:i}", "zzz", 1);
  size_t n = jspec_check(body, school, JSPEC_CREATE, errors);
  assert_int_equal(n, 3); /* name, municipality_id, zzz */
  assert_int_equal(json_array_size(errors), 4);
  json_t *first = json_array_get(errors, 0);
  assert_string_equal(json_string_value(json_object_get(first, "path")),
                      "$.earlier");
  assert_string_equal(json_string_value(json_object_get(first, "message")),
                      "was there before");
  assert_int_equal(json_object_size(first), 2);
  json_decref(body);
  json_decref(errors);
}

static void test_long_unknown_key_path(void **state) {
  (void)state;
  char key[3000];
  memset(key, 'k', sizeof key - 1);
  key[sizeof key - 1] = '\0';
  json_t *body =
      json_pack("{s:s, s:i, s:i}", "name", "x", "municipality_id", 1, key, 1);
  json_t *errors = json_array();
  assert_int_equal(jspec_check(body, school, JSPEC_CREATE, errors), 1);
  const char *path =
      json_string_value(json_object_get(json_array_get(errors, 0), "path"));
  assert_int_equal(strlen(path), 2 + strlen(key));
  assert_memory_equal(path, "$.kkk", 5);
  json_decref(body);
  json_decref(errors);
}

/* A flood of bad keys is answered with a bounded list. */
static void test_error_cap(void **state) {
  (void)state;
  json_t *body = json_object();
  char key[32];
  for (int i = 0; i < 3 * JSPEC_MAX_ERRORS; i++) {
    snprintf(key, sizeof key, "junk%d", i);
    json_object_set_new(body, key, json_true());
  }
  json_t *errors = json_array();
  jspec_check(body, school, JSPEC_CREATE, errors);
  assert_int_equal(json_array_size(errors), JSPEC_MAX_ERRORS + 1);
  json_t *last = json_array_get(errors, JSPEC_MAX_ERRORS);
  assert_string_equal(json_string_value(json_object_get(last, "path")), "$");
  json_decref(errors);
  json_decref(body);
}

/* Found by tests/fuzz/fuzz_request.c: an entry whose path quotes bytes
 * that are not UTF-8 (a query key) was dropped, not listed. */
static void test_error_not_utf8(void **state) {
  (void)state;
  json_t *errors = json_array();
  jspec_error(errors, "query.\xffT", "is not a known parameter");
  jspec_error(errors, "$.a", "bad \xd0");
  assert_int_equal(json_array_size(errors), 2);
  json_t *e = json_array_get(errors, 0);
  assert_string_equal(json_string_value(json_object_get(e, "path")),
                      "query.?T");
  e = json_array_get(errors, 1);
  assert_string_equal(json_string_value(json_object_get(e, "message")),
                      "bad ?");
  json_decref(errors);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_full_body),
      cmocka_unit_test(test_top_level_must_be_object),
      cmocka_unit_test(test_required),
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_pattern),
      cmocka_unit_test(test_readonly_and_unknown),
      cmocka_unit_test(test_string_types),
      cmocka_unit_test(test_text),
      cmocka_unit_test(test_cyrillic_length),
      cmocka_unit_test(test_integer),
      cmocka_unit_test(test_number),
      cmocka_unit_test(test_boolean),
      cmocka_unit_test(test_id),
      cmocka_unit_test(test_is_date),
      cmocka_unit_test(test_date_messages),
      cmocka_unit_test(test_enum),
      cmocka_unit_test(test_email),
      cmocka_unit_test(test_url),
      cmocka_unit_test(test_object),
      cmocka_unit_test(test_array),
      cmocka_unit_test(test_many_errors_at_once),
      cmocka_unit_test(test_patch),
      cmocka_unit_test(test_appends_and_counts),
      cmocka_unit_test(test_long_unknown_key_path),
      cmocka_unit_test(test_error_cap),
      cmocka_unit_test(test_error_not_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
