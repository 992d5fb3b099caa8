/* Saved identification methodologies (docs/IDENTIFICATION.md): listed, read,
 * saved without a run and deleted. A methodology never changes once saved
 * (no PATCH, so no ETag); a deleted one leaves its runs their stored
 * methodology and name. Everyone who reads runs reads the methodologies of
 * the regions in sight; those who run save and delete them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fields.h"
#include "handlers.h"
#include "identification.h"
#include "resource.h"

const struct jspec_field identification_methodology_fields[] = {
    FIELD("name", JS_STRING, REQ, 1, 200),
    ENUM_FIELD("kind", REQ, identification_kinds),
    FIELD("region_id", JS_ID, 0, 0, 0),
    {"parameters", JS_OBJECT, 0, 0, 0, NULL, identification_parameter_fields,
     NULL, NULL},
    END_FIELDS,
};

const struct jspec_field identification_methodologies_list_params[] = {
    ENUM_FIELD("kind", 0, identification_kinds),
    PAGE_PARAMS,
    END_FIELDS,
};

const struct list_spec identification_methodologies_list_spec = {
    .params = identification_methodologies_list_params,
    .stmt = STMT_IDENT_METHODOLOGIES_LIST,
    .keyed = true,
};

void identification_methodologies_list(struct request *rq) {
  resource_list(rq, &identification_methodologies_list_spec);
}

/* The methodology (id as text) as the caller sees it: its document and
 * region (into region when not NULL); NULL after answering 404 or a
 * failed statement. Caller frees. */
static char *methodology_doc(struct request *rq, const char *id,
                             char region[24]) {
  PGresult *r = db_call(rq, STMT_IDENT_METHODOLOGY_READ,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return NULL;
  char *doc = NULL;
  if (PQntuples(r) == 1) {
    doc = strdup(db_get(r, 0, "doc"));
    if (doc == NULL)
      abort();
    if (region != NULL)
      snprintf(region, 24, "%s", db_get(r, 0, "region_id"));
  } else {
    reply_unseen(rq, "identification methodology %s", id);
  }
  PQclear(r);
  return doc;
}

void identification_methodology_get(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  char *doc = methodology_doc(rq, id_text, NULL);
  if (doc != NULL)
    reply_json_text_steal(rq, 200, doc, strlen(doc));
}

/* --- POST ------------------------------------------------------------------
 */

struct save {
  char *body;
  char id[24];
};

static bool save_work(struct request *rq, void *arg) {
  struct save *s = arg;
  char region[24];
  if (!identification_region(rq, region))
    return false;
  const struct db_arg args[] = {{"region", region},
                                {"body", s->body},
                                {"created_by", rq->principal.name},
                                DB_END};
  PGresult *r = db_call(rq, STMT_IDENT_METHODOLOGY_INSERT, args, NULL);
  if (r == NULL)
    return false;
  bool saved = PQntuples(r) == 1;
  if (saved)
    snprintf(s->id, sizeof s->id, "%s", db_get(r, 0, "id"));
  PQclear(r);
  if (!saved) {
    reply_problem_at(rq, ERR_ALREADY_EXISTS, "$.name",
                     "a methodology of the region has this name");
    return false;
  }
  char *doc = methodology_doc(rq, s->id, NULL);
  if (doc == NULL)
    return false;
  const struct audit_entry e = {.action = "create",
                                .entity = "identification_methodology",
                                .entity_id = s->id,
                                .after = doc,
                                .place = AUDIT_PLACE_REGION_ID,
                                .parent = region};
  if (!audit_write(rq, &e)) {
    free(doc);
    return false;
  }
  reply_json_text_steal(rq, 201, doc, strlen(doc));
  reply_location_key(rq, "/api/v1/identification-methodologies", s->id);
  return true;
}

void identification_methodologies_create(struct request *rq) {
  json_t *errors = json_array();
  jspec_check(rq->json, identification_methodology_fields, JSPEC_CREATE,
              errors);
  identification_check_parameters(rq->json, errors);
  if (json_array_size(errors) > 0) {
    reply_validation_steal(rq, errors);
    return;
  }
  json_decref(errors);
  struct save s = {0};
  s.body = json_dumps(rq->json, JSON_COMPACT | JSON_SORT_KEYS);
  if (s.body == NULL)
    abort();
  db_txn(rq, save_work, &s);
  free(s.body);
}

/* --- DELETE ----------------------------------------------------------------
 */

static bool delete_work(struct request *rq, void *arg) {
  const char *id = arg;
  char region[24];
  char *before = methodology_doc(rq, id, region);
  if (before == NULL)
    return false;
  PGresult *r = db_call(rq, STMT_IDENT_METHODOLOGY_DELETE,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  bool deleted = r != NULL && PQntuples(r) == 1;
  if (r != NULL && !deleted)
    reply_unseen(rq, "identification methodology %s", id);
  PQclear(r);
  const struct audit_entry e = {.action = "delete",
                                .entity = "identification_methodology",
                                .entity_id = id,
                                .before = before,
                                .place = AUDIT_PLACE_REGION_ID,
                                .parent = region};
  bool done = deleted && audit_write(rq, &e);
  free(before);
  if (done)
    reply_empty(rq, 204);
  return done;
}

void identification_methodology_delete(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  db_txn(rq, delete_work, id_text);
}
