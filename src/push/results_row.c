/* The rows of an assessment push: the checks every row gets whatever its
 * format, its problems, and the instrument's marks (results_row.h). The
 * readers of the formats (results_csv.c, results_json.c) hand rows here;
 * nothing here calls them.
 *
 * Decisions (docs/ASSESSMENTS.md):
 * - row_no is where a person finds the row in the tool the body opens in
 *   (docs/ASSESSMENTS.md, "Rows"): in CSV Excel's row (the header is row 1,
 *   the first record after it row 2; a record spanning lines is one row),
 *   in JSON lines the line (the first line is 1), in a JSON array the
 *   element's position (the first is 1). Blank lines (and CSV records whose
 *   cells are all empty) keep their number but are no rows.
 * - Numbers are decimal integers with an optional '-': in CSV the cell's
 *   text (surrounding spaces allowed), in JSON an integer or a string holding
 *   one (data converted from CSV); JSON reals (1.0) are malformed_number.
 * - An empty task cell, "-", JSON null or a task missing from a JSON tasks
 *   object is a task not done: 0.
 * - A short-answer block (ROLE_SHORT) gives the scores of the instrument's
 *   short tasks, one character each in their order; the row's own values
 *   of those tasks are then not read. Empty: missing_value; a character
 *   other than '+', '-' or a digit, or another length: malformed_row; a
 *   digit above the task's maximum: score_above_max; each message names
 *   the character's position and its task.
 * - Lengths (RESULTS_CODE_MAX, RESULTS_TEXT_MAX) are in bytes. A participant
 *   code is ASCII letters and digits, Russian letters, '-', '_' and '.'.
 */
#include "results_row.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const results_role_name[ROLE_COUNT] = {
    "school_code", "municipality", "school_name",   "participant_code",
    "class",       "variant",      "short_answers", "primary_score",
    "mark",        "journal_mark", "test_score",
};

const char *const results_role_name_f1[ROLE_COUNT] = {
    "ОО",
    "Муниципалитет",
    "Название ОО",
    "Код участника",
    "Класс",
    "Вариант",
    "Ответы на задания с кратким ответом",
    "Первичный балл",
    "Отметка",
    "Отметка по журналу",
    "Тестовый балл",
};

static void vproblem(struct results_parser *p, long row_no, const char *column,
                     const char *code, const char *fmt, va_list ap) {
  vsnprintf(p->msg, sizeof p->msg, fmt, ap);
  struct results_problem pr = {row_no, column, code, p->msg};
  if (p->cb.on_problem)
    p->cb.on_problem(p->cb.ctx, &pr);
}

void results_problem(struct results_parser *p, long row_no, const char *column,
                     const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vproblem(p, row_no, column, code, fmt, ap);
  va_end(ap);
}

void results_fatal(struct results_parser *p, const char *code,
                   const char *column, const char *fmt, ...) {
  if (p->fatal)
    return;
  va_list ap;
  va_start(ap, fmt);
  vproblem(p, 0, column, code, fmt, ap);
  va_end(ap);
  p->fatal = true;
}

void results_reject_row(struct results_parser *p, const char *column,
                        const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vproblem(p, p->row_no, column, RESULTS_PROBLEM_MALFORMED_ROW, fmt, ap);
  va_end(ap);
  if (p->cb.on_row)
    p->cb.on_row(p->cb.ctx, p->row_no, NULL);
}

int results_task_index(const struct instrument *ins, const char *s, size_t n) {
  for (size_t i = 0; i < ins->n_tasks && i < RESULTS_MAX_TASKS; i++)
    if (strlen(ins->task_number[i]) == n &&
        memcmp(ins->task_number[i], s, n) == 0)
      return (int)i;
  return -1;
}

int instrument_mark_for(const struct instrument *ins, int primary_score) {
  if (ins->mark3_from <= 0 && ins->mark4_from <= 0 && ins->mark5_from <= 0)
    return 0;
  if (primary_score >= ins->mark5_from)
    return 5;
  if (primary_score >= ins->mark4_from)
    return 4;
  if (primary_score >= ins->mark3_from)
    return 3;
  return 2;
}

enum short_block_fault results_short_block(const struct instrument *ins,
                                           const char *block,
                                           int score[RESULTS_MAX_TASKS],
                                           size_t *position) {
  while (*block == ' ' || *block == '\t')
    block++;
  size_t n = strlen(block);
  while (n && (block[n - 1] == ' ' || block[n - 1] == '\t'))
    n--;
  *position = 0;
  if (n == 0)
    return SHORT_BLOCK_EMPTY;
  size_t chars = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)block[i];
    if ((c & 0xc0) == 0x80)
      continue; /* inside a character */
    chars++;
    if (c != '+' && c != '-' && !isdigit(c)) {
      *position = chars;
      return SHORT_BLOCK_BAD_CHAR;
    }
  }
  if (chars != ins->n_short) {
    *position = chars;
    return SHORT_BLOCK_LENGTH;
  }
  size_t k = 0;
  for (size_t t = 0; t < ins->n_tasks && t < RESULTS_MAX_TASKS; t++) {
    if (!ins->task_short[t])
      continue;
    char c = block[k++];
    int v = c == '+' ? ins->task_max[t] : c == '-' ? 0 : c - '0';
    if (v > ins->task_max[t]) {
      *position = k;
      return SHORT_BLOCK_ABOVE_MAX;
    }
    score[t] = v;
  }
  return SHORT_BLOCK_OK;
}

/* --- the checks of a row ------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp) {
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2, min = 0x80, c &= 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, min = 0x800, c &= 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, min = 0x10000, c &= 0x07;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3fu);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *cp = c;
  return len;
}

enum text_fault { TEXT_OK, TEXT_UTF8, TEXT_CONTROL, TEXT_CHARSET };

static bool code_char(unsigned cp) {
  return (cp < 0x80 &&
          (isalnum((int)cp) || cp == '-' || cp == '_' || cp == '.')) ||
         (cp >= 0x410 && cp <= 0x44f) || cp == 0x401 || cp == 0x451;
}

static enum text_fault text_fault(const char *s, bool controls_ok,
                                  bool code_chars) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s);
  enum text_fault fault = TEXT_OK;
  for (size_t i = 0; i < n;) {
    unsigned cp;
    size_t len = utf8_seq(u + i, n - i, &cp);
    if (len == 0)
      return TEXT_UTF8;
    if (!controls_ok && (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)))
      fault = TEXT_CONTROL;
    else if (code_chars && !code_char(cp) && fault == TEXT_OK)
      fault = TEXT_CHARSET;
    i += len;
  }
  return fault;
}

struct checker {
  struct results_parser *p;
  struct row_in *in;
  int problems;
};

static void bad(struct checker *c, const char *column, const char *code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void bad(struct checker *c, const char *column, const char *code,
                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vproblem(c->p, c->p->row_no, column, code, fmt, ap);
  va_end(ap);
  c->problems++;
}

/* A text field: "" when not given; false after a problem. */
static bool check_text(struct checker *c, enum results_role r, size_t max,
                       bool required, bool code_chars, const char **out) {
  const char *s = c->in->text[r], *name = c->in->name[r];
  *out = "";
  if (c->in->reported[r])
    return false;
  if (!s || !*s) {
    if (required)
      bad(c, name, RESULTS_PROBLEM_MISSING_VALUE, "a value is required");
    return !required;
  }
  bool ignored = r == ROLE_MUNICIPALITY || r == ROLE_SCHOOL_NAME;
  switch (text_fault(s, ignored, code_chars)) {
  case TEXT_UTF8:
    bad(c, name, RESULTS_PROBLEM_BAD_TEXT, "the text is not valid UTF-8");
    return false;
  case TEXT_CONTROL:
    bad(c, name, RESULTS_PROBLEM_BAD_TEXT,
        "the text contains control characters");
    return false;
  case TEXT_CHARSET:
    bad(c, name, RESULTS_PROBLEM_BAD_TEXT,
        "a code may hold only letters, digits, '-', '_' and '.'");
    return false;
  case TEXT_OK:
    break;
  }
  if (max && strlen(s) > max) {
    bad(c, name, RESULTS_PROBLEM_BAD_TEXT,
        "the text is %zu bytes long, at most %zu are allowed", strlen(s), max);
    return false;
  }
  *out = s;
  return true;
}

enum num_status { NUM_OK, NUM_EMPTY, NUM_BAD };

/* A decimal integer with an optional '-', surrounding spaces allowed; the
 * value saturates at +-10^12. */
static enum num_status parse_int(const char *s, long long *out) {
  while (*s == ' ' || *s == '\t')
    s++;
  if (!*s)
    return NUM_EMPTY;
  bool neg = *s == '-';
  if (neg)
    s++;
  if (!isdigit((unsigned char)*s))
    return NUM_BAD;
  long long v = 0;
  while (isdigit((unsigned char)*s)) {
    if (v < 1000000000000LL)
      v = v * 10 + (*s - '0');
    s++;
  }
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s)
    return NUM_BAD;
  *out = neg ? -v : v;
  return NUM_OK;
}

/* A number field. 1: a number in *out; 0: not given (empty, or "-" with
 * dash_empty) and not required; -1: a problem, reported unless `reported`. */
static int check_number(struct checker *c, const char *s, const char *name,
                        bool reported, bool required, bool dash_empty,
                        long long *out) {
  *out = 0;
  if (reported)
    return -1;
  enum num_status st = s ? parse_int(s, out) : NUM_EMPTY;
  if (st == NUM_BAD && dash_empty) {
    const char *t = s + strspn(s, " \t");
    if (*t == '-' && !t[1 + strspn(t + 1, " \t")])
      st = NUM_EMPTY;
  }
  if (st == NUM_EMPTY) {
    *out = 0;
    if (!required)
      return 0;
    bad(c, name, RESULTS_PROBLEM_MISSING_VALUE, "a value is required");
    return -1;
  }
  if (st == NUM_BAD) {
    char cell[48];
    bad(c, name, RESULTS_PROBLEM_MALFORMED_NUMBER,
        "\"%s\" is not a whole number",
        csv_in_excerpt(s, 40, cell, sizeof cell));
    return -1;
  }
  return 1;
}

/* A mark 2..5 in *out, 0 when not given; false after a problem. */
static bool check_mark(struct checker *c, enum results_role r, bool required,
                       int *out) {
  long long v;
  *out = 0;
  int got = check_number(c, c->in->text[r], c->in->name[r], c->in->reported[r],
                         required, r == ROLE_JOURNAL, &v);
  if (got <= 0)
    return got == 0;
  if (v < 2 || v > 5) {
    bad(c, c->in->name[r], RESULTS_PROBLEM_OUT_OF_RANGE,
        "mark %lld is not one of 2, 3, 4, 5", v);
    return false;
  }
  *out = (int)v;
  return true;
}

/* The task a short-answer block's k-th character (from 1) stands for. */
static size_t short_task(const struct instrument *ins, size_t k) {
  for (size_t t = 0; t < ins->n_tasks && t < RESULTS_MAX_TASKS; t++)
    if (ins->task_short[t] && --k == 0)
      return t;
  return 0;
}

/* The short-answer block into score[]; false after a problem. */
static bool check_block(struct checker *c, int score[RESULTS_MAX_TASKS]) {
  const struct instrument *ins = c->p->ins;
  const char *s = c->in->text[ROLE_SHORT], *name = c->in->name[ROLE_SHORT];
  if (c->in->reported[ROLE_SHORT])
    return false;
  size_t pos;
  switch (results_short_block(ins, s ? s : "", score, &pos)) {
  case SHORT_BLOCK_OK:
    return true;
  case SHORT_BLOCK_EMPTY:
    bad(c, name, RESULTS_PROBLEM_MISSING_VALUE,
        "a block of %zu short answers is required", ins->n_short);
    break;
  case SHORT_BLOCK_BAD_CHAR:
    if (pos > ins->n_short)
      bad(c, name, RESULTS_PROBLEM_MALFORMED_ROW,
          "character %zu of the short answers is not '+', '-' or a digit", pos);
    else
      bad(c, name, RESULTS_PROBLEM_MALFORMED_ROW,
          "character %zu of the short answers (task %s) is not '+', '-' or "
          "a digit",
          pos, ins->task_number[short_task(ins, pos)]);
    break;
  case SHORT_BLOCK_LENGTH:
    bad(c, name, RESULTS_PROBLEM_MALFORMED_ROW,
        "the short answers have %zu characters, the instrument %zu short "
        "tasks",
        pos, ins->n_short);
    break;
  case SHORT_BLOCK_ABOVE_MAX:
    bad(c, name, RESULTS_PROBLEM_SCORE_ABOVE_MAX,
        "character %zu of the short answers (task %s) is above the task's "
        "maximum %d",
        pos, ins->task_number[short_task(ins, pos)],
        ins->task_max[short_task(ins, pos)]);
    break;
  }
  return false;
}

void results_check_row(struct results_parser *p, struct row_in *in) {
  const struct instrument *ins = p->ins;
  struct checker c = {p, in, in->n_problems};
  struct result_row row;
  memset(&row, 0, sizeof row);
  row.row_no = p->row_no;

  const char *ignored;
  check_text(&c, ROLE_SCHOOL, RESULTS_CODE_MAX, true, false, &row.school_code);
  check_text(&c, ROLE_MUNICIPALITY, 0, false, false, &ignored);
  check_text(&c, ROLE_SCHOOL_NAME, 0, false, false, &ignored);
  check_text(&c, ROLE_PARTICIPANT, RESULTS_CODE_MAX, true, true,
             &row.participant_code);
  check_text(&c, ROLE_CLASS, RESULTS_TEXT_MAX, false, false, &row.class_name);
  check_text(&c, ROLE_VARIANT, RESULTS_TEXT_MAX, false, false, &row.variant);

  bool tasks_ok = !in->short_block || check_block(&c, row.task_score);
  long long sum = 0;
  for (size_t i = 0; i < ins->n_tasks && i < RESULTS_MAX_TASKS; i++) {
    long long v;
    const char *name = in->task_name[i];
    if (in->short_block && ins->task_short[i]) {
      sum += row.task_score[i];
      continue;
    }
    if (check_number(&c, in->task_text[i], name, in->task_reported[i], false,
                     true, &v) < 0) {
      tasks_ok = false;
      continue;
    }
    if (v < 0) {
      bad(&c, name, RESULTS_PROBLEM_OUT_OF_RANGE, "score %lld is negative", v);
      tasks_ok = false;
    } else if (v > ins->task_max[i]) {
      bad(&c, name, RESULTS_PROBLEM_SCORE_ABOVE_MAX,
          "score %lld is above the task's maximum %d", v, ins->task_max[i]);
      tasks_ok = false;
    } else {
      row.task_score[i] = (int)v;
      sum += v;
    }
  }

  long long primary;
  const char *pname = in->name[ROLE_PRIMARY];
  bool primary_ok =
      check_number(&c, in->text[ROLE_PRIMARY], pname,
                   in->reported[ROLE_PRIMARY], true, false, &primary) > 0;
  if (primary_ok && (primary < 0 || primary > ins->max_primary_score)) {
    bad(&c, pname, RESULTS_PROBLEM_OUT_OF_RANGE,
        "primary score %lld is outside 0..%d", primary, ins->max_primary_score);
    primary_ok = false;
  }
  if (primary_ok && tasks_ok && primary != sum) {
    bad(&c, pname, RESULTS_PROBLEM_PRIMARY_MISMATCH,
        "primary score %lld differs from the sum of the task scores %lld",
        primary, sum);
    primary_ok = false;
  }
  row.primary_score = primary_ok ? (int)primary : 0;

  bool mark_required =
      !(ins->kind == ASSESSMENT_EGE && ins->min_test_score >= 0);
  if (check_mark(&c, ROLE_MARK, mark_required, &row.mark) && row.mark &&
      primary_ok) {
    int expected = instrument_mark_for(ins, row.primary_score);
    if (expected && expected != row.mark)
      bad(&c, in->name[ROLE_MARK], RESULTS_PROBLEM_MARK_INCONSISTENT,
          "mark %d does not match primary score %d: expected %d (3 from %d, "
          "4 from %d, 5 from %d)",
          row.mark, row.primary_score, expected, ins->mark3_from,
          ins->mark4_from, ins->mark5_from);
  }
  check_mark(&c, ROLE_JOURNAL, false, &row.journal_mark);

  long long test;
  row.test_score = -1;
  if (check_number(&c, in->text[ROLE_TEST], in->name[ROLE_TEST],
                   in->reported[ROLE_TEST], false, false, &test) > 0) {
    if (test < 0 || test > 100)
      bad(&c, in->name[ROLE_TEST], RESULTS_PROBLEM_OUT_OF_RANGE,
          "test score %lld is outside 0..100", test);
    else
      row.test_score = (int)test;
  }

  if (p->cb.on_row)
    p->cb.on_row(p->cb.ctx, p->row_no, c.problems ? NULL : &row);
}
