/* ОГЭ and ЕГЭ pushes (docs/ASSESSMENTS.md, "Short-answer blocks" and "ЕГЭ
 * minimum scores"): the short-answer block in CSV and JSON gives the short
 * tasks' scores, a bad block is a row problem naming its column and the
 * character's position, an ЕГЭ instrument without its own minimum takes
 * the year's from ege_minimum_scores (or the latest year before), and the
 * kept statistics (the share below the minimum among them) equal a direct
 * computation over the rows. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "push_fixtures.h"

#define SHORT_TASKS                                                            \
  "{\"number\": \"1\", \"max_score\": 1, \"level\": \"basic\","                \
  " \"part\": \"short\"},"                                                     \
  " {\"number\": \"2\", \"max_score\": 1, \"level\": \"basic\","               \
  " \"part\": \"short\"},"                                                     \
  " {\"number\": \"3\", \"max_score\": 2, \"level\": \"basic\","               \
  " \"part\": \"short\"}"

/* ОГЭ Математика 2026: tasks 1, 2, 3 short (1, 1, 2), 4 and 5 extended
 * (2, 3); marks 3 from 3, 4 from 5, 5 from 7. */
static long long oge_new(void) {
  static int n;
  return api_create(
      "/api/v1/assessments",
      J("{\"kind\": \"OGE\", \"year\": 2026, \"grade\": 9,"
        " \"subject_code\": \"math_gia_%d\", \"subject_name\": \"Математика\","
        " \"max_primary_score\": 9, \"mark3_from\": 3, \"mark4_from\": 5,"
        " \"mark5_from\": 7, \"tasks\": [" SHORT_TASKS ","
        " {\"number\": \"4\", \"max_score\": 2, \"level\": \"advanced\","
        " \"part\": \"extended\"},"
        " {\"number\": \"5\", \"max_score\": 3, \"level\": \"advanced\"}]}",
        ++n));
}

/* ЕГЭ Русский язык of `year` (subject "russian": the table's 24 in 2026),
 * variant set `set` so that one subject can have several; tasks 1, 2, 3
 * short, 4 extended (5). `own_min` < 0: no minimum of its own. */
static long long ege_new(int year, const char *set, int own_min) {
  char min[48] = "";
  if (own_min >= 0)
    snprintf(min, sizeof min, " \"min_test_score\": %d,", own_min);
  return api_create(
      "/api/v1/assessments",
      J("{\"kind\": \"EGE\", \"year\": %d, \"grade\": 11,"
        " \"subject_code\": \"russian\", \"variant_set\": \"%s\","
        " \"subject_name\": \"Русский язык\", \"max_primary_score\": 9,%s"
        " \"tasks\": [" SHORT_TASKS ","
        " {\"number\": \"4\", \"max_score\": 5, \"level\": \"advanced\"}]}",
        year, set, min));
}

/* Schools whose kept statistics differ from a computation over the rows:
 * failed is a "2", or (ЕГЭ, no mark) a test score under `min`. */
static long long stats_mismatches(long long id, int max_primary, int min) {
  return db_count(
      "WITH r AS (SELECT * FROM assessment_results WHERE assessment_id = %lld),"
      " b AS (" BASIC_TASKS_SQL "),"
      " c AS (SELECT school_id, count(*) AS participants,"
      "  ARRAY[count(*) FILTER (WHERE mark = 2),"
      "   count(*) FILTER (WHERE mark = 3), count(*) FILTER (WHERE mark = 4),"
      "   count(*) FILTER (WHERE mark = 5)]::int[] AS marks,"
      "  count(*) FILTER (WHERE mark = 2 OR (mark IS NULL"
      "   AND test_score < %d)) AS failed,"
      "  sum(primary_score) AS primary_sum,"
      "  count(test_score) AS test_scored,"
      "  coalesce(sum(test_score), 0) AS test_score_sum,"
      "  count(*) FILTER (WHERE journal_mark >= mark + 2) AS higher2,"
      "  count(*) FILTER (WHERE journal_mark <= mark - 2) AS lower2,"
      "  count(*) FILTER (WHERE mark >= 4 AND b.basic_max > 0 AND 100 *"
      "   (SELECT coalesce(sum(u.v), 0) FROM unnest(r.task_scores)"
      "    WITH ORDINALITY u(v, i) WHERE u.i = ANY (b.ords))"
      "   < 60 * b.basic_max) AS high_low"
      "  FROM r CROSS JOIN b GROUP BY school_id),"
      " t AS (SELECT school_id, array_agg(total ORDER BY i) AS task_sums FROM"
      "  (SELECT school_id, i, sum(v) AS total FROM r,"
      "   unnest(task_scores) WITH ORDINALITY u(v, i) GROUP BY 1, 2) x"
      "  GROUP BY 1),"
      " h AS (SELECT s.school_id, array_agg((SELECT count(*) FROM r"
      "   WHERE r.school_id = s.school_id AND r.primary_score = g)"
      "   ORDER BY g)::int[] AS score_counts"
      "  FROM (SELECT DISTINCT school_id FROM r) s,"
      "  generate_series(0, %d) g GROUP BY 1),"
      " k AS (SELECT * FROM assessment_school_stats WHERE assessment_id = %lld)"
      " SELECT count(*) FROM (c JOIN t USING (school_id)"
      "  JOIN h USING (school_id)) FULL JOIN k ON k.school_id = c.school_id"
      " WHERE k.school_id IS NULL OR c.school_id IS NULL OR"
      "  (c.participants, c.marks, c.failed, c.primary_sum, c.test_scored,"
      "   c.test_score_sum, t.task_sums, h.score_counts, c.higher2,"
      "   c.lower2, c.high_low)"
      "  IS DISTINCT FROM (k.participants::bigint, k.marks, k.failed::bigint,"
      "   k.primary_sum, k.test_scored::bigint, k.test_score_sum,"
      "   k.task_sums, k.score_counts, k.journal_higher2::bigint,"
      "   k.journal_lower2::bigint, k.high_low_mastery::bigint)",
      id, id, min, max_primary, id);
}

static char *scores_of(long long id, const char *participant) {
  return db_text("SELECT task_scores::text FROM assessment_results"
                 " WHERE assessment_id = %lld AND participant_code = '%s'",
                 id, participant);
}

static void assert_scores(long long id, const char *participant,
                          const char *want) {
  char *got = scores_of(id, participant);
  assert_string_equal(got, want);
  free(got);
}

/* The problem of `row` in the answer's first problems. */
static const json_t *problem_of(const json_t *answer, long long row) {
  const json_t *list = json_object_get(answer, "problems"), *pr;
  size_t i;
  json_array_foreach(list, i, pr) if (jint(pr, "row") == row) return pr;
  fail_msg("no problem of row %lld", row);
  return NULL;
}

static void assert_row_problem(const json_t *answer, long long row,
                               const char *column, const char *code,
                               const char *message_part) {
  const json_t *pr = problem_of(answer, row);
  assert_json_str(pr, "column", column);
  assert_json_str(pr, "code", code);
  const char *message = json_string_value(json_object_get(pr, "message"));
  assert_non_null(message);
  if (!strstr(message, message_part))
    fail_msg("row %lld: \"%s\" does not say \"%s\"", row, message,
             message_part);
}

static void test_oge_csv_block(void **state) {
  (void)state;
  struct place p = place_new_named(2, "МБОУ «Гимназия»");
  long long id = oge_new();
  const char *before = use_token(make_token("ingest", "region", p.region));
  const char *csv =
      J("ОО;Код участника;Ответы на задания с кратким ответом;4 (2б);5 (3б);"
        "Первичный балл;Отметка\r\n"
        "%s;o1;++2;2;3;9;5\r\n"
        "%s;o2;-+-;;;1;2\r\n"
        "%s;o3;+-1;1;0;3;3\r\n"
        "%s;o4;+-;1;1;3;3\r\n"
        "%s;o5;+x+;1;1;4;3\r\n"
        "%s;o6;3++;1;1;5;4\r\n"
        "%s;o7;;1;1;2;2\r\n",
        p.code[0], p.code[0], p.code[1], p.code[1], p.code[1], p.code[1],
        p.code[1]);
  struct http_reply *r = push_str(id, "?mode=partial", "text/csv", csv);
  assert_status(r, 201);
  assert_json_int(r->json, "inserted", 3);
  assert_json_int(r->json, "rejected", 4);
  const char *col = "Ответы на задания с кратким ответом";
  assert_row_problem(r->json, 5, col, "malformed_row",
                     "the short answers have 2 characters, the instrument 3");
  assert_row_problem(r->json, 6, col, "malformed_row",
                     "character 2 of the short answers (task 2)");
  assert_row_problem(r->json, 7, col, "score_above_max",
                     "character 1 of the short answers (task 1)");
  assert_row_problem(r->json, 8, col, "missing_value", "short answers");
  /* The column went to its field. */
  const json_t *c = json_array_get(json_object_get(r->json, "columns"), 2);
  assert_json_str(c, "field", "short_answers");
  http_reply_free(r);
  assert_scores(id, "o1", "{1,1,2,2,3}");
  assert_scores(id, "o2", "{0,1,0,0,0}");
  assert_scores(id, "o3", "{1,0,1,1,0}");
  assert_int_equal(stats_mismatches(id, 9, -1), 0);
  /* Task mastery exists for ОГЭ as for ВПР. */
  struct http_reply *s =
      http_get("/api/v1/schools/%lld/assessments?year=2026", p.school[0]);
  assert_status(s, 200);
  const json_t *stats = json_object_get(
      json_array_get(json_object_get(s->json, "items"), 0), "stats");
  const json_t *task3 = json_array_get(json_object_get(stats, "tasks"), 2);
  assert_json_str(task3, "number", "3");
  assert_true(json_real_value(json_object_get(task3, "mastery")) == 50.0 ||
              json_integer_value(json_object_get(task3, "mastery")) == 50);
  http_reply_free(s);
  /* A short task's own column beside the block refuses the push. */
  const char *both = J("ОО;Код участника;Краткие ответы;1 (1б);4 (2б);5 (3б);"
                       "Первичный балл;Отметка\r\n%s;o9;++2;1;2;3;9;5\r\n",
                       p.code[0]);
  r = push_str(id, NULL, "text/csv", both);
  assert_problem(r, 422, "import_rejected");
  http_reply_free(r);
  use_token(before);
}

static void test_oge_json_block(void **state) {
  (void)state;
  struct place p = place_new_named(2, "МБОУ «Гимназия»");
  long long id = oge_new();
  const char *before = use_token(make_token("ingest", "region", p.region));
  const char *body =
      J("[{\"school_code\": \"%s\", \"participant_code\": \"j1\","
        " \"short_answers\": \"++-\", \"tasks\": {\"4\": 2, \"5\": 1},"
        " \"primary_score\": 5, \"mark\": 4},"
        " {\"school_code\": \"%s\", \"participant_code\": \"j2\","
        " \"short_answers\": \"-+1\", \"tasks\": [1, 0],"
        " \"primary_score\": 3, \"mark\": 3},"
        " {\"school_code\": \"%s\", \"participant_code\": \"j3\","
        " \"short_answers\": \"+-?\", \"tasks\": [0, 0],"
        " \"primary_score\": 1, \"mark\": 2}]",
        p.code[0], p.code[1], p.code[1]);
  struct http_reply *r = push_str(id, NULL, "application/json", body);
  assert_problem(r, 422, "import_rejected"); /* strict: j3 rejects all */
  http_reply_free(r);
  r = push_str(id, "?mode=partial", "application/json", body);
  assert_status(r, 201);
  assert_json_int(r->json, "inserted", 2);
  assert_row_problem(r->json, 3, "short_answers", "malformed_row",
                     "character 3 of the short answers (task 3)");
  http_reply_free(r);
  assert_scores(id, "j1", "{1,1,0,2,1}");
  assert_scores(id, "j2", "{0,1,1,1,0}");
  assert_int_equal(stats_mismatches(id, 9, -1), 0);
  use_token(before);
}

/* n ЕГЭ rows of a school: block, extended score, test score varied. */
static void ege_rows(char *buf, size_t size, const char *school,
                     const char *prefix, int n) {
  static const char *const blocks[] = {"++2", "-+1", "---", "+-+", "-+-"};
  static const int block_sum[] = {4, 2, 0, 3, 1};
  size_t len = strlen(buf);
  for (int i = 0; i < n; i++) {
    int ext = i % 6, test = 10 + 7 * i % 80;
    int w = snprintf(buf + len, size - len, "%s;%s-%d;%s;%d;%d;%d\r\n", school,
                     prefix, i, blocks[i % 5], ext > 5 ? 5 : ext,
                     block_sum[i % 5] + (ext > 5 ? 5 : ext), test);
    assert_true(w > 0 && (size_t)w < size - len);
    len += (size_t)w;
  }
}

#define EGE_HEADER                                                             \
  "ОО;Код участника;short_answers;4 (5б);Первичный балл;Тестовый балл\r\n"

static void test_ege_minimum_from_the_table(void **state) {
  (void)state;
  struct place p = place_new_named(2, "МБОУ «Гимназия»");
  long long id = ege_new(2026, "", -1);
  const char *before = use_token(make_token("ingest", "region", p.region));
  static char csv[16384];
  snprintf(csv, sizeof csv, "%s", EGE_HEADER);
  ege_rows(csv, sizeof csv, p.code[0], "e", 30);
  ege_rows(csv, sizeof csv, p.code[1], "f", 12);
  /* No mark column: the table gives russian 2026 a minimum (24). */
  struct http_reply *r = push_str(id, NULL, "text/csv", csv);
  assert_status(r, 201);
  assert_json_int(r->json, "inserted", 42);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(id, 9, 24), 0);
  long long below = db_count("SELECT count(*) FROM assessment_results WHERE"
                             " assessment_id = %lld AND school_id = %lld"
                             " AND test_score < 24",
                             id, p.school[0]);
  assert_true(below > 0);
  struct http_reply *s =
      http_get("/api/v1/schools/%lld/assessments?year=2026", p.school[0]);
  assert_status(s, 200);
  const json_t *stats = json_object_get(
      json_array_get(json_object_get(s->json, "items"), 0), "stats");
  assert_json_int(stats, "failed", below);
  http_reply_free(s);
  /* An instrument's own minimum goes first. */
  long long own = ege_new(2026, "own", 50);
  r = push_str(own, NULL, "text/csv", csv);
  assert_status(r, 201);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(own, 9, 50), 0);
  assert_true(db_count("SELECT failed FROM assessment_school_stats WHERE"
                       " assessment_id = %lld AND school_id = %lld",
                       own, p.school[0]) > below);
  /* A JSON row with its block. */
  const char *json = J("{\"school_code\": \"%s\", \"participant_code\": \"j1\","
                       " \"short_answers\": \"+-2\", \"tasks\": {\"4\": 5},"
                       " \"primary_score\": 8, \"test_score\": 20}\n",
                       p.code[1]);
  r = push_str(id, NULL, "application/x-ndjson", json);
  assert_status(r, 201);
  http_reply_free(r);
  assert_scores(id, "j1", "{1,0,2,5}");
  assert_int_equal(stats_mismatches(id, 9, 24), 0);
  use_token(before);
}

static void test_ege_minimum_of_other_years(void **state) {
  (void)state;
  struct place p = place_new_named(2, "МБОУ «Гимназия»");
  const char *before = use_token(make_token("ingest", "region", p.region));
  static char csv[4096];
  snprintf(csv, sizeof csv, "%s", EGE_HEADER);
  ege_rows(csv, sizeof csv, p.code[0], "e", 10);
  /* A later year not in the table: the latest year before it (2026). */
  long long later = ege_new(2031, "", -1);
  struct http_reply *r = push_str(later, NULL, "text/csv", csv);
  assert_status(r, 201);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(later, 9, 24), 0);
  assert_true(db_count("SELECT failed FROM assessment_school_stats WHERE"
                       " assessment_id = %lld",
                       later) > 0);
  /* A year before any in the table: no minimum, so the mark is needed. */
  long long earlier = ege_new(2024, "", -1);
  r = push_str(earlier, NULL, "text/csv", csv);
  assert_problem(r, 422, "import_rejected");
  http_reply_free(r);
  use_token(before);
}

static void test_task_parts(void **state) {
  (void)state;
  long long id = oge_new();
  struct http_reply *r = http_get("/api/v1/assessments/%lld", id);
  assert_status(r, 200);
  const json_t *tasks = json_object_get(r->json, "tasks");
  assert_json_str(json_array_get(tasks, 0), "part", "short");
  assert_json_str(json_array_get(tasks, 3), "part", "extended");
  assert_null(json_object_get(json_array_get(tasks, 4), "part"));
  http_reply_free(r);
  r = http_post(
      "/api/v1/assessments",
      "{\"kind\": \"OGE\", \"year\": 2026, \"grade\": 9,"
      " \"subject_code\": \"parts\", \"subject_name\": \"Математика\","
      " \"max_primary_score\": 11, \"tasks\": ["
      " {\"number\": \"1\", \"max_score\": 10, \"level\": \"basic\","
      " \"part\": \"short\"},"
      " {\"number\": \"2\", \"max_score\": 1, \"level\": \"basic\","
      " \"part\": \"long\"}]}");
  assert_problem(r, 400, "validation_failed");
  assert_error_path(r, "$.tasks[1].part");
  http_reply_free(r);
  /* A block's character holds at most 9. */
  r = http_post(
      "/api/v1/assessments",
      "{\"kind\": \"OGE\", \"year\": 2026, \"grade\": 9,"
      " \"subject_code\": \"parts\", \"subject_name\": \"Математика\","
      " \"max_primary_score\": 11, \"tasks\": ["
      " {\"number\": \"1\", \"max_score\": 10, \"level\": \"basic\","
      " \"part\": \"short\"},"
      " {\"number\": \"2\", \"max_score\": 1, \"level\": \"basic\"}]}");
  assert_problem(r, 400, "validation_failed");
  assert_error_path(r, "$.tasks[0].max_score");
  http_reply_free(r);
}

static struct http_reply *put_minimum(const char *path, const char *body) {
  const char *h[] = {"Content-Type: application/json", NULL};
  return http_request("PUT", J("/api/v1/assessments/minimum-scores/%s", path),
                      body, h);
}

static void test_minimum_scores_read_and_written(void **state) {
  (void)state;
  struct http_reply *r =
      http_get("/api/v1/assessments/minimum-scores?year=2026");
  assert_status(r, 200);
  const json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 16);
  const json_t *first = json_array_get(items, 0); /* biology */
  assert_json_str(first, "subject_code", "biology");
  assert_json_int(first, "min_test_score", 36);
  const json_t *basic = json_array_get(items, 11); /* math, basic */
  assert_json_str(basic, "variant_set", "basic");
  assert_json_int(basic, "pass_mark", 3);
  assert_true(json_is_null(json_object_get(basic, "min_test_score")));
  http_reply_free(r);
  r = http_get("/api/v1/assessments/minimum-scores?year=2025");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = http_get("/api/v1/assessments/minimum-scores?year=1999");
  assert_problem(r, 400, "validation_failed");
  assert_error_path(r, "query.year");
  http_reply_free(r);

  /* A new year, then replaced; both scales or none are refused. */
  r = put_minimum(
      "2027/russian",
      "{\"subject_name\": \"Русский язык\", \"min_test_score\": 30}");
  assert_status(r, 201);
  assert_json_int(r->json, "min_test_score", 30);
  assert_json_str(r->json, "variant_set", "");
  http_reply_free(r);
  r = put_minimum(
      "2027/russian",
      "{\"subject_name\": \"Русский язык\", \"min_test_score\": 26}");
  assert_status(r, 200);
  http_reply_free(r);
  r = put_minimum(
      "2027/math?variant_set=basic",
      "{\"subject_name\": \"Математика (базовая)\", \"pass_mark\": 3}");
  assert_status(r, 201);
  assert_json_str(r->json, "variant_set", "basic");
  http_reply_free(r);
  r = put_minimum("2027/math", "{\"subject_name\": \"Математика\","
                               " \"pass_mark\": 3, \"min_test_score\": 27}");
  assert_problem(r, 400, "validation_failed");
  assert_error_path(r, "$.min_test_score");
  assert_error_path(r, "$.pass_mark");
  http_reply_free(r);
  r = put_minimum("1999/Math",
                  "{\"subject_name\": \"\", \"min_test_score\": 101}");
  assert_problem(r, 400, "validation_failed");
  assert_error_path(r, "path.year");
  assert_error_path(r, "path.subject_code");
  http_reply_free(r);
  /* Three writes audited; the update with what changed. */
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE"
                            " entity = 'ege_minimum_score'"),
                   3);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE"
                            " entity = 'ege_minimum_score'"
                            " AND action = 'update'"
                            " AND before->>'min_test_score' = '30'"
                            " AND after->>'min_test_score' = '26'"),
                   1);

  /* An ЕГЭ push of 2028 takes 2027's 26. */
  struct place p = place_new_named(2, "МБОУ «Гимназия»");
  long long id = ege_new(2028, "", -1);
  const char *before = use_token(make_token("ingest", "region", p.region));
  static char csv[4096];
  snprintf(csv, sizeof csv, "%s", EGE_HEADER);
  ege_rows(csv, sizeof csv, p.code[0], "e", 12);
  r = push_str(id, NULL, "text/csv", csv);
  assert_status(r, 201);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(id, 9, 26), 0);
  /* Only admins write. */
  r = put_minimum(
      "2027/russian",
      "{\"subject_name\": \"Русский язык\", \"min_test_score\": 1}");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(before);
}

/* A header whose names are not UTF-8 (\xff\xfe: a UTF-16 mark sent as
 * CSV) is refused with problems that quote it validly, dry run or not:
 * never a 500 from the record of the problems. */
static void test_header_not_utf8(void **state) {
  (void)state;
  long long id = oge_new();
  const char *queries[] = {"?dry_run=true", "", NULL};
  for (int i = 0; queries[i] != NULL; i++) {
    struct http_reply *r =
        push_str(id, queries[i], "text/csv", "\xff\xfe;x\n1;2\n");
    assert_problem(r, 422, "import_rejected");
    assert_non_null(r->json); /* valid JSON, so valid UTF-8 */
    http_reply_free(r);
  }
  assert_int_equal(rows_of(id), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_not_utf8),
      cmocka_unit_test(test_task_parts),
      cmocka_unit_test(test_oge_csv_block),
      cmocka_unit_test(test_oge_json_block),
      cmocka_unit_test(test_ege_minimum_from_the_table),
      cmocka_unit_test(test_ege_minimum_of_other_years),
      cmocka_unit_test(test_minimum_scores_read_and_written),
  };
  harness_start("push_gia");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
