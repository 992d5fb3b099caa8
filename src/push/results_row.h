/* The checks every row of a push gets whatever its format, and its problems
 * (src/push/results_row.c): the readers (results_read.h) hand rows here. */
#ifndef OPORA_RESULTS_ROW_H
#define OPORA_RESULTS_ROW_H

#include "results_internal.h"

/* The project's names (CSV header and JSON members) and the Ф1 export's. */
extern const char *const results_role_name[ROLE_COUNT];
extern const char *const results_role_name_f1[ROLE_COUNT];

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

#endif
