/* /api/v1/indicators: the catalogue of indicators, computed ones with
 * their formulas, and aggregates (docs/MONITORING.md). */
#include "handlers.h"
#include "request.h"

void indicators_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void indicators_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void indicator_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void indicator_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void indicator_aggregate(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
