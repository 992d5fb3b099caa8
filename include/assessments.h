/* Assessment instruments for the code that checks pushed results against
 * them (src/api/assessment_push.c). */
#ifndef OPORA_ASSESSMENTS_H
#define OPORA_ASSESSMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "request.h"
#include "results_parse.h"

/* Reads instrument `id` into *out (tasks in their order; marks 0 and
 * min_test_score -1 when not set). False when it is missing (after
 * answering 404) or the statement failed (answered outside db_txn; inside,
 * the runner answers). Works inside and outside db_txn. */
bool assessment_load(struct request *rq, int64_t id, struct instrument *out);

#endif
