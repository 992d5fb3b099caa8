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

static bool run(struct request *rq, enum stmt_id id,
                const struct db_arg *args) {
  PGresult *r = db_call(rq, id, args, NULL);
  bool ok = r != NULL;
  PQclear(r);
  return ok;
}

/* Whether the school has an official (submitted) value for the period;
 * false after a failed statement too (*ok false then). */
static bool any_official(struct request *rq, const struct db_arg *args,
                         bool *ok) {
  PGresult *r = db_call(rq, STMT_OFFICIAL_ANY, args, NULL);
  *ok = r != NULL;
  bool any = r != NULL && db_get(r, 0, "official")[0] == 't';
  PQclear(r);
  return any;
}

bool official_values_sync(struct request *rq, const char *school_id,
                          const char *period, const char *accepting) {
  const struct db_arg accepted[] = {{"school", school_id},
                                    {"period", period},
                                    {"submission", accepting},
                                    DB_END};
  const struct db_arg values[] = {
      {"school", school_id}, {"period", period}, DB_END};
  bool ok = run(rq, STMT_VALUES_LOCK, NULL) &&
            run(rq, STMT_OFFICIAL_WITHDRAW_GONE, accepted) &&
            run(rq, STMT_OFFICIAL_PUT, accepted) &&
            run(rq, STMT_OFFICIAL_OWNERS, accepted) &&
            run(rq, STMT_OFFICIAL_WITHDRAW_COMPUTED, values);
  if (!ok)
    return false;
  /* Computed values stand beside submitted ones, never alone. */
  bool any = any_official(rq, values, &ok);
  return ok && (!any || official_values_recompute(rq, school_id, period));
}
