/* The indicators migrations/0004_monitoring.sql loads are those of the
 * reference catalogue (shared/reference/indicators.csv, beside the
 * checkout), row for row and field for field. Without the reference (a
 * checkout on its own) there is nothing to compare, and the test says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void chomp(char *line) {
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
}

/* The next SQL value of a VALUES row: a quoted string ('' for a quote) or
 * NULL (as ""). Returns where the value ends. */
static const char *sql_value(const char *p, char *out, size_t len) {
  while (*p == ' ' || *p == ',' || *p == '(')
    p++;
  size_t n = 0;
  if (strncmp(p, "NULL", 4) == 0) {
    out[0] = '\0';
    return p + 4;
  }
  assert_true(*p == '\'');
  for (p++; *p != '\0'; p++) {
    if (*p == '\'' && p[1] == '\'')
      p++;
    else if (*p == '\'')
      break;
    if (n + 1 < len)
      out[n++] = *p;
  }
  out[n] = '\0';
  return p + 1;
}

static void indicators_match_reference(void **state) {
  (void)state;
  FILE *csv =
      fopen(OPORA_SOURCE_DIR "/../shared/reference/indicators.csv", "r");
  if (csv == NULL) {
    printf("no shared/reference/indicators.csv beside the checkout: nothing "
           "to compare\n");
    return;
  }
  FILE *sql = fopen(OPORA_SOURCE_DIR "/migrations/0004_monitoring.sql", "r");
  assert_non_null(sql);
  static char line[4096], row[4096];
  size_t n = 0;
  assert_non_null(fgets(line, sizeof line, csv)); /* the header */
  while (fgets(line, sizeof line, csv) != NULL) {
    chomp(line);
    if (line[0] == '\0')
      continue;
    /* code;level;value_type;polarity;periodicity;deadline;form;name_ru;source
     */
    char *f[9];
    char *p = line;
    for (int i = 0; i < 9; i++) {
      f[i] = p;
      char *semi = strchr(p, ';');
      if (i < 8) {
        assert_non_null(semi);
        *semi = '\0';
        p = semi + 1;
      }
    }
    do
      assert_non_null(fgets(row, sizeof row, sql));
    while (strncmp(row, "  ('", 4) != 0);
    /* (code, name, value_type, polarity, periodicity, deadline, form,
     * source) */
    static const int from_csv[8] = {0, 7, 2, 3, 4, 5, 6, 8};
    const char *q = row;
    for (int i = 0; i < 8; i++) {
      char got[1024];
      q = sql_value(q, got, sizeof got);
      assert_string_equal(got, f[from_csv[i]]);
    }
    n++;
  }
  fclose(csv);
  fclose(sql);
  assert_true(n >= 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(indicators_match_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
