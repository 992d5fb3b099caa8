/* The push under concurrent change (docs/RELIABILITY.md): instruments of a
 * new year created at the same moment, a school deleted while a push runs,
 * a push held by a lock past its statement timeout, and ?replace=school
 * counts when a school's rows span batches. The server runs with a short
 * push statement timeout and batches of a few rows. */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "push_fixtures.h"

#define PUSH_TIMEOUT_MS 1000
#define BATCH_ROWS 4

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- fixtures ------------------------------------------------------------- */

/* Participants prefix-from .. prefix-to, scores by position. */
static void f1_rows(struct text *t, const char *code, const char *prefix,
                    int from, int to) {
  for (int i = from; i <= to; i++) {
    int s[5] = {i % 2, (i / 2) % 2, i % 3, (i / 3) % 2, (i / 5) % 3};
    char participant[64];
    snprintf(participant, sizeof participant, "%s-%d", prefix, i);
    f1_row(t, code, participant, s, 0);
  }
}

/* Schools whose kept participants and score sums differ from their rows. */
static long long stats_mismatches(long long id) {
  return db_count("SELECT count(*) FROM (SELECT school_id, count(*) AS n,"
                  " sum(primary_score) AS total FROM assessment_results"
                  " WHERE assessment_id = %lld GROUP BY 1) r"
                  " FULL JOIN (SELECT school_id, participants, primary_sum"
                  " FROM assessment_school_stats WHERE assessment_id = %lld) k"
                  " USING (school_id)"
                  " WHERE (r.n, r.total) IS DISTINCT FROM"
                  " (k.participants::bigint, k.primary_sum::numeric)",
                  id, id);
}

/* "HTTP/1.1 201 ..." -> 201. */
static int raw_status(const char *reply) {
  return strncmp(reply, "HTTP/1.1 ", 9) == 0 ? atoi(reply + 9) : 0;
}

/* --- the partition of a new year ------------------------------------------ */

#define PARALLEL 8

/* Instruments of a year with no partition yet, created at once: all 201,
 * and one partition. Several years, so that the race is met. */
static void test_new_year_created_at_once(void **state) {
  (void)state;
  for (int year = 2041; year < 2047; year++) {
    int fds[PARALLEL];
    for (int i = 0; i < PARALLEL; i++) {
      const char *body = instrument_json("math_race", year, true);
      struct text req = {0};
      text_add(&req,
               "POST /api/v1/assessments HTTP/1.1\r\nHost: x\r\n"
               "Content-Type: application/json\r\nContent-Length: %zu\r\n"
               "Connection: close\r\n\r\n%s",
               strlen(body), body);
      fds[i] = raw_send(req.s, req.len);
      free(req.s);
      assert_true(fds[i] >= 0);
    }
    for (int i = 0; i < PARALLEL; i++) {
      size_t len;
      char *reply = raw_read(fds[i], &len);
      if (raw_status(reply) != 201)
        fail_msg("year %d, request %d: %.300s", year, i, reply);
      free(reply);
    }
    assert_int_equal(db_count("SELECT count(*) FROM assessments"
                              " WHERE year = %d",
                              year),
                     PARALLEL);
    assert_int_equal(db_count("SELECT count(*) FROM pg_inherits i"
                              " JOIN pg_class c ON c.oid = i.inhrelid"
                              " WHERE i.inhparent = 'assessment_results'"
                              "::regclass AND c.relname = "
                              "'assessment_results_y%d'",
                              year),
                     1);
  }
}

/* --- a school deleted while a push runs ------------------------------------
 */

/* Waits until the push's COPY of new rows is open: its school codes are
 * read by then. */
static void wait_for_copy(void) {
  long long deadline = now_ms() + 10000;
  while (db_count("SELECT count(*) FROM pg_stat_activity"
                  " WHERE datname = current_database()"
                  " AND application_name = 'opora-push' AND state = 'active'"
                  " AND query LIKE 'COPY assessment_results %%'") == 0) {
    if (now_ms() > deadline)
      fail_msg("the push's COPY did not start");
    pause_ms(20);
  }
}

/* The body goes in two parts; between them the school of the first part is
 * deleted. The push answers 409 and writes nothing (its record ends
 * 'failed', with its counters and status); sent again, that school's rows
 * are unknown schools. */
static void test_school_deleted_during_push(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_race", 2025, true);
  struct text first = {0}, rest = {0}, all = {0};
  text_add(&first, F1_HEADER);
  f1_rows(&first, p.code[1], "gone", 1, 8000); /* over 256 KB of COPY */
  f1_rows(&rest, p.code[0], "kept", 1, 10);
  text_add(&all, "%s%s", first.s, rest.s);
  const char *token = ingest_token(&p);
  const char *before = use_token(token);
  struct text req = {0};
  text_add(&req,
           "POST /api/v1/assessments/%lld/results HTTP/1.1\r\nHost: x\r\n"
           "Content-Type: text/csv\r\nContent-Length: %zu\r\n"
           "Connection: close\r\n\r\n%s",
           id, first.len + rest.len, first.s);
  int fd = raw_send(req.s, req.len);
  assert_true(fd >= 0);
  wait_for_copy();
  db_exec("DELETE FROM schools WHERE id = %lld", p.school[1]);
  assert_int_equal(send(fd, rest.s, rest.len, MSG_NOSIGNAL), (ssize_t)rest.len);
  size_t len;
  char *reply = raw_read(fd, &len);
  if (raw_status(reply) != 409 || strstr(reply, "\"conflict\"") == NULL ||
      strstr(reply, p.code[1]) == NULL)
    fail_msg("%.600s", reply);
  free(reply);
  assert_int_equal(rows_of(id), 0);
  long long deadline = now_ms() + 5000; /* written as the push is freed */
  while (db_count("SELECT count(*) FROM imports WHERE assessment_id = %lld"
                  " AND outcome = 'failed'",
                  id) == 0 &&
         now_ms() < deadline)
    pause_ms(20);
  assert_int_equal(db_count("SELECT count(*) FROM imports WHERE assessment_id"
                            " = %lld AND outcome = 'failed' AND status = 409"
                            " AND rows_received = 8010 AND duration_ms >= 0",
                            id),
                   1);
  assert_int_equal(
      db_count("SELECT count(*) FROM imports WHERE assessment_id = %lld", id),
      1);
  /* Again: the deleted school's rows are refused (strict: all of it). */
  struct http_reply *r = push_csv(id, NULL, &all);
  assert_problem(r, 422, "import_rejected");
  assert_json_int(json_object_get(r->json, "import"), "rejected", 8000);
  http_reply_free(r);
  r = push_csv(id, "?mode=partial", &all);
  assert_status(r, 201);
  assert_json_int(r->json, "inserted", 10);
  http_reply_free(r);
  assert_int_equal(rows_of(id), 10);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(first.s);
  free(rest.s);
  free(all.s);
  free(req.s);
}

/* --- the push's statement timeout ----------------------------------------- */

/* A lock on the statistics, held past the push statement timeout: 503 with
 * Retry-After, nothing written; once the lock is gone the push goes in. The
 * holder's own session ends after 8 s, so that a push without a timeout
 * shows as a 201 rather than a hang. */
static void test_push_statement_timeout(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_race", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "t", 1, 5);
  PGconn *holder = PQconnectdb(getenv("DATABASE_URL"));
  assert_int_equal(PQstatus(holder), CONNECTION_OK);
  const char *hold[] = {"SET idle_in_transaction_session_timeout = '8s'",
                        "BEGIN",
                        "LOCK TABLE assessment_school_stats IN EXCLUSIVE MODE"};
  for (size_t i = 0; i < sizeof hold / sizeof hold[0]; i++) {
    PGresult *res = PQexec(holder, hold[i]);
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
  }
  const char *before = use_token(ingest_token(&p));
  long long started = now_ms();
  struct http_reply *r = push_csv(id, NULL, &t);
  long long took = now_ms() - started;
  assert_problem(r, 503, "database_unavailable");
  assert_non_null(http_header(r, "Retry-After"));
  assert_non_null(strstr(jstr(r->json, "detail"), "timeout"));
  http_reply_free(r);
  assert_true(took >= PUSH_TIMEOUT_MS && took < 6000);
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  assert_int_equal(rows_of(id), 0);
  r = push_csv(id, NULL, &t);
  assert_status(r, 201);
  assert_json_int(r->json, "inserted", 5);
  http_reply_free(r);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
}

/* --- ?replace=school over several batches --------------------------------- */

/* School A's rows span two batches of BATCH_ROWS: 4 unchanged, 2 updated,
 * 1 new, and the 4 it leaves out deleted; school B untouched. */
static void test_replace_school_spans_batches(void **state) {
  (void)state;
  struct place p = place_new(2);
  long long id = instrument_new("math_race", 2025, true);
  struct text t = {0};
  text_add(&t, F1_HEADER);
  f1_rows(&t, p.code[0], "a", 1, 10);
  f1_rows(&t, p.code[1], "b", 1, 3);
  const char *before = use_token(ingest_token(&p));
  struct http_reply *r = push_csv(id, NULL, &t);
  assert_status(r, 201);
  http_reply_free(r);
  struct text c = {0};
  text_add(&c, F1_HEADER);
  f1_rows(&c, p.code[0], "a", 1, 4);
  const int changed[5] = {1, 1, 2, 1, 2};
  f1_row(&c, p.code[0], "a-5", changed, 0);
  f1_row(&c, p.code[0], "a-6", changed, 0);
  f1_row(&c, p.code[0], "a-11", changed, 0);
  r = push_csv(id, "?replace=school", &c);
  assert_status(r, 201);
  assert_json_int(r->json, "received", 7);
  assert_json_int(r->json, "unchanged", 4);
  assert_json_int(r->json, "updated", 2);
  assert_json_int(r->json, "inserted", 1);
  assert_json_int(r->json, "deleted", 4);
  long long import = jint(r->json, "import_id");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT rows_deleted + 10 * rows_inserted"
                            " + 100 * rows_updated + 1000 * rows_unchanged"
                            " FROM imports WHERE id = %lld",
                            import),
                   4 + 10 + 200 + 4000);
  assert_int_equal(rows_of(id), 10);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_results"
                            " WHERE assessment_id = %lld AND participant_code"
                            " IN ('a-7', 'a-8', 'a-9', 'a-10')",
                            id),
                   0);
  assert_int_equal(stats_mismatches(id), 0);
  use_token(before);
  free(t.s);
  free(c.s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_year_created_at_once),
      cmocka_unit_test(test_school_deleted_during_push),
      cmocka_unit_test(test_push_statement_timeout),
      cmocka_unit_test(test_replace_school_spans_batches),
  };
  char ms[16], rows[16];
  snprintf(ms, sizeof ms, "%d", PUSH_TIMEOUT_MS);
  snprintf(rows, sizeof rows, "%d", BATCH_ROWS);
  setenv("OPORA_PUSH_STATEMENT_TIMEOUT", ms, 1);
  setenv("OPORA_PUSH_BATCH_ROWS", rows, 1);
  harness_start("push_race");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
