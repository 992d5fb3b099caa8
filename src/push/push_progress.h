/* A push's record while it runs (src/push/push_progress.c,
 * docs/ASSESSMENTS.md "Progress"), and the pushes' counters for /metrics.
 * Called by push.c only. */
#ifndef OPORA_PUSH_PROGRESS_H
#define OPORA_PUSH_PROGRESS_H

#include "push_internal.h"

/* As the body comes (each piece, and its end). Once the push has started
 * (p->progress_due: its locks taken, its id drawn; not a replay), its
 * record is written, outcome 'running', on the side connection; then its
 * counters so far, at most once a PROGRESS_EVERY_MS; cheap otherwise. A
 * push refused before its body (413 by its Content-Length) has none. */
void progress_tick(struct push *p);
/* Its record is now final (committed by the push's transaction). */
void progress_end(struct push *p, const char *outcome);
/* It ended otherwise: its record ends 'failed' with what is known. After
 * the push's connection is closed (its transaction may hold the record). */
void progress_fail(struct push *p);

#endif
