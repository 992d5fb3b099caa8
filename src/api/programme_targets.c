/* /api/v1/programmes/{id}/targets and /api/v1/programme-targets: what a
 * programme aims at, per rule-computed indicator and year
 * (docs/PROGRAMMES.md). Every statement scopes through the target's
 * programme; a write locks the programme, so its term cannot change under
 * the years being checked. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "programmes.h"
#include "resource.h"

static const struct jspec_field year_value_fields[] = {
    FIELD("year", JS_INTEGER, REQ, PROGRAMME_YEAR_MIN, PROGRAMME_YEAR_MAX),
    FIELD("value", JS_NUMBER, REQ, 0, 100),
    END_FIELDS,
};

static const struct jspec_field year_value_item = {
    "", JS_OBJECT, 0, 0, 0, NULL, year_value_fields, NULL, NULL};

#define TARGET_FIELDS                                                          \
  FIELD("baseline_year", JS_INTEGER, REQ, PROGRAMME_YEAR_MIN,                  \
        PROGRAMME_YEAR_MAX),                                                   \
      FIELD("baseline_value", JS_NUMBER, OPT_NULL, 0, 100),                    \
      {"targets", JS_ARRAY,         0,   0, PROGRAMME_TERM_MAX, NULL,          \
       NULL,      &year_value_item, NULL},                                     \
      FIELD("note", JS_TEXT, OPT_NULL, 1, 2000),                               \
      FIELD("programme_id", JS_ID, JS_READONLY, 0, 0),                         \
      FIELD("indicator_name", JS_STRING, JS_READONLY, 0, 0),                   \
      FIELD("polarity", JS_STRING, JS_READONLY, 0, 0),                         \
      FIELD("rule_text", JS_STRING, JS_READONLY, 0, 0), READONLY_FIELDS

const struct jspec_field programme_target_create_fields[] = {
    FIELD("indicator", JS_STRING, REQ, 1, 64),
    TARGET_FIELDS,
    END_FIELDS,
};

/* The indicator never changes: another indicator is another target. */
const struct jspec_field programme_target_update_fields[] = {
    FIELD("indicator", JS_STRING, JS_READONLY, 0, 0),
    TARGET_FIELDS,
    END_FIELDS,
};

const struct jspec_field programme_targets_page_params[] = {
    PAGE_PARAMS,
    END_FIELDS,
};

/* No year twice in `targets`. */
static void check_target(struct request *rq, const json_t *body,
                         json_t *errors) {
  (void)rq;
  const json_t *list = json_object_get(body, "targets");
  for (size_t i = 1; i < json_array_size(list); i++) {
    json_int_t year =
        json_integer_value(json_object_get(json_array_get(list, i), "year"));
    for (size_t k = 0; k < i; k++)
      if (json_integer_value(
              json_object_get(json_array_get(list, k), "year")) == year) {
        char path[48], message[64];
        snprintf(path, sizeof path, "$.targets[%zu].year", i);
        snprintf(message, sizeof message, "%lld is given twice",
                 (long long)year);
        jspec_error(errors, path, message);
        break;
      }
  }
}

/* The years of a body against the programme's term (in state): every
 * target year within it, the baseline not after its end. */
static void check_years(const json_t *body, const PGresult *state,
                        json_t *errors) {
  long long from = strtoll(db_get(state, 0, "year_from"), NULL, 10);
  long long to = strtoll(db_get(state, 0, "year_to"), NULL, 10);
  char path[48], message[96];
  const json_t *baseline = json_object_get(body, "baseline_year");
  if (json_is_integer(baseline) && json_integer_value(baseline) > to) {
    snprintf(message, sizeof message,
             "must not be after the programme's last year, %lld", to);
    jspec_error(errors, "$.baseline_year", message);
  }
  const json_t *list = json_object_get(body, "targets");
  for (size_t i = 0; i < json_array_size(list); i++) {
    long long year =
        json_integer_value(json_object_get(json_array_get(list, i), "year"));
    if (year >= from && year <= to)
      continue;
    snprintf(path, sizeof path, "$.targets[%zu].year", i);
    snprintf(message, sizeof message,
             "is outside the programme's term %lld..%lld", from, to);
    jspec_error(errors, path, message);
  }
}

enum indicator_kind { INDICATOR_RULE, INDICATOR_OTHER, INDICATOR_UNKNOWN };

static bool indicator_kind(struct request *rq, const char *code,
                           enum indicator_kind *out) {
  const struct db_arg args[] = {{"code", code}, DB_END};
  PGresult *r = db_call(rq, STMT_PROGRAMME_TARGET_INDICATOR, args, NULL);
  if (r == NULL)
    return false;
  *out = PQntuples(r) == 0                           ? INDICATOR_UNKNOWN
         : strcmp(db_get(r, 0, "form"), "rule") == 0 ? INDICATOR_RULE
                                                     : INDICATOR_OTHER;
  PQclear(r);
  return true;
}

/* Every rule a new target breaks, at once: 400, or 422 when the only one
 * is an indicator that does not exist. False after answering. */
static bool new_target_valid(struct request *rq, const PGresult *state) {
  enum indicator_kind kind;
  const char *code = json_string_value(json_object_get(rq->json, "indicator"));
  if (!indicator_kind(rq, code, &kind))
    return false;
  json_t *errors = json_array();
  check_target(rq, rq->json, errors);
  check_years(rq->json, state, errors);
  if (kind == INDICATOR_OTHER)
    jspec_error(errors, "$.indicator",
                "is not a rule-computed indicator (form `rule`): targets are "
                "set for those only");
  bool others = json_array_size(errors) > 0;
  if (kind == INDICATOR_UNKNOWN)
    jspec_error(errors, "$.indicator", "no indicator has this code");
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  if (others)
    reply_validation_steal(rq, errors);
  else
    reply_problem_errors_steal(rq, ERR_REFERENCE_NOT_FOUND,
                               "no indicator has this code", errors);
  return false;
}

/* A create's context: the programme, locked (owned). */
struct target_create {
  PGresult *programme;
};

/* The programme the target is created under, locked with its term. */
static bool load_programme(struct request *rq, struct write *w,
                           struct write_state *s) {
  struct target_create *c = w->ctx;
  PQclear(c->programme);
  c->programme = NULL;
  const struct db_arg args[] = {{"id", w->parent_text}, DB_END};
  PGresult *r = db_call(rq, STMT_PROGRAMME_STATE, args, NULL);
  if (r == NULL)
    return false;
  s->found = PQntuples(r) == 1;
  s->writable = s->found && db_get(r, 0, "writable")[0] == 't';
  c->programme = r;
  return true;
}

static bool check_create(struct request *rq, struct write *w) {
  const struct target_create *c = w->ctx;
  return new_target_valid(rq, c->programme);
}

static const char readonly[] =
    "you may read this programme's targets but not change them";

/* Created under its programme, then addressed alone. */
static const struct resource targets_in_programme = {
    .what = "programme target",
    .collection = "/api/v1/programme-targets",
    .id_param = "id",
    .parent = &programme_parent,
    .flat = true,
    .fields = programme_target_create_fields,
    .get = STMT_PROGRAMME_TARGET_GET,
    .insert = STMT_PROGRAMME_TARGET_INSERT,
    .scope_message = readonly,
    .entity = "programme_target",
    .audit_place = AUDIT_PLACE_NONE,
    .load_parent = load_programme,
    .check_create = check_create,
};

void programme_targets_create(struct request *rq) {
  struct target_create c = {0};
  resource_create_ctx(rq, &targets_in_programme, &c);
  PQclear(c.programme);
}

/* A patch's years against the term, with the programme locked; 404 and 403
 * as for the programme. */
static bool check_patch(struct request *rq, struct write *w) {
  const struct db_arg args[] = {{"id", w->id_text}, DB_END};
  PGresult *state = db_call(rq, STMT_PROGRAMME_TARGET_STATE, args, NULL);
  if (state == NULL)
    return false;
  bool ok = false;
  if (PQntuples(state) == 0)
    reply_write_missing(rq, w);
  else if (db_get(state, 0, "writable")[0] != 't')
    reply_problem(rq, ERR_FORBIDDEN, w->res->scope_message);
  else
    ok = true;
  json_t *errors = json_array();
  if (ok)
    check_years(rq->json, state, errors);
  PQclear(state);
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return ok;
  }
  reply_validation_steal(rq, errors);
  return false;
}

static const struct resource targets = {
    .what = "programme target",
    .collection = "/api/v1/programme-targets",
    .id_param = "id",
    .fields = programme_target_create_fields,
    .update_fields = programme_target_update_fields,
    .check = check_target,
    .get = STMT_PROGRAMME_TARGET_GET,
    .insert = STMT_PROGRAMME_TARGET_INSERT,
    .update = STMT_PROGRAMME_TARGET_UPDATE,
    .scope_message = readonly,
    .entity = "programme_target",
    .audit_place = AUDIT_PLACE_NONE,
    .check_transition = check_patch,
};

void programme_target_get(struct request *rq) {
  resource_get(rq, &targets);
}

void programme_target_update(struct request *rq) {
  resource_update(rq, &targets);
}

void programme_target_delete(struct request *rq) {
  resource_delete(rq, &targets, STMT_PROGRAMME_TARGET_DELETE);
}

/* An empty page: is the programme (or target) there for the caller? False
 * after answering 404. */
static bool seen(struct request *rq, enum stmt_id get, const char *what,
                 const char *id) {
  const struct db_arg args[] = {{"id", id}, DB_END};
  PGresult *r = db_call(rq, get, args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found)
    reply_unseen(rq, "%s with id %s", what, id);
  return found;
}

/* A page of a list under {id}: the programme's targets, a target's
 * history. */
static void list_under(struct request *rq, enum stmt_id stmt, enum stmt_id get,
                       const char *what, bool keyed) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, programme_targets_page_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  const struct db_arg args[] = {
      {"id", id_text},
      {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
      {"limit", page.limit_plus_one},
      keyed ? (struct db_arg){"cursor_key", page.cursor_key}
            : (struct db_arg)DB_END,
      DB_END};
  PGresult *r = db_call(rq, stmt, args, NULL);
  if (r != NULL && PQntuples(r) == 0 && !seen(rq, get, what, id_text))
    PQclear(r);
  else if (r != NULL)
    reply_page(rq, r, &page);
  page_end(&page);
  json_decref(query);
}

void programme_targets_list(struct request *rq) {
  list_under(rq, STMT_PROGRAMME_TARGETS_LIST, STMT_PROGRAMME_GET, "programme",
             true);
}

void programme_target_history(struct request *rq) {
  list_under(rq, STMT_PROGRAMME_TARGET_HISTORY, STMT_PROGRAMME_TARGET_GET,
             "programme target", false);
}
