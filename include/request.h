/* One HTTP request as handlers see it, and the helpers they answer with.
 * A handler reads path and query parameters and the parsed body, does its
 * work and calls exactly one reply_* function; src/server.c sends it. */
#ifndef OPORA_REQUEST_H
#define OPORA_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "errors.h"
#include "jspec.h"
#include "principal.h"
#include "router.h"

struct MHD_Connection;
struct MHD_Response;

#define REQUEST_ID_MAX 64

struct request {
  struct MHD_Connection *conn;
  enum http_method method;
  const char *method_text;
  const char *path;
  struct route_match match;
  char id[REQUEST_ID_MAX + 1];
  uint64_t started_ns;

  /* Body: buffered up to the configured limit, parsed for JSON routes. */
  char *body;
  size_t body_len, body_cap;
  uint64_t body_dropped;  /* bytes read and dropped after refusing it */
  uint64_t body_streamed; /* bytes handed to a stream consumer */
  json_t *json;

  /* Streaming routes keep their consumer's state here. */
  void *stream_state;
  void (*stream_free)(void *state);

  /* The answer, set by one reply_* call. */
  unsigned status;
  struct MHD_Response *response;
  uint64_t bytes_out;
  bool queued; /* handed to libmicrohttpd; nothing more to send */
  const char *allowed_origin; /* CORS: the request's Origin, when allowed */

  /* The caller, once auth_check passed (public routes: none). */
  bool authenticated;
  struct principal principal;

  /* Database targets (src/db/db_route.c, src/db/read_after.c): where this
   * request reads once decided, the write position it must see (the
   * Opora-LSN it sent), and the position after its own writes. */
  bool db_routed;
  int db_target;
  bool db_primary_used; /* a statement ran on the primary outside db_txn */
  uint64_t read_after_lsn;
  uint64_t commit_lsn;
};

/* --- reading the request ------------------------------------------------ */

/* The raw text of path parameter `name` (not terminated: *len bytes);
 * false when the route has no such parameter. Answers nothing. */
bool request_param_raw(const struct request *rq, const char *name,
                       const char **text, size_t *len);

/* Path parameter `name` as a positive id. On failure answers 400 naming the
 * parameter and returns false. */
bool request_param_id(struct request *rq, const char *name, int64_t *out);

/* Path parameter `name` as a code of letters, digits, '-', '_' and '.'
 * (into buf, at most len - 1 of them). On failure answers 400 naming the
 * parameter and returns false. */
bool request_param_key(struct request *rq, const char *name, char *buf,
                       size_t len);

/* Query parameter or header value, or NULL. */
const char *request_query(struct request *rq, const char *name);
const char *request_header(struct request *rq, const char *name);

/* Validates the query string against `params` (types converted from text;
 * unknown parameters rejected). On success returns a new object of typed
 * values (caller owns it); on failure answers 400 listing every bad
 * parameter and returns NULL. */
json_t *request_query_checked(struct request *rq,
                              const struct jspec_field *params);

/* The steps of request_query_checked without a connection (the fuzz
 * target drives them): one argument, decoded, checked against `params`
 * into `values` (its typed value) or `errors`; then the checks over all of
 * them (required parameters, bounds). */
void request_query_arg(const struct jspec_field *params, const char *key,
                       const char *value, json_t *values, json_t *errors);
void request_query_finish(const struct jspec_field *params, json_t *values,
                          json_t *errors);

/* A path id as text (len bytes): digits only, 1 .. 2^53 - 1. */
bool request_parse_id(const char *text, size_t len, int64_t *out);

/* Checks the parsed JSON body against `fields`. On failure answers 400 with
 * every bad field and returns false. */
bool request_body_checked(struct request *rq, const struct jspec_field *fields,
                          enum jspec_mode mode);

/* The client's address as text ("127.0.0.1", "::1"), into buf. */
const char *request_remote_addr(struct request *rq, char *buf, size_t len);

/* If-Match for an update: answers 428 when missing and 412 when it names no
 * version ("*" is not accepted: a writer must have read the resource). */
bool request_if_match(struct request *rq, int32_t *version);

/* --- answering ------------------------------------------------------------ */

void reply_json_steal(struct request *rq, unsigned status, json_t *body);
/* JSON text built elsewhere (e.g. by PostgreSQL), copied. */
void reply_json_text(struct request *rq, unsigned status, const char *text,
                     size_t len);
/* Takes over a malloc'ed JSON text. */
void reply_json_text_steal(struct request *rq, unsigned status, char *text,
                           size_t len);
/* Answers 200 with the answer kept under what was asked (`what`: route
 * and query), the caller's scope and the change number `stamp`, and
 * returns true. Else returns false and leaves in key (KEPT_KEY_MAX bytes)
 * what to keep this answer under, or "" when it is not to be kept
 * (src/core/kept.c, kept_key). */
bool reply_kept_under_stamp(struct request *rq, const char *what,
                            const char *stamp, char *key);
/* Answers the size bytes of an open file (a table written to a temporary
 * file), sent from it; the answer closes fd. */
void reply_fd_steal(struct request *rq, unsigned status,
                    const char *content_type, int fd, uint64_t size);
void reply_text(struct request *rq, unsigned status, const char *content_type,
                const char *text, size_t len);
/* Bytes that live as long as the process (files compiled into the binary):
 * sent from where they are, not copied. */
void reply_static(struct request *rq, unsigned status, const char *content_type,
                  const void *data, size_t len);
void reply_empty(struct request *rq, unsigned status);
void reply_problem(struct request *rq, enum error_id err, const char *detail);
/* A problem with `errors` ([{"path","message"}], or NULL for none). */
void reply_problem_errors_steal(struct request *rq, enum error_id err,
                                const char *detail, json_t *errors_steal);
/* A problem body made by problem_build (with members of its own added),
 * answered with the error's status. */
void reply_problem_body_steal(struct request *rq, enum error_id err,
                              json_t *body);
/* A 400 validation problem listing `errors` ([{"path","message"}]). */
void reply_validation_steal(struct request *rq, json_t *errors);
/* 404 for what the caller does not see: "no <what> is within your scope",
 * true whether it is missing or outside the scope (docs/ACCESS.md). */
void reply_unseen(struct request *rq, const char *what_fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Problem with one error naming `path`: unique/foreign key violations. */
void reply_problem_at(struct request *rq, enum error_id err, const char *path,
                      const char *message);

/* Headers on the reply already set; call after reply_*. */
void reply_header(struct request *rq, const char *name, const char *value);
void reply_etag(struct request *rq, int32_t version);
/* Location: <collection>/<id> */
void reply_location(struct request *rq, const char *collection, long long id);
void reply_location_key(struct request *rq, const char *collection,
                        const char *key);

/* Builds the problem body (exposed for tests). */
json_t *problem_build(enum error_id err, const char *detail,
                      const char *request_id, json_t *errors_steal);

#endif
