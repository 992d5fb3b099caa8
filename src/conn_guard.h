/* The main listener's connections, guarded (src/conn_guard.c): the server
 * accepts them itself and hands them to libmicrohttpd, so that
 *   - a connection over the global or per-address cap is answered 503
 *     problem+json at once instead of waiting in the backlog;
 *   - a request head that is not complete within OPORA_HEADER_TIMEOUT, and
 *     a body that arrives slower than OPORA_MIN_UPLOAD_RATE over
 *     OPORA_MIN_UPLOAD_WINDOW, are cut by a watchdog thread.
 * The request path reports each request's progress with the calls below;
 * they are lock-free (atomics on the connection's record). */
#ifndef OPORA_CONN_GUARD_H
#define OPORA_CONN_GUARD_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Binds and listens on the configured address; false (errno set) when it
 * cannot. */
bool conn_guard_listen(const struct config *cfg);
/* Starts the accept and watchdog threads, handing connections to daemon
 * (started with MHD_USE_NO_LISTEN_SOCKET and conn_guard_notify). */
bool conn_guard_start(struct MHD_Daemon *daemon);
/* Closes the listener: new connections are refused by the system. */
void conn_guard_stop_accepting(void);
/* After MHD_stop_daemon: stops the watchdog and frees what is left. */
void conn_guard_stop(void);

/* The connection limit to give libmicrohttpd: a little above ours. */
unsigned conn_guard_library_limit(const struct config *cfg);

/* MHD_OPTION_NOTIFY_CONNECTION of the main daemon. */
void conn_guard_notify(void *cls, struct MHD_Connection *conn,
                       void **socket_context,
                       enum MHD_ConnectionNotificationCode code);

/* The request head is complete: the body (if any) is timed from now; a
 * 408 for it will carry request_id. */
void conn_guard_head_done(struct MHD_Connection *conn, const char *request_id);
/* A body chunk of n bytes is being taken; _end when it has been. The time
 * between them is the server's, not counted against the client. */
void conn_guard_body_begin(struct MHD_Connection *conn, size_t n);
void conn_guard_body_end(struct MHD_Connection *conn);
/* The body is complete: the server is answering. */
void conn_guard_answering(struct MHD_Connection *conn);
/* The request is over; the next head may come on a kept-alive connection
 * within the idle timeout plus the header deadline. */
void conn_guard_request_done(struct MHD_Connection *conn);
/* True when the watchdog cut this connection (it was sent a 408). */
bool conn_guard_was_cut(struct MHD_Connection *conn);

struct conn_guard_counts {
  unsigned long long open, late_head, slow_body, refused;
};
void conn_guard_counts(struct conn_guard_counts *out);

#endif
