/* Lists as tables (docs/MONITORING.md, "CSV"): with Accept: text/csv every
 * list answers UTF-8 with a BOM, ';'-separated, CRLF, a header row of the
 * items' members (nested objects flattened as school.code), quoted where
 * needed, every page at once. The tables are read back with a strict
 * reader here: what Excel would see. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define BOM "\xEF\xBB\xBF"
#define TRICKY "МБОУ \"СОШ № 10\"; филиал"
#define FULL "Муниципальное бюджетное общеобразовательное учреждение «СОШ № 10»"

/* A table read back: rows of fields (row 0 the header). */
struct table {
  json_t *rows; /* [[field, ...], ...] */
};

/* Reads body strictly: BOM first, fields separated by ';', records ended
 * by CRLF (a bare CR or LF only inside quotes), quotes doubled inside
 * quoted fields. Fails the test on anything else. */
static struct table read_table(const char *body) {
  struct table t = {json_array()};
  if (strncmp(body, BOM, 3) != 0)
    fail_msg("no BOM: %.40s", body);
  const char *p = body + 3;
  json_t *row = json_array();
  char field[4096];
  size_t n = 0;
  while (*p != '\0') {
    if (*p == '"' && n == 0) {
      for (p++;; p++) {
        if (*p == '\0')
          fail_msg("unterminated quote in %s", body);
        if (*p == '"' && p[1] == '"') {
          field[n++] = '"';
          p++;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          field[n++] = *p;
        }
      }
      if (*p != ';' && *p != '\r')
        fail_msg("text after a closing quote: %.20s", p);
      continue;
    }
    if (*p == ';' || *p == '\r') {
      field[n] = '\0';
      json_array_append_new(row, json_string(field));
      n = 0;
      if (*p == '\r') {
        if (p[1] != '\n')
          fail_msg("CR without LF");
        json_array_append_new(t.rows, row);
        row = json_array();
        p += 2;
      } else {
        p++;
      }
      continue;
    }
    if (*p == '\n' || *p == '"')
      fail_msg("bare LF or quote outside quotes: %.40s", p);
    field[n++] = *p++;
  }
  if (json_array_size(row) != 0 || n != 0)
    fail_msg("the last record has no CRLF");
  json_decref(row);
  size_t i;
  json_t *r;
  json_array_foreach(t.rows, i, r) {
    if (json_array_size(r) != json_array_size(json_array_get(t.rows, 0)))
      fail_msg("row %zu has %zu fields, the header %zu", i, json_array_size(r),
               json_array_size(json_array_get(t.rows, 0)));
  }
  return t;
}

static struct table get_table(const char *path) {
  const char *h[] = {"Accept: text/csv", NULL};
  struct http_reply *r = http_request("GET", path, NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->content_type, "text/csv; charset=utf-8");
  struct table t = read_table(r->body);
  http_reply_free(r);
  return t;
}

static int column(const struct table *t, const char *name) {
  size_t i;
  json_t *f;
  json_array_foreach(json_array_get(t->rows, 0), i, f) {
    if (strcmp(json_string_value(f), name) == 0)
      return (int)i;
  }
  fail_msg("no column %s", name);
  return -1;
}

static const char *cell(const struct table *t, size_t row, const char *name) {
  return json_string_value(
      json_array_get(json_array_get(t->rows, row), (size_t)column(t, name)));
}

/* The row whose column `name` is `value`. */
static size_t row_where(const struct table *t, const char *name,
                        const char *value) {
  for (size_t i = 1; i < json_array_size(t->rows); i++)
    if (strcmp(cell(t, i, name), value) == 0)
      return i;
  fail_msg("no row with %s = %s", name, value);
  return 0;
}

static long long tricky_school(void) {
  static long long id;
  if (id == 0)
    id =
        api_create("/api/v1/schools",
                   J("{'municipality_id':%lld,'code':'csv-10','full_name':'%s',"
                     "'short_name':'МБОУ \\'СОШ № 10\\'; филиал','type':'SOSH',"
                     "'locality':'RURAL','address':' 601900, г. Ковров '}",
                     kovrov().municipality_id, FULL));
  return id;
}

static void test_schools(void **state) {
  (void)state;
  long long id = tricky_school();
  create_school(kovrov().municipality_id, "csv-11", "МБОУ СОШ № 11");
  create_school(kovrov().municipality_id, "csv-12", "МБОУ СОШ № 12");
  /* Every page at once: the limit is the JSON pages'. */
  struct table t = get_table("/api/v1/schools?limit=1");
  assert_int_equal(json_array_size(t.rows), 4);
  const char *want[] = {"id",
                        "code",
                        "short_name",
                        "full_name",
                        "municipality.id",
                        "municipality.name",
                        "municipality.region_id",
                        "students_count"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    column(&t, want[i]);
  size_t row = row_where(&t, "code", "csv-10");
  assert_string_equal(cell(&t, row, "id"), J("%lld", id));
  assert_string_equal(cell(&t, row, "short_name"), TRICKY);
  assert_string_equal(cell(&t, row, "full_name"), FULL);
  assert_string_equal(cell(&t, row, "address"), " 601900, г. Ковров ");
  assert_string_equal(cell(&t, row, "municipality.name"), "Ковровский район");
  assert_string_equal(cell(&t, row, "phone"), "");
  /* Sorted as the list: by short name. */
  assert_string_equal(cell(&t, 1, "code"), "csv-10");
  assert_string_equal(cell(&t, 3, "code"), "csv-12");
  json_decref(t.rows);

  /* The raw text: the quoted name, CRLF, ';'. */
  const char *h[] = {"Accept: text/csv", NULL};
  struct http_reply *r =
      http_request("GET", J("/api/v1/schools?q=%s", esc("филиал")), NULL, h);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, ";\"МБОУ \"\"СОШ № 10\"\"; филиал\";"));
  assert_non_null(strstr(r->body, ";\" 601900, г. Ковров \";"));
  assert_true(strncmp(r->body, BOM "id;", 6) == 0);
  assert_true(r->len > 2 && strcmp(r->body + r->len - 2, "\r\n") == 0);
  http_reply_free(r);
}

static void test_risk_profiles(void **state) {
  (void)state;
  long long id = tricky_school();
  db_exec("INSERT INTO risk_profiles (school_id, school_year, version)"
          " VALUES (%lld, 2024, 1);"
          " INSERT INTO risk_profile_entries (school_id, school_year,"
          " factor_code, level, source) VALUES (%lld, 2024, 'RF02', 'high',"
          " 'curator'), (%lld, 2024, 'RF05', 'low', 'curator')",
          id, id, id);
  struct table t = get_table("/api/v1/risk-profiles?year=2024&limit=1");
  assert_int_equal(json_array_size(t.rows), 3);
  const char *want[] = {"id",
                        "school.id",
                        "school.code",
                        "school.short_name",
                        "school.municipality_id",
                        "year",
                        "factor",
                        "level",
                        "source",
                        "updated_at"};
  assert_int_equal(json_array_size(json_array_get(t.rows, 0)),
                   sizeof want / sizeof want[0]);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    assert_string_equal(
        json_string_value(json_array_get(json_array_get(t.rows, 0), i)),
        want[i]);
  size_t row = row_where(&t, "factor", "RF02");
  assert_string_equal(cell(&t, row, "school.short_name"), TRICKY);
  assert_string_equal(cell(&t, row, "school.code"), "csv-10");
  assert_string_equal(cell(&t, row, "school.id"), J("%lld", id));
  assert_string_equal(cell(&t, row, "year"), "2024");
  assert_string_equal(cell(&t, row, "level"), "high");
  json_decref(t.rows);
}

static void test_indicator_values(void **state) {
  (void)state;
  long long id = tricky_school();
  db_exec("BEGIN; SELECT indicator_values_lock();"
          " INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES"
          " (%lld, 'STAFFING_LEVEL', '2023/24', '97.1', 'submission',"
          "  nextval('indicator_change_seq')),"
          " (%lld, 'ROADMAP_URL', '2023/24',"
          "  '\"https://school10.example/карта?a=1;b=2\"', 'submission',"
          "  nextval('indicator_change_seq')),"
          " (%lld, 'ASSESSMENT_RESULTS_REPORT', '2023/24',"
          "  '\"Итоги ВПР:\\r\\nрусский язык — «хорошо»\"', 'submission',"
          "  nextval('indicator_change_seq')); COMMIT",
          id, id, id);
  struct table t = get_table("/api/v1/indicator-values?limit=1");
  assert_int_equal(json_array_size(t.rows), 4);
  const char *want[] = {"id",
                        "school.id",
                        "school.code",
                        "school.short_name",
                        "school.municipality_id",
                        "indicator",
                        "period",
                        "value",
                        "source",
                        "reason",
                        "change_no",
                        "updated_at",
                        "withdrawn"};
  assert_int_equal(json_array_size(json_array_get(t.rows, 0)),
                   sizeof want / sizeof want[0]);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    assert_string_equal(
        json_string_value(json_array_get(json_array_get(t.rows, 0), i)),
        want[i]);
  size_t row = row_where(&t, "indicator", "STAFFING_LEVEL");
  assert_string_equal(cell(&t, row, "value"), "97.1");
  assert_string_equal(cell(&t, row, "school.short_name"), TRICKY);
  assert_string_equal(cell(&t, row, "reason"), "");
  row = row_where(&t, "indicator", "ROADMAP_URL");
  assert_string_equal(cell(&t, row, "value"),
                      "https://school10.example/карта?a=1;b=2");
  row = row_where(&t, "indicator", "ASSESSMENT_RESULTS_REPORT");
  assert_string_equal(cell(&t, row, "value"),
                      "Итоги ВПР:\r\nрусский язык — «хорошо»");
  json_decref(t.rows);
  /* A school's time series as a table. */
  t = get_table(J("/api/v1/schools/%lld/indicators", id));
  assert_int_equal(json_array_size(t.rows), 4);
  assert_string_equal(cell(&t, 1, "indicator"), "ASSESSMENT_RESULTS_REPORT");
  assert_string_equal(cell(&t, 3, "value"), "97.1");
  json_decref(t.rows);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_schools),
      cmocka_unit_test(test_risk_profiles),
      cmocka_unit_test(test_indicator_values),
  };
  harness_start("csv");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
