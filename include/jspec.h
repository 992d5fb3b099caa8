/* Declarative JSON field specs. A handler describes its body as a table of
 * fields; jspec_check walks the whole value and reports every bad field at
 * once as {"path": "$.field", "message": "..."} entries, so a client can fix
 * all of them in one round trip. Unknown fields are errors too. */
#ifndef OPORA_JSPEC_H
#define OPORA_JSPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum jspec_type {
  JS_STRING,  /* text; min/max bound its length in characters */
  JS_TEXT,    /* like JS_STRING, but may span lines (\n, \t allowed) */
  JS_INTEGER, /* whole number; min/max bound it */
  JS_BOOLEAN,
  JS_DATE, /* "YYYY-MM-DD", a real calendar date */
  JS_ENUM, /* one of `values` */
  JS_EMAIL,
  JS_URL,    /* http:// or https:// */
  JS_ID,     /* positive integer id of another resource */
  JS_OBJECT, /* nested object described by `fields` */
  JS_ARRAY,  /* items described by `items`; min/max bound the count */
  JS_NUMBER, /* any JSON number (integer or real); min/max bound it as an
                integer's (0,0: unbounded) */
};

enum {
  JS_REQUIRED = 1u << 0, /* must be present on create */
  JS_NULLABLE = 1u << 1, /* null is accepted (clears the value on update) */
  JS_READONLY = 1u << 2, /* known, but never accepted from a client */
};

struct jspec_field {
  const char *name;
  enum jspec_type type;
  unsigned flags;
  long long min, max;        /* 0,0 = unbounded (max 0 means no maximum) */
  const char *const *values; /* JS_ENUM: NULL-terminated list */
  const struct jspec_field *fields; /* JS_OBJECT: terminated by {0} */
  const struct jspec_field *items;  /* JS_ARRAY */
  /* JS_STRING: a POSIX extended regular expression the whole value must
   * match (anchor it with ^...$), or NULL. */
  const char *pattern;
};

enum jspec_mode {
  JSPEC_CREATE, /* required fields must be present */
  JSPEC_PATCH,  /* every field optional; at least one must be given */
};

/* Checks `value` (the body) against `fields`. Appends one entry per problem
 * to the JSON array `errors` and returns how many it appended. */
size_t jspec_check(const json_t *value, const struct jspec_field *fields,
                   enum jspec_mode mode, json_t *errors);

/* At most this many errors are listed, and one more saying so. */
#define JSPEC_MAX_ERRORS 100

/* Appends {"path": path, "message": message} to errors; bytes of either
 * that are not UTF-8 (a query key quoted as it came) become '?'. */
void jspec_error(json_t *errors, const char *path, const char *message);

/* A normalized path as it is built during a walk: "$", then $.a, $.b[2],
 * $['odd key'] (src/core/json_text.c walks a JSON text with it). `text` is NULL
 * only when memory ran out. */
struct jspec_path {
  char *text;
  size_t len, cap;
};
void jspec_path_init(struct jspec_path *p); /* "$" */
void jspec_path_free(struct jspec_path *p);
/* Appends member `key` (n bytes, which may include NUL) or index i; returns
 * the length to give jspec_path_pop to take it off again. */
size_t jspec_path_push_key(struct jspec_path *p, const char *key, size_t n);
size_t jspec_path_push_index(struct jspec_path *p, size_t i);
void jspec_path_pop(struct jspec_path *p, size_t saved);

/* True when text is a valid "YYYY-MM-DD" calendar date. */
bool jspec_is_date(const char *text);

#endif
