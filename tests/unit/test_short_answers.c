/* Short-answer blocks of ОГЭ and ЕГЭ rows (results_parse.h,
 * results_short_block): every character, wrong length, a bad character, an
 * empty block, a digit above the maximum; and the block in CSV (its header
 * names, the header's rules) and JSON (short_answers beside tasks), fed
 * whole and byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "results_parse.h"

/* ОГЭ, tasks 1 (1), 2 (1), 3 (2) with short answers, then 4 (2) and 5 (3)
 * extended; marks 3 from 3, 4 from 5, 5 from 7. */
static struct instrument oge(void) {
  struct instrument ins = {.id = 9,
                           .year = 2026,
                           .kind = ASSESSMENT_OGE,
                           .n_tasks = 5,
                           .task_number = {"1", "2", "3", "4", "5"},
                           .task_max = {1, 1, 2, 2, 3},
                           .task_short = {true, true, true},
                           .n_short = 3,
                           .max_primary_score = 9,
                           .mark3_from = 3,
                           .mark4_from = 5,
                           .mark5_from = 7,
                           .min_test_score = -1};
  return ins;
}

static void block_is(const char *block, enum short_block_fault want,
                     size_t want_pos, int s1, int s2, int s3) {
  struct instrument ins = oge();
  int score[RESULTS_MAX_TASKS] = {0};
  size_t pos = 99;
  enum short_block_fault got = results_short_block(&ins, block, score, &pos);
  if (got != want || pos != want_pos)
    fprintf(stderr, "block \"%s\": fault %d at %zu\n", block, (int)got, pos);
  assert_int_equal(got, want);
  assert_int_equal(pos, want_pos);
  if (want != SHORT_BLOCK_OK)
    return;
  assert_int_equal(score[0], s1);
  assert_int_equal(score[1], s2);
  assert_int_equal(score[2], s3);
  assert_int_equal(score[3], 0); /* extended tasks are not the block's */
}

static void block_characters(void **state) {
  (void)state;
  block_is("+-+", SHORT_BLOCK_OK, 0, 1, 0, 2); /* '+': the task's maximum */
  block_is("-+-", SHORT_BLOCK_OK, 0, 0, 1, 0);
  block_is("012", SHORT_BLOCK_OK, 0, 0, 1, 2);
  block_is("1-1", SHORT_BLOCK_OK, 0, 1, 0, 1);
  block_is(" \t++0 ", SHORT_BLOCK_OK, 0, 1, 1, 0); /* spaces around */
}

static void block_faults(void **state) {
  (void)state;
  block_is("", SHORT_BLOCK_EMPTY, 0, 0, 0, 0);
  block_is("  ", SHORT_BLOCK_EMPTY, 0, 0, 0, 0);
  block_is("+-", SHORT_BLOCK_LENGTH, 2, 0, 0, 0);
  block_is("+-+-", SHORT_BLOCK_LENGTH, 4, 0, 0, 0);
  block_is("+x+", SHORT_BLOCK_BAD_CHAR, 2, 0, 0, 0);
  block_is("+ +", SHORT_BLOCK_BAD_CHAR, 2, 0, 0, 0);
  block_is("+-*", SHORT_BLOCK_BAD_CHAR, 3, 0, 0, 0);
  block_is("+ё+", SHORT_BLOCK_BAD_CHAR, 2, 0, 0, 0); /* counted in letters */
  block_is("ёё+x", SHORT_BLOCK_BAD_CHAR, 1, 0, 0, 0);
  block_is("+++a", SHORT_BLOCK_BAD_CHAR, 4, 0, 0, 0); /* before the length */
  block_is("2++", SHORT_BLOCK_ABOVE_MAX, 1, 0, 0, 0);
  block_is("--3", SHORT_BLOCK_ABOVE_MAX, 3, 0, 0, 0);
  block_is("-+9", SHORT_BLOCK_ABOVE_MAX, 3, 0, 0, 0);
}

/* --- rows ------------------------------------------------------------------
 */

struct log {
  char text[4096];
  size_t len;
};

static void add(struct log *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add(struct log *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(l->text + l->len, sizeof l->text - l->len, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && l->len + (size_t)n < sizeof l->text);
  l->len += (size_t)n;
}

static void on_problem(void *ctx, const struct results_problem *pr) {
  add(ctx, "P %ld %s %s: %s\n", pr->row_no, pr->column ? pr->column : "-",
      pr->code, pr->message);
}

static void on_row(void *ctx, long row_no, const struct result_row *r) {
  if (!r) {
    add(ctx, "R %ld rejected\n", row_no);
    return;
  }
  add(ctx, "R %ld %s %d %d %d %d %d p=%d m=%d\n", row_no, r->participant_code,
      r->task_score[0], r->task_score[1], r->task_score[2], r->task_score[3],
      r->task_score[4], r->primary_score, r->mark);
}

static void parse(enum results_format f, const char *body, size_t piece,
                  struct log *l, bool *ok) {
  struct instrument ins = oge();
  struct results_callbacks cb = {on_problem, on_row, l};
  struct results_parser *p = results_parser_new(f, &ins, &cb);
  assert_non_null(p);
  size_t n = strlen(body);
  bool fed = true;
  for (size_t i = 0; i < n && fed; i += piece)
    fed = results_parser_feed(p, body + i, n - i < piece ? n - i : piece);
  *ok = results_parser_finish(p) && fed;
  results_parser_free(p);
}

static void expect(enum results_format f, const char *body, bool want_ok,
                   const char *want) {
  struct log whole = {.len = 0}, bytes = {.len = 0};
  bool ok, ok_bytes;
  parse(f, body, strlen(body) ? strlen(body) : 1, &whole, &ok);
  parse(f, body, 1, &bytes, &ok_bytes);
  if (strcmp(whole.text, want) != 0)
    fprintf(stderr, "body:\n%s\ngot:\n%s\nwant:\n%s\n", body, whole.text, want);
  assert_string_equal(whole.text, want);
  assert_string_equal(bytes.text, want);
  assert_int_equal(ok, want_ok);
  assert_int_equal(ok_bytes, want_ok);
}

static void csv_block(void **state) {
  (void)state;
  expect(RESULTS_CSV,
         "ОО;Код участника;Ответы на задания с кратким ответом;4 (2б);5 (3б);"
         "Первичный балл;Отметка\n"
         "edu1;p1;++2;2;3;9;5\n"
         "edu1;p2;-+-;;;1;2\n"
         "edu1;p3;+-;1;1;3;3\n"
         "edu1;p4;+x+;1;1;4;3\n"
         "edu1;p5;3++;1;1;5;4\n"
         "edu1;p6;;1;1;2;2\n"
         "edu1;p7;+++;1;1;5;4\n",
         true,
         "R 2 p1 1 1 2 2 3 p=9 m=5\n"
         "R 3 p2 0 1 0 0 0 p=1 m=2\n"
         "P 4 Ответы на задания с кратким ответом malformed_row: the short "
         "answers have 2 characters, the instrument 3 short tasks\n"
         "R 4 rejected\n"
         "P 5 Ответы на задания с кратким ответом malformed_row: character 2 "
         "of the short answers (task 2) is not '+', '-' or a digit\n"
         "R 5 rejected\n"
         "P 6 Ответы на задания с кратким ответом score_above_max: character "
         "1 of the short answers (task 1) is above the task's maximum 1\n"
         "R 6 rejected\n"
         "P 7 Ответы на задания с кратким ответом missing_value: a block of 3 "
         "short answers is required\n"
         "R 7 rejected\n"
         "P 8 Первичный балл primary_score_mismatch: primary score 5 differs "
         "from the sum of the task scores 6\n"
         "R 8 rejected\n");
  /* Other systems' names of the column. */
  expect(RESULTS_CSV,
         "school_code;participant_code;Краткие ответы;task_4;task_5;"
         "primary_score;mark\n"
         "edu1;p1;1-0;0;2;3;3\n",
         true, "R 2 p1 1 0 0 0 2 p=3 m=3\n");
  expect(RESULTS_CSV,
         "school_code;participant_code;short_answers;task_4;task_5;"
         "primary_score;mark\n"
         "edu1;p1;\"+++\";0;0;4;3\n",
         true, "R 2 p1 1 1 2 0 0 p=4 m=3\n");
}

static void csv_block_header(void **state) {
  (void)state;
  /* A short task's own column beside the block; an extended task missing. */
  expect(RESULTS_CSV,
         "school_code;participant_code;short_answers;task_2;task_4;"
         "primary_score;mark\n",
         false,
         "P 0 task_2 bad_header: task 2 is given by the short answers' "
         "column\n"
         "P 0 task_5 bad_header: the column of task 5 is missing\n"
         "P 0 - bad_header: the header has 2 problems\n");
  /* Without the block every task has its own column, as before. */
  expect(RESULTS_CSV,
         "school_code;participant_code;task_1;task_2;task_3;task_4;task_5;"
         "primary_score;mark\n"
         "edu1;p1;1;0;2;0;0;3;3\n",
         true, "R 2 p1 1 0 2 0 0 p=3 m=3\n");
}

static void json_block(void **state) {
  (void)state;
  expect(RESULTS_JSON_ARRAY,
         "[{\"school_code\":\"edu1\",\"participant_code\":\"p1\","
         "\"short_answers\":\"++-\",\"tasks\":{\"4\":2,\"5\":1},"
         "\"primary_score\":5,\"mark\":4},\n"
         "{\"school_code\":\"edu1\",\"participant_code\":\"p2\","
         "\"short_answers\":\"-+1\",\"tasks\":[1,0],"
         "\"primary_score\":3,\"mark\":3},\n"
         "{\"school_code\":\"edu1\",\"participant_code\":\"p3\","
         "\"short_answers\":\"++\",\"tasks\":{\"1\":1,\"4\":2},"
         "\"primary_score\":5,\"mark\":4},\n"
         "{\"school_code\":\"edu1\",\"participant_code\":\"p4\","
         "\"short_answers\":null,\"tasks\":[1,0,0],"
         "\"primary_score\":1,\"mark\":2},\n"
         "{\"school_code\":\"edu1\",\"participant_code\":\"p5\","
         "\"short_answers\":12,\"tasks\":{},"
         "\"primary_score\":1,\"mark\":2}]",
         true,
         "R 1 p1 1 1 0 2 1 p=5 m=4\n"
         "R 2 p2 0 1 1 1 0 p=3 m=3\n"
         "P 3 tasks.1 malformed_row: task 1 is given by short_answers\n"
         "P 3 short_answers malformed_row: the short answers have 2 "
         "characters, the instrument 3 short tasks\n"
         "R 3 rejected\n"
         "P 4 tasks malformed_row: tasks has 3 scores, the instrument 2 tasks "
         "besides the short answers\n"
         "P 4 short_answers missing_value: a block of 3 short answers is "
         "required\n"
         "R 4 rejected\n"
         "P 5 short_answers bad_text: expected a string, got an integer\n"
         "R 5 rejected\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(block_characters), cmocka_unit_test(block_faults),
      cmocka_unit_test(csv_block),        cmocka_unit_test(csv_block_header),
      cmocka_unit_test(json_block),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
