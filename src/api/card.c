/* GET /api/v1/schools/{id}/card: what a curator opens first, in one answer
 * (docs/CARD.md). One statement (STMT_SCHOOL_CARD) builds every member as
 * its own endpoint answers it, and the hash of the versions of every part,
 * the ETag; objectivity, computed over the region, only when asked for
 * (?include=objectivity), by a second statement after the ETag was judged.
 * A card without objectivity is kept under its ETag (src/kept.c): the next
 * request computes the ETag alone (STMT_SCHOOL_CARD_ETAG, half the work)
 * and answers the kept card while the ETag is the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "handlers.h"
#include "kept.h"
#include "resource.h"

static const char *const includes[] = {"objectivity", NULL};

const struct jspec_field school_card_params[] = {
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    ENUM_FIELD("include", 0, includes),
    END_FIELDS,
};

struct card_call {
  char school[24], year[16];
  bool objectivity;
};

static const char *may(const struct request *rq, enum permission p) {
  return role_has(rq->principal.role, p) ? "true" : "false";
}

/* The path's school, the year (the current school year by default) and
 * whether objectivity is asked for and readable. False after answering. */
static bool card_begin(struct request *rq, struct card_call *c) {
  json_t *query = school_year_query(rq, school_card_params, c->school, c->year);
  if (query == NULL)
    return false;
  c->objectivity = json_object_get(query, "include") != NULL &&
                   role_has(rq->principal.role, PERM_IDENTIFICATION_READ);
  json_decref(query);
  return true;
}

/* The same test as resource.c's for a version: the tag the client holds,
 * "*", or its weak form. */
static bool still_current(struct request *rq, const char *etag) {
  const char *tag = request_header(rq, "If-None-Match");
  return tag != NULL &&
         (strcmp(tag, etag) == 0 || strcmp(tag, "*") == 0 ||
          (strncmp(tag, "W/", 2) == 0 && strcmp(tag + 2, etag) == 0));
}

/* The school's objectivity of the year as a JSON array text (owned), as
 * GET /schools/{id}/objectivity?year= answers its items; NULL after
 * answering a failed statement. */
static char *objectivity_items(struct request *rq, const struct card_call *c) {
  const struct db_arg args[] = {
      {"school", c->school}, {"year", c->year}, {"limit", "500"}, DB_END};
  json_t *defaults = json_object();
  PGresult *r = db_call(rq, STMT_SCHOOL_OBJECTIVITY, args, defaults);
  json_decref(defaults);
  if (r == NULL)
    return NULL;
  size_t len = 2;
  for (int i = 0; i < PQntuples(r); i++)
    len += (size_t)PQgetlength(r, i, 0) + 1;
  char *text = malloc(len + 1), *at = text;
  if (text == NULL)
    abort();
  *at++ = '[';
  for (int i = 0; i < PQntuples(r); i++) {
    if (i > 0)
      *at++ = ',';
    size_t n = (size_t)PQgetlength(r, i, 0);
    memcpy(at, PQgetvalue(r, i, 0), n);
    at += n;
  }
  *at++ = ']';
  *at = '\0';
  PQclear(r);
  return text;
}

/* The card's text with ,"objectivity":items before its closing brace. */
static char *with_objectivity(const char *card, const char *items) {
  size_t n = strlen(card), m = strlen(items);
  char *text = malloc(n + m + 20);
  if (text == NULL)
    abort();
  memcpy(text, card, n - 1);
  sprintf(text + n - 1, ",\"objectivity\":%s}", items);
  return text;
}

/* The caller's arguments of both statements. */
#define CARD_ARGS(c)                                                           \
  {                                                                            \
    {"id", (c).school}, {"year", (c).year}, {"risk", may(rq, PERM_RISK_READ)}, \
        {"roadmaps", may(rq, PERM_ROADMAPS_READ)},                             \
        {"monitoring", may(rq, PERM_MONITORING_READ)},                         \
        {"assessments", may(rq, PERM_ASSESSMENTS_READ)},                       \
        {"identification", may(rq, PERM_IDENTIFICATION_READ)},                 \
        {"objectivity", (c).objectivity ? "true" : "false"}, DB_END            \
  }

/* Answers 304 when the client holds etag, else the kept card of that
 * ETag; false when there is none (nothing answered). */
static bool answer_kept(struct request *rq, const char *etag) {
  if (still_current(rq, etag)) {
    reply_empty(rq, 304);
    reply_header(rq, "ETag", etag);
    return true;
  }
  char *text;
  size_t len;
  if (!kept_copy(etag, &text, &len))
    return false;
  reply_json_text_steal(rq, 200, text, len);
  reply_header(rq, "ETag", etag);
  return true;
}

/* The ETag of the card now, "" when the school is not within the scope;
 * false after answering a failed statement. */
static bool card_etag(struct request *rq, const struct card_call *c,
                      char etag[40]) {
  const struct db_arg args[] = CARD_ARGS(*c);
  PGresult *r = db_call(rq, STMT_SCHOOL_CARD_ETAG, args, NULL);
  if (r == NULL)
    return false;
  etag[0] = '\0';
  if (PQntuples(r) > 0)
    snprintf(etag, 40, "\"%s\"", db_get(r, 0, "etag"));
  PQclear(r);
  return true;
}

void school_card(struct request *rq) {
  struct card_call c;
  if (!card_begin(rq, &c))
    return;
  if (!c.objectivity) {
    char now[40];
    if (!card_etag(rq, &c, now))
      return;
    if (now[0] == '\0') {
      reply_unseen(rq, "school with id %s", c.school);
      return;
    }
    if (answer_kept(rq, now))
      return;
  }
  const struct db_arg args[] = CARD_ARGS(c);
  PGresult *r = db_call(rq, STMT_SCHOOL_CARD, args, NULL);
  if (r == NULL)
    return;
  if (PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "school with id %s", c.school);
    return;
  }
  char etag[40];
  snprintf(etag, sizeof etag, "\"%s\"", db_get(r, 0, "etag"));
  if (still_current(rq, etag)) {
    PQclear(r);
    reply_empty(rq, 304);
    reply_header(rq, "ETag", etag);
    return;
  }
  char *text = NULL;
  if (c.objectivity) {
    char *items = objectivity_items(rq, &c);
    if (items == NULL) {
      PQclear(r);
      return;
    }
    text = with_objectivity(db_get(r, 0, "doc"), items);
    free(items);
  } else {
    text = strdup(db_get(r, 0, "doc"));
    if (text == NULL)
      abort();
    kept_put(etag, text, strlen(text));
  }
  PQclear(r);
  reply_json_text_steal(rq, 200, text, strlen(text));
  reply_header(rq, "ETag", etag);
}
