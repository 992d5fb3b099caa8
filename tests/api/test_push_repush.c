/* Re-pushes compared by the hash of each row's values
 * (migrations/0025_result_hashes.sql, docs/ASSESSMENTS.md "The push"): a
 * changed value updates exactly its row; the hash never lets a changed row
 * pass as unchanged (an empty cell against a given one, a value moved to
 * the next column, another school); repeats of unchanged participants;
 * rows without a hash; statistics against a computation over the rows. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "push_fixtures.h"

/* --- fixtures ------------------------------------------------------------- */

/* Participant prefix-i of school `code`, as rows() writes it. */
static void row_i(struct text *t, const char *code, const char *prefix, int i) {
  int s[5] = {i % 2, (i / 2) % 2, i % 3, (i / 3) % 2, (i / 5) % 3};
  char participant[64];
  snprintf(participant, sizeof participant, "%s-%d", prefix, i);
  f1_row_full(t, code, participant, "5А", "1", s, i % 4 == 0 ? 0 : 2 + i % 4);
}

/* n rows for school `code`, participants prefix-1 .. prefix-n. */
static void rows(struct text *t, const char *code, const char *prefix, int n) {
  for (int i = 1; i <= n; i++)
    row_i(t, code, prefix, i);
}

static void assert_counts(const json_t *o, long long inserted,
                          long long updated, long long unchanged,
                          long long rejected) {
  assert_json_int(o, "inserted", inserted);
  assert_json_int(o, "updated", updated);
  assert_json_int(o, "unchanged", unchanged);
  assert_json_int(o, "rejected", rejected);
}

/* Pushes t and checks the counts; the push's id. */
static long long push_counted(long long id, const char *query,
                              const struct text *t, long long inserted,
                              long long updated, long long unchanged,
                              long long rejected) {
  struct http_reply *r = push_csv(id, query, t);
  assert_status(r, 201);
  assert_counts(r->json, inserted, updated, unchanged, rejected);
  long long import_id = jint(r->json, "import_id");
  http_reply_free(r);
  return import_id;
}

/* Schools whose kept statistics differ from a computation over the rows
 * (or exist on one side only): 0 when they are exact. */
static long long stats_mismatches(long long id) {
  return db_count(
      "WITH r AS (SELECT * FROM assessment_results WHERE assessment_id = %lld),"
      " c AS (SELECT school_id, count(*) AS participants,"
      "  ARRAY[count(*) FILTER (WHERE mark = 2),"
      "   count(*) FILTER (WHERE mark = 3), count(*) FILTER (WHERE mark = 4),"
      "   count(*) FILTER (WHERE mark = 5)]::int[] AS marks,"
      "  sum(primary_score) AS primary_sum,"
      "  count(*) FILTER (WHERE journal_mark IS NOT NULL AND mark IS NOT NULL)"
      "   AS journal_known,"
      "  count(*) FILTER (WHERE mark = journal_mark) AS confirmed,"
      "  count(*) FILTER (WHERE mark < journal_mark) AS lowered,"
      "  count(*) FILTER (WHERE mark > journal_mark) AS raised,"
      "  count(*) FILTER (WHERE journal_mark >= mark + 2) AS higher2,"
      "  count(*) FILTER (WHERE journal_mark <= mark - 2) AS lower2"
      "  FROM r GROUP BY school_id),"
      " t AS (SELECT school_id, array_agg(total ORDER BY i) AS task_sums FROM"
      "  (SELECT school_id, i, sum(v) AS total FROM r,"
      "   unnest(task_scores) WITH ORDINALITY u(v, i) GROUP BY 1, 2) x"
      "  GROUP BY 1),"
      " h AS (SELECT s.school_id, array_agg((SELECT count(*) FROM r"
      "   WHERE r.school_id = s.school_id AND r.primary_score = g)"
      "   ORDER BY g)::int[] AS score_counts"
      "  FROM (SELECT DISTINCT school_id FROM r) s, generate_series(0, 7) g"
      "  GROUP BY 1),"
      " k AS (SELECT * FROM assessment_school_stats WHERE assessment_id = %lld)"
      " SELECT count(*) FROM (c JOIN t USING (school_id)"
      "  JOIN h USING (school_id)) FULL JOIN k ON k.school_id = c.school_id"
      " WHERE k.school_id IS NULL OR c.school_id IS NULL OR"
      "  (c.participants, c.marks, c.primary_sum, t.task_sums, h.score_counts,"
      "   c.journal_known, c.confirmed, c.lowered, c.raised, c.higher2,"
      "   c.lower2)"
      "  IS DISTINCT FROM (k.participants::bigint, k.marks, k.primary_sum,"
      "   k.task_sums, k.score_counts, k.journal_known::bigint,"
      "   k.confirmed::bigint, k.lowered::bigint, k.raised::bigint,"
      "   k.journal_higher2::bigint, k.journal_lower2::bigint)",
      id, id);
}

/* Rows the push `import_id` wrote. */
static long long written_by(long long id, long long import_id) {
  return db_count("SELECT count(*) FROM assessment_results"
                  " WHERE assessment_id = %lld AND import_id = %lld",
                  id, import_id);
}

/* The push wrote `n` rows. With shared keys (test_push_shared_keys.c) rows
 * the map cannot vouch for go to the database, which writes them unchanged:
 * at least the changed ones, and never a row of another push lost. */
static void assert_written(long long id, long long import_id, long long n,
                           long long of_others) {
#ifdef REPUSH_KEY_BITS
  assert_true(written_by(id, import_id) >= n);
  (void)of_others;
#else
  assert_int_equal(written_by(id, import_id), n);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_results"
                            " WHERE assessment_id = %lld AND import_id <> %lld",
                            id, import_id),
                   of_others);
#endif
}

static const char *ingest(const struct place *p) {
  return use_token(ingest_token(p));
}

/* --- tests ------------------------------------------------------------------
 */

/* One value changed in one row: that row, and only it, is written. */
static void test_repush_one_value(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_repush", 2025, false);
  const char *before = ingest(&p);
  struct text t = {0}, c = {0};
  text_add(&t, F1_HEADER);
  rows(&t, p.code[0], "a", 30);
  push_counted(id, NULL, &t, 30, 0, 0, 0);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_results WHERE"
                            " assessment_id = %lld AND row_hash IS NULL",
                            id),
                   0);
  long long again = push_counted(id, NULL, &t, 0, 0, 30, 0);
  assert_written(id, again, 0, 30);
  /* Participant a-7: its task 3 from 1 to 2 (and its primary score). */
  text_add(&c, F1_HEADER);
  for (int i = 1; i <= 30; i++) {
    int s[5] = {i % 2, (i / 2) % 2, i % 3, (i / 3) % 2, (i / 5) % 3};
    char participant[32];
    snprintf(participant, sizeof participant, "a-%d", i);
    if (i == 7)
      s[2] = 2;
    f1_row_full(&c, p.code[0], participant, "5А", "1", s,
                i % 4 == 0 ? 0 : 2 + i % 4);
  }
  long long fix = push_counted(id, NULL, &c, 0, 1, 29, 0);
  assert_written(id, fix, 1, 29);
  char *scores = db_text("SELECT task_scores::text FROM assessment_results"
                         " WHERE assessment_id = %lld AND"
                         " participant_code = 'a-7'",
                         id);
  assert_string_equal(scores, "{1,1,2,0,1}");
  free(scores);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(c.s);
}

/* Each change the hash must see: an empty cell against a given one, a
 * value moved to the next column, another school. */
static void test_repush_hash_sees_every_change(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_repush", 2025, false);
  const char *before = ingest(&p);
  const int s[5] = {1, 0, 1, 0, 0};
  struct {
    const char *school, *class_name, *variant;
    int journal;
  } steps[] = {
      {p.code[0], "1", "", 0},  /* first: inserted */
      {p.code[0], "", "1", 0},  /* the class moved to the variant */
      {p.code[0], "", "", 0},   /* the variant emptied */
      {p.code[0], "", "", 3},   /* a journal mark given */
      {p.code[0], "", "", 0},   /* and taken away */
      {p.code[1], "", "", 0},   /* another school */
      {p.code[0], "", "", 0},   /* and back */
      {p.code[0], "11", "", 0}, /* class "1" + variant "1" is not "11" */
      {p.code[0], "1", "1", 0},
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    struct text t = {0};
    text_add(&t, F1_HEADER);
    f1_row_full(&t, steps[i].school, "h-1", steps[i].class_name,
                steps[i].variant, s, steps[i].journal);
    f1_row_full(&t, p.code[0], "h-2", "5А", "2", s, 4); /* never changes */
    if (i == 0) {
      push_counted(id, NULL, &t, 2, 0, 0, 0);
    } else {
      long long import_id = push_counted(id, NULL, &t, 0, 1, 1, 0);
      assert_written(id, import_id, 1, 1);
    }
    /* The same again: nothing changes. */
    push_counted(id, NULL, &t, 0, 0, 2, 0);
    assert_int_equal(stats_mismatches(id), 0);
    free(t.s);
  }
  char *row =
      db_text("SELECT concat_ws('|', school_id, class_name, variant,"
              " coalesce(journal_mark, 0)) FROM assessment_results"
              " WHERE assessment_id = %lld AND participant_code = 'h-1'",
              id);
  assert_string_equal(row, J("%lld|1|1|0", p.school[0]));
  free(row);
  use_token(before);
}

/* A participant stored and unchanged, sent twice: the second row is a
 * duplicate, and the stored row keeps the first. */
static void test_repush_repeat_of_unchanged(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_repush", 2025, false);
  const char *before = ingest(&p);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  rows(&t, p.code[0], "d", 10);
  push_counted(id, NULL, &t, 10, 0, 0, 0);
  const int other[5] = {1, 1, 2, 1, 2};
  f1_row_full(&t, p.code[1], "d-3", "5Б", "2", other, 5); /* row 12 */
  struct http_reply *r = push_csv(id, "?mode=partial", &t);
  assert_status(r, 201);
  assert_counts(r->json, 0, 0, 10, 1);
  const json_t *pr = json_array_get(json_object_get(r->json, "problems"), 0);
  assert_json_str(pr, "code", "duplicate_participant");
  assert_json_int(pr, "row", 12);
  assert_non_null(strstr(jstr(pr, "message"), "already in row 4"));
  http_reply_free(r);
  assert_int_equal(
      db_count("SELECT school_id FROM assessment_results WHERE"
               " assessment_id = %lld AND participant_code = 'd-3'",
               id),
      p.school[0]);
  /* Strict: refused, nothing written. */
  r = push_csv(id, NULL, &t);
  assert_status(r, 422);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
}

/* Rows without a hash (written before it, or changed by another writer)
 * are compared value by value, and get their hash. */
static void test_repush_rows_without_hash(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_repush", 2025, false);
  const char *before = ingest(&p);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  rows(&t, p.code[0], "n", 12);
  push_counted(id, NULL, &t, 12, 0, 0, 0);
  db_exec("UPDATE assessment_results SET row_hash = NULL"
          " WHERE assessment_id = %lld AND participant_code <> 'n-1'",
          id);
  push_counted(id, NULL, &t, 0, 0, 12, 0);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_results WHERE"
                            " assessment_id = %lld AND row_hash IS NULL",
                            id),
                   0);
  /* A writer that changes a value but not the hash: the hash is dropped
   * and the push puts the row back. */
  db_exec("UPDATE assessment_results SET variant = '9'"
          " WHERE assessment_id = %lld AND participant_code = 'n-1'",
          id);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_results WHERE"
                            " assessment_id = %lld AND row_hash IS NULL",
                            id),
                   1);
  push_counted(id, NULL, &t, 0, 1, 11, 0);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
}

/* ?replace=school with unchanged, changed and left-out rows, and a row
 * moved in from another school. */
static void test_repush_replace_school(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_repush", 2025, false);
  const char *before = ingest(&p);
  struct text t = {0}, c = {0};
  text_add(&t, F1_HEADER);
  rows(&t, p.code[0], "x", 10);
  rows(&t, p.code[1], "y", 5);
  push_counted(id, NULL, &t, 15, 0, 0, 0);
  text_add(&c, F1_HEADER);
  rows(&c, p.code[0], "x", 6); /* x-7 .. x-10 left out */
  const int s[5] = {1, 1, 1, 1, 1};
  f1_row_full(&c, p.code[0], "x-2", "5А", "1", s, 0); /* changed: a repeat */
  f1_row_full(&c, p.code[0], "y-1", "5А", "1", s, 0); /* moved from school 1 */
  f1_row_full(&c, p.code[0], "x-new", "5А", "1", s, 0);
  struct http_reply *r = push_csv(id, "?replace=school&mode=partial", &c);
  assert_status(r, 201);
  assert_counts(r->json, 1, 1, 6, 1);
  assert_json_int(r->json, "deleted", 4);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 12);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(c.s);
}

/* A correction much smaller than the instrument is looked up in the
 * database rather than read whole: the same counts, repeats and
 * statistics. */
static void test_repush_small_correction(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_repush", 2025, false);
  const char *before = ingest(&p);
  struct text t = {0}, c = {0};
  text_add(&t, F1_HEADER);
  rows(&t, p.code[0], "s", 3000);
  rows(&t, p.code[1], "z", 10);
  push_counted(id, NULL, &t, 3010, 0, 0, 0);
  text_add(&c, F1_HEADER);
  rows(&c, p.code[1], "z", 6); /* unchanged; z-7 .. z-10 left out */
  const int s[5] = {1, 1, 1, 1, 1};
  f1_row_full(&c, p.code[1], "s-5", "5А", "1", s, 0); /* moved, changed */
  f1_row_full(&c, p.code[1], "z-new", "5А", "1", s, 0);
  f1_row_full(&c, p.code[1], "z-2", "5А", "1", s, 0);   /* repeats row 3 */
  f1_row_full(&c, p.code[1], "z-new", "5А", "1", s, 0); /* repeats row 9 */
  struct http_reply *r = push_csv(id, "?replace=school&mode=partial", &c);
  assert_status(r, 201);
  assert_counts(r->json, 1, 1, 6, 2);
  assert_json_int(r->json, "deleted", 4);
  const json_t *pr = json_array_get(json_object_get(r->json, "problems"), 0);
  assert_json_str(pr, "code", "duplicate_participant");
  http_reply_free(r);
  assert_int_equal(rows_of(id), 3010 - 4 + 1);
  assert_int_equal(
      db_count("SELECT school_id FROM assessment_results WHERE"
               " assessment_id = %lld AND participant_code = 's-5'",
               id),
      p.school[1]);
  assert_int_equal(stats_mismatches(id), 0);
  /* The same correction again, strict and without the repeats: all
   * unchanged. */
  struct text d = {0};
  text_add(&d, F1_HEADER);
  rows(&d, p.code[1], "z", 6);
  f1_row_full(&d, p.code[1], "s-5", "5А", "1", s, 0);
  f1_row_full(&d, p.code[1], "z-new", "5А", "1", s, 0);
  push_counted(id, NULL, &d, 0, 0, 8, 0);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(c.s);
  free(d.s);
}

/* Every kind of row in one push read against the stored rows in memory:
 * unchanged, changed, new, moved, a changed repeat of an unchanged row, an
 * unchanged repeat of a changed one, a repeat of a new one, and rows left
 * out of a replaced school. */
static void test_repush_every_kind(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_repush", 2025, false);
  const char *before = ingest(&p);
  struct text t = {0}, c = {0};
  text_add(&t, F1_HEADER);
  rows(&t, p.code[0], "m", 40);
  rows(&t, p.code[1], "k", 10);
  push_counted(id, NULL, &t, 50, 0, 0, 0);
  const int s[5] = {1, 1, 1, 1, 1};
  text_add(&c, F1_HEADER);
  for (int i = 1; i <= 30; i++) /* rows 2 .. 31; m-31 .. m-40 left out */
    if (i == 5 || i == 6)
      f1_row_full(&c, p.code[0], i == 5 ? "m-5" : "m-6", "5А", "1", s, 0);
    else
      row_i(&c, p.code[0], "m", i);
  f1_row_full(&c, p.code[0], "m-3", "5А", "1", s, 0); /* 32: repeats row 4 */
  row_i(&c, p.code[0], "m", 5);                       /* 33: repeats row 6 */
  f1_row_full(&c, p.code[0], "n-1", "5А", "1", s, 0); /* 34: new */
  f1_row_full(&c, p.code[0], "n-2", "5А", "1", s, 0); /* 35: new */
  f1_row_full(&c, p.code[0], "n-1", "5А", "2", s, 0); /* 36: repeats 34 */
  row_i(&c, p.code[0], "k", 1); /* 37: moved from the other school */
  struct http_reply *r = push_csv(id, "?replace=school&mode=partial", &c);
  assert_status(r, 201);
  assert_counts(r->json, 2, 3, 28, 3);
  assert_json_int(r->json, "deleted", 10);
  const json_t *problems = json_object_get(r->json, "problems");
  assert_int_equal(json_array_size(problems), 3);
  const struct {
    long long row;
    const char *first;
  } want[] = {{32, "already in row 4"},
              {33, "already in row 6"},
              {36, "already in row 34"}};
  for (size_t i = 0; i < 3; i++) {
    const json_t *pr = json_array_get(problems, i);
    assert_json_str(pr, "code", "duplicate_participant");
    assert_json_int(pr, "row", want[i].row);
    assert_non_null(strstr(jstr(pr, "message"), want[i].first));
  }
  http_reply_free(r);
  assert_int_equal(rows_of(id), 50 - 10 + 2);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_results"
                            " WHERE assessment_id = %lld AND"
                            " participant_code IN ('m-3', 'm-5', 'm-6')"
                            " AND task_scores = '{1,1,1,1,1}'",
                            id),
                   2);
  assert_int_equal(stats_mismatches(id), 0);
  /* The same again: nothing changes, nothing is deleted. */
  r = push_csv(id, "?replace=school&mode=partial", &c);
  assert_status(r, 201);
  assert_counts(r->json, 0, 0, 33, 3);
  assert_json_int(r->json, "deleted", 0);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(c.s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_repush_one_value),
      cmocka_unit_test(test_repush_hash_sees_every_change),
      cmocka_unit_test(test_repush_repeat_of_unchanged),
      cmocka_unit_test(test_repush_rows_without_hash),
      cmocka_unit_test(test_repush_replace_school),
      cmocka_unit_test(test_repush_small_correction),
      cmocka_unit_test(test_repush_every_kind),
  };
#ifdef REPUSH_KEY_BITS
  /* tests/api/test_push_shared_keys.c: every code shares its key with
   * half the others, so every lookup meets the ambiguous path. */
  setenv("OPORA_PUSH_KEY_BITS", REPUSH_KEY_BITS, 1);
  harness_start("push_shared_keys");
#else
  harness_start("push_repush");
#endif
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
