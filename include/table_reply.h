/* Lists answered as tables (docs/MONITORING.md, "Tables"): CSV
 * (src/core/csv_out.c) or an Excel workbook (src/core/xlsx_out.c), as the
 * request's Accept asks, from the same columns (include/table.h). */
#ifndef OPORA_TABLE_REPLY_H
#define OPORA_TABLE_REPLY_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "table.h"

struct request;

#define XLSX_MEDIA_TYPE                                                        \
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* True when Accept names text/csv or the XLSX media type. */
bool request_wants_table(struct request *rq);

/* Answers the rows as the table Accept asks for (see reply_csv_table,
 * reply_xlsx_table); more than CSV_MAX_ROWS rows answer 400 in either. */
void reply_table(struct request *rq, const struct table_spec *spec,
                 const PGresult *rows, int doc_col, int first_extra,
                 const char *qualifier);

/* Content-Disposition: attachment; filename="<file>[-<qualifier>]-<today>.
 * <extension>", the qualifier kept to letters, digits, '_' and '-'. */
void reply_table_disposition(struct request *rq, const char *file,
                             const char *qualifier, const char *extension);

#endif
