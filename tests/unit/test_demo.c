/* `opora demo-data` on a fresh, migrated database: it loads the seeds'
 * territories and schools plus the generated ones, the seeds' plans as
 * roadmaps, two monitoring campaigns with submissions in every state, the
 * social context, and three years of assessment results through the push
 * (demo_results.inc); a second load changes nothing, and two fresh loads
 * give the same results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "demo.h"
#include "migrate.h"
#include "testdb.h"

/* Every table's rows, ids and versions: equal fingerprints, equal data. */
static const char fingerprint_sql[] =
    "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM ("
    " SELECT 'r' || row_to_json(x)::text AS t FROM regions x UNION ALL"
    " SELECT 'm' || row_to_json(x)::text FROM municipalities x UNION ALL"
    " SELECT 's' || row_to_json(x)::text FROM schools x UNION ALL"
    " SELECT 'st' || row_to_json(x)::text FROM school_statuses x UNION ALL"
    " SELECT 'c' || row_to_json(x)::text FROM school_curators x UNION ALL"
    " SELECT 'p' || row_to_json(x)::text FROM school_partnerships x UNION ALL"
    " SELECT 'u' || row_to_json(x)::text FROM users x UNION ALL"
    " SELECT 'k' || row_to_json(x)::text FROM clients x UNION ALL"
    " SELECT 'rm' || row_to_json(x)::text FROM roadmaps x UNION ALL"
    " SELECT 'ri' || row_to_json(x)::text FROM roadmap_items x UNION ALL"
    " SELECT 'pg' || row_to_json(x)::text FROM programmes x UNION ALL"
    " SELECT 'pt' || row_to_json(x)::text FROM programme_targets x UNION ALL"
    " SELECT 'mc' || row_to_json(x)::text FROM campaigns x UNION ALL"
    " SELECT 'mci' || row_to_json(x)::text FROM campaign_indicators x UNION ALL"
    " SELECT 'mcs' || row_to_json(x)::text FROM campaign_schools x UNION ALL"
    " SELECT 'ms' || row_to_json(x)::text FROM submissions x UNION ALL"
    " SELECT 'msv' || row_to_json(x)::text FROM submission_values x UNION ALL"
    " SELECT 'mse' || row_to_json(x)::text FROM submission_events x UNION ALL"
    " SELECT 'iv' || row_to_json(x)::text FROM indicator_values x UNION ALL"
    " SELECT 'sc' || row_to_json(x)::text FROM school_contexts x UNION ALL"
    " SELECT 'a' || row_to_json(x)::text FROM assessments x UNION ALL"
    " SELECT 'em' || row_to_json(x)::text FROM ege_minimum_scores x UNION ALL"
    " SELECT 'as' || row_to_json(x)::text FROM assessment_school_stats x"
    " UNION ALL"
    " SELECT 'im' || row_to_json(x)::text FROM imports x UNION ALL"
    " SELECT 'ip' || row_to_json(x)::text FROM import_problems x UNION ALL"
    /* 590,000 rows: a sum of their hashes, as no order is needed */
    " SELECT 'ar' || count(*) || ':' || sum(hashtextextended(x::text, 0)"
    "::numeric) FROM assessment_results x) f";

/* Asserts that a query's single value is the expected text. */
static void assert_scalar(PGconn *c, const char *sql, const char *expected) {
  char *value = testdb_scalar(c, sql);
  assert_string_equal(value, expected);
  free(value);
}

#include "demo_results.inc"

/* A fresh, migrated database. The pushes of the results connect to it as
 * the server's would (db_configure). */
static PGconn *fresh_db(void) {
  PGconn *c = testdb_create("demo");
  char err[1024] = "";
  if (migrate_apply(c, migrations, migrations_count, err, sizeof err) < 0)
    fail_msg("%s", err);
  struct config cfg;
  config_defaults(&cfg);
  snprintf(cfg.database_url, sizeof cfg.database_url,
           "host='%s' port='%s' user='%s' dbname='%s'", PQhost(c), PQport(c),
           PQuser(c), PQdb(c));
  db_configure(&cfg);
  return c;
}

/* ... with the demo loaded. */
static PGconn *demo_loaded(void) {
  PGconn *c = fresh_db();
  char err[1024] = "";
  if (demo_data_load(c, err, sizeof err) != 0)
    fail_msg("%s", err);
  return c;
}

/* The digest of the first load's results, for the second. */
static char *first_results;

/* The monitoring demo: seed 001's campaign in Livny district with
 * submissions in every state, the Kovrov district's open one, and the
 * official values of the accepted submissions. */
static void check_monitoring(PGconn *c) {
  assert_scalar(c,
                "SELECT string_agg(m.code || ' ' || c.period || ' ' || "
                "c.status || ' ' || c.deadline, ',' ORDER BY m.code) "
                "FROM campaigns c JOIN municipalities m "
                "ON m.id = c.municipality_id",
                "33-kovrov-r 2024/25 open 2026-12-15,"
                "57-livny-r 2023/24 open 2023-10-01");
  /* Seed 001's set: the catalogue's plan-schedule rows, never computed;
   * the staffing ones required, the links optional. */
  assert_scalar(
      c,
      "SELECT count(*) || ' ' || count(*) FILTER (WHERE ci.required) || ' ' "
      "|| count(*) FILTER (WHERE i.form = 'link' AND ci.required) || ' ' || "
      "count(*) FILTER (WHERE i.form = 'computed') "
      "FROM campaign_indicators ci JOIN indicators i ON i.code = "
      "ci.indicator_code JOIN campaigns c ON c.id = ci.campaign_id "
      "WHERE c.period = '2023/24' AND i.source = 'seed 001 plan-schedule' "
      "AND c.municipality_id IS NOT NULL",
      "18 11 0 0");
  assert_scalar(c,
                "SELECT count(*) FROM indicators i WHERE i.source = 'seed 001 "
                "plan-schedule' AND i.form IN ('form', 'link', 'report') AND "
                "NOT EXISTS (SELECT 1 FROM campaign_indicators ci JOIN "
                "campaigns c ON c.id = ci.campaign_id WHERE c.period = "
                "'2023/24' AND ci.indicator_code = i.code)",
                "0");
  /* Every school of the Livny district is asked. */
  assert_scalar(c,
                "SELECT (SELECT count(*) FROM campaign_schools cs JOIN "
                "campaigns c ON c.id = cs.campaign_id WHERE c.period = "
                "'2023/24' AND c.municipality_id IS NOT NULL) = (SELECT "
                "count(*) FROM schools s JOIN "
                "municipalities m ON m.id = s.municipality_id WHERE m.code = "
                "'57-livny-r')",
                "t");
  assert_scalar(
      c,
      "SELECT string_agg(c.period || ' ' || x.state || ' ' || x.late || ' ' "
      "|| x.n, ',' ORDER BY c.period, x.state, x.late) FROM (SELECT "
      "campaign_id, state, late, count(*) AS n FROM submissions GROUP BY 1, "
      "2, 3) x JOIN campaigns c ON c.id = x.campaign_id "
      "WHERE c.municipality_id IS NOT NULL",
      "2023/24 accepted false 5,2023/24 accepted true 1,"
      "2023/24 draft false 3,2023/24 returned false 1,"
      "2023/24 submitted false 1,2024/25 draft false 1,"
      "2024/25 submitted false 1");
  /* Some Livny schools have not started. */
  assert_scalar(c,
                "SELECT count(*) FROM campaign_schools cs JOIN campaigns c ON "
                "c.id = cs.campaign_id WHERE c.period = '2023/24' AND "
                "c.municipality_id IS NOT NULL AND NOT "
                "EXISTS (SELECT 1 FROM submissions x WHERE x.campaign_id = "
                "cs.campaign_id AND x.school_id = cs.school_id)",
                "7");
  assert_scalar(c,
                "SELECT reviewer_comment FROM submissions WHERE state = "
                "'returned'",
                "Уточните долю педагогов высшей категории: сумма долей "
                "превышает 100 %");
  /* The late one was submitted after the deadline's day. */
  assert_scalar(c,
                "SELECT bool_and(x.late = (x.submitted_at >= (c.deadline + "
                "1)::timestamp AT TIME ZONE 'Europe/Moscow')) FROM "
                "submissions x JOIN campaigns c ON c.id = x.campaign_id "
                "WHERE x.submitted_at IS "
                "NOT NULL",
                "t");
  /* Submitted, returned and accepted ones hold every required value;
   * percents are within 0..100 and URLs are http(s). */
  assert_scalar(c,
                "SELECT count(*) FROM submissions x JOIN campaign_indicators "
                "ci ON ci.campaign_id = x.campaign_id AND ci.required WHERE "
                "x.state <> 'draft' AND NOT EXISTS (SELECT 1 FROM "
                "submission_values v WHERE v.submission_id = x.id AND "
                "v.indicator_code = ci.indicator_code)",
                "0");
  assert_scalar(
      c,
      "SELECT count(*) FROM submission_values v JOIN indicators i ON i.code "
      "= v.indicator_code WHERE NOT CASE i.value_type "
      "WHEN 'percent' THEN jsonb_typeof(v.value) = 'number' AND "
      "(v.value #>> '{}')::numeric BETWEEN 0 AND 100 "
      "WHEN 'integer' THEN jsonb_typeof(v.value) = 'number' AND "
      "(v.value #>> '{}')::numeric % 1 = 0 "
      "WHEN 'boolean' THEN jsonb_typeof(v.value) = 'boolean' "
      "WHEN 'url' THEN (v.value #>> '{}') ~ '^https?://' "
      "ELSE jsonb_typeof(v.value) = 'string' END",
      "0");
  /* One event per version, the last one the submission's state. */
  assert_scalar(c,
                "SELECT count(*) FROM submissions x WHERE (SELECT "
                "count(*) FROM submission_events e WHERE e.submission_id = "
                "x.id) <> x.version OR (SELECT e.state FROM "
                "submission_events e WHERE e.submission_id = x.id AND "
                "e.version = x.version) <> x.state",
                "0");
  /* The accepted values are official, numbered in acceptance order (the
   * regional effectiveness campaigns' after the municipal ones'). */
  assert_scalar(c,
                "SELECT (SELECT count(*) FROM indicator_values WHERE source = "
                "'submission') = (SELECT count(*) FROM submission_values v "
                "JOIN submissions x ON x.id = v.submission_id WHERE x.state "
                "= 'accepted') AND (SELECT count(*) FROM indicator_values) > "
                "0",
                "t");
  assert_scalar(
      c,
      "SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY "
      "c.municipality_id IS NULL ORDER BY iv.change_no) AS by_no, "
      "row_number() OVER (PARTITION BY c.municipality_id IS NULL ORDER "
      "BY a.at, s.code, ci.position) AS n FROM indicator_values iv JOIN "
      "submissions x ON x.id = iv.submission_id JOIN campaigns c ON c.id = "
      "x.campaign_id JOIN schools s ON s.id = "
      "x.school_id JOIN submission_events a ON a.submission_id = x.id AND "
      "a.action = 'accept' JOIN campaign_indicators ci ON ci.campaign_id = "
      "x.campaign_id AND ci.indicator_code = iv.indicator_code) o "
      "WHERE o.by_no <> o.n",
      "0");
}

/* The effectiveness demo (demo/demo_effectiveness.sql): three closed
 * regional campaigns of the Vladimir region, every submission accepted,
 * seven official values each, and figures that improve over the years. */
static void check_effectiveness_inputs(PGconn *c) {
  assert_scalar(c,
                "SELECT string_agg(c.period || ' ' || c.status || ' ' || "
                "(SELECT count(*) FILTER (WHERE x.state = 'accepted') || '/' "
                "|| count(*) FROM submissions x WHERE x.campaign_id = c.id) "
                "|| ' ' || (SELECT count(*) FROM indicator_values iv JOIN "
                "submissions x ON x.id = iv.submission_id WHERE "
                "x.campaign_id = c.id), ',' ORDER BY c.period) FROM "
                "campaigns c WHERE c.municipality_id IS NULL",
                "2022/23 closed 21/21 147,2023/24 closed 21/21 147,"
                "2024/25 closed 21/21 147");
  /* The trained share over the group (teachers trained over teachers)
   * rises year by year. */
  assert_scalar(c,
                "SELECT string_agg(round(100 * sum_trained / sum_total, 1)"
                "::text, ' ' ORDER BY period) FROM (SELECT t.period, "
                "sum((v.value #>> '{}')::numeric * (t.value #>> '{}')"
                "::numeric / 100) AS sum_trained, sum((t.value #>> '{}')"
                "::numeric) AS sum_total FROM indicator_values t JOIN "
                "indicator_values v ON v.school_id = t.school_id AND "
                "v.period = t.period AND v.indicator_code = "
                "'TEACHERS_TRAINED_SHARE' JOIN submissions x ON x.id = "
                "t.submission_id JOIN campaigns c ON c.id = x.campaign_id "
                "AND c.municipality_id IS NULL WHERE t.indicator_code = "
                "'TEACHERS_TOTAL' GROUP BY t.period) g",
                "48.2 63.7 78.5");
}

/* The social context: three school years of every demo school, shares
 * within 0-100, rural schools with fewer parents of higher education, the
 * Kabardino-Balkarian schools with many pupils of another home language. */
static void check_context(PGconn *c) {
  assert_scalar(c,
                "SELECT count(*) = 3 * (SELECT count(*) FROM schools)"
                " AND count(DISTINCT school_year) = 3"
                " FROM school_contexts",
                "t");
  assert_scalar(c,
                "SELECT count(*) FROM school_contexts WHERE pupils IS NULL"
                " OR least(parents_higher_education, single_parent,"
                " unemployed_parents, low_income, non_russian_at_home,"
                " preventive_register, disabilities) < 0"
                " OR greatest(parents_higher_education, single_parent,"
                " unemployed_parents, low_income, non_russian_at_home,"
                " preventive_register, disabilities) > 100",
                "0");
  assert_scalar(c,
                "SELECT avg(parents_higher_education) FILTER (WHERE"
                " s.locality = 'RURAL') < avg(parents_higher_education)"
                " FILTER (WHERE s.locality = 'URBAN')"
                " AND avg(non_russian_at_home) FILTER (WHERE m.code LIKE"
                " '07-%') > 30"
                " FROM school_contexts x JOIN schools s ON s.id = x.school_id"
                " JOIN municipalities m ON m.id = s.municipality_id",
                "t");
}

/* The seeds' programmes and the regional one, each with its plan where it
 * has one, and demo targets for every rule-computed indicator, every year
 * within the term. */
static void check_programmes(PGconn *c) {
  assert_scalar(c,
                "SELECT string_agg(coalesce(r.code, m.code, s.code) || ' ' || "
                "p.year_from || '-' || p.year_to || ' ' || (p.roadmap_id IS "
                "NOT NULL) || ' ' || (SELECT count(*) FROM programme_targets "
                "t WHERE t.programme_id = p.id), ',' ORDER BY p.id) FROM "
                "programmes p LEFT JOIN regions r ON r.id = p.owner_region_id "
                "LEFT JOIN municipalities m ON m.id = p.owner_municipality_id "
                "LEFT JOIN schools s ON s.id = p.owner_school_id",
                "33-kovrov-r 2021-2023 true 9,57-livny-r 2022-2023 true 6,"
                "edu070101 2023-2024 true 4,33 2023-2025 false 9");
  assert_scalar(c,
                "SELECT count(*) FROM indicators i WHERE i.form = 'rule' AND "
                "i.rule <> 'improved_classes' AND NOT EXISTS (SELECT 1 FROM "
                "programme_targets t JOIN "
                "programmes p ON p.id = t.programme_id WHERE "
                "p.owner_region_id IS NOT NULL AND t.indicator_code = i.code)",
                "0");
  assert_scalar(c,
                "SELECT count(*) FROM programme_targets t JOIN programmes p ON "
                "p.id = t.programme_id JOIN indicators i ON i.code = "
                "t.indicator_code WHERE i.form <> 'rule' OR t.note NOT LIKE "
                "'демонстрационные значения%' OR t.baseline_year > p.year_to "
                "OR EXISTS (SELECT 1 FROM jsonb_each_text(t.targets) e WHERE "
                "e.key::integer NOT BETWEEN p.year_from AND p.year_to OR "
                "e.value::numeric NOT BETWEEN 0 AND 100)",
                "0");
}

static void loads_once_and_only_once(void **state) {
  (void)state;
  PGconn *c = demo_loaded();
  char err[1024] = "";

  char *schools = testdb_scalar(c, "SELECT count(*) FROM schools");
  assert_true(atoi(schools) >= 300); /* a region's worth, for filters */
  free(schools);
  char *named =
      testdb_scalar(c, "SELECT count(*) FROM schools WHERE short_name = "
                       "'МБОУ «Иваново-Эсинская СОШ»'");
  assert_string_equal(named, "1");
  free(named);
  char *order = testdb_scalar(c, "SELECT count(*) FROM school_statuses "
                                 "WHERE basis LIKE '%653-осн%'");
  assert_true(atoi(order) > 0);
  free(order);
  /* One demo account per role, and the curator follows a school. */
  char *roles = testdb_scalar(c, "SELECT count(DISTINCT role) FROM users");
  assert_string_equal(roles, "6");
  free(roles);
  char *followed = testdb_scalar(c, "SELECT count(*) FROM school_curators "
                                    "WHERE user_id IS NOT NULL");
  assert_string_equal(followed, "1");
  free(followed);

  /* The plans of the five seeds, each as a roadmap of its real owner. */
  char *roadmaps = testdb_scalar(c, "SELECT count(*) FROM roadmaps");
  assert_string_equal(roadmaps, "5");
  free(roadmaps);
  char *kovrov = testdb_scalar(
      c, "SELECT count(*) || ' ' || min(i.position) || '-' || max(i.position) "
         "FROM roadmap_items i JOIN roadmaps r ON r.id = i.roadmap_id "
         "JOIN municipalities m ON m.id = r.owner_municipality_id "
         "WHERE m.code = '33-kovrov-r' "
         "AND r.approval_document = 'приказ № 653-осн от 30.12.2020'");
  assert_string_equal(kovrov, "56 1-56"); /* section 6 of seed 000 */
  free(kovrov);
  char *row = testdb_scalar(
      c, "SELECT i.activity || ' | ' || i.schedule_text || ' | ' || i.section "
         "FROM roadmap_items i JOIN roadmaps r ON r.id = i.roadmap_id "
         "JOIN municipalities m ON m.id = r.owner_municipality_id "
         "WHERE m.code = '33-kovrov-r' AND i.number = '3.11'");
  assert_string_equal(
      row, "Изучение деятельности ОО, находящихся в сложных условиях и имеющих "
           "низкие образовательные результаты, по вопросам: - повышение "
           "качества успеваемости в выпускных классах; - осуществление "
           "контроля за уровнем преподавания учебных предметов, по которым "
           "обучающиеся показали низкие результаты при сдаче ГИА (на основе "
           "выписок из планов внутришкольного контроля); - система подготовки "
           "к ГИА в ОО. | постоянно | 3. Повышение уровня образовательных "
           "результатов обучающихся ШНОР и ШНСУ");
  free(row);
  char *counts = testdb_scalar(
      c, "SELECT string_agg(coalesce(m.code, s.code) || '=' || n, ',' "
         "ORDER BY coalesce(m.code, s.code)) FROM (SELECT roadmap_id, "
         "count(*) AS n FROM roadmap_items GROUP BY roadmap_id) i "
         "JOIN roadmaps r ON r.id = i.roadmap_id "
         "LEFT JOIN municipalities m ON m.id = r.owner_municipality_id "
         "LEFT JOIN schools s ON s.id = r.owner_school_id");
  assert_string_equal(counts, "33-kovrov-r=56,40-borovsk-r=34,57-livny-r=19,"
                              "66-kushva-go=30,edu070101=19");
  free(counts);

  check_monitoring(c);
  check_effectiveness_inputs(c);
  check_context(c);
  check_programmes(c);
  first_results = testdb_scalar(c, results_digest_sql);

  char *first = testdb_scalar(c, fingerprint_sql);
  char *changes =
      testdb_scalar(c, "SELECT last_value FROM indicator_change_seq");
  if (demo_data_load(c, err, sizeof err) != 0)
    fail_msg("%s", err);
  char *second = testdb_scalar(c, fingerprint_sql);
  assert_string_equal(first, second);
  /* A second load draws no change numbers either, and starts no push. */
  assert_scalar(c, "SELECT last_value FROM indicator_change_seq", changes);
  assert_scalar(c,
                "SELECT pg_sequence_last_value(pg_get_serial_sequence("
                "'imports', 'id')::regclass)",
                "60");
  free(first);
  free(second);
  free(changes);
  /* Last: the runs it makes are no demo data. */
  check_results(c);
  testdb_drop(c);
}

/* Deterministic: a second fresh load writes the same results, statistics
 * and pushed bodies as the first. */
static void loads_the_same_results_twice(void **state) {
  (void)state;
  if (first_results == NULL)
    fail_msg("the first load did not run");
  PGconn *c = demo_loaded();
  assert_scalar(c, results_digest_sql, first_results);
  free(first_results);
  first_results = NULL;
  testdb_drop(c);
}

/* A push with a problem fails the load, naming the push, its answer and
 * the problem: here a school of the demo's district whose code is longer
 * than a result row takes (64 bytes), at the first instrument. Nothing of
 * that push is kept but its record. */
static void a_push_problem_fails_the_load(void **state) {
  (void)state;
  PGconn *c = fresh_db();
  PQclear(PQexec(c, "INSERT INTO regions (code, name) VALUES ('33', "
                    "'Владимирская область')"));
  PQclear(PQexec(c, "INSERT INTO municipalities (region_id, code, name, kind)"
                    " SELECT id, '33-kovrov-r', 'Ковровский район', "
                    "'MUNICIPAL_DISTRICT' FROM regions"));
  assert_scalar(c,
                "WITH s AS (INSERT INTO schools (municipality_id, code, "
                "full_name, short_name, type, locality, students_count) "
                "SELECT id, 'edu-' || repeat('7', 70), 'Школа', 'Школа', "
                "'SOSH', 'RURAL', 500 FROM municipalities RETURNING id) "
                "SELECT count(*) FROM s",
                "1");
  char err[1024] = "";
  assert_int_equal(demo_data_load(c, err, sizeof err), -1);
  printf("as reported: %s", err);
  assert_non_null(strstr(err, "demo-data-VPR-2023-4-environment: the push "
                              "answered 422, rejected, "));
  assert_non_null(strstr(err, "row "));
  assert_scalar(c,
                "SELECT (SELECT count(*) FROM assessment_results) || ' ' || "
                "(SELECT string_agg(outcome, ',') FROM imports)",
                "0 rejected");
  testdb_drop(c);
}

int main(void) {
  testdb_require("test_demo");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loads_once_and_only_once),
      cmocka_unit_test(loads_the_same_results_twice),
      cmocka_unit_test(a_push_problem_fails_the_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
