/* /api/v1/schools/{id}/risk-profile and /api/v1/risk-profiles: schools' risk
 * profiles per school year (docs/PLANS.md). */
#include "handlers.h"
#include "request.h"

void risk_profile_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_profile_put(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_profile_history(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_profile_factor_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_profiles_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_profiles_summary(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
