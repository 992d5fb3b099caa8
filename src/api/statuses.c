/* /api/v1/schools/{id}/statuses: a school's support category (ШНОР, ШНСУ,
 * группа риска) per school year. A status is closed, never deleted: the
 * closed rows are the school's history. */
#include <libpq-fe.h>

#include "audit.h"
#include "checks.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const categories[] = {"SHNOR", "SHNSU", "RISK_GROUP", NULL};

#define STATUS_EDITABLE_FIELDS                                                 \
  FIELD("basis", JS_STRING, REQ, 1, 500),                                      \
      FIELD("included_on", JS_DATE, REQ, 0, 0),                                \
      FIELD("excluded_on", JS_DATE, 0, 0, 0),                                  \
      FIELD("exclusion_reason", JS_STRING, 0, 1, 500)

const struct jspec_field status_create_fields[] = {
    ENUM_FIELD("category", REQ, categories),
    FIELD("school_year", JS_INTEGER, REQ, 2000, 2100),
    STATUS_EDITABLE_FIELDS,
    FIELD("school_id", JS_ID, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

/* Category and year name the status; a different one is a new status. */
const struct jspec_field status_update_fields[] = {
    STATUS_EDITABLE_FIELDS,
    ENUM_FIELD("category", JS_READONLY, categories),
    FIELD("school_year", JS_INTEGER, JS_READONLY, 0, 0),
    FIELD("school_id", JS_ID, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

static void check_status(struct request *rq, const json_t *body,
                         json_t *errors) {
  check_date_order(body, "included_on", "excluded_on", errors);
  /* Closing takes a date and a reason. On a patch, a reason alone may
   * correct the reason of a closed status. */
  bool has_date = json_object_get(body, "excluded_on") != NULL;
  bool has_reason = json_object_get(body, "exclusion_reason") != NULL;
  if (has_date && !has_reason)
    jspec_error(errors, "$.exclusion_reason",
                "is required when excluded_on is set");
  else if (has_reason && !has_date && rq->method == HTTP_POST)
    jspec_error(errors, "$.excluded_on",
                "is required when exclusion_reason is set");
}

/* Closing twice would rewrite history: refuse it. */
static bool refuse_reclosing(struct request *rq, struct write *w) {
  if (!json_is_string(json_object_get(rq->json, "excluded_on")))
    return true;
  const struct db_arg args[] = {
      {"id", w->id_text}, {"school", w->parent_text}, DB_END};
  PGresult *r = db_call(rq, STMT_STATUS_IS_CLOSED, args, NULL);
  if (r == NULL)
    return false;
  bool closed = PQntuples(r) == 1 && db_get(r, 0, "closed")[0] == 't';
  PQclear(r);
  if (closed)
    reply_problem(rq, ERR_CONFLICT,
                  "the status is already closed; open a new one instead");
  return !closed;
}

static const struct resource statuses = {
    .what = "status",
    .collection = "statuses",
    .id_param = "status_id",
    .parent = &school_parent,
    .fields = status_create_fields,
    .update_fields = status_update_fields,
    .check = check_status,
    .check_transition = refuse_reclosing,
    .get = STMT_STATUS_GET,
    .insert = STMT_STATUS_INSERT,
    .update = STMT_STATUS_UPDATE,
    .entity = "school_status",
    .audit_place = AUDIT_PLACE_PARENT,
};

const struct jspec_field statuses_list_params[] = {
    ENUM_FIELD("category", 0, categories),
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column status_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"school_id", "ID школы", TABLE_INTEGER},
    {"category", "Категория", TABLE_TEXT},
    {"school_year", "Учебный год", TABLE_INTEGER},
    {"basis", "Основание", TABLE_TEXT},
    {"included_on", "Дата включения", TABLE_DATE},
    {"excluded_on", "Дата исключения", TABLE_DATE},
    {"exclusion_reason", "Причина исключения", TABLE_TEXT},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec status_table =
    TABLE_SPEC("school-statuses", status_columns);

const struct list_spec statuses_list_spec = {
    .params = statuses_list_params,
    .stmt = STMT_STATUSES_LIST,
    .parent = &school_parent,
    .table = &status_table,
};

void statuses_list(struct request *rq) {
  resource_list(rq, &statuses_list_spec);
}
void statuses_create(struct request *rq) {
  resource_create(rq, &statuses);
}
void status_update(struct request *rq) {
  resource_update(rq, &statuses);
}
