/* The campaign report's workbook (include/campaign_report.h): «Сводка»
 * (the campaign, the "as of" time, completeness by municipality and in
 * total), «Опоздания» (the late schools), «Значения» (one row per school,
 * one column per indicator). Written in constant memory: each sheet's rows
 * top to bottom, widths set before its rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "campaign_report.h"
#include "csv_out.h"
#include "log.h"
#include "request.h"
#include "xlsx_out.h"

#define MAX_WIDTH 60.0

struct book {
  lxw_workbook *wb;
  lxw_format *header, *bold, *date, *timestamp, *percent, *text;
  lxw_error error;
  long today; /* days since 1970-01-01, UTC */
};

static void note(struct book *b, lxw_error e) {
  if (e != LXW_NO_ERROR && b->error == LXW_NO_ERROR)
    b->error = e;
}

/* --- cells --------------------------------------------------------------- */

/* Text that Excel would take for a formula is formatted as text ("@"). */
static void text_cell(struct book *b, lxw_worksheet *ws, lxw_row_t r,
                      lxw_col_t c, const char *text, lxw_format *f) {
  if (text == NULL)
    return;
  if (f == NULL && csv_text_guarded(text, strlen(text)))
    f = b->text;
  note(b, worksheet_write_string(ws, r, c, text, f));
}

static void number_cell(struct book *b, lxw_worksheet *ws, lxw_row_t r,
                        lxw_col_t c, double x, lxw_format *f) {
  note(b, worksheet_write_number(ws, r, c, x, f));
}

/* Days since 1970-01-01 of a civil date. */
static long days_of(long y, long m, long d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* "2024-09-01" or "2024-09-01T10:15:00.5+03:00": the date and the clock
 * time as written; false if it is not one. */
static bool parse_when(const char *text, lxw_datetime *dt) {
  int y, mo, d, h = 0, mi = 0;
  double sec = 0;
  if (text == NULL || sscanf(text, "%4d-%2d-%2d", &y, &mo, &d) != 3)
    return false;
  if (strlen(text) > 10 && sscanf(text + 10, "T%2d:%2d:%lf", &h, &mi, &sec) < 2)
    return false;
  *dt = (lxw_datetime){y, mo, d, h, mi, sec};
  return true;
}

static long day_of(const lxw_datetime *dt) {
  return days_of(dt->year, dt->month, dt->day);
}

static void when_cell(struct book *b, lxw_worksheet *ws, lxw_row_t r,
                      lxw_col_t c, const char *text, lxw_format *f) {
  lxw_datetime dt;
  if (parse_when(text, &dt))
    note(b, worksheet_write_datetime(ws, r, c, &dt, f));
  else
    text_cell(b, ws, r, c, text, NULL);
}

/* Characters (not bytes) of UTF-8 text, as a column's width. */
static double width_of(const char *s) {
  double n = 2;
  for (; s != NULL && *s != '\0'; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n > MAX_WIDTH ? MAX_WIDTH : n;
}

static void wider(double *width, const char *text) {
  double w = width_of(text);
  if (w > *width)
    *width = w;
}

/* The header row in bold at `row`, each column at its width (at least the
 * header's, up to 30 for a long one that wraps). */
static void header_row(struct book *b, lxw_worksheet *ws, lxw_row_t row,
                       const char *const *names, size_t n,
                       const double *widths) {
  for (size_t c = 0; c < n; c++) {
    double w = width_of(names[c]);
    w = w < 10 ? 10 : w > 30 ? 30 : w;
    if (widths != NULL && widths[c] > w)
      w = widths[c];
    note(b, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL));
    text_cell(b, ws, row, (lxw_col_t)c, names[c], b->header);
  }
}

/* Frozen under the header, filtered from it to the last row. */
static void finish_table(struct book *b, lxw_worksheet *ws, lxw_row_t header,
                         lxw_row_t last, size_t n_columns) {
  worksheet_freeze_panes(ws, header + 1, 0);
  note(b, worksheet_autofilter(ws, header, 0, last,
                               (lxw_col_t)(n_columns > 0 ? n_columns - 1 : 0)));
}

static const char *state_label(const char *state) {
  static const char *const labels[][2] = {
      {"not_started", "не начато"},  {"draft", "черновик"},
      {"submitted", "представлено"}, {"returned", "возвращено"},
      {"accepted", "принято"},       {"open", "открыта"},
      {"closed", "закрыта"}};
  for (size_t i = 0; state != NULL && i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i][0], state) == 0)
      return labels[i][1];
  return state;
}

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* --- «Сводка» ------------------------------------------------------------ */

#define SUMMARY_HEADER 8 /* the table's header row, under the campaign's */

static const char *const summary_columns[] = {
    "Муниципалитет", "Школ",         "Не начато",
    "Черновик",      "Представлено", "Возвращено",
    "Принято",       "С опозданием", "Доля представленных или принятых"};
static const char *const count_keys[] = {"schools",   "not_started", "draft",
                                         "submitted", "returned",    "accepted",
                                         "late"};
#define N_SUMMARY (sizeof summary_columns / sizeof summary_columns[0])
#define N_COUNTS (sizeof count_keys / sizeof count_keys[0])

static double count(const json_t *counts, const char *key) {
  return (double)json_integer_value(json_object_get(counts, key));
}

static void summary_row(struct book *b, lxw_worksheet *ws, lxw_row_t row,
                        const char *name, const json_t *counts, lxw_format *f) {
  text_cell(b, ws, row, 0, name, f);
  for (size_t k = 0; k < N_COUNTS; k++)
    number_cell(b, ws, row, (lxw_col_t)(k + 1), count(counts, count_keys[k]),
                f);
  double schools = count(counts, "schools");
  if (schools > 0)
    number_cell(b, ws, row, (lxw_col_t)N_COUNTS + 1,
                (count(counts, "submitted") + count(counts, "accepted")) /
                    schools,
                b->percent);
}

/* Rows 1..7, each written whole (constant memory): the campaign, its
 * dates and status, and the "as of" time. */
static void campaign_block(struct book *b, lxw_worksheet *ws,
                           const struct report *rp) {
  const json_t *c = rp->campaign;
  text_cell(b, ws, 0, 0, "Кампания", b->bold);
  text_cell(b, ws, 0, 1, str(c, "title"), NULL);
  text_cell(b, ws, 1, 0, "Период", b->bold);
  text_cell(b, ws, 1, 1, str(c, "period"), NULL);
  text_cell(b, ws, 2, 0, "Владелец", b->bold);
  text_cell(b, ws, 2, 1, rp->owner, NULL);
  text_cell(b, ws, 3, 0, "Дата открытия", b->bold);
  when_cell(b, ws, 3, 1, str(c, "opens_on"), b->date);
  text_cell(b, ws, 4, 0, "Срок представления", b->bold);
  when_cell(b, ws, 4, 1, str(c, "deadline"), b->date);
  text_cell(b, ws, 5, 0, "Статус", b->bold);
  text_cell(b, ws, 5, 1, state_label(str(c, "status")), NULL);
  struct tm tm;
  gmtime_r(&rp->now, &tm);
  char as_of[80];
  strftime(as_of, sizeof as_of, "По состоянию на: %d.%m.%Y %H:%M (UTC)", &tm);
  text_cell(b, ws, 6, 0, as_of, b->bold);
}

static void summary_sheet(struct book *b, const struct report *rp) {
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, "Сводка");
  if (ws == NULL) {
    note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
    return;
  }
  const json_t *munis = json_object_get(rp->counts, "municipalities");
  double widths[N_SUMMARY] = {0};
  widths[0] = width_of("Срок представления");
  size_t i;
  json_t *m;
  json_array_foreach(munis, i, m) wider(&widths[0], str(m, "name"));
  campaign_block(b, ws, rp);
  header_row(b, ws, SUMMARY_HEADER, summary_columns, N_SUMMARY, widths);
  lxw_row_t row = SUMMARY_HEADER;
  json_array_foreach(munis, i, m) summary_row(
      b, ws, ++row, str(m, "name"), json_object_get(m, "counts"), NULL);
  finish_table(b, ws, SUMMARY_HEADER, row, N_SUMMARY);
  json_t *total = json_object_get(rp->counts, "total");
  if (total != NULL)
    summary_row(b, ws, row + 1, "Итого", total, b->bold);
}

/* --- the schools' sheets ------------------------------------------------- */

/* A row's document (owned; column `col`). */
static json_t *row_doc(const PGresult *r, int row, int col) {
  json_t *doc = json_loads(PQgetvalue(r, row, col), 0, NULL);
  return doc != NULL ? doc : json_object();
}

static const char *municipality_name(const struct report *rp,
                                     const json_t *school) {
  char key[24];
  snprintf(key, sizeof key, "%lld",
           (long long)json_integer_value(
               json_object_get(school, "municipality_id")));
  return json_string_value(json_object_get(rp->municipalities, key));
}

/* Code, name and municipality of a school: the first three columns of
 * «Опоздания» and «Значения». */
static void school_cells(struct book *b, lxw_worksheet *ws, lxw_row_t row,
                         const struct report *rp, const json_t *school) {
  text_cell(b, ws, row, 0, str(school, "code"), NULL);
  text_cell(b, ws, row, 1, str(school, "short_name"), NULL);
  text_cell(b, ws, row, 2, municipality_name(rp, school), NULL);
}

/* The widths of those three columns over the rows. */
static void school_widths(const struct report *rp, const PGresult *r, int col,
                          double *widths) {
  for (int i = 0; i < PQntuples(r); i++) {
    json_t *doc = row_doc(r, i, col);
    const json_t *school = json_object_get(doc, "school");
    wider(&widths[0], str(school, "code"));
    wider(&widths[1], str(school, "short_name"));
    wider(&widths[2], municipality_name(rp, school));
    json_decref(doc);
  }
}

/* A school is late when it submitted after the deadline, or has not
 * submitted (not started, a draft, returned) and the deadline has passed;
 * *days: how many days after the deadline it submitted, or until today. */
static bool late(const json_t *row, long deadline, long today, long *days) {
  const char *state = str(row, "state");
  bool pending = state != NULL && strcmp(state, "submitted") != 0 &&
                 strcmp(state, "accepted") != 0;
  lxw_datetime at;
  if (pending && today > deadline)
    *days = today - deadline;
  else if (json_is_true(json_object_get(row, "late")) &&
           parse_when(str(row, "submitted_at"), &at))
    *days = day_of(&at) - deadline;
  else
    return false;
  return true;
}

static const char *const late_columns[] = {"Код школы",     "Школа",
                                           "Муниципалитет", "Состояние",
                                           "Представлено",  "Дней опоздания"};
#define N_LATE (sizeof late_columns / sizeof late_columns[0])

static void late_sheet(struct book *b, const struct report *rp) {
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, "Опоздания");
  if (ws == NULL) {
    note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
    return;
  }
  double widths[N_LATE] = {0};
  widths[4] = 20;
  school_widths(rp, rp->schools, 0, widths);
  header_row(b, ws, 0, late_columns, N_LATE, widths);
  lxw_datetime due;
  bool has_due = parse_when(str(rp->campaign, "deadline"), &due);
  lxw_row_t row = 0;
  for (int i = 0; has_due && i < PQntuples(rp->schools); i++) {
    json_t *doc = row_doc(rp->schools, i, 0);
    long days;
    if (late(doc, day_of(&due), b->today, &days)) {
      school_cells(b, ws, ++row, rp, json_object_get(doc, "school"));
      text_cell(b, ws, row, 3, state_label(str(doc, "state")), NULL);
      if (str(doc, "submitted_at") != NULL)
        when_cell(b, ws, row, 4, str(doc, "submitted_at"), b->timestamp);
      number_cell(b, ws, row, 5, (double)days, NULL);
    }
    json_decref(doc);
  }
  finish_table(b, ws, 0, row, N_LATE);
}

/* A value as its indicator's type: numbers (percent too) as numbers,
 * booleans as «да»/«нет», the rest as text. */
static void value_cell(struct book *b, lxw_worksheet *ws, lxw_row_t row,
                       lxw_col_t col, const json_t *value) {
  if (json_is_number(value))
    number_cell(b, ws, row, col, json_number_value(value), NULL);
  else if (json_is_boolean(value))
    text_cell(b, ws, row, col, json_is_true(value) ? "да" : "нет", NULL);
  else if (json_is_string(value))
    text_cell(b, ws, row, col, json_string_value(value), NULL);
}

#define VALUES_FIRST 4 /* the first indicator's column */

static void values_row(struct book *b, lxw_worksheet *ws, lxw_row_t row,
                       const struct report *rp, const json_t *doc) {
  school_cells(b, ws, row, rp, json_object_get(doc, "school"));
  text_cell(b, ws, row, 3, state_label(str(doc, "state")), NULL);
  json_t *by_code = json_object();
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(doc, "values"), i, v) {
    const char *code = str(v, "code");
    if (code != NULL)
      json_object_set(by_code, code, json_object_get(v, "value"));
  }
  for (size_t k = 0; k < rp->n_indicators; k++)
    value_cell(b, ws, row, (lxw_col_t)(VALUES_FIRST + k),
               json_object_get(by_code, rp->indicators[k].code));
  json_decref(by_code);
}

static void values_sheet(struct book *b, const struct report *rp) {
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, "Значения");
  if (ws == NULL) {
    note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
    return;
  }
  size_t n = VALUES_FIRST + rp->n_indicators;
  const char **names = calloc(n, sizeof *names);
  double *widths = calloc(n, sizeof *widths);
  if (names == NULL || widths == NULL)
    abort();
  const char *first[VALUES_FIRST] = {"Код школы", "Школа", "Муниципалитет",
                                     "Состояние"};
  memcpy(names, first, sizeof first);
  for (size_t k = 0; k < rp->n_indicators; k++)
    names[VALUES_FIRST + k] = rp->indicators[k].name;
  school_widths(rp, rp->submissions, 0, widths);
  widths[3] = 14;
  header_row(b, ws, 0, names, n, widths);
  lxw_row_t row = 0;
  for (int i = 0; i < PQntuples(rp->submissions); i++) {
    json_t *doc = row_doc(rp->submissions, i, 0);
    values_row(b, ws, ++row, rp, doc);
    json_decref(doc);
  }
  finish_table(b, ws, 0, row, n);
  free(names);
  free(widths);
}

/* --- the workbook -------------------------------------------------------- */

static lxw_format *format(lxw_workbook *wb, const char *number) {
  lxw_format *f = workbook_add_format(wb);
  if (number != NULL)
    format_set_num_format(f, number);
  return f;
}

bool campaign_report_write(struct request *rq, const struct report *rp,
                           const char *path) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", xlsx_tmp_dir());
  lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = dir};
  struct book b = {.wb = workbook_new_opt(path, &options),
                   .today = (long)(rp->now / 86400)};
  if (b.wb == NULL) {
    log_msg(LOG_ERROR, "request %s: no workbook in %s", rq->id, xlsx_tmp_dir());
    return false;
  }
  b.header = format(b.wb, NULL);
  format_set_bold(b.header);
  format_set_text_wrap(b.header);
  format_set_align(b.header, LXW_ALIGN_VERTICAL_TOP);
  b.bold = format(b.wb, NULL);
  format_set_bold(b.bold);
  b.date = format(b.wb, "dd.mm.yyyy");
  b.timestamp = format(b.wb, "dd.mm.yyyy hh:mm:ss");
  b.percent = format(b.wb, "0.0%");
  b.text = format(b.wb, "@");
  summary_sheet(&b, rp);
  late_sheet(&b, rp);
  values_sheet(&b, rp);
  lxw_error closed = workbook_close(b.wb);
  if (b.error != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
    log_msg(LOG_ERROR, "request %s: the report is not written: %s", rq->id,
            lxw_strerror(b.error != LXW_NO_ERROR ? b.error : closed));
    return false;
  }
  return true;
}
