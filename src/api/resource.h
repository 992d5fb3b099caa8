/* What every resource shares: get one, create, update with If-Match, delete,
 * and list pages. A resource file (src/api/<name>.c) describes its fields and
 * names its statements; these functions do the rest the same way for all. */
#ifndef OPORA_RESOURCE_H
#define OPORA_RESOURCE_H

#include <libpq-fe.h>

#include "cursor.h"
#include "db.h"
#include "request.h"
#include "table.h"

/* What a nested resource lives under: the path's {id} names it. Schools
 * are one; a parent is data, not a special case. */
struct parent {
  const char *what;       /* "school": used in messages */
  const char *collection; /* "/api/v1/schools" */
  const char *arg;        /* the statements' argument naming it: "school" */
  enum stmt_id visible;   /* id -> a row when the caller sees it */
  /* A create's 403 when its load_parent finds the parent not writable. */
  const char *readonly;
};
extern const struct parent school_parent;

/* A row addressed by a key (a campaign and a school, a school and a year)
 * instead of an id of its own, and created on demand (an upsert, a version
 * bump): like a parent, the key is data. */
struct row_key {
  const char *args[2]; /* the statements' arguments: "school", "year" */
  enum stmt_id doc;    /* the key -> version, doc: the row as answered */
  bool created_201;    /* a write that creates the row answers 201 */
  /* The parent the key's first value names is seen (404) before
   * load_state runs. */
  bool parent_first;
};

struct write;

/* The state a write is judged on, read (and locked) by a load_state hook. */
struct write_state {
  bool found;    /* false: answered 404 as a missing row */
  bool writable; /* false: answered 403 with the scope_message */
  int32_t version;
};

struct resource {
  const char *what;       /* "school": used in messages */
  const char *collection; /* "/api/v1/schools", or "statuses" under a parent */
  const char *id_param;   /* path parameter naming the resource */
  const struct parent *parent; /* NULL: at the top */
  /* Created under the parent (POST .../{id}/<collection>), but addressed
   * by its own id alone (collection is then the absolute one). */
  bool flat;
  bool text_key; /* its id is a code ("RF01"), not a number */
  const struct jspec_field *fields;
  const struct jspec_field *update_fields; /* when PATCH differs from POST */
  /* Optional rules across fields, after the field spec passed; appends to
   * errors like jspec_check. */
  void (*check)(struct request *rq, const json_t *body, json_t *errors);
  /* Optional rule on who may send which fields, after the field spec;
   * false after answering 403 (a school may not move itself). */
  bool (*authorize)(struct request *rq, const json_t *body);
  enum stmt_id get, insert, update; /* shapes: src/db/sql/statements.def */
  /* When an insert or update finds the body reaching outside the caller's
   * scope: the field to name in the 403, and why. */
  const char *scope_field, *scope_message;
  /* The audit trail's name for the entity, and where it belongs
   * (AUDIT_PLACE_*). */
  const char *entity, *audit_place;

  /* Hooks of a create, each optional. Reads (and locks) the parent the
   * row is created under; false when a statement failed. Then: not found
   * 404, not writable 403 (the parent's readonly). Without it: the
   * parent's visible statement, 404. */
  bool (*load_parent)(struct request *rq, struct write *w,
                      struct write_state *s);
  /* The create's rules against stored data, before the insert; false
   * after answering. It may give the insert more arguments
   * (w->insert_values). */
  bool (*check_create)(struct request *rq, struct write *w);

  /* Hooks of an update or delete, each optional; the generic path keeps
   * 404, 403, 412, the audit and the answer. In order: */
  /* Reads (and locks) the state the write is judged on; false when a
   * statement failed (or, for a keyed row, after a refusal of its own).
   * Then: not found 404, not writable 403 (with
   * scope_message), another version 412. Without it: the row by `get`,
   * 404, 412. It may set w->before, the audited document before the
   * write, when that is not the one answered (see audit_doc). */
  bool (*load_state)(struct request *rq, struct write *w,
                     struct write_state *s);
  /* The resource's own rules on an update (state transitions, rules
   * against stored data), after the 404, 403 and 412; false after
   * answering. */
  bool (*check_transition)(struct request *rq, struct write *w);
  /* The same for a delete (not while others depend on the row). */
  bool (*check_delete)(struct request *rq, struct write *w);
  /* After the statement created, changed or deleted the row, before it
   * is read back: side effects in the same transaction (rq->method tells
   * which); false after answering. */
  bool (*after_write)(struct request *rq, struct write *w);
  /* The row's document for the audit trail after the write (into *doc,
   * owned; replacing it), when not the one answered; false when a
   * statement failed. */
  bool (*audit_doc)(struct request *rq, struct write *w, char **doc);
  /* Where the audit trail files this write, when not audit_place. */
  void (*audit_where)(const struct write *w, const char **place,
                      const char **parent);

  /* A row addressed by its key (resource_write_key): the key, and the
   * statements that create or change the row, between check_transition
   * and after_write; false after answering (a failed statement, or the
   * refusal of a write that changed nothing). */
  const struct row_key *key;
  bool (*write)(struct request *rq, struct write *w);
};

/* A write under way, as the hooks see it. */
struct write {
  const struct resource *res;
  int64_t id, parent;
  char id_text[72], parent_text[24]; /* a code has up to 64 characters */
  int32_t version;                   /* the one the client holds */
  char version_text[16];
  char *body;            /* the validated JSON, owned */
  json_t *insert_values; /* more arguments of the insert by name, owned */
  char *before, *after;  /* the audited documents around the write, owned */
  void *ctx;             /* the resource's own, for its hooks */
  char key[2][24];       /* a keyed row's key, as res->key->args name it */
  bool created;          /* a keyed row: none before the write */
  const char *action;    /* the audit's action; NULL: create or update */
};

/* Answers 404 for the write's row as the generic path does. */
void reply_write_missing(struct request *rq, const struct write *w);

/* Answers 412 for a write at version `held` of what is at `now`, with the
 * ETag of now: the generic path's, and of the writes that keep their own
 * (a profile or a social context per school year, a submission). */
void reply_stale_version(struct request *rq, const char *what, int32_t now,
                         const char *held);

void resource_get(struct request *rq, const struct resource *res);
void resource_create(struct request *rq, const struct resource *res);
/* The same with the resource's own context for its hooks (w->ctx). */
void resource_create_ctx(struct request *rq, const struct resource *res,
                         void *ctx);
void resource_update(struct request *rq, const struct resource *res);
/* The same with the resource's own context for its hooks (w->ctx). */
void resource_update_ctx(struct request *rq, const struct resource *res,
                         void *ctx);
/* Deletes with `remove` (id, version [, parent] -> id): only a resource
 * that can be deleted routes here. */
void resource_delete(struct request *rq, const struct resource *res,
                     enum stmt_id remove);
void resource_delete_ctx(struct request *rq, const struct resource *res,
                         enum stmt_id remove, void *ctx);

/* Writes the row that w->key names, for a resource with a key: the hooks'
 * context (w->ctx), the version the client holds (w->version and
 * version_text; "" when it holds none) and w->body set by the caller. In
 * one transaction: load_state (it may set w->before and w->created), 404
 * (the parent named by the key's first value), 403, 412, check_transition,
 * the row before (key->doc, unless created or given), write, after_write,
 * the row read back, the audit (entity_id: w->id_text) and the answer
 * with its ETag. Frees what w owns. */
void resource_write_key(struct request *rq, const struct resource *res,
                        struct write *w);

/* List pages. Every list takes these two query parameters. */
#define PAGE_PARAMS                                                            \
  {"limit", JS_INTEGER, 0, 1, 500, NULL, NULL, NULL, NULL}, {                  \
    "cursor", JS_STRING, 0, 1, CURSOR_TEXT_MAX, NULL, NULL, NULL, NULL         \
  }

/* A list: its query parameters and the statement that reads a page. The
 * statement declares its filters, named as the query parameters they come
 * from, the parent's argument (`school`), `cursor_key` (keyed), `cursor_id` and
 * `limit` (one row more than the page); it returns doc, sort key, id, then
 * extra members. */
struct list_spec {
  const struct jspec_field *params; /* ends with PAGE_PARAMS, END_FIELDS */
  enum stmt_id stmt;
  /* When set, the statement for the checked query (else stmt). */
  enum stmt_id (*stmt_for)(const json_t *query);
  const struct parent *parent; /* under {id} of it: 404 when it is not */
  bool keyed;                  /* sorted by a key before the id (a name) */
  /* Its columns as a table (Accept: text/csv); NULL: JSON only. */
  const struct table_spec *table;
};

void resource_list(struct request *rq, const struct list_spec *spec);

struct page {
  char limit_plus_one[24]; /* the statement fetches one more row than shown */
  long limit;
  char *cursor_key;   /* owned; NULL when absent */
  char cursor_id[24]; /* "" when absent */
  uint64_t query;     /* the query its cursors belong to (cursor.h) */
};

/* The query a cursor of this request's list belongs to: the operation, the
 * path and the checked query parameters (cursor_query_hash). */
uint64_t page_query(const struct request *rq, const json_t *query);

/* Reads limit and cursor from checked query values; false after answering
 * 400 for a cursor we did not make or made for another list or query. */
bool page_begin(struct request *rq, const json_t *query, struct page *page);
void page_end(struct page *page);

/* Answers {"items": [...], "next_cursor": ...} from a list statement's rows:
 * doc, sort key, id, then extra members. */
void reply_page(struct request *rq, PGresult *rows, const struct page *page);

/* The parent (id as text) exists and is in the caller's scope; otherwise
 * answers 404 (or the failed statement) and returns false. */
bool parent_in_sight(struct request *rq, const struct parent *parent,
                     const char *id);
/* The same for a school. */
bool school_in_sight(struct request *rq, const char *school_id);

/* A query value as statement parameter text (into buf), NULL when absent. */
const char *query_param(const json_t *query, const char *name, char *buf,
                        size_t len);

/* Answers 200 (or `status`) with the resource row (version, doc, extra
 * members...) and its ETag; consumes rows. */
void reply_doc(struct request *rq, PGresult *rows, unsigned status);
/* The same for a document's text (taken) and version: 304 and no body to a
 * reader who holds that version (If-None-Match). */
void reply_doc_text_steal(struct request *rq, int32_t version, char *text,
                          size_t len, unsigned status);
/* Row 0 of r as one JSON document: the object of column doc_col with the
 * columns after it as its last members. NUL-terminated; caller frees. */
char *row_doc_text(const PGresult *r, int doc_col, size_t *len);

/* reply_doc, also keeping the answer's text under key (kept.h) unless key
 * is NULL or "". */
void reply_doc_keep(struct request *rq, PGresult *rows, unsigned status,
                    const char *key);

/* Answers 304 with the ETag when the caller's If-None-Match holds version
 * (true); else answers nothing (false). */
bool reply_if_current(struct request *rq, int32_t version);

/* The school year under way: 2024 from September 2024 to August 2025. */
int current_school_year(void);

/* For what hangs off a school for a school year: the path's school and
 * the query's `year` (the current school year when absent) as texts, and
 * the query checked against params (owned by the caller); NULL after
 * answering 400. */
json_t *school_year_query(struct request *rq, const struct jspec_field *params,
                          char school[static 24], char year[static 16]);

#endif
