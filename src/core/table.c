/* Typed cells from list rows (include/table.h). */
#include "table.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The item of one row: its document with the extra members set in. */
static json_t *row_item(const PGresult *rows, int row, int doc_col,
                        int first_extra) {
  json_t *item = json_loads(PQgetvalue(rows, row, doc_col), 0, NULL);
  if (!json_is_object(item)) {
    json_decref(item);
    item = json_object();
  }
  for (int c = first_extra; c < PQnfields(rows); c++) {
    json_t *v = PQgetisnull(rows, row, c) ? NULL
                                          : json_loads(PQgetvalue(rows, row, c),
                                                       JSON_DECODE_ANY, NULL);
    json_object_set_new(item, PQfname(rows, c), v != NULL ? v : json_null());
  }
  return item;
}

/* The member at path ("school.code") of item, or NULL. */
static const json_t *member_at(const json_t *item, const char *path) {
  for (;;) {
    const char *dot = strchr(path, '.');
    size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
    item = json_is_object(item) ? json_object_getn(item, path, n) : NULL;
    if (item == NULL || dot == NULL)
      return item;
    path = dot + 1;
  }
}

/* The shortest text that reads back as the same double: 12.3, not
 * 12.300000000000001; 50, not 5e+01 (at least the integer digits). */
static void real_text(double x, char *text, size_t len) {
  int digits = 1;
  for (double a = x < 0 ? -x : x; a >= 10 && digits < 17; a /= 10)
    digits++;
  for (int precision = digits; precision <= 17; precision++) {
    snprintf(text, len, "%.*g", precision, x);
    if (strtod(text, NULL) == x)
      return;
  }
}

static bool digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

/* YYYY-MM-DD at the start of s. */
static bool starts_with_date(const char *s, size_t len) {
  return len >= 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) &&
         s[7] == '-' && digits(s + 8, 2);
}

/* A string's type in a column of type `column`: a date or timestamp where
 * the column expects one and the text is one, otherwise text. */
static enum table_type string_type(const char *s, size_t len,
                                   enum table_type column) {
  if (column == TABLE_DATE && len == 10 && starts_with_date(s, len))
    return TABLE_DATE;
  if (column == TABLE_TIMESTAMP && len > 11 && starts_with_date(s, len) &&
      (s[10] == 'T' || s[10] == ' '))
    return TABLE_TIMESTAMP;
  return TABLE_TEXT;
}

/* Fills cell from v (NULL when absent). Text of numbers and booleans goes
 * into buf; JSON text is malloc'ed into *owned. */
static void cell_of(struct table_cell *cell, char *buf, size_t buf_len,
                    char **owned, const json_t *v, enum table_type column) {
  *cell = (struct table_cell){
      .type = column == TABLE_VALUE ? TABLE_TEXT : column, .text = ""};
  if (v == NULL || json_is_null(v)) {
    cell->empty = true;
  } else if (json_is_string(v)) {
    cell->text = json_string_value(v);
    cell->type = string_type(cell->text, json_string_length(v), column);
  } else if (json_is_integer(v)) {
    cell->type = TABLE_INTEGER;
    cell->number = (double)json_integer_value(v);
    snprintf(buf, buf_len, "%lld", (long long)json_integer_value(v));
    cell->text = buf;
  } else if (json_is_real(v)) {
    cell->type = TABLE_NUMBER;
    cell->number = json_real_value(v);
    real_text(cell->number, buf, buf_len);
    cell->text = buf;
  } else if (json_is_boolean(v)) {
    cell->type = TABLE_BOOLEAN;
    cell->boolean = json_is_true(v);
    cell->text = cell->boolean ? "true" : "false";
  } else {
    cell->type = TABLE_JSON;
    *owned =
        json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (*owned == NULL)
      abort();
    cell->text = *owned;
  }
}

#define NUMBER_TEXT 32

size_t table_walk(const struct table_spec *spec, const PGresult *rows,
                  int doc_col, int first_extra, table_row_fn *row, void *ctx) {
  size_t n = spec->n_columns, done = 0;
  struct table_cell *cells = calloc(n, sizeof *cells);
  char(*texts)[NUMBER_TEXT] = calloc(n, sizeof *texts);
  char **owned = calloc(n, sizeof *owned);
  if (cells == NULL || texts == NULL || owned == NULL)
    abort();
  for (int r = 0; r < PQntuples(rows); r++) {
    if (PQgetisnull(rows, r, doc_col))
      continue;
    json_t *item = row_item(rows, r, doc_col, first_extra);
    for (size_t c = 0; c < n; c++)
      cell_of(&cells[c], texts[c], NUMBER_TEXT, &owned[c],
              member_at(item, spec->columns[c].key), spec->columns[c].type);
    row(ctx, cells);
    for (size_t c = 0; c < n; c++) {
      free(owned[c]);
      owned[c] = NULL;
    }
    json_decref(item);
    done++;
  }
  free(cells);
  free(texts);
  free(owned);
  return done;
}
