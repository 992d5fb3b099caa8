/* Prometheus metrics kept in atomic counters: requests by route and status,
 * a latency histogram per route, database connections and errors. */
#ifndef OPORA_METRICS_H
#define OPORA_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* route_index: index into routes[], or routes_count for "no route". */
void metrics_observe(size_t route_index, unsigned status, uint64_t duration_ns);
/* Renders the text exposition format; caller frees. */
char *metrics_render(size_t *len);

#endif
