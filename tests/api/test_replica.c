/* Reads on a streaming replica (docs/SCALING.md): a server with
 * OPORA_DATABASE_READ_URL reads GETs from the replica the test command
 * started (OPORA_TEST_REPLICA_URL; OPORA_TEST_REPLICA_CTL stops and starts
 * it), writes on the primary; Opora-LSN and the caller's own last write
 * make a read wait for the replay or go to the primary; the change feed
 * read on the replica stays exactly-once across an uncommitted writer and
 * a paused replay; a stopped replica sends reads to the primary until it
 * is back. Replay is paused with pg_wal_replay_pause() to make the replica
 * lag on purpose. Without a replica the tests are skipped. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "harness.h"

#define VALUES "/api/v1/indicator-values"
#define WAIT_MS "300"

static struct {
  const char *replica_url; /* the replica's "postgres" database */
  PGconn *replica;         /* ... connected, for pausing replay */
  int port;                /* the server reading from the replica */
  long long municipality, school;
  char *writer; /* the harness's admin, who writes */
  char *reader; /* a token of another caller */
} rx;

/* url with its database (the path after the host part) replaced by db. */
static char *url_with_database(const char *url, const char *db) {
  const char *host = strstr(url, "://");
  assert_non_null(host);
  const char *path = strchr(host + 3, '/');
  assert_non_null(path);
  size_t end = strcspn(path, "?");
  return harness_fmt("%.*s/%s%s", (int)(path - url), url, db, path + end);
}

static char *replica_text(const char *sql) {
  PGresult *r = PQexec(rx.replica, sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
    fail_msg("replica: %s: %s", sql, PQerrorMessage(rx.replica));
  char *text = strdup(PQgetvalue(r, 0, 0));
  PQclear(r);
  return text;
}

static void replica_connect(void) {
  if (rx.replica != NULL && PQstatus(rx.replica) == CONNECTION_OK)
    return;
  PQfinish(rx.replica);
  rx.replica = PQconnectdb(rx.replica_url);
  if (PQstatus(rx.replica) != CONNECTION_OK)
    fail_msg("cannot connect to the replica: %s", PQerrorMessage(rx.replica));
}

/* Waits until the replica has replayed everything the primary wrote. */
static void replica_catch_up(void) {
  replica_connect();
  char *target = db_text("SELECT pg_current_wal_insert_lsn()::text");
  double deadline = now_s() + 30;
  for (;;) {
    char *sql =
        harness_fmt("SELECT (pg_last_wal_replay_lsn() >= '%s')::text", target);
    char *done = replica_text(sql);
    free(sql);
    bool ok = strcmp(done, "true") == 0;
    free(done);
    if (ok)
      break;
    if (now_s() > deadline)
      fail_msg("the replica did not replay %s within 30 s", target);
    pause_ms(10);
  }
  free(target);
}

static void replay_pause(bool paused) {
  replica_connect();
  PGresult *r = PQexec(rx.replica, paused ? "SELECT pg_wal_replay_pause()"
                                          : "SELECT pg_wal_replay_resume()");
  if (PQresultStatus(r) != PGRES_TUPLES_OK)
    fail_msg("replica: %s", PQerrorMessage(rx.replica));
  PQclear(r);
}

static int setup(void **state) {
  (void)state;
  if (rx.replica_url == NULL)
    return 0;
  replica_catch_up(); /* the test database exists there too */
  char *url = url_with_database(rx.replica_url, db_name());
  char *env_url = harness_fmt("OPORA_DATABASE_READ_URL=%s", url);
  const char *env[] = {env_url, "OPORA_READ_WAIT_MS=" WAIT_MS, NULL};
  rx.port = second_server_start(env);
  free(env_url);
  free(url);
  struct territory t = kovrov();
  rx.municipality = t.municipality_id;
  rx.school = create_school(rx.municipality, "rx-s1", "МБОУ СОШ № 1");
  create_school(rx.municipality, "rx-s2", "МБОУ СОШ № 2");
  /* Tokens come in the harness's ring of buffers: kept as copies. */
  rx.writer = strdup(use_token(NULL));
  use_token(rx.writer);
  rx.reader = strdup(make_token("admin", "global", 0));
  replica_catch_up();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (rx.replica_url == NULL)
    return 0;
  replay_pause(false);
  second_server_stop(rx.port);
  PQfinish(rx.replica);
  free(rx.writer);
  free(rx.reader);
  return 0;
}

#define SKIP_WITHOUT_REPLICA()                                                 \
  do {                                                                         \
    if (rx.replica_url == NULL)                                                \
      skip();                                                                  \
  } while (0)

/* GET path on the replica-reading server as `token`, with Opora-LSN lsn
 * (NULL: none); returns the reply. */
static struct http_reply *read_as(const char *token, const char *path,
                                  const char *lsn) {
  int first = use_server(rx.port);
  const char *previous = use_token(token);
  char *header = lsn ? harness_fmt("Opora-LSN: %s", lsn) : NULL;
  const char *headers[] = {header, NULL};
  struct http_reply *r = http_request("GET", path, NULL, headers);
  free(header);
  use_token(previous);
  use_server(first);
  return r;
}

/* The short name of the list's first school (the list is by name). */
static char *listed_name(const char *token, const char *lsn) {
  struct http_reply *r = read_as(
      token, J("/api/v1/schools?municipality=%lld&limit=1", rx.municipality),
      lsn);
  assert_status(r, 200);
  char *name = strdup(
      jstr(json_array_get(json_object_get(r->json, "items"), 0), "short_name"));
  http_reply_free(r);
  return name;
}

static long long replica_metric(const char *series) {
  int first = use_server(rx.port);
  long long v = metric_value(series);
  use_server(first);
  return v;
}

/* Renames the first school on the replica-reading server (a write: on the
 * primary) and returns the answer's Opora-LSN (caller frees). */
static char *rename_school(const char *name) {
  int first = use_server(rx.port);
  char *etag = etag_of(J("/api/v1/schools/%lld", rx.school));
  struct http_reply *r = http_patch(J("/api/v1/schools/%lld", rx.school), etag,
                                    J("{'short_name':'%s'}", name));
  assert_status(r, 200);
  const char *lsn = http_header(r, "Opora-LSN");
  assert_non_null(lsn);
  char *copy = strdup(lsn);
  http_reply_free(r);
  free(etag);
  use_server(first);
  return copy;
}

static void assert_name(char *got, const char *want) {
  if (strcmp(got, want) != 0)
    fail_msg("listed %s, want %s", got, want);
  free(got);
}

/* The front end's pattern: PATCH, then GET the list. */
static void test_reads_see_writes(void **state) {
  (void)state;
  SKIP_WITHOUT_REPLICA();
  long long replica_reads =
      replica_metric("opora_db_reads_total{target=\"replica1\"}");
  assert_name(listed_name(rx.reader, NULL), "МБОУ СОШ № 1");
  assert_true(replica_metric("opora_db_reads_total{target=\"replica1\"}") >
              replica_reads);

  replay_pause(true);
  char *lsn = rename_school("МБОУ СОШ № 0 им. А. С. Пушкина");
  /* Without the position, another caller reads the replica: the old name,
   * which shows that the list is read there. */
  assert_name(listed_name(rx.reader, NULL), "МБОУ СОШ № 1");
  /* With it, the read waits for the replay in vain, then reads the
   * primary. */
  long long waited_out = replica_metric("opora_db_replay_waited_out_total");
  assert_name(listed_name(rx.reader, lsn), "МБОУ СОШ № 0 им. А. С. Пушкина");
  assert_true(replica_metric("opora_db_replay_waited_out_total") > waited_out);
  /* The writer itself needs no header on the instance it wrote on. */
  assert_name(listed_name(rx.writer, NULL), "МБОУ СОШ № 0 им. А. С. Пушкина");

  /* Replay resumed: the position is reached on the replica. */
  replay_pause(false);
  replica_catch_up();
  replica_reads = replica_metric("opora_db_reads_total{target=\"replica1\"}");
  assert_name(listed_name(rx.reader, lsn), "МБОУ СОШ № 0 им. А. С. Пушкина");
  assert_true(replica_metric("opora_db_reads_total{target=\"replica1\"}") >
              replica_reads);
  free(lsn);
}

/* A write on another instance (the harness's server reads only the
 * primary): its Opora-LSN makes the replica-reading server wait. */
static void test_position_across_instances(void **state) {
  (void)state;
  SKIP_WITHOUT_REPLICA();
  replica_catch_up();
  replay_pause(true);
  char *etag = etag_of(J("/api/v1/schools/%lld", rx.school));
  struct http_reply *w = http_patch(J("/api/v1/schools/%lld", rx.school), etag,
                                    J("{'short_name':'%s'}", "МБОУ СОШ № 00"));
  assert_status(w, 200);
  const char *lsn = http_header(w, "Opora-LSN");
  assert_non_null(lsn);
  assert_name(listed_name(rx.reader, NULL), "МБОУ СОШ № 0 им. А. С. Пушкина");
  assert_name(listed_name(rx.reader, lsn), "МБОУ СОШ № 00");
  http_reply_free(w);
  free(etag);
  replay_pause(false);
  replica_catch_up();
}

/* Opora-LSN that this deployment did not issue: 400 naming the header,
 * whether it is garbage, cut short or altered. A read's answer has none. */
static void test_bad_position(void **state) {
  (void)state;
  SKIP_WITHOUT_REPLICA();
  char *lsn = rename_school("МБОУ СОШ № 1");
  char altered[128];
  snprintf(altered, sizeof altered, "%s", lsn);
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  char *cut = harness_fmt("%.*s", (int)strlen(lsn) - 1, lsn);
  const char *bad[] = {"0/16B3748", "1", altered, cut, "1%%"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct http_reply *r = read_as(rx.reader, "/api/v1/schools", bad[i]);
    assert_problem(r, 400, "bad_request");
    assert_error_path(r, "header.Opora-LSN");
    http_reply_free(r);
  }
  struct http_reply *r = read_as(rx.reader, "/api/v1/schools", lsn);
  assert_status(r, 200);
  assert_null(http_header(r, "Opora-LSN"));
  http_reply_free(r);
  /* A write ignores it: it runs on the primary anyway. */
  char *etag = etag_of(J("/api/v1/schools/%lld", rx.school));
  char *if_match = harness_fmt("If-Match: %s", etag);
  const char *headers[] = {if_match, "Opora-LSN: 0/16B3748", NULL};
  r = http_request("PATCH", J("/api/v1/schools/%lld", rx.school),
                   J("{'short_name':'%s'}", "МБОУ СОШ № 1"), headers);
  assert_status(r, 200);
  assert_non_null(http_header(r, "Opora-LSN"));
  http_reply_free(r);
  free(if_match);
  free(etag);
  free(cut);
  free(lsn);
}

/* One official value written as writers do (indicator_values_lock). */
static void put_value(PGconn *pg, const char *period, bool commit) {
  char *sql = harness_fmt(
      "BEGIN; SELECT indicator_values_lock();"
      " INSERT INTO indicator_values (school_id, indicator_code, period,"
      " value, source, change_no) VALUES (%lld, 'TEACHERS_TOTAL', '%s', '41',"
      " 'submission', nextval('indicator_change_seq'))%s",
      rx.school, period, commit ? "; COMMIT" : "");
  PGresult *r = PQexec(pg, sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK &&
      PQresultStatus(r) != PGRES_TUPLES_OK)
    fail_msg("%s: %s", sql, PQerrorMessage(pg));
  PQclear(r);
  free(sql);
}

/* The feed read on the replica from `since`: appends every change number
 * to seen (failing on a repeat) and returns latest_change. */
static long long follow(long long since, long long *seen, size_t *n_seen) {
  struct http_reply *r =
      read_as(rx.reader, J(VALUES "?since=%lld&limit=500", since), NULL);
  assert_status(r, 200);
  json_t *item;
  size_t i;
  json_array_foreach(json_object_get(r->json, "items"), i, item) {
    long long change = jint(item, "change_no");
    for (size_t k = 0; k < *n_seen; k++)
      if (seen[k] == change)
        fail_msg("change %lld came twice", change);
    seen[(*n_seen)++] = change;
  }
  long long latest = jint(r->json, "latest_change");
  http_reply_free(r);
  return latest;
}

static void test_feed_exactly_once(void **state) {
  (void)state;
  SKIP_WITHOUT_REPLICA();
  char *admin = getenv("OPORA_TEST_ADMIN_URL");
  char *url = url_with_database(admin, db_name());
  PGconn *writer = PQconnectdb(url);
  free(url);
  assert_int_equal(PQstatus(writer), CONNECTION_OK);
  long long seen[64];
  size_t n_seen = 0;
  put_value(writer, "2021/22", true);
  replica_catch_up();
  long long cursor = follow(0, seen, &n_seen);
  assert_int_equal(n_seen, 1);

  /* An uncommitted writer holds the next change number: the feed read on
   * the replica does not pass it. */
  put_value(writer, "2022/23", false);
  long long held = db_count("SELECT last_value FROM indicator_change_seq");
  replica_catch_up();
  cursor = follow(cursor, seen, &n_seen);
  assert_int_equal(n_seen, 1);
  assert_true(cursor < held);
  PQclear(PQexec(writer, "COMMIT"));
  replica_catch_up();
  cursor = follow(cursor, seen, &n_seen);
  assert_int_equal(n_seen, 2);
  assert_int_equal(seen[1], held);

  /* Replay paused: commits on the primary are not seen, and the cursor
   * does not move past them. */
  replay_pause(true);
  put_value(writer, "2023/24", true);
  put_value(writer, "2024/25", true);
  assert_int_equal(follow(cursor, seen, &n_seen), cursor);
  assert_int_equal(n_seen, 2);
  replay_pause(false);
  replica_catch_up();
  cursor = follow(cursor, seen, &n_seen);
  /* Every change exactly once, the held one included. */
  assert_int_equal(n_seen, 4);
  assert_int_equal(cursor, db_count("SELECT max(change_no) FROM "
                                    "indicator_values"));
  assert_int_equal(db_count("SELECT count(*) FROM indicator_values"), 4);
  PQfinish(writer);
}

/* A stopped replica: reads go to the primary (answered, not 503), its
 * gauge says down; started again, reads return to it. */
static void test_replica_stops_and_returns(void **state) {
  (void)state;
  SKIP_WITHOUT_REPLICA();
  const char *ctl = getenv("OPORA_TEST_REPLICA_CTL");
  if (ctl == NULL)
    skip();
  PQfinish(rx.replica);
  rx.replica = NULL;
  char *stop = harness_fmt("%s stop >/dev/null", ctl);
  assert_int_equal(system(stop), 0);
  free(stop);
  for (int i = 0; i < 5; i++) {
    struct http_reply *r = read_as(rx.reader, "/api/v1/schools", NULL);
    assert_status(r, 200);
    http_reply_free(r);
  }
  assert_int_equal(replica_metric("opora_db_replica_up{target=\"replica1\"}"),
                   0);
  assert_true(replica_metric("opora_db_read_fallbacks_total") +
                  replica_metric("opora_db_reads_total{target=\"primary\"}") >
              0);

  char *start = harness_fmt("%s start >/dev/null", ctl);
  assert_int_equal(system(start), 0);
  free(start);
  replica_catch_up();
  /* Within the backoff (at most 0.8 s between probes) reads are back. */
  long long before =
      replica_metric("opora_db_reads_total{target=\"replica1\"}");
  double deadline = now_s() + 10;
  while (replica_metric("opora_db_reads_total{target=\"replica1\"}") ==
         before) {
    if (now_s() > deadline)
      fail_msg("reads did not return to the replica within 10 s");
    struct http_reply *r = read_as(rx.reader, "/api/v1/schools", NULL);
    assert_status(r, 200);
    http_reply_free(r);
    pause_ms(100);
  }
  assert_int_equal(replica_metric("opora_db_replica_up{target=\"replica1\"}"),
                   1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reads_see_writes),
      cmocka_unit_test(test_position_across_instances),
      cmocka_unit_test(test_bad_position),
      cmocka_unit_test(test_feed_exactly_once),
      cmocka_unit_test(test_replica_stops_and_returns),
  };
  rx.replica_url = getenv("OPORA_TEST_REPLICA_URL");
  if (rx.replica_url != NULL && rx.replica_url[0] == '\0')
    rx.replica_url = NULL;
  if (rx.replica_url == NULL)
    printf("OPORA_TEST_REPLICA_URL is not set: no replica to test with; "
           "skipped (scripts/test.sh starts one)\n");
  harness_start("replica");
  return harness_finish(cmocka_run_group_tests(tests, setup, teardown));
}
