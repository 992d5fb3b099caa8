/* /api/v1/assessments/minimum-scores: the ЕГЭ minimum test scores per year,
 * subject and variant set (docs/ASSESSMENTS.md, "ЕГЭ minimum scores"). A
 * national table: every reader of assessments reads it, admins write it,
 * each write audited. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

#define VARIANT_SET_PATTERN "^[a-z0-9_]{0,32}$"

const struct jspec_field assessment_minimums_params[] = {
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    END_FIELDS,
};

void assessment_minimums_list(struct request *rq) {
  json_t *query = request_query_checked(rq, assessment_minimums_params);
  if (query == NULL)
    return;
  PGresult *r = db_call(rq, STMT_EGE_MINIMUMS_LIST, NULL, query);
  if (r != NULL) {
    const char *doc = db_get(r, 0, "doc");
    reply_json_text(rq, 200, doc, strlen(doc));
  }
  PQclear(r);
  json_decref(query);
}

const struct jspec_field assessment_minimum_params[] = {
    PATTERN_FIELD("variant_set", 0, 0, 32, VARIANT_SET_PATTERN),
    END_FIELDS,
};

const struct jspec_field assessment_minimum_fields[] = {
    FIELD("subject_name", JS_STRING, REQ, 1, 200),
    FIELD("min_test_score", JS_INTEGER, OPT_NULL, 0, 100),
    FIELD("pass_mark", JS_INTEGER, OPT_NULL, 3, 5),
    FIELD("year", JS_INTEGER, JS_READONLY, 0, 0),
    FIELD("subject_code", JS_STRING, JS_READONLY, 0, 0),
    FIELD("variant_set", JS_STRING, JS_READONLY, 0, 0),
    FIELD("updated_at", JS_STRING, JS_READONLY, 0, 0),
    END_FIELDS,
};

/* A subject code as assessments.subject_code: ^[a-z][a-z0-9_]{0,31}$. */
static bool subject_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 32 || !islower((unsigned char)s[0]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
        s[i] != '_')
      return false;
  return true;
}

struct minimum_put {
  char year[8], subject[40], variant_set[40];
};

static bool put_work(struct request *rq, void *arg) {
  struct minimum_put *m = arg;
  const struct db_arg key[] = {{"year", m->year},
                               {"subject_code", m->subject},
                               {"variant_set", m->variant_set},
                               DB_END};
  PGresult *was = db_call(rq, STMT_EGE_MINIMUM_GET, key, NULL);
  if (was == NULL)
    return false;
  PGresult *r = db_call(rq, STMT_EGE_MINIMUM_PUT, key, rq->json);
  bool ok = false;
  if (r != NULL) {
    bool created = PQntuples(was) == 0;
    struct audit_entry e = {.action = created ? "create" : "update",
                            .entity = "ege_minimum_score",
                            .entity_id = NULL, /* the key is in the doc */
                            .before = created ? NULL : db_get(was, 0, "doc"),
                            .after = db_get(r, 0, "doc"),
                            .place = AUDIT_PLACE_NONE};
    if (audit_write(rq, &e)) {
      const char *doc = db_get(r, 0, "doc");
      reply_json_text(rq, created ? 201 : 200, doc, strlen(doc));
      ok = true;
    }
  }
  PQclear(r);
  PQclear(was);
  return ok;
}

/* Exactly one scale: a minimum test score, or (subjects marked 2-5) the
 * lowest passing mark. 400 naming both otherwise. */
static bool one_scale(struct request *rq) {
  bool score = json_is_integer(json_object_get(rq->json, "min_test_score"));
  bool mark = json_is_integer(json_object_get(rq->json, "pass_mark"));
  if (score != mark)
    return true;
  json_t *errors = json_array();
  const char *message = score ? "give either min_test_score or pass_mark"
                              : "give min_test_score or pass_mark";
  jspec_error(errors, "$.min_test_score", message);
  jspec_error(errors, "$.pass_mark", message);
  reply_validation_steal(rq, errors);
  return false;
}

void assessment_minimum_put(struct request *rq) {
  struct minimum_put m;
  memset(&m, 0, sizeof m);
  char year[16];
  if (!request_param_key(rq, "year", year, sizeof year) ||
      !request_param_key(rq, "subject_code", m.subject, sizeof m.subject))
    return;
  json_t *query = request_query_checked(rq, assessment_minimum_params);
  if (query == NULL)
    return;
  const char *set = json_string_value(json_object_get(query, "variant_set"));
  snprintf(m.variant_set, sizeof m.variant_set, "%s", set ? set : "");
  json_decref(query);
  char *end;
  long y = strtol(year, &end, 10);
  bool year_ok = *year && !*end && y >= 2000 && y <= 2100;
  if (!year_ok || !subject_ok(m.subject)) {
    json_t *errors = json_array();
    if (!year_ok)
      jspec_error(errors, "path.year", "must be a year from 2000 to 2100");
    if (!subject_ok(m.subject))
      jspec_error(errors, "path.subject_code",
                  "must be a code of lowercase Latin letters, digits and _");
    reply_validation_steal(rq, errors);
    return;
  }
  if (!request_body_checked(rq, assessment_minimum_fields, JSPEC_CREATE) ||
      !one_scale(rq))
    return;
  snprintf(m.year, sizeof m.year, "%ld", y);
  db_txn(rq, put_work, &m);
}
