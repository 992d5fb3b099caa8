/* Formulas of computed indicators: syntax errors with their positions,
 * precedence, the inputs, evaluation and its reasons, and random text that
 * must never crash the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formula.h"

/* Values: "A" = 10, "B" = 4, "ZERO" = 0, "TEACHERS_TOTAL" = 40,
 * "TEACHERS_FIRST_CATEGORY_COUNT" = 12; every other code is missing. */
static bool lookup(void *ctx, const char *code, double *value) {
  (void)ctx;
  static const struct {
    const char *code;
    double value;
  } known[] = {{"A", 10},
               {"B", 4},
               {"ZERO", 0},
               {"TEACHERS_TOTAL", 40},
               {"TEACHERS_FIRST_CATEGORY_COUNT", 12}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(known[i].code, code) == 0) {
      *value = known[i].value;
      return true;
    }
  return false;
}

static double eval_ok(const char *text) {
  char err[128];
  size_t pos = 0;
  struct formula *f = formula_parse(text, err, sizeof err, &pos);
  if (f == NULL)
    fail_msg("%s: %s at %zu", text, err, pos);
  double out = NAN;
  char reason[128];
  if (!formula_eval(f, lookup, NULL, &out, reason, sizeof reason))
    fail_msg("%s: no value: %s", text, reason);
  formula_free(f);
  return out;
}

static void expect_number(const char *text, double expected) {
  double got = eval_ok(text);
  if (fabs(got - expected) > 1e-9)
    fail_msg("%s = %g, expected %g", text, got, expected);
}

static void expect_reason(const char *text, const char *expected) {
  char err[128], reason[128];
  size_t pos = 0;
  struct formula *f = formula_parse(text, err, sizeof err, &pos);
  assert_non_null(f);
  double out = 12345;
  assert_false(formula_eval(f, lookup, NULL, &out, reason, sizeof reason));
  assert_string_equal(reason, expected);
  assert_true(out == 12345); /* untouched */
  formula_free(f);
}

static void expect_error(const char *text, size_t position,
                         const char *message) {
  char err[128];
  size_t pos = 0;
  struct formula *f = formula_parse(text, err, sizeof err, &pos);
  if (f != NULL)
    fail_msg("\"%s\" parsed", text);
  if (strcmp(err, message) != 0 || pos != position)
    fail_msg("\"%s\": \"%s\" at %zu, expected \"%s\" at %zu", text, err, pos,
             message, position);
}

static void syntax_errors(void **state) {
  (void)state;
  expect_error("", 1, "expected a number, a code or '('");
  expect_error("   ", 4, "expected a number, a code or '('");
  expect_error("A +", 4, "expected a number, a code or '('");
  expect_error("A + * B", 5, "expected a number, a code or '('");
  expect_error("* A", 1, "expected a number, a code or '('");
  expect_error("A + )", 5, "unexpected ')'");
  expect_error("A)", 2, "unexpected ')'");
  expect_error("(A + B))", 8, "unexpected ')'");
  expect_error("()", 2, "unexpected ')'");
  expect_error("(A + B", 7, "missing ')'");
  expect_error("((A + B) * 2", 13, "missing ')'");
  expect_error("(A B)", 4, "missing ')'");
  expect_error("A B", 3, "expected an operator or the end of the formula");
  expect_error("2 3", 3, "expected an operator or the end of the formula");
  expect_error("A % B", 3, "unknown character '%'");
  expect_error("A ^ 2", 3, "unknown character '^'");
  expect_error("(A + B; 2", 7, "unknown character ';'");
  /* Positions count characters, not bytes. */
  expect_error("«A» + B", 1, "unknown character '«'");
  expect_error("A + «B»", 5, "unknown character '«'");
  expect_error("A + Доля", 5, "unknown character 'Д'");
  expect_error("A\x01", 2, "unknown character (code 1)");
  expect_error("1.", 3, "expected a digit after '.'");
  expect_error("1.x", 3, "expected a digit after '.'");
  expect_error("2A", 2, "expected an operator after a number");
  expect_error("A + 1e400", 6, "expected an operator after a number");
}

static void limits(void **state) {
  (void)state;
  char text[4100];
  /* 64 levels of parentheses are fine, 65 are not. */
  size_t n = 0;
  for (int i = 0; i < 64; i++)
    text[n++] = '(';
  text[n++] = 'A';
  for (int i = 0; i < 64; i++)
    text[n++] = ')';
  text[n] = '\0';
  expect_number(text, 10);
  n = 0;
  for (int i = 0; i < 65; i++)
    text[n++] = '(';
  text[n++] = 'A';
  text[n] = '\0';
  expect_error(text, 65, "the formula nests too deeply (at most 64 levels)");
  n = 0;
  for (int i = 0; i < 65; i++)
    text[n++] = '-';
  text[n++] = 'A';
  text[n] = '\0';
  expect_error(text, 65, "the formula nests too deeply (at most 64 levels)");
  /* A long flat sum is no nesting. */
  n = 0;
  for (int i = 0; i < 1000; i++) {
    memcpy(text + n, "1 +", 3);
    n += 3;
  }
  text[n++] = '1';
  text[n] = '\0';
  expect_number(text, 1001);
  memset(text, '1', 4001);
  text[4001] = '\0';
  expect_error(text, 4001, "the formula is longer than 4000 characters");
  text[4000] = '\0';
  char err[128];
  size_t pos;
  struct formula *f = formula_parse(text, err, sizeof err, &pos);
  if (f != NULL)
    fail_msg("4000 digits make a number too large to hold");
  assert_string_equal(err, "the number is too large");
  assert_int_equal(pos, 1);
  char code[80];
  memset(code, 'X', 65);
  code[65] = '\0';
  expect_error(code, 1, "an indicator code has at most 64 characters");
}

static void precedence(void **state) {
  (void)state;
  expect_number("1 + 2 * 3", 7);
  expect_number("(1 + 2) * 3", 9);
  expect_number("10 - 4 - 3", 3); /* left to right */
  expect_number("64 / 4 / 2", 8); /* left to right */
  expect_number("2 * 3 + 4 * 5", 26);
  expect_number("10 - 2 * 3", 4);
  expect_number("-A", -10);
  expect_number("- -A", 10);
  expect_number("-A * B", -40);
  expect_number("-(A - B)", -6);
  expect_number("A - -B", 14);
  expect_number("2 * -3", -6);
  expect_number("1.5 * 2", 3);
  expect_number(".5 + 0.25", 0.75);
  expect_number("\tA\n+\r\nB ", 14);
  expect_number("100 * TEACHERS_FIRST_CATEGORY_COUNT / TEACHERS_TOTAL", 30);
  expect_number("0 * -1", 0);
  assert_false(signbit(eval_ok("0 * -1")));
}

static void reasons(void **state) {
  (void)state;
  expect_reason("A / ZERO", "division by zero");
  expect_reason("A / (B - 4)", "division by zero");
  expect_reason("100 * TEACHERS_FIRST_CATEGORY_COUNT / TEACHERS_TOTAL_X",
                "missing TEACHERS_TOTAL_X");
  expect_reason("MISSING_ONE + A / MISSING_TWO + MISSING_ONE",
                "missing MISSING_ONE, MISSING_TWO");
  /* A missing input is told before a division by zero. */
  expect_reason("A / 0 + NOPE", "missing NOPE");
  expect_number("ZERO / A", 0);
}

static void inputs(void **state) {
  (void)state;
  char err[128];
  size_t pos;
  struct formula *f = formula_parse("B + (A * B) / «C»", err, sizeof err, &pos);
  assert_null(f);
  f = formula_parse(" TEACHERS_TOTAL - A * TEACHERS_TOTAL + B / A + 2", err,
                    sizeof err, &pos);
  assert_non_null(f);
  assert_int_equal(formula_input_count(f), 3);
  assert_string_equal(formula_input(f, 0), "TEACHERS_TOTAL");
  assert_int_equal(formula_input_position(f, 0), 2);
  assert_string_equal(formula_input(f, 1), "A");
  assert_int_equal(formula_input_position(f, 1), 19);
  assert_string_equal(formula_input(f, 2), "B");
  assert_int_equal(formula_input_position(f, 2), 40);
  assert_null(formula_input(f, 3));
  assert_int_equal(formula_input_position(f, 3), 0);
  formula_free(f);
  f = formula_parse("42", err, sizeof err, &pos);
  assert_int_equal(formula_input_count(f), 0);
  formula_free(f);
  formula_free(NULL);
}

/* Random text and every prefix of good formulas: an answer each time, a
 * position within the text (+1 for its end), never a crash. */
static void check_any(const char *text) {
  char err[128];
  size_t pos = 0;
  struct formula *f = formula_parse(text, err, sizeof err, &pos);
  if (f == NULL) {
    size_t chars = 0;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++)
      chars += (*s & 0xC0) != 0x80;
    if (pos < 1 || (pos > chars + 1 && chars <= 4000))
      fail_msg("\"%s\": position %zu of %zu characters", text, pos, chars);
    assert_true(strlen(err) > 0);
    return;
  }
  double out;
  char reason[64];
  (void)formula_eval(f, lookup, NULL, &out, reason, sizeof reason);
  formula_free(f);
}

static void never_crashes(void **state) {
  (void)state;
  static const char *const good[] = {
      "100 * TEACHERS_FIRST_CATEGORY_COUNT / TEACHERS_TOTAL",
      "-(A - (B * -2.5)) / ((ZERO + 1) - -A)",
      "((((A))))",
  };
  char text[256];
  for (size_t g = 0; g < sizeof good / sizeof good[0]; g++)
    for (size_t len = 0; len <= strlen(good[g]); len++) {
      snprintf(text, sizeof text, "%.*s", (int)len, good[g]);
      check_any(text);
    }
  static const char alphabet[] = "AB_Z09.+-*/() \t%\xd0\x94\xc2";
  srand(20241);
  for (int i = 0; i < 20000; i++) {
    size_t len = (size_t)(rand() % 40);
    for (size_t k = 0; k < len; k++)
      text[k] = alphabet[rand() % (int)(sizeof alphabet - 1)];
    text[len] = '\0';
    check_any(text);
  }
  for (int i = 0; i < 2000; i++) {
    size_t len = (size_t)(rand() % 200);
    for (size_t k = 0; k < len; k++)
      text[k] = (char)(rand() % 255 + 1);
    text[len] = '\0';
    check_any(text);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(syntax_errors), cmocka_unit_test(limits),
      cmocka_unit_test(precedence),    cmocka_unit_test(reasons),
      cmocka_unit_test(inputs),        cmocka_unit_test(never_crashes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
