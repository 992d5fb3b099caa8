/* /api/v1/risk-factors: the catalogue of risk factors (docs/PLANS.md). */
#include "handlers.h"
#include "request.h"

void risk_factors_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_factors_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_factor_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void risk_factor_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
