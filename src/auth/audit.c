/* Writes audit rows (src/db/sql/audit.def) as the request's principal. */
#include "audit.h"

#include <libpq-fe.h>
#include <stdio.h>

#include "db.h"
#include "request.h"

bool audit_write(struct request *rq, const struct audit_entry *e) {
  char actor_id[24] = "", addr[64];
  const char *kind = "anonymous", *name = e->anonymous_name, *role = NULL;
  if (rq->authenticated && e->anonymous_name == NULL) {
    const struct principal *p = &rq->principal;
    kind = principal_kind_name(p->kind);
    snprintf(actor_id, sizeof actor_id, "%lld", (long long)p->id);
    name = p->name;
    role = role_name(p->role);
  }
  const struct db_arg args[] = {
      {"actor_kind", kind},
      {"actor_id", actor_id[0] ? actor_id : NULL},
      {"actor_name", name != NULL ? name : ""},
      {"actor_role", role},
      {"action", e->action},
      {"entity", e->entity},
      {"entity_id", e->entity_id},
      {"before", e->before},
      {"after", e->after},
      {"request_id", rq->id},
      {"remote_addr", request_remote_addr(rq, addr, sizeof addr)},
      {"place", e->place},
      {"parent", e->parent},
      DB_END};
  PGresult *r = db_call(rq, STMT_AUDIT_RECORD, args, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  return true;
}
