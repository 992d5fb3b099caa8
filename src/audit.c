/* Writes audit rows (src/sql/audit.def) as the request's principal. */
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
  const char *params[] = {kind,
                          actor_id[0] ? actor_id : NULL,
                          name != NULL ? name : "",
                          role,
                          e->action,
                          e->entity,
                          e->entity_id,
                          e->before,
                          e->after,
                          rq->id,
                          request_remote_addr(rq, addr, sizeof addr),
                          e->place,
                          e->parent};
  PGresult *r = db_exec(rq, STMT_AUDIT_RECORD, 13, params);
  if (r == NULL)
    return false;
  PQclear(r);
  return true;
}
