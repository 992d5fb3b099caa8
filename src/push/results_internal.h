/* The state of a push's row parser, shared by results_parse.c (the parser
 * object), results_csv.c and results_json.c (the readers of the formats) and
 * results_row.c (the checks of a row). Types only: each file's functions are
 * in its own header, and the calls go one way: parser -> readers -> rows. */
#ifndef OPORA_RESULTS_INTERNAL_H
#define OPORA_RESULTS_INTERNAL_H

#include "csv_in.h"
#include "results_parse.h"

/* The fields of a row besides the tasks, in the order they are checked. */
enum results_role {
  ROLE_SCHOOL,
  ROLE_MUNICIPALITY, /* ignored but for UTF-8 */
  ROLE_SCHOOL_NAME,  /* ignored but for UTF-8 */
  ROLE_PARTICIPANT,
  ROLE_CLASS,
  ROLE_VARIANT,
  ROLE_SHORT, /* the short-answer block (ОГЭ, ЕГЭ) */
  ROLE_PRIMARY,
  ROLE_MARK,
  ROLE_JOURNAL,
  ROLE_TEST,
  ROLE_COUNT
};

/* A row as text, before the checks. NULL text: not given. `reported`: the
 * format's layer already reported a problem about that field. */
struct row_in {
  const char *text[ROLE_COUNT];
  const char *name[ROLE_COUNT];
  bool reported[ROLE_COUNT];
  const char *task_text[RESULTS_MAX_TASKS];
  const char *task_name[RESULTS_MAX_TASKS];
  bool task_reported[RESULTS_MAX_TASKS];
  /* The short tasks' scores come from text[ROLE_SHORT] (the body has a
   * block column or member), not from their own. */
  bool short_block;
  int n_problems; /* reported by the format's layer */
};

enum json_array_state {
  JA_BEFORE,     /* before '[' */
  JA_FIRST,      /* after '[' */
  JA_NEXT,       /* after ',' */
  JA_IN_ELEMENT, /* inside a row */
  JA_AFTER_ELEMENT /* after a row */,
  JA_DONE /* after ']' */
};

struct json_state {
  enum json_array_state st;
  int depth;
  bool in_string, escape, scalar;
  bool line_blank; /* JSON lines: nothing but white space so far */
};

struct results_parser {
  enum results_format format;
  const struct instrument *ins;
  struct results_callbacks cb;
  bool fatal;
  bool finished;
  int bom_pos; /* JSON: bytes of a UTF-8 BOM seen at the start; 3 once past */
  long row_no; /* the current row (docs/ASSESSMENTS.md, "Rows") */
  char *buf;   /* JSON: one row, RESULTS_ROW_MAX + 1 bytes */
  size_t len;
  bool overflow; /* the current row did not fit */
  struct csv_in *csv;
  int header_problems, f1_votes; /* CSV: of the header */
  struct json_state js;
  char msg[384];
  char column[64];
  /* JSON: integers as text, and the names of task members. */
  char num[ROLE_COUNT][24];
  char task_num[RESULTS_MAX_TASKS][24];
  char task_key_name[RESULTS_MAX_TASKS][RESULTS_TASK_NUMBER_MAX + 8];
  char task_index_name[RESULTS_MAX_TASKS][16];
};

/* Appends a byte to the row buffer (marks overflow when full). */
static inline void results_put(struct results_parser *p, char c) {
  if (p->len >= RESULTS_ROW_MAX) {
    p->overflow = true;
    return;
  }
  p->buf[p->len++] = c;
}

#endif
