/* Stored schedules read again with the current grammar (`opora migrate` and
 * `opora demo-data` call it; see docs/PLANS.md, "Schedules"). */
#ifndef OPORA_SCHEDULE_STORE_H
#define OPORA_SCHEDULE_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses every roadmap item's schedule_text again (the year of a date
 * written without one: its roadmap's first) and writes the items whose
 * structured schedule changed, moving their version. Runs in the caller's
 * transaction. Returns 0 with the number written in *changed, or -1 with a
 * message in err. */
int schedules_reparse(PGconn *conn, int *changed, char *err, size_t err_len);

#endif
