/* Shared by src/core/csv_in.c (bytes into records) and src/core/csv_in_header.c
 * (the header: names, fields, what the answer says about the columns). */
#ifndef OPORA_CSV_IN_INTERNAL_H
#define OPORA_CSV_IN_INTERNAL_H

#include "csv_in.h"

enum csv_in_state {
  CELL_START,
  CELL_UNQUOTED,
  CELL_QUOTED,
  CELL_QUOTE,       /* a quote inside a quoted cell: closing or doubled */
  CELL_AFTER_QUOTE, /* after the closing quote */
};

/* Quotes in the raw header line. */
enum csv_in_header_quote { HQ_START, HQ_MID, HQ_IN, HQ_QUOTE };

struct csv_in {
  struct csv_in_hooks h;
  bool stopped, finished;

  /* Before the text: a BOM, then the encoding. */
  int bom_pos; /* bytes of a UTF-8 BOM matched; 3 once past it */
  enum csv_in_encoding enc;
  unsigned char run[CSV_IN_SNIFF]; /* the undecided run of non-ASCII */
  size_t run_len;

  /* The record being read, decoded: cells end with a NUL. */
  char delim, forced_delim;
  bool have_header;
  enum csv_in_header_quote hq; /* the header line's raw bytes so far */
  enum csv_in_state st;
  bool cr_pending, quoted, overflow;
  size_t bad_quote; /* 1-based cell with text after its closing quote */
  size_t nul_cell;  /* 1-based cell holding a NUL byte */
  size_t n_cells;
  size_t cell_start[CSV_IN_MAX_COLUMNS + 1];
  char *buf; /* CSV_IN_RECORD_MAX + 1 bytes */
  size_t len;
  long done; /* records ended so far */
  char fault[160];

  /* The header. */
  char *names; /* one allocation: the header's cells */
  size_t n_cols;
  struct csv_in_column col[CSV_IN_MAX_COLUMNS];
  int field_col[CSV_IN_MAX_COLUMNS]; /* field id -> column index, or -1 */
};

/* Maps the header's cells (in r->buf) to fields, reports repeats, then
 * calls on_header. */
void csv_in_header_read(struct csv_in *r);

/* Reports a problem through the hook. */
void csv_in_problem(struct csv_in *r, enum csv_in_problem kind, long row,
                    const struct csv_in_column *column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
