/* What every resource shares: get one, create, update with If-Match, delete,
 * and list pages. A resource file (src/api/<name>.c) describes its fields and
 * names its statements; these functions do the rest the same way for all. */
#ifndef OPORA_RESOURCE_H
#define OPORA_RESOURCE_H

#include <libpq-fe.h>

#include "db.h"
#include "request.h"
#include "table.h"

struct resource {
  const char *what;       /* "school": used in messages */
  const char *collection; /* "/api/v1/schools", or "statuses" under a school */
  const char *id_param;   /* path parameter naming the resource */
  bool nested;            /* lives under /api/v1/schools/{id} */
  bool text_key;          /* its id is a code ("RF01"), not a number */
  const struct jspec_field *fields;
  const struct jspec_field *update_fields; /* when PATCH differs from POST */
  /* Optional rules across fields, after the field spec passed; appends to
   * errors like jspec_check. */
  void (*check)(struct request *rq, const json_t *body, json_t *errors);
  /* Optional rule on who may send which fields, after the field spec;
   * false after answering 403 (a school may not move itself). */
  bool (*authorize)(struct request *rq, const json_t *body);
  enum stmt_id get, insert, update, remove; /* shapes: src/sql/statements.def */
  /* When an insert or update finds the body reaching outside the caller's
   * scope: the field to name in the 403, and why. */
  const char *scope_field, *scope_message;
  /* The audit trail's name for the entity, and where it belongs
   * (AUDIT_PLACE_*). */
  const char *entity, *audit_place;
  /* Optional rule checked inside the update's transaction, before it; false
   * after answering (e.g. 409 for closing a closed status). */
  bool (*before_update)(struct request *rq, int64_t id, int64_t parent);
};

void resource_get(struct request *rq, const struct resource *res);
void resource_create(struct request *rq, const struct resource *res);
void resource_update(struct request *rq, const struct resource *res);
void resource_delete(struct request *rq, const struct resource *res);

/* List pages. Every list takes these two query parameters. */
#define PAGE_PARAMS                                                            \
  {"limit", JS_INTEGER, 0, 1, 500, NULL, NULL, NULL, NULL}, {                  \
    "cursor", JS_STRING, 0, 1, 2000, NULL, NULL, NULL, NULL                    \
  }

/* A list: its query parameters and the statement that reads a page. The
 * statement declares its filters, named as the query parameters they come
 * from, and `school` (nested), `cursor_key` (keyed), `cursor_id` and `limit`
 * (one row more than the page); it returns doc, sort key, id, then extra
 * members. */
struct list_spec {
  const struct jspec_field *params; /* ends with PAGE_PARAMS, END_FIELDS */
  enum stmt_id stmt;
  /* When set, the statement for the checked query (else stmt). */
  enum stmt_id (*stmt_for)(const json_t *query);
  bool nested; /* under /api/v1/schools/{id}: 404 when the school is not */
  bool keyed;  /* sorted by a key before the id (a name) */
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

/* The school (id as text) exists and is in the caller's scope; otherwise
 * answers 404 (or the failed statement) and returns false. */
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
