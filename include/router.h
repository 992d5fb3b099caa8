/* The route table is data (src/routes.c): method + path template -> handler,
 * with the permission the caller needs (checked by auth_check). router_match
 * finds the route for a request and captures its {parameters}. */
#ifndef OPORA_ROUTER_H
#define OPORA_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "principal.h"

struct request;
typedef void (*handler_fn)(struct request *rq);
/* Takes the next piece of a streamed body; false stops reading (the
 * consumer has answered the request). */
typedef bool (*body_chunk_fn)(struct request *rq, const char *data, size_t len);
/* Opens a streamed body's consumer once the headers are in, before any byte
 * of the body is read (checks its parameters and its object); false after
 * answering the request, which is then sent without reading the body. */
typedef bool (*body_open_fn)(struct request *rq);

enum http_method {
  HTTP_GET = 1u << 0,
  HTTP_POST = 1u << 1,
  HTTP_PUT = 1u << 2,
  HTTP_PATCH = 1u << 3,
  HTTP_DELETE = 1u << 4,
  HTTP_HEAD = 1u << 5,
  HTTP_OPTIONS = 1u << 6,
  HTTP_OTHER = 1u << 7,
};

enum route_flags {
  ROUTE_BODY_JSON = 1u << 0,   /* takes a JSON body, buffered and parsed */
  ROUTE_BODY_STREAM = 1u << 1, /* body streamed to the route's consumer */
  ROUTE_BODY_RAW = 1u << 2,    /* buffered, any type; the handler parses it */
};

#define ROUTE_MAX_PARAMS 4

struct jspec_field;
struct list_spec;

struct route {
  enum http_method method;
  const char *path; /* template, e.g. "/api/v1/schools/{id}" */
  handler_fn handler;
  const char *operation_id;   /* as in openapi.yaml */
  enum permission permission; /* what the caller needs (permissions.def) */
  unsigned flags;
  body_open_fn on_body_open;   /* ROUTE_BODY_STREAM routes only */
  body_chunk_fn on_body_chunk; /* ROUTE_BODY_STREAM routes only */
  /* What the operation takes, as its handler checks it (NULL: nothing):
   * the fields of its JSON body (a PATCH checks them with JSPEC_PATCH), the
   * parameters of its query, and the list spec of a list resource_list
   * serves. Data only: tests/unit/test_contract.c holds them against the
   * operation in openapi.yaml. */
  const struct jspec_field *body, *query;
  const struct list_spec *list;
};

struct route_match {
  const struct route *route; /* NULL: no route for this method and path */
  unsigned allowed;          /* methods the path accepts (for 405 Allow) */
  size_t n_params;
  const char *names[ROUTE_MAX_PARAMS]; /* into the template, not terminated */
  size_t names_len[ROUTE_MAX_PARAMS];
  const char *values_start[ROUTE_MAX_PARAMS]; /* into the matched path */
  size_t values_len[ROUTE_MAX_PARAMS];
};

extern const struct route routes[];
extern const size_t routes_count;

enum http_method http_method_parse(const char *method);
const char *http_method_name(enum http_method m);

/* Matches path against the table (or `table` for tests). HEAD matches GET. */
bool router_match(const struct route *table, size_t n, enum http_method m,
                  const char *path, struct route_match *out);

/* Writes "GET, HEAD, PATCH" style list of `allowed` into buf. */
void router_allow_header(unsigned allowed, char *buf, size_t len);

#endif
