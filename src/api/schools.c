/* /api/v1/schools: the school registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "doc_cache.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const types[] = {"SOSH",
                                    "OOSH",
                                    "NOSH",
                                    "GYMNASIUM",
                                    "LYCEUM",
                                    "BOARDING",
                                    "EDUCATION_CENTER",
                                    "OTHER",
                                    NULL};
static const char *const localities[] = {"URBAN", "RURAL", NULL};
static const char *const categories[] = {"SHNOR", "SHNSU", "RISK_GROUP", NULL};

const struct jspec_field school_fields[] = {
    FIELD("municipality_id", JS_ID, REQ, 0, 0),
    FIELD("code", JS_STRING, REQ, 1, 64),
    FIELD("full_name", JS_STRING, REQ, 1, 500),
    FIELD("short_name", JS_STRING, REQ, 1, 200),
    ENUM_FIELD("type", REQ, types),
    ENUM_FIELD("locality", REQ, localities),
    FIELD("address", JS_STRING, OPT_NULL, 1, 500),
    FIELD("head_name", JS_STRING, OPT_NULL, 1, 200),
    FIELD("phone", JS_STRING, OPT_NULL, 1, 50),
    FIELD("email", JS_EMAIL, OPT_NULL, 0, 0),
    FIELD("website", JS_URL, OPT_NULL, 0, 0),
    FIELD("students_count", JS_INTEGER, OPT_NULL, 0, 100000),
    FIELD("students_disabled_count", JS_INTEGER, OPT_NULL, 0, 100000),
    FIELD("teachers_count", JS_INTEGER, OPT_NULL, 0, 100000),
    FIELD("municipality", JS_OBJECT, JS_READONLY, 0, 0),
    FIELD("statuses", JS_ARRAY, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

/* Students with disabilities (ОВЗ) are counted among the students. When a
 * patch gives only one of the two, the database's check has the last word. */
static void check_school(struct request *rq, const json_t *body,
                         json_t *errors) {
  (void)rq;
  const json_t *all = json_object_get(body, "students_count");
  const json_t *disabled = json_object_get(body, "students_disabled_count");
  if (json_is_integer(all) && json_is_integer(disabled) &&
      json_integer_value(disabled) > json_integer_value(all))
    jspec_error(errors, "$.students_disabled_count",
                "must not exceed students_count");
}

/* A school keeps its own record, but not what places it: its code and its
 * municipality are the authority's. */
static bool authorize_school(struct request *rq, const json_t *body) {
  if (rq->principal.role != ROLE_SCHOOL)
    return true;
  json_t *errors = json_array();
  static const char *const placing[] = {"code", "municipality_id"};
  for (size_t i = 0; i < 2; i++)
    if (json_object_get(body, placing[i]) != NULL) {
      char path[32];
      snprintf(path, sizeof path, "$.%s", placing[i]);
      jspec_error(errors, path, "only the education authority changes it");
    }
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_problem_errors_steal(rq, ERR_FORBIDDEN,
                             "a school may not change its code or municipality",
                             errors);
  return false;
}

static const struct resource schools = {
    .what = "school",
    .collection = "/api/v1/schools",
    .id_param = "id",
    .fields = school_fields,
    .check = check_school,
    .authorize = authorize_school,
    .get = STMT_SCHOOL_GET,
    .insert = STMT_SCHOOL_INSERT,
    .update = STMT_SCHOOL_UPDATE,
    .scope_field = "$.municipality_id",
    .scope_message = "the municipality is outside your scope",
    .entity = "school",
    .audit_place = AUDIT_PLACE_SCHOOL,
};

const struct jspec_field schools_list_params[] = {
    FIELD("region", JS_ID, 0, 0, 0),
    FIELD("municipality", JS_ID, 0, 0, 0),
    ENUM_FIELD("type", 0, types),
    ENUM_FIELD("locality", 0, localities),
    ENUM_FIELD("category", 0, categories),
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    FIELD("q", JS_STRING, 0, 1, 200),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column school_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"code", "Код", TABLE_TEXT},
    {"short_name", "Краткое наименование", TABLE_TEXT},
    {"full_name", "Полное наименование", TABLE_TEXT},
    {"type", "Тип", TABLE_TEXT},
    {"locality", "Местность", TABLE_TEXT},
    {"municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"municipality.code", "Код муниципалитета", TABLE_TEXT},
    {"municipality.name", "Муниципалитет", TABLE_TEXT},
    {"municipality.region_id", "ID региона", TABLE_INTEGER},
    {"address", "Адрес", TABLE_TEXT},
    {"head_name", "Руководитель", TABLE_TEXT},
    {"phone", "Телефон", TABLE_TEXT},
    {"email", "Эл. почта", TABLE_TEXT},
    {"website", "Сайт", TABLE_TEXT},
    {"students_count", "Обучающихся", TABLE_INTEGER},
    {"students_disabled_count", "Обучающихся с ОВЗ", TABLE_INTEGER},
    {"teachers_count", "Педагогов", TABLE_INTEGER},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec school_table =
    TABLE_SPEC("schools", school_columns);

/* A municipality and nothing else (but the page): SCHOOLS_OF_MUNICIPALITY,
 * whose plan is made once per connection. */
static enum stmt_id schools_list_statement(const json_t *query) {
  const char *key;
  const json_t *value;
  bool municipality = false;
  json_object_foreach((json_t *)query, key, value) {
    if (strcmp(key, "municipality") == 0)
      municipality = true;
    else if (strcmp(key, "limit") != 0 && strcmp(key, "cursor") != 0)
      return STMT_SCHOOLS_LIST;
  }
  return municipality ? STMT_SCHOOLS_OF_MUNICIPALITY : STMT_SCHOOLS_LIST;
}

const struct list_spec schools_list_spec = {
    .params = schools_list_params,
    .stmt = STMT_SCHOOLS_LIST,
    .stmt_for = schools_list_statement,
    .keyed = true,
    .table = &school_table,
};

void schools_list(struct request *rq) {
  resource_list(rq, &schools_list_spec);
}
void schools_create(struct request *rq) {
  resource_create(rq, &schools);
}
/* School id's document from the database (NULL after answering), kept
 * when the ticket taken before the statement still holds. */
static char *school_read(struct request *rq, int64_t id, struct doc *doc) {
  struct doc_ticket ticket = doc_cache_ticket(id, auth_scope_kind(rq));
  /* Invalidations come from the primary: a fill from a replica that has
   * not replayed a write yet could keep what the write replaced. */
  if (ticket.valid)
    db_read_on_primary(rq);
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  PGresult *r = db_call(rq, STMT_SCHOOL_PLACED_GET,
                        (const struct db_arg[]){{"id", id_text}, DB_END}, NULL);
  if (r != NULL && PQntuples(r) == 0)
    reply_unseen(rq, "school with id %s", id_text);
  if (r == NULL || PQntuples(r) == 0) {
    PQclear(r);
    return NULL;
  }
  *doc = (struct doc){
      .id = id,
      .version = (int32_t)strtol(PQgetvalue(r, 0, 0), NULL, 10),
      .municipality_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10),
      .region_id = strtoll(PQgetvalue(r, 0, 2), NULL, 10),
  };
  doc->text = row_doc_text(r, 3, &doc->len);
  PQclear(r);
  doc_cache_put(&ticket, doc);
  return doc->text;
}

/* The document cache answers when it holds the school for this caller's
 * scope; else the database. Either way the same reply (ETag, 304). */
void school_get(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  struct doc doc;
  if (doc_cache_get(id, auth_scope_kind(rq), auth_scope_id(rq), &doc) ||
      school_read(rq, id, &doc) != NULL)
    reply_doc_text_steal(rq, doc.version, doc.text, doc.len, 200);
}
void school_update(struct request *rq) {
  resource_update(rq, &schools);
}
void school_delete(struct request *rq) {
  resource_delete(rq, &schools, STMT_SCHOOL_DELETE);
}
