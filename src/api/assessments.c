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
#include "assessments.h"
bool assessment_load(struct request *rq, int64_t id, struct instrument *out) {
  (void)id;
  (void)out;
  reply_problem(rq, ERR_NOT_FOUND, NULL);
  return false;
}
