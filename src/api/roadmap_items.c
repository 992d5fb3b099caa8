/* /api/v1/roadmaps/{id}/items and /api/v1/roadmap-items: the rows of a
 * roadmap, their reports, and overdue items across roadmaps (docs/PLANS.md).
 * Every statement scopes through the item's roadmap (src/db/sql/
 * roadmap_items.def). Writes lock the roadmap, check it is a draft (items
 * of an approved roadmap change only their status), keep positions 1..n,
 * parse schedules and record audit rows, in one transaction each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "csv_out.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "roadmap_csv.h"
#include "schedule.h"
#include "table_reply.h"

static const char *const statuses[] = {"planned", "in_progress", "done",
                                       "cancelled", NULL};

const struct jspec_field roadmap_item_fields[] = {
    FIELD("position", JS_INTEGER, 0, 1, 100000),
    FIELD("number", JS_STRING, OPT_NULL, 1, 50),
    FIELD("section", JS_TEXT, OPT_NULL, 1, 1000),
    FIELD("activity", JS_TEXT, REQ, 1, 4000),
    FIELD("schedule_text", JS_STRING, OPT_NULL, 1, 500),
    FIELD("responsible", JS_TEXT, OPT_NULL, 1, 1000),
    FIELD("responsible_user_id", JS_ID, OPT_NULL, 0, 0),
    FIELD("expected_result", JS_TEXT, OPT_NULL, 1, 4000),
    PATTERN_FIELD("risk_factor", OPT_NULL, 4, 5, "^RF[0-9]{2,3}$"),
    FIELD("indicator_code", JS_STRING, OPT_NULL, 1, 100),
    FIELD("indicator_target", JS_NUMBER, OPT_NULL, 0, 0), /* 41.5 (%) as well */
    ENUM_FIELD("status", 0, statuses),
    FIELD("completed_on", JS_DATE, OPT_NULL, 0, 0),
    FIELD("roadmap_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("schedule", JS_OBJECT, JS_READONLY, 0, 0),
    FIELD("due_on", JS_DATE, JS_READONLY, 0, 0),
    FIELD("overdue", JS_BOOLEAN, JS_READONLY, 0, 0),
    READONLY_FIELDS,
    END_FIELDS,
};

const struct jspec_field item_report_fields[] = {
    FIELD("reported_on", JS_DATE, REQ, 0, 0),
    FIELD("text", JS_TEXT, REQ, 1, 10000),
    FIELD("evidence_url", JS_URL, OPT_NULL, 0, 0),
    ENUM_FIELD("status", OPT_NULL, statuses),
    FIELD("id", JS_ID, JS_READONLY, 0, 0),
    FIELD("item_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("author", JS_STRING, JS_READONLY, 0, 0),
    FIELD("created_at", JS_STRING, JS_READONLY, 0, 0),
    END_FIELDS,
};

/* --- shared ----------------------------------------------------------------
 */

struct item_write {
  int64_t id, roadmap;
  char id_text[24], roadmap_text[24];
  json_t *body; /* owned copy of the request's JSON */
  char *before; /* audit document before the write, owned */
  /* import */
  json_t *rows, *errors;
  json_t *report; /* encoding, columns, warnings */
};

static void write_end(struct item_write *w) {
  json_decref(w->body);
  json_decref(w->rows);
  json_decref(w->errors);
  json_decref(w->report);
  free(w->before);
}

/* Items and reports are filed in the audit trail under their roadmap's
 * municipality: their audit documents carry it as municipality_id. */
static bool audit_item(struct request *rq, const char *action,
                       const char *entity, const char *id, const char *before,
                       const char *after) {
  struct audit_entry e = {
      .action = action,
      .entity = entity,
      .entity_id = id,
      .before = before,
      .after = after,
      .place = AUDIT_PLACE_SCHOOL,
  };
  return audit_write(rq, &e);
}

static bool reply_roadmap_missing(struct request *rq, const char *id) {
  reply_unseen(rq, "roadmap with id %s", id);
  return false;
}

static bool reply_item_missing(struct request *rq, const char *id) {
  reply_unseen(rq, "roadmap item with id %s", id);
  return false;
}

static const char not_writable[] =
    "this roadmap is outside what you may change";

static bool reply_not_writable(struct request *rq) {
  reply_problem(rq, ERR_FORBIDDEN, not_writable);
  return false;
}

static bool reply_not_draft(struct request *rq, const char *status) {
  char detail[200];
  snprintf(detail, sizeof detail,
           "the roadmap is %s: only a draft's items change (an item's status "
           "and completed_on excepted); start a revision",
           status);
  reply_problem(rq, ERR_CONFLICT, detail);
  return false;
}

/* risk_factor is stored as risk_factor_code; a written schedule_text is
 * parsed into schedule (the year of a bare month: the roadmap's first). */
static void prepare_body(json_t *body, int year) {
  json_t *factor = json_object_get(body, "risk_factor");
  if (factor != NULL) {
    json_object_set(body, "risk_factor_code", factor);
    json_object_del(body, "risk_factor");
  }
  json_t *text = json_object_get(body, "schedule_text");
  if (json_is_string(text))
    json_object_set_new(body, "schedule",
                        schedule_parse(json_string_value(text), year));
  else if (json_is_null(text))
    json_object_set_new(body, "schedule",
                        json_pack("{s:s}", "kind", "unparsed"));
}

static char *dump(const json_t *v) {
  char *text = json_dumps(v, JSON_COMPACT);
  if (text == NULL)
    abort();
  return text;
}

/* The roadmap of a write, locked: false after answering 404, 403 or (when
 * draft_only) 409. */
struct roadmap_ctx {
  int year;
  long next; /* the next free position */
};

static bool roadmap_context(struct request *rq, const char *roadmap,
                            bool draft_only, struct roadmap_ctx *ctx) {
  const struct db_arg args[] = {{"roadmap", roadmap}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEMS_CONTEXT, args, NULL);
  if (r == NULL)
    return false;
  bool ok = false;
  if (PQntuples(r) == 0)
    reply_roadmap_missing(rq, roadmap);
  else if (strcmp(db_get(r, 0, "writable"), "t") != 0)
    reply_not_writable(rq);
  else if (draft_only && strcmp(db_get(r, 0, "status"), "draft") != 0)
    reply_not_draft(rq, db_get(r, 0, "status"));
  else
    ok = true;
  if (ok) {
    ctx->year = atoi(db_get(r, 0, "year"));
    ctx->next = strtol(db_get(r, 0, "next_position"), NULL, 10);
  }
  PQclear(r);
  return ok;
}

/* An item of a write, locked with its roadmap. */
struct item_ctx {
  int32_t version;
  char roadmap[24], status[16];
  int year;
  long position;
  bool writable;
};

/* The context from a ROADMAP_ITEM_CONTEXT row; the audit document before
 * the write into *before (owned, replacing it). */
static void ctx_from_row(const PGresult *r, struct item_ctx *ctx,
                         char **before) {
  ctx->version = (int32_t)strtol(db_get(r, 0, "version"), NULL, 10);
  snprintf(ctx->roadmap, sizeof ctx->roadmap, "%s", db_get(r, 0, "roadmap"));
  snprintf(ctx->status, sizeof ctx->status, "%s", db_get(r, 0, "status"));
  ctx->year = atoi(db_get(r, 0, "year"));
  ctx->writable = strcmp(db_get(r, 0, "writable"), "t") == 0;
  ctx->position = strtol(db_get(r, 0, "position"), NULL, 10);
  free(*before);
  *before = strdup(db_get(r, 0, "audit_doc"));
  if (*before == NULL)
    abort();
}

static bool item_context(struct request *rq, struct item_write *w,
                         struct item_ctx *ctx) {
  const struct db_arg args[] = {{"id", w->id_text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEM_CONTEXT, args, NULL);
  if (r == NULL)
    return false;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return reply_item_missing(rq, w->id_text);
  }
  ctx_from_row(r, ctx, &w->before);
  PQclear(r);
  return true;
}

/* The item's audit document as it is now (into *out, owned). */
static bool item_audit_doc(struct request *rq, const char *id, char **out) {
  const struct db_arg args[] = {{"id", id}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEM_CONTEXT, args, NULL);
  if (r == NULL)
    return false;
  *out = strdup(PQntuples(r) == 1 ? db_get(r, 0, "audit_doc") : "{}");
  PQclear(r);
  if (*out == NULL)
    abort();
  return true;
}

/* Moves positions from..to of the roadmap by delta (but item `except`). */
static bool shift(struct request *rq, const char *roadmap, long from, long to,
                  int delta, const char *except) {
  char f[24], t[24], d[8];
  snprintf(f, sizeof f, "%ld", from);
  snprintf(t, sizeof t, "%ld", to);
  snprintf(d, sizeof d, "%d", delta);
  const struct db_arg args[] = {
      {"roadmap", roadmap}, {"from", f},        {"to", t},
      {"delta", d},         {"except", except}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEMS_SHIFT, args, NULL);
  PQclear(r);
  return r != NULL;
}

/* The roadmap's version moves with every change of its items. */
static bool roadmap_changed(struct request *rq, const char *roadmap) {
  const struct db_arg args[] = {{"roadmap", roadmap}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEMS_CHANGED, args, NULL);
  PQclear(r);
  return r != NULL;
}

static bool read_item_id(struct request *rq, struct item_write *w) {
  if (!request_param_id(rq, "id", &w->id))
    return false;
  snprintf(w->id_text, sizeof w->id_text, "%lld", (long long)w->id);
  return true;
}

static bool read_roadmap_id(struct request *rq, struct item_write *w) {
  if (!request_param_id(rq, "id", &w->roadmap))
    return false;
  snprintf(w->roadmap_text, sizeof w->roadmap_text, "%lld",
           (long long)w->roadmap);
  return true;
}

/* --- get, update, delete ---------------------------------------------------
 */

/* The state of an update or delete: the item, locked with its roadmap. */
static bool load_state(struct request *rq, struct write *w,
                       struct write_state *s) {
  struct item_ctx *ctx = w->ctx;
  const struct db_arg args[] = {{"id", w->id_text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEM_CONTEXT, args, NULL);
  if (r == NULL)
    return false;
  s->found = PQntuples(r) == 1;
  if (s->found) {
    ctx_from_row(r, ctx, &w->before);
    s->version = ctx->version;
    s->writable = ctx->writable;
  }
  PQclear(r);
  return true;
}

/* Only status and completed_on change on a roadmap past its draft. */
static bool reporting_only(const json_t *patch) {
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    if (strcmp(key, "status") != 0 && strcmp(key, "completed_on") != 0)
      return false;
  }
  return true;
}

/* A position given moves the items between the old and the new one; the
 * patch as stored replaces w->body. */
static bool place_patch(struct request *rq, struct write *w,
                        const struct item_ctx *ctx) {
  json_t *patch = json_deep_copy(rq->json);
  json_t *given = json_object_get(patch, "position");
  bool ok = true;
  if (given != NULL) {
    struct roadmap_ctx rc;
    ok = roadmap_context(rq, ctx->roadmap, true, &rc);
    long pos = (long)json_integer_value(given);
    if (ok && pos > rc.next - 1)
      pos = rc.next - 1;
    json_object_set_new(patch, "position", json_integer(pos));
    if (ok && pos < ctx->position)
      ok = shift(rq, ctx->roadmap, pos, ctx->position - 1, 1, w->id_text);
    if (ok && pos > ctx->position)
      ok = shift(rq, ctx->roadmap, ctx->position + 1, pos, -1, w->id_text);
  }
  prepare_body(patch, ctx->year);
  free(w->body);
  w->body = dump(patch);
  json_decref(patch);
  return ok;
}

/* A draft's items change; past the draft, an item's status and
 * completed_on only. */
static bool check_transition(struct request *rq, struct write *w) {
  const struct item_ctx *ctx = w->ctx;
  if (strcmp(ctx->status, "draft") != 0 && !reporting_only(rq->json))
    return reply_not_draft(rq, ctx->status);
  return place_patch(rq, w, ctx);
}

/* Only a draft's items are deleted. */
static bool check_delete(struct request *rq, struct write *w) {
  const struct item_ctx *ctx = w->ctx;
  return strcmp(ctx->status, "draft") == 0 || reply_not_draft(rq, ctx->status);
}

/* The roadmap's version moves with its items; a deleted item's followers
 * move up. */
static bool after_write(struct request *rq, struct write *w) {
  const struct item_ctx *ctx = w->ctx;
  if (rq->method == HTTP_DELETE &&
      !shift(rq, ctx->roadmap, ctx->position + 1, 1000000000, -1, NULL))
    return false;
  return roadmap_changed(rq, ctx->roadmap);
}

static bool audit_doc(struct request *rq, struct write *w, char **doc) {
  free(*doc);
  *doc = NULL;
  return item_audit_doc(rq, w->id_text, doc);
}

static const struct resource items = {
    .what = "roadmap item",
    .collection = "/api/v1/roadmap-items",
    .id_param = "id",
    .fields = roadmap_item_fields,
    .get = STMT_ROADMAP_ITEM_GET,
    .update = STMT_ROADMAP_ITEM_UPDATE,
    .scope_message = not_writable,
    .entity = "roadmap_item",
    .audit_place = AUDIT_PLACE_SCHOOL,
    .load_state = load_state,
    .check_transition = check_transition,
    .check_delete = check_delete,
    .after_write = after_write,
    .audit_doc = audit_doc,
};

void roadmap_item_get(struct request *rq) {
  resource_get(rq, &items);
}

void roadmap_item_update(struct request *rq) {
  struct item_ctx ctx;
  resource_update_ctx(rq, &items, &ctx);
}

void roadmap_item_delete(struct request *rq) {
  struct item_ctx ctx;
  resource_delete_ctx(rq, &items, STMT_ROADMAP_ITEM_DELETE, &ctx);
}

/* --- create ----------------------------------------------------------------
 */

static const struct parent roadmap_parent = {
    .what = "roadmap",
    .collection = "/api/v1/roadmaps",
    .arg = "roadmap",
    .visible = STMT_ROADMAP_VISIBLE,
    .readonly = not_writable,
};

/* A create's context: the roadmap, locked. */
struct roadmap_state {
  struct roadmap_ctx rc;
  char status[16];
};

static bool load_roadmap(struct request *rq, struct write *w,
                         struct write_state *s) {
  struct roadmap_state *st = w->ctx;
  const struct db_arg args[] = {{"roadmap", w->parent_text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEMS_CONTEXT, args, NULL);
  if (r == NULL)
    return false;
  s->found = PQntuples(r) == 1;
  s->writable = s->found && strcmp(db_get(r, 0, "writable"), "t") == 0;
  if (s->found) {
    snprintf(st->status, sizeof st->status, "%s", db_get(r, 0, "status"));
    st->rc.year = atoi(db_get(r, 0, "year"));
    st->rc.next = strtol(db_get(r, 0, "next_position"), NULL, 10);
  }
  PQclear(r);
  return true;
}

/* Only a draft takes items; the followers of a given position move down,
 * and the body as stored replaces w->body. */
static bool check_create(struct request *rq, struct write *w) {
  const struct roadmap_state *st = w->ctx;
  if (strcmp(st->status, "draft") != 0)
    return reply_not_draft(rq, st->status);
  json_t *body = json_deep_copy(rq->json);
  json_t *given = json_object_get(body, "position");
  long next = st->rc.next;
  long pos = given != NULL ? (long)json_integer_value(given) : next;
  bool ok = true;
  if (pos >= next)
    pos = next;
  else
    ok = shift(rq, w->parent_text, pos, next - 1, 1, NULL);
  json_object_set_new(body, "position", json_integer(pos));
  prepare_body(body, st->rc.year);
  free(w->body);
  w->body = dump(body);
  json_decref(body);
  return ok;
}

static bool created(struct request *rq, struct write *w) {
  return roadmap_changed(rq, w->parent_text);
}

/* Created under its roadmap, then addressed alone. */
static const struct resource items_in_roadmap = {
    .what = "roadmap item",
    .collection = "/api/v1/roadmap-items",
    .id_param = "id",
    .parent = &roadmap_parent,
    .flat = true,
    .fields = roadmap_item_fields,
    .get = STMT_ROADMAP_ITEM_GET,
    .insert = STMT_ROADMAP_ITEM_INSERT,
    .scope_message = not_writable,
    .entity = "roadmap_item",
    .audit_place = AUDIT_PLACE_SCHOOL,
    .load_parent = load_roadmap,
    .check_create = check_create,
    .after_write = created,
    .audit_doc = audit_doc,
};

void roadmap_items_create(struct request *rq) {
  struct roadmap_state st = {0};
  resource_create_ctx(rq, &items_in_roadmap, &st);
}

/* --- lists -----------------------------------------------------------------
 */

const struct jspec_field roadmap_items_page_params[] = {PAGE_PARAMS,
                                                        END_FIELDS};

/* Is the roadmap (or item) there for the caller? False after 404. */
static bool visible(struct request *rq, enum stmt_id stmt, const char *id,
                    bool item) {
  PGresult *r =
      db_call(rq, stmt, (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found)
    return item ? reply_item_missing(rq, id) : reply_roadmap_missing(rq, id);
  return true;
}

/* A page of rows under one object, whose id the statement's parameter
 * `parent` takes; keyed: the cursor has a sort key. */
static void list_under(struct request *rq, enum stmt_id stmt,
                       const char *parent, const char *id, bool keyed) {
  json_t *query = request_query_checked(rq, roadmap_items_page_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  const struct db_arg args[] = {
      {parent, id},
      {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
      {"limit", page.limit_plus_one},
      keyed ? (struct db_arg){"cursor_key", page.cursor_key}
            : (struct db_arg)DB_END,
      DB_END};
  PGresult *r = db_call(rq, stmt, args, NULL);
  if (r != NULL)
    reply_page(rq, r, &page);
  page_end(&page);
  json_decref(query);
}

static void export_csv(struct request *rq, const char *roadmap) {
  const struct db_arg args[] = {{"roadmap", roadmap}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEMS_TABLE, args, NULL);
  if (r != NULL)
    reply_table(rq, &roadmap_items_table, r, 0, 1, roadmap);
  PQclear(r);
}

void roadmap_items_list(struct request *rq) {
  struct item_write w = {0};
  if (!read_roadmap_id(rq, &w) ||
      !visible(rq, STMT_ROADMAP_VISIBLE, w.roadmap_text, false))
    return;
  if (request_wants_table(rq))
    export_csv(rq, w.roadmap_text);
  else
    list_under(rq, STMT_ROADMAP_ITEMS_LIST, "roadmap", w.roadmap_text, true);
}

const struct jspec_field roadmap_items_search_params[] = {
    FIELD("overdue", JS_BOOLEAN, 0, 0, 0),
    FIELD("municipality", JS_ID, 0, 0, 0),
    ENUM_FIELD("status", 0, statuses),
    FIELD("roadmap", JS_ID, 0, 0, 0),
    PATTERN_FIELD("risk_factor", 0, 4, 5, "^RF[0-9]{2,3}$"),
    PAGE_PARAMS,
    END_FIELDS,
};
static const struct table_column search_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"roadmap.id", "ID дорожной карты", TABLE_INTEGER},
    {"roadmap.title", "Дорожная карта", TABLE_TEXT},
    {"roadmap.owner.kind", "Владелец", TABLE_TEXT},
    {"roadmap.owner.id", "ID владельца", TABLE_INTEGER},
    {"position", "Позиция", TABLE_INTEGER},
    {"number", "№", TABLE_TEXT},
    {"section", "Раздел", TABLE_TEXT},
    {"activity", "Мероприятие", TABLE_TEXT},
    {"schedule_text", "Срок", TABLE_TEXT},
    {"schedule.kind", "Вид срока", TABLE_TEXT},
    {"due_on", "Срок исполнения", TABLE_DATE},
    {"overdue", "Просрочено", TABLE_BOOLEAN},
    {"responsible", "Ответственные", TABLE_TEXT},
    {"responsible_user_id", "ID ответственного пользователя", TABLE_INTEGER},
    {"expected_result", "Ожидаемый результат", TABLE_TEXT},
    {"risk_factor", "Фактор риска", TABLE_TEXT},
    {"indicator_code", "Показатель", TABLE_TEXT},
    {"indicator_target", "Целевое значение", TABLE_NUMBER},
    {"status", "Статус", TABLE_TEXT},
    {"completed_on", "Дата выполнения", TABLE_DATE},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec search_table =
    TABLE_SPEC("roadmap-items", search_columns);

const struct list_spec roadmap_items_search_spec = {
    .params = roadmap_items_search_params,
    .stmt = STMT_ROADMAP_ITEMS_SEARCH,
    .table = &search_table,
};

void roadmap_items_search(struct request *rq) {
  resource_list(rq, &roadmap_items_search_spec);
}

void item_reports_list(struct request *rq) {
  struct item_write w = {0};
  if (read_item_id(rq, &w) &&
      visible(rq, STMT_ROADMAP_ITEM_VISIBLE, w.id_text, true))
    list_under(rq, STMT_ITEM_REPORTS_LIST, "item", w.id_text, false);
}

/* --- reports ---------------------------------------------------------------
 */

static bool report_work(struct request *rq, void *arg) {
  struct item_write *w = arg;
  struct item_ctx ctx;
  if (!item_context(rq, w, &ctx))
    return false;
  if (strcmp(ctx.status, "completed") == 0 ||
      strcmp(ctx.status, "archived") == 0) {
    char detail[128];
    snprintf(detail, sizeof detail,
             "the roadmap is %s: its items take no more reports", ctx.status);
    reply_problem(rq, ERR_CONFLICT, detail);
    return false;
  }
  char *body = dump(w->body);
  const struct db_arg args[] = {{"item", w->id_text},
                                {"body", body},
                                {"author", rq->principal.name},
                                DB_END};
  PGresult *r = db_call(rq, STMT_ITEM_REPORT_INSERT, args, NULL);
  free(body);
  if (r == NULL)
    return false;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return reply_item_missing(rq, w->id_text);
  }
  bool ok = audit_item(rq, "create", "roadmap_item_report", db_get(r, 0, "id"),
                       NULL, db_get(r, 0, "audit_doc"));
  const char *status = json_string_value(json_object_get(w->body, "status"));
  if (ok && status != NULL) {
    const struct db_arg item[] = {{"item", w->id_text}, DB_END};
    PGresult *u = db_call(rq, STMT_ITEM_REPORT_STATUS, item, w->body);
    char *after = NULL;
    ok = u != NULL && roadmap_changed(rq, ctx.roadmap) &&
         item_audit_doc(rq, w->id_text, &after) &&
         audit_item(rq, "update", "roadmap_item", w->id_text, w->before, after);
    PQclear(u);
    free(after);
  }
  const char *doc = db_get(r, 0, "doc");
  if (ok)
    reply_json_text(rq, 201, doc, strlen(doc));
  PQclear(r);
  return ok;
}

void item_reports_create(struct request *rq) {
  struct item_write w = {0};
  if (!read_item_id(rq, &w) ||
      !request_body_checked(rq, item_report_fields, JSPEC_CREATE))
    return;
  w.body = json_deep_copy(rq->json);
  db_txn(rq, report_work, &w);
  write_end(&w);
}

/* --- import ----------------------------------------------------------------
 */

/* Unknown risk factor codes, named by row. */
static bool check_factors(struct request *rq, const char *rows_text,
                          const json_t *rows, json_t *errors) {
  const struct db_arg args[] = {{"rows", rows_text}, DB_END};
  PGresult *r = db_call(rq, STMT_ROADMAP_ITEMS_UNKNOWN_FACTORS, args, NULL);
  if (r == NULL)
    return false;
  for (int i = 0; i < PQntuples(r); i++) {
    size_t index = (size_t)strtol(db_get(r, i, "ordinal"), NULL, 10) - 1;
    char path[64], message[96];
    snprintf(path, sizeof path, "row %lld, column risk_factor",
             (long long)json_integer_value(
                 json_object_get(json_array_get(rows, index), "row")));
    snprintf(message, sizeof message, "no risk factor has code %s",
             db_get(r, i, "code"));
    json_array_append_new(
        errors, json_pack("{s:s, s:s}", "path", path, "message", message));
  }
  PQclear(r);
  return true;
}

static bool import_work(struct request *rq, void *arg) {
  struct item_write *w = arg;
  struct roadmap_ctx ctx;
  if (!roadmap_context(rq, w->roadmap_text, true, &ctx))
    return false;
  size_t i;
  json_t *row;
  json_array_foreach(w->rows, i, row) prepare_body(row, ctx.year);
  char *rows_text = dump(w->rows);
  bool ok = check_factors(rq, rows_text, w->rows, w->errors);
  if (ok && json_array_size(w->errors) > 0) {
    reply_problem_errors_steal(rq, ERR_VALIDATION_FAILED,
                               "the table has problems: nothing was imported",
                               w->errors);
    w->errors = NULL;
    ok = false;
  }
  PGresult *r = NULL;
  if (ok) {
    char first[24];
    snprintf(first, sizeof first, "%ld", ctx.next);
    const struct db_arg args[] = {{"rows", rows_text},
                                  {"roadmap", w->roadmap_text},
                                  {"first_position", first},
                                  DB_END};
    r = db_call(rq, STMT_ROADMAP_ITEMS_IMPORT, args, NULL);
    ok = r != NULL;
  }
  free(rows_text);
  if (!ok || !roadmap_changed(rq, w->roadmap_text)) {
    PQclear(r);
    return false;
  }
  /* The report's members follow the items: its text without its '{'. */
  char *report = json_dumps(w->report, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (report == NULL)
    abort();
  int n = PQntuples(r);
  size_t len = 64 + strlen(report);
  for (int k = 0; k < n; k++)
    len += strlen(db_get(r, k, "doc")) + 1;
  char *text = malloc(len);
  if (text == NULL)
    abort();
  size_t at = (size_t)sprintf(text, "{\"imported\":%d,\"items\":[", n);
  for (int k = 0; k < n && ok; k++) {
    ok = audit_item(rq, "create", "roadmap_item", db_get(r, k, "id"), NULL,
                    db_get(r, k, "audit_doc"));
    if (k > 0)
      text[at++] = ',';
    const char *doc = db_get(r, k, "doc");
    size_t doc_len = strlen(doc);
    memcpy(text + at, doc, doc_len);
    at += doc_len;
  }
  at += (size_t)sprintf(text + at, "],%s", report + 1);
  free(report);
  PQclear(r);
  if (ok)
    reply_json_text_steal(rq, 201, text, at);
  else
    free(text);
  return ok;
}

/* text/csv, in UTF-8 or a declared windows-1251 (*enc). */
static bool is_csv(const char *content_type, enum csv_in_encoding *enc) {
  if (content_type == NULL)
    return false;
  while (*content_type == ' ')
    content_type++;
  return strncasecmp(content_type, "text/csv", 8) == 0 &&
         (content_type[8] == '\0' || content_type[8] == ';' ||
          content_type[8] == ' ') &&
         csv_in_charset(content_type, enc);
}

void roadmap_items_import(struct request *rq) {
  struct item_write w = {0};
  if (!read_roadmap_id(rq, &w))
    return;
  enum csv_in_encoding enc;
  if (!is_csv(request_header(rq, "Content-Type"), &enc)) {
    reply_problem(rq, ERR_UNSUPPORTED_MEDIA_TYPE,
                  "send the table as text/csv (UTF-8 or windows-1251)");
    return;
  }
  w.errors = json_array();
  w.rows = roadmap_csv_parse(rq->body != NULL ? rq->body : "", rq->body_len,
                             enc, w.errors, &w.report);
  db_txn(rq, import_work, &w);
  write_end(&w);
}
