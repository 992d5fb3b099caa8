/* /api/v1/auth and /api/v1/me: tokens for people and machine clients. */
#include "handlers.h"
#include "request.h"

void auth_login(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void auth_token_issue(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void auth_token_revoke(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
void me_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
