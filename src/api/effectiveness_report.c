/* GET /programmes/{id}/report (docs/EFFECTIVENESS.md, "The report"): the
 * programme's effectiveness as the workbook an authority sends upward. The
 * figures are the effectiveness answer of each year of the term
 * (STMT_PROGRAMME_EFFECTIVENESS, read as JSON), within the caller's scope:
 *   «Сводка»   the programme, "as of", per indicator the baseline and per
 *              year the target, the actual figure and whether it was met,
 *              and a chart of each indicator's trend against its target;
 *   «2024-25»  a sheet per year: the indicators' figures of that year;
 *   «Школы»    the schools behind every figure, every year.
 * A report is small (a programme's cohort, at most ten years), so it is
 * made in memory by libxlsxwriter into a temporary file and sent from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "programmes.h"
#include "resource.h"
#include "xlsx_out.h"

const struct jspec_field programme_report_params[] = {
    FIELD("municipality", JS_ID, 0, 0, 0),
    END_FIELDS,
};

struct report {
  lxw_workbook *wb;
  lxw_format *bold, *title, *header, *percent, *number, *wrap;
  json_t *years; /* the effectiveness answer of each year, in order */
  int from, to;
};

/* "2024-25" (a sheet's name) or "2024/25" (a heading). */
static void school_year(int y, char sep, char out[static 12]) {
  snprintf(out, 12, "%04d%c%02d", y % 10000, sep, (y + 1) % 100);
}

static double number_of(const json_t *v) {
  return json_number_value(v);
}

/* A number cell, or nothing for null. */
static void put_number(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
                       const json_t *v, lxw_format *f) {
  if (json_is_number(v))
    worksheet_write_number(ws, r, c, number_of(v), f);
}

static void put_text(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
                     const char *text, lxw_format *f) {
  if (text != NULL)
    worksheet_write_string(ws, r, c, text, f);
}

static void put_met(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
                    const json_t *met) {
  if (json_is_boolean(met))
    worksheet_write_string(ws, r, c, json_is_true(met) ? "да" : "нет", NULL);
}

static void put_header(struct report *rp, lxw_worksheet *ws, lxw_row_t r,
                       const char *const *names, size_t n) {
  for (size_t c = 0; c < n; c++)
    worksheet_write_string(ws, r, (lxw_col_t)c, names[c], rp->header);
}

/* The target of a year in a target of the answer ("2024": 92.5 is in its
 * trend). */
static const json_t *trend_of(const json_t *target, int year,
                              const char *member) {
  size_t i;
  json_t *point;
  json_array_foreach(json_object_get(target, "trend"), i, point) {
    if (json_integer_value(json_object_get(point, "year")) == year)
      return json_object_get(point, member);
  }
  return NULL;
}

/* The last year's answer: its trend holds every year's target and actual. */
static const json_t *last_answer(const struct report *rp) {
  return json_array_get(rp->years, json_array_size(rp->years) - 1);
}

static void summary_sheet(struct report *rp, struct request *rq) {
  lxw_worksheet *ws = workbook_add_worksheet(rp->wb, "Сводка");
  const json_t *doc = last_answer(rp);
  const json_t *programme = json_object_get(doc, "programme");
  put_text(ws, 0, 0, json_string_value(json_object_get(programme, "title")),
           rp->title);
  char line[300], a[12], b[12];
  school_year(rp->from, '/', a);
  school_year(rp->to, '/', b);
  snprintf(line, sizeof line, "Срок: %s – %s учебные годы", a, b);
  put_text(ws, 1, 0, line, NULL);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char stamp[64];
  strftime(stamp, sizeof stamp, "По состоянию на: %d.%m.%Y %H:%M (UTC)", &tm);
  put_text(ws, 2, 0, stamp, rp->bold);
  const json_t *m = json_object_get(doc, "municipality_id");
  snprintf(line, sizeof line, "Выгрузил: %s; школы: %s в пределах его доступа",
           rq->principal.name,
           json_is_integer(m) ? "одного муниципалитета" : "все");
  put_text(ws, 3, 0, line, NULL);
  /* The table: the indicator, its baseline, then per year target, actual,
   * met. */
  lxw_row_t top = 5;
  const char *const fixed[] = {"Показатель", "Наименование", "Базовый год",
                               "Базовое значение"};
  put_header(rp, ws, top, fixed, 4);
  int years = rp->to - rp->from + 1;
  for (int k = 0; k < years; k++) {
    char y[12], h[48];
    school_year(rp->from + k, '/', y);
    lxw_col_t c = (lxw_col_t)(4 + 3 * k);
    snprintf(h, sizeof h, "Цель %s", y);
    worksheet_write_string(ws, top, c, h, rp->header);
    snprintf(h, sizeof h, "Факт %s", y);
    worksheet_write_string(ws, top, c + 1, h, rp->header);
    snprintf(h, sizeof h, "Достигнуто %s", y);
    worksheet_write_string(ws, top, c + 2, h, rp->header);
  }
  const json_t *targets = json_object_get(doc, "targets");
  size_t i;
  json_t *t;
  json_array_foreach(targets, i, t) {
    lxw_row_t r = top + 1 + (lxw_row_t)i;
    const json_t *ind = json_object_get(t, "indicator");
    put_text(ws, r, 0, json_string_value(json_object_get(ind, "code")), NULL);
    put_text(ws, r, 1, json_string_value(json_object_get(ind, "name")),
             rp->wrap);
    const json_t *base = json_object_get(t, "baseline");
    put_number(ws, r, 2, json_object_get(base, "year"), NULL);
    put_number(ws, r, 3, json_object_get(base, "value"), rp->number);
    for (int k = 0; k < years; k++) {
      lxw_col_t c = (lxw_col_t)(4 + 3 * k);
      const json_t *answer = json_array_get(rp->years, (size_t)k);
      const json_t *that =
          json_array_get(json_object_get(answer, "targets"), i);
      put_number(ws, r, c, json_object_get(that, "target"), rp->number);
      put_number(ws, r, c + 1, json_object_get(that, "actual"), rp->number);
      put_met(ws, r, c + 2, json_object_get(that, "met"));
    }
  }
  size_t n = json_array_size(targets);
  worksheet_set_column(ws, 0, 0, 34, NULL);
  worksheet_set_column(ws, 1, 1, 60, NULL);
  worksheet_set_column(ws, 2, (lxw_col_t)(3 + 3 * years), 13, NULL);
  worksheet_freeze_panes(ws, top + 1, 2);
  if (n > 0)
    worksheet_autofilter(ws, top, 0, top + (lxw_row_t)n,
                         (lxw_col_t)(3 + 3 * years));
}

/* «Динамика»: per indicator its target and actual over the years (a row
 * each, the years as columns) and a line chart of the two. */
static void trend_sheet(struct report *rp) {
  lxw_worksheet *ws = workbook_add_worksheet(rp->wb, "Динамика");
  const json_t *targets = json_object_get(last_answer(rp), "targets");
  int years = rp->to - rp->from + 1;
  worksheet_write_string(ws, 0, 0, "Показатель", rp->header);
  worksheet_write_string(ws, 0, 1, "Ряд", rp->header);
  for (int y = 0; y < years; y++) {
    char name[12];
    school_year(rp->from + y, '/', name);
    worksheet_write_string(ws, 0, (lxw_col_t)(2 + y), name, rp->header);
  }
  worksheet_set_column(ws, 0, 0, 34, NULL);
  worksheet_set_column(ws, 1, (lxw_col_t)(1 + years), 10, NULL);
  worksheet_freeze_panes(ws, 1, 2);
  size_t i;
  json_t *t;
  json_array_foreach(targets, i, t) {
    lxw_row_t r = 1 + 2 * (lxw_row_t)i;
    const char *code = json_string_value(
        json_object_get(json_object_get(t, "indicator"), "code"));
    put_text(ws, r, 0, code, NULL);
    put_text(ws, r + 1, 0, code, NULL);
    worksheet_write_string(ws, r, 1, "Цель", NULL);
    worksheet_write_string(ws, r + 1, 1, "Факт", NULL);
    for (int y = 0; y < years; y++) {
      put_number(ws, r, (lxw_col_t)(2 + y), trend_of(t, rp->from + y, "target"),
                 rp->number);
      put_number(ws, r + 1, (lxw_col_t)(2 + y),
                 trend_of(t, rp->from + y, "actual"), rp->number);
    }
    lxw_chart *chart = workbook_add_chart(rp->wb, LXW_CHART_LINE);
    for (int s = 0; s < 2; s++) {
      lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
      chart_series_set_categories(series, "Динамика", 0, 2, 0,
                                  (lxw_col_t)(1 + years));
      chart_series_set_values(series, "Динамика", r + (lxw_row_t)s, 2,
                              r + (lxw_row_t)s, (lxw_col_t)(1 + years));
      chart_series_set_name(series, s == 0 ? "Цель" : "Факт");
      chart_series_set_marker_type(series, LXW_CHART_MARKER_AUTOMATIC);
    }
    chart_title_set_name(chart, code);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    worksheet_insert_chart(
        ws, (lxw_row_t)(2 * json_array_size(targets) + 3 + 16 * (i / 2)),
        (lxw_col_t)(i % 2 == 0 ? 0 : 4), chart);
  }
}

/* A sheet per year: the indicators' figures of that year. */
static void year_sheet(struct report *rp, const json_t *answer, int year) {
  char name[12];
  school_year(year, '-', name);
  lxw_worksheet *ws = workbook_add_worksheet(rp->wb, name);
  const char *const head[] = {"Показатель",       "Наименование", "Базовый год",
                              "Базовое значение", "Цель",         "Факт",
                              "Достигнуто",       "Числитель",    "Знаменатель",
                              "Школ учтено"};
  put_header(rp, ws, 0, head, 10);
  const json_t *targets = json_object_get(answer, "targets");
  size_t i;
  json_t *t;
  json_array_foreach(targets, i, t) {
    lxw_row_t r = 1 + (lxw_row_t)i;
    const json_t *ind = json_object_get(t, "indicator");
    const json_t *base = json_object_get(t, "baseline");
    put_text(ws, r, 0, json_string_value(json_object_get(ind, "code")), NULL);
    put_text(ws, r, 1, json_string_value(json_object_get(ind, "name")),
             rp->wrap);
    put_number(ws, r, 2, json_object_get(base, "year"), NULL);
    put_number(ws, r, 3, json_object_get(base, "value"), rp->number);
    put_number(ws, r, 4, json_object_get(t, "target"), rp->number);
    put_number(ws, r, 5, json_object_get(t, "actual"), rp->number);
    put_met(ws, r, 6, json_object_get(t, "met"));
    put_number(ws, r, 7, json_object_get(t, "numerator"), NULL);
    put_number(ws, r, 8, json_object_get(t, "denominator"), NULL);
    put_number(ws, r, 9, json_object_get(t, "schools_counted"), NULL);
  }
  worksheet_set_column(ws, 0, 0, 34, NULL);
  worksheet_set_column(ws, 1, 1, 60, NULL);
  worksheet_set_column(ws, 2, 9, 13, NULL);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(targets), 9);
}

/* «Школы»: the schools behind every figure, every year. */
static void schools_sheet(struct report *rp) {
  lxw_worksheet *ws = workbook_add_worksheet(rp->wb, "Школы");
  const char *const head[] = {"Учебный год",   "Показатель",
                              "Код школы",     "Школа",
                              "Муниципалитет", "Числитель",
                              "Знаменатель",   "Значение, %",
                              "Учитывается",   "Почему не учитывается"};
  put_header(rp, ws, 0, head, 10);
  lxw_row_t r = 0;
  size_t k;
  json_t *answer;
  json_array_foreach(rp->years, k, answer) {
    char year[12];
    school_year(rp->from + (int)k, '/', year);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(answer, "targets"), i, t) {
      const char *code = json_string_value(
          json_object_get(json_object_get(t, "indicator"), "code"));
      size_t j;
      json_t *s;
      json_array_foreach(json_object_get(t, "schools"), j, s) {
        r++;
        worksheet_write_string(ws, r, 0, year, NULL);
        put_text(ws, r, 1, code, NULL);
        put_text(ws, r, 2, json_string_value(json_object_get(s, "code")), NULL);
        put_text(ws, r, 3, json_string_value(json_object_get(s, "short_name")),
                 NULL);
        /* the municipality's name from the figure's own list */
        json_int_t m =
            json_integer_value(json_object_get(s, "municipality_id"));
        size_t b;
        json_t *mu;
        json_array_foreach(json_object_get(t, "by_municipality"), b, mu) {
          if (json_integer_value(json_object_get(mu, "id")) == m)
            put_text(ws, r, 4, json_string_value(json_object_get(mu, "name")),
                     NULL);
        }
        put_number(ws, r, 5, json_object_get(s, "numerator"), NULL);
        put_number(ws, r, 6, json_object_get(s, "denominator"), NULL);
        put_number(ws, r, 7, json_object_get(s, "value"), rp->number);
        put_met(ws, r, 8, json_object_get(s, "counted"));
        put_text(ws, r, 9, json_string_value(json_object_get(s, "reason")),
                 NULL);
      }
    }
  }
  worksheet_set_column(ws, 0, 2, 14, NULL);
  worksheet_set_column(ws, 1, 1, 34, NULL);
  worksheet_set_column(ws, 3, 4, 36, NULL);
  worksheet_set_column(ws, 5, 8, 13, NULL);
  worksheet_set_column(ws, 9, 9, 48, NULL);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_autofilter(ws, 0, 0, r, 9);
}

/* Each year's answer, in order; NULL after answering a failed statement. */
static json_t *answers(struct request *rq, const char *id, const json_t *query,
                       int from, int to) {
  json_t *years = json_array();
  for (int y = from; y <= to; y++) {
    char year[16];
    snprintf(year, sizeof year, "%d", y);
    const struct db_arg args[] = {{"programme", id}, {"year", year}, DB_END};
    PGresult *r = db_call(rq, STMT_PROGRAMME_EFFECTIVENESS, args, query);
    if (r == NULL) {
      json_decref(years);
      return NULL;
    }
    json_t *doc =
        PQntuples(r) > 0 ? json_loads(db_get(r, 0, "doc"), 0, NULL) : NULL;
    PQclear(r);
    if (doc == NULL) { /* deleted meanwhile */
      json_decref(years);
      reply_unseen(rq, "programme with id %s", id);
      return NULL;
    }
    json_array_append_new(years, doc);
  }
  return years;
}

static bool write_report(struct request *rq, struct report *rp,
                         const char *path) {
  lxw_workbook_options options = {.tmpdir = (char *)xlsx_tmp_dir()};
  rp->wb = workbook_new_opt(path, &options);
  if (rp->wb == NULL)
    return false;
  rp->bold = workbook_add_format(rp->wb);
  format_set_bold(rp->bold);
  rp->title = workbook_add_format(rp->wb);
  format_set_bold(rp->title);
  format_set_font_size(rp->title, 13);
  rp->header = workbook_add_format(rp->wb);
  format_set_bold(rp->header);
  format_set_text_wrap(rp->header);
  format_set_align(rp->header, LXW_ALIGN_VERTICAL_TOP);
  rp->number = workbook_add_format(rp->wb);
  format_set_num_format(rp->number, "0.0");
  rp->wrap = workbook_add_format(rp->wb);
  format_set_text_wrap(rp->wrap);
  summary_sheet(rp, rq);
  trend_sheet(rp);
  size_t k;
  json_t *answer;
  json_array_foreach(rp->years, k, answer)
      year_sheet(rp, answer, rp->from + (int)k);
  schools_sheet(rp);
  lxw_error e = workbook_close(rp->wb);
  if (e != LXW_NO_ERROR)
    log_msg(LOG_ERROR, "request %s: report not written: %s", rq->id,
            lxw_strerror(e));
  return e == LXW_NO_ERROR;
}

bool programme_report_make(struct request *rq, const char *id_text,
                           const json_t *query, bool in_body, char *path,
                           size_t len) {
  struct report rp = {0};
  int year;
  if (!effectiveness_term(rq, id_text, query, in_body, &rp.from, &rp.to,
                          &year) ||
      (rp.years = answers(rq, id_text, query, rp.from, rp.to)) == NULL)
    return false;
  bool made = xlsx_new_path(path, len);
  if (made && !write_report(rq, &rp, path)) {
    unlink(path);
    made = false;
  }
  json_decref(rp.years);
  if (!made)
    reply_problem(rq, ERR_INTERNAL, NULL);
  return made;
}

void programme_report(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, programme_report_params);
  if (query == NULL)
    return;
  char id_text[24], path[1100];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  if (programme_report_make(rq, id_text, query, false, path, sizeof path))
    reply_xlsx_file(rq, path, "programme-report", id_text);
  json_decref(query);
}
