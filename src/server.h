/* The HTTP server: libmicrohttpd's thread pool, one request path from socket
 * to handler (src/server.c), graceful shutdown on SIGTERM and SIGINT. */
#ifndef OPORA_SERVER_H
#define OPORA_SERVER_H

#include <stddef.h>

#include "config.h"

/* A new request id (for an answer made outside a request), into out of
 * len bytes (REQUEST_ID_MAX + 1). */
void server_request_id(char *out, size_t len);

/* Serves until SIGTERM or SIGINT; returns the process exit code. */
int server_run(const struct config *cfg);

#endif
