/* Fresh databases for the unit tests that need PostgreSQL, made from
 * OPORA_TEST_ADMIN_URL (a role that may create databases). */
#ifndef OPORA_TESTDB_H
#define OPORA_TESTDB_H

#include <libpq-fe.h>

/* Exits 1 with a message when OPORA_TEST_ADMIN_URL is not set. */
void testdb_require(const char *test_name);
/* Creates a database named after prefix and the process, connects to it. */
PGconn *testdb_create(const char *prefix);
/* Closes conn and drops the database testdb_create made. */
void testdb_drop(PGconn *conn);
/* The single value of a query, malloc'ed; fails the test on error. */
char *testdb_scalar(PGconn *conn, const char *sql);

#endif
