/* /api/v1/roadmaps/{id}/items and /api/v1/roadmap-items: the rows of a
 * roadmap, their reports, and overdue items across roadmaps (docs/PLANS.md). */
#include "handlers.h"
#include "request.h"

void roadmap_items_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_items_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_items_import(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_items_search(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_item_get(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_item_update(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void roadmap_item_delete(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void item_reports_list(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}

void item_reports_create(struct request *rq) {
  reply_problem(rq, ERR_INTERNAL, "not implemented yet");
}
