/* The HTTP server: libmicrohttpd's thread pool, one request path from socket
 * to handler (src/server.c), graceful shutdown on SIGTERM and SIGINT. */
#ifndef OPORA_SERVER_H
#define OPORA_SERVER_H

#include "config.h"

/* Serves until SIGTERM or SIGINT; returns the process exit code. */
int server_run(const struct config *cfg);

#endif
