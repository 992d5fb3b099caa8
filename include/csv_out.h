/* Lists as CSV tables for people who open them in Excel: UTF-8 with a BOM,
 * ';' separated, CRLF, a header row of the items' members (nested objects
 * flattened as "school.code"). */
#ifndef OPORA_CSV_OUT_H
#define OPORA_CSV_OUT_H

#include <libpq-fe.h>
#include <stdbool.h>

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

/* True when the request's Accept names text/csv. */
bool request_wants_csv(struct request *rq);

/* Answers 200 text/csv from a list statement's rows: the JSON document in
 * column doc_col, extra members from column first_extra on (named by their
 * columns), at most max_rows rows. */
void reply_csv_docs(struct request *rq, const PGresult *rows, int doc_col,
                    int first_extra, int max_rows);

#endif
