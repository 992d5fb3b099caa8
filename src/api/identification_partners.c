/* Partner proposals of a ШНОР run (docs/IDENTIFICATION.md, "Partner
 * proposals"): for each school that meets a low_results run, the resilient
 * (or strong) schools of the region ranked by stated rules
 * (identification_partner_proposals, migration 0016), and accepting one:
 * a partnership made by the partnerships resource's own statements and
 * checks (src/db/sql/partners.def), audited with the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "checks.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

/* The run (id) is a visible low_results run and resilient_run, when
 * given, a visible resilient run of its region; false after answering
 * 404 (not seen), 409 (another kind) or 400 (a resilient_run unfit). */
static bool runs_fit(struct request *rq, const char *id,
                     const char *resilient_run) {
  const struct db_arg args[] = {
      {"id", id}, {"resilient_run", resilient_run}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_PROPOSAL_RUNS, args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  bool fit = false;
  if (!found) {
    reply_unseen(rq, "identification run %s", id);
  } else if (strcmp(db_get(r, 0, "kind"), "low_results") != 0) {
    reply_problem(rq, ERR_CONFLICT,
                  "partner proposals are made for runs of kind low_results");
  } else if (resilient_run != NULL && db_is_null(r, 0, "resilient_kind")) {
    reply_unseen(rq, "identification run %s", resilient_run);
  } else if (resilient_run != NULL &&
             strcmp(db_get(r, 0, "resilient_kind"), "resilient") != 0) {
    json_t *errors = json_array();
    jspec_error(errors, "query.resilient_run",
                "is not a run of kind resilient");
    reply_validation_steal(rq, errors);
  } else if (resilient_run != NULL &&
             strcmp(db_get(r, 0, "same_region"), "t") != 0) {
    json_t *errors = json_array();
    jspec_error(errors, "query.resilient_run",
                "is a run of another region than the run's");
    reply_validation_steal(rq, errors);
  } else {
    fit = true;
  }
  PQclear(r);
  return fit;
}

/* The school is one of the run's within the caller's scope; otherwise
 * answers 404 as for a school missing from the run. */
static bool school_of_run(struct request *rq, const char *id,
                          const char *school) {
  const struct db_arg args[] = {{"id", id}, {"school", school}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_RUN_SCHOOL, args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  PQclear(r);
  if (!found)
    reply_unseen(rq, "school %s in identification run %s", school, id);
  return found;
}

/* --- GET /identification-runs/{id}/partner-proposals -------------------- */

const struct jspec_field identification_proposals_params[] = {
    FIELD("school_id", JS_ID, 0, 0, 0),
    FIELD("resilient_run", JS_ID, 0, 0, 0),
    FIELD("per_school", JS_INTEGER, 0, 1, 20),
    END_FIELDS,
};

void identification_partner_proposals(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, identification_proposals_params);
  if (query == NULL)
    return;
  char id_text[24], resilient[24], school[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  const char *rr =
      query_param(query, "resilient_run", resilient, sizeof resilient);
  const char *s = query_param(query, "school_id", school, sizeof school);
  if (runs_fit(rq, id_text, rr) &&
      (s == NULL || school_of_run(rq, id_text, s))) {
    PGresult *r =
        db_call(rq, STMT_IDENT_PARTNER_PROPOSALS,
                (const struct db_arg[]){{"id", id_text}, DB_END}, query);
    if (r != NULL) {
      const char *doc = db_get(r, 0, "doc");
      reply_json_text(rq, 200, doc, strlen(doc));
    }
    PQclear(r);
  }
  json_decref(query);
}

/* --- POST /identification-runs/{id}/partner-proposals/{school_id}/accept - */

static const char *const partnership_kinds[] = {"NETWORK", "MENTORING", NULL};

const struct jspec_field identification_accept_fields[] = {
    FIELD("partner_school_id", JS_ID, REQ, 0, 0),
    ENUM_FIELD("kind", 0, partnership_kinds),
    FIELD("basis", JS_STRING, 0, 1, 500),
    FIELD("starts_on", JS_DATE, 0, 0, 0),
    FIELD("ends_on", JS_DATE, OPT_NULL, 0, 0),
    END_FIELDS,
};

struct accept {
  char run[24], school[24], partnership[24];
  const char *request; /* the validated body */
  char *body;          /* the partnership's body; owned */
};

/* No partnership of the pair is in force (either side, any kind): a
 * second accept of the same pair, even a concurrent one, answers 409
 * naming it. */
static bool pair_free(struct request *rq, const struct accept *a) {
  const struct db_arg args[] = {
      {"school", a->school}, {"body", a->request}, DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_PROPOSAL_LOCK, args, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  r = db_call(rq, STMT_IDENT_PROPOSAL_PAIR, args, NULL);
  if (r == NULL)
    return false;
  bool free_ = PQntuples(r) == 0;
  if (!free_) {
    char message[160];
    snprintf(message, sizeof message,
             "the schools are partners already (partnership %s)",
             db_get(r, 0, "id"));
    reply_problem_at(rq, ERR_ALREADY_EXISTS, "$.partner_school_id", message);
  }
  PQclear(r);
  return free_;
}

/* The partnership as the audit keeps it: the partnerships resource's
 * document and the run it came from. Caller frees. */
static char *audit_doc(const PGresult *r, const char *run) {
  json_t *doc = json_loads(db_get(r, 0, "doc"), 0, NULL);
  if (doc == NULL)
    abort();
  json_object_set_new(doc, "school",
                      json_loads(db_get(r, 0, "school"), 0, NULL));
  json_object_set_new(doc, "partner_school",
                      json_loads(db_get(r, 0, "partner_school"), 0, NULL));
  json_object_set_new(doc, "identification_run_id",
                      json_integer(strtoll(run, NULL, 10)));
  char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  if (text == NULL)
    abort();
  return text;
}

/* Inserts the partnership as POST /schools/{id}/partners does (the
 * partner of the school's region, else 422 as for a missing one). */
static bool insert_partnership(struct request *rq, struct accept *a) {
  PGresult *r = db_call(
      rq, STMT_IDENT_PROPOSAL_BODY,
      (const struct db_arg[]){{"body", a->request}, {"run", a->run}, DB_END},
      NULL);
  if (r == NULL)
    return false;
  free(a->body);
  a->body = strdup(db_get(r, 0, "body"));
  PQclear(r);
  if (a->body == NULL)
    abort();
  r = db_call(
      rq, STMT_PARTNER_INSERT,
      (const struct db_arg[]){{"body", a->body}, {"school", a->school}, DB_END},
      NULL);
  if (r == NULL)
    return false;
  bool inserted = PQntuples(r) == 1;
  if (inserted)
    snprintf(a->partnership, sizeof a->partnership, "%s", PQgetvalue(r, 0, 0));
  else /* the school left the scope meanwhile */
    reply_unseen(rq, "school %s in identification run %s", a->school, a->run);
  PQclear(r);
  return inserted;
}

static bool accept_work(struct request *rq, void *arg) {
  struct accept *a = arg;
  if (!runs_fit(rq, a->run, NULL) || !school_of_run(rq, a->run, a->school) ||
      !pair_free(rq, a) || !insert_partnership(rq, a))
    return false;
  PGresult *r =
      db_call(rq, STMT_PARTNER_GET,
              (const struct db_arg[]){
                  {"id", a->partnership}, {"school", a->school}, DB_END},
              NULL);
  if (r == NULL)
    return false;
  char *after = audit_doc(r, a->run);
  const struct audit_entry e = {.action = "create",
                                .entity = "school_partnership",
                                .entity_id = a->partnership,
                                .after = after,
                                .place = AUDIT_PLACE_PARENT,
                                .parent = a->school};
  bool audited = audit_write(rq, &e);
  free(after);
  if (!audited) {
    PQclear(r);
    return false;
  }
  reply_doc(rq, r, 201); /* consumes r */
  return true;
}

void identification_proposal_accept(struct request *rq) {
  int64_t run, school;
  if (!request_param_id(rq, "id", &run) ||
      !request_param_id(rq, "school_id", &school))
    return;
  json_t *errors = json_array();
  if (jspec_check(rq->json, identification_accept_fields, JSPEC_CREATE,
                  errors) == 0) {
    check_date_order(rq->json, "starts_on", "ends_on", errors);
    const json_t *partner = json_object_get(rq->json, "partner_school_id");
    if (json_integer_value(partner) == school)
      jspec_error(errors, "$.partner_school_id",
                  "a school cannot partner with itself");
  }
  if (json_array_size(errors) > 0) {
    reply_validation_steal(rq, errors);
    return;
  }
  json_decref(errors);
  struct accept a = {0};
  snprintf(a.run, sizeof a.run, "%lld", (long long)run);
  snprintf(a.school, sizeof a.school, "%lld", (long long)school);
  char *request = json_dumps(rq->json, JSON_COMPACT);
  if (request == NULL)
    abort();
  a.request = request;
  if (db_txn(rq, accept_work, &a)) {
    char collection[64];
    snprintf(collection, sizeof collection, "/api/v1/schools/%s/partners",
             a.school);
    reply_location_key(rq, collection, a.partnership);
  }
  free(request);
  free(a.body);
}
