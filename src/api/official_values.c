/* The one writer of official values (docs/MONITORING.md, "Official
 * values"): every change the server makes to indicator_values goes through
 * official_values_sync, which draws a change number for what changed and
 * withdraws what is no longer official, so that the change feed tells
 * integrators everything, tombstones included. (The demo loader inserts
 * the accepted values of its data once, by the same rule.) */
#include <libpq-fe.h>

#include "db.h"
#include "monitoring.h"
#include "request.h"

static bool run(struct request *rq, enum stmt_id id, int n,
                const char *const *params) {
  PGresult *r = db_exec(rq, id, n, params);
  bool ok = r != NULL;
  PQclear(r);
  return ok;
}

/* Whether the school has an official (submitted) value for the period;
 * false after a failed statement too (*ok false then). */
static bool any_official(struct request *rq, const char *const *params,
                         bool *ok) {
  PGresult *r = db_exec(rq, STMT_OFFICIAL_ANY, 2, params);
  *ok = r != NULL;
  bool any = r != NULL && PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return any;
}

bool official_values_sync(struct request *rq, const char *school_id,
                          const char *period, const char *accepting) {
  const char *params[] = {school_id, period, accepting};
  bool ok = run(rq, STMT_VALUES_LOCK, 0, NULL) &&
            run(rq, STMT_OFFICIAL_WITHDRAW_GONE, 3, params) &&
            run(rq, STMT_OFFICIAL_PUT, 3, params) &&
            run(rq, STMT_OFFICIAL_OWNERS, 3, params) &&
            run(rq, STMT_OFFICIAL_WITHDRAW_COMPUTED, 2, params);
  if (!ok)
    return false;
  /* Computed values stand beside submitted ones, never alone. */
  bool any = any_official(rq, params, &ok);
  return ok && (!any || official_values_recompute(rq, school_id, period));
}
