/* /api/v1/imports: the records of pushes of assessment results, with every
 * problem they met (the push's answer shows only the first ones), and of
 * pushes still running with their counters so far. Readable by the pusher
 * and by the admins and ingest clients of its region. */
#include <stdio.h>
#include <stdlib.h>

#include "cursor.h"
#include "fields.h"
#include "handlers.h"
#include "push.h"
#include "request.h"
#include "resource.h"

static const char *const outcomes[] = {"committed", "rejected", "dry_run",
                                       NULL};
/* A record's state (src/db/sql/imports.def IMPORT_STATE). */
static const char *const states[] = {"running", "committed", "rejected",
                                     "dry_run", "failed",    "interrupted",
                                     NULL};

const struct jspec_field imports_list_params[] = {
    FIELD("assessment", JS_ID, 0, 0, 0),
    ENUM_FIELD("outcome", 0, outcomes),
    ENUM_FIELD("state", 0, states),
    PAGE_PARAMS,
    END_FIELDS,
};

/* Problems come 1,000 to a page at most. */
const struct jspec_field import_get_params[] = {
    FIELD("limit", JS_INTEGER, 0, 1, 1000),
    FIELD("cursor", JS_STRING, 0, 1, CURSOR_TEXT_MAX),
    END_FIELDS,
};

void imports_list(struct request *rq) {
  json_t *query = request_query_checked(rq, imports_list_params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  char actor[24], stale[16];
  snprintf(actor, sizeof actor, "%lld", (long long)rq->principal.id);
  snprintf(stale, sizeof stale, "%u", push_stale_seconds());
  const struct db_arg args[] = {
      {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
      {"limit", page.limit_plus_one},
      {"actor_kind", principal_kind_name(rq->principal.kind)},
      {"actor_id", actor},
      {"stale_s", stale},
      DB_END};
  PGresult *r = db_call(rq, STMT_IMPORTS_LIST, args, query);
  if (r != NULL)
    reply_page(rq, r, &page);
  page_end(&page);
  json_decref(query);
}

/* The problems after `after` (a seq), at most `limit`, into doc; the
 * cursor belongs to `query`. */
static bool problems_add(struct request *rq, json_t *doc, const char *id,
                         long long after, long limit, uint64_t query) {
  char after_text[24], limit_text[24];
  snprintf(after_text, sizeof after_text, "%lld", after);
  snprintf(limit_text, sizeof limit_text, "%ld", limit + 1);
  const struct db_arg args[] = {
      {"id", id}, {"after", after_text}, {"limit", limit_text}, DB_END};
  PGresult *r = db_call(rq, STMT_IMPORT_PROBLEMS, args, NULL);
  if (r == NULL)
    return false;
  int n = PQntuples(r), shown = n > limit ? (int)limit : n;
  json_t *problems = json_array();
  for (int i = 0; i < shown; i++)
    json_array_append_new(problems,
                          json_loads(db_get(r, i, "problem"), 0, NULL));
  json_object_set_new(doc, "problems", problems);
  char *next =
      n > shown
          ? cursor_encode(NULL, strtoll(db_get(r, shown - 1, "seq"), NULL, 10),
                          query)
          : NULL;
  json_object_set_new(doc, "next_cursor",
                      next ? json_string(next) : json_null());
  free(next);
  PQclear(r);
  return true;
}

void import_get(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, import_get_params);
  if (query == NULL)
    return;
  long limit = 1000;
  if (json_object_get(query, "limit") != NULL)
    limit = (long)json_integer_value(json_object_get(query, "limit"));
  long long after = 0;
  const char *cursor = json_string_value(json_object_get(query, "cursor"));
  uint64_t bound = page_query(rq, query);
  char *key = NULL;
  enum cursor_read read =
      cursor != NULL ? cursor_decode(cursor, bound, &key, &after) : CURSOR_OK;
  json_decref(query);
  if (read != CURSOR_OK) {
    reply_problem_at(rq, ERR_BAD_REQUEST, "query.cursor",
                     read == CURSOR_FOREIGN
                         ? "is a cursor of another list: start again without it"
                         : "is not a cursor this list gave");
    return;
  }
  free(key);

  char id_text[24], actor[24], stale[16];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  snprintf(actor, sizeof actor, "%lld", (long long)rq->principal.id);
  snprintf(stale, sizeof stale, "%u", push_stale_seconds());
  const struct db_arg args[] = {
      {"id", id_text},
      {"actor_kind", principal_kind_name(rq->principal.kind)},
      {"actor_id", actor},
      {"stale_s", stale},
      DB_END};
  PGresult *r = db_call(rq, STMT_IMPORT_GET, args, NULL);
  if (r == NULL)
    return;
  if (PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "import with id %s", id_text);
    return;
  }
  json_t *doc = json_loads(db_get(r, 0, "doc"), 0, NULL);
  PQclear(r);
  if (problems_add(rq, doc, id_text, after, limit, bound))
    reply_json_steal(rq, 200, doc);
  else
    json_decref(doc);
}
