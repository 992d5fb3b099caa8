/* The generic write path for a row addressed by a key instead of an id of
 * its own (a submission by campaign and school, a risk profile or a social
 * context by school and year), created on demand. The resource keeps its
 * domain logic as hooks; the 404, 403, 412, the audit and the answer are
 * this file's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "resource.h"

/* 404: the key's first value names the parent the caller does not see. */
static void reply_key_missing(struct request *rq, const struct write *w) {
  const struct resource *res = w->res;
  if (res->parent != NULL)
    reply_unseen(rq, "%s with id %s", res->parent->what, w->key[0]);
  else
    reply_unseen(rq, "%s of %s %s and %s %s", res->what, res->key->args[0],
                 w->key[0], res->key->args[1], w->key[1]);
}

/* The row as answered (key->doc) into *doc (owned), and its version; false
 * after answering 404 or a failed statement. */
static bool read_key_doc(struct request *rq, const struct write *w, char **doc,
                         int32_t *version) {
  const struct row_key *key = w->res->key;
  const struct db_arg args[] = {
      {key->args[0], w->key[0]}, {key->args[1], w->key[1]}, DB_END};
  PGresult *r = db_call(rq, key->doc, args, NULL);
  if (r == NULL)
    return false;
  bool found = PQntuples(r) == 1;
  if (found) {
    *version = (int32_t)strtol(db_get(r, 0, "version"), NULL, 10);
    free(*doc);
    *doc = strdup(db_get(r, 0, "doc"));
    if (*doc == NULL)
      abort();
  } else {
    reply_key_missing(rq, w);
  }
  PQclear(r);
  return found;
}

/* The state the write is judged on: 404 (the parent first, when asked),
 * 403, then 412 when the client holds a version. False after answering. */
static bool key_state_allows(struct request *rq, struct write *w) {
  const struct resource *res = w->res;
  struct write_state s = {0};
  if ((res->key->parent_first &&
       !parent_in_sight(rq, res->parent, w->key[0])) ||
      !res->load_state(rq, w, &s))
    return false;
  if (!s.found) {
    reply_key_missing(rq, w);
    return false;
  }
  if (!s.writable) {
    reply_problem(rq, ERR_FORBIDDEN, res->scope_message);
    return false;
  }
  if (w->version_text[0] != '\0' && s.version != w->version) {
    reply_stale_version(rq, res->what, s.version, w->version_text);
    return false;
  }
  return true;
}

static bool key_audit(struct request *rq, const struct write *w) {
  const struct resource *res = w->res;
  struct audit_entry e = {
      .action = w->action != NULL ? w->action
                : w->created      ? "create"
                                  : "update",
      .entity = res->entity,
      .entity_id = w->id_text,
      .before = w->before,
      .after = w->after,
      .place = res->audit_place,
      .parent = w->key[0],
  };
  if (res->audit_where != NULL)
    res->audit_where(w, &e.place, &e.parent);
  return audit_write(rq, &e);
}

static bool key_work(struct request *rq, void *arg) {
  struct write *w = arg;
  const struct resource *res = w->res;
  free(w->before);
  free(w->after);
  w->before = w->after = NULL;
  w->created = false;
  if (!key_state_allows(rq, w) ||
      (res->check_transition != NULL && !res->check_transition(rq, w)))
    return false;
  int32_t version;
  if (!w->created && w->before == NULL &&
      !read_key_doc(rq, w, &w->before, &version))
    return false;
  if (!res->write(rq, w) ||
      (res->after_write != NULL && !res->after_write(rq, w)) ||
      !read_key_doc(rq, w, &w->after, &version) || !key_audit(rq, w))
    return false;
  unsigned status = w->created && res->key->created_201 ? 201 : 200;
  reply_json_text(rq, status, w->after, strlen(w->after));
  reply_etag(rq, version);
  return true;
}

void resource_write_key(struct request *rq, const struct resource *res,
                        struct write *w) {
  w->res = res;
  db_txn(rq, key_work, w);
  free(w->body);
  json_decref(w->insert_values);
  free(w->before);
  free(w->after);
  w->body = w->before = w->after = NULL;
  w->insert_values = NULL;
}
