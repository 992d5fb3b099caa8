/* /api/v1/users: people's accounts (docs/ACCESS.md). */
#include "handlers.h"
#include "request.h"

void users_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void users_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void user_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void user_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void user_password_reset(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
