/* The binary COPY encoder (src/push/copy_binary.c): each type's bytes, and rows
 * of every type the push writes (integer, bigint, smallint, text with any
 * UTF-8, bytea, smallint[], NULLs) through PostgreSQL's own COPY (FORMAT
 * binary), read back as text. The push's columns hold no dates nor
 * numerics, so the encoder has none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy_binary.h"
#include "testdb.h"

static void bytes_equal(const char *from, const char *to, const char *want,
                        size_t n) {
  assert_int_equal((size_t)(to - from), n);
  assert_memory_equal(from, want, n);
}

static void each_type_as_bytes(void **state) {
  (void)state;
  char b[128], *end;
  end = copy_bin_header(b);
  bytes_equal(b, end, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
  end = copy_bin_trailer(b);
  bytes_equal(b, end, "\377\377", 2);
  end = copy_bin_tuple(b, 14);
  bytes_equal(b, end, "\0\016", 2);
  end = copy_bin_null(b);
  bytes_equal(b, end, "\377\377\377\377", 4);
  end = copy_bin_int2(b, -2);
  bytes_equal(b, end, "\0\0\0\002\377\376", 6);
  end = copy_bin_int4(b, 2025);
  bytes_equal(b, end, "\0\0\0\004\0\0\007\351", 8);
  end = copy_bin_int8(b, -1);
  bytes_equal(b, end, "\0\0\0\010\377\377\377\377\377\377\377\377", 12);
  end = copy_bin_int8(b, 0x0102030405060708LL);
  bytes_equal(b, end, "\0\0\0\010\001\002\003\004\005\006\007\010", 12);
  end = copy_bin_bytes(b, "5А", strlen("5А"));
  bytes_equal(b, end, "\0\0\0\0035\320\220", 7);
  const int v[2] = {1, 300};
  end = copy_bin_int2_array(b, v, 2);
  bytes_equal(b, end,
              "\0\0\0\040"                          /* length: 32 */
              "\0\0\0\001\0\0\0\0\0\0\0\025"        /* 1 dim, no NULLs, int2 */
              "\0\0\0\002\0\0\0\001"                /* 2 elements from 1 */
              "\0\0\0\002\0\001\0\0\0\002\001\054", /* 1, 300 */
              COPY_BIN_INT2_ARRAY_BYTES(2));
}

static void ok_or_fail(PGconn *c, PGresult *r, ExecStatusType want) {
  if (PQresultStatus(r) != want)
    fail_msg("%s", PQerrorMessage(c));
  PQclear(r);
}

/* One row of every column type; NULLs where `nulls`. */
static char *put_row(char *at, int row, bool nulls) {
  static const char *const texts[] = {"Школа № 5 «Ёлочка» — 5А", "日本語 ✓ 😀",
                                      "back\\slash\ttab\nline"};
  const int scores[3] = {0, -32768, 32767};
  const uint8_t hash[4] = {0, 0xff, '\\', 'x'};
  at = copy_bin_tuple(at, 8);
  at = copy_bin_int4(at, row == 0 ? INT32_MIN : 2025);
  at = copy_bin_int8(at, row == 0 ? INT64_MAX : -7);
  at = copy_bin_bytes(at, texts[row], strlen(texts[row]));
  at = nulls ? copy_bin_null(at) : copy_bin_bytes(at, "", 0);
  at = copy_bin_int2_array(at, scores, row == 2 ? 0 : 3);
  at = nulls ? copy_bin_null(at) : copy_bin_int2(at, -5);
  at = nulls ? copy_bin_null(at) : copy_bin_bytes(at, hash, sizeof hash);
  at = copy_bin_int2(at, row);
  return at;
}

static void rows_through_postgresql(void **state) {
  (void)state;
  PGconn *c = testdb_create("copybin");
  ok_or_fail(c,
             PQexec(c, "CREATE TABLE t (i4 integer, i8 bigint, s text,"
                       " e text, a smallint[], i2 smallint, b bytea,"
                       " k smallint PRIMARY KEY)"),
             PGRES_COMMAND_OK);
  ok_or_fail(c, PQexec(c, "COPY t FROM STDIN (FORMAT binary)"), PGRES_COPY_IN);
  char buf[1024], *at = copy_bin_header(buf);
  at = put_row(at, 0, false);
  at = put_row(at, 1, true);
  at = put_row(at, 2, false);
  at = copy_bin_trailer(at);
  assert_int_equal(PQputCopyData(c, buf, (int)(at - buf)), 1);
  assert_int_equal(PQputCopyEnd(c, NULL), 1);
  ok_or_fail(c, PQgetResult(c), PGRES_COMMAND_OK);
  char *got = testdb_scalar(
      c, "SELECT string_agg(concat_ws('|', i4, i8, s, coalesce(e, 'NULL'),"
         " a, coalesce(i2::text, 'NULL'), coalesce(b::text, 'NULL'), k),"
         " E'\\n' ORDER BY k) FROM t");
  assert_string_equal(got,
                      "-2147483648|9223372036854775807|Школа № 5 «Ёлочка» —"
                      " 5А||{0,-32768,32767}|-5|\\x00ff5c78|0\n"
                      "2025|-7|日本語 ✓ 😀|NULL|{0,-32768,32767}|NULL|NULL|1\n"
                      "2025|-7|back\\slash\ttab\nline||{}|-5|\\x00ff5c78|2");
  free(got);
  testdb_drop(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(each_type_as_bytes),
      cmocka_unit_test(rows_through_postgresql),
  };
  testdb_require("test_copy_binary");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
