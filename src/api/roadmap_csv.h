/* Roadmap items as tables (docs/PLANS.md, "Tables in and out"): the CSV a
 * plan is kept in by the schools and authorities, read and written. */
#ifndef OPORA_ROADMAP_CSV_H
#define OPORA_ROADMAP_CSV_H

#include <jansson.h>
#include <stddef.h>

#include "csv_in.h"
#include "table.h"

/* Reads an import with the one CSV reader (include/csv_in.h: UTF-8 or
 * Windows-1251, `;`, `,` or tab, quoted cells, CRLF or LF), the header in
 * Russian or English; `enc` is CSV_IN_AUTO or a declared CSV_IN_CP1251.
 * Returns a new array with one object per data row: number, section,
 * activity, schedule_text, responsible, expected_result, risk_factor_code
 * (null when empty) and row (as Excel numbers it: the header is row 1).
 * Appends every problem found to errors as {"path": "row N, column NAME",
 * "message"}; sets *report (new) to {"encoding", "columns", "warnings"}:
 * which column went to which field, and the columns ignored. */
json_t *roadmap_csv_parse(const char *data, size_t len,
                          enum csv_in_encoding enc, json_t *errors,
                          json_t **report);

/* The export of a roadmap's items (STMT_ROADMAP_ITEMS_TABLE): the columns
 * of an import, the header in Russian. */
extern const struct table_spec roadmap_items_table;

#endif
