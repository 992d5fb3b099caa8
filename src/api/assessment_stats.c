/* STUB: replaced by the real handlers. */
#include "handlers.h"
#include "request.h"

void assessment_schools(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
void assessment_distribution(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
void school_assessments(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
