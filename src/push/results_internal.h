/* Shared between results_parse.c (the parser object and the checks of a row),
 * results_csv.c (CSV, over include/csv_in.h) and results_json.c (JSON array and
 * JSON lines). */
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

/* The project's names (CSV header and JSON members) and the Ф1 export's. */
extern const char *const results_role_name[ROLE_COUNT];
extern const char *const results_role_name_f1[ROLE_COUNT];

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

/* Reports a problem of the current row (row_no > 0) or of the body (0). */
void results_problem(struct results_parser *p, long row_no, const char *column,
                     const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Reports a fatal problem of the body (malformed_body or bad_header). */
void results_fatal(struct results_parser *p, const char *code,
                   const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks a row (p->row_no) and calls on_problem / on_row. */
void results_check_row(struct results_parser *p, struct row_in *in);
/* A row that could not be read at all: one malformed_row, then on_row(NULL).
 */
void results_reject_row(struct results_parser *p, const char *column,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The index of the instrument's task numbered [s, s + n), or -1. */
int results_task_index(const struct instrument *ins, const char *s, size_t n);

/* Appends a byte to the row buffer (marks overflow when full). */
static inline void results_put(struct results_parser *p, char c) {
  if (p->len >= RESULTS_ROW_MAX) {
    p->overflow = true;
    return;
  }
  p->buf[p->len++] = c;
}

/* CSV: the reader of the body (encoding CSV_IN_AUTO or CSV_IN_CP1251);
 * false when out of memory. */
bool results_csv_open(struct results_parser *p, enum csv_in_encoding enc);
/* CSV: "encoding", "columns" and "warnings" of the answer. */
void results_csv_report(const struct results_parser *p, json_t *summary);
void results_json_array_byte(struct results_parser *p, char c);
bool results_json_array_finish(struct results_parser *p);
void results_json_lines_byte(struct results_parser *p, char c);
bool results_json_lines_finish(struct results_parser *p);

#endif
