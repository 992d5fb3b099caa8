/* What the submission files share (src/api/submissions.c,
 * src/api/submission_values.c; docs/MONITORING.md). */
#ifndef OPORA_SUBMISSIONS_H
#define OPORA_SUBMISSIONS_H

#include <jansson.h>
#include <stdbool.h>

struct request;

/* Checks a PUT body ({"values": [{code, value, comment, link}]}) against
 * the indicators campaign `campaign_id` asks for, reporting every bad value
 * at once. True when valid; false after answering 400 (or after a failed
 * statement). */
bool submission_values_valid(struct request *rq, const char *campaign_id);

#endif
