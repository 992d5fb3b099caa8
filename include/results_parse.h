/* Rows of an assessment push, read as the body arrives (docs/ASSESSMENTS.md).
 * Three formats: CSV (the ФИС ОКО Ф1 export's headers, the project's own or
 * other regional systems' names; read by include/csv_in.h: UTF-8 or
 * Windows-1251, ';', ',' or tab), a JSON array of row objects, and JSON
 * lines. Feed the body in pieces of any size; the parser
 * keeps at most one row (RESULTS_ROW_MAX bytes) and calls back once per row.
 *
 * It checks everything a row can be checked for alone: numbers, task scores
 * against their maxima, the primary score against the sum of the tasks, the
 * mark against the instrument's boundaries, the journal mark, text lengths.
 * What needs the database (is the school known and in scope, is the
 * participant already in this push) is the caller's. */
#ifndef OPORA_RESULTS_PARSE_H
#define OPORA_RESULTS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESULTS_MAX_TASKS 64
#define RESULTS_TASK_NUMBER_MAX 15 /* "9.1", "12.2.1" */
#define RESULTS_CODE_MAX 64        /* school and participant codes */
#define RESULTS_TEXT_MAX 32        /* class and variant */
#define RESULTS_ROW_MAX 65536      /* one CSV line or JSON row, in bytes */

enum results_format {
  RESULTS_CSV,
  RESULTS_JSON_ARRAY,
  RESULTS_JSON_LINES,
};

enum assessment_kind {
  ASSESSMENT_VPR,
  ASSESSMENT_OGE,
  ASSESSMENT_EGE,
  ASSESSMENT_REGIONAL,
};

/* What rows are checked against: one instrument (a row of assessments). */
struct instrument {
  int64_t id;
  int year;
  enum assessment_kind kind;
  size_t n_tasks;
  char task_number[RESULTS_MAX_TASKS][RESULTS_TASK_NUMBER_MAX + 1];
  int task_max[RESULTS_MAX_TASKS];
  /* Tasks with `part` "short": the ones a short-answer block covers, in
   * instrument order (docs/ASSESSMENTS.md, "Short-answer blocks"). */
  bool task_short[RESULTS_MAX_TASKS];
  size_t n_short;
  /* Basic-level tasks ("level": "basic") and their scores possible: the
   * statistics count high marks with low basic mastery (push_stats.h). */
  bool task_basic[RESULTS_MAX_TASKS];
  int basic_max;
  int max_primary_score;
  /* Lowest primary scores of marks 3, 4, 5; all 0 when not set. */
  int mark3_from, mark4_from, mark5_from;
  int min_test_score; /* ЕГЭ; -1 when not set */
};

/* One data row. Strings are NUL-terminated, valid UTF-8 without control
 * characters, and live only during the callback. */
struct result_row {
  long row_no;                       /* docs/ASSESSMENTS.md, "Rows" */
  const char *school_code;           /* never empty */
  const char *participant_code;      /* never empty */
  const char *class_name;            /* "" when not given */
  const char *variant;               /* "" when not given */
  int task_score[RESULTS_MAX_TASKS]; /* instrument order; not done = 0 */
  int primary_score;
  int mark;         /* 2..5, or 0 when not given (ЕГЭ on the 100 scale) */
  int test_score;   /* 0..100, or -1 when not given */
  int journal_mark; /* 2..5, or 0 when not given */
};

/* A problem: row_no 0 for the body as a whole (header, structure), else the
 * row where a person finds it: in CSV Excel's row (the header is row 1), in
 * JSON lines the line, in a JSON array the element (from 1); column as
 * the body names it (the CSV header text, or the JSON member name), or NULL.
 * code is one of the RESULTS_PROBLEM_* strings below. */
struct results_problem {
  long row_no;
  const char *column;
  const char *code;
  const char *message;
};

#define RESULTS_PROBLEM_MALFORMED_BODY "malformed_body" /* fatal */
#define RESULTS_PROBLEM_BAD_HEADER "bad_header"         /* fatal */
#define RESULTS_PROBLEM_MALFORMED_ROW "malformed_row"
#define RESULTS_PROBLEM_MISSING_VALUE "missing_value"
#define RESULTS_PROBLEM_MALFORMED_NUMBER "malformed_number"
#define RESULTS_PROBLEM_OUT_OF_RANGE "out_of_range"
#define RESULTS_PROBLEM_SCORE_ABOVE_MAX "score_above_max"
#define RESULTS_PROBLEM_PRIMARY_MISMATCH "primary_score_mismatch"
#define RESULTS_PROBLEM_MARK_INCONSISTENT "mark_inconsistent"
#define RESULTS_PROBLEM_BAD_TEXT "bad_text"
/* Reported by the push, not the parser: */
#define RESULTS_PROBLEM_UNKNOWN_SCHOOL "unknown_school"
#define RESULTS_PROBLEM_DUPLICATE "duplicate_participant"

struct results_callbacks {
  /* Every problem, in the order found; a row with problems is not passed to
   * on_row. */
  void (*on_problem)(void *ctx, const struct results_problem *problem);
  /* Every data row, after its problems: `row` is NULL when the row had
   * problems (so the caller can count rows received and rejected). */
  void (*on_row)(void *ctx, long row_no, const struct result_row *row);
  void *ctx;
};

struct results_parser;

/* A parser for one body; `ins` must outlive it. Returns NULL only when out
 * of memory. */
struct results_parser *results_parser_new(enum results_format format,
                                          const struct instrument *ins,
                                          const struct results_callbacks *cb);

/* CSV declared Windows-1251 (charset=windows-1251): read as such, whatever
 * its bytes. Before the first piece; false when out of memory. */
bool results_parser_set_cp1251(struct results_parser *p);

/* Takes the next piece of the body. False after a fatal problem (reported
 * through on_problem): the body cannot be read further and the push is to
 * be rejected; later calls do nothing and return false. */
bool results_parser_feed(struct results_parser *p, const char *data,
                         size_t len);

/* The end of the body: the last row without a final newline, an unclosed
 * quote or array. False after a fatal problem (also one reported earlier),
 * or when the body had no header (CSV). */
bool results_parser_finish(struct results_parser *p);

void results_parser_free(struct results_parser *p);

/* What the answer says of the body's columns: for CSV "encoding",
 * "columns" (which column went to which field) and "warnings" (columns
 * ignored); for JSON an empty "warnings". Set on `summary`. */
struct json_t;
void results_parser_report(const struct results_parser *p,
                           struct json_t *summary);

/* The format for a Content-Type header value (parameters allowed; charset,
 * if any, UTF-8, or for text/csv also windows-1251, which sets *cp1251):
 * text/csv, application/json, application/x-ndjson, application/jsonl.
 * False for anything else. */
bool results_format_from_content_type(const char *content_type,
                                      enum results_format *out, bool *cp1251);

/* A short-answer block as ОГЭ and ЕГЭ exports give it: one character per
 * short task of the instrument, in order: '+' the task's full score, '-'
 * 0, a digit that score. */
enum short_block_fault {
  SHORT_BLOCK_OK,
  SHORT_BLOCK_EMPTY,     /* nothing but spaces */
  SHORT_BLOCK_BAD_CHAR,  /* at *position: not '+', '-' or a digit */
  SHORT_BLOCK_LENGTH,    /* *position: the characters it has */
  SHORT_BLOCK_ABOVE_MAX, /* at *position: a digit above the task's maximum */
};

/* Parses `block` (spaces around it allowed) into score[t] of each short
 * task t; *position is the 1-based character a fault is at (or the
 * block's length in characters, for SHORT_BLOCK_LENGTH). */
enum short_block_fault results_short_block(const struct instrument *ins,
                                           const char *block,
                                           int score[RESULTS_MAX_TASKS],
                                           size_t *position);

/* The mark the instrument's boundaries give a primary score (2..5), or 0
 * when the instrument has none. */
int instrument_mark_for(const struct instrument *ins, int primary_score);

#endif
