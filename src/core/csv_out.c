/* CSV tables from list rows (include/csv_out.h): one consumer of the typed
 * cells of include/table.h. */
#include "csv_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "request.h"
#include "table_reply.h"

bool request_wants_csv(struct request *rq) {
  const char *accept = request_header(rq, "Accept");
  return accept != NULL && strstr(accept, "text/csv") != NULL;
}

/* `columns=keys` among the parameters of Accept's text/csv. */
static bool wants_keys(struct request *rq) {
  const char *accept = request_header(rq, "Accept");
  const char *csv = accept != NULL ? strstr(accept, "text/csv") : NULL;
  if (csv == NULL)
    return false;
  size_t len = strcspn(csv, ",");
  for (const char *p = csv; p + 12 <= csv + len; p++)
    if (strncasecmp(p, "columns=keys", 12) == 0)
      return true;
  return false;
}

void csv_put(struct csv_buffer *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL)
      abort();
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

/* prefix (no quotes or separators in it) and s as one field. */
static void put_field(struct csv_buffer *b, const char *prefix, const char *s) {
  size_t n = strlen(s), np = strlen(prefix);
  bool quote = n > 0 && (strpbrk(s, ";\"\r\n") != NULL ||
                         (np == 0 && s[0] == ' ') || s[n - 1] == ' ');
  if (quote)
    csv_put(b, "\"", 1);
  csv_put(b, prefix, np);
  if (!quote) {
    csv_put(b, s, n);
    return;
  }
  for (const char *p = s; *p != '\0'; p++) {
    if (*p == '"')
      csv_put(b, "\"", 1);
    csv_put(b, p, 1);
  }
  csv_put(b, "\"", 1);
}

void csv_put_field(struct csv_buffer *b, const char *s) {
  put_field(b, "", s);
}

bool csv_text_guarded(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && s[i] == '\'')
    i++;
  return i < len && strchr("=+-@\t\r", s[i]) != NULL;
}

size_t csv_guard_length(const char *s, size_t len) {
  return len > 0 && s[0] == '\'' && csv_text_guarded(s, len) ? 1 : 0;
}

struct writer {
  struct csv_buffer b;
  size_t n_columns;
  bool keys; /* machine form: JSON's numbers and booleans */
};

static void put_cell(struct writer *w, const struct table_cell *cell) {
  if (cell->empty)
    return;
  switch (cell->type) {
  case TABLE_TEXT:
    put_field(&w->b,
              csv_text_guarded(cell->text, strlen(cell->text)) ? "'" : "",
              cell->text);
    return;
  case TABLE_NUMBER:
    if (!w->keys) { /* Russian Excel reads 12,3 as a number, 12.3 as a date */
      char text[40];
      snprintf(text, sizeof text, "%s", cell->text);
      for (char *p = text; *p != '\0'; p++)
        if (*p == '.')
          *p = ',';
      csv_put_field(&w->b, text);
      return;
    }
    break;
  case TABLE_BOOLEAN:
    if (!w->keys) {
      csv_put_field(&w->b, cell->boolean ? "да" : "нет");
      return;
    }
    break;
  default:
    break;
  }
  csv_put_field(&w->b, cell->text);
}

static void put_row(void *ctx, const struct table_cell *cells) {
  struct writer *w = ctx;
  for (size_t c = 0; c < w->n_columns; c++) {
    if (c > 0)
      csv_put(&w->b, ";", 1);
    put_cell(w, &cells[c]);
  }
  csv_put(&w->b, "\r\n", 2);
}

void reply_csv_table(struct request *rq, const struct table_spec *spec,
                     const PGresult *rows, int doc_col, int first_extra,
                     const char *qualifier) {
  struct writer w = {.n_columns = spec->n_columns, .keys = wants_keys(rq)};
  csv_put(&w.b, "\xEF\xBB\xBF", 3); /* BOM: Excel then reads UTF-8 */
  for (size_t c = 0; c < spec->n_columns; c++) {
    if (c > 0)
      csv_put(&w.b, ";", 1);
    csv_put_field(&w.b,
                  w.keys ? spec->columns[c].key : spec->columns[c].header);
  }
  csv_put(&w.b, "\r\n", 2);
  table_walk(spec, rows, doc_col, first_extra, put_row, &w);
  reply_text(rq, 200, "text/csv; charset=utf-8", w.b.data, w.b.len);
  free(w.b.data);
  reply_table_disposition(rq, spec->file, qualifier, "csv");
}
