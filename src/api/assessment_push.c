/* STUB: replaced by the real handlers. */
#include "handlers.h"
#include "request.h"

void assessment_results_push(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
bool assessment_results_chunk(struct request *rq, const char *data,
                              size_t len) {
  (void)rq;
  (void)data;
  (void)len;
  return true;
}
