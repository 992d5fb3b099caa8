/* Logs: one JSON object per line on stderr, each written with one write(2)
 * so lines from several threads never interleave. */
#ifndef OPORA_LOG_H
#define OPORA_LOG_H

#include <stdint.h>

#include "config.h"

void log_set_level(enum log_level level);
/* Event line: {"time":…,"level":…,"msg":…}; printf-style message. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct request;
/* The per-request line: time, request id, method, route, status, duration,
 * bytes. */
void log_request(const struct request *rq, uint64_t duration_ns);

uint64_t clock_ns(void);

#endif
