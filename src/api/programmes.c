/* /api/v1/programmes: programmes of support, their term, owner, cohort and
 * plan (docs/PROGRAMMES.md). Reads go through programme_visible, writes
 * through programme_writable (src/db/sql/programmes.def); the generic
 * resource layer does the rest. Their targets: programme_targets.c. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "programmes.h"
#include "resource.h"

static const char *const owner_kinds[] = {"region", "municipality", "school",
                                          NULL};
static const char *const categories[] = {"SHNOR", "SHNSU", "RISK_GROUP", NULL};

static const struct jspec_field owner_fields[] = {
    ENUM_FIELD("kind", REQ, owner_kinds),
    FIELD("id", JS_ID, REQ, 0, 0),
    END_FIELDS,
};

static const struct jspec_field category_item = ENUM_FIELD("", 0, categories);

#define OWNER_FIELD(flags)                                                     \
  { "owner", JS_OBJECT, flags, 0, 0, NULL, owner_fields, NULL, NULL }

#define PROGRAMME_FIELDS                                                       \
  FIELD("title", JS_STRING, REQ, 1, 1000),                                     \
      FIELD("year_from", JS_INTEGER, REQ, PROGRAMME_YEAR_MIN,                  \
            PROGRAMME_YEAR_MAX),                                               \
      FIELD("year_to", JS_INTEGER, REQ, PROGRAMME_YEAR_MIN,                    \
            PROGRAMME_YEAR_MAX),                                               \
      {"categories", JS_ARRAY, 0, 1, 3, NULL, NULL, &category_item, NULL},     \
      FIELD("roadmap_id", JS_ID, OPT_NULL, 0, 0),                              \
      FIELD("approval_document", JS_STRING, OPT_NULL, 1, 500),                 \
      FIELD("region_id", JS_ID, JS_READONLY, 0, 0), READONLY_FIELDS

const struct jspec_field programme_create_fields[] = {
    OWNER_FIELD(REQ),
    PROGRAMME_FIELDS,
    END_FIELDS,
};

/* The owner never changes: another owner is another programme. */
const struct jspec_field programme_update_fields[] = {
    OWNER_FIELD(JS_READONLY),
    PROGRAMME_FIELDS,
    END_FIELDS,
};

bool programme_term_check(long long from, long long to, const char *path,
                          json_t *errors) {
  char message[96];
  if (to < from)
    snprintf(message, sizeof message, "must not be before year_from (%lld)",
             from);
  else if (to - from >= PROGRAMME_TERM_MAX)
    snprintf(message, sizeof message,
             "a term is at most %d school years: %lld..%lld at the latest",
             PROGRAMME_TERM_MAX, from, from + PROGRAMME_TERM_MAX - 1);
  else
    return true;
  jspec_error(errors, path, message);
  return false;
}

/* Years in order and not too many; each category once. A patch giving one
 * year is checked against the other in before_update. */
static void check_programme(struct request *rq, const json_t *body,
                            json_t *errors) {
  (void)rq;
  const json_t *from = json_object_get(body, "year_from");
  const json_t *to = json_object_get(body, "year_to");
  if (json_is_integer(from) && json_is_integer(to))
    programme_term_check(json_integer_value(from), json_integer_value(to),
                         "$.year_to", errors);
  const json_t *list = json_object_get(body, "categories");
  for (size_t i = 1; i < json_array_size(list); i++)
    for (size_t k = 0; k < i; k++)
      if (json_equal(json_array_get(list, i), json_array_get(list, k))) {
        char path[48];
        snprintf(path, sizeof path, "$.categories[%zu]", i);
        jspec_error(errors, path, "is given twice");
        break;
      }
}

const struct parent programme_parent = {
    .what = "programme",
    .collection = "/api/v1/programmes",
    .arg = "programme",
    .visible = STMT_PROGRAMME_GET,
    .readonly = "you may read this programme but not change it",
};

PGresult *programme_lock(struct request *rq, const char *id_text) {
  const struct db_arg args[] = {{"id", id_text}, DB_END};
  PGresult *r = db_call(rq, STMT_PROGRAMME_STATE, args, NULL);
  if (r != NULL && PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "programme with id %s", id_text);
    return NULL;
  }
  if (r != NULL && db_get(r, 0, "writable")[0] != 't') {
    PQclear(r);
    reply_problem(rq, ERR_FORBIDDEN, programme_parent.readonly);
    return NULL;
  }
  return r;
}

static long long patched_year(const json_t *patch, const char *name,
                              const PGresult *state) {
  const json_t *v = json_object_get(patch, name);
  return v != NULL ? json_integer_value(v)
                   : strtoll(db_get(state, 0, name), NULL, 10);
}

/* 409 naming the targets that a shorter term would leave outside it. */
static bool targets_inside(struct request *rq, const char *id_text,
                           long long from, long long to) {
  char f[16], t[16];
  snprintf(f, sizeof f, "%lld", from);
  snprintf(t, sizeof t, "%lld", to);
  const struct db_arg args[] = {
      {"id", id_text}, {"year_from", f}, {"year_to", t}, DB_END};
  PGresult *r = db_call(rq, STMT_PROGRAMME_TARGETS_OUTSIDE, args, NULL);
  if (r == NULL)
    return false;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return true;
  }
  const char *path = json_object_get(rq->json, "year_to") != NULL
                         ? "$.year_to"
                         : "$.year_from";
  json_t *errors = json_array();
  for (int i = 0; i < n; i++) {
    char message[160];
    snprintf(message, sizeof message,
             "target %s (%s) has a year outside %lld..%lld", db_get(r, i, "id"),
             db_get(r, i, "indicator_code"), from, to);
    jspec_error(errors, path, message);
  }
  PQclear(r);
  char detail[160];
  snprintf(detail, sizeof detail,
           "%d target%s would fall outside the term %lld..%lld: change or "
           "delete %s first",
           n, n == 1 ? "" : "s", from, to, n == 1 ? "it" : "them");
  reply_problem_errors_steal(rq, ERR_CONFLICT, detail, errors);
  return false;
}

/* The term as patched: in order, at most ten years, and holding every
 * year of the targets. */
static bool before_update(struct request *rq, struct write *w) {
  const char *id_text = w->id_text;
  PGresult *state = programme_lock(rq, id_text);
  if (state == NULL)
    return false;
  long long from = patched_year(rq->json, "year_from", state);
  long long to = patched_year(rq->json, "year_to", state);
  PQclear(state);
  json_t *errors = json_array();
  const char *path = json_object_get(rq->json, "year_to") != NULL
                         ? "$.year_to"
                         : "$.year_from";
  if (!programme_term_check(from, to, path, errors)) {
    reply_validation_steal(rq, errors);
    return false;
  }
  json_decref(errors);
  return targets_inside(rq, id_text, from, to);
}

static const struct resource programmes = {
    .what = "programme",
    .collection = "/api/v1/programmes",
    .id_param = "id",
    .fields = programme_create_fields,
    .update_fields = programme_update_fields,
    .check = check_programme,
    .get = STMT_PROGRAMME_GET,
    .insert = STMT_PROGRAMME_INSERT,
    .update = STMT_PROGRAMME_UPDATE,
    .scope_field = "$.owner",
    .scope_message = "the owner is outside what you may write",
    .entity = "programme",
    .audit_place = AUDIT_PLACE_NONE,
    .check_transition = before_update,
};

const struct jspec_field programmes_list_params[] = {
    FIELD("owner_region", JS_ID, 0, 0, 0),
    FIELD("owner_municipality", JS_ID, 0, 0, 0),
    FIELD("owner_school", JS_ID, 0, 0, 0),
    FIELD("region", JS_ID, 0, 0, 0),
    FIELD("municipality", JS_ID, 0, 0, 0),
    FIELD("year", JS_INTEGER, 0, PROGRAMME_YEAR_MIN, PROGRAMME_YEAR_MAX),
    PAGE_PARAMS,
    END_FIELDS,
};

const struct list_spec programmes_list_spec = {
    .params = programmes_list_params,
    .stmt = STMT_PROGRAMMES_LIST,
};

void programmes_list(struct request *rq) {
  resource_list(rq, &programmes_list_spec);
}

void programmes_create(struct request *rq) {
  resource_create(rq, &programmes);
}

void programme_get(struct request *rq) {
  resource_get(rq, &programmes);
}

void programme_update(struct request *rq) {
  resource_update(rq, &programmes);
}

void programme_delete(struct request *rq) {
  resource_delete(rq, &programmes, STMT_PROGRAMME_DELETE);
}
