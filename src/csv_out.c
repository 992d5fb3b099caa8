/* CSV tables from list rows (include/csv_out.h). */
#include "csv_out.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"

bool request_wants_csv(struct request *rq) {
  const char *accept = request_header(rq, "Accept");
  return accept != NULL && strstr(accept, "text/csv") != NULL;
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

void csv_put_field(struct csv_buffer *b, const char *s) {
  size_t n = strlen(s);
  bool quote = n > 0 && (strpbrk(s, ";\"\r\n") != NULL || s[0] == ' ' ||
                         s[n - 1] == ' ');
  if (!quote) {
    csv_put(b, s, n);
    return;
  }
  csv_put(b, "\"", 1);
  for (const char *p = s; *p != '\0'; p++) {
    if (*p == '"')
      csv_put(b, "\"", 1);
    csv_put(b, p, 1);
  }
  csv_put(b, "\"", 1);
}

/* Flattens obj into flat ("a.b" keys, scalar values), in member order. */
static void flatten(json_t *flat, const char *prefix, json_t *obj) {
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    char name[256];
    if (prefix[0] != '\0')
      snprintf(name, sizeof name, "%s.%s", prefix, key);
    else
      snprintf(name, sizeof name, "%s", key);
    if (json_is_object(value))
      flatten(flat, name, value);
    else
      json_object_set(flat, name, value);
  }
}

/* The shortest text that reads back as the same double: 12.3, not
 * Jansson's 12.300000000000001. */
static char *real_text(double x) {
  char text[32];
  for (int precision = 1; precision <= 17; precision++) {
    snprintf(text, sizeof text, "%.*g", precision, x);
    if (strtod(text, NULL) == x)
      break;
  }
  return strdup(text);
}

static char *cell_text(const json_t *v) {
  if (v == NULL || json_is_null(v))
    return strdup("");
  if (json_is_string(v))
    return strdup(json_string_value(v));
  if (json_is_real(v))
    return real_text(json_real_value(v));
  return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* One row's document with its extra members, flattened. */
static json_t *row_flat(const PGresult *rows, int row, int doc_col,
                        int first_extra) {
  json_t *flat = json_object();
  json_t *doc = json_loads(PQgetvalue(rows, row, doc_col), 0, NULL);
  if (json_is_object(doc))
    flatten(flat, "", doc);
  json_decref(doc);
  for (int c = first_extra; c < PQnfields(rows); c++) {
    json_t *v = PQgetisnull(rows, row, c) ? json_null()
                                          : json_loads(PQgetvalue(rows, row, c),
                                                       JSON_DECODE_ANY, NULL);
    json_t *holder = json_object();
    json_object_set_new(holder, PQfname(rows, c), v ? v : json_null());
    flatten(flat, "", holder);
    json_decref(holder);
  }
  return flat;
}

void reply_csv_docs(struct request *rq, const PGresult *rows, int doc_col,
                    int first_extra, int max_rows) {
  int n = PQntuples(rows) < max_rows ? PQntuples(rows) : max_rows;
  json_t *flats = json_array(), *columns = json_array(), *seen = json_object();
  for (int i = 0; i < n; i++) {
    json_t *flat = row_flat(rows, i, doc_col, first_extra);
    const char *key;
    json_t *value;
    json_object_foreach(flat, key, value) {
      if (json_object_get(seen, key) == NULL) {
        json_object_set_new(seen, key, json_true());
        json_array_append_new(columns, json_string(key));
      }
    }
    json_array_append_new(flats, flat);
  }
  struct csv_buffer b = {0};
  csv_put(&b, "\xEF\xBB\xBF", 3); /* BOM: Excel then reads UTF-8 */
  size_t c;
  json_t *column;
  json_array_foreach(columns, c, column) {
    if (c > 0)
      csv_put(&b, ";", 1);
    csv_put_field(&b, json_string_value(column));
  }
  csv_put(&b, "\r\n", 2);
  size_t r;
  json_t *flat;
  json_array_foreach(flats, r, flat) {
    json_array_foreach(columns, c, column) {
      if (c > 0)
        csv_put(&b, ";", 1);
      char *text = cell_text(json_object_get(flat, json_string_value(column)));
      csv_put_field(&b, text);
      free(text);
    }
    csv_put(&b, "\r\n", 2);
  }
  json_decref(flats);
  json_decref(columns);
  json_decref(seen);
  reply_text(rq, 200, "text/csv; charset=utf-8", b.data, b.len);
  free(b.data);
}
