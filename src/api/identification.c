/* Identification runs (docs/IDENTIFICATION.md): a methodology
 * (identification_parameters.c) applied to the kept assessment statistics
 * or the social context of a region's schools, computed and stored by
 * identification_compute (migrations 0011 to 0013), then read as a whole,
 * per school, as a table and against another run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "csv_out.h"
#include "fields.h"
#include "handlers.h"
#include "identification.h"
#include "resource.h"
#include "table_reply.h"

static const char *const decisions[] = {"meets", "does_not_meet",
                                        "insufficient_evidence", NULL};

const struct jspec_field identification_run_fields[] = {
    ENUM_FIELD("kind", REQ, identification_kinds),
    FIELD("year", JS_INTEGER, REQ, 2000, 2100),
    FIELD("region_id", JS_ID, 0, 0, 0),
    {"parameters", JS_OBJECT, 0, 0, 0, NULL, identification_parameter_fields,
     NULL, NULL},
    FIELD("methodology_name", JS_STRING, 0, 1, 200),
    FIELD("save_as", JS_STRING, 0, 1, 200),
    END_FIELDS,
};

/* --- POST /identification-runs ------------------------------------------- */

struct create {
  char *body;
  char id[24], methodology[24];
};

/* methodology_name: the saved parameters replace the body's (c->body);
 * false after answering. */
static bool saved_methodology(struct request *rq, struct create *c,
                              const char *region) {
  const char *name =
      json_string_value(json_object_get(rq->json, "methodology_name"));
  if (name == NULL)
    return true;
  const struct db_arg args[] = {{"region", region}, {"name", name}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_METHODOLOGY_GET, args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  const char *kind = json_string_value(json_object_get(rq->json, "kind"));
  if (!found) {
    reply_problem_at(rq, ERR_REFERENCE_NOT_FOUND, "$.methodology_name",
                     "no methodology of the region has this name");
  } else if (strcmp(db_get(r, 0, "kind"), kind) != 0) {
    json_t *errors = json_array();
    jspec_error(errors, "$.methodology_name",
                "is a methodology of another kind");
    reply_validation_steal(rq, errors);
    found = false;
  } else {
    snprintf(c->methodology, sizeof c->methodology, "%s", db_get(r, 0, "id"));
    json_t *body = json_deep_copy(rq->json);
    json_object_set_new(body, "parameters",
                        json_loads(db_get(r, 0, "parameters"), 0, NULL));
    free(c->body);
    c->body = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body);
    if (c->body == NULL)
      abort();
  }
  PQclear(r);
  return found;
}

/* The run (id as text) is visible; otherwise answers 404 and false. With
 * a status, answers the run as the caller sees it with that status. */
static bool run_in_sight(struct request *rq, const char *id,
                         unsigned answer_status) {
  PGresult *r = db_call(rq, STMT_IDENT_RUN_GET,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  if (found && answer_status != 0) {
    const char *doc = db_get(r, 0, "doc");
    reply_json_text(rq, answer_status, doc, strlen(doc));
  }
  PQclear(r);
  if (!found)
    reply_unseen(rq, "identification run %s", id);
  return found;
}

/* save_as: the run's methodology saved under the name; false after
 * answering 409 when the name is taken. */
static bool save_methodology(struct request *rq, const struct create *c) {
  const char *name = json_string_value(json_object_get(rq->json, "save_as"));
  if (name == NULL)
    return true;
  const struct db_arg args[] = {{"id", c->id}, {"name", name}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_METHODOLOGY_SAVE, args, NULL);
  if (r == NULL)
    return false;
  bool saved = PQntuples(r) == 1;
  PQclear(r);
  if (!saved)
    reply_problem_at(rq, ERR_ALREADY_EXISTS, "$.save_as",
                     "a methodology of the region has this name");
  return saved;
}

static bool create_work(struct request *rq, void *arg) {
  struct create *c = arg;
  char region[24];
  if (!identification_region(rq, region) || !saved_methodology(rq, c, region))
    return false;
  const struct db_arg args[] = {
      {"region", region},
      {"body", c->body},
      {"created_by", rq->principal.name},
      {"methodology", c->methodology[0] ? c->methodology : NULL},
      DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_RUN_INSERT, args, NULL);
  if (r == NULL)
    return false;
  snprintf(c->id, sizeof c->id, "%s", db_get(r, 0, "id"));
  PQclear(r);
  r = db_call(rq, STMT_IDENT_COMPUTE,
              (const struct db_arg[]){{"id", c->id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  if (!save_methodology(rq, c))
    return false;
  const struct audit_entry e = {.action = "create",
                                .entity = "identification_run",
                                .entity_id = c->id,
                                .after = c->body,
                                .place = AUDIT_PLACE_REGION_ID,
                                .parent = region};
  if (!audit_write(rq, &e))
    return false;
  if (!run_in_sight(rq, c->id, 201))
    return false;
  reply_location_key(rq, "/api/v1/identification-runs", c->id);
  return true;
}

void identification_runs_create(struct request *rq) {
  json_t *errors = json_array();
  jspec_check(rq->json, identification_run_fields, JSPEC_CREATE, errors);
  identification_check_parameters(rq->json, errors);
  if (json_array_size(errors) == 0 &&
      json_object_get(rq->json, "methodology_name") != NULL &&
      json_object_get(rq->json, "parameters") != NULL)
    jspec_error(errors, "$.methodology_name",
                "give parameters or a saved methodology's name, not both");
  if (json_array_size(errors) > 0) {
    reply_validation_steal(rq, errors);
    return;
  }
  json_decref(errors);
  struct create c = {0};
  c.body = json_dumps(rq->json, JSON_COMPACT | JSON_SORT_KEYS);
  if (c.body == NULL)
    abort();
  db_txn(rq, create_work, &c);
  free(c.body);
}

/* --- reads ------------------------------------------------------------------
 */

const struct jspec_field identification_runs_list_params[] = {
    ENUM_FIELD("kind", 0, identification_kinds),
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    PAGE_PARAMS,
    END_FIELDS,
};

const struct list_spec identification_runs_list_spec = {
    .params = identification_runs_list_params,
    .stmt = STMT_IDENT_RUNS_LIST,
};

void identification_runs_list(struct request *rq) {
  resource_list(rq, &identification_runs_list_spec);
}

void identification_run_get(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  run_in_sight(rq, id_text, 200);
}

const struct jspec_field identification_run_schools_params[] = {
    ENUM_FIELD("decision", 0, decisions),
    FIELD("municipality", JS_ID, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};
static const struct table_column run_school_columns[] = {
    {"position", "№", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"decision", "Решение", TABLE_TEXT},
    {"severity", "Показателей, отвечающих критерию", TABLE_INTEGER},
    {"evidence.summary", "Обоснование", TABLE_TEXT},
};
static const struct table_spec run_school_table =
    TABLE_SPEC("identification-run", run_school_columns);

void identification_run_schools(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, identification_run_schools_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  char id_text[24], csv_limit[16];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  snprintf(csv_limit, sizeof csv_limit, "%d", CSV_MAX_ROWS + 1);
  bool csv = request_wants_table(rq);
  if (run_in_sight(rq, id_text, 0)) {
    const struct db_arg args[] = {
        {"id", id_text},
        {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
        {"limit", csv ? csv_limit : page.limit_plus_one},
        DB_END};
    PGresult *r = db_call(rq, STMT_IDENT_RUN_SCHOOLS, args, query);
    if (r != NULL && csv) {
      reply_table(rq, &run_school_table, r, 0, 3, id_text);
      PQclear(r);
    } else if (r != NULL) {
      reply_page(rq, r, &page); /* consumes r */
    }
  }
  page_end(&page);
  json_decref(query);
}

void identification_run_school(struct request *rq) {
  int64_t id, school;
  if (!request_param_id(rq, "id", &id) ||
      !request_param_id(rq, "school_id", &school))
    return;
  char id_text[24], school_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  snprintf(school_text, sizeof school_text, "%lld", (long long)school);
  const struct db_arg args[] = {
      {"id", id_text}, {"school", school_text}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_RUN_SCHOOL, args, NULL);
  if (r == NULL)
    return;
  if (PQntuples(r) == 1) {
    const char *doc = db_get(r, 0, "doc");
    reply_json_text(rq, 200, doc, strlen(doc));
  } else {
    reply_unseen(rq, "school %s in identification run %s", school_text,
                 id_text);
  }
  PQclear(r);
}

const struct jspec_field identification_run_diff_params[] = {
    FIELD("against", JS_ID, REQ, 0, 0),
    END_FIELDS,
};

void identification_run_diff(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, identification_run_diff_params);
  if (query == NULL)
    return;
  char id_text[24], against[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  query_param(query, "against", against, sizeof against);
  if (run_in_sight(rq, id_text, 0) && run_in_sight(rq, against, 0)) {
    PGresult *r =
        db_call(rq, STMT_IDENT_RUN_DIFF,
                (const struct db_arg[]){{"id", id_text}, DB_END}, query);
    if (r != NULL) {
      const char *doc = db_get(r, 0, "doc");
      reply_json_text(rq, 200, doc, strlen(doc));
    }
    PQclear(r);
  }
  json_decref(query);
}

/* Whether the data the run read are today's: computed on each request, so
 * a separate route, not a member of the run (which never changes). */
void identification_run_data_check(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  PGresult *r = db_call(rq, STMT_IDENT_RUN_DATA_CHECK,
                        (const struct db_arg[]){{"id", id_text}, DB_END}, NULL);
  if (r == NULL)
    return;
  if (PQntuples(r) == 1) {
    const char *doc = db_get(r, 0, "doc");
    reply_json_text(rq, 200, doc, strlen(doc));
  } else {
    reply_unseen(rq, "identification run %s", id_text);
  }
  PQclear(r);
}

/* --- POST /identification-runs/{id}/apply ---------------------------------
 */

static const struct jspec_field choice_fields[] = {
    FIELD("school_id", JS_ID, REQ, 0, 0),
    FIELD("reason", JS_STRING, REQ, 1, 1000),
    END_FIELDS,
};
static const struct jspec_field choice_item = {
    "choice", JS_OBJECT, 0, 0, 0, NULL, choice_fields, NULL, NULL};

const struct jspec_field identification_apply_fields[] = {
    FIELD("order_number", JS_STRING, REQ, 1, 100),
    FIELD("school_year", JS_INTEGER, 0, 2000, 2100),
    FIELD("included_on", JS_DATE, 0, 0, 0),
    {"include", JS_ARRAY, 0, 0, 500, NULL, NULL, &choice_item, NULL},
    {"exclude", JS_ARRAY, 0, 0, 500, NULL, NULL, &choice_item, NULL},
    END_FIELDS,
};

struct apply {
  char id[24], region[24];
  char *body;
};

/* The include / exclude entries name schools of the run, each once, in
 * the list their decision allows; false after answering 422. */
static bool choices_valid(struct request *rq, const struct apply *a) {
  const struct db_arg args[] = {{"id", a->id}, {"body", a->body}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_APPLY_CHECK, args, NULL);
  if (r == NULL)
    return false;
  int n = PQntuples(r);
  if (n > 0) {
    json_t *errors = json_array();
    for (int i = 0; i < n; i++)
      jspec_error(errors, db_get(r, i, "path"), db_get(r, i, "message"));
    reply_problem_errors_steal(rq, ERR_REFERENCE_NOT_FOUND,
                               "a school named is not one to include or "
                               "exclude in this run",
                               errors);
  }
  PQclear(r);
  return n == 0;
}

static bool apply_work(struct request *rq, void *arg) {
  struct apply *a = arg;
  const struct db_arg state_args[] = {{"id", a->id}, {"body", a->body}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_APPLY_STATE, state_args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  bool applied = found && strcmp(db_get(r, 0, "applied"), "t") == 0;
  bool same = found && strcmp(db_get(r, 0, "same"), "t") == 0;
  bool resilient = found && strcmp(db_get(r, 0, "kind"), "resilient") == 0;
  if (found)
    snprintf(a->region, sizeof a->region, "%s", db_get(r, 0, "region_id"));
  PQclear(r);
  if (!found) {
    reply_unseen(rq, "identification run %s", a->id);
    return false;
  }
  /* No status is made of resilience: there is nothing to apply, and a
   * lock would only make it look decided (docs/IDENTIFICATION.md). */
  if (resilient) {
    reply_problem(rq, ERR_CONFLICT,
                  "a run of kind resilient makes no status and is not "
                  "applied: its schools are proposed as partners of a "
                  "low_results run (GET /identification-runs/{id}/"
                  "partner-proposals?resilient_run=...)");
    return false;
  }
  if (applied && !same) {
    reply_problem(rq, ERR_CONFLICT,
                  "the run is applied already, with another order: an "
                  "applied run is locked");
    return false;
  }
  if (!applied) {
    if (!choices_valid(rq, a))
      return false;
    const struct db_arg args[] = {{"id", a->id},
                                  {"body", a->body},
                                  {"actor", rq->principal.name},
                                  DB_END};
    r = db_call(rq, STMT_IDENT_APPLY, args, NULL);
    if (r == NULL)
      return false;
    PQclear(r);
    const struct audit_entry e = {.action = "apply",
                                  .entity = "identification_run",
                                  .entity_id = a->id,
                                  .after = a->body,
                                  .place = AUDIT_PLACE_REGION_ID,
                                  .parent = a->region};
    if (!audit_write(rq, &e))
      return false;
  }
  return run_in_sight(rq, a->id, 200);
}

/* The order's number without the sign authorities often type with it
 * («№ 812-п», «N 812-п», «No. 812-п»): the basis writes «Приказ № …»
 * itself. */
static const char *order_number_bare(const char *s) {
  static const char *const signs[] = {"№", "No.", "No", "N", "#"};
  for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++) {
    size_t n = strlen(signs[i]);
    /* "N" only as a sign: before a space or a digit, not "Н-12". */
    if (strncmp(s, signs[i], n) == 0 &&
        (n > 1 || s[n] == ' ' || (s[n] >= '0' && s[n] <= '9'))) {
      s += n;
      break;
    }
  }
  while (*s == ' ')
    s++;
  return s;
}

/* Replaces order_number by its bare number; false (and an error added)
 * when only the sign was given. */
static bool order_number_normalise(json_t *body, json_t *errors) {
  json_t *value = json_object_get(body, "order_number");
  const char *bare = order_number_bare(json_string_value(value));
  if (*bare == '\0') {
    jspec_error(errors, "$.order_number",
                "the order's number is missing: only the sign was given");
    return false;
  }
  json_object_set_new(body, "order_number", json_string(bare));
  return true;
}

void identification_run_apply(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *errors = json_array();
  if (jspec_check(rq->json, identification_apply_fields, JSPEC_CREATE, errors) >
          0 ||
      !order_number_normalise(rq->json, errors)) {
    reply_validation_steal(rq, errors);
    return;
  }
  json_decref(errors);
  struct apply a = {0};
  snprintf(a.id, sizeof a.id, "%lld", (long long)id);
  a.body = json_dumps(rq->json, JSON_COMPACT | JSON_SORT_KEYS);
  if (a.body == NULL)
    abort();
  db_txn(rq, apply_work, &a);
  free(a.body);
}
