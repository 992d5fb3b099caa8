/* CSV in and out for roadmap items (include/roadmap_csv.h). The parser
 * keeps going after a problem so that one answer names every bad row; its
 * memory is bounded by the body, which the server already bounds. */
#include "roadmap_csv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_out.h"

#define N_COLUMNS 7

/* The columns an import may have: the key of the item, the name in errors
 * and in English, and the Russian names (lower case). */
static const struct column {
  const char *key, *name;
  const char *aliases[6];
  size_t max_len;
} columns[N_COLUMNS] = {
    {"number", "number", {"№", "no", "номер", "№ п/п", NULL}, 50},
    {"section", "section", {"раздел", NULL}, 1000},
    {"activity",
     "activity",
     {"мероприятие", "мероприятия", "наименование мероприятия", NULL},
     4000},
    {"schedule_text",
     "schedule",
     {"срок", "сроки", "срок исполнения", "сроки исполнения", "schedule_text",
      NULL},
     500},
    {"responsible",
     "responsible",
     {"ответственные", "ответственный", "ответственные исполнители", NULL},
     1000},
    {"expected_result",
     "expected_result",
     {"ожидаемый результат", "ожидаемые результаты", "expected result", NULL},
     4000},
    {"risk_factor_code",
     "risk_factor",
     {"фактор риска", "risk factor", "risk_factor_code", NULL},
     5},
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

/* --- reading ------------------------------------------------------------- */

struct field {
  char *text; /* NUL-terminated, owned */
  size_t len;
};

struct record {
  struct field *fields;
  size_t n, cap;
  long row;
  bool unterminated;     /* a quoted field runs to the end of the body */
  long bad_quote_column; /* 1-based: text after a closing quote, or 0 */
};

static void record_clear(struct record *r) {
  for (size_t i = 0; i < r->n; i++)
    free(r->fields[i].text);
  r->n = 0;
  r->unterminated = false;
  r->bad_quote_column = 0;
}

static void field_push(struct record *r, const char *text, size_t len) {
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 8;
    struct field *grown = realloc(r->fields, r->cap * sizeof *grown);
    if (grown == NULL)
      abort();
    r->fields = grown;
  }
  char *copy = malloc(len + 1);
  if (copy == NULL)
    abort();
  memcpy(copy, text, len);
  copy[len] = '\0';
  r->fields[r->n++] = (struct field){copy, len};
}

/* A growing buffer for the field being read. */
struct buf {
  char *p;
  size_t len, cap;
};

static void buf_add(struct buf *b, char c) {
  if (b->len + 1 >= b->cap) {
    b->cap = b->cap ? b->cap * 2 : 256;
    char *grown = realloc(b->p, b->cap);
    if (grown == NULL)
      abort();
    b->p = grown;
  }
  b->p[b->len++] = c;
}

/* Reads one record from *pos; counts the lines it spans into *line. False
 * at the end of the data. */
static bool read_record(const char *d, size_t len, size_t *pos, char sep,
                        struct record *rec, struct buf *b, long *line) {
  if (*pos >= len)
    return false;
  record_clear(rec);
  rec->row = *line;
  size_t i = *pos;
  for (;;) {
    b->len = 0;
    if (i < len && d[i] == '"') {
      i++;
      for (;;) {
        if (i >= len) {
          rec->unterminated = true;
          break;
        }
        if (d[i] == '"') {
          if (i + 1 < len && d[i + 1] == '"') {
            buf_add(b, '"');
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d[i] == '\n')
          (*line)++;
        buf_add(b, d[i++]);
      }
      /* after the closing quote: a separator, the end of the line, or
       * text that does not belong there */
      if (i < len && d[i] != sep && d[i] != '\n' &&
          !(d[i] == '\r' && (i + 1 == len || d[i + 1] == '\n'))) {
        if (rec->bad_quote_column == 0)
          rec->bad_quote_column = (long)rec->n + 1;
        while (i < len && d[i] != sep && d[i] != '\n' && d[i] != '\r')
          buf_add(b, d[i++]);
      }
    } else {
      while (i < len && d[i] != sep && d[i] != '\n' &&
             !(d[i] == '\r' && (i + 1 == len || d[i + 1] == '\n')))
        buf_add(b, d[i++]);
    }
    field_push(rec, b->p ? b->p : "", b->len);
    if (i < len && d[i] == sep) {
      i++;
      continue;
    }
    if (i < len && d[i] == '\r')
      i++;
    if (i < len && d[i] == '\n')
      i++;
    (*line)++;
    break;
  }
  *pos = i;
  return true;
}

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

/* Lower case for ASCII and Cyrillic (А-Я, Ё), spaces around trimmed. */
static char *fold_name(const char *s, size_t len) {
  while (len > 0 && (*s == ' ' || *s == '\t')) {
    s++;
    len--;
  }
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
    len--;
  char *out = malloc(len + 1);
  if (out == NULL)
    abort();
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z') {
      out[o++] = (char)(c + 32);
    } else if (c == 0xD0 && i + 1 < len) {
      unsigned char n = (unsigned char)s[i + 1];
      if (n >= 0x90 && n <= 0x9F) { /* А-П */
        out[o++] = (char)0xD0;
        out[o++] = (char)(n + 0x20);
      } else if (n >= 0xA0 && n <= 0xAF) { /* Р-Я */
        out[o++] = (char)0xD1;
        out[o++] = (char)(n - 0x20);
      } else if (n == 0x81) { /* Ё */
        out[o++] = (char)0xD1;
        out[o++] = (char)0x91;
      } else {
        out[o++] = (char)c;
        out[o++] = (char)n;
      }
      i++;
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
  return out;
}

static int column_of(const char *folded) {
  for (int c = 0; c < N_COLUMNS; c++) {
    if (strcmp(folded, columns[c].name) == 0 ||
        strcmp(folded, columns[c].key) == 0)
      return c;
    for (size_t a = 0; columns[c].aliases[a] != NULL; a++)
      if (strcmp(folded, columns[c].aliases[a]) == 0)
        return c;
  }
  return -1;
}

static void add_error(json_t *errors, long row, const char *column,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_error(json_t *errors, long row, const char *column,
                      const char *fmt, ...) {
  char path[200], message[300];
  if (column != NULL)
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

/* The separator of the header line: the one that occurs more often
 * outside quotes (`;` on a tie). */
static char separator_of(const char *d, size_t len) {
  size_t semis = 0, commas = 0;
  bool quoted = false;
  for (size_t i = 0; i < len && (quoted || (d[i] != '\n' && d[i] != '\r'));
       i++) {
    if (d[i] == '"')
      quoted = !quoted;
    else if (!quoted && d[i] == ';')
      semis++;
    else if (!quoted && d[i] == ',')
      commas++;
  }
  return commas > semis ? ',' : ';';
}

/* The header: which column each field is; false when it has problems. */
static bool read_header(const struct record *rec, int *map, json_t *errors) {
  bool ok = true, seen[N_COLUMNS] = {false};
  for (size_t f = 0; f < rec->n; f++) {
    char *folded = fold_name(rec->fields[f].text, rec->fields[f].len);
    int c = column_of(folded);
    map[f] = c;
    if (!utf8_valid((const unsigned char *)folded, strlen(folded))) {
      char number[32];
      snprintf(number, sizeof number, "%zu", f + 1);
      add_error(errors, rec->row, number, "the name is not valid UTF-8");
      ok = false;
    } else if (c < 0) {
      add_error(errors, rec->row, folded[0] ? folded : "(empty)",
                "unknown column: use number, section, activity, schedule, "
                "responsible, expected_result, risk_factor (or №, раздел, "
                "мероприятие, срок, ответственные, ожидаемый результат, "
                "фактор риска)");
      ok = false;
    } else if (seen[c]) {
      add_error(errors, rec->row, columns[c].name, "the column is repeated");
      ok = false;
    } else {
      seen[c] = true;
    }
    free(folded);
  }
  if (!seen[2]) {
    add_error(errors, rec->row, "activity", "the column is required");
    ok = false;
  }
  return ok;
}

/* An empty line, or one of separators alone (;;;;;; as spreadsheets
 * leave them). */
static bool record_blank(const struct record *rec) {
  if (rec->unterminated)
    return false;
  for (size_t f = 0; f < rec->n; f++)
    if (rec->fields[f].len > 0)
      return false;
  return true;
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

/* One data row into an item object; its problems into errors. */
static json_t *read_row(const struct record *rec, const int *map, size_t n_map,
                        json_t *errors) {
  json_t *item = json_object();
  json_object_set_new(item, "row", json_integer(rec->row));
  for (int c = 0; c < N_COLUMNS; c++)
    json_object_set_new(item, columns[c].key, json_null());
  if (rec->n > n_map) {
    char extra[32];
    snprintf(extra, sizeof extra, "%zu", n_map + 1);
    add_error(errors, rec->row, extra,
              "the row has %zu fields, the header %zu: quote fields that "
              "hold the separator",
              rec->n, n_map);
  }
  if (rec->bad_quote_column > 0)
    add_error(errors, rec->row,
              (size_t)rec->bad_quote_column <= n_map &&
                      map[rec->bad_quote_column - 1] >= 0
                  ? columns[map[rec->bad_quote_column - 1]].name
                  : "?",
              "text after a closing quote: double the quotes inside a "
              "quoted field");
  for (size_t f = 0; f < rec->n && f < n_map; f++) {
    const struct column *col = &columns[map[f]];
    const struct field *fd = &rec->fields[f];
    if (!utf8_valid((const unsigned char *)fd->text, fd->len)) {
      add_error(errors, rec->row, col->name, "is not valid UTF-8");
      continue;
    }
    if (memchr(fd->text, '\0', fd->len) != NULL) {
      add_error(errors, rec->row, col->name, "holds a NUL character");
      continue;
    }
    if (fd->len == 0)
      continue;
    size_t chars = 0;
    for (size_t i = 0; i < fd->len; i++)
      chars += ((unsigned char)fd->text[i] & 0xC0) != 0x80;
    if (chars > col->max_len)
      add_error(errors, rec->row, col->name, "is longer than %zu characters",
                col->max_len);
    else if (map[f] == 6 && !factor_code_valid(fd->text, fd->len))
      add_error(errors, rec->row, col->name,
                "is not a risk factor code (RF01...)");
    else
      set_text(item, col->key, fd->text, fd->len);
  }
  if (json_is_null(json_object_get(item, "activity"))) {
    bool given = false;
    for (size_t f = 0; f < rec->n && f < n_map; f++)
      given |= map[f] == 2 && rec->fields[f].len > 0;
    if (!given)
      add_error(errors, rec->row, "activity", "is required");
  }
  return item;
}

json_t *roadmap_csv_parse(const char *data, size_t len, json_t *errors) {
  json_t *items = json_array();
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    data += 3;
    len -= 3;
  }
  char sep = separator_of(data, len);
  struct record rec = {0};
  struct buf b = {0};
  size_t pos = 0;
  long line = 1;
  int *map = NULL;
  size_t n_map = 0;
  bool header_ok = false;
  if (!read_record(data, len, &pos, sep, &rec, &b, &line) ||
      record_blank(&rec)) {
    add_error(errors, 1, NULL, "the table has no header line");
    goto done;
  }
  n_map = rec.n;
  map = calloc(n_map, sizeof *map);
  if (map == NULL)
    abort();
  header_ok = read_header(&rec, map, errors);
  if (rec.unterminated)
    add_error(errors, rec.row, NULL, "a quoted field is never closed");
  while (!rec.unterminated &&
         read_record(data, len, &pos, sep, &rec, &b, &line)) {
    if (record_blank(&rec))
      continue;
    if (rec.unterminated) {
      add_error(errors, rec.row,
                rec.n <= n_map && header_ok ? columns[map[rec.n - 1]].name
                                            : NULL,
                "a quoted field is never closed: the rest of the table is "
                "inside it");
      break;
    }
    if (header_ok)
      json_array_append_new(items, read_row(&rec, map, n_map, errors));
  }
done:
  record_clear(&rec);
  free(rec.fields);
  free(b.p);
  free(map);
  return items;
}
