/* /api/v1/monitoring/campaigns: monitoring campaigns, their completeness,
 * and what is due (docs/MONITORING.md). */
#include "handlers.h"
#include "request.h"

void campaigns_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void campaigns_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void campaign_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void campaign_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void campaign_completeness(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void monitoring_due(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
