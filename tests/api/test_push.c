/* The bulk push of assessment results: POST /assessments/{id}/results in
 * CSV, JSON and JSON lines; every kind of bad row in strict and partial
 * mode; dry runs; Idempotency-Key replays and conflicts; a push cut off
 * midway; statistics against a direct computation over the rows; who may
 * push; regional systems' column names and Windows-1251 files; rows
 * numbered as Excel shows them (docs/ASSESSMENTS.md). */
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "push_fixtures.h"

/* --- fixtures ------------------------------------------------------------- */

/* n rows for school `code`, participants prefix-1 .. prefix-n, scores
 * varied by position. */
static void f1_rows(struct text *t, const char *code, const char *prefix,
                    int n) {
  for (int i = 1; i <= n; i++) {
    int s[5] = {i % 2, (i / 2) % 2, i % 3, (i / 3) % 2, (i / 5) % 3};
    char participant[64];
    snprintf(participant, sizeof participant, "%s-%d", prefix, i);
    int primary = s[0] + s[1] + s[2] + s[3] + s[4];
    /* Journal marks one off now and then, two off (either way) more
     * rarely. */
    int mark = mark_for(primary);
    int journal = mark + (i % 5 == 0) - (i % 11 == 0);
    if (i % 6 == 0 || i % 13 == 0)
      journal = mark <= 3 ? mark + 2 : mark - 2;
    journal = journal > 5 ? 5 : journal < 2 ? 2 : journal;
    if (i % 7 == 0)
      journal = 0; /* not given */
    f1_row(t, code, participant, s, journal);
  }
}

/* Gaps of two and more against the journal mark, and "4"s and "5"s with
 * basic-level mastery under 60 %, over rows r and b. */
#define GAP_AND_MASTERY_SQL                                                    \
  "count(*) FILTER (WHERE journal_mark >= mark + 2) AS higher2,"               \
  " count(*) FILTER (WHERE journal_mark <= mark - 2) AS lower2,"               \
  " count(*) FILTER (WHERE mark >= 4 AND b.basic_max > 0 AND 100 *"            \
  "  (SELECT coalesce(sum(u.v), 0) FROM unnest(r.task_scores)"                 \
  "   WITH ORDINALITY u(v, i) WHERE u.i = ANY (b.ords)) < 60 * b.basic_max)"   \
  "  AS high_low"

/* Schools whose kept statistics differ from a computation over the rows
 * (or exist on one side only): 0 when they are exact. */
static long long stats_mismatches(long long id) {
  return db_count(
      "WITH r AS (SELECT * FROM assessment_results WHERE assessment_id = %lld),"
      " b AS (" BASIC_TASKS_SQL "),"
      " c AS (SELECT school_id, count(*) AS participants,"
      "  ARRAY[count(*) FILTER (WHERE mark = 2), count(*) FILTER (WHERE mark = "
      "3),"
      "   count(*) FILTER (WHERE mark = 4), count(*) FILTER (WHERE mark = "
      "5)]::int[]"
      "   AS marks,"
      "  count(*) FILTER (WHERE mark = 2) AS failed, sum(primary_score) AS "
      "primary_sum,"
      "  count(*) FILTER (WHERE journal_mark IS NOT NULL AND mark IS NOT NULL)"
      "   AS journal_known,"
      "  count(*) FILTER (WHERE mark = journal_mark) AS confirmed,"
      "  count(*) FILTER (WHERE mark < journal_mark) AS lowered,"
      "  count(*) FILTER (WHERE mark > journal_mark) AS raised,"
      "  " GAP_AND_MASTERY_SQL "  FROM r CROSS JOIN b GROUP BY school_id),"
      " t AS (SELECT school_id, array_agg(total ORDER BY i) AS task_sums FROM"
      "  (SELECT school_id, i, sum(v) AS total FROM r,"
      "   unnest(task_scores) WITH ORDINALITY u(v, i) GROUP BY 1, 2) x"
      "  GROUP BY 1),"
      " h AS (SELECT s.school_id, array_agg((SELECT count(*) FROM r"
      "   WHERE r.school_id = s.school_id AND r.primary_score = g) ORDER BY "
      "g)::int[]"
      "   AS score_counts"
      "  FROM (SELECT DISTINCT school_id FROM r) s, generate_series(0, 7) g"
      "  GROUP BY 1),"
      " k AS (SELECT * FROM assessment_school_stats WHERE assessment_id = %lld)"
      " SELECT count(*) FROM (c JOIN t USING (school_id) JOIN h USING "
      "(school_id))"
      "  FULL JOIN k ON k.school_id = c.school_id"
      " WHERE k.school_id IS NULL OR c.school_id IS NULL OR"
      "  (c.participants, c.marks, c.failed, c.primary_sum, t.task_sums,"
      "   h.score_counts, c.journal_known, c.confirmed, c.lowered, c.raised,"
      "   c.higher2, c.lower2, c.high_low)"
      "  IS DISTINCT FROM (k.participants::bigint, k.marks, k.failed::bigint,"
      "   k.primary_sum, k.task_sums, k.score_counts,"
      "   k.journal_known::bigint, k.confirmed::bigint, k.lowered::bigint,"
      "   k.raised::bigint, k.journal_higher2::bigint,"
      "   k.journal_lower2::bigint, k.high_low_mastery::bigint)",
      id, id, id);
}

static void assert_counts(const json_t *o, long long received,
                          long long inserted, long long updated,
                          long long unchanged, long long rejected) {
  assert_json_int(o, "received", received);
  assert_json_int(o, "inserted", inserted);
  assert_json_int(o, "updated", updated);
  assert_json_int(o, "unchanged", unchanged);
  assert_json_int(o, "rejected", rejected);
}

/* --- formats ----------------------------------------------------------------
 */

static void test_push_f1_csv(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, "\xEF\xBB\xBF" F1_HEADER);
  f1_rows(&t, p.code[0], "a", 30);
  f1_rows(&t, p.code[1], "b", 12);
  const char *admin = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, NULL, &t);
  assert_status(r, 201);
  assert_counts(r->json, 42, 42, 0, 0, 0);
  assert_json_str(r->json, "outcome", "committed");
  assert_non_null(r->location);
  assert_int_equal(rows_of(id), 42);
  assert_int_equal(stats_mismatches(id), 0);
  /* The rows hold gaps of two both ways and high marks with low basic
   * mastery: the comparison above is not one of zeros. */
  assert_true(db_count("SELECT sum(journal_higher2) * sum(journal_lower2) *"
                       " sum(high_low_mastery) FROM assessment_school_stats"
                       " WHERE assessment_id = %lld",
                       id) > 0);
  assert_int_equal(db_count("SELECT participants FROM assessment_school_stats"
                            " WHERE assessment_id = %lld AND school_id = %lld",
                            id, p.school[0]),
                   30);
  /* What authorities read agrees with the rows. */
  struct http_reply *read =
      http_get("/api/v1/schools/%lld/assessments?year=2025", p.school[0]);
  assert_status(read, 200);
  const json_t *items = json_object_get(read->json, "items");
  assert_int_equal(json_array_size(items), 1);
  const json_t *stats = json_object_get(json_array_get(items, 0), "stats");
  assert_json_int(stats, "participants", 30);
  assert_json_int(json_object_get(stats, "marks"), "2",
                  db_count("SELECT count(*) FROM assessment_results WHERE"
                           " assessment_id = %lld AND school_id = %lld AND"
                           " mark = 2",
                           id, p.school[0]));
  assert_json_int(stats, "failed", jint(json_object_get(stats, "marks"), "2"));
  http_reply_free(read);
  /* The record says the same, and has no problems. */
  struct http_reply *rec = http_get("%s", r->location);
  assert_status(rec, 200);
  assert_json_int(rec->json, "inserted", 42);
  assert_json_str(rec->json, "outcome", "committed");
  assert_int_equal(json_array_size(json_object_get(rec->json, "problems")), 0);
  http_reply_free(rec);
  http_reply_free(r);
  use_token(admin);
  free(t.s);
}

static void test_push_json_and_lines(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  const char *before = use_token(ingest_token(&p));
  const char *array =
      J("[{\"school_code\": \"%s\", \"participant_code\": \"j1\", \"class\": "
        "\"5Б\","
        " \"variant\": \"2\", \"tasks\": {\"1\": 1, \"2\": 1, \"3\": 2, "
        "\"4.1\": 0,"
        " \"4.2\": 1}, \"primary_score\": 5, \"mark\": 4, \"journal_mark\": 5},"
        " {\"school_code\": \"%s\", \"participant_code\": \"j2\","
        " \"tasks\": [0, 0, 1, 0, 0], \"primary_score\": 1, \"mark\": 2,"
        " \"journal_mark\": 4}]",
        p.code[0], p.code[1]);
  struct http_reply *r =
      push(id, NULL, "application/json", array, strlen(array), NULL);
  assert_status(r, 201);
  assert_counts(r->json, 2, 2, 0, 0, 0);
  http_reply_free(r);
  const char *lines =
      J("{\"school_code\": \"%s\", \"participant_code\": \"j3\","
        " \"tasks\": [1, 1, 2, 1, 2], \"primary_score\": 7, \"mark\": 5,"
        " \"journal_mark\": 3}\n"
        "{\"school_code\": \"%s\", \"participant_code\": \"j1\", \"class\": "
        "\"5Б\","
        " \"variant\": \"2\", \"tasks\": [1, 1, 2, 0, 1], \"primary_score\": 5,"
        " \"mark\": 4, \"journal_mark\": 5}\n",
        p.code[2], p.code[0]);
  r = push(id, NULL, "application/x-ndjson", lines, strlen(lines), NULL);
  assert_status(r, 201);
  assert_counts(r->json, 2, 1, 0, 1, 0);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 3);
  assert_int_equal(stats_mismatches(id), 0);
  assert_int_equal(db_count("SELECT sum(journal_higher2) * 10 +"
                            " sum(journal_lower2) FROM assessment_school_stats"
                            " WHERE assessment_id = %lld",
                            id),
                   11);
  char *cls = db_text("SELECT class_name || '/' || variant FROM"
                      " assessment_results WHERE assessment_id = %lld AND"
                      " participant_code = 'j1'",
                      id);
  assert_string_equal(cls, "5Б/2");
  free(cls);
  use_token(before);
}

/* --- bad rows --------------------------------------------------------------
 */

/* One row of every kind of problem, and two good rows; rows numbered as
 * Excel shows them (the header is row 1). */
static void bad_rows(struct text *t, const struct place *p) {
  text_add(t, F1_HEADER);
  const int good[5] = {1, 1, 2, 0, 1};
  f1_row(t, p->code[0], "g1", good, 4);                          /* 2 */
  text_add(t, "edu-nowhere;;;x2;5А;1;1;1;2;0;1;5;4;\r\n");       /* 3 */
  text_add(t, "%s;;;x3;5А;1;1;3;2;0;1;7;5;\r\n", p->code[0]);    /* 4 */
  text_add(t, "%s;;;x4;5А;1;1;1;2;0;1;6;5;\r\n", p->code[0]);    /* 5 */
  text_add(t, "%s;;;x5;5А;1;1;1;2;0;1;5;5;\r\n", p->code[0]);    /* 6 */
  text_add(t, "%s;;;g1;5А;1;1;1;2;0;1;5;4;\r\n", p->code[1]);    /* 7 */
  text_add(t, "%s;;;x7;5А;1;один;1;2;0;1;5;4;\r\n", p->code[0]); /* 8 */
  f1_row(t, p->code[1], "g2", good, 0);                          /* 9 */
}

static const char *const bad_codes[] = {
    "unknown_school",    "score_above_max",       "primary_score_mismatch",
    "mark_inconsistent", "duplicate_participant", "malformed_number"};

static void assert_bad_rows_listed(const json_t *problems) {
  static const long rows[] = {3, 4, 5, 6, 7, 8};
  for (size_t k = 0; k < 6; k++) {
    bool found = false;
    size_t i;
    json_t *pr;
    json_array_foreach(problems, i, pr) {
      if (jint(pr, "row") == rows[k] &&
          strcmp(jstr(pr, "code"), bad_codes[k]) == 0)
        found = true;
    }
    if (!found)
      fail_msg("no %s problem on row %ld", bad_codes[k], rows[k]);
  }
}

static void test_push_strict_rejects_everything(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  bad_rows(&t, &p);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, NULL, &t);
  assert_problem(r, 422, "import_rejected");
  assert_string_equal(r->content_type, "application/problem+json");
  const json_t *summary = json_object_get(r->json, "import");
  assert_json_str(summary, "outcome", "rejected");
  assert_counts(summary, 8, 0, 0, 0, 6);
  assert_bad_rows_listed(json_object_get(summary, "problems"));
  assert_error_path(r, "row 3, column school_code");
  assert_int_equal(rows_of(id), 0);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_school_stats"
                            " WHERE assessment_id = %lld",
                            id),
                   0);
  /* The record keeps every problem. */
  struct http_reply *rec =
      http_get("/api/v1/imports/%lld", jint(summary, "import_id"));
  assert_status(rec, 200);
  assert_json_str(rec->json, "outcome", "rejected");
  assert_bad_rows_listed(json_object_get(rec->json, "problems"));
  http_reply_free(rec);
  http_reply_free(r);
  use_token(before);
  free(t.s);
}

static void test_push_partial_keeps_good_rows(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  bad_rows(&t, &p);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, "?mode=partial", &t);
  assert_status(r, 201);
  assert_json_str(r->json, "outcome", "committed");
  assert_counts(r->json, 8, 2, 0, 0, 6);
  assert_bad_rows_listed(json_object_get(r->json, "problems"));
  assert_int_equal(rows_of(id), 2);
  assert_int_equal(stats_mismatches(id), 0);
  http_reply_free(r);
  use_token(before);
  free(t.s);
}

static void test_push_dry_run_writes_nothing(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "d", 10);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, "?dry_run=true", &t);
  assert_status(r, 200);
  assert_json_str(r->json, "outcome", "dry_run");
  assert_counts(r->json, 10, 10, 0, 0, 0);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 0);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_school_stats"
                            " WHERE assessment_id = %lld",
                            id),
                   0);
  use_token(before);
  free(t.s);
}

static void test_push_header_problems(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  const char *before = use_token(ingest_token(&p));
  /* Task 4.2 missing, task 3 with the wrong maximum, an unknown column. */
  const char *csv = "ОО;Код участника;1 (1б);2 (1б);3 (1б);4.1 (1б);Оценка;"
                    "Первичный балл;Отметка\r\nedu1;p1;1;1;1;1;5;4;4\r\n";
  struct http_reply *r = push(id, NULL, "text/csv", csv, strlen(csv), NULL);
  assert_problem(r, 422, "import_rejected");
  const json_t *summary = json_object_get(r->json, "import");
  assert_true(jint(summary, "problems_count") >= 3);
  http_reply_free(r);
  r = push(id, NULL, "text/plain", csv, strlen(csv), NULL);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  r = push(id, "?mode=lenient", "text/csv", csv, strlen(csv), NULL);
  assert_problem(r, 400, "validation_failed");
  assert_error_path(r, "query.mode");
  http_reply_free(r);
  r = push(999999, NULL, "text/csv", csv, strlen(csv), NULL);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_int_equal(rows_of(id), 0);
  use_token(before);
}

/* --- files as regional systems save them ----------------------------------
 */

/* UTF-8 text in Windows-1251, by iconv; to free. */
static char *to_cp1251(const char *utf8, size_t *len) {
  iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
  assert_true(cd != (iconv_t)-1);
  size_t in_left = strlen(utf8), out_left = in_left + 1;
  char *out = malloc(out_left), *in = (char *)utf8, *o = out;
  assert_non_null(out);
  assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
  iconv_close(cd);
  *len = (size_t)(o - out);
  return out;
}

static void assert_column(const json_t *answer, size_t position,
                          const char *header, const char *field) {
  const json_t *c =
      json_array_get(json_object_get(answer, "columns"), position - 1);
  assert_json_int(c, "position", (long long)position);
  assert_json_str(c, "header", header);
  if (field)
    assert_json_str(c, "field", field);
  else
    assert_json_null(c, "field");
}

static void assert_note_ignored(const json_t *answer) {
  const json_t *w = json_object_get(answer, "warnings");
  assert_int_equal(json_array_size(w), 1);
  assert_json_str(json_array_get(w, 0), "code", "unknown_column");
  assert_json_str(json_array_get(w, 0), "column", "Примечание");
  assert_json_int(json_array_get(w, 0), "position", 14);
}

/* Another system's names for the fields, a column of its own, the term
 * mark as «Отметка за предыдущий период»; then the same file as Russian
 * Excel saves it, in Windows-1251, in partial mode and declared. */
static void test_push_regional_names_and_cp1251(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  const char *csv =
      J("Логин ОО;Район;Код участника;Класс;Вариант;1;2;3;4.1;4.2;Сумма баллов;"
        "Оценка;Отметка за предыдущий период;Примечание\r\n"
        "%s;Ливенский;r1;5А;1;1;1;2;0;1;5;4;5;новенький, «переведён»\r\n"
        "%s;Ливенский;r2;5Б;2;0;0;0;0;0;0;2;3;\r\n",
        p.code[0], p.code[1]);
  char *cp = NULL;
  size_t cp_len;
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push(id, NULL, "text/csv", csv, strlen(csv), NULL);
  assert_status(r, 201);
  assert_counts(r->json, 2, 2, 0, 0, 0);
  assert_json_str(r->json, "encoding", "utf-8");
  assert_column(r->json, 1, "Логин ОО", "school_code");
  assert_column(r->json, 2, "Район", "municipality");
  assert_column(r->json, 10, "4.2", "tasks.4.2");
  assert_column(r->json, 11, "Сумма баллов", "primary_score");
  assert_column(r->json, 12, "Оценка", "mark");
  assert_column(r->json, 13, "Отметка за предыдущий период", "journal_mark");
  assert_column(r->json, 14, "Примечание", NULL);
  assert_note_ignored(r->json);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT journal_mark FROM assessment_results"
                            " WHERE assessment_id = %lld AND"
                            " participant_code = 'r1'",
                            id),
                   5);
  assert_int_equal(stats_mismatches(id), 0);

  /* Windows-1251, partial mode, with a key: read the same (unchanged),
   * and the replay is the same answer byte for byte. */
  cp = to_cp1251(csv, &cp_len);
  const char *key = uniq("cp1251");
  r = push(id, "?mode=partial", "text/csv", cp, cp_len, key);
  assert_status(r, 201);
  assert_counts(r->json, 2, 0, 0, 2, 0);
  assert_json_str(r->json, "encoding", "windows-1251");
  assert_column(r->json, 13, "Отметка за предыдущий период", "journal_mark");
  assert_note_ignored(r->json);
  struct http_reply *again =
      push(id, "?mode=partial", "text/csv", cp, cp_len, key);
  assert_status(again, 201);
  assert_string_equal(again->body, r->body);
  assert_non_null(http_header(again, "Idempotent-Replayed"));
  http_reply_free(again);
  http_reply_free(r);

  /* Declared windows-1251; a dry run. */
  r = push(id, "?dry_run=true", "text/csv; charset=windows-1251", cp, cp_len,
           NULL);
  assert_status(r, 200);
  assert_json_str(r->json, "encoding", "windows-1251");
  assert_counts(r->json, 2, 0, 0, 2, 0);
  http_reply_free(r);
  r = push(id, NULL, "text/csv; charset=koi8-r", cp, cp_len, NULL);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  assert_int_equal(rows_of(id), 2);
  use_token(before);
  free(cp);
}

/* A problem names the row as Excel shows it: the header is row 1, and a
 * record over three lines is one row. JSON lines: the line; a JSON array:
 * the element. The record keeps the same numbers. */
static void test_push_row_numbers(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  text_add(&t,
           "%s;Ливенский район;\"МБОУ «Казанская\r\nСОШ»\r\nфилиал\";ml1;5А;1;"
           "1;1;2;0;1;5;4;\r\n",
           p.code[0]);
  text_add(&t, "\r\n%s;;;ml2;5А;1;1;1;2;0;1;7;5;\r\n", p.code[0]);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, "?mode=partial", &t);
  assert_status(r, 201);
  assert_counts(r->json, 2, 1, 0, 0, 1);
  const json_t *pr = json_array_get(json_object_get(r->json, "problems"), 0);
  assert_json_int(pr, "row", 4);
  assert_json_str(pr, "code", "primary_score_mismatch");
  struct http_reply *rec = http_get("%s", r->location);
  assert_status(rec, 200);
  assert_json_int(json_array_get(json_object_get(rec->json, "problems"), 0),
                  "row", 4);
  http_reply_free(rec);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT import_row FROM assessment_results WHERE"
                            " assessment_id = %lld AND participant_code ="
                            " 'ml1'",
                            id),
                   2);

  const char *row = "{\"school_code\": \"%s\", \"participant_code\": \"%s\","
                    " \"tasks\": [1, 1, 2, 0, 1], \"primary_score\": %d,"
                    " \"mark\": 4}";
  char good[256], bad[256];
  snprintf(good, sizeof good, row, p.code[0], "j1", 5);
  snprintf(bad, sizeof bad, row, p.code[0], "j2", 6);
  const char *lines = J("%s\n\n%s\n", good, bad);
  r = push(id, "?dry_run=true&mode=partial", "application/x-ndjson", lines,
           strlen(lines), NULL);
  assert_status(r, 200);
  assert_json_int(json_array_get(json_object_get(r->json, "problems"), 0),
                  "row", 3);
  assert_int_equal(json_array_size(json_object_get(r->json, "warnings")), 0);
  http_reply_free(r);
  const char *array = J("[%s, %s]", good, bad);
  r = push(id, "?dry_run=true&mode=partial", "application/json", array,
           strlen(array), NULL);
  assert_status(r, 200);
  assert_json_int(json_array_get(json_object_get(r->json, "problems"), 0),
                  "row", 2);
  http_reply_free(r);
  use_token(before);
  free(t.s);
}

/* Words in a number cell (cut at a character, not a byte, in the message)
 * and a byte that is no UTF-8: problems of their rows, recorded. */
static void test_push_text_in_number_cells(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  text_add(&t,
           "%s;Ливны;Школа;w1;5А;1;не приступал к выполнению;1;2;0;1;5;4;\r\n",
           p.code[0]);
  text_add(&t, "%s;Ливны;Школа;w2;5А;1;1;\xff;2;0;1;5;4;\r\n", p.code[0]);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, "?mode=partial", &t);
  assert_status(r, 201);
  assert_counts(r->json, 2, 0, 0, 0, 2);
  const json_t *problems = json_object_get(r->json, "problems");
  assert_int_equal(json_array_size(problems), 2);
  assert_json_str(json_array_get(problems, 0), "message",
                  "\"не приступал к выполн…\" is not a whole number");
  assert_json_str(json_array_get(problems, 1), "message",
                  "\"?\" is not a whole number");
  struct http_reply *rec = http_get("%s", r->location);
  assert_status(rec, 200);
  assert_int_equal(json_array_size(json_object_get(rec->json, "problems")), 2);
  http_reply_free(rec);
  http_reply_free(r);
  use_token(before);
  free(t.s);
}

/* --- again and again -------------------------------------------------------
 */

static void test_push_again_updates(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "u", 20);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, NULL, &t);
  assert_status(r, 201);
  http_reply_free(r);
  /* The same file again: all unchanged. */
  r = push_csv(id, NULL, &t);
  assert_status(r, 201);
  assert_counts(r->json, 20, 0, 0, 20, 0);
  http_reply_free(r);
  /* A corrected file: two rows change (one moves school), one is new. */
  struct text c = {0};
  text_add(&c, F1_HEADER);
  const int full[5] = {1, 1, 2, 1, 2}, none[5] = {0, 0, 0, 0, 0};
  f1_row(&c, p.code[0], "u-1", full, 5);
  f1_row(&c, p.code[1], "u-2", none, 2);
  f1_row(&c, p.code[0], "u-3", none, 0);
  f1_row(&c, p.code[0], "u-new", full, 0);
  r = push_csv(id, NULL, &c);
  assert_status(r, 201);
  assert_counts(r->json, 4, 1, 3, 0, 0);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 21);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(c.s);
}

static void test_push_replace_school(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "x", 10);
  f1_rows(&t, p.code[1], "y", 5);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, NULL, &t);
  assert_status(r, 201);
  http_reply_free(r);
  /* School 0 again with 4 rows: its other 6 go; school 1 stays. */
  struct text c = {0};
  text_add(&c, F1_HEADER);
  f1_rows(&c, p.code[0], "x", 4);
  r = push_csv(id, "?replace=school", &c);
  assert_status(r, 201);
  assert_json_int(r->json, "deleted", 6);
  assert_json_int(r->json, "unchanged", 4);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 9);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(c.s);
}

/* Over two batches: duplicates across batches, and a second push that
 * meets stored rows in every batch. */
static void test_push_many_rows(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "m", 60000);
  f1_rows(&t, p.code[1], "n", 45000);
  const int s[5] = {1, 0, 0, 0, 0};
  f1_row(&t, p.code[2], "m-7", s, 0); /* row 105002 repeats row 8 */
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, "?mode=partial", &t);
  assert_status(r, 201);
  assert_counts(r->json, 105001, 105000, 0, 0, 1);
  const json_t *pr = json_array_get(json_object_get(r->json, "problems"), 0);
  assert_json_str(pr, "code", "duplicate_participant");
  assert_json_int(pr, "row", 105002);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 105000);
  assert_int_equal(stats_mismatches(id), 0);
  r = push_csv(id, "?mode=partial", &t);
  assert_status(r, 201);
  assert_counts(r->json, 105001, 0, 0, 105000, 1);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
}

/* --- Idempotency-Key -------------------------------------------------------
 */

static void test_push_idempotency_key(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "k", 8);
  const char *before = use_token(ingest_token(&p));
  const char *key = uniq("vpr-2025-math-5");
  struct http_reply *first = push(id, NULL, "text/csv", t.s, t.len, key);
  assert_status(first, 201);
  char *fingerprint = db_fingerprint();
  struct http_reply *again = push(id, NULL, "text/csv", t.s, t.len, key);
  assert_status(again, 201);
  assert_string_equal(again->body, first->body);
  assert_non_null(http_header(again, "Idempotent-Replayed"));
  assert_string_equal(again->location, first->location);
  http_reply_free(again);
  assert_db_unchanged(fingerprint);
  /* Same key and body as a dry run: another request. */
  struct http_reply *dry =
      push(id, "?dry_run=true", "text/csv", t.s, t.len, key);
  assert_problem(dry, 422, "idempotency_key_reused");
  http_reply_free(dry);
  /* Same key, another body. */
  text_add(&t, "%s;;;k-99;5А;1;0;0;0;0;0;0;2;\r\n", p.code[0]);
  fingerprint = db_fingerprint();
  struct http_reply *other = push(id, NULL, "text/csv", t.s, t.len, key);
  assert_problem(other, 422, "idempotency_key_reused");
  http_reply_free(other);
  assert_db_unchanged(fingerprint);
  /* A rejected push is replayed too. */
  const char *bad = "ОО;Код участника\r\n";
  const char *key2 = uniq("bad-push");
  struct http_reply *b1 = push(id, NULL, "text/csv", bad, strlen(bad), key2);
  assert_problem(b1, 422, "import_rejected");
  struct http_reply *b2 = push(id, NULL, "text/csv", bad, strlen(bad), key2);
  assert_problem(b2, 422, "import_rejected");
  assert_true(json_equal(json_object_get(b1->json, "import"),
                         json_object_get(b2->json, "import")));
  assert_non_null(http_header(b2, "Idempotent-Replayed"));
  http_reply_free(b1);
  http_reply_free(b2);
  struct http_reply *badkey =
      push(id, NULL, "text/csv", t.s, t.len, "has space");
  assert_problem(badkey, 400, "bad_request");
  http_reply_free(badkey);
  http_reply_free(first);
  use_token(before);
  free(t.s);
}

/* The connection drops halfway through the body: nothing is written, and
 * the same push with the same key then succeeds. */
static void test_push_cut_off_then_retried(void **state) {
  (void)state;
  struct place p = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "c", 3000);
  const char *token = ingest_token(&p);
  struct text req = {0};
  text_add(&req,
           "POST /api/v1/assessments/%lld/results HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\nContent-Type: text/csv\r\n"
           "Idempotency-Key: cut-off-%lld\r\nContent-Length: %zu\r\n\r\n",
           id, token, id, t.len);
  text_add(&req, "%.*s", (int)(t.len / 2), t.s);
  int fd = raw_send(req.s, req.len);
  assert_true(fd >= 0);
  pause_ms(300); /* let the server take in what was sent */
  close(fd);
  pause_ms(300);
  assert_int_equal(rows_of(id), 0);
  const char *before = use_token(token);
  struct http_reply *r =
      push(id, NULL, "text/csv", t.s, t.len, J("cut-off-%lld", id));
  assert_status(r, 201);
  assert_counts(r->json, 3000, 3000, 0, 0, 0);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(req.s);
}

/* --- who may push ----------------------------------------------------------
 */

static void test_push_roles_and_scope(void **state) {
  (void)state;
  struct place p = place_new(3), elsewhere = place_new(3);
  long long id = instrument_new("math_push", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "s", 3);
  const char *before = use_token(make_token("reader", "region", p.region));
  struct http_reply *r = push_csv(id, NULL, &t);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(make_token("school", "school", p.school[0]));
  r = push_csv(id, NULL, &t);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(make_token("municipal", "municipality", p.municipality));
  r = push_csv(id, NULL, &t);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(NULL);
  r = push_csv(id, NULL, &t);
  assert_problem(r, 401, "unauthorized");
  http_reply_free(r);
  /* An ingest client of another region: the schools are unknown to it. */
  use_token(ingest_token(&elsewhere));
  r = push_csv(id, NULL, &t);
  assert_problem(r, 422, "import_rejected");
  const json_t *summary = json_object_get(r->json, "import");
  assert_json_int(summary, "rejected", 3);
  long long other_import = jint(summary, "import_id");
  http_reply_free(r);
  /* Its record is not visible to the first region's client. */
  use_token(ingest_token(&p));
  r = http_get("/api/v1/imports/%lld", other_import);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = push_csv(id, NULL, &t);
  assert_status(r, 201);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 3);
  use_token(before);
  free(t.s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_push_f1_csv),
      cmocka_unit_test(test_push_json_and_lines),
      cmocka_unit_test(test_push_strict_rejects_everything),
      cmocka_unit_test(test_push_partial_keeps_good_rows),
      cmocka_unit_test(test_push_dry_run_writes_nothing),
      cmocka_unit_test(test_push_header_problems),
      cmocka_unit_test(test_push_regional_names_and_cp1251),
      cmocka_unit_test(test_push_row_numbers),
      cmocka_unit_test(test_push_text_in_number_cells),
      cmocka_unit_test(test_push_again_updates),
      cmocka_unit_test(test_push_replace_school),
      cmocka_unit_test(test_push_many_rows),
      cmocka_unit_test(test_push_idempotency_key),
      cmocka_unit_test(test_push_cut_off_then_retried),
      cmocka_unit_test(test_push_roles_and_scope),
  };
  harness_start("push");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
