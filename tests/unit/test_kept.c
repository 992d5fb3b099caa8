/* Kept answers (src/core/kept.c): every key keeps its own answer however the
 * keys hash, the least recently used goes first, and the bytes stay
 * bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kept.h"

static void put_text(const char *key, const char *text) {
  kept_put(key, text, strlen(text));
}

/* The text kept under key, or NULL (caller frees). */
static char *get(const char *key) {
  char *text = NULL;
  size_t len = 0;
  if (!kept_copy(key, &text, &len))
    return NULL;
  assert_int_equal(len, strlen(text));
  return text;
}

static void expect_text(const char *key, const char *want) {
  char *text = get(key);
  if (want == NULL) {
    assert_null(text);
    return;
  }
  assert_non_null(text);
  assert_string_equal(text, want);
  free(text);
}

/* 150 dashboards, as the bench asks them in turn: each is found again,
 * on every pass (the direct-mapped slots lost about one in ten). */
static void test_many_keys_all_kept(void **state) {
  (void)state;
  kept_clear();
  char key[64], text[64];
  for (int i = 0; i < 150; i++) {
    snprintf(key, sizeof key, "/api/v1/indicators/I%d/aggregate|region:1|7:%d",
             i, i % 5);
    snprintf(text, sizeof text, "answer %d", i);
    put_text(key, text);
  }
  unsigned long long hits0, misses0, hits1, misses1;
  size_t bytes;
  kept_counts(&hits0, &misses0, &bytes);
  for (int pass = 0; pass < 3; pass++)
    for (int i = 0; i < 150; i++) {
      snprintf(key, sizeof key,
               "/api/v1/indicators/I%d/aggregate|region:1|7:%d", i, i % 5);
      snprintf(text, sizeof text, "answer %d", i);
      expect_text(key, text);
    }
  kept_counts(&hits1, &misses1, &bytes);
  assert_int_equal(hits1 - hits0, 450);
  assert_int_equal(misses1 - misses0, 0);
  kept_clear();
}

static void test_replace_and_miss(void **state) {
  (void)state;
  kept_clear();
  put_text("a", "one");
  put_text("a", "two");
  expect_text("a", "two");
  expect_text("b", NULL);
  size_t bytes;
  unsigned long long h, m;
  kept_counts(&h, &m, &bytes);
  assert_int_equal(bytes, 3);
  kept_clear();
  kept_counts(&h, &m, &bytes);
  assert_int_equal(bytes, 0);
  expect_text("a", NULL);
}

/* Past 32 MB the least recently used answer goes; one just read stays. */
static void test_least_recently_used_evicted(void **state) {
  (void)state;
  kept_clear();
  size_t size = 4u << 20; /* 4 MB: eight fill the bound */
  char *big = malloc(2 * size + 1);
  assert_non_null(big);
  memset(big, 'x', 2 * size);
  big[2 * size] = '\0';
  char key[16];
  for (int i = 0; i < 8; i++) {
    snprintf(key, sizeof key, "k%d", i);
    kept_put(key, big, size);
  }
  free(get("k0")); /* k0 is now the newest; k1 the oldest */
  kept_put("k8", big, size);
  char *text = get("k1");
  assert_null(text);
  text = get("k0");
  assert_non_null(text);
  free(text);
  size_t bytes;
  unsigned long long h, m;
  kept_counts(&h, &m, &bytes);
  assert_true(bytes <= (32u << 20));
  /* An answer of a quarter of the bound or more is not kept at all. */
  kept_put("huge", big, size * 2);
  assert_null(get("huge"));
  free(big);
  kept_clear();
}

/* A key of KEPT_KEY_MAX bytes or more is not kept (nor cut to another). */
static void test_long_key_not_kept(void **state) {
  (void)state;
  kept_clear();
  char key[KEPT_KEY_MAX + 1];
  memset(key, 'k', KEPT_KEY_MAX);
  key[KEPT_KEY_MAX] = '\0';
  put_text(key, "x");
  assert_null(get(key));
  key[KEPT_KEY_MAX - 1] = '\0';
  put_text(key, "y");
  expect_text(key, "y");
  kept_clear();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_keys_all_kept),
      cmocka_unit_test(test_replace_and_miss),
      cmocka_unit_test(test_least_recently_used_evicted),
      cmocka_unit_test(test_long_key_not_kept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
