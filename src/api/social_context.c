/* /api/v1/schools/{id}/social-context/{year} and /api/v1/social-context:
 * a school's social context per school year (docs/CONTEXT.md). PUT
 * creates the year's row (no If-Match, or If-None-Match: *) or replaces it
 * (If-Match: its version). Every write is audited. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "context.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

const char *const context_shares[] = {"parents_higher_education",
                                      "single_parent",
                                      "unemployed_parents",
                                      "low_income",
                                      "non_russian_at_home",
                                      "preventive_register",
                                      "disabilities",
                                      NULL};

#define SHARE(name) FIELD(name, JS_NUMBER, OPT_NULL, 0, 0)
const struct jspec_field context_put_fields[] = {
    SHARE("parents_higher_education"),
    SHARE("single_parent"),
    SHARE("unemployed_parents"),
    SHARE("low_income"),
    SHARE("non_russian_at_home"),
    SHARE("preventive_register"),
    SHARE("disabilities"),
    FIELD("pupils", JS_INTEGER, OPT_NULL, 0, CONTEXT_MAX_PUPILS),
    FIELD("school_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("school_code", JS_STRING, JS_READONLY, 0, 0),
    FIELD("school_name", JS_STRING, JS_READONLY, 0, 0),
    FIELD("municipality_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("locality", JS_STRING, JS_READONLY, 0, 0),
    FIELD("year", JS_INTEGER, JS_READONLY, 0, 0),
    FIELD("version", JS_INTEGER, JS_READONLY, 0, 0),
    FIELD("created_at", JS_STRING, JS_READONLY, 0, 0),
    FIELD("updated_at", JS_STRING, JS_READONLY, 0, 0),
    END_FIELDS,
};

bool context_share_valid(double v) {
  return v >= 0 && v <= 100;
}

struct context_call {
  char school[24], year[16], version[16];
  bool replace; /* If-Match given */
  int32_t now;  /* the row's version before the write */
};

/* The path's school and year; false after answering 400. */
static bool call_begin(struct request *rq, struct context_call *c) {
  memset(c, 0, sizeof *c);
  int64_t school, year;
  if (!request_param_id(rq, "id", &school) ||
      !request_param_id(rq, "year", &year))
    return false;
  if (year < CONTEXT_MIN_YEAR || year > CONTEXT_MAX_YEAR) {
    reply_problem_at(rq, ERR_VALIDATION_FAILED, "path.year",
                     "must be a school year from 2000 to 2100");
    return false;
  }
  snprintf(c->school, sizeof c->school, "%lld", (long long)school);
  snprintf(c->year, sizeof c->year, "%lld", (long long)year);
  return true;
}

static void reply_missing(struct request *rq, const struct context_call *c) {
  reply_unseen(rq, "social context of school %s for %s", c->school, c->year);
}

void context_get(struct request *rq) {
  struct context_call c;
  if (!call_begin(rq, &c))
    return;
  const struct db_arg args[] = {{"school", c.school}, {"year", c.year}, DB_END};
  PGresult *r = db_call(rq, STMT_CONTEXT_GET, args, NULL);
  if (r == NULL)
    return;
  if (PQntuples(r) == 0) {
    PQclear(r);
    reply_missing(rq, &c);
    return;
  }
  reply_doc(rq, r, 200); /* with its ETag, or 304 to If-None-Match */
}

/* Creating over an existing row, or replacing a stale or missing one. */
static void refuse_write(struct request *rq, const struct write *w) {
  const struct context_call *c = w->ctx;
  if (c->replace && !w->created) {
    reply_stale_version(rq, w->res->what, c->now, c->version);
  } else if (c->replace) {
    reply_problem(rq, ERR_PRECONDITION_FAILED,
                  "the year has no social context to replace: send "
                  "If-None-Match: * (or no If-Match) to create it");
  } else {
    bool none_match = request_header(rq, "If-None-Match") != NULL;
    reply_problem(
        rq, none_match ? ERR_PRECONDITION_FAILED : ERR_PRECONDITION_REQUIRED,
        "the year has a social context already: send If-Match "
        "with the ETag of the version you read to replace it");
    if (none_match) /* a 428 carries no ETag */
      reply_etag(rq, c->now);
  }
}

/* The year's row, when it has one (the school's 404 came first). A row
 * not there yet is left to the statement: replacing it is refused as
 * missing. */
static bool load_state(struct request *rq, struct write *w,
                       struct write_state *s) {
  struct context_call *c = w->ctx;
  const struct db_arg args[] = {
      {"school", c->school}, {"year", c->year}, DB_END};
  PGresult *r = db_call(rq, STMT_CONTEXT_DOC, args, NULL);
  if (r == NULL)
    return false;
  s->found = s->writable = true;
  w->created = PQntuples(r) == 0;
  c->now = 0;
  if (!w->created) {
    c->now = (int32_t)strtol(db_get(r, 0, "version"), NULL, 10);
    w->before = strdup(db_get(r, 0, "doc"));
    if (w->before == NULL)
      abort();
  }
  PQclear(r);
  s->version = w->created ? w->version : c->now;
  return true;
}

/* The year's row created, or replaced from the version the client holds;
 * refused (412, 428) when it changed nothing. */
static bool write_context(struct request *rq, struct write *w) {
  const struct context_call *c = w->ctx;
  const struct db_arg args[] = {{"body", w->body},
                                {"school", c->school},
                                {"year", c->year},
                                {"version", c->replace ? c->version : NULL},
                                DB_END};
  PGresult *r = db_call(
      rq, c->replace ? STMT_CONTEXT_REPLACE : STMT_CONTEXT_INSERT,
      c->replace ? args
                 : (const struct db_arg[]){args[0], args[1], args[2], DB_END},
      NULL);
  if (r == NULL)
    return false;
  bool written = PQntuples(r) == 1;
  PQclear(r);
  if (!written)
    refuse_write(rq, w);
  return written;
}

static const struct row_key context_key = {
    .args = {"school", "year"},
    .doc = STMT_CONTEXT_DOC,
    .created_201 = true,
    .parent_first = true,
};

static const struct resource contexts = {
    .what = "social context",
    .parent = &school_parent,
    .entity = "school_context",
    .audit_place = AUDIT_PLACE_PARENT,
    .key = &context_key,
    .load_state = load_state,
    .write = write_context,
};

/* 400 naming every share outside 0..100. */
static bool shares_in_range(struct request *rq) {
  json_t *errors = json_array();
  for (size_t i = 0; context_shares[i] != NULL; i++) {
    json_t *v = json_object_get(rq->json, context_shares[i]);
    if (json_is_number(v) && !context_share_valid(json_number_value(v))) {
      char path[64];
      snprintf(path, sizeof path, "$.%s", context_shares[i]);
      jspec_error(errors, path, "must be a percentage from 0 to 100");
    }
  }
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_validation_steal(rq, errors);
  return false;
}

/* If-Match: replace that version; If-None-Match: * or neither: create. */
static bool preconditions(struct request *rq, struct context_call *c,
                          struct write *w) {
  const char *none = request_header(rq, "If-None-Match");
  if (request_header(rq, "If-Match") != NULL) {
    if (!request_if_match(rq, &w->version))
      return false;
    c->replace = true;
    snprintf(c->version, sizeof c->version, "%d", w->version);
    snprintf(w->version_text, sizeof w->version_text, "%s", c->version);
    return true;
  }
  if (none != NULL && strcmp(none, "*") != 0) {
    reply_problem_at(rq, ERR_BAD_REQUEST, "header.If-None-Match",
                     "only * is accepted: create the year's row if it has "
                     "none");
    return false;
  }
  return true;
}

void context_put(struct request *rq) {
  struct context_call c;
  struct write w = {.ctx = &c};
  if (!call_begin(rq, &c) ||
      !request_body_checked(rq, context_put_fields, JSPEC_CREATE) ||
      !shares_in_range(rq) || !preconditions(rq, &c, &w))
    return;
  snprintf(w.key[0], sizeof w.key[0], "%s", c.school);
  snprintf(w.key[1], sizeof w.key[1], "%s", c.year);
  snprintf(w.id_text, sizeof w.id_text, "%s", c.school);
  w.body = json_dumps(rq->json, JSON_COMPACT);
  if (w.body == NULL)
    abort();
  resource_write_key(rq, &contexts, &w);
}

/* --- lists --------------------------------------------------------------- */

static const struct table_column context_columns[] = {
    {"school_id", "ID школы", TABLE_INTEGER},
    {"school_code", "Код школы", TABLE_TEXT},
    {"school_name", "Школа", TABLE_TEXT},
    {"municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"locality", "Местность", TABLE_TEXT},
    {"year", "Учебный год", TABLE_INTEGER},
    {"parents_higher_education", "Оба родителя с высшим образованием, %",
     TABLE_NUMBER},
    {"single_parent", "Неполные семьи, %", TABLE_NUMBER},
    {"unemployed_parents", "Безработные родители, %", TABLE_NUMBER},
    {"low_income", "Малоимущие семьи, %", TABLE_NUMBER},
    {"non_russian_at_home", "Не говорят дома по-русски, %", TABLE_NUMBER},
    {"preventive_register", "На профилактическом учёте, %", TABLE_NUMBER},
    {"disabilities", "С ОВЗ, %", TABLE_NUMBER},
    {"pupils", "Обучающихся", TABLE_INTEGER},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec context_table =
    TABLE_SPEC("social-context", context_columns);

const struct jspec_field context_years_params[] = {PAGE_PARAMS, END_FIELDS};
const struct list_spec context_years_spec = {
    .params = context_years_params,
    .stmt = STMT_CONTEXT_YEARS_LIST,
    .parent = &school_parent,
    .table = &context_table,
};

void context_years_list(struct request *rq) {
  resource_list(rq, &context_years_spec);
}

const struct jspec_field contexts_list_params[] = {
    FIELD("year", JS_INTEGER, REQ, CONTEXT_MIN_YEAR, CONTEXT_MAX_YEAR),
    FIELD("municipality", JS_ID, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};
const struct list_spec contexts_list_spec = {
    .params = contexts_list_params,
    .stmt = STMT_CONTEXTS_LIST,
    .keyed = true,
    .table = &context_table,
};

void contexts_list(struct request *rq) {
  resource_list(rq, &contexts_list_spec);
}
