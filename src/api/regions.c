/* /api/v1/regions: the subjects of the federation the system serves. */
#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

const struct jspec_field region_fields[] = {
    FIELD("code", JS_STRING, REQ, 1, 32),
    FIELD("name", JS_STRING, REQ, 1, 300),
    READONLY_FIELDS,
    END_FIELDS,
};

static const struct resource regions = {
    .what = "region",
    .collection = "/api/v1/regions",
    .id_param = "id",
    .fields = region_fields,
    .get = STMT_REGION_GET,
    .insert = STMT_REGION_INSERT,
    .update = STMT_REGION_UPDATE,
    .scope_message = "only a global administrator creates regions",
    .entity = "region",
    .audit_place = AUDIT_PLACE_REGION,
};

const struct jspec_field regions_list_params[] = {
    FIELD("q", JS_STRING, 0, 1, 200),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column region_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"code", "Код", TABLE_TEXT},
    {"name", "Наименование", TABLE_TEXT},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec region_table =
    TABLE_SPEC("regions", region_columns);

const struct list_spec regions_list_spec = {
    .params = regions_list_params,
    .stmt = STMT_REGIONS_LIST,
    .keyed = true,
    .table = &region_table,
};

void regions_list(struct request *rq) {
  resource_list(rq, &regions_list_spec);
}

void regions_create(struct request *rq) {
  resource_create(rq, &regions);
}
void region_get(struct request *rq) {
  resource_get(rq, &regions);
}
void region_update(struct request *rq) {
  resource_update(rq, &regions);
}
