/* Lists as tables (openapi.yaml, "Tables"): with Accept: text/csv every
 * list answers UTF-8 with a BOM, ';'-separated, CRLF, the header row of its
 * own columns (also when empty), every page at once, as a download named in
 * Content-Disposition. Headers are Russian, numbers have a decimal comma,
 * booleans are да/нет; `columns=keys` gives the keys and JSON's forms. Text
 * cells that Excel would run as a formula get an apostrophe; numbers do
 * not. The tables are read back with a strict reader here: what Excel would
 * see. */
#include <stdbool.h>
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

/* Content-Disposition: attachment; filename="<stem>YYYY-MM-DD.csv". */
static void assert_download(const struct http_reply *r, const char *stem) {
  const char *d = http_header(r, "Content-Disposition");
  if (d == NULL)
    fail_msg("%s: no Content-Disposition", r->path);
  char want[160];
  snprintf(want, sizeof want, "attachment; filename=\"%s", stem);
  size_t n = strlen(want);
  if (strncmp(d, want, n) != 0 || strlen(d) != n + 15 ||
      strcmp(d + n + 10, ".csv\"") != 0 || d[n + 4] != '-' || d[n + 7] != '-')
    fail_msg("%s: Content-Disposition %s, want %s<date>.csv\"", r->path, d,
             want);
}

static struct table get_table_as(const char *path, const char *accept) {
  char header[64];
  snprintf(header, sizeof header, "Accept: %s", accept);
  const char *h[] = {header, NULL};
  struct http_reply *r = http_request("GET", path, NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->content_type, "text/csv; charset=utf-8");
  assert_non_null(http_header(r, "Content-Disposition"));
  struct table t = read_table(r->body);
  http_reply_free(r);
  return t;
}

static struct table get_table(const char *path) {
  return get_table_as(path, "text/csv");
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

/* The header row of the text/csv example of operation op in the served
 * spec (its first line, after the BOM). Caller frees. */
static char *spec_header(const char *op) {
  static char *spec;
  if (spec == NULL) {
    struct http_reply *r = http_get("/api/v1/openapi.yaml");
    assert_status(r, 200);
    spec = strdup(r->body);
    http_reply_free(r);
  }
  char marker[96];
  snprintf(marker, sizeof marker, "operationId: %s\n", op);
  const char *at = strstr(spec, marker);
  if (at == NULL)
    fail_msg("no operation %s in the spec", op);
  const char *csv = strstr(at, "text/csv:");
  const char *next_op = strstr(at + strlen(marker), "operationId:");
  if (csv == NULL || (next_op != NULL && csv > next_op))
    fail_msg("%s declares no text/csv answer", op);
  /* The table is the `example`, or the first of the `examples`. */
  const char *start = strstr(csv, "\"\\uFEFF");
  if (start == NULL || (next_op != NULL && start > next_op))
    fail_msg("%s: no example table", op);
  start += strlen("\"\\uFEFF");
  const char *end = strstr(start, "\\r\\n");
  return strndup(start, (size_t)(end - start));
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

/* A draft roadmap of school `owner`, with no items. */
static long long draft_roadmap(long long owner) {
  return db_count("INSERT INTO roadmaps (owner_school_id, kind, title,"
                  " period_from, period_to) VALUES (%lld, 'school_roadmap',"
                  " 'Дорожная карта', '2021-01-01', '2021-12-31') RETURNING id",
                  owner);
}

/* An open campaign of the Kovrov region that asks no school. */
static long long empty_campaign(void) {
  return db_count("INSERT INTO campaigns (title, period, region_id, opens_on,"
                  " deadline, status) VALUES ('Пустой мониторинг', '2024/25',"
                  " %lld, current_date - 1, current_date + 14, 'open')"
                  " RETURNING id",
                  kovrov().region_id);
}

struct csv_list {
  const char *op;             /* its operationId */
  const char *path;           /* a query that finds nothing */
  const char *file;           /* the start of the download's name */
  bool in_empty_municipality; /* asked by a user of a municipality with no
                                 school */
};

/* Every list that answers a table, asked for nothing: its header row
 * alone, the one its spec shows, and a download name. */
static void test_every_list_empty(void **state) {
  (void)state;
  long long m = create_municipality(kovrov().region_id, uniq("33"), "Пустой");
  long long s = create_school(
      create_municipality(kovrov().region_id, uniq("33"), "Одна школа"), NULL,
      "МБОУ Пустая");
  long long roadmap = draft_roadmap(s), campaign = empty_campaign();
  const char *empty_user = make_token("municipal", "municipality", m);
  const struct csv_list lists[] = {
      {"listUsers", "/users?q=nobody-at-all", "users-", false},
      {"listClients", "/clients?active=false", "clients-", false},
      {"listRegions", "/regions?q=nowhere", "regions-", false},
      {"listMunicipalities", "/municipalities?q=nowhere", "municipalities-",
       false},
      {"listSchools", "/schools?q=nothing-like-it", "schools-", false},
      {"listSchoolStatuses", J("/schools/%lld/statuses", s),
       J("school-statuses-%lld-", s), false},
      {"listSchoolCurators", J("/schools/%lld/curators", s),
       J("school-curators-%lld-", s), false},
      {"listSchoolPartners", J("/schools/%lld/partners", s),
       J("school-partners-%lld-", s), false},
      {"listRiskFactors", "/risk-factors?active=false", "risk-factors-", false},
      {"getRiskProfileHistory", J("/schools/%lld/risk-profile/history", s),
       J("risk-profile-history-%lld-", s), false},
      {"listRiskProfiles", J("/risk-profiles?municipality=%lld", m),
       "risk-profiles-", false},
      {"listRoadmaps", J("/roadmaps?municipality=%lld", m), "roadmaps-", false},
      {"listRoadmapItems", J("/roadmaps/%lld/items", roadmap),
       J("roadmap-items-%lld-", roadmap), false},
      {"searchRoadmapItems", J("/roadmap-items?roadmap=%lld", roadmap),
       "roadmap-items-", false},
      {"listIndicators", "/indicators?active=false", "indicators-", false},
      {"getIndicatorAggregate",
       "/indicators/TEACHERS_YOUNG_SHARE/aggregate?period=2023%2F24",
       "indicator-aggregate-TEACHERS_YOUNG_SHARE-2023-24-", true},
      {"listCampaigns", "/monitoring/campaigns?period=2001%2F02", "campaigns-",
       false},
      {"getCampaignCompleteness",
       J("/monitoring/campaigns/%lld/completeness", campaign),
       J("campaign-completeness-%lld-", campaign), false},
      {"getMonitoringDue", "/monitoring/due", "monitoring-due-", true},
      {"listSubmissions", J("/monitoring/campaigns/%lld/submissions", campaign),
       J("campaign-submissions-%lld-", campaign), false},
      {"listSchoolSubmissions",
       J("/schools/%lld/submissions?state=accepted", s),
       J("school-submissions-%lld-", s), false},
      {"listIndicatorValues", "/indicator-values?indicator=NO_SUCH_CODE",
       "indicator-values-", false},
      {"getSchoolIndicators", J("/schools/%lld/indicators", s),
       J("school-indicators-%lld-", s), false},
      {"listAssessments", "/assessments?year=2001", "assessments-", false},
      {"listSchoolAssessments", J("/schools/%lld/assessments", s),
       J("school-assessments-%lld-", s), false},
  };
  /* J's buffers are reused: keep copies. */
  size_t n = sizeof lists / sizeof lists[0];
  char *paths[sizeof lists / sizeof lists[0]];
  char *files[sizeof lists / sizeof lists[0]];
  for (size_t i = 0; i < n; i++) {
    paths[i] = malloc(strlen(lists[i].path) + 8);
    sprintf(paths[i], "/api/v1%s", lists[i].path);
    files[i] = strdup(lists[i].file);
  }
  const char *h[] = {"Accept: text/csv", NULL};
  for (size_t i = 0; i < n; i++) {
    const char *admin =
        lists[i].in_empty_municipality ? use_token(empty_user) : NULL;
    struct http_reply *r = http_request("GET", paths[i], NULL, h);
    if (admin != NULL)
      use_token(admin);
    assert_status(r, 200);
    assert_string_equal(r->content_type, "text/csv; charset=utf-8");
    assert_download(r, files[i]);
    char *header = spec_header(lists[i].op);
    char *want = malloc(strlen(header) + 8);
    sprintf(want, BOM "%s\r\n", header);
    if (strcmp(r->body, want) != 0)
      fail_msg("%s (%s): %s, want %s", lists[i].op, paths[i], r->body, want);
    free(want);
    free(header);
    http_reply_free(r);
    free(paths[i]);
    free(files[i]);
  }
}

static void test_schools(void **state) {
  (void)state;
  long long id = tricky_school();
  create_school(kovrov().municipality_id, "csv-11", "МБОУ СОШ № 11");
  create_school(kovrov().municipality_id, "csv-12", "МБОУ СОШ № 12");
  /* Every page at once: the limit is the JSON pages'. */
  struct table t = get_table(
      J("/api/v1/schools?municipality=%lld&limit=1", kovrov().municipality_id));
  assert_int_equal(json_array_size(t.rows), 4);
  size_t row = row_where(&t, "Код", "csv-10");
  assert_string_equal(cell(&t, row, "ID"), J("%lld", id));
  assert_string_equal(cell(&t, row, "Краткое наименование"), TRICKY);
  assert_string_equal(cell(&t, row, "Полное наименование"), FULL);
  assert_string_equal(cell(&t, row, "Адрес"), " 601900, г. Ковров ");
  assert_string_equal(cell(&t, row, "Муниципалитет"), "Ковровский район");
  assert_string_equal(cell(&t, row, "Телефон"), "");
  /* Sorted as the list: by short name. */
  assert_string_equal(cell(&t, 1, "Код"), "csv-10");
  assert_string_equal(cell(&t, 3, "Код"), "csv-12");
  json_decref(t.rows);

  /* The raw text: the quoted name, CRLF, ';', the download's name. */
  const char *h[] = {"Accept: text/csv", NULL};
  struct http_reply *r =
      http_request("GET", J("/api/v1/schools?q=%s", esc("филиал")), NULL, h);
  assert_status(r, 200);
  assert_download(r, "schools-");
  assert_non_null(strstr(r->body, ";\"МБОУ \"\"СОШ № 10\"\"; филиал\";"));
  assert_non_null(strstr(r->body, ";\" 601900, г. Ковров \";"));
  assert_true(strncmp(r->body, BOM "ID;Код;", 10) == 0);
  assert_true(r->len > 2 && strcmp(r->body + r->len - 2, "\r\n") == 0);
  http_reply_free(r);

  /* For scripts: the keys as headers. */
  t = get_table_as(
      J("/api/v1/schools?municipality=%lld", kovrov().municipality_id),
      "text/csv; columns=keys");
  assert_string_equal(
      json_string_value(json_array_get(json_array_get(t.rows, 0), 0)), "id");
  row = row_where(&t, "code", "csv-10");
  assert_string_equal(cell(&t, row, "short_name"), TRICKY);
  assert_string_equal(cell(&t, row, "municipality.name"), "Ковровский район");
  json_decref(t.rows);
}

/* Text that Excel would run as a formula comes out with an apostrophe;
 * a negative number stays a number. */
static void test_formula_injection(void **state) {
  (void)state;
  const char *names[] = {"=HYPERLINK(1)", "+7 495", "-2+3", "@SUM(A1)",
                         "\\u0027=1+2",   NULL}; /* J: a literal ' */
  const char *written[] = {"'=HYPERLINK(1)", "'+7 495", "'-2+3",
                           "'@SUM(A1)",      "''=1+2",  NULL};
  long long m = create_municipality(kovrov().region_id, uniq("33"), "Формулы");
  long long ids[5];
  for (int i = 0; names[i] != NULL; i++)
    ids[i] = create_school(m, NULL, names[i]);
  struct table t = get_table(J("/api/v1/schools?municipality=%lld", m));
  for (int i = 0; names[i] != NULL; i++)
    assert_string_equal(cell(&t, row_where(&t, "ID", J("%lld", ids[i])),
                             "Краткое наименование"),
                        written[i]);
  json_decref(t.rows);

  /* A value typed as a number is a number; the same text as text is
   * guarded. */
  db_exec("BEGIN; SELECT indicator_values_lock();"
          " INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES"
          " (%lld, 'TEACHER_VACANCIES', '2023/24', '-5', 'submission',"
          "  nextval('indicator_change_seq')),"
          " (%lld, 'ASSESSMENT_RESULTS_REPORT', '2023/24', '\"-5 баллов\"',"
          "  'submission', nextval('indicator_change_seq')); COMMIT",
          ids[0], ids[0]);
  t = get_table(J("/api/v1/indicator-values?school=%lld", ids[0]));
  assert_string_equal(
      cell(&t, row_where(&t, "Показатель", "TEACHER_VACANCIES"), "Значение"),
      "-5");
  assert_string_equal(
      cell(&t, row_where(&t, "Показатель", "ASSESSMENT_RESULTS_REPORT"),
           "Значение"),
      "'-5 баллов");
  assert_string_equal(cell(&t, 1, "Школа"), "'=HYPERLINK(1)");
  json_decref(t.rows);
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
  char *header = spec_header("listRiskProfiles");
  char joined[1024] = "";
  size_t i;
  json_t *f;
  json_array_foreach(json_array_get(t.rows, 0), i, f) {
    if (i > 0)
      strcat(joined, ";");
    strcat(joined, json_string_value(f));
  }
  assert_string_equal(joined, header);
  free(header);
  size_t row = row_where(&t, "Фактор риска", "RF02");
  assert_string_equal(cell(&t, row, "Школа"), TRICKY);
  assert_string_equal(cell(&t, row, "Код школы"), "csv-10");
  assert_string_equal(cell(&t, row, "ID школы"), J("%lld", id));
  assert_string_equal(cell(&t, row, "Учебный год"), "2024");
  assert_string_equal(cell(&t, row, "Уровень"), "high");
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
          " (%lld, 'FEDERAL_PROJECTS_PARTICIPATION', '2023/24', 'true',"
          "  'submission', nextval('indicator_change_seq')),"
          " (%lld, 'ROADMAP_URL', '2023/24',"
          "  '\"https://school10.example/карта?a=1;b=2\"', 'submission',"
          "  nextval('indicator_change_seq')),"
          " (%lld, 'ASSESSMENT_RESULTS_REPORT', '2023/24',"
          "  '\"Итоги ВПР:\\r\\nрусский язык — «хорошо»\"', 'submission',"
          "  nextval('indicator_change_seq')); COMMIT",
          id, id, id, id);
  struct table t = get_table(J("/api/v1/indicator-values?school=%lld", id));
  assert_int_equal(json_array_size(t.rows), 5);
  /* For people: a decimal comma, да/нет. */
  size_t row = row_where(&t, "Показатель", "STAFFING_LEVEL");
  assert_string_equal(cell(&t, row, "Значение"), "97,1");
  assert_string_equal(cell(&t, row, "Школа"), TRICKY);
  assert_string_equal(cell(&t, row, "Основание"), "");
  row = row_where(&t, "Показатель", "FEDERAL_PROJECTS_PARTICIPATION");
  assert_string_equal(cell(&t, row, "Значение"), "да");
  row = row_where(&t, "Показатель", "ROADMAP_URL");
  assert_string_equal(cell(&t, row, "Значение"),
                      "https://school10.example/карта?a=1;b=2");
  row = row_where(&t, "Показатель", "ASSESSMENT_RESULTS_REPORT");
  assert_string_equal(cell(&t, row, "Значение"),
                      "Итоги ВПР:\r\nрусский язык — «хорошо»");
  json_decref(t.rows);
  /* For scripts: JSON's forms. */
  t = get_table_as(J("/api/v1/indicator-values?school=%lld", id),
                   "text/csv;columns=keys");
  assert_string_equal(
      cell(&t, row_where(&t, "indicator", "STAFFING_LEVEL"), "value"), "97.1");
  assert_string_equal(
      cell(&t, row_where(&t, "indicator", "FEDERAL_PROJECTS_PARTICIPATION"),
           "value"),
      "true");
  json_decref(t.rows);
  /* A school's time series as a table. */
  t = get_table(J("/api/v1/schools/%lld/indicators", id));
  assert_int_equal(json_array_size(t.rows), 5);
  assert_string_equal(cell(&t, 1, "Показатель"), "ASSESSMENT_RESULTS_REPORT");
  assert_string_equal(cell(&t, 4, "Значение"), "97,1");
  json_decref(t.rows);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_list_empty),
      cmocka_unit_test(test_schools),
      cmocka_unit_test(test_formula_injection),
      cmocka_unit_test(test_risk_profiles),
      cmocka_unit_test(test_indicator_values),
  };
  harness_start("csv");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
