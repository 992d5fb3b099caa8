/* CSV rows of an assessment push (results_parse.h), read by the one CSV
 * reader (include/csv_in.h): the push's fields and the names regional
 * systems give them, the task columns, the columns every push needs, and
 * each record into the checks of a row. */
#include "results_read.h"
#include "results_row.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const byte_word = "\xd0\xb1";       /* б */
static const char *const byte_word_upper = "\xd0\x91"; /* Б */

/* The fields besides the tasks, by their names in the project, in the Ф1
 * export and in other regional systems (matched normalised: case, ё/е,
 * punctuation and spaces do not count). */
static const struct csv_in_field fields[ROLE_COUNT] = {
    [ROLE_SCHOOL] = {"school_code",
                     {"school", "school login", "ОО", "код ОО", "логин ОО",
                      "код школы", "логин школы", "код организации",
                      "код образовательной организации"}},
    [ROLE_MUNICIPALITY] = {"municipality",
                           {"district", "муниципалитет",
                            "муниципальное образование", "МО", "район",
                            "муниципальный район", "АТЕ"}},
    [ROLE_SCHOOL_NAME] = {"school_name",
                          {"название ОО", "наименование ОО", "имя ОО",
                           "название школы", "наименование школы",
                           "образовательная организация",
                           "наименование образовательной организации"}},
    [ROLE_PARTICIPANT] = {"participant_code",
                          {"participant", "student", "student code",
                           "код участника", "участник", "код ученика",
                           "код обучающегося"}},
    [ROLE_CLASS] = {"class", {"class name", "класс", "литера класса"}},
    [ROLE_VARIANT] = {"variant", {"вариант", "номер варианта"}},
    [ROLE_SHORT] = {"short_answers",
                    {"short answers", "ответы на задания с кратким ответом",
                     "краткие ответы", "ответы с кратким ответом",
                     "задания с кратким ответом", "ответы части 1",
                     "ответы на задания части 1"}},
    [ROLE_PRIMARY] = {"primary_score",
                      {"primary", "первичный балл", "сумма баллов",
                       "сумма первичных баллов", "первичный балл сумма",
                       "итого первичный балл"}},
    [ROLE_MARK] = {"mark",
                   {"отметка", "оценка", "отметка за работу",
                    "оценка за работу", "отметка по пятибалльной шкале"}},
    [ROLE_JOURNAL] = {"journal_mark",
                      {"term mark", "отметка по журналу", "оценка по журналу",
                       "отметка за предыдущий период",
                       "оценка за предыдущий период", "отметка за четверть",
                       "оценка за четверть", "четвертная отметка",
                       "четвертная оценка", "отметка за триместр",
                       "отметка за полугодие", "отметка в журнале"}},
    [ROLE_TEST] = {"test_score", {"тестовый балл", "балл тестовый"}},
};

/* Field ids: the roles, then ROLE_COUNT + each task. */
_Static_assert(ROLE_COUNT + RESULTS_MAX_TASKS <= CSV_IN_MAX_COLUMNS,
               "every field of a push has an id the reader can map");

#define header_problem(p, column, ...)                                         \
  results_problem(p, 0, column, RESULTS_PROBLEM_BAD_HEADER, __VA_ARGS__)

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

/* --- hooks of the reader -------------------------------------------------- */

static int classify(void *ctx, const char *h, size_t position,
                    const char **name) {
  struct results_parser *p = ctx;
  const struct instrument *ins = p->ins;
  const char *num;
  size_t num_len;
  int max;
  bool f1;
  (void)position;
  if (!task_header(h, &num, &num_len, &max, &f1))
    return CSV_IN_IGNORED;
  p->f1_votes += f1;
  int t = results_task_index(ins, num, num_len);
  if (t < 0) {
    header_problem(p, h, "the instrument has no task %.*s", (int)num_len, num);
    p->header_problems++;
    return CSV_IN_REFUSED;
  }
  if (max >= 0 && max != ins->task_max[t]) {
    header_problem(p, h,
                   "the column gives task %s a maximum of %d, the instrument "
                   "%d",
                   ins->task_number[t], max, ins->task_max[t]);
    p->header_problems++;
    return CSV_IN_REFUSED;
  }
  *name = p->task_key_name[t];
  return ROLE_COUNT + t;
}

static void on_problem(void *ctx, enum csv_in_problem kind, long row,
                       const struct csv_in_column *column,
                       const char *message) {
  struct results_parser *p = ctx;
  (void)row;
  const char *name = column ? column->header : NULL;
  if (kind == CSV_IN_HEADER) {
    header_problem(p, name, "%s", message);
    p->header_problems++;
  } else {
    results_fatal(p, RESULTS_PROBLEM_MALFORMED_BODY, name, "%s", message);
  }
}

/* Missing columns, named in the header's style (Ф1's when it has Russian
 * names or bare task numbers). */
static void on_header(void *ctx, struct csv_in *r) {
  struct results_parser *p = ctx;
  const struct instrument *ins = p->ins;
  for (size_t i = 0; i < csv_in_n_columns(r); i++) {
    const struct csv_in_column *c = csv_in_column(r, i);
    for (const char *s = c->header; c->field >= 0 && *s; s++)
      if ((unsigned char)*s >= 0x80) {
        p->f1_votes++;
        break;
      }
  }
  bool f1 = p->f1_votes > 0;
  bool mark_required =
      !(ins->kind == ASSESSMENT_EGE && ins->min_test_score >= 0);
  static const enum results_role required[] = {ROLE_SCHOOL, ROLE_PARTICIPANT,
                                               ROLE_PRIMARY, ROLE_MARK};
  for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
    enum results_role role = required[k];
    if (csv_in_field_column(r, (int)role) ||
        (role == ROLE_MARK && !mark_required))
      continue;
    header_problem(p, f1 ? results_role_name_f1[role] : results_role_name[role],
                   "a required column is missing");
    p->header_problems++;
  }
  const struct csv_in_column *block = csv_in_field_column(r, ROLE_SHORT);
  if (block && ins->n_short == 0) {
    header_problem(p, block->header,
                   "the instrument has no short-answer tasks (part \"short\")");
    p->header_problems++;
  }
  for (size_t t = 0; t < ins->n_tasks && t < RESULTS_MAX_TASKS; t++) {
    const struct csv_in_column *own =
        csv_in_field_column(r, ROLE_COUNT + (int)t);
    if (block && ins->task_short[t]) {
      if (own) {
        header_problem(p, own->header,
                       "task %s is given by the short answers' column",
                       ins->task_number[t]);
        p->header_problems++;
      }
      continue;
    }
    if (own)
      continue;
    char col[RESULTS_TASK_NUMBER_MAX + 32];
    if (f1)
      snprintf(col, sizeof col, "%s (%d%s)", ins->task_number[t],
               ins->task_max[t], byte_word);
    else
      snprintf(col, sizeof col, "task_%s", ins->task_number[t]);
    header_problem(p, col, "the column of task %s is missing",
                   ins->task_number[t]);
    p->header_problems++;
  }
  if (p->header_problems) {
    results_fatal(p, RESULTS_PROBLEM_BAD_HEADER, NULL,
                  "the header has %d problem%s", p->header_problems,
                  p->header_problems == 1 ? "" : "s");
    csv_in_stop(r);
  }
}

/* The name of a field's column, for problems. */
static const char *column_name(const struct csv_in *r, int field) {
  const struct csv_in_column *c = csv_in_field_column(r, field);
  return c ? c->header : NULL;
}

static void on_record(void *ctx, struct csv_in *r) {
  struct results_parser *p = ctx;
  p->row_no = csv_in_row(r);
  const struct csv_in_column *bad;
  const char *fault = csv_in_fault(r, &bad);
  if (fault) {
    results_reject_row(p, bad ? bad->header : NULL, "%s", fault);
    return;
  }
  struct row_in in;
  memset(&in, 0, sizeof in);
  for (int f = 0; f < ROLE_COUNT; f++) {
    in.text[f] = csv_in_value(r, f);
    in.name[f] = column_name(r, f);
  }
  for (size_t t = 0; t < p->ins->n_tasks && t < RESULTS_MAX_TASKS; t++) {
    in.task_text[t] = csv_in_value(r, ROLE_COUNT + (int)t);
    in.task_name[t] = column_name(r, ROLE_COUNT + (int)t);
  }
  in.short_block = in.name[ROLE_SHORT] != NULL;
  results_check_row(p, &in);
}

/* --- the parser's CSV ----------------------------------------------------- */

bool results_csv_open(struct results_parser *p, enum csv_in_encoding enc) {
  struct csv_in_hooks h = {.fields = fields,
                           .n_fields = ROLE_COUNT,
                           .classify = classify,
                           .on_problem = on_problem,
                           .on_header = on_header,
                           .on_record = on_record,
                           .ctx = p};
  csv_in_free(p->csv);
  p->csv = csv_in_new(&h, enc);
  return p->csv != NULL;
}

void results_csv_report(const struct results_parser *p, json_t *summary) {
  json_object_set_new(summary, "encoding",
                      json_string(csv_in_encoding_name(p->csv)));
  json_object_set_new(summary, "columns", csv_in_columns_json(p->csv));
  json_object_set_new(summary, "warnings", csv_in_warnings_json(p->csv));
}
