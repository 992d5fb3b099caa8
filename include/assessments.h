/* Assessment instruments (src/api/assessments.c). */
#ifndef OPORA_ASSESSMENTS_H
#define OPORA_ASSESSMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "results_parse.h"

struct request;

/* Reads instrument `id` into *out; answers 404 and returns false when it
 * does not exist. */
bool assessment_load(struct request *rq, int64_t id, struct instrument *out);

#endif
