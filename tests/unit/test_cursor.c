/* List cursors (src/core/cursor.c): a cursor made for the longest key the
 * API stores is read back, and taken as the `cursor` query parameter of
 * every list; a longer text is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cursor.h"
#include "resource.h"

#define QUERY 0x0123456789abcdefu

/* `chars` copies of the 4-byte character U+1D11E: the most bytes a text
 * field of that many characters can hold. */
static char *widest_text(size_t chars) {
  static const char clef[] = "\xf0\x9d\x84\x9e";
  char *s = malloc(chars * 4 + 1);
  assert_non_null(s);
  for (size_t i = 0; i < chars; i++)
    memcpy(s + i * 4, clef, 4);
  s[chars * 4] = '\0';
  return s;
}

/* Text fields take at most 4,000 characters. A cursor after such a row
 * used to be refused past 4,096 characters of cursor (about 3,000 bytes of
 * key), so the next page could not be asked for. */
static void test_longest_key_round_trips(void **state) {
  (void)state;
  char *key = widest_text(4000);
  char *text = cursor_encode(key, 42, QUERY);
  assert_true(strlen(text) <= CURSOR_TEXT_MAX);
  char *back = NULL;
  long long id = 0;
  assert_int_equal(cursor_decode(text, QUERY, &back, &id), CURSOR_OK);
  assert_int_equal(id, 42);
  assert_string_equal(back, key);
  free(back);
  free(text);
  free(key);
}

/* The lists' `cursor` parameter takes every cursor the decoder reads. */
static void test_page_params_take_the_longest_cursor(void **state) {
  (void)state;
  const struct jspec_field params[] = {PAGE_PARAMS, {.name = NULL}};
  assert_string_equal(params[1].name, "cursor");
  assert_int_equal(params[1].max, CURSOR_TEXT_MAX);
}

static void test_longer_text_is_refused(void **state) {
  (void)state;
  char *text = malloc(CURSOR_TEXT_MAX + 5);
  assert_non_null(text);
  memset(text, 'A', CURSOR_TEXT_MAX + 4);
  text[CURSOR_TEXT_MAX + 4] = '\0';
  char *back = NULL;
  long long id = 0;
  assert_int_equal(cursor_decode(text, QUERY, &back, &id), CURSOR_INVALID);
  assert_null(back);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_longest_key_round_trips),
      cmocka_unit_test(test_page_params_take_the_longest_cursor),
      cmocka_unit_test(test_longer_text_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
