/* The demo's assessment results (docs/ASSESSMENTS.md, "Demo results"):
 * three spring waves of ВПР, ОГЭ and ЕГЭ for every demo school, generated
 * (src/demo/demo_gen.h) and pushed through the push itself (include/push.h: its
 * row checks, its COPY, its kept statistics, its import record), in the
 * name of the demo's global administrator. */
#ifndef OPORA_DEMO_RESULTS_H
#define OPORA_DEMO_RESULTS_H

#include <libpq-fe.h>
#include <stddef.h>

/* Pushes the results of every demo instrument that holds none yet (so a
 * second load pushes nothing). The instruments, schools and accounts must
 * be committed (the push reads them on a connection of its own, opened as
 * db_configure says). Returns 0, or -1 with a message in err. */
int demo_results_load(PGconn *conn, char *err, size_t err_len);

#endif
