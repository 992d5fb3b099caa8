/* /api/v1/monitoring/campaigns/{id}/submissions: a school's values for a
 * campaign, and their review (docs/MONITORING.md, "Submissions"). A
 * submission's version is its ETag (0 before the first save); every save
 * and transition takes If-Match, moves the version on, keeps the values as
 * they were in submission_events and is audited. Accepting makes the values
 * official (indicator_values), returning withdraws them. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "csv_out.h"
#include "fields.h"
#include "handlers.h"
#include "monitoring.h"
#include "resource.h"
#include "submissions.h"
#include "table_reply.h"

/* One change of a submission: what it does, from which states. */
struct move {
  const char *action; /* save, submit, accept, return */
  const char *to;     /* the state it leaves the submission in */
  const char *const *from;
  bool open_only; /* a closed campaign refuses it */
};

static const char *const save_from[] = {"not_started", "draft", "returned",
                                        NULL};
static const char *const submit_from[] = {"draft", "returned", NULL};
static const char *const accept_from[] = {"submitted", NULL};
static const char *const return_from[] = {"submitted", "accepted", NULL};

static const struct move save_move = {"save", "draft", save_from, true};
static const struct move submit_move = {"submit", "submitted", submit_from,
                                        true};
static const struct move accept_move = {"accept", "accepted", accept_from,
                                        false};
static const struct move return_move = {"return", "returned", return_from,
                                        false};

struct call {
  char campaign[24], school[24];
  char status[16], period[24];
  const struct move *move;
  char state[16]; /* the submission's, before the move */
  char id[24];    /* the submission's, once it exists */
  char *values;   /* PUT: the validated values (JSON text), owned */
  char *comment;  /* return: the reviewer's comment, owned */
};

static void call_end(struct call *c) {
  free(c->values);
  free(c->comment);
}

/* The path's campaign and school. False after answering 400. */
static bool call_begin(struct request *rq, struct call *c, bool with_school) {
  memset(c, 0, sizeof *c);
  int64_t campaign, school;
  if (!request_param_id(rq, "id", &campaign) ||
      (with_school && !request_param_id(rq, "school_id", &school)))
    return false;
  snprintf(c->campaign, sizeof c->campaign, "%lld", (long long)campaign);
  if (with_school)
    snprintf(c->school, sizeof c->school, "%lld", (long long)school);
  return true;
}

/* The campaign is visible and (with a school) asks that school, which is
 * the caller's; else 404. Reads its status and period; `lock` share-locks
 * the campaign for a write. */
static bool context(struct request *rq, struct call *c, bool lock) {
  const struct db_arg args[] = {{"campaign", c->campaign},
                                {"school", c->school[0] ? c->school : NULL},
                                DB_END};
  PGresult *r = db_call(rq, lock ? STMT_SUBM_CONTEXT_LOCK : STMT_SUBM_CONTEXT,
                        args, NULL);
  if (r == NULL)
    return false;
  bool campaign = PQntuples(r) == 1;
  bool found =
      campaign && (!c->school[0] || db_get(r, 0, "school_ok")[0] == 't');
  if (campaign) {
    snprintf(c->status, sizeof c->status, "%s", db_get(r, 0, "status"));
    snprintf(c->period, sizeof c->period, "%s", db_get(r, 0, "period"));
  }
  PQclear(r);
  /* The school may be asked but outside the caller's scope. */
  if (!campaign)
    reply_unseen(rq, "campaign with id %s", c->campaign);
  else if (!found)
    reply_unseen(rq, "submission of school %s in campaign %s", c->school,
                 c->campaign);
  return found;
}

/* A draft campaign takes no submissions; a closed one no saves or
 * submits: 409. */
static bool campaign_takes(struct request *rq, const struct call *c) {
  const char *why = NULL;
  if (strcmp(c->status, "draft") == 0)
    why = "the campaign is a draft: it takes no submissions until it opens";
  else if (strcmp(c->status, "closed") == 0 && c->move->open_only)
    why = "the campaign is closed: it takes no more saves or submits";
  if (why != NULL)
    reply_problem(rq, ERR_CONFLICT, why);
  return why == NULL;
}

/* The submission's campaign and school, as statements take them. */
#define SUBMISSION_ARGS(c)                                                     \
  (const struct db_arg[]) {                                                    \
    {"campaign", (c)->campaign}, {"school", (c)->school}, DB_END               \
  }

/* --- reads ------------------------------------------------------------- */

void submission_get(struct request *rq) {
  struct call c;
  if (!call_begin(rq, &c, true) || !context(rq, &c, false))
    return;
  PGresult *r = db_call(rq, STMT_SUBM_GET, SUBMISSION_ARGS(&c), NULL);
  if (r != NULL)
    reply_doc(rq, r, 200);
}

static const char *const states[] = {"not_started", "draft",    "submitted",
                                     "returned",    "accepted", NULL};
const struct jspec_field submissions_list_params[] = {
    ENUM_FIELD("state", 0, states),
    FIELD("municipality", JS_ID, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};

static const struct table_column submission_columns[] = {
    {"campaign_id", "ID кампании", TABLE_INTEGER},
    {"school.id", "ID школы", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"state", "Состояние", TABLE_TEXT},
    {"late", "С опозданием", TABLE_BOOLEAN},
    {"submitted_at", "Представлено", TABLE_TIMESTAMP},
    {"reviewer_comment", "Комментарий проверяющего", TABLE_TEXT},
    {"values", "Значения", TABLE_JSON},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec submission_table =
    TABLE_SPEC("campaign-submissions", submission_columns);

void submissions_list(struct request *rq) {
  struct call c;
  if (!call_begin(rq, &c, false))
    return;
  json_t *query = request_query_checked(rq, submissions_list_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  if (context(rq, &c, false)) {
    bool csv = request_wants_table(rq);
    char csv_limit[16];
    snprintf(csv_limit, sizeof csv_limit, "%d", CSV_MAX_ROWS + 1);
    const struct db_arg args[] = {
        {"campaign", c.campaign},
        {"cursor_key", page.cursor_key},
        {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
        {"limit", csv ? csv_limit : page.limit_plus_one},
        DB_END};
    PGresult *r = db_call(rq, STMT_SUBM_LIST, args, query);
    if (r != NULL && csv) {
      reply_table(rq, &submission_table, r, 0, 3, c.campaign);
      PQclear(r);
    } else if (r != NULL) {
      reply_page(rq, r, &page);
    }
  }
  page_end(&page);
  json_decref(query);
}

const struct jspec_field submission_history_params[] = {PAGE_PARAMS,
                                                        END_FIELDS};

void submission_history(struct request *rq) {
  struct call c;
  if (!call_begin(rq, &c, true))
    return;
  json_t *query = request_query_checked(rq, submission_history_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  if (context(rq, &c, false)) {
    const struct db_arg args[] = {
        {"campaign", c.campaign},
        {"school", c.school},
        {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
        {"limit", page.limit_plus_one},
        DB_END};
    PGresult *r = db_call(rq, STMT_SUBM_HISTORY, args, NULL);
    if (r != NULL)
      reply_page(rq, r, &page);
  }
  page_end(&page);
  json_decref(query);
}

/* GET /schools/{id}/submissions: one school's submissions across
 * campaigns, newest campaign first (404 when the school is not the
 * caller's). */
const struct jspec_field school_submissions_list_params[] = {
    ENUM_FIELD("state", 0, states),
    FIELD("campaign", JS_ID, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};
static const struct table_column school_submission_columns[] = {
    {"campaign.id", "ID кампании", TABLE_INTEGER},
    {"campaign.title", "Кампания", TABLE_TEXT},
    {"campaign.period", "Период", TABLE_TEXT},
    {"campaign.status", "Статус кампании", TABLE_TEXT},
    {"campaign.deadline", "Срок", TABLE_DATE},
    {"state", "Состояние", TABLE_TEXT},
    {"late", "С опозданием", TABLE_BOOLEAN},
    {"submitted_at", "Представлено", TABLE_TIMESTAMP},
    {"reviewer_comment", "Комментарий проверяющего", TABLE_TEXT},
    {"values", "Значения", TABLE_JSON},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec school_submission_table =
    TABLE_SPEC("school-submissions", school_submission_columns);
const struct list_spec school_submissions_list_spec = {
    .params = school_submissions_list_params,
    .stmt = STMT_SUBM_SCHOOL_LIST,
    .parent = &school_parent,
    .table = &school_submission_table,
};

void school_submissions_list(struct request *rq) {
  resource_list(rq, &school_submissions_list_spec);
}

/* --- changes ----------------------------------------------------------- */

static bool state_allows(const struct move *m, const char *state) {
  for (const char *const *s = m->from; *s != NULL; s++)
    if (strcmp(*s, state) == 0)
      return true;
  return false;
}

static void reply_illegal(struct request *rq, const struct call *c,
                          const char *state) {
  char detail[200];
  if (strcmp(c->move->action, "save") == 0 && strcmp(state, "accepted") == 0)
    snprintf(detail, sizeof detail,
             "the submission is accepted: its values are locked until a "
             "reviewer returns it");
  else if (strcmp(c->move->action, "save") == 0)
    snprintf(detail, sizeof detail,
             "the submission is %s: a reviewer returns it before it changes",
             state);
  else
    snprintf(detail, sizeof detail, "a submission that is %s cannot %s", state,
             strcmp(c->move->action, "return") == 0   ? "be returned"
             : strcmp(c->move->action, "accept") == 0 ? "be accepted"
                                                      : "be submitted");
  reply_problem(rq, ERR_CONFLICT, detail);
}

/* Submitting needs a value for every required indicator: 400 naming each
 * missing one. */
static bool complete(struct request *rq, const struct call *c) {
  PGresult *r =
      db_call(rq, STMT_SUBM_MISSING,
              (const struct db_arg[]){{"submission", c->id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  int n = PQntuples(r);
  if (n > 0) {
    json_t *errors = json_array();
    for (int i = 0; i < n; i++) {
      char message[128];
      snprintf(message, sizeof message, "has no value for %s (required)",
               db_get(r, i, "indicator_code"));
      jspec_error(errors, "$.values", message);
    }
    reply_problem_errors_steal(
        rq, ERR_VALIDATION_FAILED,
        "every required indicator needs a value before submitting", errors);
  }
  PQclear(r);
  return n == 0;
}

static bool call_ok(struct request *rq, enum stmt_id id,
                    const struct db_arg *args) {
  PGresult *r = db_call(rq, id, args, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  return true;
}

/* The campaign (404, 409) and the row for this school, locked: its state
 * and version (not_started and 0 when there is none). */
static bool load_state(struct request *rq, struct write *w,
                       struct write_state *s) {
  struct call *c = w->ctx;
  c->id[0] = '\0';
  if (!context(rq, c, true) || !campaign_takes(rq, c))
    return false;
  PGresult *r = db_call(rq, STMT_SUBM_LOCK, SUBMISSION_ARGS(c), NULL);
  if (r == NULL)
    return false;
  s->found = s->writable = true;
  if (PQntuples(r) == 1) {
    snprintf(c->id, sizeof c->id, "%s", db_get(r, 0, "id"));
    snprintf(c->state, sizeof c->state, "%s", db_get(r, 0, "state"));
    s->version = (int32_t)strtol(db_get(r, 0, "version"), NULL, 10);
  } else {
    snprintf(c->state, sizeof c->state, "not_started");
  }
  PQclear(r);
  w->created = !c->id[0];
  snprintf(w->id_text, sizeof w->id_text, "%s", c->id);
  return true;
}

/* The move from the submission's state (409), complete to submit (400). */
static bool check_transition(struct request *rq, struct write *w) {
  const struct call *c = w->ctx;
  if (!state_allows(c->move, c->state)) {
    reply_illegal(rq, c, c->state);
    return false;
  }
  return strcmp(c->move->action, "submit") != 0 || complete(rq, c);
}

/* Moves the row to the move's state and the next version (creating it on
 * the first save). False after answering 412 or a failed statement. */
static bool advance(struct request *rq, struct write *w) {
  struct call *c = w->ctx;
  PGresult *r;
  if (!c->id[0]) {
    r = db_call(rq, STMT_SUBM_CREATE, SUBMISSION_ARGS(c), NULL);
  } else {
    const struct db_arg args[] = {{"id", c->id},
                                  {"version", w->version_text},
                                  {"state", c->move->to},
                                  {"comment", c->comment},
                                  {"action", c->move->action},
                                  DB_END};
    r = db_call(rq, STMT_SUBM_MOVE, args, NULL);
  }
  if (r == NULL)
    return false;
  bool moved = PQntuples(r) == 1;
  if (moved && !c->id[0])
    snprintf(c->id, sizeof c->id, "%s", db_get(r, 0, "id"));
  PQclear(r);
  snprintf(w->id_text, sizeof w->id_text, "%s", c->id);
  if (!moved) /* another first save came in between */
    reply_stale_version(rq, w->res->what, 1, w->version_text);
  return moved;
}

/* What the move does besides changing the state, and its event. */
static bool move_effects(struct request *rq, struct call *c) {
  if (strcmp(c->move->action, "save") == 0) {
    const struct db_arg clear[] = {{"submission", c->id}, DB_END};
    const struct db_arg write[] = {
        {"submission", c->id}, {"values", c->values}, DB_END};
    return call_ok(rq, STMT_SUBM_VALUES_CLEAR, clear) &&
           call_ok(rq, STMT_SUBM_VALUES_WRITE, write);
  }
  /* Accepting makes the values official; returning withdraws them until
   * the submission is accepted again. */
  bool accept = strcmp(c->move->action, "accept") == 0;
  if (accept || strcmp(c->move->action, "return") == 0)
    return official_values_sync(rq, c->school, c->period,
                                accept ? c->id : NULL);
  return true;
}

static bool after_write(struct request *rq, struct write *w) {
  struct call *c = w->ctx;
  const struct db_arg event[] = {{"submission", c->id},
                                 {"action", c->move->action},
                                 {"actor", rq->principal.name},
                                 {"comment", c->comment},
                                 DB_END};
  return move_effects(rq, c) && call_ok(rq, STMT_SUBM_EVENT, event);
}

/* Audited under the school. */
static void audit_where(const struct write *w, const char **place,
                        const char **parent) {
  (void)place;
  *parent = w->key[1];
}

static const struct row_key submission_key = {
    .args = {"campaign", "school"},
    .doc = STMT_SUBM_GET,
};

static const struct resource submissions = {
    .what = "submission",
    .entity = "submission",
    .audit_place = AUDIT_PLACE_PARENT,
    .key = &submission_key,
    .load_state = load_state,
    .check_transition = check_transition,
    .write = advance,
    .after_write = after_write,
    .audit_where = audit_where,
};

/* The checks before the transaction: the campaign and school (404), the
 * campaign's status (409). */
static bool move_begin(struct request *rq, struct call *c,
                       const struct move *m) {
  if (!call_begin(rq, c, true))
    return false;
  c->move = m;
  if (!context(rq, c, false) || !campaign_takes(rq, c))
    return false;
  return true;
}

/* The move, from the version If-Match holds, on the generic write path; a
 * save is audited as the create or an update, every other move by its
 * name. */
static void move_run(struct request *rq, struct call *c) {
  struct write w = {.ctx = c};
  if (!request_if_match(rq, &w.version))
    return;
  snprintf(w.version_text, sizeof w.version_text, "%d", w.version);
  snprintf(w.key[0], sizeof w.key[0], "%s", c->campaign);
  snprintf(w.key[1], sizeof w.key[1], "%s", c->school);
  if (strcmp(c->move->action, "save") != 0)
    w.action = c->move->action;
  resource_write_key(rq, &submissions, &w);
}

void submission_put(struct request *rq) {
  struct call c;
  if (move_begin(rq, &c, &save_move) &&
      submission_values_valid(rq, c.campaign)) {
    /* 15 digits: 41.2 stays 41.2 (as a double it is 41.200000000000003). */
    c.values = json_dumps(json_object_get(rq->json, "values"),
                          JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (c.values == NULL)
      abort();
    move_run(rq, &c);
  }
  call_end(&c);
}

void submission_submit(struct request *rq) {
  struct call c;
  if (move_begin(rq, &c, &submit_move))
    move_run(rq, &c);
  call_end(&c);
}

void submission_accept(struct request *rq) {
  struct call c;
  if (move_begin(rq, &c, &accept_move))
    move_run(rq, &c);
  call_end(&c);
}

const struct jspec_field submission_return_fields[] = {
    FIELD("comment", JS_TEXT, REQ, 1, 2000),
    END_FIELDS,
};

void submission_return(struct request *rq) {
  struct call c;
  if (move_begin(rq, &c, &return_move) &&
      request_body_checked(rq, submission_return_fields, JSPEC_CREATE)) {
    c.comment = strdup(json_string_value(json_object_get(rq->json, "comment")));
    if (c.comment == NULL)
      abort();
    move_run(rq, &c);
  }
  call_end(&c);
}
