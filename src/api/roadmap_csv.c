/* CSV in and out for roadmap items (include/roadmap_csv.h). The table is
 * read by the one CSV reader (include/csv_in.h); this file names the
 * columns and checks the cells. The parser keeps going after a problem so
 * that one answer names every bad row. */
#include "roadmap_csv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_out.h"

enum column_id {
  COL_NUMBER,
  COL_SECTION,
  COL_ACTIVITY,
  COL_SCHEDULE,
  COL_RESPONSIBLE,
  COL_EXPECTED,
  COL_FACTOR,
  N_COLUMNS
};

/* The export: the import's columns under their English names as keys, so
 * that either header row imports. */
static const struct table_column export_columns[] = {
    {"number", "№", TABLE_TEXT},
    {"section", "Раздел", TABLE_TEXT},
    {"activity", "Мероприятие", TABLE_TEXT},
    {"schedule", "Срок", TABLE_TEXT},
    {"responsible", "Ответственные", TABLE_TEXT},
    {"expected_result", "Ожидаемый результат", TABLE_TEXT},
    {"risk_factor", "Фактор риска", TABLE_TEXT},
};
const struct table_spec roadmap_items_table =
    TABLE_SPEC("roadmap-items", export_columns);

/* The columns an import may have, by their names in errors and in English
 * and the names plans give them (matched normalised: case, ё/е,
 * punctuation and spaces do not count). */
static const struct csv_in_field columns[N_COLUMNS] = {
    [COL_NUMBER] = {"number",
                    {"no", "№", "номер", "№ п/п", "п/п", "номер п/п"}},
    [COL_SECTION] = {"section", {"раздел", "наименование раздела"}},
    [COL_ACTIVITY] = {"activity",
                      {"мероприятие", "мероприятия", "наименование мероприятия",
                       "наименование мероприятий", "содержание мероприятия",
                       "содержание мероприятий"}},
    [COL_SCHEDULE] = {"schedule",
                      {"schedule_text", "срок", "сроки", "срок исполнения",
                       "сроки исполнения", "срок реализации",
                       "сроки реализации", "срок выполнения",
                       "сроки выполнения", "сроки проведения"}},
    [COL_RESPONSIBLE] = {"responsible",
                         {"ответственные", "ответственный",
                          "ответственные исполнители",
                          "ответственный исполнитель", "исполнители",
                          "исполнитель"}},
    [COL_EXPECTED] = {"expected_result",
                      {"ожидаемый результат", "ожидаемые результаты"}},
    [COL_FACTOR] = {"risk_factor",
                    {"risk_factor_code", "фактор риска", "код фактора риска"}},
};

/* The item's member of each column, and its longest text in characters. */
static const char *const keys[N_COLUMNS] = {
    "number",      "section",         "activity",        "schedule_text",
    "responsible", "expected_result", "risk_factor_code"};
static const size_t max_len[N_COLUMNS] = {50, 1000, 4000, 500, 1000, 4000, 5};

/* --- reading ------------------------------------------------------------- */

struct reading {
  json_t *items, *errors;
  bool header_ok;
  struct csv_in *r;
};

/* The length of the longest valid UTF-8 prefix of s. */
static size_t utf8_prefix(const unsigned char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    size_t n;
    unsigned min;
    unsigned cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, cp = c & 0x07u;
    } else {
      return i;
    }
    for (size_t k = 1; k <= n; k++) {
      if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
        return i;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += n + 1;
  }
  return i;
}

static bool utf8_valid(const unsigned char *s, size_t len) {
  return utf8_prefix(s, len) == len;
}

/* A column in an error's path: its field, the field it repeats, its
 * header, or its position. */
static const char *column_label(const struct csv_in *r,
                                const struct csv_in_column *c, char *buf,
                                size_t n) {
  if (c->name != NULL)
    return c->name;
  if (c->repeats > 0)
    return csv_in_column(r, c->repeats - 1)->name;
  if (c->header[0] != '\0')
    return c->header;
  snprintf(buf, n, "%zu", c->position);
  return buf;
}

static void add_error(json_t *errors, long row, const char *column,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_error(json_t *errors, long row, const char *column,
                      const char *fmt, ...) {
  char path[200], message[400];
  if (row <= 0)
    snprintf(path, sizeof path, "body");
  else if (column != NULL)
    snprintf(path, sizeof path, "row %ld, column %s", row, column);
  else
    snprintf(path, sizeof path, "row %ld", row);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  /* a long column name cut in the middle of a character */
  path[utf8_prefix((const unsigned char *)path, strlen(path))] = '\0';
  json_array_append_new(
      errors, json_pack("{s:s, s:s}", "path", path, "message", message));
}

static void on_problem(void *ctx, enum csv_in_problem kind, long row,
                       const struct csv_in_column *column,
                       const char *message) {
  struct reading *g = ctx;
  char buf[24];
  if (kind == CSV_IN_HEADER)
    g->header_ok = false;
  add_error(g->errors, row,
            column ? column_label(g->r, column, buf, sizeof buf) : NULL, "%s",
            message);
}

static void on_header(void *ctx, struct csv_in *r) {
  struct reading *g = ctx;
  if (csv_in_field_column(r, COL_ACTIVITY) == NULL) {
    add_error(g->errors, csv_in_row(r), "activity",
              "the column is required (мероприятие)");
    g->header_ok = false;
  }
}

static bool factor_code_valid(const char *s, size_t len) {
  if (len < 4 || len > 5 || s[0] != 'R' || s[1] != 'F')
    return false;
  for (size_t i = 2; i < len; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

/* A cell's text, without the apostrophe an export put before a formula. */
static void set_text(json_t *item, const char *key, const char *text,
                     size_t len) {
  size_t guard = csv_guard_length(text, len);
  json_object_set_new(item, key, json_stringn(text + guard, len - guard));
}

/* One cell into the item; false after a problem. */
static bool read_cell(json_t *item, json_t *errors, long row, int c,
                      const char *text) {
  const char *name = columns[c].name;
  size_t len = strlen(text);
  if (!utf8_valid((const unsigned char *)text, len)) {
    add_error(errors, row, name, "is not valid UTF-8");
    return false;
  }
  size_t chars = 0;
  for (size_t i = 0; i < len; i++)
    chars += ((unsigned char)text[i] & 0xC0) != 0x80;
  if (chars > max_len[c]) {
    add_error(errors, row, name, "is longer than %zu characters", max_len[c]);
    return false;
  }
  if (c == COL_FACTOR && !factor_code_valid(text, len)) {
    add_error(errors, row, name, "is not a risk factor code (RF01...)");
    return false;
  }
  set_text(item, keys[c], text, len);
  return true;
}

static void on_record(void *ctx, struct csv_in *r) {
  struct reading *g = ctx;
  long row = csv_in_row(r);
  const struct csv_in_column *bad;
  const char *fault = csv_in_fault(r, &bad);
  char buf[24];
  if (fault) {
    add_error(g->errors, row,
              bad ? column_label(r, bad, buf, sizeof buf) : NULL, "%s", fault);
    return;
  }
  if (!g->header_ok)
    return;
  json_t *item = json_object();
  json_object_set_new(item, "row", json_integer(row));
  for (int c = 0; c < N_COLUMNS; c++) {
    const char *text = csv_in_value(r, c);
    json_object_set_new(item, keys[c], json_null());
    if (text != NULL && text[0] != '\0')
      read_cell(item, g->errors, row, c, text);
    else if (c == COL_ACTIVITY)
      add_error(g->errors, row, "activity", "is required");
  }
  json_array_append_new(g->items, item);
}

json_t *roadmap_csv_parse(const char *data, size_t len,
                          enum csv_in_encoding enc, json_t *errors,
                          json_t **report) {
  struct reading g = {json_array(), errors, true, NULL};
  struct csv_in_hooks h = {.fields = columns,
                           .n_fields = N_COLUMNS,
                           .on_problem = on_problem,
                           .on_header = on_header,
                           .on_record = on_record,
                           .ctx = &g};
  g.r = csv_in_new(&h, enc);
  if (g.r == NULL)
    abort();
  if (csv_in_feed(g.r, data, len))
    csv_in_finish(g.r);
  *report = json_pack("{ss so so}", "encoding", csv_in_encoding_name(g.r),
                      "columns", csv_in_columns_json(g.r), "warnings",
                      csv_in_warnings_json(g.r));
  csv_in_free(g.r);
  return g.items;
}
