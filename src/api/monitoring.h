/* What the monitoring files share (docs/MONITORING.md). */
#ifndef OPORA_MONITORING_H
#define OPORA_MONITORING_H

#include <stdbool.h>

struct request;

/* Brings the official values of a school for a period in line with its
 * accepted submissions, inside the caller's transaction (the one place
 * that writes indicator_values; src/api/official_values.c): writes what is
 * new or changed, withdraws what no accepted submission gives any more,
 * then the computed values (withdrawn too when nothing is left). Each
 * change and each withdrawal gets a change number; nothing else does.
 * `accepting`: the submission being accepted (its values win), or NULL.
 * Takes the values lock first. False after a failed statement. */
bool official_values_sync(struct request *rq, const char *school_id,
                          const char *period, const char *accepting);

/* Part of official_values_sync (src/api/indicator_compute.c): evaluates
 * every computed indicator (with a formula) for the school and period and
 * writes the results. Takes the values lock first. False after a failed
 * statement. */
bool official_values_recompute(struct request *rq, const char *school_id,
                               const char *period);

#endif
