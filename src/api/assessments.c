/* /api/v1/assessments: the instruments (ВПР, ОГЭ, ЕГЭ, regional
 * diagnostics) that results are pushed against (docs/ASSESSMENTS.md). A
 * global catalogue: its statements take no scope. Once participants'
 * results exist, what they were checked against stays as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessments.h"
#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const kinds[] = {"VPR", "OGE", "EGE", "REGIONAL", NULL};
static const char *const levels[] = {"basic", "advanced", NULL};
static const char *const parts[] = {"short", "extended", NULL};

#define SUBJECT_PATTERN "^[a-z][a-z0-9_]{0,31}$"
#define VARIANT_SET_PATTERN "^[a-z0-9_]{0,32}$"
#define TASK_NUMBER_PATTERN "^[0-9]+(\\.[0-9]+)*$"

static const struct jspec_field task_fields[] = {
    PATTERN_FIELD("number", REQ, 1, RESULTS_TASK_NUMBER_MAX,
                  TASK_NUMBER_PATTERN),
    FIELD("max_score", JS_INTEGER, REQ, 1, 100),
    ENUM_FIELD("level", REQ, levels),
    ENUM_FIELD("part", 0, parts),
    FIELD("element", JS_TEXT, OPT_NULL, 1, 1000),
    END_FIELDS,
};
static const struct jspec_field task_item = {"task", JS_OBJECT,   0,    0,   0,
                                             NULL,   task_fields, NULL, NULL};

const struct jspec_field assessment_fields[] = {
    ENUM_FIELD("kind", REQ, kinds),
    FIELD("year", JS_INTEGER, REQ, 2000, 2100),
    FIELD("grade", JS_INTEGER, REQ, 1, 11),
    PATTERN_FIELD("subject_code", REQ, 1, 32, SUBJECT_PATTERN),
    FIELD("subject_name", JS_STRING, REQ, 1, 200),
    PATTERN_FIELD("variant_set", 0, 0, 32, VARIANT_SET_PATTERN),
    FIELD("held_on", JS_DATE, OPT_NULL, 0, 0),
    FIELD("max_primary_score", JS_INTEGER, REQ, 1, 1000),
    FIELD("mark3_from", JS_INTEGER, OPT_NULL, 1, 1000),
    FIELD("mark4_from", JS_INTEGER, OPT_NULL, 1, 1000),
    FIELD("mark5_from", JS_INTEGER, OPT_NULL, 1, 1000),
    FIELD("min_test_score", JS_INTEGER, OPT_NULL, 0, 100),
    {"tasks", JS_ARRAY, REQ, 1, RESULTS_MAX_TASKS, NULL, NULL, &task_item,
     NULL},
    READONLY_FIELDS,
    END_FIELDS,
};

/* What participants' results were checked against: fixed once they exist. */
static const char *const locked[] = {"kind",
                                     "year",
                                     "grade",
                                     "subject_code",
                                     "variant_set",
                                     "tasks",
                                     "max_primary_score",
                                     NULL};

static json_int_t int_of(const json_t *doc, const char *name, bool *given) {
  const json_t *v = json_object_get(doc, name);
  *given = json_is_integer(v);
  return *given ? json_integer_value(v) : 0;
}

/* The rules across fields, on a whole instrument (a create's body, or the
 * stored one with a patch applied); appends every problem. */
static void check_whole(const json_t *doc, json_t *errors) {
  const json_t *tasks = json_object_get(doc, "tasks");
  json_int_t sum = 0;
  for (size_t i = 0; i < json_array_size(tasks); i++) {
    const json_t *t = json_array_get(tasks, i);
    json_int_t task_max = json_integer_value(json_object_get(t, "max_score"));
    sum += task_max;
    const char *part = json_string_value(json_object_get(t, "part"));
    if (part != NULL && strcmp(part, "short") == 0 && task_max > 9) {
      char path[48];
      snprintf(path, sizeof path, "$.tasks[%zu].max_score", i);
      jspec_error(errors, path,
                  "a short-answer task scores at most 9 (one character of "
                  "the block)");
    }
    const char *number = json_string_value(json_object_get(t, "number"));
    for (size_t j = 0; number != NULL && j < i; j++) {
      const char *earlier = json_string_value(
          json_object_get(json_array_get(tasks, j), "number"));
      if (earlier != NULL && strcmp(earlier, number) == 0) {
        char path[48], message[96];
        snprintf(path, sizeof path, "$.tasks[%zu].number", i);
        snprintf(message, sizeof message, "repeats the number of $.tasks[%zu]",
                 j);
        jspec_error(errors, path, message);
        break;
      }
    }
  }
  bool has_max, has3, has4, has5;
  json_int_t max = int_of(doc, "max_primary_score", &has_max);
  if (has_max && json_array_size(tasks) > 0 && sum != max) {
    char message[128];
    snprintf(message, sizeof message,
             "must equal the sum of the tasks' max_score (%lld)",
             (long long)sum);
    jspec_error(errors, "$.max_primary_score", message);
  }
  json_int_t m3 = int_of(doc, "mark3_from", &has3);
  json_int_t m4 = int_of(doc, "mark4_from", &has4);
  json_int_t m5 = int_of(doc, "mark5_from", &has5);
  if (has3 || has4 || has5) {
    static const char *const names[] = {"$.mark3_from", "$.mark4_from",
                                        "$.mark5_from"};
    const bool has[] = {has3, has4, has5};
    for (int i = 0; i < 3; i++)
      if (!has[i])
        jspec_error(errors, names[i],
                    "mark3_from, mark4_from and mark5_from go together");
  }
  if (has3 && has4 && m4 <= m3)
    jspec_error(errors, "$.mark4_from", "must be greater than mark3_from");
  if (has4 && has5 && m5 <= m4)
    jspec_error(errors, "$.mark5_from", "must be greater than mark4_from");
  if (has5 && has_max && m5 > max)
    jspec_error(errors, "$.mark5_from",
                "must not be greater than max_primary_score");
  const char *kind = json_string_value(json_object_get(doc, "kind"));
  if (json_is_integer(json_object_get(doc, "min_test_score")) && kind != NULL &&
      strcmp(kind, "EGE") != 0)
    jspec_error(errors, "$.min_test_score",
                "only an EGE instrument has a minimum test score");
}

/* A create's body as a whole; a patch is checked with the stored row in
 * the update's transaction (check_change). */
static void check_assessment(struct request *rq, const json_t *body,
                             json_t *errors) {
  if (rq->method != HTTP_PATCH)
    check_whole(body, errors);
}

/* The instrument's id, as its statements take it. */
#define ID_ARGS(id)                                                            \
  (const struct db_arg[]) {                                                    \
    {"id", (id)}, DB_END                                                       \
  }

static json_t *stored_doc(struct request *rq, const char *id) {
  PGresult *r = db_call(rq, STMT_ASSESSMENT_GET, ID_ARGS(id), NULL);
  if (r == NULL)
    return NULL;
  json_t *doc = PQntuples(r) == 1
                    ? json_loads(db_get(r, 0, "doc"), JSON_DECODE_ANY, NULL)
                    : NULL;
  PQclear(r);
  if (doc == NULL)
    abort(); /* read before by resource.c: it is there */
  return doc;
}

static bool has_results(struct request *rq, const char *id, bool *out) {
  PGresult *r = db_call(rq, STMT_ASSESSMENT_HAS_RESULTS, ID_ARGS(id), NULL);
  if (r == NULL)
    return false;
  *out = strcmp(db_get(r, 0, "has_results"), "t") == 0;
  PQclear(r);
  return true;
}

/* Not deleted while participants' results exist (or are being pushed). */
static bool check_delete(struct request *rq, struct write *w) {
  bool results = false;
  if (!has_results(rq, w->id_text, &results))
    return false;
  if (results)
    reply_problem(rq, ERR_CONFLICT,
                  "participants' results of this instrument exist (or are "
                  "being pushed): it cannot be deleted");
  return !results;
}

/* In the update's transaction, after the row was read: the patched
 * instrument as a whole (400), the fields that results fix (409), and the
 * partition of a new year. */
static bool check_change(struct request *rq, struct write *w) {
  const char *id_text = w->id_text;
  json_t *now = stored_doc(rq, id_text);
  if (now == NULL)
    return false;
  json_t *merged = json_deep_copy(now);
  json_object_update(merged, rq->json);
  json_t *errors = json_array();
  check_whole(merged, errors);
  json_decref(merged);
  if (json_array_size(errors) > 0) {
    json_decref(now);
    reply_validation_steal(rq, errors);
    return false;
  }
  bool results = false;
  if (!has_results(rq, id_text, &results)) {
    json_decref(now);
    json_decref(errors);
    return false;
  }
  for (size_t i = 0; results && locked[i] != NULL; i++) {
    const json_t *want = json_object_get(rq->json, locked[i]);
    if (want != NULL && !json_equal(want, json_object_get(now, locked[i]))) {
      char path[48];
      snprintf(path, sizeof path, "$.%s", locked[i]);
      jspec_error(errors, path,
                  "participants' results were checked against it: it cannot "
                  "change while they exist");
    }
  }
  const json_t *year = json_object_get(rq->json, "year");
  bool new_year =
      json_is_integer(year) && !json_equal(year, json_object_get(now, "year"));
  json_decref(now);
  if (json_array_size(errors) > 0) {
    reply_problem_errors_steal(
        rq, ERR_CONFLICT,
        "the instrument has participants' results: its kind, year, grade, "
        "subject, variant set, tasks and maximum score cannot change",
        errors);
    return false;
  }
  json_decref(errors);
  if (!new_year)
    return true;
  /* The new year's partition: `year` binds from the patch. */
  PGresult *r = db_call(rq, STMT_ASSESSMENT_PARTITION, NULL, rq->json);
  PQclear(r);
  return r != NULL;
}

static const struct resource assessments = {
    .what = "assessment",
    .collection = "/api/v1/assessments",
    .id_param = "id",
    .fields = assessment_fields,
    .check = check_assessment,
    .check_transition = check_change,
    .check_delete = check_delete,
    .get = STMT_ASSESSMENT_GET,
    .insert = STMT_ASSESSMENT_INSERT,
    .update = STMT_ASSESSMENT_UPDATE,
    .entity = "assessment",
    .audit_place = AUDIT_PLACE_NONE,
};

const struct jspec_field assessments_list_params[] = {
    ENUM_FIELD("kind", 0, kinds),
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    FIELD("grade", JS_INTEGER, 0, 1, 11),
    PATTERN_FIELD("subject_code", 0, 1, 32, SUBJECT_PATTERN),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column assessment_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"kind", "Вид", TABLE_TEXT},
    {"year", "Год", TABLE_INTEGER},
    {"grade", "Класс", TABLE_INTEGER},
    {"subject_code", "Код предмета", TABLE_TEXT},
    {"subject_name", "Предмет", TABLE_TEXT},
    {"variant_set", "Набор вариантов", TABLE_TEXT},
    {"held_on", "Дата проведения", TABLE_DATE},
    {"max_primary_score", "Максимальный первичный балл", TABLE_INTEGER},
    {"mark3_from", "Отметка 3 от балла", TABLE_INTEGER},
    {"mark4_from", "Отметка 4 от балла", TABLE_INTEGER},
    {"mark5_from", "Отметка 5 от балла", TABLE_INTEGER},
    {"min_test_score", "Минимальный тестовый балл", TABLE_INTEGER},
    {"tasks", "Задания", TABLE_JSON},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec assessment_table =
    TABLE_SPEC("assessments", assessment_columns);

const struct list_spec assessments_list_spec = {
    .params = assessments_list_params,
    .stmt = STMT_ASSESSMENTS_LIST,
    .keyed = true,
    .table = &assessment_table,
};

void assessments_list(struct request *rq) {
  resource_list(rq, &assessments_list_spec);
}

void assessments_create(struct request *rq) {
  resource_create(rq, &assessments);
}

void assessment_get(struct request *rq) {
  resource_get(rq, &assessments);
}

void assessment_update(struct request *rq) {
  resource_update(rq, &assessments);
}

void assessment_delete(struct request *rq) {
  resource_delete(rq, &assessments, STMT_ASSESSMENT_DELETE);
}

/* --- for the push ----------------------------------------------------------
 */

static enum assessment_kind kind_of(const char *text) {
  if (strcmp(text, "OGE") == 0)
    return ASSESSMENT_OGE;
  if (strcmp(text, "EGE") == 0)
    return ASSESSMENT_EGE;
  if (strcmp(text, "REGIONAL") == 0)
    return ASSESSMENT_REGIONAL;
  return ASSESSMENT_VPR;
}

static int int_at(const PGresult *r, const char *column) {
  return (int)strtol(db_get(r, 0, column), NULL, 10);
}

bool assessment_load(struct request *rq, int64_t id, struct instrument *out) {
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  PGresult *r = db_call(rq, STMT_ASSESSMENT_LOAD, ID_ARGS(id_text), NULL);
  if (r == NULL)
    return false;
  if (PQntuples(r) == 0) {
    PQclear(r);
    char detail[64];
    snprintf(detail, sizeof detail, "no assessment has id %s", id_text);
    reply_problem(rq, ERR_NOT_FOUND, detail);
    return false;
  }
  memset(out, 0, sizeof *out);
  out->id = strtoll(db_get(r, 0, "id"), NULL, 10);
  out->year = int_at(r, "year");
  out->kind = kind_of(db_get(r, 0, "kind"));
  out->max_primary_score = int_at(r, "max_primary_score");
  out->mark3_from = int_at(r, "mark3_from");
  out->mark4_from = int_at(r, "mark4_from");
  out->mark5_from = int_at(r, "mark5_from");
  out->min_test_score = int_at(r, "min_test_score");
  json_t *tasks = json_loads(db_get(r, 0, "tasks"), 0, NULL);
  PQclear(r);
  for (size_t i = 0; i < json_array_size(tasks) && i < RESULTS_MAX_TASKS; i++) {
    const json_t *t = json_array_get(tasks, i);
    const char *number = json_string_value(json_object_get(t, "number"));
    snprintf(out->task_number[i], sizeof out->task_number[i], "%s",
             number != NULL ? number : "");
    out->task_max[i] = (int)json_integer_value(json_object_get(t, "max_score"));
    const char *part = json_string_value(json_object_get(t, "part"));
    out->task_short[i] = part != NULL && strcmp(part, "short") == 0;
    out->n_short += out->task_short[i];
    const char *level = json_string_value(json_object_get(t, "level"));
    out->task_basic[i] = level != NULL && strcmp(level, "basic") == 0;
    if (out->task_basic[i])
      out->basic_max += out->task_max[i];
    out->n_tasks = i + 1;
  }
  json_decref(tasks);
  return true;
}
