/* The values of a submission, checked against the indicators its campaign
 * asks for (docs/MONITORING.md, "Submissions"): every bad value at once,
 * each named by its path ($.values[3].value). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "request.h"
#include "submissions.h"

#define MAX_VALUES 500

/* One indicator the campaign asks for, as SUBM_INDICATORS reads it. */
struct asked {
  const char *code, *type;
  bool computed;
  bool has_min, has_max;
  double min, max;
  const char *min_text, *max_text;
  bool seen;
};

const struct jspec_field submission_put_fields[] = {
    {"values", JS_ARRAY, REQ, 0, MAX_VALUES, NULL, NULL, NULL, NULL},
    FIELD("campaign_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("school_id", JS_ID, JS_READONLY, 0, 0),
    FIELD("state", JS_STRING, JS_READONLY, 0, 0),
    FIELD("late", JS_BOOLEAN, JS_READONLY, 0, 0),
    FIELD("submitted_at", JS_STRING, JS_READONLY, 0, 0),
    FIELD("reviewer_comment", JS_STRING, JS_READONLY, 0, 0),
    FIELD("version", JS_INTEGER, JS_READONLY, 0, 0),
    FIELD("created_at", JS_STRING, JS_READONLY, 0, 0),
    FIELD("updated_at", JS_STRING, JS_READONLY, 0, 0),
    END_FIELDS,
};

/* Appends the errors of `from` to `to`, their paths under `prefix`
 * ("$.code" becomes "$.values[2].code"). */
static void append_under(json_t *to, const json_t *from, const char *prefix) {
  size_t i;
  const json_t *e;
  json_array_foreach(from, i, e) {
    const char *path = json_string_value(json_object_get(e, "path"));
    const char *message = json_string_value(json_object_get(e, "message"));
    char full[160];
    snprintf(full, sizeof full, "%s%s", prefix,
             path != NULL && path[0] == '$' ? path + 1 : "");
    jspec_error(to, full, message != NULL ? message : "is not valid");
  }
}

/* The field spec of one value of indicator `a` (NULL: an unknown code):
 * the value's JSON type where jspec knows it. False when the value is
 * checked apart (numbers, unknown and computed indicators). */
static bool item_spec(const struct asked *a, struct jspec_field *fields) {
  const struct jspec_field code = FIELD("code", JS_STRING, REQ, 1, 64);
  const struct jspec_field comment =
      FIELD("comment", JS_TEXT, OPT_NULL, 1, 2000);
  const struct jspec_field link = FIELD("link", JS_URL, OPT_NULL, 1, 2000);
  const struct jspec_field end = END_FIELDS;
  struct jspec_field value = FIELD("value", JS_STRING, REQ, 0, 0);
  int n = 0;
  fields[n++] = code;
  fields[n++] = comment;
  fields[n++] = link;
  bool in_spec = true;
  if (a == NULL || a->computed)
    in_spec = false;
  else if (strcmp(a->type, "integer") == 0)
    value.type = JS_INTEGER;
  else if (strcmp(a->type, "boolean") == 0)
    value.type = JS_BOOLEAN;
  else if (strcmp(a->type, "text") == 0) {
    value.type = JS_TEXT;
    value.min = 1;
    value.max = 4000;
  } else if (strcmp(a->type, "url") == 0) {
    value.type = JS_URL;
    value.min = 1;
    value.max = 2000;
  } else
    in_spec = false;
  if (in_spec)
    fields[n++] = value;
  fields[n] = end;
  return in_spec;
}

/* A number against the indicator's range (a percent: 0..100). */
static void check_range(const struct asked *a, double x, const char *path,
                        json_t *errors) {
  bool percent = strcmp(a->type, "percent") == 0;
  char message[160];
  if (percent && (x < 0 || x > 100)) {
    jspec_error(errors, path, "must be a percent from 0 to 100");
  } else if ((a->has_min && x < a->min) || (a->has_max && x > a->max)) {
    if (a->has_min && a->has_max)
      snprintf(message, sizeof message, "must be from %s to %s", a->min_text,
               a->max_text);
    else if (a->has_min)
      snprintf(message, sizeof message, "must be at least %s", a->min_text);
    else
      snprintf(message, sizeof message, "must be at most %s", a->max_text);
    jspec_error(errors, path, message);
  }
}

/* What the field spec cannot say: numbers, ranges, computed indicators. */
static void value_checks(const struct asked *a, const json_t *item, size_t i,
                         json_t *errors) {
  char path[64];
  snprintf(path, sizeof path, "$.values[%zu].value", i);
  const json_t *v = json_object_get(item, "value");
  if (a->computed) {
    char code_path[64];
    snprintf(code_path, sizeof code_path, "$.values[%zu].code", i);
    jspec_error(errors, code_path,
                "is a computed indicator: its value is not submitted");
    return;
  }
  bool number =
      strcmp(a->type, "number") == 0 || strcmp(a->type, "percent") == 0;
  if (number) {
    if (v == NULL)
      jspec_error(errors, path, "is required");
    else if (!json_is_number(v))
      jspec_error(errors, path, "must be a number");
    else
      check_range(a, json_number_value(v), path, errors);
  } else if (strcmp(a->type, "integer") == 0 && json_is_integer(v)) {
    check_range(a, (double)json_integer_value(v), path, errors);
  }
}

/* The item's code among the asked ones, or NULL. */
static struct asked *find(struct asked *asked, int n, const json_t *item) {
  const char *code = json_string_value(json_object_get(item, "code"));
  for (int k = 0; code != NULL && k < n; k++)
    if (strcmp(asked[k].code, code) == 0)
      return &asked[k];
  return NULL;
}

static void check_item(struct asked *asked, int n, const json_t *item, size_t i,
                       json_t *errors) {
  char prefix[48];
  snprintf(prefix, sizeof prefix, "$.values[%zu]", i);
  if (!json_is_object(item)) {
    jspec_error(errors, prefix, "must be an object");
    return;
  }
  struct asked *a = find(asked, n, item);
  struct jspec_field fields[8];
  json_t *copy = json_copy((json_t *)item);
  if (!item_spec(a, fields))
    json_object_del(copy, "value");
  json_t *found = json_array();
  jspec_check(copy, fields, JSPEC_CREATE, found);
  append_under(errors, found, prefix);
  json_decref(found);
  json_decref(copy);
  char code_path[64];
  snprintf(code_path, sizeof code_path, "%s.code", prefix);
  if (a == NULL) {
    if (json_is_string(json_object_get(item, "code")))
      jspec_error(errors, code_path,
                  "is not an indicator this campaign asks for");
    return;
  }
  if (a->seen) {
    jspec_error(errors, code_path, "is given twice");
    return;
  }
  a->seen = true;
  value_checks(a, item, i, errors);
}

bool submission_values_valid(struct request *rq, const char *campaign_id) {
  json_t *errors = json_array();
  if (jspec_check(rq->json, submission_put_fields, JSPEC_CREATE, errors) > 0) {
    reply_validation_steal(rq, errors);
    return false;
  }
  PGresult *r =
      db_call(rq, STMT_SUBM_INDICATORS,
              (const struct db_arg[]){{"campaign", campaign_id}, DB_END}, NULL);
  if (r == NULL) {
    json_decref(errors);
    return false;
  }
  int n = PQntuples(r);
  struct asked *asked = calloc((size_t)n + 1, sizeof *asked);
  if (asked == NULL)
    abort();
  for (int k = 0; k < n; k++) {
    struct asked *a = &asked[k];
    a->code = db_get(r, k, "code");
    a->type = db_get(r, k, "value_type");
    a->computed = db_get(r, k, "computed")[0] == 't';
    a->min_text = db_get(r, k, "min_value");
    a->max_text = db_get(r, k, "max_value");
    a->has_min = a->min_text != NULL;
    a->has_max = a->max_text != NULL;
    a->min = a->has_min ? strtod(a->min_text, NULL) : 0;
    a->max = a->has_max ? strtod(a->max_text, NULL) : 0;
  }
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(rq->json, "values"), i, item)
      check_item(asked, n, item, i, errors);
  free(asked);
  PQclear(r);
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_validation_steal(rq, errors);
  return false;
}
