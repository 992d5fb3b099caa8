/* Opora-LSN tokens (src/db/read_after.c) and WAL positions (db_lsn_parse):
 * a sealed position opens to itself with the same key and to nothing with
 * another key or after any change; two seals of one position differ, so a
 * token tells nothing by its text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "db.h"
#include "read_after.h"

static void use_key(unsigned char fill) {
  unsigned char key[32];
  memset(key, fill, sizeof key);
  read_after_set_key(key);
}

static void test_round_trip(void **state) {
  (void)state;
  use_key(7);
  const uint64_t positions[] = {0, 1, 0x16B3748ull, 0xFFFFFFFF00000001ull,
                                UINT64_MAX - 1};
  for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
    char a[READ_AFTER_TOKEN_MAX + 1], b[READ_AFTER_TOKEN_MAX + 1];
    assert_true(read_after_seal(positions[i], a));
    assert_true(read_after_seal(positions[i], b));
    assert_string_not_equal(a, b); /* a fresh nonce each time */
    uint64_t back = 0;
    assert_true(read_after_open(a, &back));
    assert_true(back == positions[i]);
  }
}

static void test_tampered_or_foreign(void **state) {
  (void)state;
  use_key(7);
  char token[READ_AFTER_TOKEN_MAX + 1];
  assert_true(read_after_seal(123456789, token));
  uint64_t lsn;
  for (size_t i = 0; i < strlen(token); i++) {
    char changed[READ_AFTER_TOKEN_MAX + 1];
    strcpy(changed, token);
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    assert_false(read_after_open(changed, &lsn));
  }
  char cut[READ_AFTER_TOKEN_MAX + 1];
  snprintf(cut, sizeof cut, "%.*s", (int)strlen(token) - 1, token);
  assert_false(read_after_open(cut, &lsn));
  char longer[READ_AFTER_TOKEN_MAX + 8];
  snprintf(longer, sizeof longer, "%sAAAA", token);
  assert_false(read_after_open(longer, &lsn));
  assert_false(read_after_open("", &lsn));
  assert_false(read_after_open("0/16B3748", &lsn));
  use_key(8); /* another deployment */
  assert_false(read_after_open(token, &lsn));
}

static void test_lsn_parse(void **state) {
  (void)state;
  assert_true(db_lsn_parse("0/16B3748") == 0x16B3748ull);
  assert_true(db_lsn_parse("16/B374D848") == 0x16B374D848ull);
  assert_true(db_lsn_parse("FFFFFFFF/FFFFFFFF") == UINT64_MAX);
  assert_true(db_lsn_parse("") == 0);
  assert_true(db_lsn_parse("16") == 0);
  assert_true(db_lsn_parse("16/B374D848x") == 0);
  assert_true(db_lsn_parse(NULL) == 0);
}

int main(void) {
  if (sodium_init() < 0)
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_tampered_or_foreign),
      cmocka_unit_test(test_lsn_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
