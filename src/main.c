/* opora: the command line. `serve` runs the API, `migrate` brings the schema
 * up to date, `demo-data` loads the demo region, `version` prints it. */
#include <libpq-fe.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_cli.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "demo.h"
#include "log.h"
#include "migrate.h"
#include "push.h"
#include "schedule_store.h"
#include "server.h"

static const char usage[] =
    "usage: opora COMMAND [FLAGS]\n"
    "\n"
    "commands:\n"
    "  serve      serve the API until SIGTERM or SIGINT\n"
    "  migrate    apply the database migrations that are missing\n"
    "  demo-data  load the demo region: schools, accounts, plans, monitoring,\n"
    "             context and three years of assessment results (idempotent)\n"
    "  user add   create a user and print a one-time password\n"
    "  client add create a machine client and print its secret\n"
    "  version    print the version and the schema version it migrates to\n"
    "             (also --version)\n"
    "\n"
    "`opora COMMAND --help` lists the settings each command reads.\n";

static const char *env(const char *name) {
  return getenv(name);
}

static bool wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return true;
  return false;
}

/* Settings for a subcommand, or exit 2 naming the bad one. */
static void load_config(struct config *cfg, int argc, char **argv) {
  char err[512];
  if (config_load(cfg, argc, argv, env, err, sizeof err) != 0) {
    fprintf(stderr, "opora: %s\n", err);
    exit(2);
  }
  log_set_level(cfg->log_level);
}

static PGconn *connect_or_exit(const struct config *cfg) {
  PGconn *conn = PQconnectdb(cfg->database_url);
  if (PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "opora: cannot connect to the database: %s",
            PQerrorMessage(conn));
    PQfinish(conn);
    exit(1);
  }
  return conn;
}

/* A new release may read schedules better than the one that stored them:
 * every migrate brings the stored forms up to date, in one transaction. */
static int reread_schedules(PGconn *conn, int *changed, char *err,
                            size_t err_len) {
  PQclear(PQexec(conn, "BEGIN"));
  if (schedules_reparse(conn, changed, err, err_len) != 0) {
    PQclear(PQexec(conn, "ROLLBACK"));
    return -1;
  }
  PGresult *r = PQexec(conn, "COMMIT");
  int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
  PQclear(r);
  if (rc != 0)
    snprintf(err, err_len, "schedules: %s", PQerrorMessage(conn));
  return rc;
}

static int cmd_migrate(const struct config *cfg) {
  PGconn *conn = connect_or_exit(cfg);
  char err[1024];
  int applied =
      migrate_apply(conn, migrations, migrations_count, err, sizeof err);
  int reparsed = 0;
  if (applied >= 0 && reread_schedules(conn, &reparsed, err, sizeof err) != 0)
    applied = -1;
  int schema = applied >= 0 ? migrate_schema_version(conn) : -1;
  PQfinish(conn);
  if (applied < 0) {
    fprintf(stderr, "opora: migrate: %s\n", err);
    return 1;
  }
  if (reparsed > 0)
    printf("opora: %d schedule(s) read again with the current grammar\n",
           reparsed);
  int latest = migrate_latest(migrations, migrations_count);
  printf("opora: %d migration(s) applied, schema at version %d\n", applied,
         schema > latest ? schema : latest);
  /* Not an error: during a rolling upgrade an older instance restarts
   * against the schema a newer one made. Anything else is a rollback that
   * needs the backup (docs/OPERATIONS.md). */
  if (schema > latest)
    fprintf(stderr,
            "opora: migrate: warning: the database's schema (version %d) is "
            "newer than this binary's (version %d); an older binary is safe "
            "only during a rolling upgrade: to roll back, restore the backup "
            "taken before the upgrade\n",
            schema, latest);
  return 0;
}

static int cmd_demo_data(const struct config *cfg) {
  db_configure(cfg); /* the pushes of the demo's results connect as the
                        server's do */
  push_configure(cfg->push_statement_timeout_ms, cfg->push_batch_rows,
                 cfg->push_key_bits, cfg->connection_timeout);
  PGconn *conn = connect_or_exit(cfg);
  char err[1024];
  int rc = demo_data_load(conn, err, sizeof err);
  PQfinish(conn);
  if (rc != 0) {
    fprintf(stderr, "opora: demo-data: %s", err);
    return 1;
  }
  printf("opora: demo data loaded\n");
  return 0;
}

/* `opora user add` / `opora client add`: account flags, then settings. */
static int cmd_account(const char *command, int argc, char **argv) {
  bool user = strcmp(command, "user") == 0;
  const char *help = user ? account_user_help : account_client_help;
  if (argc < 1 || strcmp(argv[0], "add") != 0) {
    fputs(help, wants_help(argc, argv) ? stdout : stderr);
    return wants_help(argc, argv) ? 0 : 2;
  }
  argc--;
  argv++;
  if (wants_help(argc, argv)) {
    printf("%s\n%s", help, config_help);
    return 0;
  }
  struct account_args args;
  char err[256];
  if (account_args_take(&args, &argc, argv, err, sizeof err) != 0) {
    fprintf(stderr, "opora: %s\n", err);
    return 2;
  }
  struct config cfg;
  load_config(&cfg, argc, argv);
  if (!secrets_init()) {
    fprintf(stderr, "opora: cannot initialise the random number generator\n");
    return 1;
  }
  PGconn *conn = connect_or_exit(&cfg);
  int rc =
      user ? account_user_add(conn, &args) : account_client_add(conn, &args);
  PQfinish(conn);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *command = argv[1];
  int sub_argc = argc - 2;
  char **sub_argv = argv + 2;
  if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
    printf("opora %s (schema %d)\n", OPORA_VERSION,
           migrate_latest(migrations, migrations_count));
    return 0;
  }
  if (strcmp(command, "user") == 0 || strcmp(command, "client") == 0)
    return cmd_account(command, sub_argc, sub_argv);
  bool known = strcmp(command, "serve") == 0 ||
               strcmp(command, "migrate") == 0 ||
               strcmp(command, "demo-data") == 0;
  if (!known) {
    fprintf(stderr, "opora: unknown command '%s'\n\n%s", command, usage);
    return 2;
  }
  if (wants_help(sub_argc, sub_argv)) {
    printf("usage: opora %s [FLAGS]\n\n%s", command, config_help);
    return 0;
  }
  struct config cfg;
  load_config(&cfg, sub_argc, sub_argv);
  if (strcmp(command, "migrate") == 0)
    return cmd_migrate(&cfg);
  if (strcmp(command, "demo-data") == 0)
    return cmd_demo_data(&cfg);
  /* Large blocks (a push's filter and send buffers) are mapped and given
   * back when freed. glibc would otherwise raise this threshold after the
   * first such free and keep later ones in its heaps, and the server's
   * memory would grow by a push's buffers with each push. */
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  return server_run(&cfg);
}
