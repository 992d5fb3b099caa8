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

const struct parent school_parent = {
    .what = "school",
    .collection = "/api/v1/schools",
    .arg = "school",
    .visible = STMT_SCHOOL_VISIBLE,
};

/* The parent the resource's own statements and path name: not a flat
 * one's, but when it is created. */
static const struct parent *named_parent(const struct resource *res,
                                         bool creating) {
  return res->flat && !creating ? NULL : res->parent;
}

/* The path ids of a request: the resource's own, and its parent's. */
static bool read_ids(struct request *rq, const struct resource *res,
                     bool with_own_id, struct write *w) {
  if (named_parent(res, !with_own_id) != NULL) {
    if (!request_param_id(rq, "id", &w->parent))
      return false;
    snprintf(w->parent_text, sizeof w->parent_text, "%lld",
             (long long)w->parent);
  }
  if (with_own_id && res->text_key) {
    if (!request_param_key(rq, res->id_param, w->id_text, sizeof w->id_text))
      return false;
  } else if (with_own_id) {
    if (!request_param_id(rq, res->id_param, &w->id))
      return false;
    snprintf(w->id_text, sizeof w->id_text, "%lld", (long long)w->id);
  }
  return true;
}

/* 404: what the caller does not see; a catalogue, the same for everyone,
 * says the row is missing. */
void reply_write_missing(struct request *rq, const struct write *w) {
  const struct resource *res = w->res;
  if (named_parent(res, false) != NULL) {
    reply_unseen(rq, "%s with id %s of %s %s", res->what, w->id_text,
                 res->parent->what, w->parent_text);
  } else if (db_stmt_scoped(res->get)) {
    reply_unseen(rq, "%s with id %s", res->what, w->id_text);
  } else {
    char detail[160];
    snprintf(detail, sizeof detail, "no %s has id %s", res->what, w->id_text);
    reply_problem(rq, ERR_NOT_FOUND, detail);
  }
}

/* The statement's argument naming the parent, or the list's end. */
static struct db_arg parent_arg(const struct parent *parent, const char *id) {
  return parent != NULL ? (struct db_arg){parent->arg, id}
                        : (struct db_arg)DB_END;
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

/* A resource's GET statement for the write's ids: the row, or NULL
 * (answered when the statement failed; *missing says the row is not there,
 * or not visible). */
static PGresult *fetch(struct request *rq, const struct write *w,
                       bool *missing) {
  const struct db_arg args[] = {
      {"id", w->id_text},
      parent_arg(named_parent(w->res, false), w->parent_text),
      DB_END};
  PGresult *r = db_call(rq, w->res->get, args, NULL);
  *missing = r != NULL && PQntuples(r) == 0;
  if (*missing) {
    PQclear(r);
    return NULL;
  }
  return r;
}

void resource_get(struct request *rq, const struct resource *res) {
  struct write w = {.res = res};
  if (!read_ids(rq, res, true, &w))
    return;
  bool missing;
  PGresult *r = fetch(rq, &w, &missing);
  if (missing)
    reply_write_missing(rq, &w);
  else if (r != NULL)
    reply_doc(rq, r, 200);
}

static void write_end(struct write *w) {
  free(w->body);
  json_decref(w->insert_values);
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
  PGresult *r = fetch(rq, w, &missing);
  if (missing)
    reply_write_missing(rq, w);
  if (r == NULL)
    return false;
  *version = (int32_t)strtol(PQgetvalue(r, 0, 0), NULL, 10);
  free(*doc);
  size_t len;
  *doc = row_doc_text(r, 1, &len);
  PQclear(r);
  return true;
}

void reply_stale_version(struct request *rq, const char *what, int32_t now,
                         const char *held) {
  char detail[128];
  snprintf(detail, sizeof detail,
           "the %s is at version %d, not %s: read it again", what, now, held);
  reply_problem(rq, ERR_PRECONDITION_FAILED, detail);
  reply_etag(rq, now);
}

static void reply_stale(struct request *rq, struct write *w, int32_t now) {
  reply_stale_version(rq, w->res->what, now, w->version_text);
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
  const struct resource *res = w->res;
  struct audit_entry e = {
      .action = action,
      .entity = res->entity,
      .entity_id = res->text_key ? NULL : w->id_text, /* a code is in the doc */
      .before = w->before,
      .after = w->after,
      .place = res->audit_place,
      .parent = named_parent(res, false) != NULL ? w->parent_text : NULL,
  };
  if (res->audit_where != NULL)
    res->audit_where(w, &e.place, &e.parent);
  return audit_write(rq, &e);
}

/* The row's document for the audit trail after the write, when the
 * resource keeps its own: replaces *doc. */
static bool audit_doc(struct request *rq, struct write *w, char **doc) {
  return w->res->audit_doc == NULL || w->res->audit_doc(rq, w, doc);
}

/* The written row, read back: audited, then the answer. */
static bool finish_write(struct request *rq, struct write *w,
                         const char *action, unsigned status) {
  int32_t version;
  char *answer = NULL;
  bool ok = read_doc(rq, w, &answer, &version);
  if (ok && w->res->audit_doc == NULL) {
    free(w->after);
    w->after = answer; /* the same document */
    answer = NULL;
  }
  ok = ok && audit_doc(rq, w, &w->after) && audit(rq, w, action);
  if (ok) {
    const char *text = answer != NULL ? answer : w->after;
    reply_json_text(rq, status, text, strlen(text));
    reply_etag(rq, version);
  }
  free(answer);
  return ok;
}

bool parent_in_sight(struct request *rq, const struct parent *parent,
                     const char *id) {
  PGresult *r = db_call(rq, parent->visible,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found)
    reply_unseen(rq, "%s with id %s", parent->what, id);
  return found;
}

bool school_in_sight(struct request *rq, const char *school_id) {
  return parent_in_sight(rq, &school_parent, school_id);
}

/* The parent of a create, by the resource's load_parent: 404, 403; false
 * after answering. */
static bool parent_allows(struct request *rq, struct write *w) {
  const struct parent *parent = w->res->parent;
  struct write_state s = {0};
  if (!w->res->load_parent(rq, w, &s))
    return false;
  if (!s.found)
    reply_unseen(rq, "%s with id %s", parent->what, w->parent_text);
  else if (!s.writable)
    reply_problem(rq, ERR_FORBIDDEN, parent->readonly);
  return s.found && s.writable;
}

static bool create_work(struct request *rq, void *arg) {
  struct write *w = arg;
  const struct resource *res = w->res;
  const struct parent *parent = res->parent;
  if (parent != NULL &&
      !(res->load_parent != NULL ? parent_allows(rq, w)
                                 : parent_in_sight(rq, parent, w->parent_text)))
    return false;
  json_decref(w->insert_values);
  w->insert_values = NULL;
  if (res->check_create != NULL && !res->check_create(rq, w))
    return false;
  const struct db_arg args[] = {
      {"body", w->body}, parent_arg(parent, w->parent_text), DB_END};
  PGresult *r = db_call(rq, w->res->insert, args, w->insert_values);
  if (r == NULL)
    return false;
  bool inserted = PQntuples(r) == 1;
  if (inserted)
    snprintf(w->id_text, sizeof w->id_text, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  if (!inserted) {
    reply_out_of_scope(rq, w->res);
    return false;
  }
  return (res->after_write == NULL || res->after_write(rq, w)) &&
         finish_write(rq, w, "create", 201);
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
  resource_create_ctx(rq, res, NULL);
}

void resource_create_ctx(struct request *rq, const struct resource *res,
                         void *ctx) {
  struct write w = {.res = res, .ctx = ctx};
  if (!read_ids(rq, res, false, &w) || !body_valid(rq, res, JSPEC_CREATE))
    return;
  w.body = body_text(rq);
  if (db_txn(rq, create_work, &w)) {
    char collection[160];
    if (named_parent(res, false) != NULL)
      snprintf(collection, sizeof collection, "%s/%s/%s",
               res->parent->collection, w.parent_text, res->collection);
    else
      snprintf(collection, sizeof collection, "%s", res->collection);
    reply_location_key(rq, collection, w.id_text);
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

/* The state the write is judged on, by the resource's load_state: 404,
 * 403, 412 in this order; false after answering. */
static bool state_allows(struct request *rq, struct write *w) {
  struct write_state s = {0};
  if (!w->res->load_state(rq, w, &s))
    return false;
  if (!s.found) {
    reply_write_missing(rq, w);
    return false;
  }
  if (!s.writable) {
    reply_problem(rq, ERR_FORBIDDEN, w->res->scope_message);
    return false;
  }
  if (s.version != w->version) {
    reply_stale(rq, w, s.version);
    return false;
  }
  return true;
}

/* The resource's own rules on an update (check_transition) or a delete
 * (check_delete). */
typedef bool (*write_check)(struct request *rq, struct write *w);

static bool rules_allow(struct request *rq, struct write *w,
                        write_check check) {
  return check == NULL || check(rq, w);
}

/* The row as it is before the write, and the checks on it: with a
 * load_state, its 404, 403, 412, then the resource's rules; without, the
 * row's 404 and 412, then the rules. False after answering. */
static bool read_before(struct request *rq, struct write *w,
                        write_check check) {
  bool judged = w->res->load_state != NULL;
  if (judged) {
    free(w->before); /* load_state may give its own */
    w->before = NULL;
    if (!state_allows(rq, w) || !rules_allow(rq, w, check))
      return false;
    if (w->before != NULL)
      return true;
  }
  int32_t now;
  if (!read_doc(rq, w, &w->before, &now))
    return false;
  if (now != w->version) {
    reply_stale(rq, w, now);
    return false;
  }
  return judged || rules_allow(rq, w, check);
}

/* The statement changed the row (after its side effects) or not. */
static bool written(struct request *rq, struct write *w, PGresult *r) {
  if (r == NULL)
    return false;
  bool changed = PQntuples(r) == 1;
  PQclear(r);
  if (!changed)
    return reply_not_changed(rq, w);
  return w->res->after_write == NULL || w->res->after_write(rq, w);
}

static bool update_work(struct request *rq, void *arg) {
  struct write *w = arg;
  if (!read_before(rq, w, w->res->check_transition))
    return false;
  const struct db_arg args[] = {
      {"id", w->id_text},
      {"version", w->version_text},
      {"patch", w->body},
      parent_arg(named_parent(w->res, false), w->parent_text),
      DB_END};
  return written(rq, w, db_call(rq, w->res->update, args, NULL)) &&
         finish_write(rq, w, "update", 200);
}

void resource_update_ctx(struct request *rq, const struct resource *res,
                         void *ctx) {
  struct write w = {.res = res, .ctx = ctx};
  if (!read_ids(rq, res, true, &w) || !body_valid(rq, res, JSPEC_PATCH) ||
      !request_if_match(rq, &w.version))
    return;
  snprintf(w.version_text, sizeof w.version_text, "%d", w.version);
  w.body = body_text(rq);
  db_txn(rq, update_work, &w);
  write_end(&w);
}

void resource_update(struct request *rq, const struct resource *res) {
  resource_update_ctx(rq, res, NULL);
}

struct removal {
  struct write w;
  enum stmt_id stmt;
};

static bool delete_work(struct request *rq, void *arg) {
  struct removal *d = arg;
  struct write *w = &d->w;
  if (!read_before(rq, w, w->res->check_delete))
    return false;
  const struct db_arg args[] = {
      {"id", w->id_text},
      {"version", w->version_text},
      parent_arg(named_parent(w->res, false), w->parent_text),
      DB_END};
  if (!written(rq, w, db_call(rq, d->stmt, args, NULL)) ||
      !audit(rq, w, "delete"))
    return false;
  reply_empty(rq, 204);
  return true;
}

void resource_delete_ctx(struct request *rq, const struct resource *res,
                         enum stmt_id remove, void *ctx) {
  struct removal d = {.w = {.res = res, .ctx = ctx}, .stmt = remove};
  struct write *w = &d.w;
  if (!read_ids(rq, res, true, w) || !request_if_match(rq, &w->version))
    return;
  snprintf(w->version_text, sizeof w->version_text, "%d", w->version);
  db_txn(rq, delete_work, &d);
  write_end(w);
}

void resource_delete(struct request *rq, const struct resource *res,
                     enum stmt_id remove) {
  resource_delete_ctx(rq, res, remove, NULL);
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
      parent_arg(spec->parent, school),
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
  int64_t parent = 0;
  if (spec->parent != NULL && !request_param_id(rq, "id", &parent))
    return;
  json_t *query = request_query_checked(rq, spec->params);
  struct page page;
  if (query == NULL || !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  char school[24];
  snprintf(school, sizeof school, "%lld", (long long)parent);
  /* A table for Excel holds the whole list from the cursor on, not a page. */
  bool csv = spec->table != NULL && request_wants_table(rq);
  char csv_limit[16];
  snprintf(csv_limit, sizeof csv_limit, "%d", CSV_MAX_ROWS + 1);
  const char *limit = csv ? csv_limit : page.limit_plus_one;
  PGresult *r = list_call(rq, spec, &page, school, limit, query);
  if (r != NULL && PQntuples(r) == 0 && spec->parent != NULL &&
      !parent_in_sight(rq, spec->parent, school)) {
    PQclear(r);
  } else if (r != NULL && csv) {
    reply_table(rq, spec->table, r, 0, 3, spec->parent != NULL ? school : NULL);
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
