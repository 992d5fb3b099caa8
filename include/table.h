/* Lists as tables. Every list that answers a table (CSV today, XLSX later)
 * declares its columns beside its handler: where each value sits in an
 * item, the header people read, and the value's type. table_walk reads a
 * list statement's rows as typed cells; each table format is one consumer
 * of those cells (src/core/csv_out.c). */
#ifndef OPORA_TABLE_H
#define OPORA_TABLE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* What a column holds. A value of another type than its column's (a text
 * group id in a column of numbers) keeps its own type in its cell. */
enum table_type {
  TABLE_TEXT,
  TABLE_INTEGER,   /* whole numbers: ids, counts */
  TABLE_NUMBER,    /* decimal numbers */
  TABLE_DATE,      /* YYYY-MM-DD */
  TABLE_TIMESTAMP, /* RFC 3339 */
  TABLE_BOOLEAN,
  TABLE_VALUE, /* any scalar, typed by the value (an indicator's value) */
  TABLE_JSON,  /* an array or object, as compact JSON text */
};

struct table_column {
  const char *key;    /* the member's path in an item: "school.code" */
  const char *header; /* in Russian, as people read it: "Код школы" */
  enum table_type type;
};

struct table_spec {
  const char *file; /* the download's name: "schools" (schools-<date>.csv) */
  const struct table_column *columns;
  size_t n_columns;
};

/* A table_spec from a file name and a static array of columns. */
#define TABLE_SPEC(file_, columns_)                                            \
  { (file_), (columns_), sizeof(columns_) / sizeof((columns_)[0]) }

/* The columns every stored resource ends with. */
#define TABLE_VERSION_COLUMNS                                                  \
  {"version", "Версия", TABLE_INTEGER},                                        \
      {"created_at", "Создано", TABLE_TIMESTAMP}, {                            \
    "updated_at", "Изменено", TABLE_TIMESTAMP                                  \
  }

/* One cell. `type` is the value's own type (never TABLE_VALUE); an empty
 * cell (null or absent) has its column's type. */
struct table_cell {
  enum table_type type;
  bool empty;
  /* Text, dates, timestamps and JSON as they are; numbers in their
   * shortest exact form with a '.'; booleans "true" or "false"; "" when
   * empty. */
  const char *text;
  double number; /* TABLE_INTEGER and TABLE_NUMBER */
  bool boolean;  /* TABLE_BOOLEAN */
};

/* Receives one row: spec->n_columns cells, in the columns' order, valid
 * until it returns. */
typedef void table_row_fn(void *ctx, const struct table_cell *cells);

/* Reads the rows of a list statement as cells of spec's columns: the JSON
 * document of an item in column doc_col, members added from columns
 * first_extra on (named by their columns, their values JSON). Rows with a
 * null document (an empty list's only row) are skipped. Returns the number
 * of rows given to row(). */
size_t table_walk(const struct table_spec *spec, const PGresult *rows,
                  int doc_col, int first_extra, table_row_fn *row, void *ctx);

#endif
