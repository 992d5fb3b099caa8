/* /api/v1/roadmaps: support plans and their revisions (docs/PLANS.md).
 * Reads go through roadmap_visible, writes through roadmap_writable; the
 * documents are built by roadmap_doc (migrations/0003_plans.sql). A draft
 * changes freely; an approved (or later) roadmap changes its status only,
 * and otherwise through a revision. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "checks.h"
#include "fields.h"
#include "handlers.h"
#include "kept.h"
#include "resource.h"

static const char *const owner_kinds[] = {"school", "municipality", NULL};
static const char *const kinds[] = {"school_roadmap", "anti_risk_programme",
                                    "municipal_programme", NULL};
static const char *const statuses[] = {"draft",     "approved", "in_progress",
                                       "completed", "archived", NULL};
static const char *const includes[] = {"items", NULL};

#define FACTOR_PATTERN "^RF[0-9]{2,3}$"

static const struct jspec_field owner_fields[] = {
    ENUM_FIELD("kind", REQ, owner_kinds),
    FIELD("id", JS_ID, REQ, 0, 0),
    END_FIELDS,
};

#define OWNER_FIELD(flags)                                                     \
  { "owner", JS_OBJECT, flags, 0, 0, NULL, owner_fields, NULL, NULL }

#define ROADMAP_FIELDS                                                         \
  ENUM_FIELD("kind", REQ, kinds),                                              \
      PATTERN_FIELD("risk_factor", OPT_NULL, 4, 5, FACTOR_PATTERN),            \
      FIELD("title", JS_STRING, REQ, 1, 1000),                                 \
      FIELD("period_from", JS_DATE, REQ, 0, 0),                                \
      FIELD("period_to", JS_DATE, REQ, 0, 0),                                  \
      FIELD("approval_document", JS_STRING, OPT_NULL, 1, 500),                 \
      FIELD("approved_on", JS_DATE, OPT_NULL, 0, 0),                           \
      FIELD("revision", JS_INTEGER, JS_READONLY, 0, 0),                        \
      FIELD("items_count", JS_INTEGER, JS_READONLY, 0, 0),                     \
      FIELD("done_count", JS_INTEGER, JS_READONLY, 0, 0),                      \
      FIELD("overdue_count", JS_INTEGER, JS_READONLY, 0, 0),                   \
      FIELD("items", JS_ARRAY, JS_READONLY, 0, 0), READONLY_FIELDS

/* A roadmap is born a draft. */
const struct jspec_field roadmap_create_fields[] = {
    OWNER_FIELD(REQ),
    ROADMAP_FIELDS,
    ENUM_FIELD("status", JS_READONLY, statuses),
    END_FIELDS,
};

/* The owner never changes: another owner is another roadmap. */
const struct jspec_field roadmap_update_fields[] = {
    OWNER_FIELD(JS_READONLY),
    ROADMAP_FIELDS,
    ENUM_FIELD("status", 0, statuses),
    END_FIELDS,
};

/* An anti-risk programme is about one risk factor; the other kinds about
 * none. When a patch gives only one of kind and risk_factor, the database's
 * check has the last word. */
static void check_roadmap(struct request *rq, const json_t *body,
                          json_t *errors) {
  check_date_order(body, "period_from", "period_to", errors);
  const char *kind = json_string_value(json_object_get(body, "kind"));
  const json_t *factor = json_object_get(body, "risk_factor");
  if (kind == NULL)
    return;
  bool anti_risk = strcmp(kind, "anti_risk_programme") == 0;
  if (anti_risk &&
      (json_is_null(factor) || (factor == NULL && rq->method == HTTP_POST)))
    jspec_error(errors, "$.risk_factor",
                "is required for an anti_risk_programme");
  else if (!anti_risk && json_is_string(factor))
    jspec_error(errors, "$.risk_factor",
                "only an anti_risk_programme has a risk factor");
}

/* Status changes are the approvers' (admin, municipal). */
static bool authorize_roadmap(struct request *rq, const json_t *body) {
  if (json_object_get(body, "status") == NULL ||
      role_has(rq->principal.role, PERM_ROADMAPS_APPROVE))
    return true;
  json_t *errors = json_array();
  jspec_error(errors, "$.status", "only an approver changes the status");
  reply_problem_errors_steal(
      rq, ERR_FORBIDDEN, "changing a roadmap's status needs roadmaps:approve",
      errors);
  return false;
}

/* draft -> approved -> in_progress -> completed, and anything -> archived. */
static bool transition_allowed(const char *from, const char *to) {
  static const char *const steps[][2] = {{"draft", "approved"},
                                         {"approved", "in_progress"},
                                         {"in_progress", "completed"}};
  if (strcmp(to, "archived") == 0)
    return true;
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (strcmp(from, steps[i][0]) == 0 && strcmp(to, steps[i][1]) == 0)
      return true;
  return false;
}

/* The roadmap's state for a write, locked: NULL after answering 404 or
 * when the statement failed. */
static PGresult *lock_state(struct request *rq, const char *id_text) {
  const struct db_arg args[] = {{"id", id_text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_STATE, args, NULL);
  if (r != NULL && PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "roadmap with id %s", id_text);
    return NULL;
  }
  if (r != NULL && db_get(r, 0, "writable")[0] != 't') {
    PQclear(r);
    reply_problem(rq, ERR_FORBIDDEN,
                  "you may read this roadmap but not change it");
    return NULL;
  }
  return r;
}

/* Approving takes the approval's document and date, from the patch or
 * already on the roadmap. */
static bool approval_complete(struct request *rq, const PGresult *state) {
  static const char *const needed[][2] = {
      {"approval_document", "has_approval_document"},
      {"approved_on", "has_approved_on"}};
  json_t *errors = json_array();
  for (int i = 0; i < 2; i++) {
    const json_t *v = json_object_get(rq->json, needed[i][0]);
    bool there =
        v != NULL ? !json_is_null(v) : db_get(state, 0, needed[i][1])[0] == 't';
    if (!there) {
      char path[32];
      snprintf(path, sizeof path, "$.%s", needed[i][0]);
      jspec_error(errors, path, "is required to approve the roadmap");
    }
  }
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_validation_steal(rq, errors);
  return false;
}

static bool check_transition(struct request *rq, int64_t id,
                             const PGresult *state) {
  const char *from = db_get(state, 0, "status");
  const char *to = json_string_value(json_object_get(rq->json, "status"));
  bool moves = to != NULL && strcmp(to, from) != 0;
  if (moves && !transition_allowed(from, to)) {
    char message[96];
    snprintf(message, sizeof message, "a %s roadmap cannot become %s", from,
             to);
    json_t *errors = json_array();
    jspec_error(errors, "$.status", message);
    reply_problem_errors_steal(rq, ERR_CONFLICT, message, errors);
    return false;
  }
  bool others = json_object_size(rq->json) > (to != NULL ? 1u : 0u);
  if (others && strcmp(from, "draft") != 0) {
    char detail[200];
    snprintf(detail, sizeof detail,
             "only a draft changes; the roadmap is %s: make a revision "
             "first (POST /api/v1/roadmaps/%lld/revisions)",
             from, (long long)id);
    reply_problem(rq, ERR_CONFLICT, detail);
    return false;
  }
  return !moves || strcmp(to, "approved") != 0 || approval_complete(rq, state);
}

static bool before_update(struct request *rq, struct write *w) {
  const char *id_text = w->id_text;
  PGresult *state = lock_state(rq, id_text);
  if (state == NULL)
    return false;
  bool ok = check_transition(rq, w->id, state);
  PQclear(state);
  return ok;
}

static const struct resource roadmaps = {
    .what = "roadmap",
    .collection = "/api/v1/roadmaps",
    .id_param = "id",
    .fields = roadmap_create_fields,
    .update_fields = roadmap_update_fields,
    .check = check_roadmap,
    .authorize = authorize_roadmap,
    .get = STMT_ROADMAP_GET,
    .insert = STMT_ROADMAP_INSERT,
    .update = STMT_ROADMAP_UPDATE,
    .scope_field = "$.owner",
    .scope_message = "the owner is outside what you may write",
    .entity = "roadmap",
    .audit_place = AUDIT_PLACE_ROADMAP,
    .check_transition = before_update,
};

const struct jspec_field roadmaps_list_params[] = {
    FIELD("owner_school", JS_ID, 0, 0, 0),
    FIELD("owner_municipality", JS_ID, 0, 0, 0),
    FIELD("municipality", JS_ID, 0, 0, 0),
    ENUM_FIELD("kind", 0, kinds),
    ENUM_FIELD("status", 0, statuses),
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    PATTERN_FIELD("risk_factor", 0, 4, 5, FACTOR_PATTERN),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column roadmap_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"title", "Наименование", TABLE_TEXT},
    {"kind", "Вид", TABLE_TEXT},
    {"owner.kind", "Владелец", TABLE_TEXT},
    {"owner.id", "ID владельца", TABLE_INTEGER},
    {"risk_factor", "Фактор риска", TABLE_TEXT},
    {"period_from", "Начало периода", TABLE_DATE},
    {"period_to", "Окончание периода", TABLE_DATE},
    {"status", "Статус", TABLE_TEXT},
    {"approval_document", "Документ об утверждении", TABLE_TEXT},
    {"approved_on", "Дата утверждения", TABLE_DATE},
    {"revision", "Редакция", TABLE_INTEGER},
    {"items_count", "Мероприятий", TABLE_INTEGER},
    {"done_count", "Выполнено", TABLE_INTEGER},
    {"overdue_count", "Просрочено", TABLE_INTEGER},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec roadmap_table =
    TABLE_SPEC("roadmaps", roadmap_columns);

const struct list_spec roadmaps_list_spec = {
    .params = roadmaps_list_params,
    .stmt = STMT_ROADMAPS_LIST,
    .table = &roadmap_table,
};

void roadmaps_list(struct request *rq) {
  resource_list(rq, &roadmaps_list_spec);
}

void roadmaps_create(struct request *rq) {
  resource_create(rq, &roadmaps);
}

void roadmap_update(struct request *rq) {
  resource_update(rq, &roadmaps);
}

static void reply_no_roadmap(struct request *rq, int64_t id) {
  reply_unseen(rq, "roadmap with id %lld", (long long)id);
}

/* The roadmap's id, and as statement text. */
struct roadmap_ref {
  int64_t id;
  char text[24];
};

static bool read_roadmap_id(struct request *rq, struct roadmap_ref *ref) {
  if (!request_param_id(rq, "id", &ref->id))
    return false;
  snprintf(ref->text, sizeof ref->text, "%lld", (long long)ref->id);
  return true;
}

const struct jspec_field roadmap_get_params[] = {
    ENUM_FIELD("include", 0, includes),
    END_FIELDS,
};

/* Answers the roadmap if it is missing, the caller holds its version, or
 * its answer is kept under its change number and today; else leaves in
 * key what to keep the answer under ("" for nothing). False when it
 * answered (or the statement failed). */
static bool roadmap_kept(struct request *rq, const struct roadmap_ref *ref,
                         bool items, char key[KEPT_KEY_MAX]) {
  key[0] = '\0';
  const struct db_arg args[] = {{"id", ref->text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_STAMP, args, NULL);
  if (r == NULL)
    return false;
  if (PQntuples(r) == 0) {
    PQclear(r);
    reply_no_roadmap(rq, ref->id);
    return false;
  }
  int32_t version = (int32_t)strtol(PQgetvalue(r, 0, 0), NULL, 10);
  char what[64];
  snprintf(what, sizeof what, "roadmap|%s|%s", ref->text, items ? "items" : "");
  bool answered = reply_if_current(rq, version);
  if (!answered &&
      reply_kept_under_stamp(rq, what, db_get(r, 0, "stamp"), key)) {
    reply_etag(rq, version);
    answered = true;
  }
  PQclear(r);
  return !answered;
}

void roadmap_get(struct request *rq) {
  struct roadmap_ref ref;
  if (!read_roadmap_id(rq, &ref))
    return;
  json_t *query = request_query_checked(rq, roadmap_get_params);
  if (query == NULL)
    return;
  bool items = json_object_get(query, "include") != NULL;
  json_decref(query);
  char key[KEPT_KEY_MAX];
  if (!roadmap_kept(rq, &ref, items, key))
    return;
  const struct db_arg args[] = {{"id", ref.text}, DB_END};
  PGresult *r = db_call(rq, items ? STMT_ROADMAP_GET_ITEMS : STMT_ROADMAP_GET,
                        args, NULL);
  if (r == NULL)
    return;
  if (PQntuples(r) == 0) {
    PQclear(r);
    reply_no_roadmap(rq, ref.id);
    return;
  }
  reply_doc_keep(rq, r, 200, key);
}

/* Is the roadmap there for the caller? False after answering 404 (or when
 * the statement failed). */
static bool roadmap_visible(struct request *rq, const struct roadmap_ref *ref) {
  const struct db_arg args[] = {{"id", ref->text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_GET, args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found)
    reply_no_roadmap(rq, ref->id);
  return found;
}

const struct jspec_field roadmap_revisions_list_params[] = {
    PAGE_PARAMS,
    END_FIELDS,
};

void roadmap_revisions_list(struct request *rq) {
  struct roadmap_ref ref;
  if (!read_roadmap_id(rq, &ref))
    return;
  json_t *query = request_query_checked(rq, roadmap_revisions_list_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  const struct db_arg args[] = {
      {"id", ref.text},
      {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
      {"limit", page.limit_plus_one},
      DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_REVISIONS_LIST, args, NULL);
  if (r != NULL && PQntuples(r) == 0 && !roadmap_visible(rq, &ref))
    PQclear(r);
  else if (r != NULL)
    reply_page(rq, r, &page);
  page_end(&page);
  json_decref(query);
}

/* {revision}: 0 is the first one kept. */
static bool read_revision(struct request *rq, int *out) {
  const char *v;
  size_t len;
  if (request_param_raw(rq, "revision", &v, &len)) {
    bool ok = len > 0 && len <= 9;
    long n = 0;
    for (size_t k = 0; ok && k < len; k++) {
      ok = v[k] >= '0' && v[k] <= '9';
      n = n * 10 + (v[k] - '0');
    }
    if (ok) {
      *out = (int)n;
      return true;
    }
  }
  json_t *errors = json_array();
  jspec_error(errors, "path.revision", "must be a non-negative integer");
  reply_validation_steal(rq, errors);
  return false;
}

void roadmap_revision_get(struct request *rq) {
  struct roadmap_ref ref;
  int revision;
  if (!read_roadmap_id(rq, &ref) || !read_revision(rq, &revision))
    return;
  char revision_text[16];
  snprintf(revision_text, sizeof revision_text, "%d", revision);
  const struct db_arg args[] = {
      {"id", ref.text}, {"revision", revision_text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_REVISION_GET, args, NULL);
  if (r == NULL)
    return;
  if (PQntuples(r) == 1) {
    reply_doc(rq, r, 200);
    return;
  }
  PQclear(r);
  if (roadmap_visible(rq, &ref)) {
    char detail[96];
    snprintf(detail, sizeof detail, "roadmap %s has no revision %d", ref.text,
             revision);
    reply_problem(rq, ERR_NOT_FOUND, detail);
  }
}

const struct jspec_field roadmap_revision_fields[] = {
    FIELD("reason", JS_STRING, REQ, 1, 500),
    FIELD("revision", JS_INTEGER, JS_READONLY, 0, 0),
    FIELD("created_at", JS_STRING, JS_READONLY, 0, 0),
    FIELD("actor", JS_STRING, JS_READONLY, 0, 0),
    END_FIELDS,
};

struct revise {
  struct roadmap_ref ref;
  const char *reason;
  char *before, *after, *summary; /* owned */
  char revision[16];
};

/* The roadmap's document as it is now (owned), or NULL after a failure. */
static char *roadmap_doc_text(struct request *rq, const struct revise *v) {
  const struct db_arg args[] = {{"id", v->ref.text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_GET, args, NULL);
  if (r == NULL)
    return NULL;
  char *doc = PQntuples(r) == 1 ? strdup(db_get(r, 0, "doc")) : NULL;
  PQclear(r);
  if (doc == NULL)
    reply_no_roadmap(rq, v->ref.id);
  return doc;
}

static bool revisable(struct request *rq, const char *status) {
  if (strcmp(status, "approved") == 0 || strcmp(status, "in_progress") == 0)
    return true;
  char detail[128];
  snprintf(detail, sizeof detail,
           "only an approved or in-progress roadmap is revised; this one is %s",
           status);
  reply_problem(rq, ERR_CONFLICT, detail);
  return false;
}

static bool revise_work(struct request *rq, void *arg) {
  struct revise *v = arg;
  free(v->before);
  free(v->after);
  free(v->summary);
  v->before = v->after = v->summary = NULL;
  PGresult *state = lock_state(rq, v->ref.text);
  if (state == NULL)
    return false;
  bool ok = revisable(rq, db_get(state, 0, "status"));
  PQclear(state);
  if (!ok || (v->before = roadmap_doc_text(rq, v)) == NULL)
    return false;
  const struct db_arg keep[] = {{"id", v->ref.text},
                                {"reason", v->reason},
                                {"actor", rq->principal.name},
                                DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_REVISION_INSERT, keep, NULL);
  if (r == NULL)
    return false;
  snprintf(v->revision, sizeof v->revision, "%s", db_get(r, 0, "revision"));
  v->summary = strdup(db_get(r, 0, "summary"));
  PQclear(r);
  const struct db_arg open[] = {{"id", v->ref.text}, DB_END};
  if ((r = db_call(rq, STMT_ROADMAP_REVISE, open, NULL)) == NULL)
    return false;
  PQclear(r);
  if ((v->after = roadmap_doc_text(rq, v)) == NULL)
    return false;
  struct audit_entry e = {.action = "revise",
                          .entity = "roadmap",
                          .entity_id = v->ref.text,
                          .before = v->before,
                          .after = v->after,
                          .place = AUDIT_PLACE_ROADMAP};
  if (!audit_write(rq, &e))
    return false;
  reply_json_text(rq, 201, v->summary, strlen(v->summary));
  return true;
}

void roadmap_revisions_create(struct request *rq) {
  struct revise v = {0};
  if (!read_roadmap_id(rq, &v.ref) ||
      !request_body_checked(rq, roadmap_revision_fields, JSPEC_CREATE))
    return;
  v.reason = json_string_value(json_object_get(rq->json, "reason"));
  if (db_txn(rq, revise_work, &v)) {
    char collection[64];
    snprintf(collection, sizeof collection, "/api/v1/roadmaps/%s/revisions",
             v.ref.text);
    reply_location(rq, collection, strtoll(v.revision, NULL, 10));
  }
  free(v.before);
  free(v.after);
  free(v.summary);
}
