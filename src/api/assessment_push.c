/* POST /api/v1/assessments/{id}/results: the bulk push of participants'
 * results (docs/ASSESSMENTS.md). A streaming route: once the server has
 * checked the caller, assessment_results_open opens the push from the
 * headers alone (a refusal is sent before any byte of the body is read),
 * assessment_results_chunk takes the body as it arrives and
 * assessment_results_push answers once all of it has arrived. The push
 * itself is src/push.c. */
#include <string.h>

#include "assessments.h"
#include "fields.h"
#include "handlers.h"
#include "push.h"
#include "request.h"

static const char *const modes[] = {"strict", "partial", NULL};
static const char *const replace_values[] = {"school", NULL};

const struct jspec_field assessment_push_params[] = {
    ENUM_FIELD("mode", 0, modes),
    FIELD("dry_run", JS_BOOLEAN, 0, 0, 0),
    ENUM_FIELD("replace", 0, replace_values),
    END_FIELDS,
};

/* An Idempotency-Key: 1 to 255 printable ASCII characters. */
static bool key_acceptable(const char *key) {
  size_t n = strlen(key);
  if (n == 0 || n > 255)
    return false;
  for (size_t i = 0; i < n; i++)
    if (key[i] < 0x21 || key[i] > 0x7e)
      return false;
  return true;
}

static bool options_read(struct request *rq, struct push_options *opt) {
  json_t *query = request_query_checked(rq, assessment_push_params);
  if (query == NULL)
    return false;
  const char *mode = json_string_value(json_object_get(query, "mode"));
  opt->partial = mode != NULL && strcmp(mode, "partial") == 0;
  opt->dry_run = json_is_true(json_object_get(query, "dry_run"));
  opt->replace_school = json_object_get(query, "replace") != NULL;
  json_decref(query);

  opt->content_type = request_header(rq, "Content-Type");
  if (opt->content_type == NULL ||
      !results_format_from_content_type(opt->content_type, &opt->format,
                                        &opt->cp1251)) {
    reply_problem(rq, ERR_UNSUPPORTED_MEDIA_TYPE,
                  "send the results as text/csv (UTF-8 or windows-1251), "
                  "application/json (an array of rows) or "
                  "application/x-ndjson (JSON lines), in UTF-8");
    return false;
  }
  opt->idempotency_key = request_header(rq, "Idempotency-Key");
  if (opt->idempotency_key != NULL && !key_acceptable(opt->idempotency_key)) {
    reply_problem_at(rq, ERR_BAD_REQUEST, "header.Idempotency-Key",
                     "must be 1 to 255 printable ASCII characters");
    return false;
  }
  return true;
}

static void push_free_state(void *state) {
  push_free(state);
}

/* Opens the push: parameters, instrument, connection, locks. False after
 * answering (400, 404, 415, 409, 503). */
bool assessment_results_open(struct request *rq) {
  int64_t id;
  struct push_options opt = {0};
  struct instrument ins;
  if (!request_param_id(rq, "id", &id) || !options_read(rq, &opt) ||
      !assessment_load(rq, id, &ins))
    return false;
  struct push *p = push_begin(rq, &ins, &opt);
  if (p == NULL)
    return false;
  rq->stream_state = p;
  rq->stream_free = push_free_state;
  return true;
}

bool assessment_results_chunk(struct request *rq, const char *data,
                              size_t len) {
  return push_feed(rq->stream_state, rq, data, len);
}

void assessment_results_push(struct request *rq) {
  push_finish(rq->stream_state, rq);
}
