/* `opora demo-data` on a fresh, migrated database: it loads the seeds'
 * territories and schools plus the generated ones and the seeds' plans as
 * roadmaps, and a second load changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    " SELECT 'ri' || row_to_json(x)::text FROM roadmap_items x) f";

static void loads_once_and_only_once(void **state) {
  (void)state;
  PGconn *c = testdb_create("demo");
  char err[1024] = "";
  if (migrate_apply(c, migrations, migrations_count, err, sizeof err) < 0)
    fail_msg("%s", err);
  if (demo_data_load(c, err, sizeof err) != 0)
    fail_msg("%s", err);

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

  char *first = testdb_scalar(c, fingerprint_sql);
  if (demo_data_load(c, err, sizeof err) != 0)
    fail_msg("%s", err);
  char *second = testdb_scalar(c, fingerprint_sql);
  assert_string_equal(first, second);
  free(first);
  free(second);
  testdb_drop(c);
}

int main(void) {
  testdb_require("test_demo");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loads_once_and_only_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
