/* /api/v1/monitoring/campaigns/{id}/submissions: a school's values for a
 * campaign, and their review (docs/MONITORING.md). */
#include "handlers.h"
#include "request.h"

void submissions_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void submission_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void submission_put(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void submission_submit(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void submission_accept(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void submission_return(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void submission_history(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
