/* JSON rows of an assessment push (results_parse.h): a JSON array of row
 * objects, split into elements as it arrives (depth, strings and escapes
 * tracked) and each element read with Jansson; or JSON lines, one object per
 * non-blank line.
 *
 * Members: school_code, municipality, school_name, participant_code, class,
 * variant, short_answers, tasks, primary_score, mark, journal_mark,
 * test_score. Codes may be strings or integers; numbers integers or strings
 * holding one; null is "not given". tasks: an object keyed by task number (a
 * task left out is not done) or an array of every task's score in the
 * instrument's order. With short_answers (the block of the short tasks),
 * tasks holds the other tasks only: the object none of the short ones, the
 * array the others' scores in order. An
 * unknown member is a malformed_row naming it: the row is rejected. A
 * syntax error inside the array is fatal (malformed_body); in JSON lines it
 * is the line's malformed_row and the lines after it are read. */
#include "results_read.h"
#include "results_row.h"
#include "utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static bool json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
    return "an integer";
  case JSON_REAL:
    return "a fraction";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  case JSON_NULL:
    return "null";
  }
  return "a value";
}

/* The text of a member's value; NULL for null. False (reported) for other
 * types. `num` holds an integer's digits. */
static bool value_text(struct results_parser *p, struct row_in *in,
                       const json_t *v, const char *column, bool number,
                       char num[24], const char **out) {
  *out = NULL;
  if (json_is_null(v))
    return true;
  if (json_is_string(v)) {
    if (strlen(json_string_value(v)) != json_string_length(v)) {
      results_problem(p, p->row_no, column, RESULTS_PROBLEM_BAD_TEXT,
                      "the text contains a NUL character");
      in->n_problems++;
      return false;
    }
    *out = json_string_value(v);
    return true;
  }
  if (json_is_integer(v)) {
    snprintf(num, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    *out = num;
    return true;
  }
  if (number)
    results_problem(p, p->row_no, column, RESULTS_PROBLEM_MALFORMED_NUMBER,
                    "expected a whole number, got %s", type_name(v));
  else
    results_problem(p, p->row_no, column, RESULTS_PROBLEM_BAD_TEXT,
                    "expected a string, got %s", type_name(v));
  in->n_problems++;
  return false;
}

static void task_value(struct results_parser *p, struct row_in *in, size_t t,
                       const json_t *v, const char *column) {
  in->task_name[t] = column;
  if (!value_text(p, in, v, column, true, p->task_num[t], &in->task_text[t]))
    in->task_reported[t] = true;
}

/* tasks as an array of the tasks the block leaves (every task without
 * one). */
static void tasks_array(struct results_parser *p, struct row_in *in,
                        const json_t *tasks, size_t n) {
  const struct instrument *ins = p->ins;
  size_t want = in->short_block ? n - ins->n_short : n;
  if (json_array_size(tasks) != want) {
    results_problem(p, p->row_no, "tasks", RESULTS_PROBLEM_MALFORMED_ROW,
                    in->short_block ? "tasks has %zu scores, the instrument "
                                      "%zu tasks besides the short answers"
                                    : "tasks has %zu scores, the instrument "
                                      "%zu tasks",
                    json_array_size(tasks), want);
    in->n_problems++;
    for (size_t t = 0; t < n; t++)
      in->task_reported[t] = true;
    return;
  }
  size_t k = 0;
  for (size_t t = 0; t < n; t++)
    if (!(in->short_block && ins->task_short[t])) {
      task_value(p, in, t, json_array_get(tasks, k), p->task_index_name[k]);
      k++;
    }
}

static void tasks_member(struct results_parser *p, struct row_in *in,
                         const json_t *tasks) {
  const struct instrument *ins = p->ins;
  size_t n =
      ins->n_tasks < RESULTS_MAX_TASKS ? ins->n_tasks : RESULTS_MAX_TASKS;
  for (size_t t = 0; t < n; t++)
    in->task_name[t] = p->task_key_name[t];
  if (json_is_object(tasks)) {
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)tasks, key, v) {
      int t = results_task_index(ins, key, strlen(key));
      if (t < 0) {
        snprintf(p->column, sizeof p->column, "tasks.%s", key);
        utf8_make_valid(p->column); /* cut inside a character */
        char task[32];
        results_problem(p, p->row_no, p->column, RESULTS_PROBLEM_MALFORMED_ROW,
                        "the instrument has no task %s",
                        csv_in_excerpt(key, 20, task, sizeof task));
        in->n_problems++;
        continue;
      }
      if (in->short_block && ins->task_short[t]) {
        results_problem(
            p, p->row_no, p->task_key_name[t], RESULTS_PROBLEM_MALFORMED_ROW,
            "task %s is given by short_answers", ins->task_number[t]);
        in->n_problems++;
        continue;
      }
      task_value(p, in, (size_t)t, v, p->task_key_name[t]);
    }
  } else if (json_is_array(tasks)) {
    tasks_array(p, in, tasks, n);
  } else {
    results_problem(p, p->row_no, "tasks", RESULTS_PROBLEM_MALFORMED_ROW,
                    "expected an object or an array of task scores, got %s",
                    type_name(tasks));
    in->n_problems++;
    for (size_t t = 0; t < n; t++)
      in->task_reported[t] = true;
  }
}

static void json_row(struct results_parser *p, json_t *row) {
  if (!json_is_object(row)) {
    results_reject_row(p, NULL, "the row is %s, not an object", type_name(row));
    return;
  }
  struct row_in in;
  memset(&in, 0, sizeof in);
  for (int r = 0; r < ROLE_COUNT; r++)
    in.name[r] = results_role_name[r];
  in.short_block = json_object_get(row, "short_answers") != NULL;
  if (in.short_block && p->ins->n_short == 0) {
    results_problem(
        p, p->row_no, "short_answers", RESULTS_PROBLEM_MALFORMED_ROW,
        "the instrument has no short-answer tasks (part \"short\")");
    in.n_problems++;
    in.reported[ROLE_SHORT] = true;
  }
  const char *key;
  json_t *v;
  bool have_tasks = false;
  json_object_foreach(row, key, v) {
    if (strcmp(key, "tasks") == 0) {
      have_tasks = true;
      tasks_member(p, &in, v);
      continue;
    }
    int r = 0;
    while (r < ROLE_COUNT && strcmp(key, results_role_name[r]) != 0)
      r++;
    if (r == ROLE_COUNT) {
      snprintf(p->column, sizeof p->column, "%s", key);
      utf8_make_valid(p->column); /* cut inside a character */
      results_problem(p, p->row_no, p->column, RESULTS_PROBLEM_MALFORMED_ROW,
                      "unknown member");
      in.n_problems++;
      continue;
    }
    if (r == ROLE_SHORT && json_is_integer(v)) { /* its zeros would be lost */
      results_problem(p, p->row_no, "short_answers", RESULTS_PROBLEM_BAD_TEXT,
                      "expected a string, got an integer");
      in.n_problems++;
      in.reported[r] = true;
      continue;
    }
    bool number = r >= ROLE_PRIMARY;
    if (!value_text(p, &in, v, results_role_name[r], number, p->num[r],
                    &in.text[r]))
      in.reported[r] = true;
  }
  if (!have_tasks && p->ins->n_tasks > 0) {
    results_problem(p, p->row_no, "tasks", RESULTS_PROBLEM_MISSING_VALUE,
                    "the task scores are missing");
    in.n_problems++;
    for (size_t t = 0; t < RESULTS_MAX_TASKS; t++)
      in.task_reported[t] = true;
  }
  results_check_row(p, &in);
}

/* The repeated member of Jansson's "duplicate object key near '"key"'". */
static const char *duplicate_key(struct results_parser *p,
                                 const json_error_t *err) {
  const char *k = strstr(err->text, "near '\"");
  if (!k)
    return NULL;
  k += 7;
  const char *e = strstr(k, "\"'");
  size_t n = e ? (size_t)(e - k) : strlen(k);
  if (n >= sizeof p->column)
    n = sizeof p->column - 1;
  memcpy(p->column, k, n);
  p->column[n] = '\0';
  utf8_make_valid(p->column);
  return p->column;
}

/* --- JSON array ---------------------------------------------------------- */

static void element_begin(struct results_parser *p, char c) {
  struct json_state *s = &p->js;
  p->len = 0;
  p->overflow = false;
  s->depth = 0;
  s->in_string = s->escape = s->scalar = false;
  if (c == '{' || c == '[')
    s->depth = 1;
  else if (c == '"')
    s->in_string = true;
  else
    s->scalar = true;
  results_put(p, c);
  s->st = JA_IN_ELEMENT;
}

static void element_end(struct results_parser *p) {
  p->js.st = JA_AFTER_ELEMENT;
  p->row_no++;
  if (p->overflow) {
    results_reject_row(p, NULL, "the row is longer than %d bytes",
                       RESULTS_ROW_MAX);
    return;
  }
  json_error_t err;
  json_t *row = json_loadb(
      p->buf, p->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
      &err);
  if (!row) {
    if (json_error_code(&err) == json_error_duplicate_key)
      results_reject_row(p, duplicate_key(p, &err), "the member is repeated");
    else
      results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                    "row %ld is not valid JSON: %s", p->row_no, err.text);
    return;
  }
  json_row(p, row);
  json_decref(row);
}

void results_json_array_byte(struct results_parser *p, char c) {
  struct json_state *s = &p->js;
  switch (s->st) {
  case JA_BEFORE:
    if (json_space(c))
      return;
    if (c == '[')
      s->st = JA_FIRST;
    else
      results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                    "the body is not a JSON array");
    return;
  case JA_FIRST:
  case JA_NEXT:
    if (json_space(c))
      return;
    if (c == ']' && s->st == JA_FIRST)
      s->st = JA_DONE;
    else if (c == ']' || c == ',')
      results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                    "expected a row after '%c' (row %ld)",
                    s->st == JA_FIRST ? '[' : ',', p->row_no + 1);
    else
      element_begin(p, c);
    return;
  case JA_IN_ELEMENT:
    if (s->scalar) {
      if (json_space(c) || c == ',' || c == ']') {
        element_end(p);
        if (!p->fatal)
          results_json_array_byte(p, c);
        return;
      }
      results_put(p, c);
      return;
    }
    results_put(p, c);
    if (s->in_string) {
      if (s->escape)
        s->escape = false;
      else if (c == '\\')
        s->escape = true;
      else if (c == '"')
        s->in_string = false;
      if (!s->in_string && s->depth == 0)
        element_end(p);
      return;
    }
    if (c == '"')
      s->in_string = true;
    else if (c == '{' || c == '[')
      s->depth++;
    else if ((c == '}' || c == ']') && --s->depth == 0)
      element_end(p);
    return;
  case JA_AFTER_ELEMENT:
    if (json_space(c))
      return;
    if (c == ',')
      s->st = JA_NEXT;
    else if (c == ']')
      s->st = JA_DONE;
    else
      results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                    "expected ',' or ']' after row %ld", p->row_no);
    return;
  case JA_DONE:
    if (!json_space(c))
      results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                    "text follows the end of the array");
    return;
  }
}

bool results_json_array_finish(struct results_parser *p) {
  struct json_state *s = &p->js;
  if (s->st == JA_DONE)
    return true;
  if (s->st == JA_BEFORE)
    results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                  "the body is empty, not a JSON array");
  else
    results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, NULL,
                  "the body ends before the array is closed (after row %ld)",
                  p->row_no);
  return false;
}

/* --- JSON lines ---------------------------------------------------------- */

/* Every line has its number (an editor's), blank ones too. */
static void line_end(struct results_parser *p) {
  bool blank = p->js.line_blank;
  p->js.line_blank = true;
  p->row_no++;
  if (blank) {
    p->len = 0;
    p->overflow = false;
    return;
  }
  if (p->overflow) {
    results_reject_row(p, NULL, "the row is longer than %d bytes",
                       RESULTS_ROW_MAX);
  } else {
    json_error_t err;
    json_t *row = json_loadb(
        p->buf, p->len,
        JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!row) {
      results_reject_row(p, NULL, "not valid JSON: %s (column %d)", err.text,
                         err.column);
    } else {
      json_row(p, row);
      json_decref(row);
    }
  }
  p->len = 0;
  p->overflow = false;
}

void results_json_lines_byte(struct results_parser *p, char c) {
  if (c == '\n') {
    line_end(p);
    return;
  }
  if (!json_space(c))
    p->js.line_blank = false;
  results_put(p, c);
}

bool results_json_lines_finish(struct results_parser *p) {
  line_end(p);
  return !p->fatal;
}
