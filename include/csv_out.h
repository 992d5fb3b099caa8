/* Lists as CSV tables for people who open them in Excel (docs/MONITORING.md,
 * "Tables"): UTF-8 with a BOM, ';' separated, CRLF, the header row of the
 * list's columns (include/table.h) also when the list is empty, then one
 * row per item. */
#ifndef OPORA_CSV_OUT_H
#define OPORA_CSV_OUT_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "table.h"

struct request;

/* At most this many rows in one table. */
#define CSV_MAX_ROWS 100000

/* A growing text, for writing tables. */
struct csv_buffer {
  char *data;
  size_t len, cap;
};

void csv_put(struct csv_buffer *b, const char *s, size_t n);
/* A field, quoted when it holds a separator, a quote, a line break or
 * leading or trailing spaces. */
void csv_put_field(struct csv_buffer *b, const char *s);

/* Formula injection: a text cell that Excel would read as a formula (it
 * starts with =, +, -, @, a tab or a carriage return, after any
 * apostrophes) is written with an apostrophe before it. True when s needs
 * one. */
bool csv_text_guarded(const char *s, size_t len);
/* The import's side: 1 when the cell s starts with an apostrophe that the
 * export added (to drop), else 0. Export then import gives back the text. */
size_t csv_guard_length(const char *s, size_t len);

/* True when the request's Accept names text/csv. */
bool request_wants_csv(struct request *rq);

/* Answers 200 text/csv from a list statement's rows (table_walk: the item
 * in doc_col, extra members from first_extra on), with Content-Disposition
 * naming the file <spec->file>[-<qualifier>]-<today>.csv. People get the
 * Russian headers, decimal commas and да/нет; `Accept: text/csv;
 * columns=keys` gets the columns' keys as headers and the values as JSON
 * writes them. (reply_table answers 400 past CSV_MAX_ROWS rows.) */
void reply_csv_table(struct request *rq, const struct table_spec *spec,
                     const PGresult *rows, int doc_col, int first_extra,
                     const char *qualifier);

#endif
