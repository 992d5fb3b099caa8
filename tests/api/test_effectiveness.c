/* GET /programmes/{id}/effectiveness (docs/EFFECTIVENESS.md) on a
 * hand-built cohort: every rule indicator's figure, per school, per
 * municipality and in total, against a plain SQL computation of its rule
 * written here (not the server's functions); the schools that do not count
 * and why; the trend; the municipality filter; the callers' scopes and the
 * region's comparison; bad parameters; the CSV table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define YEAR 2024 /* school year 2024/25: exams of 2025 */

/* Schools: a1, a2, a3 in m1; b1, b2 in m2; c1 (m1) without a status; x1
 * of another region. In 2024 a1, a2 (excluded later), a3, b1 are ШНОР or
 * ШНСУ, b2 only of the risk group; in 2023 a1 and b2. */
enum { A1, A2, A3, B1, B2, C1, X1, N_SCHOOLS };
static const char *const school_code[N_SCHOOLS] = {
    "ef-a1", "ef-a2", "ef-a3", "ef-b1", "ef-b2", "ef-c1", "ef-x1"};

static struct {
  long long region, other_region, m1, m2, mx;
  long long s[N_SCHOOLS];
  long long programme;        /* the region's, 2023-2026, every rule */
  long long muni_programme;   /* m1's, GIA only */
  long long school_programme; /* a1's own, GIA only */
  long long roadmap;          /* the programme's own plan, of m1 */
  char admin[64];
} fx;

/* --- fixtures ------------------------------------------------------------ */

static long long instrument(const char *kind, int year, int grade,
                            const char *subject) {
  return db_count("INSERT INTO assessments (kind, year, grade, subject_code,"
                  " subject_name, max_primary_score, tasks) VALUES ('%s', %d,"
                  " %d, '%s', '%s', 30, '[]') RETURNING id",
                  kind, year, grade, subject, subject);
}

static void stat(long long assessment, int school, int participants, int failed,
                 int primary_sum) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums,"
          " score_counts, journal_known, confirmed, lowered, raised)"
          " VALUES (%lld, %lld, %d, '{0,0,0,0}', %d, %d, '{}', '{}', 0, 0,"
          " 0, 0)",
          assessment, fx.s[school], participants, failed, primary_sum);
}

static void value(int school, const char *code, const char *period,
                  const char *json) {
  db_exec("INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES (%lld, '%s', '%s', '%s',"
          " 'submission', nextval('indicator_change_seq'))",
          fx.s[school], code, period, json);
}

static long long roadmap(const char *owner_column, long long owner,
                         const char *kind) {
  return db_count("INSERT INTO roadmaps (%s, kind, title, period_from,"
                  " period_to) VALUES (%lld, '%s', 'ef дорожная карта',"
                  " '2023-09-01', '2027-08-31') RETURNING id",
                  owner_column, owner, kind);
}

/* due: a date as SQL ('2024-10-01' or current_date + 1); completed: SQL. */
static void item(long long roadmap_id, const char *due, const char *status,
                 const char *completed) {
  db_exec("INSERT INTO roadmap_items (roadmap_id, position, activity,"
          " schedule, status, completed_on) SELECT %lld,"
          " coalesce(max(position), 0) + 1, 'ef мероприятие',"
          " jsonb_build_object('kind', 'date', 'date', (%s)::date, 'due',"
          " (%s)::date), '%s', %s FROM roadmap_items WHERE roadmap_id = %lld",
          roadmap_id, due, due, status, completed, roadmap_id);
}

static void statuses(void) {
  static const struct {
    int school;
    const char *category;
    int year;
    const char *excluded;
  } rows[] = {{A1, "SHNOR", 2024, NULL},      {A2, "SHNSU", 2024, "2025-03-01"},
              {A3, "SHNOR", 2024, NULL},      {B1, "SHNOR", 2024, NULL},
              {B2, "RISK_GROUP", 2024, NULL}, {A1, "SHNOR", 2023, NULL},
              {B2, "SHNOR", 2023, NULL},      {X1, "SHNOR", 2024, NULL}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    db_exec("INSERT INTO school_statuses (school_id, category, school_year,"
            " basis, included_on, excluded_on, exclusion_reason) VALUES"
            " (%lld, '%s', %d, 'приказ', '%d-09-01', %s%s%s, %s)",
            fx.s[rows[i].school], rows[i].category, rows[i].year, rows[i].year,
            rows[i].excluded ? "'" : "",
            rows[i].excluded ? rows[i].excluded : "NULL",
            rows[i].excluded ? "'" : "",
            rows[i].excluded ? "'вышла из перечня'" : "NULL");
}

static void assessments(void) {
  long long oge25 = instrument("OGE", 2025, 9, "math");
  long long ege25 = instrument("EGE", 2025, 11, "rus");
  long long oge24 = instrument("OGE", 2024, 9, "math");
  long long vpr25 = instrument("VPR", 2025, 5, "math");
  long long vpr24 = instrument("VPR", 2024, 5, "math");
  long long vpr25r = instrument("VPR", 2025, 6, "rus");
  stat(oge25, A1, 20, 2, 300);
  stat(ege25, A1, 10, 1, 200);
  stat(oge24, A1, 20, 4, 250);
  stat(vpr25, A1, 25, 3, 400);
  stat(vpr24, A1, 25, 5, 380);
  stat(oge25, A2, 10, 5, 80);
  stat(oge24, A2, 12, 2, 150);
  stat(vpr25, A3, 4, 0, 50); /* too few to compare */
  stat(vpr24, A3, 30, 5, 300);
  stat(ege25, B1, 8, 0, 160);
  stat(vpr25r, B1, 20, 2, 200); /* no 2024 work to compare with */
  stat(oge25, B2, 15, 1, 250);  /* not of the 2024 cohort */
  stat(oge24, B2, 16, 3, 200);
  stat(oge25, X1, 30, 0, 600); /* another region */
}

static void values(void) {
  value(A1, "TEACHERS_TRAINED_SHARE", "2024/25", "50");
  value(A1, "TEACHERS_TOTAL", "2024/25", "40");
  value(A2, "TEACHERS_TRAINED_SHARE", "2024/25", "25");
  value(A2, "TEACHERS_TOTAL", "2024/25", "20");
  value(B1, "TEACHERS_TRAINED_SHARE", "2024/25", "80");
  value(B1, "TEACHERS_TOTAL", "2024/25", "19");
  value(A3, "TEACHERS_TOTAL", "2024/25", "12"); /* no share */
  value(A1, "STAFFING_LEVEL", "2024/25", "80");
  value(A2, "STAFFING_LEVEL", "2024/25", "0"); /* no base to derive */
  value(B1, "STAFFING_LEVEL", "2024/25", "95");
  value(A1, "TRUANCY_SHARE", "2024/25", "10"); /* pupils: its context */
  value(A2, "TRUANCY_SHARE", "2024/25", "5");  /* pupils: the registry */
  value(A3, "TRUANCY_SHARE", "2024/25", "2");  /* no pupils anywhere */
  db_exec("INSERT INTO school_contexts (school_id, school_year, pupils)"
          " VALUES (%lld, 2024, 200), (%lld, 2023, 999)",
          fx.s[A1], fx.s[A2]);
  db_exec("UPDATE schools SET students_count = 300 WHERE id = %lld", fx.s[A2]);
  db_exec("UPDATE schools SET students_count = NULL WHERE id = %lld", fx.s[A3]);
  value(A1, "EQUAL_ACCESS_PROVIDED", "2024/25", "true");
  value(A2, "EQUAL_ACCESS_PROVIDED", "2024/25", "false");
  value(B1, "EQUAL_ACCESS_PROVIDED", "2024/25", "true");
  value(A1, "RISK_GROUP_SYSTEM", "2024/25", "false");
  value(B1, "RISK_GROUP_SYSTEM", "2024/25", "true");
  value(A1, "ADDITIONAL_EDUCATION_SHARE", "2024/25", "60");
  value(A1, "ADDITIONAL_EDUCATION_SHARE", "2023/24", "50");
  value(A2, "ADDITIONAL_EDUCATION_SHARE", "2024/25", "40");
  value(A2, "ADDITIONAL_EDUCATION_SHARE", "2023/24", "45");
  value(B1, "ADDITIONAL_EDUCATION_SHARE", "2024/25", "70");
  value(A3, "ADDITIONAL_EDUCATION_SHARE", "2023/24", "30");
}

static void roadmaps(void) {
  long long a1 = roadmap("owner_school_id", fx.s[A1], "school_roadmap");
  item(a1, "'2024-10-01'", "done", "'2024-09-30'"); /* on time */
  item(a1, "'2024-11-01'", "done", "'2024-11-15'"); /* late */
  item(a1, "'2024-12-01'", "planned", "NULL");      /* not done */
  item(a1, "'2024-12-15'", "cancelled", "NULL");    /* left out */
  item(a1, "'2023-12-01'", "done", "'2023-11-01'"); /* another year */
  long long b1 = roadmap("owner_school_id", fx.s[B1], "school_roadmap");
  item(b1, "'2025-02-01'", "done", "'2025-02-01'");
  fx.roadmap = roadmap("owner_municipality_id", fx.m1, "municipal_programme");
  item(fx.roadmap, "'2025-01-10'", "done", "'2025-01-05'");
  item(fx.roadmap, "'2025-01-20'", "in_progress", "NULL");
}

static long long programme(const char *owner_column, long long owner,
                           long long roadmap_id, const char *codes) {
  long long id = db_count(
      "INSERT INTO programmes (title, %s, year_from, year_to, roadmap_id)"
      " VALUES ('ef программа', %lld, 2023, 2026, %s) RETURNING id",
      owner_column, owner, roadmap_id ? J("%lld", roadmap_id) : "NULL");
  db_exec("INSERT INTO programme_targets (programme_id, indicator_code,"
          " baseline_year, baseline_value, targets) SELECT %lld, code, 2022,"
          " 50, '{\"2024\": 60, \"2025\": 70}' FROM indicators"
          " WHERE form = 'rule' AND code ~ '%s'",
          id, codes);
  return id;
}

static void setup(void) {
  snprintf(fx.admin, sizeof fx.admin, "%s", use_token(NULL));
  use_token(fx.admin);
  fx.region = create_region("ef-r", "ef Регион");
  fx.other_region = create_region("ef-rx", "ef Другой регион");
  fx.m1 = create_municipality(fx.region, "ef-m1", "ef Алексеевский район");
  fx.m2 = create_municipality(fx.region, "ef-m2", "ef Вязниковский район");
  fx.mx = create_municipality(fx.other_region, "ef-mx", "ef Чужой район");
  static const int in_m2[N_SCHOOLS] = {[B1] = 1, [B2] = 1};
  for (int i = 0; i < N_SCHOOLS; i++)
    fx.s[i] = create_school(i == X1    ? fx.mx
                            : in_m2[i] ? fx.m2
                                       : fx.m1,
                            school_code[i], J("%s школа", school_code[i]));
  statuses();
  assessments();
  values();
  roadmaps();
  /* Every rule but the classes' (tests/api/test_effectiveness_classes.c). */
  fx.programme = programme("owner_region_id", fx.region, fx.roadmap,
                           "^(?!IMPROVED_CLASSES_SHARE$)");
  fx.muni_programme =
      programme("owner_municipality_id", fx.m1, 0, "^GIA_PASSED_SHARE$");
  fx.school_programme =
      programme("owner_school_id", fx.s[A1], 0, "^GIA_PASSED_SHARE$");
}

/* --- the direct computation ---------------------------------------------- */

/* printf into one of a few static buffers (J() would turn ' into "). */
static const char *sql(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static const char *sql(const char *fmt, ...) {
  static char ring[4][8192];
  static int next;
  char *out = ring[next++ % 4];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out, sizeof ring[0], fmt, ap);
  va_end(ap);
  return out;
}

/* The cohort of a year in the region (and municipality, when not 0). */
static const char *cohort(int year, long long municipality) {
  return sql("WITH cohort AS (SELECT s.id FROM schools s JOIN municipalities m"
             " ON m.id = s.municipality_id WHERE m.region_id = %lld"
             " AND (%lld = 0 OR s.municipality_id = %lld)"
             " AND s.id IN (SELECT school_id FROM school_statuses"
             " WHERE school_year = %d AND category IN ('SHNOR', 'SHNSU')))",
             fx.region, municipality, municipality, year);
}

/* Per school (numerator n, denominator d; NULL: not counted), for the
 * cohort school c.id: one plain query per rule. */
static const char *const rule_sql[][2] = {
    {"GIA_PASSED_SHARE",
     "SELECT c.id, x.n, x.d FROM cohort c LEFT JOIN (SELECT st.school_id,"
     " sum(st.participants - st.failed) AS n, sum(st.participants) AS d"
     " FROM assessment_school_stats st JOIN assessments a"
     " ON a.id = st.assessment_id WHERE a.kind IN ('OGE', 'EGE')"
     " AND a.year = %d + 1 GROUP BY st.school_id) x ON x.school_id = c.id"},
    {"IMPROVED_RESULTS",
     "SELECT c.id, x.n, x.d FROM cohort c LEFT JOIN (SELECT now.school_id,"
     " CASE WHEN sum(now.failed)::numeric / sum(now.participants)"
     "  < sum(was.failed)::numeric / sum(was.participants)"
     "  AND sum(now.primary_sum)::numeric / sum(now.participants * 30)"
     "  > sum(was.primary_sum)::numeric / sum(was.participants * 30)"
     "  THEN 1 ELSE 0 END AS n, 1 AS d"
     " FROM assessment_school_stats now"
     " JOIN assessments an ON an.id = now.assessment_id"
     " JOIN assessments aw ON aw.kind = an.kind AND aw.grade = an.grade"
     "  AND aw.subject_code = an.subject_code"
     "  AND aw.variant_set = an.variant_set AND aw.year = an.year - 1"
     " JOIN assessment_school_stats was ON was.assessment_id = aw.id"
     "  AND was.school_id = now.school_id"
     " WHERE an.year = %d + 1 AND now.participants >= 5"
     "  AND was.participants >= 5 GROUP BY now.school_id) x"
     " ON x.school_id = c.id"},
    {"TEACHERS_TRAINED_COHORT_SHARE",
     "SELECT c.id, sh.value::text::numeric * b.value::text::numeric / 100,"
     " b.value::text::numeric FROM cohort c"
     " JOIN indicator_values sh ON sh.school_id = c.id"
     "  AND sh.indicator_code = 'TEACHERS_TRAINED_SHARE'"
     "  AND sh.period = '%d/25'"
     " JOIN indicator_values b ON b.school_id = c.id"
     "  AND b.indicator_code = 'TEACHERS_TOTAL' AND b.period = sh.period"},
    {"STAFFING_COHORT_LEVEL",
     "SELECT c.id, b.value::text::numeric,"
     " b.value::text::numeric * 100 / sh.value::text::numeric FROM cohort c"
     " JOIN indicator_values sh ON sh.school_id = c.id"
     "  AND sh.indicator_code = 'STAFFING_LEVEL' AND sh.period = '%d/25'"
     "  AND sh.value::text::numeric > 0"
     " JOIN indicator_values b ON b.school_id = c.id"
     "  AND b.indicator_code = 'TEACHERS_TOTAL' AND b.period = sh.period"},
    {"TRUANCY_COHORT_SHARE",
     "SELECT c.id, sh.value::text::numeric * x.pupils / 100, x.pupils"
     " FROM cohort c JOIN indicator_values sh ON sh.school_id = c.id"
     "  AND sh.indicator_code = 'TRUANCY_SHARE' AND sh.period = '%d/25'"
     " JOIN (SELECT s.id, coalesce((SELECT pupils FROM school_contexts"
     "  WHERE school_id = s.id AND school_year = 2024), s.students_count)"
     "  AS pupils FROM schools s) x ON x.id = c.id AND x.pupils IS NOT NULL"},
    {"EQUAL_ACCESS_SCHOOLS_SHARE",
     "SELECT c.id, CASE WHEN v.value = 'true' THEN 1 ELSE 0 END, 1"
     " FROM cohort c JOIN indicator_values v ON v.school_id = c.id"
     "  AND v.indicator_code = 'EQUAL_ACCESS_PROVIDED'"
     "  AND v.period = '%d/25'"},
    {"RISK_GROUP_SYSTEM_SCHOOLS_SHARE",
     "SELECT c.id, CASE WHEN v.value = 'true' THEN 1 ELSE 0 END, 1"
     " FROM cohort c JOIN indicator_values v ON v.school_id = c.id"
     "  AND v.indicator_code = 'RISK_GROUP_SYSTEM' AND v.period = '%d/25'"},
    {"ADDITIONAL_EDUCATION_DYNAMICS_SHARE",
     "SELECT c.id, CASE WHEN now.value::text::numeric"
     "  > was.value::text::numeric THEN 1 ELSE 0 END, 1 FROM cohort c"
     " JOIN indicator_values now ON now.school_id = c.id"
     "  AND now.indicator_code = 'ADDITIONAL_EDUCATION_SHARE'"
     "  AND now.period = '%d/25'"
     " JOIN indicator_values was ON was.school_id = c.id"
     "  AND was.indicator_code = now.indicator_code"
     "  AND was.period = '2023/24'"},
    {"ROADMAP_ITEMS_ON_TIME_SHARE",
     "SELECT c.id, count(*) FILTER (WHERE i.status = 'done'"
     "  AND i.completed_on <= (i.schedule->>'due')::date), count(*)"
     " FROM cohort c JOIN roadmaps r ON r.owner_school_id = c.id"
     " JOIN roadmap_items i ON i.roadmap_id = r.id"
     " WHERE i.status <> 'cancelled' AND (i.schedule->>'due')::date"
     "  BETWEEN make_date(%d, 9, 1) AND '2025-08-31' GROUP BY c.id"},
};
#define N_RULES (sizeof rule_sql / sizeof rule_sql[0])

/* "id:n/d" for a counted school, "id:-" for one that does not count, by
 * id; the numbers to two decimals. */
static char *expected_lines(size_t rule, long long municipality) {
  const char *query = sql(rule_sql[rule][1], YEAR);
  return db_text("%s SELECT string_agg(c.id || ':' || coalesce(round(x.n, 2)"
                 " || '/' || round(x.d, 2), '-'), ',' ORDER BY c.id)"
                 " FROM cohort c LEFT JOIN (%s) x (id, n, d) ON x.id = c.id",
                 cohort(YEAR, municipality), query);
}

/* The figure of the rule: 100 x the numerators over the denominators. */
static char *expected_total(size_t rule, int year, long long municipality,
                            const char *extra_n, const char *extra_d) {
  const char *query = sql(rule_sql[rule][1], year);
  return db_text("%s SELECT round(100.0 * (sum(x.n) + %s) / nullif(sum(x.d)"
                 " + %s, 0), 1) FROM (%s) x (id, n, d)",
                 cohort(year, municipality), extra_n, extra_d, query);
}

/* --- reading the answer -------------------------------------------------- */

static const json_t *target_of(const json_t *doc, const char *code) {
  const json_t *targets = json_object_get(doc, "targets");
  for (size_t i = 0; i < json_array_size(targets); i++) {
    const json_t *t = json_array_get(targets, i);
    if (strcmp(jstr(json_object_get(t, "indicator"), "code"), code) == 0)
      return t;
  }
  fail_msg("no target of %s", code);
  return NULL;
}

static int by_id(const void *a, const void *b) {
  long long x = jint(*(json_t *const *)a, "id");
  long long y = jint(*(json_t *const *)b, "id");
  return (x > y) - (x < y);
}

static char *answer_lines(const json_t *target) {
  const json_t *schools = json_object_get(target, "schools");
  size_t n = json_array_size(schools);
  json_t **sorted = calloc(n + 1, sizeof *sorted);
  for (size_t i = 0; i < n; i++)
    sorted[i] = json_array_get(schools, i);
  qsort(sorted, n, sizeof *sorted, by_id);
  char *out = calloc(n + 1, 64);
  for (size_t i = 0; i < n; i++) {
    const json_t *s = sorted[i];
    char line[64];
    if (json_is_true(json_object_get(s, "counted")))
      snprintf(line, sizeof line, "%s%lld:%.2f/%.2f", i ? "," : "",
               jint(s, "id"),
               json_number_value(json_object_get(s, "numerator")),
               json_number_value(json_object_get(s, "denominator")));
    else
      snprintf(line, sizeof line, "%s%lld:-", i ? "," : "", jint(s, "id"));
    strcat(out, line);
  }
  free(sorted);
  return out;
}

static void assert_figure(const json_t *obj, const char *key,
                          const char *want) {
  const json_t *v = json_object_get(obj, key);
  if (want[0] == '\0') {
    assert_true(json_is_null(v));
    return;
  }
  char got[32];
  snprintf(got, sizeof got, "%.1f", json_number_value(v));
  assert_string_equal(got, want);
}

static const json_t *school_line(const json_t *target, int school) {
  const json_t *schools = json_object_get(target, "schools");
  for (size_t i = 0; i < json_array_size(schools); i++)
    if (jint(json_array_get(schools, i), "id") == fx.s[school])
      return json_array_get(schools, i);
  fail_msg("no line of %s", school_code[school]);
  return NULL;
}

static const char *reason_of(const json_t *doc, const char *code, int school) {
  return jstr(school_line(target_of(doc, code), school), "reason");
}

static struct http_reply *effectiveness(long long programme,
                                        const char *query) {
  return http_get("/api/v1/programmes/%lld/effectiveness%s", programme, query);
}

/* --- tests --------------------------------------------------------------- */

/* Every rule, school by school and in total, as the plain SQL says. */
static void test_every_rule(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = effectiveness(fx.programme, "?year=2024");
  assert_status(r, 200);
  assert_json_int(r->json, "year", 2024);
  assert_json_str(r->json, "period", "2024/25");
  /* a1, a2 (excluded in March: it was supported), a3, b1. */
  assert_json_int(json_object_get(r->json, "cohort"), "schools", 4);
  assert_int_equal(json_array_size(json_object_get(r->json, "targets")),
                   N_RULES);
  for (size_t i = 0; i < N_RULES; i++) {
    const json_t *t = target_of(r->json, rule_sql[i][0]);
    char *want = expected_lines(i, 0);
    char *got = answer_lines(t);
    if (strcmp(want, got) != 0)
      fail_msg("%s: want %s, got %s", rule_sql[i][0], want, got);
    free(want);
    free(got);
    /* The programme's own roadmap counts in the total: 1 of 2 on time. */
    int roadmap = strcmp(rule_sql[i][0], "ROADMAP_ITEMS_ON_TIME_SHARE") == 0;
    char *total =
        expected_total(i, YEAR, 0, roadmap ? "1" : "0", roadmap ? "2" : "0");
    assert_figure(t, "actual", total);
    free(total);
  }
  http_reply_free(r);
}

/* The figures of this data, and why the others do not count. */
static void test_figures_and_reasons(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = effectiveness(fx.programme, "?year=2024");
  assert_status(r, 200);
  const json_t *doc = r->json;
  /* ГИА: a1 27 of 30, a2 5 of 10, b1 8 of 8: 40 of 48. */
  const json_t *gia = target_of(doc, "GIA_PASSED_SHARE");
  assert_figure(gia, "actual", "83.3");
  assert_json_int(gia, "numerator", 40);
  assert_json_int(gia, "denominator", 48);
  assert_json_int(gia, "schools_counted", 3);
  assert_true(json_is_true(json_object_get(gia, "met"))); /* target 60 */
  assert_string_equal(reason_of(doc, "GIA_PASSED_SHARE", A3),
                      "нет результатов ОГЭ, ЕГЭ 2025 года");
  /* The lowest first (polarity higher), those not counted last. */
  const json_t *schools = json_object_get(gia, "schools");
  assert_int_equal(jint(json_array_get(schools, 0), "id"), fx.s[A2]);
  assert_int_equal(jint(json_array_get(schools, 3), "id"), fx.s[A3]);
  assert_figure(json_array_get(schools, 0), "value", "50.0");
  /* Per municipality: m1 32 of 40, m2 8 of 8. */
  const json_t *munis = json_object_get(gia, "by_municipality");
  assert_int_equal(json_array_size(munis), 2);
  const json_t *m1 = json_array_get(munis, 0);
  assert_int_equal(jint(m1, "id"), fx.m1);
  assert_figure(m1, "actual", "80.0");
  assert_json_int(m1, "schools", 3);
  assert_json_int(m1, "schools_counted", 2);
  assert_figure(json_array_get(munis, 1), "actual", "100.0");
  /* Improved: a1 yes, a2 no; a3 too few participants, b1 no pair. */
  assert_figure(target_of(doc, "IMPROVED_RESULTS"), "actual", "50.0");
  assert_string_equal(reason_of(doc, "IMPROVED_RESULTS", A3),
                      "нет работ для сравнения");
  assert_string_equal(reason_of(doc, "IMPROVED_RESULTS", B1),
                      "нет работ для сравнения");
  /* Trained: (20 + 5 + 15.2) of (40 + 20 + 19) teachers. */
  const json_t *trained = target_of(doc, "TEACHERS_TRAINED_COHORT_SHARE");
  assert_figure(trained, "actual", "50.9");
  assert_true(json_is_false(json_object_get(trained, "met"))); /* >= 60 */
  assert_string_equal(reason_of(doc, "TEACHERS_TRAINED_COHORT_SHARE", A3),
                      "нет значения TEACHERS_TRAINED_SHARE за 2024/25");
  /* Staffing: 40 + 19 working of 50 + 20 needed; a2's level is 0. */
  assert_figure(target_of(doc, "STAFFING_COHORT_LEVEL"), "actual", "84.3");
  assert_string_equal(reason_of(doc, "STAFFING_COHORT_LEVEL", A2),
                      "значение STAFFING_LEVEL за 2024/25 равно нулю");
  assert_string_equal(reason_of(doc, "STAFFING_COHORT_LEVEL", A3),
                      "нет значения STAFFING_LEVEL за 2024/25");
  /* Truancy: 20 of 200 (a1's context) and 15 of 300 (a2's registry). */
  const json_t *truancy = target_of(doc, "TRUANCY_COHORT_SHARE");
  assert_figure(truancy, "actual", "7.0");
  assert_true(json_is_true(json_object_get(truancy, "met"))); /* <= 60 */
  assert_string_equal(reason_of(doc, "TRUANCY_COHORT_SHARE", A3),
                      "нет численности обучающихся за 2024/25");
  /* Polarity lower: the highest first. */
  assert_int_equal(
      jint(json_array_get(json_object_get(truancy, "schools"), 0), "id"),
      fx.s[A1]);
  assert_figure(target_of(doc, "EQUAL_ACCESS_SCHOOLS_SHARE"), "actual", "66.7");
  assert_figure(target_of(doc, "RISK_GROUP_SYSTEM_SCHOOLS_SHARE"), "actual",
                "50.0");
  const json_t *dynamics =
      target_of(doc, "ADDITIONAL_EDUCATION_DYNAMICS_SHARE");
  assert_figure(dynamics, "actual", "50.0");
  assert_string_equal(reason_of(doc, "ADDITIONAL_EDUCATION_DYNAMICS_SHARE", B1),
                      "нет значения ADDITIONAL_EDUCATION_SHARE за 2023/24");
  assert_string_equal(reason_of(doc, "ADDITIONAL_EDUCATION_DYNAMICS_SHARE", A3),
                      "нет значения ADDITIONAL_EDUCATION_SHARE за 2024/25");
  /* Items: a1 1 of 3, b1 1 of 1, the programme's plan 1 of 2: 3 of 6. */
  const json_t *items = target_of(doc, "ROADMAP_ITEMS_ON_TIME_SHARE");
  assert_figure(items, "actual", "50.0");
  const json_t *own = json_object_get(items, "programme_roadmap");
  assert_json_int(own, "roadmap_id", fx.roadmap);
  assert_json_int(own, "numerator", 1);
  assert_json_int(own, "denominator", 2);
  assert_true(json_is_null(json_object_get(gia, "programme_roadmap")));
  /* A region-wide caller sees the region: here the same schools. */
  const json_t *region = json_object_get(doc, "region");
  assert_json_int(region, "id", fx.region);
  assert_json_int(json_object_get(region, "cohort"), "schools", 4);
  const json_t *compared = json_object_get(region, "targets");
  assert_int_equal(json_array_size(compared), N_RULES);
  for (size_t i = 0; i < N_RULES; i++) {
    const json_t *t = json_array_get(json_object_get(doc, "targets"), i);
    const json_t *c = json_array_get(compared, i);
    assert_int_equal(jint(c, "id"), jint(t, "id"));
    if (json_object_get(t, "programme_roadmap") == NULL ||
        json_is_null(json_object_get(t, "programme_roadmap")))
      assert_true(json_equal(json_object_get(c, "numerator"),
                             json_object_get(t, "numerator")));
  }
  /* The region's schools only: not the programme's own plan. */
  for (size_t i = 0; i < N_RULES; i++) {
    const json_t *c = json_array_get(compared, i);
    if (jint(c, "id") != jint(items, "id"))
      continue;
    assert_json_int(c, "numerator", 2);
    assert_json_int(c, "denominator", 4);
  }
  http_reply_free(r);
}

/* Every year of the term and the baseline's, each over its own cohort
 * (the baseline's before the term: the first year's). */
static void test_trend(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = effectiveness(fx.programme, "?year=2024");
  assert_status(r, 200);
  const json_t *gia = target_of(r->json, "GIA_PASSED_SHARE");
  const json_t *trend = json_object_get(gia, "trend");
  assert_int_equal(json_array_size(trend), 5);
  static const int years[] = {2022, 2023, 2024, 2025, 2026};
  for (size_t i = 0; i < 5; i++) {
    const json_t *y = json_array_get(trend, i);
    assert_json_int(y, "year", years[i]);
    int cohort_year = years[i] < 2023 ? 2023 : years[i];
    char *want = db_text("%s SELECT round(100.0 * sum(st.participants"
                         " - st.failed) / nullif(sum(st.participants), 0), 1)"
                         " FROM cohort c JOIN assessment_school_stats st"
                         " ON st.school_id = c.id JOIN assessments a"
                         " ON a.id = st.assessment_id AND a.year = %d"
                         " AND a.kind IN ('OGE', 'EGE')",
                         cohort(cohort_year, 0), years[i] + 1);
    assert_figure(y, "actual", want);
    free(want);
  }
  /* 2023: a1 and b2 in 2024's exams: 16 + 13 of 36. */
  assert_figure(json_array_get(trend, 1), "actual", "80.6");
  assert_json_int(json_array_get(trend, 3), "target", 70);
  assert_true(
      json_is_null(json_object_get(json_array_get(trend, 4), "target")));
  const json_t *baseline = json_object_get(gia, "baseline");
  assert_json_int(baseline, "year", 2022);
  assert_json_int(baseline, "value", 50);
  http_reply_free(r);
  /* No year: the last of the term that has begun. */
  r = effectiveness(fx.programme, "");
  assert_status(r, 200);
  long long want = db_count(
      "SELECT least(2026, greatest(2023, extract(year FROM current_date"
      " - interval '8 months')::integer))");
  assert_json_int(r->json, "year", want);
  http_reply_free(r);
}

/* One municipality: its schools only, and the programme's plan only when
 * it is that municipality's. */
static void test_municipality(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r =
      effectiveness(fx.programme, J("?year=2024&municipality=%lld", fx.m2));
  assert_status(r, 200);
  assert_json_int(r->json, "municipality_id", fx.m2);
  assert_json_int(json_object_get(r->json, "cohort"), "schools", 1);
  for (size_t i = 0; i < N_RULES; i++) {
    const json_t *t = target_of(r->json, rule_sql[i][0]);
    char *want = expected_lines(i, fx.m2);
    char *got = answer_lines(t);
    assert_string_equal(got, want);
    free(want);
    free(got);
    char *total = expected_total(i, YEAR, fx.m2, "0", "0");
    assert_figure(t, "actual", total);
    free(total);
    assert_true(json_is_null(json_object_get(t, "programme_roadmap")));
  }
  assert_null(strstr(r->body, "ef-a1"));
  http_reply_free(r);
  r = effectiveness(fx.programme, J("?year=2024&municipality=%lld", fx.m1));
  assert_status(r, 200);
  const json_t *items = target_of(r->json, "ROADMAP_ITEMS_ON_TIME_SHARE");
  assert_json_int(json_object_get(items, "programme_roadmap"), "denominator",
                  2);
  assert_figure(items, "actual", "40.0"); /* a1 1 of 3, the plan 1 of 2 */
  http_reply_free(r);
}

/* Each caller sees the figures of its schools only; the region's
 * comparison only for who sees the whole region. */
static void test_scope(void **state) {
  (void)state;
  use_token(make_token("municipal", "municipality", fx.m1));
  struct http_reply *r = effectiveness(fx.programme, "?year=2024");
  assert_status(r, 200);
  assert_json_int(json_object_get(r->json, "cohort"), "schools", 3);
  assert_null(json_object_get(r->json, "region"));
  assert_null(strstr(r->body, "ef-b1"));
  char *total = expected_total(0, YEAR, fx.m1, "0", "0");
  assert_figure(target_of(r->json, "GIA_PASSED_SHARE"), "actual", total);
  free(total);
  http_reply_free(r);
  /* A municipality of the region is a filter it may use: no school. */
  r = effectiveness(fx.programme, J("?year=2024&municipality=%lld", fx.m2));
  assert_status(r, 200);
  assert_json_int(json_object_get(r->json, "cohort"), "schools", 0);
  assert_null(strstr(r->body, "ef-b1"));
  http_reply_free(r);
  /* The school of a school's own programme: itself. */
  use_token(make_token("school", "school", fx.s[A1]));
  r = effectiveness(fx.school_programme, "?year=2024");
  assert_status(r, 200);
  assert_json_int(json_object_get(r->json, "cohort"), "schools", 1);
  assert_null(json_object_get(r->json, "region"));
  const json_t *gia = target_of(r->json, "GIA_PASSED_SHARE");
  assert_json_int(gia, "numerator", 27);
  assert_json_int(gia, "denominator", 30);
  http_reply_free(r);
  /* The region's programme: only its own line. */
  r = effectiveness(fx.programme, "?year=2024");
  assert_status(r, 200);
  assert_json_int(json_object_get(r->json, "cohort"), "schools", 1);
  assert_null(strstr(r->body, "ef-a2"));
  http_reply_free(r);
  /* Another school does not see a1's own programme. */
  use_token(make_token("school", "school", fx.s[B1]));
  r = effectiveness(fx.school_programme, "?year=2024");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* A user of another region: as missing. */
  use_token(make_token("reader", "region", fx.other_region));
  r = effectiveness(fx.programme, "?year=2024");
  assert_problem(r, 404, "not_found");
  char *unseen = strdup(jstr(r->json, "detail"));
  http_reply_free(r);
  r = effectiveness(999999, "?year=2024");
  assert_problem(r, 404, "not_found");
  char expect[96];
  snprintf(expect, sizeof expect,
           "no programme with id %lld is within your"
           " scope",
           fx.programme);
  assert_string_equal(unseen, expect);
  free(unseen);
  http_reply_free(r);
  /* The region's reader: m1's programme, and the region to compare. */
  use_token(make_token("reader", "region", fx.region));
  r = effectiveness(fx.muni_programme, "?year=2024");
  assert_status(r, 200);
  assert_json_int(json_object_get(r->json, "cohort"), "schools", 3);
  total = expected_total(0, YEAR, fx.m1, "0", "0");
  assert_figure(target_of(r->json, "GIA_PASSED_SHARE"), "actual", total);
  free(total);
  const json_t *region = json_object_get(r->json, "region");
  assert_json_int(json_object_get(region, "cohort"), "schools", 4);
  total = expected_total(0, YEAR, 0, "0", "0");
  assert_figure(json_array_get(json_object_get(region, "targets"), 0), "actual",
                total);
  free(total);
  http_reply_free(r);
  use_token(fx.admin);
}

/* An item due after today does not count yet. */
static void test_items_due_later(void **state) {
  (void)state;
  use_token(fx.admin);
  long long school = create_school(fx.m2, "ef-d1", "ef-d1 школа");
  long long plan = roadmap("owner_school_id", school, "school_roadmap");
  item(plan, "current_date + 1", "planned", "NULL");
  int year = (int)db_count("SELECT extract(year FROM current_date + 1"
                           " - interval '8 months')::integer");
  long long id = db_count(
      "INSERT INTO programmes (title, owner_school_id, year_from, year_to)"
      " VALUES ('ef программа школы', %lld, %d, %d) RETURNING id",
      school, year, year);
  db_exec("INSERT INTO programme_targets (programme_id, indicator_code,"
          " baseline_year) VALUES (%lld, 'ROADMAP_ITEMS_ON_TIME_SHARE', %d)",
          id, year);
  struct http_reply *r = effectiveness(id, "");
  assert_status(r, 200);
  const json_t *t = target_of(r->json, "ROADMAP_ITEMS_ON_TIME_SHARE");
  assert_true(json_is_null(json_object_get(t, "actual")));
  const json_t *line = json_array_get(json_object_get(t, "schools"), 0);
  assert_true(json_is_false(json_object_get(line, "counted")));
  assert_string_equal(jstr(line, "reason"),
                      J("нет мероприятий со сроком в %d/%02d учебном году до"
                        " сегодняшнего дня",
                        year, (year + 1) % 100));
  http_reply_free(r);
}

static void test_bad_parameters(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r = effectiveness(fx.programme, "?year=2022");
  assert_validation(r, "query.year");
  http_reply_free(r);
  r = effectiveness(fx.programme, "?year=2027");
  assert_validation(r, "query.year");
  http_reply_free(r);
  r = effectiveness(fx.programme, "?year=abc&municipality=x");
  assert_validation(r, "query.year", "query.municipality");
  http_reply_free(r);
  r = effectiveness(fx.programme, "?limit=5");
  assert_validation(r, "query.limit");
  http_reply_free(r);
  r = effectiveness(fx.programme, J("?municipality=%lld", fx.mx));
  assert_validation(r, "query.municipality");
  http_reply_free(r);
  r = effectiveness(fx.programme, "?year=2030&municipality=999999");
  assert_validation(r, "query.year", "query.municipality");
  http_reply_free(r);
  check_bad_ids("GET", "/api/v1/programmes/%s/effectiveness", "id", NULL, NULL);
}

/* The table: per target its total, then a row per school, then the
 * programme's plan. */
static void test_csv(void **state) {
  (void)state;
  use_token(fx.admin);
  static const char *const csv[] = {"Accept: text/csv", NULL};
  struct http_reply *r = http_request(
      "GET", J("/api/v1/programmes/%lld/effectiveness?year=2024", fx.programme),
      NULL, csv);
  assert_status(r, 200);
  assert_non_null(strstr(r->content_type, "text/csv"));
  assert_non_null(strstr(http_header(r, "Content-Disposition"),
                         J("programme-effectiveness-%lld-2024", fx.programme)));
  assert_non_null(strstr(r->body, "ID цели;Показатель;Наименование показателя;"
                                  "Учебный год (начало);Строка;ID школы;"));
  /* 9 targets x (1 + 4 schools) + the plan's line. */
  int lines = 0;
  for (const char *p = r->body; (p = strstr(p, "\r\n")) != NULL; p += 2)
    lines++;
  assert_int_equal(lines, 1 + 9 * 5 + 1);
  assert_non_null(strstr(r->body, ";GIA_PASSED_SHARE;"));
  assert_non_null(strstr(r->body, ";2024;total;;;;;40;48;83,3;;;60;да\r\n"));
  assert_non_null(strstr(r->body, ";2024;school;"));
  assert_non_null(strstr(r->body, "ef-a3;ef-a3 школа;"));
  assert_non_null(strstr(r->body, "нет работ для сравнения"));
  assert_non_null(strstr(r->body, ";programme_roadmap;;;;;1;2;50;да;;;\r\n"));
  http_reply_free(r);
  static const char *const keys[] = {"Accept: text/csv; columns=keys", NULL};
  r = http_request(
      "GET",
      J("/api/v1/programmes/%lld/effectiveness?year=2024&municipality=%lld",
        fx.programme, fx.m2),
      NULL, keys);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "target_id;indicator.code;indicator.name;"
                                  "year;line;school.id;school.code;"
                                  "school.short_name;school.municipality_id;"
                                  "numerator;denominator;value;counted;"
                                  "reason;target;met\r\n"));
  assert_null(strstr(r->body, "ef-a1"));
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_rule),
      cmocka_unit_test(test_figures_and_reasons),
      cmocka_unit_test(test_trend),
      cmocka_unit_test(test_municipality),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_items_due_later),
      cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test(test_csv),
  };
  harness_start("effectiveness");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
