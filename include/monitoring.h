/* What the monitoring files share (docs/MONITORING.md). */
#ifndef OPORA_MONITORING_H
#define OPORA_MONITORING_H

#include <stdbool.h>

struct request;

/* Inside the transaction that wrote official values of a school for a
 * period: evaluates every computed indicator (with a formula) for them and
 * writes the results (src/api/indicator_compute.c). Takes the values lock
 * first. False after a failed statement. */
bool official_values_recompute(struct request *rq, const char *school_id,
                               const char *period);

#endif
