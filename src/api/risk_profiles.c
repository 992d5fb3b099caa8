/* /api/v1/schools/{id}/risk-profile and /api/v1/risk-profiles: a school's
 * risk profile per school year (docs/PLANS.md). The profile's version is its
 * ETag (0 before the first write); every changed entry is kept in the
 * history; every write is audited. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const levels[] = {"none", "low", "medium", "high", NULL};
static const char *const sources[] = {"self_diagnosis", "curator", "computed",
                                      NULL};
static const char *const categories[] = {"SHNOR", "SHNSU", "RISK_GROUP", NULL};

#define YEAR_FIELD FIELD("year", JS_INTEGER, 0, 2000, 2100)

struct profile_call {
  char school[24], year[16], code[16];
  int32_t now;     /* the profile's version before the write */
  json_t *entries; /* [{code, level, source, comment}] to write, owned */
};

/* The query of one school's profile: the school year. */
const struct jspec_field risk_profile_params[] = {YEAR_FIELD, END_FIELDS};

/* The path's school and the `year` query parameter (the current school
 * year by default). False after answering 400. */
static bool call_begin(struct request *rq, struct profile_call *c) {
  memset(c, 0, sizeof *c);
  json_t *query =
      school_year_query(rq, risk_profile_params, c->school, c->year);
  if (query == NULL)
    return false;
  json_decref(query);
  return true;
}

/* The profile's row (version, doc), or NULL (404 answered when the school
 * is not visible). */
static PGresult *profile_row(struct request *rq, const struct profile_call *c) {
  const struct db_arg args[] = {
      {"school", c->school}, {"year", c->year}, DB_END};
  PGresult *r = db_call(rq, STMT_RISK_PROFILE_GET, args, NULL);
  if (r != NULL && PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "school with id %s", c->school);
    return NULL;
  }
  return r;
}

void risk_profile_get(struct request *rq) {
  struct profile_call c;
  if (!call_begin(rq, &c))
    return;
  PGresult *r = profile_row(rq, &c);
  if (r != NULL)
    reply_doc(rq, r, 200); /* with its ETag, or 304 to If-None-Match */
}

/* The profile (created at version 0 when the year has none) and its
 * version; not found when the school is not visible. */
static bool load_state(struct request *rq, struct write *w,
                       struct write_state *s) {
  struct profile_call *c = w->ctx;
  const struct db_arg args[] = {
      {"school", c->school}, {"year", c->year}, DB_END};
  PGresult *r = db_call(rq, STMT_RISK_PROFILE_ENSURE, args, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  r = db_call(rq, STMT_RISK_PROFILE_GET, args, NULL);
  if (r == NULL)
    return false;
  s->found = s->writable = PQntuples(r) == 1;
  if (s->found) {
    s->version = c->now = (int32_t)strtol(db_get(r, 0, "version"), NULL, 10);
    w->before = strdup(db_get(r, 0, "doc"));
    if (w->before == NULL)
      abort();
  }
  PQclear(r);
  return true;
}

/* The version moves from the one the client holds to the next (412 when
 * the profile moved on meanwhile), then the entries are written. */
static bool write_profile(struct request *rq, struct write *w) {
  struct profile_call *c = w->ctx;
  const struct db_arg bump[] = {{"school", c->school},
                                {"year", c->year},
                                {"version", w->version_text},
                                DB_END};
  PGresult *r = db_call(rq, STMT_RISK_PROFILE_BUMP, bump, NULL);
  if (r == NULL)
    return false;
  bool moved = PQntuples(r) == 1;
  PQclear(r);
  if (!moved) {
    reply_stale_version(rq, w->res->what, c->now, w->version_text);
    return false;
  }
  char *entries = json_dumps(c->entries, JSON_COMPACT);
  const struct db_arg args[] = {
      {"school", c->school},  {"year", c->year},
      {"entries", entries},   {"actor", rq->principal.name},
      {"request_id", rq->id}, DB_END};
  r = db_call(rq, STMT_RISK_ENTRIES_WRITE, args, NULL);
  free(entries);
  if (r == NULL)
    return false;
  PQclear(r);
  return true;
}

static const struct row_key profile_key = {
    .args = {"school", "year"},
    .doc = STMT_RISK_PROFILE_GET,
};

static const struct resource profiles = {
    .what = "profile",
    .parent = &school_parent,
    .entity = "risk_profile",
    .audit_place = AUDIT_PLACE_PARENT,
    .key = &profile_key,
    .load_state = load_state,
    .write = write_profile,
};

/* The profile's write on the generic path: always audited as an update. */
static void profile_write(struct request *rq, struct profile_call *c,
                          const struct resource *res, int32_t held) {
  struct write w = {.ctx = c, .version = held, .action = "update"};
  snprintf(w.version_text, sizeof w.version_text, "%d", held);
  snprintf(w.key[0], sizeof w.key[0], "%s", c->school);
  snprintf(w.key[1], sizeof w.key[1], "%s", c->year);
  snprintf(w.id_text, sizeof w.id_text, "%s", c->school);
  resource_write_key(rq, res, &w);
  json_decref(c->entries);
}

/* A school assesses itself, a curator as a curator; the authority may give
 * any source. 403 naming the entries that say otherwise. */
static bool sources_allowed(struct request *rq, const json_t *entries,
                            const char *path_prefix) {
  const char *only = rq->principal.role == ROLE_SCHOOL    ? "self_diagnosis"
                     : rq->principal.role == ROLE_CURATOR ? "curator"
                                                          : NULL;
  if (only == NULL)
    return true;
  json_t *errors = json_array();
  size_t i;
  json_t *entry;
  json_array_foreach(entries, i, entry) {
    const char *source = json_string_value(json_object_get(entry, "source"));
    if (source != NULL && strcmp(source, only) != 0) {
      char path[64], message[96];
      if (path_prefix != NULL)
        snprintf(path, sizeof path, "%s[%zu].source", path_prefix, i);
      else
        snprintf(path, sizeof path, "$.source");
      snprintf(message, sizeof message, "your role may only give %s", only);
      jspec_error(errors, path, message);
    }
  }
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_problem_errors_steal(rq, ERR_FORBIDDEN,
                             "this source is not yours to give", errors);
  return false;
}

/* --- PUT: the whole profile --------------------------------------------- */

static const struct jspec_field entry_fields[] = {
    FIELD("code", JS_STRING, REQ, 1, 5),
    ENUM_FIELD("level", REQ, levels),
    ENUM_FIELD("source", REQ, sources),
    FIELD("comment", JS_TEXT, OPT_NULL, 1, 2000),
    END_FIELDS,
};
static const struct jspec_field entry_item = {
    "factor", JS_OBJECT, 0, 0, 0, NULL, entry_fields, NULL, NULL};
const struct jspec_field risk_profile_put_fields[] = {
    {"factors", JS_ARRAY, REQ, 1, 200, NULL, NULL, &entry_item, NULL},
    FIELD("school_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("year", JS_INTEGER, JS_READONLY, 0, 0),
    FIELD("version", JS_INTEGER, JS_READONLY, 0, 0),
    END_FIELDS,
};

/* Every active factor exactly once, and nothing else: 400 naming each
 * unknown, repeated or missing code. */
static bool covers_every_factor(struct request *rq, const json_t *entries) {
  PGresult *r = db_call(rq, STMT_RISK_FACTORS_ACTIVE, NULL, NULL);
  if (r == NULL)
    return false;
  int n = PQntuples(r);
  json_t *errors = json_array();
  char *seen = calloc((size_t)n + 1, 1);
  if (seen == NULL)
    abort();
  size_t i;
  json_t *entry;
  json_array_foreach(entries, i, entry) {
    const char *code = json_string_value(json_object_get(entry, "code"));
    int found = -1;
    for (int k = 0; k < n && found < 0; k++)
      if (strcmp(db_get(r, k, "code"), code) == 0)
        found = k;
    char path[48];
    snprintf(path, sizeof path, "$.factors[%zu].code", i);
    if (found < 0)
      jspec_error(errors, path, "is not an active risk factor");
    else if (seen[found]++)
      jspec_error(errors, path, "is given twice");
  }
  for (int k = 0; k < n; k++)
    if (!seen[k]) {
      char message[64];
      snprintf(message, sizeof message, "has no entry for %s",
               db_get(r, k, "code"));
      jspec_error(errors, "$.factors", message);
    }
  free(seen);
  PQclear(r);
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_validation_steal(rq, errors);
  return false;
}

void risk_profile_put(struct request *rq) {
  struct profile_call c;
  int32_t held;
  if (!call_begin(rq, &c) ||
      !request_body_checked(rq, risk_profile_put_fields, JSPEC_CREATE) ||
      !request_if_match(rq, &held))
    return;
  json_t *entries = json_object_get(rq->json, "factors");
  if (!covers_every_factor(rq, entries) ||
      !sources_allowed(rq, entries, "$.factors"))
    return;
  c.entries = json_incref(entries);
  profile_write(rq, &c, &profiles, held);
}

/* --- PATCH: one factor --------------------------------------------------- */

const struct jspec_field risk_profile_patch_fields[] = {
    ENUM_FIELD("level", 0, levels),
    ENUM_FIELD("source", 0, sources),
    FIELD("comment", JS_TEXT, OPT_NULL, 1, 2000),
    FIELD("code", JS_STRING, JS_READONLY, 0, 0),
    END_FIELDS,
};

/* The entry as it will be: the stored one with the patch over it. A factor
 * not assessed yet needs a level and a source. */
static bool merge_entry(struct request *rq, struct profile_call *c) {
  const struct db_arg args[] = {
      {"school", c->school}, {"year", c->year}, {"code", c->code}, DB_END};
  PGresult *r = db_call(rq, STMT_RISK_ENTRY_GET, args, NULL);
  if (r == NULL)
    return false;
  json_t *entry = json_object();
  json_object_set_new(entry, "code", json_string(c->code));
  if (PQntuples(r) == 1) {
    const char *comment = db_get(r, 0, "comment");
    json_object_set_new(entry, "level", json_string(db_get(r, 0, "level")));
    json_object_set_new(entry, "source", json_string(db_get(r, 0, "source")));
    json_object_set_new(entry, "comment",
                        comment ? json_string(comment) : json_null());
  }
  PQclear(r);
  json_object_update(entry, rq->json);
  json_t *errors = json_array();
  if (!json_is_string(json_object_get(entry, "level")))
    jspec_error(errors, "$.level", "is required: the factor is not assessed");
  if (!json_is_string(json_object_get(entry, "source")))
    jspec_error(errors, "$.source", "is required: the factor is not assessed");
  if (json_array_size(errors) > 0) {
    json_decref(entry);
    reply_validation_steal(rq, errors);
    return false;
  }
  json_decref(errors);
  c->entries = json_array();
  json_array_append_new(c->entries, entry);
  return true;
}

/* A patch merges its entry before the profile is read. */
static bool load_patched(struct request *rq, struct write *w,
                         struct write_state *s) {
  struct profile_call *c = w->ctx;
  json_decref(c->entries);
  c->entries = NULL;
  return merge_entry(rq, c) && load_state(rq, w, s);
}

static const struct resource patched_profiles = {
    .what = "profile",
    .parent = &school_parent,
    .entity = "risk_profile",
    .audit_place = AUDIT_PLACE_PARENT,
    .key = &profile_key,
    .load_state = load_patched,
    .write = write_profile,
};

static bool factor_exists(struct request *rq, const char *code) {
  PGresult *r = db_call(rq, STMT_RISK_FACTOR_GET,
                        (const struct db_arg[]){{"id", code}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found)
    reply_problem(rq, ERR_NOT_FOUND, "no risk factor has this code");
  return found;
}

void risk_profile_factor_update(struct request *rq) {
  struct profile_call c;
  int32_t held;
  if (!call_begin(rq, &c) ||
      !request_param_key(rq, "code", c.code, sizeof c.code) ||
      !request_body_checked(rq, risk_profile_patch_fields, JSPEC_PATCH) ||
      !request_if_match(rq, &held))
    return;
  json_t *one = json_array();
  json_array_append(one, rq->json);
  bool allowed = sources_allowed(rq, one, NULL);
  json_decref(one);
  if (!allowed || !factor_exists(rq, c.code))
    return;
  profile_write(rq, &c, &patched_profiles, held);
}

/* --- lists ------------------------------------------------------------------
 */

const struct jspec_field risk_profile_history_params[] = {
    YEAR_FIELD, PAGE_PARAMS, END_FIELDS};
static const struct table_column history_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"year", "Учебный год", TABLE_INTEGER},
    {"factor", "Фактор риска", TABLE_TEXT},
    {"level", "Уровень", TABLE_TEXT},
    {"source", "Источник", TABLE_TEXT},
    {"comment", "Комментарий", TABLE_TEXT},
    {"changed_at", "Изменено", TABLE_TIMESTAMP},
    {"actor", "Автор", TABLE_TEXT},
    {"request_id", "ID запроса", TABLE_TEXT},
};
static const struct table_spec history_table =
    TABLE_SPEC("risk-profile-history", history_columns);

const struct list_spec risk_profile_history_spec = {
    .params = risk_profile_history_params,
    .stmt = STMT_RISK_PROFILE_HISTORY,
    .parent = &school_parent,
    .table = &history_table,
};

void risk_profile_history(struct request *rq) {
  resource_list(rq, &risk_profile_history_spec);
}

const struct jspec_field risk_profiles_list_params[] = {
    YEAR_FIELD,
    PATTERN_FIELD("factor", 0, 4, 5, "^RF[0-9]{2,3}$"),
    ENUM_FIELD("level", 0, levels),
    FIELD("municipality", JS_ID, 0, 0, 0),
    ENUM_FIELD("category", 0, categories),
    PAGE_PARAMS,
    END_FIELDS,
};
static const struct table_column profile_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"school.id", "ID школы", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"year", "Учебный год", TABLE_INTEGER},
    {"factor", "Фактор риска", TABLE_TEXT},
    {"level", "Уровень", TABLE_TEXT},
    {"source", "Источник", TABLE_TEXT},
    {"updated_at", "Изменено", TABLE_TIMESTAMP},
};
static const struct table_spec profile_table =
    TABLE_SPEC("risk-profiles", profile_columns);

const struct list_spec risk_profiles_list_spec = {
    .params = risk_profiles_list_params,
    .stmt = STMT_RISK_PROFILES_LIST,
    .keyed = true,
    .table = &profile_table,
};

void risk_profiles_list(struct request *rq) {
  resource_list(rq, &risk_profiles_list_spec);
}

static const char *const group_bys[] = {"municipality", "region", NULL};
const struct jspec_field risk_profiles_summary_params[] = {
    YEAR_FIELD,
    ENUM_FIELD("group_by", 0, group_bys),
    ENUM_FIELD("category", 0, categories),
    END_FIELDS,
};

void risk_profiles_summary(struct request *rq) {
  json_t *query = request_query_checked(rq, risk_profiles_summary_params);
  if (query == NULL)
    return;
  /* The current school year and by municipality, unless asked otherwise. */
  if (json_object_get(query, "year") == NULL)
    json_object_set_new(query, "year", json_integer(current_school_year()));
  if (json_object_get(query, "group_by") == NULL)
    json_object_set_new(query, "group_by", json_string("municipality"));
  PGresult *r = db_call(rq, STMT_RISK_PROFILES_SUMMARY, NULL, query);
  if (r != NULL) {
    const char *summary = db_get(r, 0, "summary");
    reply_json_text(rq, 200, summary, strlen(summary));
    PQclear(r);
  }
  json_decref(query);
}
