/* The progress of a push (issue 21, docs/ASSESSMENTS.md "Progress"): its
 * record is written as its body starts to come and its counters about
 * once a second while it runs; the same Idempotency-Key meanwhile answers
 * 409 push_in_progress with the record; a record that stops moving shows
 * as interrupted; a failing side connection or a lock on the record does
 * not fail the push; the push metrics move. The body goes over a raw
 * socket, a part at a time with pauses longer than the progress interval. */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "push_fixtures.h"

#define PARTS 4
#define PART_ROWS 50
/* Longer than the progress interval (1 s). */
#define PAUSE_MS 1200

/* --- a push sent a part at a time ----------------------------------------- */

struct slow_push {
  long long id;      /* the instrument */
  const char *key;   /* its Idempotency-Key (a harness buffer: copied) */
  char key_text[64]; /* ... */
  struct text part[PARTS];
  struct text all; /* the whole body */
  int fd;
  const char *token;
};

/* Rows prefix-1 .. of the part; the first row of part `bad_part` names an
 * unknown school. */
static void slow_push_body(struct slow_push *s, const struct place *p,
                           const char *prefix, int bad_part) {
  text_add(&s->part[0], F1_HEADER);
  for (int k = 0; k < PARTS; k++)
    for (int i = 0; i < PART_ROWS; i++) {
      int n = k * PART_ROWS + i + 1;
      int sc[5] = {n % 2, (n / 2) % 2, n % 3, (n / 3) % 2, (n / 5) % 3};
      char participant[48];
      snprintf(participant, sizeof participant, "%s-%d", prefix, n);
      f1_row(&s->part[k],
             k == bad_part && i == 0 ? "no-such-school" : p->code[0],
             participant, sc, 0);
    }
  for (int k = 0; k < PARTS; k++)
    text_add(&s->all, "%s", s->part[k].s);
}

/* A push of a new instrument of place `p` by its ingest client, under a
 * key made from `key_label`, its rows named from `prefix` (`bad_part` as
 * above); requests from now on carry the client's token. Returns the
 * token they carried before. */
static const char *slow_push_prepare(struct slow_push *s, struct place *p,
                                     const char *key_label, const char *prefix,
                                     int bad_part) {
  s->id = instrument_new("math_progress", 2025, true);
  s->token = ingest_token(p);
  snprintf(s->key_text, sizeof s->key_text, "%s", uniq(key_label));
  s->key = s->key_text;
  slow_push_body(s, p, prefix, bad_part);
  return use_token(s->token);
}

/* The head and the first part; the rest waits. */
static void slow_push_start(struct slow_push *s, const char *query) {
  struct text req = {0};
  text_add(&req,
           "POST /api/v1/assessments/%lld/results%s HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\nContent-Type: text/csv\r\n"
           "Idempotency-Key: %s\r\nContent-Length: %zu\r\n"
           "Connection: close\r\n\r\n%s",
           s->id, query, s->token, s->key, s->all.len, s->part[0].s);
  s->fd = raw_send(req.s, req.len);
  assert_true(s->fd >= 0);
  free(req.s);
}

static void slow_push_send(struct slow_push *s, int k) {
  assert_int_equal(send(s->fd, s->part[k].s, s->part[k].len, MSG_NOSIGNAL),
                   (ssize_t)s->part[k].len);
}

static void slow_push_free(struct slow_push *s) {
  for (int k = 0; k < PARTS; k++)
    free(s->part[k].s);
  free(s->all.s);
}

/* "HTTP/1.1 409 ..." -> 409. */
static int raw_status(const char *reply) {
  return strncmp(reply, "HTTP/1.1 ", 9) == 0 ? atoi(reply + 9) : 0;
}

/* A header's value in a raw answer, into out ("" when absent). */
static void raw_header(const char *reply, const char *name, char *out,
                       size_t size) {
  out[0] = '\0';
  size_t n = strlen(name);
  for (const char *at = strstr(reply, "\r\n"); at != NULL && at[2] != '\r';
       at = strstr(at + 2, "\r\n"))
    if (strncasecmp(at + 2, name, n) == 0 && at[2 + n] == ':') {
      const char *v = at + 3 + n;
      while (*v == ' ')
        v++;
      size_t len = strcspn(v, "\r");
      snprintf(out, size, "%.*s", (int)len, v);
      return;
    }
}

static const char *raw_body(const char *reply) {
  const char *body = strstr(reply, "\r\n\r\n");
  return body ? body + 4 : "";
}

/* The instrument's running record, once it is there: its id. */
static long long running_record(long long assessment) {
  double deadline = now_s() + 10;
  for (;;) {
    struct http_reply *r =
        http_get("/api/v1/imports?state=running&assessment=%lld", assessment);
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    long long id =
        json_array_size(items) == 1 ? jint(json_array_get(items, 0), "id") : 0;
    http_reply_free(r);
    if (id > 0)
      return id;
    if (now_s() > deadline)
      fail_msg("no running record for instrument %lld", assessment);
    pause_ms(50);
  }
}

/* The record as GET /imports/{id} shows it. Caller decrefs. */
static json_t *record(long long id) {
  struct http_reply *r = http_get("/api/v1/imports/%lld", id);
  assert_status(r, 200);
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

/* The record's `received`, once it is over `than` (within 5 s). */
static long long received_over(long long id, long long than) {
  double deadline = now_s() + 5;
  for (;;) {
    json_t *doc = record(id);
    long long received = jint(doc, "received");
    assert_json_str(doc, "state", "running");
    json_decref(doc);
    if (received > than)
      return received;
    if (now_s() > deadline)
      fail_msg("record %lld: received stays at %lld", id, received);
    pause_ms(50);
  }
}

/* The same key, only the head (the body is not read before the answer):
 * 409 push_in_progress, with `running` as its record when not 0. */
static void key_replayed_while_running(const struct slow_push *s, size_t length,
                                       long long running) {
  struct text req = {0};
  text_add(&req,
           "POST /api/v1/assessments/%lld/results?mode=partial HTTP/1.1\r\n"
           "Host: x\r\nAuthorization: Bearer %s\r\nContent-Type: text/csv\r\n"
           "Idempotency-Key: %s\r\nContent-Length: %zu\r\n"
           "Connection: close\r\n\r\n",
           s->id, s->token, s->key, length);
  size_t len;
  char *reply = raw_http(req.s, req.len, &len);
  free(req.s);
  if (raw_status(reply) != 409)
    fail_msg("%.600s", reply);
  json_t *body = json_loads(raw_body(reply), 0, NULL);
  assert_non_null(body);
  assert_json_str(body, "code", "push_in_progress");
  assert_json_int(body, "status", 409);
  char value[128];
  raw_header(reply, "Retry-After", value, sizeof value);
  assert_string_equal(value, "5");
  raw_header(reply, "Location", value, sizeof value);
  if (running > 0) {
    assert_json_int(body, "import_id", running);
    assert_string_equal(value, J("/api/v1/imports/%lld", running));
  } else {
    assert_null(json_object_get(body, "import_id"));
    assert_string_equal(value, "");
  }
  json_decref(body);
  free(reply);
}

/* --- while it runs ---------------------------------------------------------
 */

/* The counters grow while the push runs, the key answers 409 with the
 * record, the metrics move; once it has committed the record is final and
 * the key replays the answer byte for byte. */
static void test_progress_while_running(void **state) {
  (void)state;
  struct place p = place_new(1);
  struct slow_push s = {0};
  const char *before = slow_push_prepare(&s, &p, "progress", "run", 1);
  long long committed =
                metric_value("opora_pushes_total{outcome=\"committed\"}"),
            received = metric_value("opora_push_rows_total{kind=\"received\"}"),
            accepted = metric_value("opora_push_rows_total{kind=\"accepted\"}"),
            rejected = metric_value("opora_push_rows_total{kind=\"rejected\"}");
  assert_int_equal(metric_value("opora_pushes_running"), 0);

  slow_push_start(&s, "?mode=partial");
  long long import = running_record(s.id);
  json_t *doc = record(import);
  assert_json_str(doc, "outcome", "running");
  assert_json_null(doc, "status");
  assert_json_null(doc, "duration_ms");
  assert_json_str(doc, "idempotency_key", s.key);
  assert_json_int(doc, "inserted", 0);
  assert_json_int(doc, "accepted", jint(doc, "received"));
  assert_string_equal(jstr(doc, "started_at"), jstr(doc, "created_at"));
  assert_int_equal(json_array_size(json_object_get(doc, "problems")), 0);
  long long seen = jint(doc, "received");
  json_decref(doc);
  assert_int_equal(metric_value("opora_pushes_running"), 1);

  /* The same key while it runs: with the same body, or another. */
  key_replayed_while_running(&s, s.all.len, import);
  key_replayed_while_running(&s, 10, import);

  for (int k = 1; k < PARTS - 1; k++) {
    pause_ms(PAUSE_MS);
    slow_push_send(&s, k);
    seen = received_over(import, seen);
  }
  doc = record(import);
  assert_json_int(doc, "rejected", 1); /* part 1's first row */
  assert_json_int(doc, "accepted", jint(doc, "received") - 1);
  json_decref(doc);
  assert_true(metric_value("opora_push_rows_total{kind=\"received\"}") >
              received);
  struct http_reply *r = http_get("/api/v1/imports?state=running");
  assert_status(r, 200);
  assert_int_equal(
      jint(json_array_get(json_object_get(r->json, "items"), 0), "id"), import);
  http_reply_free(r);

  slow_push_send(&s, PARTS - 1);
  size_t len;
  char *answer = raw_read(s.fd, &len);
  if (raw_status(answer) != 201)
    fail_msg("%.600s", answer);
  const long long total = PARTS * PART_ROWS;
  doc = record(import);
  assert_json_str(doc, "state", "committed");
  assert_json_str(doc, "outcome", "committed");
  assert_json_int(doc, "status", 201);
  assert_json_int(doc, "received", total);
  assert_json_int(doc, "accepted", total - 1);
  assert_json_int(doc, "inserted", total - 1);
  assert_json_int(doc, "rejected", 1);
  assert_true(strcmp(jstr(doc, "updated_at"), jstr(doc, "started_at")) > 0);
  assert_int_equal(json_array_size(json_object_get(doc, "problems")), 1);
  json_decref(doc);
  r = http_get("/api/v1/imports?state=running&assessment=%lld", s.id);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);

  /* Now the key replays the stored answer, byte for byte. */
  r = push(s.id, "?mode=partial", "text/csv", s.all.s, s.all.len, s.key);
  assert_status(r, 201);
  assert_string_equal(http_header(r, "Idempotent-Replayed"), "true");
  assert_string_equal(r->body, raw_body(answer));
  assert_string_equal(r->location, J("/api/v1/imports/%lld", import));
  http_reply_free(r);
  free(answer);

  assert_int_equal(
      metric_value("opora_pushes_total{outcome=\"committed\"}") - committed, 1);
  assert_int_equal(metric_value("opora_push_rows_total{kind=\"received\"}") -
                       received,
                   total);
  assert_int_equal(metric_value("opora_push_rows_total{kind=\"accepted\"}") -
                       accepted,
                   total - 1);
  assert_int_equal(
      metric_value("opora_push_rows_total{kind=\"rejected\"}") - rejected, 1);
  assert_int_equal(metric_value("opora_pushes_running"), 0);
  use_token(before);
  slow_push_free(&s);
}

/* --- interrupted -----------------------------------------------------------
 */

/* A record that has not moved for longer than a push can go without
 * writing shows as interrupted (the push is alive here: its timestamp is
 * set back); a dead process's record holds no key. */
static void test_interrupted(void **state) {
  (void)state;
  struct place p = place_new(1);
  struct slow_push s = {0};
  const char *before = slow_push_prepare(&s, &p, "stale", "st", -1);
  slow_push_start(&s, "");
  long long import = running_record(s.id);
  db_exec("UPDATE imports SET updated_at = now() - interval '1 day'"
          " WHERE id = %lld",
          import);
  json_t *doc = record(import);
  assert_json_str(doc, "state", "interrupted");
  assert_json_str(doc, "outcome", "running");
  json_decref(doc);
  struct http_reply *r =
      http_get("/api/v1/imports?state=interrupted&assessment=%lld", s.id);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
  r = http_get("/api/v1/imports?state=running&assessment=%lld", s.id);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  /* Its key is still held (its lock): 409, without a record to name. */
  key_replayed_while_running(&s, 10, 0);
  for (int k = 1; k < PARTS; k++)
    slow_push_send(&s, k);
  size_t len;
  char *answer = raw_read(s.fd, &len);
  if (raw_status(answer) != 201)
    fail_msg("%.600s", answer);
  free(answer);
  doc = record(import);
  assert_json_str(doc, "state", "committed");
  json_decref(doc);

  /* A process that died mid-push left this; the key is free again. */
  const char *key = uniq("dead");
  long long dead = db_count(
      "INSERT INTO imports (assessment_id, actor_kind, actor_id, actor_name,"
      " scope_kind, scope_id, idempotency_key, content_type, mode, dry_run,"
      " outcome, request_id, rows_received, created_at, updated_at)"
      " SELECT assessment_id, actor_kind, actor_id, actor_name, scope_kind,"
      " scope_id, '%s', content_type, mode, dry_run, 'running', 'dead', 40,"
      " now() - interval '2 hours', now() - interval '1 hour' FROM imports"
      " WHERE id = %lld RETURNING id",
      key, import);
  r = push(s.id, NULL, "text/csv", s.all.s, s.all.len, key);
  assert_status(r, 201);
  assert_null(http_header(r, "Idempotent-Replayed"));
  assert_true(jint(r->json, "import_id") > dead);
  http_reply_free(r);
  r = push(s.id, NULL, "text/csv", s.all.s, s.all.len, key);
  assert_status(r, 201);
  assert_string_equal(http_header(r, "Idempotent-Replayed"), "true");
  http_reply_free(r);
  doc = record(dead);
  assert_json_str(doc, "state", "interrupted");
  assert_json_int(doc, "received", 40);
  json_decref(doc);
  use_token(before);
  slow_push_free(&s);
}

/* --- the side connection fails -------------------------------------------- */

/* The longest time, over the next `for_ms`, that the side connection was
 * seen waiting on a lock. */
static long lock_wait_ms(long for_ms) {
  double end = now_s() + (double)for_ms / 1000, began = 0, longest = 0;
  while (now_s() < end) {
    bool waiting = db_count("SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database()"
                            " AND application_name = 'opora-progress'"
                            " AND wait_event_type = 'Lock'") > 0;
    double now = now_s();
    if (waiting && began == 0)
      began = now;
    if ((!waiting || now >= end) && began > 0) {
      longest = now - began > longest ? now - began : longest;
      began = 0;
    }
    pause_ms(5);
  }
  if (began > 0)
    longest = now_s() - began > longest ? now_s() - began : longest;
  return (long)(longest * 1000);
}

/* Its backend terminated, then the record locked by another session: the
 * progress is not written meanwhile, the push goes on (no wait on the
 * lock) and commits; the progress comes back. */
static void test_side_failures_do_not_fail_the_push(void **state) {
  (void)state;
  struct place p = place_new(1);
  struct slow_push s = {0};
  const char *before = slow_push_prepare(&s, &p, "side", "sd", -1);
  slow_push_start(&s, "");
  long long import = running_record(s.id);
  json_t *doc = record(import);
  long long seen = jint(doc, "received");
  json_decref(doc);
  assert_true(db_count("SELECT count(pg_terminate_backend(pid))"
                       " FROM pg_stat_activity WHERE datname ="
                       " current_database() AND application_name ="
                       " 'opora-progress'") >= 1);
  pause_ms(PAUSE_MS);
  slow_push_send(&s, 1); /* its progress meets the lost connection */
  pause_ms(PAUSE_MS);
  PGconn *holder = PQconnectdb(getenv("DATABASE_URL"));
  assert_int_equal(PQstatus(holder), CONNECTION_OK);
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT 1 FROM imports WHERE id = %lld FOR UPDATE",
           import);
  PQclear(PQexec(holder, "BEGIN"));
  PGresult *res = PQexec(holder, sql);
  assert_int_equal(PQntuples(res), 1);
  PQclear(res);
  res = PQexec(holder,
               J("SELECT rows_received FROM imports WHERE id = %lld", import));
  long long held = atoll(PQgetvalue(res, 0, 0));
  PQclear(res);
  assert_true(held == seen); /* part 1 was not written */
  slow_push_send(&s, 2);     /* its progress meets the lock */
  long waited = lock_wait_ms(PAUSE_MS);
  print_message("the progress waited %ld ms on the lock\n", waited);
  assert_true(waited > 0 && waited < 900); /* gave up, not held till now */
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  slow_push_send(&s, 3);
  size_t len;
  char *answer = raw_read(s.fd, &len);
  if (raw_status(answer) != 201)
    fail_msg("%.600s", answer);
  free(answer);
  doc = record(import);
  assert_json_str(doc, "state", "committed");
  assert_json_int(doc, "received", PARTS * PART_ROWS);
  json_decref(doc);
  use_token(before);
  slow_push_free(&s);
}

/* --- reading
 * ------------------------------------------------------------------
 */

static void test_state_filter_checked(void **state) {
  (void)state;
  struct http_reply *r = http_get("/api/v1/imports?state=stuck");
  assert_validation(r, "query.state");
  http_reply_free(r);
  r = http_get("/api/v1/imports?state=failed&limit=1");
  assert_status(r, 200);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_progress_while_running),
      cmocka_unit_test(test_interrupted),
      cmocka_unit_test(test_side_failures_do_not_fail_the_push),
      cmocka_unit_test(test_state_filter_checked),
  };
  harness_start("push_progress");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
