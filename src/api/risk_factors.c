/* /api/v1/risk-factors: the catalogue of risk factors (docs/PLANS.md). The
 * same for every reader: its statements take no scope. */
#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const groups[] = {"resources", "management", "climate",
                                     "students", NULL};

#define RISK_FACTOR_TEXTS                                                      \
  FIELD("name_en", JS_STRING, OPT_NULL, 1, 500),                               \
      FIELD("description", JS_TEXT, OPT_NULL, 1, 4000),                        \
      FIELD("active", JS_BOOLEAN, 0, 0, 0)

const struct jspec_field risk_factor_create_fields[] = {
    PATTERN_FIELD("code", REQ, 4, 5, "^RF[0-9]{2,3}$"),
    ENUM_FIELD("group", REQ, groups),
    FIELD("name", JS_STRING, REQ, 1, 500),
    RISK_FACTOR_TEXTS,
    READONLY_FIELDS,
    END_FIELDS,
};

/* A code names the factor for good: profiles and plans refer to it. */
const struct jspec_field risk_factor_update_fields[] = {
    FIELD("code", JS_STRING, JS_READONLY, 0, 0),
    ENUM_FIELD("group", 0, groups),
    FIELD("name", JS_STRING, 0, 1, 500),
    RISK_FACTOR_TEXTS,
    READONLY_FIELDS,
    END_FIELDS,
};

static const struct resource risk_factors = {
    .what = "risk factor",
    .collection = "/api/v1/risk-factors",
    .id_param = "code",
    .text_key = true,
    .fields = risk_factor_create_fields,
    .update_fields = risk_factor_update_fields,
    .get = STMT_RISK_FACTOR_GET,
    .insert = STMT_RISK_FACTOR_INSERT,
    .update = STMT_RISK_FACTOR_UPDATE,
    .entity = "risk_factor",
    .audit_place = AUDIT_PLACE_NONE,
};

const struct jspec_field risk_factors_list_params[] = {
    ENUM_FIELD("group", 0, groups),
    FIELD("active", JS_BOOLEAN, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column risk_factor_columns[] = {
    {"code", "Код", TABLE_TEXT},
    {"group", "Группа", TABLE_TEXT},
    {"name", "Наименование", TABLE_TEXT},
    {"name_en", "Наименование на английском", TABLE_TEXT},
    {"description", "Описание", TABLE_TEXT},
    {"active", "Действует", TABLE_BOOLEAN},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec risk_factor_table =
    TABLE_SPEC("risk-factors", risk_factor_columns);

const struct list_spec risk_factors_list_spec = {
    .params = risk_factors_list_params,
    .stmt = STMT_RISK_FACTORS_LIST,
    .keyed = true,
    .table = &risk_factor_table,
};

void risk_factors_list(struct request *rq) {
  resource_list(rq, &risk_factors_list_spec);
}
void risk_factors_create(struct request *rq) {
  resource_create(rq, &risk_factors);
}
void risk_factor_get(struct request *rq) {
  resource_get(rq, &risk_factors);
}
void risk_factor_update(struct request *rq) {
  resource_update(rq, &risk_factors);
}
