/* The bulk push refuses before its body and has a ceiling (issue 17):
 * a refused push (no token, no permission, a missing instrument, bad
 * parameters, a wrong type, a length over the ceiling) is answered and its
 * connection closed at once, without reading the body, however large or
 * endless the upload; a body that grows past OPORA_MAX_PUSH_BODY is rolled
 * back, answered 413 while the answer can still be sent and hung up
 * otherwise; nothing of a refused or cut push is written (a cut push keeps
 * a 'failed' record, which holds no key), and the same push with the same
 * Idempotency-Key then succeeds. Uploads here go over
 * raw sockets: curl would not send an endless body. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The test server's ceiling, small so that it is reached quickly. */
#define PUSH_CEILING (1024 * 1024)
/* What an upload refused at its headers may have written before the
 * answer: the kernel's socket buffers (a few MB on loopback), far less
 * than what an unbounded drain would take in. */
#define REFUSED_WRITE_MAX (24ll << 20)
/* What an upload cut at the ceiling may have written: the ceiling, the
 * server's bounded drain (16 MiB) and the buffers. */
#define CUT_WRITE_MAX (64ll << 20)
/* An upload that goes on until the server stops it. */
#define ENDLESS (1ll << 40)

#define F1_HEADER                                                              \
  "ОО;Код участника;Класс;Вариант;1 (2б);2 (2б);Первичный балл;Отметка\n"

/* The harness's admin: each test starts as it, and returns to it. */
static char admin_token[512];

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- fixtures ------------------------------------------------------------ */

struct place {
  long long region, municipality, school;
  char code[32];
};

static struct place place_new(void) {
  struct place p;
  p.region = create_region(uniq("r"), "Орловская область");
  p.municipality = create_municipality(p.region, uniq("m"), "Ливенский район");
  snprintf(p.code, sizeof p.code, "%s", uniq("edu57"));
  p.school = create_school(p.municipality, p.code, "МБОУ «Казанская СОШ»");
  return p;
}

/* Two tasks of two points each; mark 3 from 1, 4 from 2, 5 from 3. */
static long long instrument_new(void) {
  static int n;
  return api_create(
      "/api/v1/assessments",
      J("{'kind': 'VPR', 'year': 2025, 'grade': 5,"
        " 'subject_code': 'math_refusal_%d', 'subject_name': 'Математика',"
        " 'held_on': '2025-04-15', 'max_primary_score': 4, 'mark3_from': 1,"
        " 'mark4_from': 2, 'mark5_from': 3,"
        " 'tasks': [{'number': '1', 'max_score': 2, 'level': 'basic'},"
        " {'number': '2', 'max_score': 2, 'level': 'basic'}]}",
        ++n));
}

static long long rows_of(long long id) {
  return db_count("SELECT count(*) FROM assessment_results"
                  " WHERE assessment_id = %lld",
                  id);
}

/* Records that hold the key: those that stored their answer. */
static long long records_with_key(const char *key) {
  return db_count("SELECT count(*) FROM imports WHERE idempotency_key = '%s'"
                  " AND outcome NOT IN ('running', 'failed')",
                  key);
}

/* The status of the key's 'failed' record (NULL status: 0), once it is
 * there: written as the push is freed, which may follow its answer. */
static long long failed_status(const char *key) {
  long deadline = now_ms() + 5000;
  while (db_count("SELECT count(*) FROM imports WHERE idempotency_key = '%s'"
                  " AND outcome = 'failed'",
                  key) == 0) {
    if (now_ms() > deadline)
      fail_msg("no failed record with key %s", key);
    pause_ms(20);
  }
  return db_count("SELECT coalesce(status, 0) FROM imports"
                  " WHERE idempotency_key = '%s' AND outcome = 'failed'",
                  key);
}

/* Rows from participant `from` on, up to `len` bytes, into buf; returns
 * the bytes written and advances *from. */
static size_t rows_fill(char *buf, size_t len, const char *school, long *from) {
  size_t used = 0;
  for (;;) {
    char row[128];
    int n = snprintf(row, sizeof row, "%s;p-%ld;5А;1;1;0;1;3\n", school, *from);
    if (used + (size_t)n > len)
      return used;
    memcpy(buf + used, row, (size_t)n);
    used += (size_t)n;
    (*from)++;
  }
}

/* --- an upload over a raw socket ------------------------------------------ */

struct upload {
  const char *school;     /* NULL: the body is filler, not rows */
  bool chunked;           /* else Content-Length: `length` */
  long long length;       /* the body's length (ENDLESS: never ends) */
  long long health_after; /* > 0: GET /health once this much is written */
  /* What happened. */
  long long written; /* body bytes sent */
  long answered_ms;  /* from the headers to the first byte of the answer */
  bool closed;       /* the server closed the connection */
  long status;
  json_t *problem; /* the answer's JSON body, or NULL */
  char *head;      /* the answer's status line and headers */
  long health_ms;  /* how long /health took meanwhile (-1: not asked) */
};

/* Sends the next piece of the body; false when the server will take no
 * more (it answered, closed, or the body is complete). */
static bool upload_piece(int fd, struct upload *u, long *row) {
  static char piece[65536 + 32];
  char *data = piece + 16;
  size_t want = 65536;
  if (u->length != ENDLESS && u->length - u->written < (long long)want)
    want = (size_t)(u->length - u->written);
  size_t n = u->school != NULL ? rows_fill(data, want, u->school, row) : want;
  if (u->school == NULL)
    memset(data, 'x', n);
  size_t off = 16, len = n;
  if (u->chunked) {
    char size[16];
    int k = snprintf(size, sizeof size, "%zx\r\n", n);
    off = 16 - (size_t)k;
    memcpy(piece + off, size, (size_t)k);
    memcpy(data + n, "\r\n", 2);
    len = (size_t)k + n + 2;
    if (u->length != ENDLESS && u->written + (long long)n >= u->length) {
      memcpy(data + n + 2, "0\r\n\r\n", 5);
      len += 5;
    }
  }
  for (size_t sent = 0; sent < len;) {
    ssize_t k = send(fd, piece + off + sent, len - sent, MSG_NOSIGNAL);
    if (k < 0 && errno == EAGAIN) {
      struct pollfd p = {fd, POLLOUT | POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0 || (p.revents & ~POLLOUT))
        return false;
      continue;
    }
    if (k <= 0)
      return false;
    sent += (size_t)k;
  }
  u->written += (long long)n;
  return u->length == ENDLESS || u->written < u->length;
}

/* Reads the answer, and whether the connection then closes, within 10 s. */
static void upload_answer(int fd, struct upload *u) {
  char *buf = malloc(1 << 16);
  size_t used = 0;
  long deadline = now_ms() + 10000;
  while (now_ms() < deadline && used < (1 << 16) - 1) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0)
      continue;
    ssize_t n = recv(fd, buf + used, (1 << 16) - 1 - used, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      u->closed = true;
      break;
    }
    if (n > 0)
      used += (size_t)n;
  }
  buf[used] = '\0';
  char *body = strstr(buf, "\r\n\r\n");
  if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
    u->status = strtol(buf + 9, NULL, 10);
  if (body != NULL) {
    u->problem = json_loads(body + 4, JSON_DISABLE_EOF_CHECK, NULL);
    *body = '\0';
  }
  u->head = buf;
}

/* Sends the headers of a POST to path, and `first_line` as the start of
 * the body (a chunk of its own when chunked); returns the socket, non-
 * blocking. The caller's token (use_token) is sent unless `headers` has
 * an Authorization line. */
static int upload_open(const char *path, const char *headers, struct upload *u,
                       const char *first_line) {
  char head[2048], length[48], first[256] = "";
  size_t first_len = first_line ? strlen(first_line) : 0;
  snprintf(length, sizeof length, "Content-Length: %lld", u->length);
  if (first_len > 0 && u->chunked)
    snprintf(first, sizeof first, "%zx\r\n%s\r\n", first_len, first_line);
  else if (first_len > 0)
    snprintf(first, sizeof first, "%s", first_line);
  int n = snprintf(
      head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\n%s%s\r\n\r\n%s", path,
      headers, u->chunked ? "Transfer-Encoding: chunked" : length, first);
  u->written = (long long)first_len;
  int fd = raw_send(head, (size_t)n);
  assert_true(fd >= 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/* Once this much is written, GET /health on another connection: it must be
 * answered within 2 s while the upload goes on. */
static void health_alongside(struct upload *u) {
  long t0 = now_ms();
  struct http_reply *h = http_get("/health");
  assert_status(h, 200);
  http_reply_free(h);
  u->health_ms = now_ms() - t0;
  assert_true(u->health_ms < 2000);
}

/* POSTs the headers and then the body of `u` to path, piece by piece,
 * until the server answers or stops reading; then reads its answer. */
static void upload_run(const char *path, const char *headers, struct upload *u,
                       const char *first_line) {
  int fd = upload_open(path, headers, u, first_line);
  long start = now_ms(), row = 1;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) > 0)
      break; /* the answer, or the close */
    if (u->written > CUT_WRITE_MAX || !upload_piece(fd, u, &row))
      break;
    if (u->health_after > 0 && u->health_ms < 0 && u->written > u->health_after)
      health_alongside(u);
  }
  upload_answer(fd, u);
  u->answered_ms = now_ms() - start;
  close(fd);
}

static void upload_free(struct upload *u) {
  json_decref(u->problem);
  free(u->head);
}

/* The refusal came as a problem+json with this status and code, before the
 * client could write much, and the server closed the connection. */
static void assert_refused_at_headers(struct upload *u, long status,
                                      const char *code) {
  if (u->status != status || u->problem == NULL ||
      strcmp(jstr(u->problem, "code"), code) != 0 || !u->closed ||
      u->written > REFUSED_WRITE_MAX) {
    print_error("wanted %ld %s, closed, <= %lld bytes written; got %ld "
                "(closed: %d, %lld bytes written, %ld ms):\n%s\n",
                status, code, REFUSED_WRITE_MAX, u->status, (int)u->closed,
                u->written, u->answered_ms, u->head ? u->head : "");
    fail();
  }
  assert_non_null(strstr(u->head, "application/problem+json"));
  assert_non_null(strstr(u->head, "X-Request-Id: "));
  assert_true(u->answered_ms < 10000);
}

/* --- refused at the headers ------------------------------------------------
 */

struct refusal {
  const char *what;
  const char *token; /* "": none */
  const char *query;
  const char *headers;
  bool missing_instrument;
  long status;
  const char *code;
};

static void refused_upload(const struct refusal *r, long long id, bool chunked,
                           long long length) {
  use_token(r->token[0] ? r->token : NULL);
  struct upload u = {.chunked = chunked, .length = length};
  upload_run(J("/api/v1/assessments/%lld/results%s",
               r->missing_instrument ? id + 1000000 : id, r->query),
             r->headers, &u, NULL);
  print_message("%s, %s: %ld after %lld bytes, %ld ms\n", r->what,
                chunked ? "endless chunked" : "Content-Length", u.status,
                u.written, u.answered_ms);
  assert_refused_at_headers(&u, r->status, r->code);
  upload_free(&u);
  use_token(admin_token);
}

static void test_refused_before_the_body(void **state) {
  (void)state;
  struct place p = place_new();
  long long id = instrument_new();
  /* Copies: the harness's ring of texts turns over in the loop below. */
  char ingest[256], reader[256], school[256];
  snprintf(ingest, sizeof ingest, "%s",
           make_token("ingest", "region", p.region));
  snprintf(reader, sizeof reader, "%s",
           make_token("reader", "region", p.region));
  snprintf(school, sizeof school, "%s",
           make_token("school", "school", p.school));
  const char *csv = "Content-Type: text/csv\r\n";
  const struct refusal cases[] = {
      {"no token", "", "", csv, false, 401, "unauthorized"},
      {"a bad token", "opora_bad", "", csv, false, 401, "unauthorized"},
      {"a reader", reader, "", csv, false, 403, "forbidden"},
      {"a school", school, "", csv, false, 403, "forbidden"},
      {"a missing instrument", ingest, "", csv, true, 404, "not_found"},
      {"a bad mode", ingest, "?mode=all", csv, false, 400, "validation_failed"},
      {"an unknown parameter", ingest, "?force=1", csv, false, 400,
       "validation_failed"},
      {"a bad key", ingest, "",
       "Content-Type: text/csv\r\nIdempotency-Key: has space\r\n", false, 400,
       "bad_request"},
      {"no type", ingest, "", "", false, 415, "unsupported_media_type"},
      {"a wrong type", ingest, "", "Content-Type: text/plain\r\n", false, 415,
       "unsupported_media_type"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    refused_upload(&cases[i], id, false, 4ll << 30); /* 4 GB announced */
    refused_upload(&cases[i], id, true, ENDLESS);
  }
  /* A length over the ceiling is refused before anything else is asked. */
  const struct refusal over = {"over the ceiling", ingest, "", csv, false, 413,
                               "payload_too_large"};
  refused_upload(&over, id, false, PUSH_CEILING + 1);
  assert_int_equal(rows_of(id), 0);
  assert_int_equal(db_count("SELECT count(*) FROM imports WHERE assessment_id"
                            " = %lld",
                            id),
                   0);
}

/* --- the ceiling ------------------------------------------------------------
 */

static const char *key_header(const char *key) {
  return J("Content-Type: text/csv\r\nIdempotency-Key: %s\r\n", key);
}

/* The same push, small and whole, with the same key: 201, its rows kept. */
static void retry_succeeds(long long id, const struct place *p,
                           const char *key) {
  struct upload u = {.school = p->code, .chunked = true, .length = 4096};
  upload_run(J("/api/v1/assessments/%lld/results", id), key_header(key), &u,
             F1_HEADER);
  if (u.status != 201) {
    char *body = json_dumps(u.problem, 0);
    fail_msg("the retry answered %ld:\n%s\n%s", u.status, u.head, body);
  }
  assert_int_equal(rows_of(id), jint(u.problem, "inserted"));
  assert_true(rows_of(id) > 0);
  upload_free(&u);
}

/* A chunked body that ends a little past the ceiling: 413 (the rest is
 * still drained politely), nothing written, the retry works. */
static void test_over_the_ceiling_answered(void **state) {
  (void)state;
  struct place p = place_new();
  long long id = instrument_new();
  use_token(make_token("ingest", "region", p.region));
  char key[64];
  snprintf(key, sizeof key, "%s", uniq("over-ceiling"));
  struct upload u = {
      .school = p.code, .chunked = true, .length = PUSH_CEILING * 3 / 2};
  upload_run(J("/api/v1/assessments/%lld/results", id), key_header(key), &u,
             F1_HEADER);
  if (u.status != 413 || strcmp(jstr(u.problem, "code"), "payload_too_large"))
    fail_msg("wanted 413 payload_too_large, got %ld:\n%s", u.status, u.head);
  assert_non_null(strstr(u.head, "X-Request-Id: "));
  assert_int_equal(rows_of(id), 0);
  assert_int_equal(records_with_key(key), 0);
  assert_int_equal(failed_status(key), 413);
  upload_free(&u);
  retry_succeeds(id, &p, key);
  use_token(admin_token);
}

/* An endless chunked body of good rows: cut (hung up) after the ceiling and
 * a bounded drain, nothing committed; /health is served meanwhile; the
 * retry with the same key works. */
static void test_endless_body_cut(void **state) {
  (void)state;
  struct place p = place_new();
  long long id = instrument_new();
  use_token(make_token("ingest", "region", p.region));
  char key[64];
  snprintf(key, sizeof key, "%s", uniq("endless"));
  struct upload u = {.school = p.code,
                     .chunked = true,
                     .length = ENDLESS,
                     .health_after = PUSH_CEILING / 2,
                     .health_ms = -1};
  upload_run(J("/api/v1/assessments/%lld/results", id), key_header(key), &u,
             F1_HEADER);
  print_message("endless body: closed %d after %lld bytes, %ld ms, status "
                "%ld; /health meanwhile in %ld ms\n",
                (int)u.closed, u.written, u.answered_ms, u.status, u.health_ms);
  assert_true(u.health_ms >= 0);
  assert_true(u.closed);
  assert_true(u.written <= CUT_WRITE_MAX);
  assert_true(u.written > PUSH_CEILING);
  assert_int_equal(rows_of(id), 0);
  assert_int_equal(records_with_key(key), 0);
  (void)failed_status(key); /* 413, or none if the answer could not go */
  upload_free(&u);
  retry_succeeds(id, &p, key);
  use_token(admin_token);
}

static int as_admin(void **state) {
  (void)state;
  use_token(admin_token);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_refused_before_the_body, as_admin),
      cmocka_unit_test_setup(test_over_the_ceiling_answered, as_admin),
      cmocka_unit_test_setup(test_endless_body_cut, as_admin),
  };
  char ceiling[32];
  snprintf(ceiling, sizeof ceiling, "%d", PUSH_CEILING);
  setenv("OPORA_MAX_PUSH_BODY", ceiling, 1);
  harness_start("push_refusals");
  snprintf(admin_token, sizeof admin_token, "%s", use_token(NULL));
  use_token(admin_token);
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
