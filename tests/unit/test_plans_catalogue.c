/* The risk factors of migrations/0003_plans.sql are those of the reference
 * catalogue (shared/reference/risk_factors.csv, beside the checkout): same
 * codes, groups and names, in order. Without the reference (a checkout on
 * its own) there is nothing to compare, and the test says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FACTORS 64

struct factor {
  char code[8], group[32], name[512], name_en[512];
};

static void chomp(char *line) {
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
}

/* code;group;name_ru;name_en, after a header line. */
static size_t read_csv(FILE *f, struct factor *out) {
  char line[2048];
  size_t n = 0;
  if (fgets(line, sizeof line, f) == NULL)
    return 0;
  while (n < MAX_FACTORS && fgets(line, sizeof line, f) != NULL) {
    chomp(line);
    if (line[0] == '\0')
      continue;
    char *fields[4] = {line, NULL, NULL, NULL};
    for (int i = 1; i < 4; i++) {
      char *semi = fields[i - 1] ? strchr(fields[i - 1], ';') : NULL;
      assert_non_null(semi);
      *semi = '\0';
      fields[i] = semi + 1;
    }
    snprintf(out[n].code, sizeof out[n].code, "%s", fields[0]);
    snprintf(out[n].group, sizeof out[n].group, "%s", fields[1]);
    snprintf(out[n].name, sizeof out[n].name, "%s", fields[2]);
    snprintf(out[n].name_en, sizeof out[n].name_en, "%s", fields[3]);
    n++;
  }
  return n;
}

/* The migration's rows: ('RF01', 'resources', 'name', 'name_en'), with ''
 * for a quote inside a string. */
static const char *sql_string(const char *p, char *out, size_t len) {
  p = strchr(p, '\'');
  assert_non_null(p);
  size_t n = 0;
  for (p++; *p != '\0'; p++) {
    if (*p == '\'' && p[1] == '\'') {
      p++;
    } else if (*p == '\'') {
      break;
    }
    if (n + 1 < len)
      out[n++] = *p;
  }
  out[n] = '\0';
  return p + 1;
}

static size_t read_migration(FILE *f, struct factor *out) {
  char line[2048];
  size_t n = 0;
  while (n < MAX_FACTORS && fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "  ('RF", 6) != 0)
      continue;
    const char *p = line;
    p = sql_string(p, out[n].code, sizeof out[n].code);
    p = sql_string(p, out[n].group, sizeof out[n].group);
    p = sql_string(p, out[n].name, sizeof out[n].name);
    sql_string(p, out[n].name_en, sizeof out[n].name_en);
    n++;
  }
  return n;
}

static void migration_matches_reference(void **state) {
  (void)state;
  FILE *csv =
      fopen(OPORA_SOURCE_DIR "/../shared/reference/risk_factors.csv", "r");
  if (csv == NULL) {
    printf("no shared/reference/risk_factors.csv beside the checkout: "
           "nothing to compare\n");
    return;
  }
  static struct factor want[MAX_FACTORS], got[MAX_FACTORS];
  size_t n_want = read_csv(csv, want);
  fclose(csv);
  FILE *sql = fopen(OPORA_SOURCE_DIR "/migrations/0003_plans.sql", "r");
  assert_non_null(sql);
  size_t n_got = read_migration(sql, got);
  fclose(sql);
  assert_int_equal(n_got, n_want);
  assert_true(n_want >= 10);
  for (size_t i = 0; i < n_want; i++) {
    assert_string_equal(got[i].code, want[i].code);
    assert_string_equal(got[i].group, want[i].group);
    assert_string_equal(got[i].name, want[i].name);
    assert_string_equal(got[i].name_en, want[i].name_en);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(migration_matches_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
