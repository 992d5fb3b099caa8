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

/* True when the request's Accept names text/csv. */
bool request_wants_csv(struct request *rq);

/* Answers 200 text/csv from a list statement's rows: the JSON document in
 * column doc_col, extra members from column first_extra on (named by their
 * columns), at most max_rows rows. */
void reply_csv_docs(struct request *rq, const PGresult *rows, int doc_col,
                    int first_extra, int max_rows);

#endif
