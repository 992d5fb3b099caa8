/* /api/v1/clients: machine clients (regional data systems, integrators)
 * (docs/ACCESS.md). */
#include "handlers.h"
#include "request.h"

void clients_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void clients_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void client_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void client_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void client_secret_rotate(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
