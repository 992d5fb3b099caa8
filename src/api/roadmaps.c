/* /api/v1/roadmaps: support plans and their revisions (docs/PLANS.md). */
#include "handlers.h"
#include "request.h"

void roadmaps_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmaps_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_revisions_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_revisions_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_revision_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
