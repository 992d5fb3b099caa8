/* What authorities read of assessment results: the per-school statistics
 * that pushes keep (assessment_school_stats), never participants' rows.
 * Every statement filters by the caller's scope (docs/ASSESSMENTS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const kinds[] = {"VPR", "OGE", "EGE", "REGIONAL", NULL};
static const char *const categories[] = {"SHNOR", "SHNSU", "RISK_GROUP", NULL};
static const char *const sorts[] = {"school",
                                    "share_fail",
                                    "-share_fail",
                                    "mean_primary_score",
                                    "-mean_primary_score",
                                    NULL};

/* --- GET /schools/{id}/assessments -----------------------------------------
 */

const struct jspec_field school_assessments_params[] = {
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    ENUM_FIELD("kind", 0, kinds),
    PAGE_PARAMS,
    END_FIELDS,
};
static const struct table_column school_stats_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"kind", "Вид", TABLE_TEXT},
    {"year", "Год", TABLE_INTEGER},
    {"grade", "Класс", TABLE_INTEGER},
    {"subject_code", "Код предмета", TABLE_TEXT},
    {"subject_name", "Предмет", TABLE_TEXT},
    {"variant_set", "Набор вариантов", TABLE_TEXT},
    {"max_primary_score", "Максимальный первичный балл", TABLE_INTEGER},
    {"stats.participants", "Участников", TABLE_INTEGER},
    {"stats.marks.2", "Отметок 2", TABLE_INTEGER},
    {"stats.marks.3", "Отметок 3", TABLE_INTEGER},
    {"stats.marks.4", "Отметок 4", TABLE_INTEGER},
    {"stats.marks.5", "Отметок 5", TABLE_INTEGER},
    {"stats.failed", "Не справились", TABLE_INTEGER},
    {"stats.share_fail", "Доля не справившихся, %", TABLE_NUMBER},
    {"stats.share_good", "Доля отметок 4 и 5, %", TABLE_NUMBER},
    {"stats.mean_primary_score", "Средний первичный балл", TABLE_NUMBER},
    {"stats.test_scored", "С тестовым баллом", TABLE_INTEGER},
    {"stats.mean_test_score", "Средний тестовый балл", TABLE_NUMBER},
    {"stats.journal.known", "С отметкой в журнале", TABLE_INTEGER},
    {"stats.journal.confirmed", "Подтвердили отметку", TABLE_INTEGER},
    {"stats.journal.lowered", "Понизили отметку", TABLE_INTEGER},
    {"stats.journal.raised", "Повысили отметку", TABLE_INTEGER},
    {"stats.journal.share_confirmed", "Доля подтвердивших, %", TABLE_NUMBER},
    {"stats.journal.share_lowered", "Доля понизивших, %", TABLE_NUMBER},
    {"stats.journal.share_raised", "Доля повысивших, %", TABLE_NUMBER},
    {"stats.evidence", "Надёжность", TABLE_TEXT},
    {"stats.updated_at", "Обновлено", TABLE_TIMESTAMP},
};
static const struct table_spec school_stats_table =
    TABLE_SPEC("school-assessments", school_stats_columns);

const struct list_spec school_assessments_spec = {
    .params = school_assessments_params,
    .stmt = STMT_SCHOOL_ASSESSMENTS,
    .parent = &school_parent,
    .keyed = true,
    .table = &school_stats_table,
};

void school_assessments(struct request *rq) {
  resource_list(rq, &school_assessments_spec);
}

/* The instrument exists (a catalogue: anyone who reads statistics sees
 * it); false after answering 404 or a failed statement. */
static bool instrument_exists(struct request *rq, const char *id) {
  PGresult *r = db_call(rq, STMT_ASSESSMENT_GET,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found) {
    char detail[64];
    snprintf(detail, sizeof detail, "no assessment has id %s", id);
    reply_problem(rq, ERR_NOT_FOUND, detail);
  }
  return found;
}

/* --- GET /assessments/{id}/schools ---------------------------------------- */

const struct jspec_field assessment_schools_params[] = {
    FIELD("municipality", JS_ID, 0, 0, 0),
    ENUM_FIELD("category", 0, categories),
    ENUM_FIELD("sort", 0, sorts),
    PAGE_PARAMS,
    END_FIELDS,
};

/* A cursor's key is "<number>|<text>" (src/db/sql/assessments.def). */
static bool cursor_key_valid(const char *key) {
  if (key == NULL)
    return true;
  const char *bar = strchr(key, '|');
  if (bar == NULL || bar == key)
    return false;
  char *end;
  strtod(key, &end);
  return end == bar;
}

void assessment_schools(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, assessment_schools_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  const char *sort = json_string_value(json_object_get(query, "sort"));
  if (!cursor_key_valid(page.cursor_key)) {
    json_t *errors = json_array();
    jspec_error(
        errors, "query.cursor",
        "is not a cursor this list returned: start from the first page");
    reply_validation_steal(rq, errors);
  } else if (instrument_exists(rq, id_text)) {
    const struct db_arg args[] = {
        {"assessment", id_text},
        {"sort", sort != NULL ? sort : "school"},
        {"cursor_key", page.cursor_key},
        {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
        {"limit", page.limit_plus_one},
        DB_END};
    PGresult *r = db_call(rq, STMT_ASSESSMENT_SCHOOLS, args, query);
    if (r != NULL)
      reply_page(rq, r, &page);
  }
  page_end(&page);
  json_decref(query);
}

/* --- GET /assessments/{id}/distribution ----------------------------------- */

const struct jspec_field assessment_distribution_params[] = {
    FIELD("school", JS_ID, 0, 0, 0),
    END_FIELDS,
};

void assessment_distribution(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, assessment_distribution_params);
  if (query == NULL)
    return;
  char id_text[24], school_buf[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  const char *school =
      query_param(query, "school", school_buf, sizeof school_buf);
  if (school == NULL || school_in_sight(rq, school)) {
    const struct db_arg args[] = {
        {"assessment", id_text}, {"school", school}, DB_END};
    PGresult *r = db_call(rq, STMT_ASSESSMENT_DISTRIBUTION, args, NULL);
    if (r != NULL && PQntuples(r) == 0) {
      char detail[64];
      snprintf(detail, sizeof detail, "no assessment has id %s", id_text);
      reply_problem(rq, ERR_NOT_FOUND, detail);
    } else if (r != NULL) {
      const char *doc = db_get(r, 0, "doc");
      reply_json_text(rq, 200, doc, strlen(doc));
    }
    PQclear(r);
  }
  json_decref(query);
}
