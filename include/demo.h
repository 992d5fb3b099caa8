/* `opora demo-data`: territories and schools of the seed documents plus a
 * generated region's worth of schools (demo/demo_data.sql), plans,
 * monitoring, social context, assessment instruments, and three years of
 * assessment results pushed through the push (src/demo/demo_results.h). */
#ifndef OPORA_DEMO_H
#define OPORA_DEMO_H

#include <libpq-fe.h>
#include <stddef.h>

/* Loads the demo data: the scripts in one transaction, then the results
 * through the push, which opens connections of its own (db_configure
 * first). Loading twice changes nothing. Returns 0, or -1 with a message
 * in err. */
int demo_data_load(PGconn *conn, char *err, size_t err_len);

#endif
