/* /api/v1/indicator-values and /api/v1/schools/{id}/indicators: the
 * official values integrators read, with the change feed (docs/MONITORING.md).
 *
 * The feed: with `since=N` the list holds the values whose change number is
 * above N, in change order, and its cursor carries the last change number
 * shown (so paging a sync is following `since`). Writers take
 * indicator_values_lock(), so change numbers become visible in the order
 * they are drawn: `latest_change`, read in the page's own snapshot, covers
 * every change the reader could have missed. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_out.h"
#include "cursor.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "table_reply.h"

static const char *const categories[] = {"SHNOR", "SHNSU", "RISK_GROUP", NULL};

#define PERIOD_PATTERN                                                         \
  "^([0-9]{4}/[0-9]{2}|[0-9]{4}-H[12]|[0-9]{4}-Q[1-4]|[0-9]{4})$"
#define CODE_PATTERN "^[A-Z][A-Z0-9_]{1,63}$"

const struct jspec_field indicator_values_list_params[] = {
    PATTERN_FIELD("indicator", 0, 2, 64, CODE_PATTERN),
    PATTERN_FIELD("period", 0, 4, 7, PERIOD_PATTERN),
    FIELD("school", JS_ID, 0, 0, 0),
    FIELD("municipality", JS_ID, 0, 0, 0),
    ENUM_FIELD("category", 0, categories),
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    FIELD("since", JS_INTEGER, 0, 0, INT64_MAX),
    PAGE_PARAMS,
    END_FIELDS,
};

/* A school year's second part is the next year: 2023/24, not 2023/25 (the
 * pattern has passed). Appends to errors. */
static void check_period(const json_t *query, const char *name,
                         json_t *errors) {
  const char *p = json_string_value(json_object_get(query, name));
  if (p == NULL || strlen(p) != 7 || p[4] != '/')
    return;
  int first = atoi(p), second = atoi(p + 5);
  if ((first + 1) % 100 != second) {
    char path[32];
    snprintf(path, sizeof path, "query.%s", name);
    jspec_error(errors, path,
                "a school year's second part is the next year (2023/24)");
  }
}

/* Answers 400 when errors is not empty (and takes it); false then. */
static bool no_errors(struct request *rq, json_t *errors) {
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_validation_steal(rq, errors);
  return false;
}

/* {"items": [...], "next_cursor": ..., "latest_change": N} from the list's
 * rows (doc, key, id, latest_change; one row without doc when empty). */
static void reply_values_page(struct request *rq, PGresult *rows,
                              const struct page *page) {
  int n = PQntuples(rows);
  if (n == 1 && db_is_null(rows, 0, "doc"))
    n = 0;
  int shown = n > page->limit ? (int)page->limit : n;
  size_t need = 96;
  for (int i = 0; i < shown; i++)
    need += strlen(db_get(rows, i, "doc")) + 1;
  char *next = NULL;
  if (n > shown) {
    next = cursor_encode(db_get(rows, shown - 1, "key"),
                         strtoll(db_get(rows, shown - 1, "id"), NULL, 10),
                         page->query);
    need += strlen(next);
  }
  char *text = malloc(need);
  if (text == NULL)
    abort();
  size_t len = (size_t)sprintf(text, "{\"items\":[");
  for (int i = 0; i < shown; i++) {
    if (i > 0)
      text[len++] = ',';
    const char *doc = db_get(rows, i, "doc");
    size_t doc_len = strlen(doc);
    memcpy(text + len, doc, doc_len);
    len += doc_len;
  }
  const char *latest = db_get(rows, 0, "latest_change");
  if (next != NULL)
    len += (size_t)sprintf(text + len,
                           "],\"next_cursor\":\"%s\",\"latest_change\":%s}",
                           next, latest);
  else
    len += (size_t)sprintf(
        text + len, "],\"next_cursor\":null,\"latest_change\":%s}", latest);
  free(next);
  reply_json_text_steal(rq, 200, text, len);
}

/* The feed as a table: a member added to the values needs its column here. */
static const struct table_column value_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"school.id", "ID школы", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"indicator", "Показатель", TABLE_TEXT},
    {"period", "Период", TABLE_TEXT},
    {"value", "Значение", TABLE_VALUE},
    {"source", "Источник", TABLE_TEXT},
    {"reason", "Основание", TABLE_TEXT},
    {"change_no", "Номер изменения", TABLE_INTEGER},
    {"updated_at", "Изменено", TABLE_TIMESTAMP},
    {"withdrawn", "Отозвано", TABLE_BOOLEAN},
};
static const struct table_spec value_table =
    TABLE_SPEC("indicator-values", value_columns);

void indicator_values_list(struct request *rq) {
  json_t *query = request_query_checked(rq, indicator_values_list_params);
  if (query == NULL)
    return;
  json_t *errors = json_array();
  check_period(query, "period", errors);
  struct page page;
  if (!no_errors(rq, errors) || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  /* A table for Excel holds the whole list from the cursor on. */
  bool csv = request_wants_table(rq);
  char csv_limit[16];
  snprintf(csv_limit, sizeof csv_limit, "%d", CSV_MAX_ROWS + 1);
  const struct db_arg args[] = {
      {"cursor_key", page.cursor_key},
      {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
      {"limit", csv ? csv_limit : page.limit_plus_one},
      DB_END};
  PGresult *r = db_call(rq, STMT_INDICATOR_VALUES_LIST, args, query);
  if (r != NULL && csv) {
    reply_table(rq, &value_table, r, 0, PQnfields(r), NULL);
  } else if (r != NULL) {
    reply_values_page(rq, r, &page);
  }
  PQclear(r);
  page_end(&page);
  json_decref(query);
}

const struct jspec_field school_indicators_params[] = {
    PATTERN_FIELD("from", 0, 4, 7, PERIOD_PATTERN),
    PATTERN_FIELD("to", 0, 4, 7, PERIOD_PATTERN),
    PATTERN_FIELD("indicator", 0, 2, 64, CODE_PATTERN),
    END_FIELDS,
};

/* A valid period's first month, counted from year 0, to compare periods by
 * their start as period_start() does. */
static int period_month(const char *p) {
  int year = atoi(p), month = 1;
  if (p[4] == '/')
    month = 9;
  else if (p[4] == '-' && p[5] == 'H')
    month = p[6] == '1' ? 1 : 7;
  else if (p[4] == '-' && p[5] == 'Q')
    month = (p[6] - '0') * 3 - 2;
  return year * 12 + month;
}

static bool series_query_valid(struct request *rq, const json_t *query) {
  json_t *errors = json_array();
  check_period(query, "from", errors);
  check_period(query, "to", errors);
  const char *from = json_string_value(json_object_get(query, "from"));
  const char *to = json_string_value(json_object_get(query, "to"));
  if (json_array_size(errors) == 0 && from != NULL && to != NULL &&
      period_month(from) > period_month(to))
    jspec_error(errors, "query.to", "must not start before query.from");
  return no_errors(rq, errors);
}

static const struct table_column series_columns[] = {
    {"indicator", "Показатель", TABLE_TEXT},
    {"name", "Наименование показателя", TABLE_TEXT},
    {"period", "Период", TABLE_TEXT},
    {"value", "Значение", TABLE_VALUE},
    {"source", "Источник", TABLE_TEXT},
    {"reason", "Основание", TABLE_TEXT},
    {"change_no", "Номер изменения", TABLE_INTEGER},
    {"updated_at", "Изменено", TABLE_TIMESTAMP},
};
static const struct table_spec series_table =
    TABLE_SPEC("school-indicators", series_columns);

/* The CSV of a time series: one row per value. */
static void reply_series_csv(struct request *rq, const char *school,
                             const json_t *query) {
  if (!school_in_sight(rq, school))
    return;
  PGresult *r =
      db_call(rq, STMT_SCHOOL_INDICATORS_ROWS,
              (const struct db_arg[]){{"school", school}, DB_END}, query);
  if (r != NULL)
    reply_table(rq, &series_table, r, 0, 3, school);
  PQclear(r);
}

void school_indicators(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, school_indicators_params);
  if (query == NULL)
    return;
  if (!series_query_valid(rq, query)) {
    json_decref(query);
    return;
  }
  char school[24];
  snprintf(school, sizeof school, "%lld", (long long)id);
  if (request_wants_table(rq)) {
    reply_series_csv(rq, school, query);
  } else {
    PGresult *r =
        db_call(rq, STMT_SCHOOL_INDICATORS,
                (const struct db_arg[]){{"school", school}, DB_END}, query);
    if (r != NULL && PQntuples(r) == 0) {
      reply_unseen(rq, "school with id %s", school);
    } else if (r != NULL) {
      const char *doc = db_get(r, 0, "doc");
      reply_json_text(rq, 200, doc, strlen(doc));
    }
    PQclear(r);
  }
  json_decref(query);
}
