/* /api/v1/indicator-values and /api/v1/schools/{id}/indicators: the
 * official values integrators read, with the change feed (docs/MONITORING.md).
 */
#include "handlers.h"
#include "request.h"

void indicator_values_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void school_indicators(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
