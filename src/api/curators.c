/* /api/v1/schools/{id}/curators: who curates the school, and when. */
#include "audit.h"
#include "checks.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

const struct jspec_field curator_fields[] = {
    FIELD("full_name", JS_STRING, REQ, 1, 200),
    FIELD("position", JS_STRING, OPT_NULL, 1, 200),
    FIELD("organisation", JS_STRING, OPT_NULL, 1, 300),
    FIELD("email", JS_EMAIL, OPT_NULL, 0, 0),
    FIELD("phone", JS_STRING, OPT_NULL, 1, 50),
    FIELD("starts_on", JS_DATE, REQ, 0, 0),
    FIELD("ends_on", JS_DATE, OPT_NULL, 0, 0),
    FIELD("user_id", JS_ID, OPT_NULL, 0, 0),
    FIELD("school_id", JS_ID, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

static void check_curator(struct request *rq, const json_t *body,
                          json_t *errors) {
  (void)rq;
  check_date_order(body, "starts_on", "ends_on", errors);
}

static const struct resource curators = {
    .what = "curator",
    .collection = "curators",
    .id_param = "curator_id",
    .parent = &school_parent,
    .fields = curator_fields,
    .check = check_curator,
    .get = STMT_CURATOR_GET,
    .insert = STMT_CURATOR_INSERT,
    .update = STMT_CURATOR_UPDATE,
    .entity = "school_curator",
    .audit_place = AUDIT_PLACE_PARENT,
};

const struct jspec_field curators_list_params[] = {PAGE_PARAMS, END_FIELDS};
static const struct table_column curator_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"school_id", "ID школы", TABLE_INTEGER},
    {"user_id", "ID пользователя", TABLE_INTEGER},
    {"full_name", "ФИО", TABLE_TEXT},
    {"position", "Должность", TABLE_TEXT},
    {"organisation", "Организация", TABLE_TEXT},
    {"email", "Эл. почта", TABLE_TEXT},
    {"phone", "Телефон", TABLE_TEXT},
    {"starts_on", "Начало", TABLE_DATE},
    {"ends_on", "Окончание", TABLE_DATE},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec curator_table =
    TABLE_SPEC("school-curators", curator_columns);

const struct list_spec curators_list_spec = {
    .params = curators_list_params,
    .stmt = STMT_CURATORS_LIST,
    .parent = &school_parent,
    .table = &curator_table,
};

void curators_list(struct request *rq) {
  resource_list(rq, &curators_list_spec);
}
void curators_create(struct request *rq) {
  resource_create(rq, &curators);
}
void curator_update(struct request *rq) {
  resource_update(rq, &curators);
}
void curator_delete(struct request *rq) {
  resource_delete(rq, &curators, STMT_CURATOR_DELETE);
}
