/* /api/v1/schools/{id}/partners: network partnerships (сетевое партнёрство)
 * and mentoring (наставничество) between a supported school and a school of
 * high results. Each is listed under both schools. */
#include <stdlib.h>

#include "audit.h"
#include "checks.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const kinds[] = {"NETWORK", "MENTORING", NULL};

const struct jspec_field partner_fields[] = {
    FIELD("partner_school_id", JS_ID, REQ, 0, 0),
    ENUM_FIELD("kind", REQ, kinds),
    FIELD("agreement", JS_STRING, OPT_NULL, 1, 500),
    FIELD("starts_on", JS_DATE, REQ, 0, 0),
    FIELD("ends_on", JS_DATE, OPT_NULL, 0, 0),
    FIELD("school_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("school", JS_OBJECT, JS_READONLY, 0, 0),
    FIELD("partner_school", JS_OBJECT, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

static void check_partner(struct request *rq, const json_t *body,
                          json_t *errors) {
  check_date_order(body, "starts_on", "ends_on", errors);
  const json_t *partner = json_object_get(body, "partner_school_id");
  int64_t school;
  /* The path id was read before the body; it is valid here. */
  if (json_is_integer(partner) && request_param_id(rq, "id", &school) &&
      json_integer_value(partner) == school)
    jspec_error(errors, "$.partner_school_id",
                "a school cannot partner with itself");
}

static const struct resource partners = {
    .what = "partnership",
    .collection = "partners",
    .id_param = "partner_id",
    .parent = &school_parent,
    .fields = partner_fields,
    .check = check_partner,
    .get = STMT_PARTNER_GET,
    .insert = STMT_PARTNER_INSERT,
    .update = STMT_PARTNER_UPDATE,
    .entity = "school_partnership",
    .audit_place = AUDIT_PLACE_PARENT,
};

const struct jspec_field partners_list_params[] = {PAGE_PARAMS, END_FIELDS};
static const struct table_column partner_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"school.id", "ID школы", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"partner_school.id", "ID школы-партнёра", TABLE_INTEGER},
    {"partner_school.code", "Код школы-партнёра", TABLE_TEXT},
    {"partner_school.short_name", "Школа-партнёр", TABLE_TEXT},
    {"kind", "Вид партнёрства", TABLE_TEXT},
    {"agreement", "Соглашение", TABLE_TEXT},
    {"starts_on", "Начало", TABLE_DATE},
    {"ends_on", "Окончание", TABLE_DATE},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec partner_table =
    TABLE_SPEC("school-partners", partner_columns);

const struct list_spec partners_list_spec = {
    .params = partners_list_params,
    .stmt = STMT_PARTNERS_LIST,
    .parent = &school_parent,
    .table = &partner_table,
};

void partners_list(struct request *rq) {
  resource_list(rq, &partners_list_spec);
}
void partners_create(struct request *rq) {
  resource_create(rq, &partners);
}
void partner_update(struct request *rq) {
  resource_update(rq, &partners);
}
void partner_delete(struct request *rq) {
  resource_delete(rq, &partners, STMT_PARTNER_DELETE);
}
