/* CSV rows of an assessment push, byte by byte (results_parse.h).
 *
 * The header line is kept raw until its end: the delimiter is the one of
 * ';' and ',' found more often outside quotes (';' on a tie), then the line
 * is split in place. Data rows are split as they arrive, each field decoded
 * into the row buffer (quotes removed, "" made one quote, trailing spaces of
 * unquoted fields trimmed) and ended by a NUL. A newline outside quotes ends
 * a row; "\r\n" counts as one. A quote inside an unquoted field is a plain
 * character; text after a closing quote (but spaces) is a malformed_row. */
#include "results_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const byte_word = "\xd0\xb1";       /* б */
static const char *const byte_word_upper = "\xd0\x91"; /* Б */

/* --- tokenizer ----------------------------------------------------------- */

static void row_begin(struct results_parser *p) {
  p->len = 0;
  p->overflow = false;
  p->csv.n_fields = 0;
  p->csv.field_start[0] = 0;
  p->csv.st = CSV_START;
  p->csv.quoted = false;
  p->csv.bad_quote = 0;
  p->csv.cr_pending = false;
}

static void field_end(struct results_parser *p) {
  struct csv_state *s = &p->csv;
  if (!p->overflow && !s->quoted && s->n_fields < CSV_MAX_FIELDS) {
    size_t start = s->field_start[s->n_fields];
    while (p->len > start &&
           (p->buf[p->len - 1] == ' ' || p->buf[p->len - 1] == '\t'))
      p->len--;
  }
  results_put(p, '\0');
  s->n_fields++;
  if (s->n_fields < CSV_MAX_FIELDS)
    s->field_start[s->n_fields] = p->len;
  s->st = CSV_START;
  s->quoted = false;
}

/* One byte of a row; newlines outside quotes are the caller's. */
static void field_byte(struct results_parser *p, char c) {
  struct csv_state *s = &p->csv;
  switch (s->st) {
  case CSV_START:
    if (c == '"') {
      s->st = CSV_QUOTED;
      s->quoted = true;
    } else if (c == s->delim) {
      field_end(p);
    } else {
      s->st = CSV_UNQUOTED;
      results_put(p, c);
    }
    break;
  case CSV_UNQUOTED:
    if (c == s->delim)
      field_end(p);
    else
      results_put(p, c);
    break;
  case CSV_QUOTED:
    if (c == '"')
      s->st = CSV_QUOTE;
    else
      results_put(p, c);
    break;
  case CSV_QUOTE:
    if (c == '"') {
      results_put(p, '"');
      s->st = CSV_QUOTED;
      break;
    }
    s->st = CSV_AFTER_QUOTE;
    /* fall through */
  case CSV_AFTER_QUOTE:
    if (c == s->delim)
      field_end(p);
    else if (c != ' ' && c != '\t' && !s->bad_quote)
      s->bad_quote = (long)s->n_fields + 1;
    break;
  }
}

/* All fields empty: a blank line, or one of delimiters only. */
static bool row_blank(const struct results_parser *p) {
  if (p->overflow)
    return false;
  for (size_t i = 0; i < p->len; i++)
    if (p->buf[i])
      return false;
  return true;
}

/* --- header -------------------------------------------------------------- */

static bool ci_equal(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
      return false;
  return *a == *b;
}

/* A task column: "9.1", "9.1 (1б)", "task_9.1". Sets the task number's span
 * and *max (-1 when not given); false for anything else. */
static bool task_header(const char *h, const char **num, size_t *num_len,
                        int *max, bool *f1) {
  *f1 = true;
  if (strncasecmp(h, "task_", 5) == 0) {
    h += 5;
    *f1 = false;
  }
  const char *s = h;
  for (;;) {
    if (!isdigit((unsigned char)*s))
      return false;
    while (isdigit((unsigned char)*s))
      s++;
    if (*s != '.')
      break;
    s++;
  }
  *num = h;
  *num_len = (size_t)(s - h);
  *max = -1;
  while (*s == ' ')
    s++;
  if (!*s)
    return true;
  if (*s++ != '(')
    return false;
  while (*s == ' ')
    s++;
  if (!isdigit((unsigned char)*s))
    return false;
  int v = 0;
  while (isdigit((unsigned char)*s) && v < 100000)
    v = v * 10 + (*s++ - '0');
  while (*s == ' ')
    s++;
  if (strncmp(s, byte_word, 2) == 0 || strncmp(s, byte_word_upper, 2) == 0)
    s += 2;
  else
    return false;
  while (*s == ' ')
    s++;
  if (*s++ != ')')
    return false;
  while (*s == ' ')
    s++;
  if (*s)
    return false;
  *max = v;
  return true;
}

#define header_problem(p, column, ...)                                         \
  results_problem(p, 0, column, RESULTS_PROBLEM_BAD_HEADER, __VA_ARGS__)

/* The header line is in p->buf (raw, without its newline). */
static void header_line(struct results_parser *p) {
  struct csv_state *s = &p->csv;
  const struct instrument *ins = p->ins;
  size_t raw = p->len;
  if (raw && p->buf[raw - 1] == '\r')
    raw--;
  size_t semi = 0, comma = 0;
  bool q = false;
  for (size_t i = 0; i < raw; i++) {
    char c = p->buf[i];
    if (c == '"')
      q = !q;
    else if (!q && c == ';')
      semi++;
    else if (!q && c == ',')
      comma++;
  }
  s->delim = comma > semi ? ',' : ';';
  /* Split in place: the decoded text never overtakes the raw bytes. */
  row_begin(p);
  for (size_t i = 0; i < raw; i++)
    field_byte(p, p->buf[i]);
  field_end(p);
  s->have_header = true;

  s->names = malloc(p->len + 1);
  if (!s->names) {
    results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL, "out of memory");
    return;
  }
  memcpy(s->names, p->buf, p->len);
  s->n_cols = s->n_fields < CSV_MAX_FIELDS ? s->n_fields : CSV_MAX_FIELDS;
  int role_col[ROLE_COUNT], task_col[RESULTS_MAX_TASKS];
  for (int r = 0; r < ROLE_COUNT; r++)
    role_col[r] = -1;
  for (size_t t = 0; t < RESULTS_MAX_TASKS; t++)
    task_col[t] = -1;
  int problems = 0, f1_votes = 0;
  if (s->n_fields > CSV_MAX_FIELDS) {
    header_problem(p, NULL, "the header has more than %d columns",
                   CSV_MAX_FIELDS);
    problems++;
  }
  for (size_t i = 0; i < s->n_cols; i++) {
    /* Surrounding spaces are no part of a name, even inside quotes. */
    char *name = s->names + s->field_start[i];
    name += strspn(name, " \t");
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
      name[--n] = '\0';
    s->col_name[i] = name;
    s->col_what[i] = -1;
    const char *h = name;
    const char *num;
    size_t num_len;
    int max;
    bool f1;
    int what = -1;
    for (int r = 0; r < ROLE_COUNT && what < 0; r++) {
      if (ci_equal(h, results_role_name[r]))
        what = r;
      else if (ci_equal(h, results_role_name_f1[r]))
        what = r, f1_votes++;
    }
    if (what >= 0) {
      if (role_col[what] >= 0) {
        header_problem(p, name, "the column repeats column %d",
                       role_col[what] + 1);
        problems++;
        continue;
      }
      role_col[what] = (int)i;
    } else if (task_header(h, &num, &num_len, &max, &f1)) {
      f1_votes += f1;
      int t = results_task_index(ins, num, num_len);
      if (t < 0) {
        header_problem(p, name, "the instrument has no task %.*s", (int)num_len,
                       num);
        problems++;
        continue;
      }
      if (max >= 0 && max != ins->task_max[t]) {
        header_problem(p, name,
                       "the column gives task %s a maximum of %d, the "
                       "instrument %d",
                       ins->task_number[t], max, ins->task_max[t]);
        problems++;
        continue;
      }
      if (task_col[t] >= 0) {
        header_problem(p, name, "the column repeats column %d",
                       task_col[t] + 1);
        problems++;
        continue;
      }
      task_col[t] = (int)i;
      what = ROLE_COUNT + t;
    } else {
      header_problem(p, name, "unknown column");
      problems++;
      continue;
    }
    s->col_what[i] = what;
  }
  /* Missing columns, named in the header's style. */
  bool f1 = f1_votes > 0;
  bool mark_required =
      !(ins->kind == ASSESSMENT_EGE && ins->min_test_score >= 0);
  static const enum results_role required[] = {ROLE_SCHOOL, ROLE_PARTICIPANT,
                                               ROLE_PRIMARY, ROLE_MARK};
  for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
    enum results_role r = required[k];
    if (role_col[r] >= 0 || (r == ROLE_MARK && !mark_required))
      continue;
    header_problem(p, f1 ? results_role_name_f1[r] : results_role_name[r],
                   "a required column is missing");
    problems++;
  }
  for (size_t t = 0; t < ins->n_tasks && t < RESULTS_MAX_TASKS; t++) {
    if (task_col[t] >= 0)
      continue;
    char col[RESULTS_TASK_NUMBER_MAX + 32];
    if (f1)
      snprintf(col, sizeof col, "%s (%d%s)", ins->task_number[t],
               ins->task_max[t], byte_word);
    else
      snprintf(col, sizeof col, "task_%s", ins->task_number[t]);
    header_problem(p, col, "the column of task %s is missing",
                   ins->task_number[t]);
    problems++;
  }
  if (problems)
    results_fatal(p, RESULTS_PROBLEM_BAD_HEADER, NULL,
                  "the header has %d problem%s", problems,
                  problems == 1 ? "" : "s");
}

/* --- data rows ----------------------------------------------------------- */

static void data_row(struct results_parser *p) {
  struct csv_state *s = &p->csv;
  if (row_blank(p))
    return;
  p->row_no++;
  if (p->overflow) {
    results_reject_row(p, NULL, "the row is longer than %d bytes",
                       RESULTS_ROW_MAX);
    return;
  }
  if (s->n_fields != s->n_cols) {
    results_reject_row(p, NULL, "the row has %zu fields, the header %zu",
                       s->n_fields, s->n_cols);
    return;
  }
  if (s->bad_quote) {
    results_reject_row(p, s->col_name[s->bad_quote - 1],
                       "text follows the closing quote of the field");
    return;
  }
  struct row_in in;
  memset(&in, 0, sizeof in);
  for (size_t i = 0; i < s->n_cols; i++) {
    int what = s->col_what[i];
    const char *text = p->buf + s->field_start[i];
    if (what < 0)
      continue;
    if (what < ROLE_COUNT) {
      in.text[what] = text;
      in.name[what] = s->col_name[i];
    } else {
      in.task_text[what - ROLE_COUNT] = text;
      in.task_name[what - ROLE_COUNT] = s->col_name[i];
    }
  }
  results_check_row(p, &in);
}

/* --- feeding ------------------------------------------------------------- */

void results_csv_byte(struct results_parser *p, char c) {
  struct csv_state *s = &p->csv;
  if (!s->have_header) {
    if (c == '"')
      s->header_in_quotes = !s->header_in_quotes;
    if (c == '\n' && !s->header_in_quotes) {
      bool blank = strspn(p->buf, " \t\r") == p->len;
      if (p->overflow)
        results_fatal(p, RESULTS_PROBLEM_BAD_HEADER, NULL,
                      "the header line is longer than %d bytes",
                      RESULTS_ROW_MAX);
      else if (!blank)
        header_line(p);
      else
        p->len = 0, p->buf[0] = '\0'; /* a blank line before the header */
      if (s->have_header)
        row_begin(p);
      return;
    }
    results_put(p, c);
    p->buf[p->len] = '\0';
    return;
  }
  if (s->st != CSV_QUOTED) {
    if (c == '\n') {
      s->cr_pending = false;
      field_end(p);
      data_row(p);
      row_begin(p);
      return;
    }
    if (s->cr_pending) {
      s->cr_pending = false;
      field_byte(p, '\r');
    }
    if (c == '\r' && s->st != CSV_QUOTED) {
      s->cr_pending = true;
      return;
    }
  }
  field_byte(p, c);
}

bool results_csv_finish(struct results_parser *p) {
  struct csv_state *s = &p->csv;
  if (!s->have_header) {
    if (s->header_in_quotes) {
      results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                    "the header ends inside a quoted field");
      return false;
    }
    results_csv_byte(p, '\n');
    if (p->fatal)
      return false;
    if (!s->have_header) {
      results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                    "the body has no header line");
      return false;
    }
    return true;
  }
  if (s->st == CSV_QUOTED) {
    results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                  "the body ends inside a quoted field (row %ld)",
                  p->row_no + 1);
    return false;
  }
  results_csv_byte(p, '\n');
  return !p->fatal;
}

void results_csv_free(struct results_parser *p) {
  free(p->csv.names);
  p->csv.names = NULL;
}
