/* The readers of a push's formats (results_csv.c over include/csv_in.h,
 * results_json.c for a JSON array and JSON lines): results_parse.c hands
 * them the body, they hand each row to its checks (results_row.h). */
#ifndef OPORA_RESULTS_READ_H
#define OPORA_RESULTS_READ_H

#include <jansson.h>
#include <stdbool.h>

#include "results_internal.h"

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
