/* STUB: replaced by the real handlers. */
#include "handlers.h"
#include "request.h"

void imports_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
void import_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, NULL);
}
