/* Building answers: JSON bodies, problem+json errors and their headers. The
 * server (src/server.c) adds the headers every response carries and sends
 * the response a handler left in rq->response. */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "kept.h"
#include "log.h"
#include "request.h"
#include "utf8.h"

static void set_response(struct request *rq, unsigned status,
                         struct MHD_Response *response) {
  if (rq->response != NULL) /* a second answer replaces the first */
    MHD_destroy_response(rq->response);
  if (response == NULL) /* out of memory: nothing better to send */
    abort();
  rq->status = status;
  rq->response = response;
}

static void reply_owned(struct request *rq, unsigned status,
                        const char *content_type, char *text_steal,
                        size_t len) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer_with_free_callback(len, text_steal, free);
  set_response(rq, status, r);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  rq->bytes_out = len;
}

/* Text that PostgreSQL built has spaces of its own (json_build_object
 * gives {"a" : 1}, jsonb {"a": 1}); every answer leaves in the compact form
 * that Jansson writes. */
void reply_json_text_steal(struct request *rq, unsigned status, char *text,
                           size_t len) {
  reply_owned(rq, status, "application/json", text,
              json_text_compact(text, len));
}

void reply_fd_steal(struct request *rq, unsigned status,
                    const char *content_type, int fd, uint64_t size) {
  struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);
  set_response(rq, status, r);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  rq->bytes_out = (size_t)size;
}

void reply_text(struct request *rq, unsigned status, const char *content_type,
                const char *text, size_t len) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
  set_response(rq, status, r);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  rq->bytes_out = len;
}

void reply_static(struct request *rq, unsigned status, const char *content_type,
                  const void *data, size_t len) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
      len, (void *)data, MHD_RESPMEM_PERSISTENT);
  set_response(rq, status, r);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  rq->bytes_out = len;
}

void reply_json_text(struct request *rq, unsigned status, const char *text,
                     size_t len) {
  char *copy = malloc(len + 1);
  if (copy == NULL)
    abort();
  memcpy(copy, text, len);
  copy[len] = '\0';
  reply_json_text_steal(rq, status, copy, len);
}

static void reply_json_typed_steal(struct request *rq, unsigned status,
                                   const char *content_type, json_t *body) {
  char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(body);
  if (text == NULL)
    abort();
  reply_owned(rq, status, content_type, text, strlen(text));
}

void reply_json_steal(struct request *rq, unsigned status, json_t *body) {
  reply_json_typed_steal(rq, status, "application/json", body);
}

bool reply_kept_under_stamp(struct request *rq, const char *what,
                            const char *stamp, char *key) {
  if (!kept_key(key, KEPT_KEY_MAX, what, rq->principal.scope_kind,
                rq->principal.scope_id, stamp)) {
    key[0] = '\0';
    return false;
  }
  char *text;
  size_t len;
  if (!kept_copy(key, &text, &len))
    return false;
  reply_json_text_steal(rq, 200, text, len);
  return true;
}

void reply_empty(struct request *rq, unsigned status) {
  set_response(
      rq, status,
      MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
  rq->bytes_out = 0;
}

json_t *problem_build(enum error_id err, const char *detail,
                      const char *request_id, json_t *errors_steal) {
  const struct error_info *info = error_info(err);
  /* A detail may quote input: it goes out as valid UTF-8. */
  char detail_text[1024];
  if (detail != NULL) {
    snprintf(detail_text, sizeof detail_text, "%s", detail);
    utf8_make_valid(detail_text);
    detail = detail_text;
  }
  char type[96];
  snprintf(type, sizeof type, "urn:opora:problem:%s", info->code);
  json_t *p =
      json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type, "title",
                info->title, "status", (int)info->status, "detail",
                detail != NULL ? detail : info->title, "code", info->code,
                "request_id", request_id != NULL ? request_id : "");
  if (p == NULL)
    abort();
  if (errors_steal != NULL)
    json_object_set_new(p, "errors", errors_steal);
  return p;
}

void reply_problem_body_steal(struct request *rq, enum error_id err,
                              json_t *body) {
  reply_json_typed_steal(rq, error_info(err)->status,
                         "application/problem+json", body);
}

void reply_problem_errors_steal(struct request *rq, enum error_id err,
                                const char *detail, json_t *errors_steal) {
  reply_problem_body_steal(rq, err,
                           problem_build(err, detail, rq->id, errors_steal));
}

void reply_problem(struct request *rq, enum error_id err, const char *detail) {
  reply_problem_errors_steal(rq, err, detail, NULL);
}

void reply_unseen(struct request *rq, const char *what_fmt, ...) {
  char what[160], detail[200];
  va_list ap;
  va_start(ap, what_fmt);
  vsnprintf(what, sizeof what, what_fmt, ap);
  va_end(ap);
  snprintf(detail, sizeof detail, "no %s is within your scope", what);
  reply_problem(rq, ERR_NOT_FOUND, detail);
}

void reply_validation_steal(struct request *rq, json_t *errors) {
  size_t n = json_array_size(errors);
  char detail[96];
  snprintf(detail, sizeof detail, "%zu field%s of the request %s invalid", n,
           n == 1 ? "" : "s", n == 1 ? "is" : "are");
  reply_problem_errors_steal(rq, ERR_VALIDATION_FAILED, detail, errors);
}

void reply_problem_at(struct request *rq, enum error_id err, const char *path,
                      const char *message) {
  json_t *errors = json_array();
  jspec_error(errors, path, message);
  reply_problem_errors_steal(rq, err, message, errors);
}

void reply_header(struct request *rq, const char *name, const char *value) {
  if (rq->response != NULL)
    MHD_add_response_header(rq->response, name, value);
}

void reply_etag(struct request *rq, int32_t version) {
  char etag[24];
  snprintf(etag, sizeof etag, "\"%d\"", version);
  reply_header(rq, MHD_HTTP_HEADER_ETAG, etag);
}

void reply_location_key(struct request *rq, const char *collection,
                        const char *key) {
  char location[256];
  snprintf(location, sizeof location, "%s/%s", collection, key);
  reply_header(rq, MHD_HTTP_HEADER_LOCATION, location);
}

void reply_location(struct request *rq, const char *collection, long long id) {
  char location[256];
  snprintf(location, sizeof location, "%s/%lld", collection, id);
  reply_header(rq, MHD_HTTP_HEADER_LOCATION, location);
}
