/* Schema migrations: numbered SQL files from migrations/, embedded in the
 * binary at build time, applied in order, each in its own transaction, and
 * recorded with a checksum so an edited released file is refused. */
#ifndef OPORA_MIGRATE_H
#define OPORA_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct migration {
  int version;      /* NNNN of NNNN_name.sql */
  const char *name; /* file name */
  const char *sql;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

/* Applies what is missing under an advisory lock. Returns how many were
 * applied, or -1 with a message in err (nothing half-applied). */
int migrate_apply(PGconn *conn, const struct migration *list, size_t n,
                  char *err, size_t err_len);

/* The highest version of list (0 when empty): the schema this binary
 * migrates to. */
int migrate_latest(const struct migration *list, size_t n);

/* The database's schema version: the highest migration applied, 0 when
 * none is (no schema_migrations table), -1 when it cannot be read. */
int migrate_schema_version(PGconn *conn);

/* How many of list are not applied yet (0: up to date), -1 on error or when
 * an applied file has changed. */
int migrate_pending(PGconn *conn, const struct migration *list, size_t n);

#endif
