/* A thread that feeds an open COPY, so that parsing the next rows and
 * PostgreSQL's work on the previous ones overlap. Sending on the request's
 * own thread, the two would take turns: a Unix socket holds about 200 KB,
 * and PQputCopyData waits whenever PostgreSQL has not yet read them. The
 * pipe holds at most COPY_PIPE_SLOTS pieces of COPY_PIPE_SLOT_BYTES; a
 * writer that finds it full waits for a free slot, so memory stays bounded.
 *
 * While the pipe is open its thread owns the connection: the writer must
 * not use it until copy_pipe_close has returned. */
#ifndef OPORA_COPY_PIPE_H
#define OPORA_COPY_PIPE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define COPY_PIPE_SLOTS 8
#define COPY_PIPE_SLOT_BYTES (512u << 10)

struct copy_pipe;

/* Starts the thread on `pg`, whose COPY FROM STDIN is open. NULL when no
 * thread can be made (the caller then sends itself). */
struct copy_pipe *copy_pipe_open(PGconn *pg);

/* Queues len bytes (at most COPY_PIPE_SLOT_BYTES), waiting for a free slot
 * when all are taken. False when sending has failed: nothing more goes. */
bool copy_pipe_write(struct copy_pipe *cp, const char *data, size_t len);

/* Waits until everything queued is sent, stops the thread and frees the
 * pipe. False when sending failed; the COPY is still to be ended by the
 * caller (PQputCopyEnd) either way. */
bool copy_pipe_close(struct copy_pipe *cp);

#endif
