/* /api/v1/audit: the audit trail, read within the caller's scope. */
#include "handlers.h"
#include "request.h"

void audit_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
