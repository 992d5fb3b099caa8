/* /api/v1/indicators: the catalogue of indicators, computed ones with
 * their formulas, and aggregates (docs/MONITORING.md). The catalogue is the
 * same for every reader: its statements take no scope; aggregates are over
 * the schools in the caller's scope. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "csv_out.h"
#include "fields.h"
#include "formula.h"
#include "handlers.h"
#include "kept.h"
#include "resource.h"
#include "table_reply.h"

#define CODE_PATTERN "^[A-Z][A-Z0-9_]{1,63}$"
#define PERIOD_PATTERN                                                         \
  "^([0-9]{4}/[0-9]{2}|[0-9]{4}-H[12]|[0-9]{4}-Q[1-4]|[0-9]{4})$"
#define CODE_MAX 72

static const char *const value_types[] = {
    "percent", "number", "integer", "boolean", "text", "url", NULL};
static const char *const polarities[] = {"higher", "lower", "none", NULL};
static const char *const periodicities[] = {"school_year", "half_year",
                                            "quarter", "year", NULL};
static const char *const forms[] = {"form", "link", "report", "computed", NULL};

#define INDICATOR_FIELDS                                                       \
  FIELD("description", JS_TEXT, OPT_NULL, 1, 4000),                            \
      FIELD("unit", JS_STRING, OPT_NULL, 1, 50),                               \
      ENUM_FIELD("polarity", 0, polarities),                                   \
      PATTERN_FIELD("deadline", OPT_NULL, 5, 5,                                \
                    "^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),             \
      ENUM_FIELD("form", 0, forms),                                            \
      FIELD("min_value", JS_NUMBER, OPT_NULL, 0, 0),                           \
      FIELD("max_value", JS_NUMBER, OPT_NULL, 0, 0),                           \
      FIELD("formula", JS_TEXT, OPT_NULL, 1, 4000),                            \
      FIELD("inputs", JS_ARRAY, JS_READONLY, 0, 0),                            \
      FIELD("source", JS_STRING, OPT_NULL, 1, 500),                            \
      FIELD("active", JS_BOOLEAN, 0, 0, 0)

const struct jspec_field indicator_create_fields[] = {
    PATTERN_FIELD("code", REQ, 2, 64, CODE_PATTERN),
    FIELD("name", JS_STRING, REQ, 1, 1000),
    ENUM_FIELD("value_type", REQ, value_types),
    ENUM_FIELD("periodicity", REQ, periodicities),
    INDICATOR_FIELDS,
    READONLY_FIELDS,
    END_FIELDS,
};

/* A code names the indicator for good: values and formulas refer to it. */
const struct jspec_field indicator_update_fields[] = {
    FIELD("code", JS_STRING, JS_READONLY, 0, 0),
    FIELD("name", JS_STRING, 0, 1, 1000),
    ENUM_FIELD("value_type", 0, value_types),
    ENUM_FIELD("periodicity", 0, periodicities),
    INDICATOR_FIELDS,
    READONLY_FIELDS,
    END_FIELDS,
};

static bool is_numeric_type(const char *type) {
  return type != NULL &&
         (strcmp(type, "percent") == 0 || strcmp(type, "number") == 0 ||
          strcmp(type, "integer") == 0);
}

/* Rules across fields (the database checks them against the stored row
 * too), and the formula's inputs, which the server keeps. */
static void check_indicator(struct request *rq, const json_t *body,
                            json_t *errors) {
  const char *type = json_string_value(json_object_get(body, "value_type"));
  const char *text = json_string_value(json_object_get(body, "formula"));
  if (text != NULL && type != NULL && strcmp(type, "number") != 0 &&
      strcmp(type, "percent") != 0)
    jspec_error(errors, "$.value_type",
                "a computed indicator (with a formula) is a number or a "
                "percent");
  const json_t *min = json_object_get(body, "min_value");
  const json_t *max = json_object_get(body, "max_value");
  if (json_is_number(min) && json_is_number(max) &&
      json_number_value(min) > json_number_value(max))
    jspec_error(errors, "$.max_value", "must not be less than min_value");
  if (type != NULL && strcmp(type, "percent") == 0) {
    if (json_is_number(min) &&
        (json_number_value(min) < 0 || json_number_value(min) > 100))
      jspec_error(errors, "$.min_value", "a percent is within 0..100");
    if (json_is_number(max) &&
        (json_number_value(max) < 0 || json_number_value(max) > 100))
      jspec_error(errors, "$.max_value", "a percent is within 0..100");
  }
  if (!json_object_get(body, "formula") || json_array_size(errors) > 0)
    return;
  json_t *inputs = json_array();
  char err[160];
  size_t pos;
  struct formula *f =
      text != NULL ? formula_parse(text, err, sizeof err, &pos) : NULL;
  for (size_t i = 0; f != NULL && i < formula_input_count(f); i++)
    json_array_append_new(inputs, json_string(formula_input(f, i)));
  formula_free(f);
  json_object_set_new(rq->json, "inputs", inputs);
}

/* An indicator that formulas use stays numeric: otherwise every value
 * computed from it would turn into "missing". 422 invalid_formula naming
 * the formulas; checked in the update's transaction. (Deactivating it is
 * allowed: its values stay, and campaigns stop asking for it.) */
static bool keep_formula_inputs(struct request *rq, struct write *w) {
  (void)w;
  const char *type = json_string_value(json_object_get(rq->json, "value_type"));
  char code[CODE_MAX];
  if (type == NULL || is_numeric_type(type) ||
      !request_param_key(rq, "code", code, sizeof code))
    return true;
  PGresult *r = db_call(rq, STMT_INDICATOR_DEPENDENTS,
                        (const struct db_arg[]){{"code", code}, DB_END}, NULL);
  if (r == NULL)
    return false;
  const char *users = db_get(r, 0, "codes");
  bool used = users != NULL;
  if (used) {
    char message[512];
    snprintf(message, sizeof message,
             "the formulas of %.400s use this indicator: change them first",
             users);
    json_t *errors = json_array();
    jspec_error(errors, "$.value_type", message);
    reply_problem_errors_steal(rq, ERR_INVALID_FORMULA, message, errors);
  }
  PQclear(r);
  return !used;
}

static const struct resource indicators = {
    .what = "indicator",
    .collection = "/api/v1/indicators",
    .id_param = "code",
    .text_key = true,
    .fields = indicator_create_fields,
    .update_fields = indicator_update_fields,
    .check = check_indicator,
    .check_transition = keep_formula_inputs,
    .get = STMT_INDICATOR_GET,
    .insert = STMT_INDICATOR_INSERT,
    .update = STMT_INDICATOR_UPDATE,
    .entity = "indicator",
    .audit_place = AUDIT_PLACE_NONE,
};

/* --- formulas: parsed, inputs known, numeric and active, no cycle -------- */

static const char *graph_find(const PGresult *g, const char *code, int *row) {
  for (int i = 0; i < PQntuples(g); i++)
    if (strcmp(db_get(g, i, "code"), code) == 0) {
      *row = i;
      return db_get(g, i, "code");
    }
  return NULL;
}

/* Depth-first from `code` along the stored inputs: true when it reaches
 * `self`, with the path so far in path (" -> B -> A"). */
static bool reaches(const PGresult *g, const char *code, const char *self,
                    char *visited, char *path, size_t path_len, int depth) {
  if (strcmp(code, self) == 0)
    return true;
  int row;
  if (graph_find(g, code, &row) == NULL || visited[row] || depth > PQntuples(g))
    return false;
  visited[row] = 1;
  char *inputs = strdup(db_get(g, row, "inputs"));
  if (inputs == NULL)
    abort();
  bool found = false;
  char *save = NULL;
  for (char *next = strtok_r(inputs, ",", &save); next != NULL && !found;
       next = strtok_r(NULL, ",", &save)) {
    size_t used = strlen(path);
    snprintf(path + used, path_len - used, " -> %s", next);
    found = reaches(g, next, self, visited, path, path_len, depth + 1);
    if (!found)
      path[used] = '\0';
  }
  free(inputs);
  return found;
}

static void formula_error(json_t *errors, const char *message,
                          size_t position) {
  json_array_append_new(errors, json_pack("{s:s, s:s, s:I}", "path",
                                          "$.formula", "message", message,
                                          "position", (json_int_t)position));
}

/* The problems of one input of the formula of `self`, appended. */
static void check_input(const PGresult *g, const char *self, const char *code,
                        size_t position, json_t *errors) {
  char message[512];
  int row;
  if (strcmp(code, self) == 0) {
    snprintf(message, sizeof message,
             "the formula uses its own indicator: %s -> %s", self, self);
  } else if (graph_find(g, code, &row) == NULL) {
    snprintf(message, sizeof message, "no indicator has code %s", code);
  } else if (!is_numeric_type(db_get(g, row, "value_type"))) {
    snprintf(message, sizeof message,
             "%s is a %s indicator: a formula takes numbers (percent, number, "
             "integer)",
             code, db_get(g, row, "value_type"));
  } else if (strcmp(db_get(g, row, "active"), "t") != 0) {
    snprintf(message, sizeof message, "%s is not active", code);
  } else {
    char path[400];
    snprintf(path, sizeof path, "%s -> %s", self, code);
    char *visited = calloc((size_t)PQntuples(g) + 1, 1);
    if (visited == NULL)
      abort();
    bool cycle = reaches(g, code, self, visited, path, sizeof path, 0);
    free(visited);
    if (!cycle)
      return;
    snprintf(message, sizeof message, "the formula makes a cycle: %s", path);
  }
  formula_error(errors, message, position);
}

/* 422 invalid_formula for a formula that does not parse or uses what it
 * may not; true when there is none to check or it is fine (the field spec
 * and the rest follow in resource.c). */
static bool formula_valid(struct request *rq, const char *self,
                          enum jspec_mode mode) {
  const char *text = json_string_value(json_object_get(rq->json, "formula"));
  if (text == NULL || self == NULL)
    return true;
  json_t *errors = json_array();
  size_t bad = jspec_check(rq->json,
                           mode == JSPEC_CREATE ? indicator_create_fields
                                                : indicator_update_fields,
                           mode, errors);
  json_decref(errors);
  if (bad > 0)
    return true; /* answered 400 by the field spec */
  PGresult *g = db_call(rq, STMT_INDICATORS_GRAPH, NULL, NULL);
  if (g == NULL)
    return false;
  int row;
  if (mode == JSPEC_PATCH && graph_find(g, self, &row) == NULL) {
    PQclear(g);
    return true; /* 404 from resource.c */
  }
  errors = json_array();
  char err[160];
  size_t pos = 0;
  struct formula *f = formula_parse(text, err, sizeof err, &pos);
  if (f == NULL)
    formula_error(errors, err, pos);
  for (size_t i = 0; f != NULL && i < formula_input_count(f); i++)
    check_input(g, self, formula_input(f, i), formula_input_position(f, i),
                errors);
  formula_free(f);
  PQclear(g);
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  char detail[600];
  snprintf(
      detail, sizeof detail, "the formula is not valid: %s",
      json_string_value(json_object_get(json_array_get(errors, 0), "message")));
  reply_problem_errors_steal(rq, ERR_INVALID_FORMULA, detail, errors);
  return false;
}

/* --- handlers ------------------------------------------------------------ */

const struct jspec_field indicators_list_params[] = {
    ENUM_FIELD("value_type", 0, value_types),
    ENUM_FIELD("periodicity", 0, periodicities),
    FIELD("computed", JS_BOOLEAN, 0, 0, 0),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column indicator_columns[] = {
    {"code", "Код", TABLE_TEXT},
    {"name", "Наименование", TABLE_TEXT},
    {"description", "Описание", TABLE_TEXT},
    {"value_type", "Тип значения", TABLE_TEXT},
    {"unit", "Единица измерения", TABLE_TEXT},
    {"polarity", "Направленность", TABLE_TEXT},
    {"periodicity", "Периодичность", TABLE_TEXT},
    {"deadline", "Срок представления", TABLE_TEXT},
    {"form", "Способ получения", TABLE_TEXT},
    {"min_value", "Минимум", TABLE_NUMBER},
    {"max_value", "Максимум", TABLE_NUMBER},
    {"formula", "Формула", TABLE_TEXT},
    {"inputs", "Исходные показатели", TABLE_JSON},
    {"source", "Источник", TABLE_TEXT},
    {"active", "Действует", TABLE_BOOLEAN},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec indicator_table =
    TABLE_SPEC("indicators", indicator_columns);

const struct list_spec indicators_list_spec = {
    .params = indicators_list_params,
    .stmt = STMT_INDICATORS_LIST,
    .keyed = true,
    .table = &indicator_table,
};

void indicators_list(struct request *rq) {
  resource_list(rq, &indicators_list_spec);
}

void indicators_create(struct request *rq) {
  const char *code = json_string_value(json_object_get(rq->json, "code"));
  if (formula_valid(rq, code, JSPEC_CREATE))
    resource_create(rq, &indicators);
}

void indicator_get(struct request *rq) {
  resource_get(rq, &indicators);
}

void indicator_update(struct request *rq) {
  char code[CODE_MAX];
  if (request_param_key(rq, "code", code, sizeof code) &&
      formula_valid(rq, code, JSPEC_PATCH))
    resource_update(rq, &indicators);
}

static const char *const group_bys[] = {"municipality", "category", "region",
                                        NULL};

const struct jspec_field indicator_aggregate_params[] = {
    PATTERN_FIELD("period", REQ, 4, 7, PERIOD_PATTERN),
    ENUM_FIELD("group_by", 0, group_bys),
    END_FIELDS,
};

/* '2023/24', not '2023/25'. */
static bool period_valid(const char *period) {
  if (strlen(period) != 7 || period[4] != '/')
    return true;
  int first = atoi(period), second = atoi(period + 5);
  return (first + 1) % 100 == second;
}

/* {indicator, period, group_by, groups: [...]} around the group rows,
 * kept under key unless it is "". */
static void reply_aggregate(struct request *rq, PGresult *r, const char *code,
                            const char *period, const char *group_by,
                            const char *key) {
  size_t len = 128 + strlen(code) + strlen(period);
  for (int i = 0; i < PQntuples(r); i++)
    len += strlen(db_get(r, i, "doc")) + 1;
  char *text = malloc(len);
  if (text == NULL)
    abort();
  /* code, period and group_by passed their patterns: nothing to escape. */
  size_t n = (size_t)snprintf(
      text, len,
      "{\"indicator\":\"%s\",\"period\":\"%s\",\"group_by\":\"%s\","
      "\"groups\":[",
      code, period, group_by);
  for (int i = 0; i < PQntuples(r); i++) {
    if (i > 0)
      text[n++] = ',';
    const char *group = db_get(r, i, "doc");
    size_t group_len = strlen(group);
    memcpy(text + n, group, group_len);
    n += group_len;
  }
  memcpy(text + n, "]}", 2);
  n += 2;
  if (key[0] != '\0')
    kept_put(key, text, n);
  reply_json_text_steal(rq, 200, text, n);
}

static const struct table_column aggregate_columns[] = {
    {"id", "ID группы", TABLE_VALUE}, /* a category's is its code */
    {"name", "Группа", TABLE_TEXT},
    {"schools", "Школ", TABLE_INTEGER},
    {"reported", "Школ со значением", TABLE_INTEGER},
    {"mean", "Среднее", TABLE_NUMBER},
    {"median", "Медиана", TABLE_NUMBER},
    {"min", "Минимум", TABLE_NUMBER},
    {"max", "Максимум", TABLE_NUMBER},
    {"share_true", "Доля ответов «да»", TABLE_NUMBER},
};
static const struct table_spec aggregate_table =
    TABLE_SPEC("indicator-aggregate", aggregate_columns);

/* Named for its indicator and period: indicator-aggregate-CODE-2023-24. */
static void reply_aggregate_csv(struct request *rq, const PGresult *r,
                                const char *code, const char *period) {
  char qualifier[96];
  snprintf(qualifier, sizeof qualifier, "%s-%s", code, period);
  reply_table(rq, &aggregate_table, r, 0, 1, qualifier);
}

/* Answers the aggregate kept under the change numbers of now, if any;
 * else leaves in key what to keep the answer under ("" for nothing).
 * False when it answered (the kept answer, or a failed statement). */
static bool aggregate_kept(struct request *rq, const char *code,
                           const char *period, const char *group_by,
                           char key[KEPT_KEY_MAX]) {
  PGresult *r = db_call(rq, STMT_INDICATOR_AGGREGATE_STAMP,
                        (const struct db_arg[]){{"code", code}, DB_END}, NULL);
  if (r == NULL)
    return false;
  char what[KEPT_KEY_MAX];
  int n =
      snprintf(what, sizeof what, "aggregate|%s|%s|%s", code, period, group_by);
  bool answered = PQntuples(r) == 1 && n > 0 && (size_t)n < sizeof what &&
                  reply_kept_under_stamp(rq, what, db_get(r, 0, "stamp"), key);
  PQclear(r);
  return !answered;
}

void indicator_aggregate(struct request *rq) {
  char code[CODE_MAX];
  if (!request_param_key(rq, "code", code, sizeof code))
    return;
  json_t *query = request_query_checked(rq, indicator_aggregate_params);
  if (query == NULL)
    return;
  const char *period = json_string_value(json_object_get(query, "period"));
  const char *group_by = json_string_value(json_object_get(query, "group_by"));
  if (group_by == NULL)
    group_by = "municipality";
  if (!period_valid(period)) {
    json_t *errors = json_array();
    jspec_error(errors, "query.period",
                "a school year's second part is the next year (2023/24)");
    reply_validation_steal(rq, errors);
    json_decref(query);
    return;
  }
  char key[KEPT_KEY_MAX] = "";
  if (!request_wants_table(rq) &&
      !aggregate_kept(rq, code, period, group_by, key)) {
    json_decref(query);
    return;
  }
  PGresult *r = db_call(
      rq, STMT_INDICATOR_AGGREGATE,
      (const struct db_arg[]){{"code", code}, {"group_by", group_by}, DB_END},
      query);
  if (r != NULL && PQntuples(r) == 0) {
    PGresult *found =
        db_call(rq, STMT_INDICATOR_GET,
                (const struct db_arg[]){{"id", code}, DB_END}, NULL);
    bool missing = found != NULL && PQntuples(found) == 0;
    PQclear(found);
    if (found == NULL || missing) {
      if (missing) {
        char detail[120];
        snprintf(detail, sizeof detail, "no indicator has code %s", code);
        reply_problem(rq, ERR_NOT_FOUND, detail);
      }
      PQclear(r);
      r = NULL;
    }
  }
  if (r != NULL && request_wants_table(rq))
    reply_aggregate_csv(rq, r, code, period);
  else if (r != NULL)
    reply_aggregate(rq, r, code, period, group_by, key);
  PQclear(r);
  json_decref(query);
}
