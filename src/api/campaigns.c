/* /api/v1/monitoring/campaigns: monitoring campaigns, their completeness,
 * and what is due (docs/MONITORING.md). Reads go through campaign_visible,
 * writes through campaign_writable (migrations/0004_monitoring.sql); a
 * draft changes freely, then draft -> open (the target becomes a fixed list
 * of schools) -> closed. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "checks.h"
#include "csv_out.h"
#include "cursor.h"
#include "fields.h"
#include "handlers.h"
#include "kept.h"
#include "resource.h"
#include "table_reply.h"

static const char *const statuses[] = {"draft", "open", "closed", NULL};
static const char *const categories[] = {"SHNOR", "SHNSU", "RISK_GROUP", NULL};
static const char *const states[] = {"not_started", "draft",    "submitted",
                                     "returned",    "accepted", "missing",
                                     NULL};

#define PERIOD_PATTERN                                                         \
  "^([0-9]{4}/[0-9]{2}|[0-9]{4}-H[12]|[0-9]{4}-Q[1-4]|[0-9]{4})$"

static const struct jspec_field indicator_fields[] = {
    PATTERN_FIELD("code", REQ, 2, 64, "^[A-Z][A-Z0-9_]{1,63}$"),
    FIELD("required", JS_BOOLEAN, 0, 0, 0),
    END_FIELDS,
};
static const struct jspec_field indicator_item = {
    "indicator", JS_OBJECT, 0, 0, 0, NULL, indicator_fields, NULL, NULL};
static const struct jspec_field id_item = FIELD("id", JS_ID, 0, 0, 0);

static const struct jspec_field target_fields[] = {
    ENUM_FIELD("category", 0, categories),
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    {"municipality_ids", JS_ARRAY, 0, 1, 500, NULL, NULL, &id_item, NULL},
    {"school_ids", JS_ARRAY, 0, 1, 5000, NULL, NULL, &id_item, NULL},
    END_FIELDS,
};

#define CAMPAIGN_FIELDS                                                        \
  FIELD("title", JS_STRING, REQ, 1, 1000),                                     \
      PATTERN_FIELD("period", REQ, 4, 7, PERIOD_PATTERN), {"indicators",       \
                                                           JS_ARRAY,           \
                                                           REQ,                \
                                                           1,                  \
                                                           200,                \
                                                           NULL,               \
                                                           NULL,               \
                                                           &indicator_item,    \
                                                           NULL},              \
      {"target", JS_OBJECT, 0, 0, 0, NULL, target_fields, NULL, NULL},         \
      FIELD("opens_on", JS_DATE, REQ, 0, 0),                                   \
      FIELD("deadline", JS_DATE, REQ, 0, 0),                                   \
      FIELD("schools_count", JS_INTEGER, JS_READONLY, 0, 0), READONLY_FIELDS

const struct jspec_field campaign_create_fields[] = {
    CAMPAIGN_FIELDS,
    FIELD("region_id", JS_ID, 0, 0, 0),
    FIELD("municipality_id", JS_ID, 0, 0, 0),
    ENUM_FIELD("status", JS_READONLY, statuses),
    END_FIELDS,
};

/* The owner never changes: another owner is another campaign. */
const struct jspec_field campaign_update_fields[] = {
    CAMPAIGN_FIELDS,
    FIELD("region_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("municipality_id", JS_ID, JS_READONLY, 0, 0),
    ENUM_FIELD("status", 0, statuses),
    END_FIELDS,
};

/* A school year's second part is the next year: 2023/24, not 2023/25. */
static void check_period(const json_t *body, json_t *errors) {
  const char *p = json_string_value(json_object_get(body, "period"));
  if (p == NULL || strlen(p) != 7 || p[4] != '/')
    return;
  int first = atoi(p), second = atoi(p + 5);
  if ((first + 1) % 100 != second)
    jspec_error(errors, "$.period",
                "a school year's second part is the next year (2023/24)");
}

/* A target is one of {category, year}, {municipality_ids}, {school_ids}
 * or {}. */
static void check_target(const json_t *body, json_t *errors) {
  const json_t *t = json_object_get(body, "target");
  if (!json_is_object(t))
    return;
  bool category = json_object_get(t, "category") != NULL;
  bool year = json_object_get(t, "year") != NULL;
  int kinds = (category || year) +
              (json_object_get(t, "municipality_ids") != NULL) +
              (json_object_get(t, "school_ids") != NULL);
  if (kinds > 1)
    jspec_error(errors, "$.target",
                "is one of {category, year}, {municipality_ids}, "
                "{school_ids} or {}");
  else if (category != year)
    jspec_error(errors, category ? "$.target.year" : "$.target.category",
                "category and year go together");
}

static void check_campaign(struct request *rq, const json_t *body,
                           json_t *errors) {
  (void)rq;
  check_period(body, errors);
  check_date_order(body, "opens_on", "deadline", errors);
  check_target(body, errors);
}

/* A boolean column of a row; SQL NULL is not true. */
static bool column_true(const PGresult *r, int row, const char *column) {
  const char *v = db_get(r, row, column);
  return v != NULL && v[0] == 't';
}

/* The body's indicators that are unknown (422), computed or repeated
 * (400); false after answering. */
static bool indicators_valid(struct request *rq) {
  if (json_object_get(rq->json, "indicators") == NULL)
    return true;
  PGresult *r = db_call(rq, STMT_CAMPAIGN_INDICATORS_CHECK, NULL, rq->json);
  if (r == NULL)
    return false;
  json_t *unknown = json_array(), *bad = json_array();
  for (int i = 0; i < PQntuples(r); i++) {
    char path[64];
    snprintf(path, sizeof path, "$.indicators[%s].code", db_get(r, i, "index"));
    if (!column_true(r, i, "known"))
      jspec_error(unknown, path, "no active indicator has this code");
    else if (column_true(r, i, "computed"))
      jspec_error(bad, path,
                  "is a computed indicator: schools do not submit it");
    else if (column_true(r, i, "again"))
      jspec_error(bad, path, "is already in the list");
  }
  PQclear(r);
  if (json_array_size(unknown) > 0) {
    json_decref(bad);
    reply_problem_errors_steal(rq, ERR_REFERENCE_NOT_FOUND,
                               "the campaign names unknown indicators",
                               unknown);
    return false;
  }
  json_decref(unknown);
  if (json_array_size(bad) > 0) {
    reply_validation_steal(rq, bad);
    return false;
  }
  json_decref(bad);
  return true;
}

/* The body's target ids outside the owner or the caller's scope: 403
 * naming each; false after answering. */
static bool target_valid(struct request *rq, const char *region,
                         const char *municipality) {
  if (json_object_get(rq->json, "target") == NULL)
    return true;
  const struct db_arg args[] = {
      {"region", region}, {"municipality", municipality}, DB_END};
  PGresult *r = db_call(rq, STMT_CAMPAIGN_TARGET_CHECK, args, rq->json);
  if (r == NULL)
    return false;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return true;
  }
  json_t *errors = json_array();
  for (int i = 0; i < n; i++) {
    char path[64];
    snprintf(path, sizeof path, "$.target.%s[%s]", db_get(r, i, "member"),
             db_get(r, i, "index"));
    jspec_error(errors, path, "is outside the campaign's owner or your scope");
  }
  PQclear(r);
  reply_problem_errors_steal(
      rq, ERR_FORBIDDEN,
      "the target names schools or municipalities you may not ask", errors);
  return false;
}

/* The campaign is visible; false after answering 404 (or after the failed
 * statement). */
static bool campaign_seen(struct request *rq, const char *id) {
  PGresult *r = db_call(rq, STMT_CAMPAIGN_GET,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool seen = PQntuples(r) == 1;
  PQclear(r);
  if (!seen)
    reply_unseen(rq, "campaign with id %s", id);
  return seen;
}

/* --- create -------------------------------------------------------------- */

static bool forbid_owner(struct request *rq, const char *path) {
  json_t *errors = json_array();
  jspec_error(errors, path, "is outside what you may manage");
  reply_problem_errors_steal(
      rq, ERR_FORBIDDEN, "the campaign's owner is outside your scope", errors);
  return false;
}

/* The state a write is judged on: the resource's context. On a create,
 * the owner resolved from the body and the caller. */
struct state {
  char status[16], region[24], muni[24];
  bool has_muni;
};

/* The owner from the body and the caller; false after answering. */
static bool resolve_owner(struct request *rq, struct state *s) {
  PGresult *r = db_call(rq, STMT_CAMPAIGN_OWNER, NULL, rq->json);
  if (r == NULL)
    return false;
  const char *region = db_get(r, 0, "region");
  const char *muni = db_get(r, 0, "municipality");
  bool no_region = region == NULL,
       m_exists = column_true(r, 0, "municipality_exists"),
       r_exists = column_true(r, 0, "region_exists"),
       mismatch = column_true(r, 0, "mismatch"),
       writable = column_true(r, 0, "writable");
  snprintf(s->region, sizeof s->region, "%s", region ? region : "");
  snprintf(s->muni, sizeof s->muni, "%s", muni ? muni : "");
  s->has_muni = muni != NULL;
  PQclear(r);
  const char *owner_path = json_object_get(rq->json, "municipality_id") != NULL
                               ? "$.municipality_id"
                               : "$.region_id";
  if (mismatch) {
    json_t *errors = json_array();
    jspec_error(errors, "$.region_id", "is not the municipality's region");
    reply_validation_steal(rq, errors);
    return false;
  }
  if (!writable && (!m_exists || !r_exists) &&
      strcmp(auth_scope_kind(rq), "global") == 0) {
    reply_problem_at(rq, ERR_REFERENCE_NOT_FOUND, owner_path,
                     !m_exists ? "no municipality has this id"
                               : "no region has this id");
    return false;
  }
  if (no_region) {
    json_t *errors = json_array();
    jspec_error(errors, "$.region_id",
                "give region_id or municipality_id: the campaign's owner");
    reply_validation_steal(rq, errors);
    return false;
  }
  return writable || forbid_owner(rq, owner_path);
}

/* The owner, the indicators and the target; the owner is the insert's. */
static bool check_create(struct request *rq, struct write *w) {
  struct state *s = w->ctx;
  if (!resolve_owner(rq, s))
    return false;
  const char *muni = s->has_muni ? s->muni : NULL;
  if (!indicators_valid(rq) || !target_valid(rq, s->region, muni))
    return false;
  w->insert_values =
      json_pack("{s:s, s:s?}", "region", s->region, "municipality", muni);
  if (w->insert_values == NULL)
    abort();
  return true;
}

/* --- update -------------------------------------------------------------- */

static bool conflict(struct request *rq, const char *path,
                     const char *message) {
  json_t *errors = NULL;
  if (path != NULL) {
    errors = json_array();
    jspec_error(errors, path, message);
  }
  reply_problem_errors_steal(rq, ERR_CONFLICT, message, errors);
  return false;
}

/* draft -> open -> closed; false after answering 409. */
static bool transition_valid(struct request *rq, const char *from,
                             const char *to) {
  bool others = json_object_size(rq->json) > (to != NULL ? 1u : 0u);
  if (to != NULL && strcmp(from, to) != 0 &&
      !((strcmp(from, "draft") == 0 && strcmp(to, "open") == 0) ||
        (strcmp(from, "open") == 0 && strcmp(to, "closed") == 0))) {
    char message[96];
    snprintf(message, sizeof message, "a %s campaign cannot become %s", from,
             to);
    return conflict(rq, "$.status", message);
  }
  if (others && strcmp(from, "draft") != 0) {
    char message[96];
    snprintf(message, sizeof message,
             "only a draft changes its fields; the campaign is %s", from);
    return conflict(rq, NULL, message);
  }
  return true;
}

static bool load_state(struct request *rq, struct write *w,
                       struct write_state *found) {
  struct state *s = w->ctx;
  PGresult *r =
      db_call(rq, STMT_CAMPAIGN_STATE,
              (const struct db_arg[]){{"id", w->id_text}, DB_END}, NULL);
  if (r == NULL)
    return false;
  found->found = PQntuples(r) == 1;
  if (!found->found) {
    PQclear(r);
    return true;
  }
  const char *region = db_get(r, 0, "region_id");
  const char *muni = db_get(r, 0, "municipality_id");
  snprintf(s->status, sizeof s->status, "%s", db_get(r, 0, "status"));
  found->version = (int32_t)strtol(db_get(r, 0, "version"), NULL, 10);
  found->writable = column_true(r, 0, "writable");
  snprintf(s->region, sizeof s->region, "%s", region ? region : "");
  s->has_muni = muni != NULL;
  snprintf(s->muni, sizeof s->muni, "%s", muni ? muni : "");
  PQclear(r);
  return true;
}

static bool check_transition(struct request *rq, struct write *w) {
  const struct state *s = w->ctx;
  const char *to = json_string_value(json_object_get(rq->json, "status"));
  return transition_valid(rq, s->status, to) && indicators_valid(rq) &&
         target_valid(rq, s->region, s->has_muni ? s->muni : NULL);
}

/* A new campaign's indicators; on an update, the body's indicators, when
 * it has them, replace the campaign's, and a draft that opens takes its
 * schools. */
static bool after_write(struct request *rq, struct write *w) {
  const struct state *s = w->ctx;
  if (rq->method == HTTP_POST) {
    PGresult *r = db_call(
        rq, STMT_CAMPAIGN_INDICATORS_INSERT,
        (const struct db_arg[]){{"campaign", w->id_text}, DB_END}, rq->json);
    PQclear(r);
    return r != NULL;
  }
  if (json_object_get(rq->json, "indicators") != NULL) {
    const struct db_arg campaign[] = {{"campaign", w->id_text}, DB_END};
    PGresult *r = db_call(rq, STMT_CAMPAIGN_INDICATORS_DELETE, campaign, NULL);
    if (r == NULL)
      return false;
    PQclear(r);
    r = db_call(rq, STMT_CAMPAIGN_INDICATORS_INSERT, campaign, rq->json);
    if (r == NULL)
      return false;
    PQclear(r);
  }
  const char *to = json_string_value(json_object_get(rq->json, "status"));
  if (to == NULL || strcmp(s->status, "draft") != 0 || strcmp(to, "open") != 0)
    return true;
  PGresult *r =
      db_call(rq, STMT_CAMPAIGN_OPEN,
              (const struct db_arg[]){{"id", w->id_text}, DB_END}, NULL);
  PQclear(r);
  return r != NULL;
}

static void audit_where(const struct write *w, const char **place,
                        const char **parent) {
  const struct state *s = w->ctx;
  *place = s->has_muni ? AUDIT_PLACE_SCHOOL : AUDIT_PLACE_REGION_ID;
  *parent = s->has_muni ? NULL : s->region;
}

static const struct resource campaigns = {
    .what = "campaign",
    .collection = "/api/v1/monitoring/campaigns",
    .id_param = "id",
    .fields = campaign_create_fields,
    .update_fields = campaign_update_fields,
    .check = check_campaign,
    .get = STMT_CAMPAIGN_GET,
    .insert = STMT_CAMPAIGN_INSERT,
    .update = STMT_CAMPAIGN_UPDATE,
    .entity = "campaign",
    .check_create = check_create,
    .load_state = load_state,
    .scope_message = "you may read this campaign but not change it",
    .check_transition = check_transition,
    .after_write = after_write,
    .audit_where = audit_where,
};

void campaigns_create(struct request *rq) {
  struct state s = {0};
  resource_create_ctx(rq, &campaigns, &s);
}

void campaign_get(struct request *rq) {
  resource_get(rq, &campaigns);
}

void campaign_update(struct request *rq) {
  struct state s = {0};
  resource_update_ctx(rq, &campaigns, &s);
}

/* --- reads --------------------------------------------------------------- */

const struct jspec_field campaigns_list_params[] = {
    ENUM_FIELD("status", 0, statuses),
    PATTERN_FIELD("period", 0, 4, 7, PERIOD_PATTERN),
    PAGE_PARAMS,
    END_FIELDS,
};
static const struct table_column campaign_columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"title", "Наименование", TABLE_TEXT},
    {"period", "Период", TABLE_TEXT},
    {"region_id", "ID региона", TABLE_INTEGER},
    {"municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"status", "Статус", TABLE_TEXT},
    {"opens_on", "Дата открытия", TABLE_DATE},
    {"deadline", "Срок представления", TABLE_DATE},
    {"schools_count", "Школ", TABLE_INTEGER},
    {"indicators", "Показатели", TABLE_JSON},
    {"target.category", "Категория адресатов", TABLE_TEXT},
    {"target.year", "Учебный год категории", TABLE_INTEGER},
    {"target.municipality_ids", "ID муниципалитетов-адресатов", TABLE_JSON},
    {"target.school_ids", "ID школ-адресатов", TABLE_JSON},
    TABLE_VERSION_COLUMNS,
};
static const struct table_spec campaign_table =
    TABLE_SPEC("campaigns", campaign_columns);

const struct list_spec campaigns_list_spec = {
    .params = campaigns_list_params,
    .stmt = STMT_CAMPAIGNS_LIST,
    .table = &campaign_table,
};

void campaigns_list(struct request *rq) {
  resource_list(rq, &campaigns_list_spec);
}

const struct jspec_field monitoring_due_params[] = {
    FIELD("within_days", JS_INTEGER, 0, 0, 366),
    PAGE_PARAMS,
    END_FIELDS,
};
static const struct table_column due_columns[] = {
    {"campaign.id", "ID кампании", TABLE_INTEGER},
    {"campaign.title", "Кампания", TABLE_TEXT},
    {"campaign.period", "Период", TABLE_TEXT},
    {"school.id", "ID школы", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"state", "Состояние", TABLE_TEXT},
    {"deadline", "Срок представления", TABLE_DATE},
    {"overdue", "Просрочено", TABLE_BOOLEAN},
};
static const struct table_spec due_table =
    TABLE_SPEC("monitoring-due", due_columns);

const struct list_spec monitoring_due_spec = {
    .params = monitoring_due_params,
    .stmt = STMT_MONITORING_DUE,
    .keyed = true,
    .table = &due_table,
};

void monitoring_due(struct request *rq) {
  resource_list(rq, &monitoring_due_spec);
}

/* --- completeness ------------------------------------------------------- */

const struct jspec_field campaign_completeness_params[] = {
    ENUM_FIELD("state", 0, states),
    FIELD("municipality", JS_ID, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};

/* {"campaign_id": ..., "items": [...], "next_cursor": ..., "counts": {...}}:
 * the rows are doc, short name, school id; counts is JSON text. Kept under
 * key unless it is "". */
static void reply_completeness(struct request *rq, PGresult *rows,
                               const struct page *page, const char *id,
                               const char *counts, const char *key) {
  int n = PQntuples(rows);
  int shown = n > page->limit ? (int)page->limit : n;
  size_t cap = strlen(counts) + strlen(id) + 160;
  for (int i = 0; i < shown; i++)
    cap += strlen(db_get(rows, i, "doc")) + 1;
  char *next = NULL;
  if (n > shown)
    next = cursor_encode(db_get(rows, shown - 1, "short_name"),
                         strtoll(db_get(rows, shown - 1, "id"), NULL, 10),
                         page->query);
  if (next != NULL)
    cap += strlen(next);
  char *text = malloc(cap);
  if (text == NULL)
    abort();
  size_t len = (size_t)sprintf(text, "{\"campaign_id\":%s,\"items\":[", id);
  for (int i = 0; i < shown; i++) {
    if (i > 0)
      text[len++] = ',';
    const char *doc = db_get(rows, i, "doc");
    size_t l = strlen(doc);
    memcpy(text + len, doc, l);
    len += l;
  }
  if (next != NULL)
    len += (size_t)sprintf(text + len, "],\"next_cursor\":\"%s\"", next);
  else
    len += (size_t)sprintf(text + len, "],\"next_cursor\":null");
  len += (size_t)sprintf(text + len, ",\"counts\":%s}", counts);
  free(next);
  if (key[0] != '\0')
    kept_put(key, text, len);
  reply_json_text_steal(rq, 200, text, len);
}

static const struct table_column completeness_columns[] = {
    {"school.id", "ID школы", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"state", "Состояние", TABLE_TEXT},
    {"late", "С опозданием", TABLE_BOOLEAN},
    {"submitted_at", "Представлено", TABLE_TIMESTAMP},
};
static const struct table_spec completeness_table =
    TABLE_SPEC("campaign-completeness", completeness_columns);

/* Answers the completeness kept under the change numbers of now, if any;
 * else leaves in key what to keep the answer under ("" for nothing: not
 * visible, or not to be kept). False when it answered (the kept answer, or
 * a failed statement). */
static bool completeness_kept(struct request *rq, const char *id,
                              const json_t *query, char key[KEPT_KEY_MAX]) {
  key[0] = '\0';
  PGresult *r = db_call(rq, STMT_CAMPAIGN_COMPLETENESS_STAMP,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  char *asked = json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS);
  if (asked == NULL)
    abort();
  char what[KEPT_KEY_MAX];
  int n = snprintf(what, sizeof what, "completeness|%s|%s", id, asked);
  free(asked);
  bool answered = PQntuples(r) == 1 && n > 0 && (size_t)n < sizeof what &&
                  reply_kept_under_stamp(rq, what, db_get(r, 0, "stamp"), key);
  PQclear(r);
  return !answered;
}

static void completeness(struct request *rq, const char *id,
                         const json_t *query, const struct page *page) {
  char key[KEPT_KEY_MAX] = "";
  bool csv = request_wants_table(rq);
  if (!csv && !completeness_kept(rq, id, query, key))
    return;
  if (!campaign_seen(rq, id))
    return;
  char csv_limit[16];
  snprintf(csv_limit, sizeof csv_limit, "%d", CSV_MAX_ROWS + 1);
  const struct db_arg args[] = {
      {"id", id},
      {"cursor_key", page->cursor_key},
      {"cursor_id", page->cursor_id[0] ? page->cursor_id : NULL},
      {"limit", csv ? csv_limit : page->limit_plus_one},
      DB_END};
  PGresult *rows = db_call(rq, STMT_CAMPAIGN_COMPLETENESS, args, query);
  if (rows == NULL)
    return;
  if (csv) {
    reply_table(rq, &completeness_table, rows, 0, 3, id);
    PQclear(rows);
    return;
  }
  PGresult *counts =
      db_call(rq, STMT_CAMPAIGN_COUNTS,
              (const struct db_arg[]){{"id", id}, DB_END}, query);
  if (counts != NULL)
    reply_completeness(rq, rows, page, id, db_get(counts, 0, "counts"), key);
  PQclear(counts);
  PQclear(rows);
}

void campaign_completeness(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, campaign_completeness_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  char text[24];
  snprintf(text, sizeof text, "%lld", (long long)id);
  completeness(rq, text, query, &page);
  page_end(&page);
  json_decref(query);
}
