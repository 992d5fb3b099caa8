/* Roadmap items as tables (docs/PLANS.md, "Tables in and out"): the CSV a
 * plan is kept in by the schools and authorities, read and written. */
#ifndef OPORA_ROADMAP_CSV_H
#define OPORA_ROADMAP_CSV_H

#include <jansson.h>
#include <stddef.h>

#include "table.h"

/* Reads an import: UTF-8 with or without BOM, `;` or `,` (the header line
 * decides), quoted fields with "" escapes, CRLF or LF, the header in
 * Russian or English. Returns a new array with one object per data row:
 * number, section, activity, schedule_text, responsible, expected_result,
 * risk_factor_code (null when empty) and row (its row in the file, the
 * header being row 1). Appends every problem found to errors as
 * {"path": "row N, column NAME", "message"}. */
json_t *roadmap_csv_parse(const char *data, size_t len, json_t *errors);

/* The export of a roadmap's items (STMT_ROADMAP_ITEMS_TABLE): the columns
 * of an import, the header in Russian. */
extern const struct table_spec roadmap_items_table;

#endif
