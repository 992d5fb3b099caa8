/* /api/v1/municipalities: districts and urban okrugs of a region. */
#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const kinds[] = {"MUNICIPAL_DISTRICT", "MUNICIPAL_OKRUG",
                                    "CITY_OKRUG", "CITY_DISTRICT", NULL};

const struct jspec_field municipality_fields[] = {
    FIELD("region_id", JS_ID, REQ, 0, 0),
    FIELD("code", JS_STRING, REQ, 1, 32),
    FIELD("name", JS_STRING, REQ, 1, 300),
    ENUM_FIELD("kind", 0, kinds),
    READONLY_FIELDS,
    END_FIELDS,
};

static const struct resource municipalities = {
    .what = "municipality",
    .collection = "/api/v1/municipalities",
    .id_param = "id",
    .fields = municipality_fields,
    .get = STMT_MUNICIPALITY_GET,
    .insert = STMT_MUNICIPALITY_INSERT,
    .update = STMT_MUNICIPALITY_UPDATE,
    .scope_field = "$.region_id",
    .scope_message = "the region is outside your scope",
    .entity = "municipality",
    .audit_place = AUDIT_PLACE_MUNICIPALITY,
};

const struct jspec_field municipalities_list_params[] = {
    FIELD("region", JS_ID, 0, 0, 0),
    FIELD("q", JS_STRING, 0, 1, 200),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column municipality_columns[] = {
    {"id", "ID", TABLE_INTEGER}, {"region_id", "ID региона", TABLE_INTEGER},
    {"code", "Код", TABLE_TEXT}, {"name", "Наименование", TABLE_TEXT},
    {"kind", "Вид", TABLE_TEXT}, TABLE_VERSION_COLUMNS,
};
static const struct table_spec municipality_table =
    TABLE_SPEC("municipalities", municipality_columns);

const struct list_spec municipalities_list_spec = {
    .params = municipalities_list_params,
    .stmt = STMT_MUNICIPALITIES_LIST,
    .keyed = true,
    .table = &municipality_table,
};

void municipalities_list(struct request *rq) {
  resource_list(rq, &municipalities_list_spec);
}

void municipalities_create(struct request *rq) {
  resource_create(rq, &municipalities);
}
void municipality_get(struct request *rq) {
  resource_get(rq, &municipalities);
}
void municipality_update(struct request *rq) {
  resource_update(rq, &municipalities);
}
