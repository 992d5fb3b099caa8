/* CSV as people save it, read as it arrives: the one reader of every table
 * import (roadmap items, the assessment push; docs/PLANS.md,
 * docs/ASSESSMENTS.md). Feed the body in pieces of any size; the reader
 * keeps one record (CSV_IN_RECORD_MAX bytes) and calls the import back once
 * for the header and once per record.
 *
 * - Encoding: UTF-8 with or without a BOM, or Windows-1251 (Russian Excel's
 *   "CSV (разделители – точка с запятой)"), converted to UTF-8. The first
 *   run of non-ASCII bytes decides (up to the next ASCII byte, at most
 *   CSV_IN_SNIFF bytes): valid UTF-8 → UTF-8 (a later invalid sequence is a
 *   problem of its cell); otherwise, when every byte of the run is a
 *   Windows-1251 character, Windows-1251; otherwise UTF-8. A declared
 *   charset=windows-1251 is taken at its word.
 * - Separator: `;`, `,` or a tab, whichever the header line holds most
 *   outside quotes (`;` first on a tie); a first line `sep=X` (Excel's
 *   hint) names it and is no row.
 * - Cells: `"` quotes a cell (a quote inside doubled); a quoted cell may
 *   span lines. Spaces and tabs around an unquoted cell are no part of it.
 *   A line ends with LF or CRLF.
 * - Rows: row n is the n-th record of the file, as Excel numbers it: the
 *   header is row 1 when it is the first line, so the first record after
 *   it is row 2; a record spanning lines (a quoted cell with line breaks)
 *   is one row. Blank records (empty, or separators only) keep their number
 *   but are no rows of data; those before the header are skipped.
 * - Header: a column is a field of the import when its name, normalised
 *   (case, ё/е, punctuation and runs of spaces ignored), is the field's
 *   name or one of its aliases, or when the import's classify hook takes
 *   it; a column nobody takes is ignored and listed as a warning. */
#ifndef OPORA_CSV_IN_H
#define OPORA_CSV_IN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CSV_IN_MAX_COLUMNS 96
#define CSV_IN_RECORD_MAX 65536 /* one record, in bytes of UTF-8 */
#define CSV_IN_SNIFF 64         /* bytes of the run that decides the encoding */
#define CSV_IN_MAX_ALIASES 16

enum csv_in_encoding { CSV_IN_AUTO, CSV_IN_UTF8, CSV_IN_CP1251 };

/* What a column is, besides a field id (0 .. CSV_IN_MAX_COLUMNS - 1). */
#define CSV_IN_IGNORED (-1) /* no field: ignored, listed in warnings */
#define CSV_IN_REFUSED (-2) /* the import reported a problem about it */

/* A field an import knows; its id is its index in the import's table. */
struct csv_in_field {
  const char *name;                        /* in answers; matched too */
  const char *aliases[CSV_IN_MAX_ALIASES]; /* other names; NULL-ended */
};

struct csv_in_column {
  size_t position;    /* 1-based */
  const char *header; /* as written, UTF-8, surrounding spaces trimmed */
  int field;          /* a field id, CSV_IN_IGNORED or CSV_IN_REFUSED */
  const char *name;   /* the field's name; NULL when no field */
  size_t repeats;     /* position of an earlier column of the field, or 0 */
};

/* A problem the reader finds itself. CSV_IN_BODY problems are fatal (no
 * header, a header too long or too wide, a quote never closed); the
 * reader reads no further. */
enum csv_in_problem { CSV_IN_BODY, CSV_IN_HEADER };

struct csv_in;

struct csv_in_hooks {
  const struct csv_in_field *fields;
  size_t n_fields; /* at most CSV_IN_MAX_COLUMNS */
  /* A header no name or alias matches: a field id of the import's own
   * (>= n_fields, its name in *name), CSV_IN_IGNORED, or CSV_IN_REFUSED
   * after the import reported why. May be NULL. */
  int (*classify)(void *ctx, const char *header, size_t position,
                  const char **name);
  /* A problem: `row` is the record's (or 0 for the body), `column` the
   * column it concerns or NULL. */
  void (*on_problem)(void *ctx, enum csv_in_problem kind, long row,
                     const struct csv_in_column *column, const char *message);
  /* Once, after the header's columns are mapped (repeats are reported
   * before, as CSV_IN_HEADER problems). */
  void (*on_header)(void *ctx, struct csv_in *r);
  /* Each record of data; csv_in_fault says whether it could be read. */
  void (*on_record)(void *ctx, struct csv_in *r);
  void *ctx;
};

/* NULL only when out of memory. `hooks->fields` must outlive the reader. */
struct csv_in *csv_in_new(const struct csv_in_hooks *hooks,
                          enum csv_in_encoding encoding);
/* The next piece of the body; false once the reader stopped (a fatal
 * problem, or csv_in_stop). */
bool csv_in_feed(struct csv_in *r, const char *data, size_t len);
/* The end of the body: the last record without a line end. False when the
 * reader stopped, the body has no header or ends inside quotes. */
bool csv_in_finish(struct csv_in *r);
/* Reads no further (an import that found its header unusable). */
void csv_in_stop(struct csv_in *r);
void csv_in_free(struct csv_in *r);

/* The encoding of a Content-Type's charset parameter: CSV_IN_AUTO when
 * none or UTF-8, CSV_IN_CP1251 for windows-1251 or cp1251. False for any
 * other charset. */
bool csv_in_charset(const char *content_type, enum csv_in_encoding *out);

/* An import problem's path in a refusal (errors[].path): "row 7, column
 * mark", "row 7", else the column or "body" (a row of 0: not a record's). */
void csv_in_problem_path(char *buf, size_t len, long row, const char *column);

/* --- during the hooks ------------------------------------------------------
 */

/* The current record's row (the header's in on_header). */
long csv_in_row(const struct csv_in *r);
size_t csv_in_n_columns(const struct csv_in *r);
/* Column i (0-based) of the header. */
const struct csv_in_column *csv_in_column(const struct csv_in *r, size_t i);
/* The cell of the first column of `field` in the current record; NULL
 * when no column is the field's or the record is shorter. */
const char *csv_in_value(const struct csv_in *r, int field);
/* The column of `field`, or NULL. */
const struct csv_in_column *csv_in_field_column(const struct csv_in *r,
                                                int field);
/* Why the current record cannot be read (longer than CSV_IN_RECORD_MAX,
 * more cells than the header but for empty ones, text after a closing
 * quote, a NUL byte), or NULL; *column is the column concerned or NULL. A
 * record with fewer cells is read: the missing ones are not given. */
const char *csv_in_fault(struct csv_in *r, const struct csv_in_column **column);

/* --- for the answer --------------------------------------------------------
 */

/* "utf-8" or "windows-1251" (what the body was read as). */
const char *csv_in_encoding_name(const struct csv_in *r);
/* [{"position", "header", "field"}] of every header column; field null
 * for a column no field took. New reference. */
json_t *csv_in_columns_json(const struct csv_in *r);
/* [{"code": "unknown_column", "column", "position", "message"}] of every
 * column ignored. New reference. */
json_t *csv_in_warnings_json(const struct csv_in *r);

/* At most max bytes of s into out (size n > max + 3), cut between
 * characters and marked "…" when cut, made valid UTF-8: a cell's text
 * quoted in a message. Returns out. */
const char *csv_in_excerpt(const char *s, size_t max, char *out, size_t n);

/* Writes the normalised form of a header or an alias into out (size n):
 * lower case, ё as е, words of letters and digits (№ one of its own) joined
 * by one space. */
void csv_in_normalise(const char *s, char *out, size_t n);

#endif
