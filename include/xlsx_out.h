/* Lists as Excel workbooks (XLSX) for people who sum their columns: one
 * sheet, the Russian header row in bold, frozen under it, with a filter on
 * every column and widths that fit; numbers as numbers, dates and times as
 * dates, booleans as «да» / «нет». Written with libxlsxwriter (the field's
 * standard C library for XLSX) into a temporary file of the configured
 * directory, in constant memory, and sent from that file. */
#ifndef OPORA_XLSX_OUT_H
#define OPORA_XLSX_OUT_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "table.h"

struct request;

/* Where the workbooks are written while they are made (OPORA_TMP_DIR).
 * Returns false, with the reason in err, when no file can be made there. */
bool xlsx_configure(const char *tmp_dir, char *err, size_t err_len);

/* For documents of their own (reports): a workbook of libxlsxwriter is
 * made at a new path of the configured directory (xlsx_new_path: false
 * when no file can be made there), written and closed by the caller, then
 * answered from that file with Content-Disposition naming
 * <file>[-<qualifier>]-<today>.xlsx (reply_xlsx_file, which removes the
 * file; 500 when it cannot be read). */
bool xlsx_new_path(char *path, size_t len);
void reply_xlsx_file(struct request *rq, const char *path, const char *file,
                     const char *qualifier);
/* The directory (for lxw_workbook_options.tmpdir). */
const char *xlsx_tmp_dir(void);

/* True when Accept names the XLSX media type. */
bool request_wants_xlsx(struct request *rq);

/* Answers 200 with the rows as a workbook (table_walk's cells), with
 * Content-Disposition naming <spec->file>[-<qualifier>]-<today>.xlsx.
 * (reply_table answers 400 past CSV_MAX_ROWS rows.) */
void reply_xlsx_table(struct request *rq, const struct table_spec *spec,
                      const PGresult *rows, int doc_col, int first_extra,
                      const char *qualifier);

#endif
