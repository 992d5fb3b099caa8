/* db_txn against a real PostgreSQL: a deadlock between two writers is
 * retried, so both commit; a unit that answers by itself is rolled back; a
 * backend terminated before COMMIT is a lost connection, run again. A
 * failure on a connection of one's own (a push's) is answered as db_exec
 * answers its own, and a terminated backend is a lost connection there
 * too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "migrate.h"
#include "request.h"
#include "testdb.h"

static PGconn *setup_conn;
static atomic_int attempts;

static void sql(PGconn *c, const char *text) {
  PGresult *r = PQexec(c, text);
  if (PQresultStatus(r) != PGRES_COMMAND_OK &&
      PQresultStatus(r) != PGRES_TUPLES_OK)
    fail_msg("%s: %s", text, PQerrorMessage(c));
  PQclear(r);
}

/* Renames one region, then the other: run in opposite orders by two
 * threads, the second statements deadlock. On the first attempt both wait
 * at a barrier between the two, so they cross whatever the machine's load;
 * the retry runs straight through. */
struct crossing {
  const char *first, *second;
  int changed;     /* rows renamed by the last attempt */
  bool first_done; /* the first attempt is over: no more barrier */
};

static pthread_barrier_t both_renamed_once;

static bool rename_region(struct request *rq, const char *id, int *changed) {
  PGresult *r = db_call(rq, STMT_REGION_GET,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  const struct db_arg update[] = {{"id", id},
                                  {"version", db_get(r, 0, "version")},
                                  {"patch", "{\"name\": \"renamed\"}"},
                                  DB_END};
  PGresult *u = db_call(rq, STMT_REGION_UPDATE, update, NULL);
  PQclear(r);
  if (u == NULL)
    return false;
  /* Under READ COMMITTED a rename may find the version it read already
   * moved on (0 rows): the version check doing its job, as a 412 would. */
  *changed += PQntuples(u);
  PQclear(u);
  return true;
}

static bool cross_work(struct request *rq, void *arg) {
  struct crossing *x = arg;
  atomic_fetch_add(&attempts, 1);
  x->changed = 0;
  if (!rename_region(rq, x->first, &x->changed))
    return false;
  if (!x->first_done) {
    x->first_done = true;
    pthread_barrier_wait(&both_renamed_once);
  }
  return rename_region(rq, x->second, &x->changed);
}

struct outcome {
  struct crossing crossing;
  bool committed;
  unsigned status;
};

static void *writer(void *arg) {
  struct outcome *o = arg;
  struct request rq = {0};
  strcpy(rq.id, "test");
  strcpy(rq.principal.scope_kind, "global");
  o->committed = db_txn(&rq, cross_work, &o->crossing);
  o->status = rq.status;
  if (rq.response != NULL)
    MHD_destroy_response(rq.response);
  db_close_all(); /* this thread's connection */
  return NULL;
}

static void a_deadlock_is_retried(void **state) {
  (void)state;
  atomic_store(&attempts, 0);
  struct outcome a = {{"1", "2", 0, false}, false, 0},
                 b = {{"2", "1", 0, false}, false, 0};
  pthread_barrier_init(&both_renamed_once, NULL, 2);
  pthread_t ta, tb;
  pthread_create(&ta, NULL, writer, &a);
  pthread_create(&tb, NULL, writer, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  pthread_barrier_destroy(&both_renamed_once);
  assert_true(a.committed);
  assert_true(b.committed);
  /* At least one deadlock, retried: under load PostgreSQL may abort a
   * retry too before the two settle; both still commit, once each. */
  assert_true(atomic_load(&attempts) >= 3);
  /* Every committed rename, and only those, moved a version on. */
  char *moves =
      testdb_scalar(setup_conn, "SELECT sum(version - 1) FROM regions");
  assert_int_equal(atoi(moves), a.crossing.changed + b.crossing.changed);
  assert_true(a.crossing.changed + b.crossing.changed >= 2);
  free(moves);
}

static bool refuse_work(struct request *rq, void *arg) {
  (void)arg;
  int changed = 0;
  if (!rename_region(rq, "1", &changed))
    return false;
  reply_problem(rq, ERR_CONFLICT, "changed my mind");
  return false;
}

static void a_refusing_unit_is_rolled_back(void **state) {
  (void)state;
  char *before = testdb_scalar(setup_conn, "SELECT version FROM regions "
                                           "WHERE id = 1");
  struct request rq = {0};
  strcpy(rq.id, "test");
  strcpy(rq.principal.scope_kind, "global");
  assert_false(db_txn(&rq, refuse_work, NULL));
  assert_int_equal(rq.status, 409);
  MHD_destroy_response(rq.response);
  char *after = testdb_scalar(setup_conn, "SELECT version FROM regions "
                                          "WHERE id = 1");
  assert_string_equal(before, after);
  free(before);
  free(after);
  db_close_all();
}

/* Waits until the backend pid is gone from pg_stat_activity. */
static void wait_gone(int pid) {
  char query[96];
  snprintf(query, sizeof query,
           "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
  for (int i = 0; i < 200; i++) {
    char *left = testdb_scalar(setup_conn, query);
    bool gone = strcmp(left, "0") == 0;
    free(left);
    if (gone)
      return;
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  fail_msg("backend %d is still there", pid);
}

/* Renames region 1, then has its own backend terminated before it
 * returns, on the first attempt only: the COMMIT meets the backend's
 * "terminating connection" error, which arrives before libpq has read the
 * connection's end. That is a lost connection: the transaction is looked
 * up (aborted), run again, and commits once. It was answered 503. */
static bool killed_before_commit_work(struct request *rq, void *arg) {
  (void)arg;
  int changed = 0;
  if (!rename_region(rq, "1", &changed))
    return false;
  if (atomic_fetch_add(&attempts, 1) == 0) {
    char kill[160];
    int pid = PQbackendPID(db_connection());
    snprintf(kill, sizeof kill, "SELECT pg_terminate_backend(%d)", pid);
    sql(setup_conn, kill);
    wait_gone(pid);
  }
  return true;
}

static void a_backend_killed_before_commit_is_retried(void **state) {
  (void)state;
  atomic_store(&attempts, 0);
  char *before = testdb_scalar(setup_conn, "SELECT version FROM regions "
                                           "WHERE id = 1");
  struct request rq = {0};
  strcpy(rq.id, "test");
  strcpy(rq.principal.scope_kind, "global");
  assert_true(db_txn(&rq, killed_before_commit_work, NULL));
  assert_int_equal(atomic_load(&attempts), 2);
  char *after = testdb_scalar(setup_conn, "SELECT version FROM regions "
                                          "WHERE id = 1");
  assert_int_equal(atoi(after), atoi(before) + 1);
  free(before);
  free(after);
  db_close_all();
}

/* A push's connection (db_connect_own): a known constraint is answered
 * with its code and field, as db_exec answers it; a terminated backend is
 * a lost connection (db_connection_lost), answered 503. */
static void
a_failure_on_an_own_connection_is_answered_as_db_exec_would(void **state) {
  (void)state;
  PGconn *own = db_connect_own();
  assert_non_null(own);
  PGresult *r = PQexec(own, "INSERT INTO regions (code, name) VALUES "
                            "('33', 'Владимирская область, снова')");
  assert_false(db_result_ok(r));
  assert_false(db_connection_lost(own, r));
  struct request rq = {0};
  strcpy(rq.id, "test");
  db_reply_failure_on(&rq, own, r);
  PQclear(r);
  assert_int_equal(rq.status, 409);
  MHD_destroy_response(rq.response);

  int pid = PQbackendPID(own);
  char kill[64];
  snprintf(kill, sizeof kill, "SELECT pg_terminate_backend(%d)", pid);
  sql(setup_conn, kill);
  wait_gone(pid);
  r = PQexec(own, "SELECT 1");
  assert_false(db_result_ok(r));
  assert_true(db_connection_lost(own, r));
  struct request lost = {0};
  strcpy(lost.id, "test");
  db_reply_failure_on(&lost, own, r);
  PQclear(r);
  assert_int_equal(lost.status, 503);
  MHD_destroy_response(lost.response);
  db_disconnect_own(own);
}

static int setup(void **state) {
  (void)state;
  setup_conn = testdb_create("txn");
  char err[512];
  if (migrate_apply(setup_conn, migrations, migrations_count, err, sizeof err) <
      0)
    fail_msg("%s", err);
  sql(setup_conn,
      "INSERT INTO regions (code, name) VALUES "
      "('33', 'Владимирская область'), ('57', 'Орловская область')");
  struct config cfg;
  config_defaults(&cfg);
  snprintf(cfg.database_url, sizeof cfg.database_url,
           "host='%s' port='%s' user='%s' dbname='%s'", PQhost(setup_conn),
           PQport(setup_conn), PQuser(setup_conn), PQdb(setup_conn));
  db_configure(&cfg);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  testdb_drop(setup_conn);
  return 0;
}

int main(void) {
  testdb_require("test_txn");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_deadlock_is_retried),
      cmocka_unit_test(a_refusing_unit_is_rolled_back),
      cmocka_unit_test(a_backend_killed_before_commit_is_retried),
      cmocka_unit_test(
          a_failure_on_an_own_connection_is_answered_as_db_exec_would),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
