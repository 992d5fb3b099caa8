/* The parser object of a push's rows (include/results_parse.h): it takes
 * the body in pieces and hands them to the reader of its format
 * (results_read.h: results_csv.c over include/csv_in.h, results_json.c),
 * which hand each row to its checks (results_row.c); and the Content-Type
 * that picks the format. */
#include "results_read.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the parser ---------------------------------------------------------- */

struct results_parser *results_parser_new(enum results_format format,
                                          const struct instrument *ins,
                                          const struct results_callbacks *cb) {
  struct results_parser *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->format = format;
  p->ins = ins;
  if (cb)
    p->cb = *cb;
  p->js.line_blank = true;
  for (size_t i = 0; i < RESULTS_MAX_TASKS; i++) {
    snprintf(p->task_key_name[i], sizeof p->task_key_name[i], "tasks.%s",
             i < ins->n_tasks ? ins->task_number[i] : "");
    snprintf(p->task_index_name[i], sizeof p->task_index_name[i], "tasks[%zu]",
             i);
  }
  bool ok;
  if (format == RESULTS_CSV) {
    ok = results_csv_open(p, CSV_IN_AUTO);
  } else {
    p->buf = malloc(RESULTS_ROW_MAX + 1);
    ok = p->buf != NULL;
  }
  if (!ok) {
    results_parser_free(p);
    return NULL;
  }
  if (p->buf)
    p->buf[0] = '\0';
  return p;
}

bool results_parser_set_cp1251(struct results_parser *p) {
  return p->format != RESULTS_CSV || results_csv_open(p, CSV_IN_CP1251);
}

static void byte(struct results_parser *p, char c) {
  switch (p->format) {
  case RESULTS_CSV:
    break; /* whole pieces go to the reader */
  case RESULTS_JSON_ARRAY:
    results_json_array_byte(p, c);
    break;
  case RESULTS_JSON_LINES:
    results_json_lines_byte(p, c);
    break;
  }
}

static const char bom[] = "\xef\xbb\xbf";

bool results_parser_feed(struct results_parser *p, const char *data,
                         size_t len) {
  if (p->fatal || p->finished)
    return false;
  if (p->format == RESULTS_CSV)
    return csv_in_feed(p->csv, data, len) && !p->fatal;
  for (size_t i = 0; i < len && !p->fatal; i++) {
    if (p->bom_pos < 3) {
      if (data[i] == bom[p->bom_pos]) {
        p->bom_pos++;
        continue;
      }
      /* Not a BOM after all: what looked like its start is data. */
      int seen = p->bom_pos;
      p->bom_pos = 3;
      for (int k = 0; k < seen && !p->fatal; k++)
        byte(p, bom[k]);
      if (p->fatal)
        break;
    }
    byte(p, data[i]);
  }
  return !p->fatal;
}

bool results_parser_finish(struct results_parser *p) {
  if (p->fatal || p->finished)
    return false;
  if (p->format == RESULTS_CSV) {
    p->finished = true;
    return csv_in_finish(p->csv) && !p->fatal;
  }
  if (p->bom_pos > 0 && p->bom_pos < 3) {
    int seen = p->bom_pos;
    p->bom_pos = 3;
    for (int k = 0; k < seen && !p->fatal; k++)
      byte(p, bom[k]);
  }
  p->finished = true;
  if (p->fatal)
    return false;
  switch (p->format) {
  case RESULTS_CSV:
    break;
  case RESULTS_JSON_ARRAY:
    return results_json_array_finish(p);
  case RESULTS_JSON_LINES:
    return results_json_lines_finish(p);
  }
  return false;
}

void results_parser_free(struct results_parser *p) {
  if (!p)
    return;
  csv_in_free(p->csv);
  free(p->buf);
  free(p);
}

/* --- Content-Type -------------------------------------------------------- */

static bool ci_equal(const char *a, size_t n, const char *b) {
  if (strlen(b) != n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
      return false;
  return true;
}

static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t'))
    (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
    (*n)--;
}

bool results_format_from_content_type(const char *content_type,
                                      enum results_format *out, bool *cp1251) {
  if (!content_type)
    return false;
  const char *s = content_type, *semi = strchr(s, ';');
  size_t n = semi ? (size_t)(semi - s) : strlen(s);
  trim(&s, &n);
  enum results_format f;
  if (ci_equal(s, n, "text/csv"))
    f = RESULTS_CSV;
  else if (ci_equal(s, n, "application/json"))
    f = RESULTS_JSON_ARRAY;
  else if (ci_equal(s, n, "application/x-ndjson") ||
           ci_equal(s, n, "application/jsonl"))
    f = RESULTS_JSON_LINES;
  else
    return false;
  enum csv_in_encoding enc;
  if (!csv_in_charset(content_type, &enc) ||
      (enc == CSV_IN_CP1251 && f != RESULTS_CSV))
    return false;
  *out = f;
  *cp1251 = enc == CSV_IN_CP1251;
  return true;
}

void results_parser_report(const struct results_parser *p,
                           struct json_t *summary) {
  if (p->format == RESULTS_CSV)
    results_csv_report(p, summary);
  else
    json_object_set_new(summary, "warnings", json_array());
}
