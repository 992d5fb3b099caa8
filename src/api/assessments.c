/* STUB: replaced by the real handlers. */
#include "handlers.h"
#include "request.h"

void assessments_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
void assessments_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
void assessment_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
void assessment_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
void assessment_delete(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
