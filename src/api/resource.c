/* Generic get / create / update / delete / list for the resources described
 * by struct resource. Every statement filters by the caller's scope. Writes
 * run in one transaction each: the row before, the statement, the row read
 * back, and the audit row, so the answer shows exactly what was committed
 * and nothing is committed unaudited. */
#include "resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "csv_out.h"
#include "cursor.h"
#include "kept.h"
#include "table_reply.h"

/* The path ids of a request: the resource's own, and its school's. */
struct ids {
  int64_t id, parent;
  char id_text[72], parent_text[24]; /* a code has up to 64 characters */
};

static bool read_ids(struct request *rq, const struct resource *res,
                     bool with_own_id, struct ids *ids) {
  if (res->nested) {
    if (!request_param_id(rq, "id", &ids->parent))
      return false;
    snprintf(ids->parent_text, sizeof ids->parent_text, "%lld",
             (long long)ids->parent);
  }
  if (with_own_id && res->text_key) {
    if (!request_param_key(rq, res->id_param, ids->id_text,
                           sizeof ids->id_text))
      return false;
  } else if (with_own_id) {
    if (!request_param_id(rq, res->id_param, &ids->id))
      return false;
    snprintf(ids->id_text, sizeof ids->id_text, "%lld", (long long)ids->id);
  }
  return true;
}

/* 404: what the caller does not see; a catalogue, the same for everyone,
 * says the row is missing. */
static void reply_missing(struct request *rq, const struct resource *res,
                          const struct ids *ids) {
  if (res->nested) {
    reply_unseen(rq, "%s with id %s of school %s", res->what, ids->id_text,
                 ids->parent_text);
  } else if (db_stmt_scoped(res->get)) {
    reply_unseen(rq, "%s with id %s", res->what, ids->id_text);
  } else {
    char detail[160];
    snprintf(detail, sizeof detail, "no %s has id %s", res->what, ids->id_text);
    reply_problem(rq, ERR_NOT_FOUND, detail);
  }
}

/* Appends the extra columns of a row (col >= first) as members of the JSON
 * object text doc: PostgreSQL built both, so plain splicing is safe. */
static void append_row_json(char **buf, size_t *len, size_t *cap,
                            const PGresult *r, int row, int doc_col,
                            int first_extra) {
  size_t need = (size_t)PQgetlength(r, row, doc_col) + 8;
  int n_fields = PQnfields(r);
  for (int c = first_extra; c < n_fields; c++)
    need += strlen(PQfname(r, c)) + (size_t)PQgetlength(r, row, c) + 8;
  if (*len + need > *cap) {
    *cap = (*len + need) * 2;
    char *grown = realloc(*buf, *cap);
    if (grown == NULL)
      abort();
    *buf = grown;
  }
  const char *doc = PQgetvalue(r, row, doc_col);
  size_t doc_len = (size_t)PQgetlength(r, row, doc_col);
  if (first_extra >= n_fields) {
    memcpy(*buf + *len, doc, doc_len);
    *len += doc_len;
    return;
  }
  memcpy(*buf + *len, doc, doc_len - 1); /* without the closing brace */
  *len += doc_len - 1;
  for (int c = first_extra; c < n_fields; c++) {
    const char *value = PQgetisnull(r, row, c) ? "null" : PQgetvalue(r, row, c);
    *len += (size_t)sprintf(*buf + *len, ",\"%s\":%s", PQfname(r, c), value);
  }
  (*buf)[(*len)++] = '}';
}

/* A reader that holds the current version (If-None-Match) gets 304 and no
 * body: front ends and integrators revalidate cheaply. */
bool reply_if_current(struct request *rq, int32_t version) {
  const char *tag = request_header(rq, "If-None-Match");
  if (tag == NULL || (rq->method != HTTP_GET && rq->method != HTTP_HEAD))
    return false;
  char etag[24];
  snprintf(etag, sizeof etag, "\"%d\"", version);
  if (strcmp(tag, etag) != 0 && strcmp(tag, "*") != 0 &&
      (strncmp(tag, "W/", 2) != 0 || strcmp(tag + 2, etag) != 0))
    return false;
  reply_empty(rq, 304);
  reply_etag(rq, version);
  return true;
}

void reply_doc_text_steal(struct request *rq, int32_t version, char *text,
                          size_t len, unsigned status) {
  if (reply_if_current(rq, version)) {
    free(text);
    return;
  }
  reply_json_text_steal(rq, status, text, len);
  reply_etag(rq, version);
}

void reply_doc_keep(struct request *rq, PGresult *rows, unsigned status,
                    const char *key) {
  int32_t version = (int32_t)strtol(PQgetvalue(rows, 0, 0), NULL, 10);
  size_t len;
  char *text = row_doc_text(rows, 1, &len);
  PQclear(rows);
  if (key != NULL && key[0] != '\0')
    kept_put(key, text, len);
  reply_doc_text_steal(rq, version, text, len, status);
}

void reply_doc(struct request *rq, PGresult *rows, unsigned status) {
  reply_doc_keep(rq, rows, status, NULL);
}

/* A resource's GET statement for ids: the row, or NULL (answered when the
 * statement failed; *missing says the row is not there, or not visible). */
static PGresult *fetch(struct request *rq, const struct resource *res,
                       const struct ids *ids, bool *missing) {
  const struct db_arg args[] = {
      {"id", ids->id_text},
      res->nested ? (struct db_arg){"school", ids->parent_text}
                  : (struct db_arg)DB_END,
      DB_END};
  PGresult *r = db_call(rq, res->get, args, NULL);
  *missing = r != NULL && PQntuples(r) == 0;
  if (*missing) {
    PQclear(r);
    return NULL;
  }
  return r;
}

void resource_get(struct request *rq, const struct resource *res) {
  struct ids ids = {0};
  if (!read_ids(rq, res, true, &ids))
    return;
  bool missing;
  PGresult *r = fetch(rq, res, &ids, &missing);
  if (missing)
    reply_missing(rq, res, &ids);
  else if (r != NULL)
    reply_doc(rq, r, 200);
}

struct write {
  const struct resource *res;
  struct ids ids;
  int32_t version;
  char version_text[16];
  char *body;           /* the validated JSON, owned */
  char *before, *after; /* the documents around the write, owned */
};

static void write_end(struct write *w) {
  free(w->body);
  free(w->before);
  free(w->after);
}

char *row_doc_text(const PGresult *r, int doc_col, size_t *len) {
  size_t cap = 0;
  char *text = NULL;
  *len = 0;
  append_row_json(&text, len, &cap, r, 0, doc_col, doc_col + 1);
  char *terminated = realloc(text, *len + 1);
  if (terminated == NULL)
    abort();
  terminated[*len] = '\0';
  return terminated;
}

/* Reads the row as it is now into *doc (and its version); false when it is
 * not there (after answering 404) or the statement failed. */
static bool read_doc(struct request *rq, struct write *w, char **doc,
                     int32_t *version) {
  bool missing;
  PGresult *r = fetch(rq, w->res, &w->ids, &missing);
  if (missing)
    reply_missing(rq, w->res, &w->ids);
  if (r == NULL)
    return false;
  *version = (int32_t)strtol(PQgetvalue(r, 0, 0), NULL, 10);
  free(*doc);
  size_t len;
  *doc = row_doc_text(r, 1, &len);
  PQclear(r);
  return true;
}

static void reply_stale(struct request *rq, struct write *w, int32_t now) {
  char detail[128];
  snprintf(detail, sizeof detail,
           "the %s is at version %d, not %s: read it again", w->res->what, now,
           w->version_text);
  reply_problem(rq, ERR_PRECONDITION_FAILED, detail);
  reply_etag(rq, now);
}

static void reply_out_of_scope(struct request *rq, const struct resource *res) {
  json_t *errors = NULL;
  if (res->scope_field != NULL) {
    errors = json_array();
    jspec_error(errors, res->scope_field, res->scope_message);
  }
  reply_problem_errors_steal(rq, ERR_FORBIDDEN, res->scope_message, errors);
}

static bool audit(struct request *rq, struct write *w, const char *action) {
  struct audit_entry e = {
      .action = action,
      .entity = w->res->entity,
      .entity_id =
          w->res->text_key ? NULL : w->ids.id_text, /* a code is in the doc */
      .before = w->before,
      .after = w->after,
      .place = w->res->audit_place,
      .parent = w->res->nested ? w->ids.parent_text : NULL,
  };
  return audit_write(rq, &e);
}

/* The written row, read back: audited, then the answer. */
static bool finish_write(struct request *rq, struct write *w,
                         const char *action, unsigned status) {
  int32_t version;
  if (!read_doc(rq, w, &w->after, &version) || !audit(rq, w, action))
    return false;
  reply_json_text(rq, status, w->after, strlen(w->after));
  reply_etag(rq, version);
  return true;
}

bool school_in_sight(struct request *rq, const char *school_id) {
  PGresult *r =
      db_call(rq, STMT_SCHOOL_VISIBLE,
              (const struct db_arg[]){{"id", school_id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found)
    reply_unseen(rq, "school with id %s", school_id);
  return found;
}

static bool create_work(struct request *rq, void *arg) {
  struct write *w = arg;
  if (w->res->nested && !school_in_sight(rq, w->ids.parent_text))
    return false;
  const struct db_arg args[] = {
      {"body", w->body},
      w->res->nested ? (struct db_arg){"school", w->ids.parent_text}
                     : (struct db_arg)DB_END,
      DB_END};
  PGresult *r = db_call(rq, w->res->insert, args, NULL);
  if (r == NULL)
    return false;
  bool inserted = PQntuples(r) == 1;
  if (inserted)
    snprintf(w->ids.id_text, sizeof w->ids.id_text, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  if (!inserted) {
    reply_out_of_scope(rq, w->res);
    return false;
  }
  return finish_write(rq, w, "create", 201);
}

static char *body_text(struct request *rq) {
  char *text = json_dumps(rq->json, JSON_COMPACT);
  if (text == NULL)
    abort();
  return text;
}

/* The field spec, then the resource's own rules; every error at once. */
static bool body_valid(struct request *rq, const struct resource *res,
                       enum jspec_mode mode) {
  const struct jspec_field *fields = mode == JSPEC_PATCH && res->update_fields
                                         ? res->update_fields
                                         : res->fields;
  json_t *errors = json_array();
  if (jspec_check(rq->json, fields, mode, errors) == 0 && res->check != NULL)
    res->check(rq, rq->json, errors);
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return res->authorize == NULL || res->authorize(rq, rq->json);
  }
  reply_validation_steal(rq, errors);
  return false;
}

void resource_create(struct request *rq, const struct resource *res) {
  struct write w = {.res = res};
  if (!read_ids(rq, res, false, &w.ids) || !body_valid(rq, res, JSPEC_CREATE))
    return;
  w.body = body_text(rq);
  if (db_txn(rq, create_work, &w)) {
    char collection[160];
    if (res->nested)
      snprintf(collection, sizeof collection, "/api/v1/schools/%s/%s",
               w.ids.parent_text, res->collection);
    else
      snprintf(collection, sizeof collection, "%s", res->collection);
    reply_location_key(rq, collection, w.ids.id_text);
  }
  write_end(&w);
}

/* A write that changed no row although the row was there at the version
 * the client holds: the row moved on meanwhile (412), or the body reaches
 * outside the scope (403). */
static bool reply_not_changed(struct request *rq, struct write *w) {
  int32_t now;
  if (!read_doc(rq, w, &w->after, &now))
    return false;
  if (now != w->version)
    reply_stale(rq, w, now);
  else
    reply_out_of_scope(rq, w->res);
  return false;
}

/* The row as it is before the write; false after 404 or 412. */
static bool read_before(struct request *rq, struct write *w) {
  int32_t now;
  if (!read_doc(rq, w, &w->before, &now))
    return false;
  if (now != w->version) {
    reply_stale(rq, w, now);
    return false;
  }
  return true;
}

static bool update_work(struct request *rq, void *arg) {
  struct write *w = arg;
  if (!read_before(rq, w))
    return false;
  if (w->res->before_update != NULL &&
      !w->res->before_update(rq, w->ids.id, w->ids.parent))
    return false;
  const struct db_arg args[] = {
      {"id", w->ids.id_text},
      {"version", w->version_text},
      {"patch", w->body},
      w->res->nested ? (struct db_arg){"school", w->ids.parent_text}
                     : (struct db_arg)DB_END,
      DB_END};
  PGresult *r = db_call(rq, w->res->update, args, NULL);
  if (r == NULL)
    return false;
  bool changed = PQntuples(r) == 1;
  PQclear(r);
  return changed ? finish_write(rq, w, "update", 200)
                 : reply_not_changed(rq, w);
}

void resource_update(struct request *rq, const struct resource *res) {
  struct write w = {.res = res};
  if (!read_ids(rq, res, true, &w.ids) || !body_valid(rq, res, JSPEC_PATCH) ||
      !request_if_match(rq, &w.version))
    return;
  snprintf(w.version_text, sizeof w.version_text, "%d", w.version);
  w.body = body_text(rq);
  db_txn(rq, update_work, &w);
  write_end(&w);
}

static bool delete_work(struct request *rq, void *arg) {
  struct write *w = arg;
  if (!read_before(rq, w))
    return false;
  const struct db_arg args[] = {
      {"id", w->ids.id_text},
      {"version", w->version_text},
      w->res->nested ? (struct db_arg){"school", w->ids.parent_text}
                     : (struct db_arg)DB_END,
      DB_END};
  PGresult *r = db_call(rq, w->res->remove, args, NULL);
  if (r == NULL)
    return false;
  bool deleted = PQntuples(r) == 1;
  PQclear(r);
  if (!deleted)
    return reply_not_changed(rq, w);
  if (!audit(rq, w, "delete"))
    return false;
  reply_empty(rq, 204);
  return true;
}

void resource_delete(struct request *rq, const struct resource *res) {
  struct write w = {.res = res};
  if (!read_ids(rq, res, true, &w.ids) || !request_if_match(rq, &w.version))
    return;
  snprintf(w.version_text, sizeof w.version_text, "%d", w.version);
  db_txn(rq, delete_work, &w);
  write_end(&w);
}

const char *query_param(const json_t *query, const char *name, char *buf,
                        size_t len) {
  const json_t *v = json_object_get(query, name);
  if (json_is_integer(v)) {
    snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  if (json_is_boolean(v))
    return json_is_true(v) ? "true" : "false";
  return json_string_value(v); /* NULL when absent */
}

uint64_t page_query(const struct request *rq, const json_t *query) {
  const char *operation =
      rq->match.route != NULL ? rq->match.route->operation_id : "";
  size_t len = strlen(operation) + strlen(rq->path ? rq->path : "") + 2;
  char *list = malloc(len);
  if (list == NULL)
    abort();
  snprintf(list, len, "%s %s", operation, rq->path ? rq->path : "");
  uint64_t h = cursor_query_hash(list, query);
  free(list);
  return h;
}

bool page_begin(struct request *rq, const json_t *query, struct page *page) {
  memset(page, 0, sizeof *page);
  json_t *limit = json_object_get(query, "limit");
  page->limit = limit != NULL ? (long)json_integer_value(limit) : 50;
  snprintf(page->limit_plus_one, sizeof page->limit_plus_one, "%ld",
           page->limit + 1);
  page->query = page_query(rq, query);
  const char *cursor = json_string_value(json_object_get(query, "cursor"));
  if (cursor == NULL)
    return true;
  long long id;
  enum cursor_read read =
      cursor_decode(cursor, page->query, &page->cursor_key, &id);
  if (read != CURSOR_OK) {
    json_t *errors = json_array();
    jspec_error(errors, "query.cursor",
                read == CURSOR_FOREIGN
                    ? "is a cursor of another list, or of other filters or "
                      "since: pass it with the query that returned it, or "
                      "start from the first page"
                    : "is not a cursor this list returned: start from the "
                      "first page");
    reply_validation_steal(rq, errors);
    return false;
  }
  snprintf(page->cursor_id, sizeof page->cursor_id, "%lld", id);
  return true;
}

void page_end(struct page *page) {
  free(page->cursor_key);
  page->cursor_key = NULL;
}

void reply_page(struct request *rq, PGresult *rows, const struct page *page) {
  int n = PQntuples(rows);
  int shown = n > page->limit ? (int)page->limit : n;
  size_t len = 0, cap = 4096;
  char *text = malloc(cap);
  if (text == NULL)
    abort();
  len += (size_t)sprintf(text, "{\"items\":[");
  for (int i = 0; i < shown; i++) {
    if (i > 0)
      text[len++] = ',';
    append_row_json(&text, &len, &cap, rows, i, 0, 3);
  }
  char *next = NULL;
  if (n > shown)
    next = cursor_encode(
        PQgetisnull(rows, shown - 1, 1) ? NULL : PQgetvalue(rows, shown - 1, 1),
        strtoll(PQgetvalue(rows, shown - 1, 2), NULL, 10), page->query);
  size_t tail = (next != NULL ? strlen(next) : 4) + 32;
  if (len + tail > cap) {
    cap = len + tail;
    char *grown = realloc(text, cap);
    if (grown == NULL)
      abort();
    text = grown;
  }
  if (next != NULL)
    len += (size_t)sprintf(text + len, "],\"next_cursor\":\"%s\"}", next);
  else
    len += (size_t)sprintf(text + len, "],\"next_cursor\":null}");
  free(next);
  PQclear(rows);
  reply_json_text_steal(rq, 200, text, len);
}

/* An empty page of a school's sub-list: is it the school that is missing
 * (or out of the caller's sight)? */
static bool school_missing(struct request *rq, const char *school_id) {
  return !school_in_sight(rq, school_id);
}

/* A list's statement: its filters by name from the checked query,
 * the page and the school it belongs to from here. */
static PGresult *list_call(struct request *rq, const struct list_spec *spec,
                           const struct page *page, const char *school,
                           const char *limit, const json_t *query) {
  const struct db_arg args[] = {
      {"cursor_id", page->cursor_id[0] ? page->cursor_id : NULL},
      {"limit", limit},
      spec->keyed ? (struct db_arg){"cursor_key", page->cursor_key}
                  : (struct db_arg)DB_END,
      spec->nested ? (struct db_arg){"school", school} : (struct db_arg)DB_END,
      DB_END};
  /* Both optional members above may be absent: close the gap. */
  struct db_arg packed[5];
  size_t n = 0;
  for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
    if (args[i].name != NULL)
      packed[n++] = args[i];
  packed[n] = (struct db_arg)DB_END;
  enum stmt_id stmt = spec->stmt_for ? spec->stmt_for(query) : spec->stmt;
  return db_call(rq, stmt, packed, query);
}

void resource_list(struct request *rq, const struct list_spec *spec) {
  struct ids ids = {0};
  if (spec->nested && !request_param_id(rq, "id", &ids.parent))
    return;
  json_t *query = request_query_checked(rq, spec->params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  char school[24];
  snprintf(school, sizeof school, "%lld", (long long)ids.parent);
  /* A table for Excel holds the whole list from the cursor on, not a page. */
  bool csv = spec->table != NULL && request_wants_table(rq);
  char csv_limit[16];
  snprintf(csv_limit, sizeof csv_limit, "%d", CSV_MAX_ROWS + 1);
  const char *limit = csv ? csv_limit : page.limit_plus_one;
  PGresult *r = list_call(rq, spec, &page, school, limit, query);
  if (r != NULL && PQntuples(r) == 0 && spec->nested &&
      school_missing(rq, school)) {
    PQclear(r);
  } else if (r != NULL && csv) {
    reply_table(rq, spec->table, r, 0, 3, spec->nested ? school : NULL);
    PQclear(r);
  } else if (r != NULL) {
    reply_page(rq, r, &page);
  }
  page_end(&page);
  json_decref(query);
}

int current_school_year(void) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900 - (tm.tm_mon < 8 ? 1 : 0);
}

json_t *school_year_query(struct request *rq, const struct jspec_field *params,
                          char school[static 24], char year[static 16]) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return NULL;
  json_t *query = request_query_checked(rq, params);
  if (query == NULL)
    return NULL;
  const json_t *asked = json_object_get(query, "year");
  snprintf(school, 24, "%lld", (long long)id);
  snprintf(year, 16, "%lld",
           asked != NULL ? (long long)json_integer_value(asked)
                         : (long long)current_school_year());
  return query;
}
