/* Hostile clients on raw sockets (src/conn_guard.c): slow request heads,
 * idle connections up to the caps, a body trickled below the minimum rate
 * (a push's transaction rolled back), an oversized head. The server runs
 * with small limits (main below); hostile connections come from their own
 * loopback addresses (127.0.0.x), so the per-address cap of the normal
 * client (curl, 127.0.0.1) is not theirs. Time bounds are generous: they
 * tell "answered" from "hangs", they do not measure speed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define CAP 16
#define CAP_PER_IP 8
#define HEAD_DEADLINE_S 2.0
#define UPLOAD_WINDOW_S 2.0
#define MARGIN_S 2.0 /* the watchdog's period and a loaded machine */
#define HEAD_LIMIT 8192

/* A connection to the server from the loopback address `from`. */
static int connect_from(const char *from) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in src = {.sin_family = AF_INET};
  inet_pton(AF_INET, from, &src.sin_addr);
  if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
    print_error("bind %s: %s\n", from, strerror(errno));
    fail();
  }
  struct sockaddr_in dst = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)server_port())};
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
    print_error("connect from %s: %s\n", from, strerror(errno));
    fail();
  }
  return fd;
}

static void send_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
    if (k <= 0)
      return; /* cut: the reader finds out */
    s += k;
    n -= (size_t)k;
  }
}

static bool readable_within(int fd, int ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, ms) == 1;
}

/* Everything until the server closes (or `ms` pass); NUL-terminated. */
static char *read_to_close(int fd, int ms) {
  size_t cap = 8192, used = 0;
  char *buf = malloc(cap);
  double until = now_s() + ms / 1000.0;
  while (now_s() < until && readable_within(fd, 100)) {
    if (cap - used < 2048)
      buf = realloc(buf, cap *= 2);
    ssize_t n = recv(fd, buf + used, cap - used - 1, 0);
    if (n <= 0)
      break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  return buf;
}

/* One answer on a kept-alive connection: its status, 0 if none came. */
static int read_one_answer(int fd) {
  char buf[8192];
  size_t used = 0;
  while (used < sizeof buf - 1 && readable_within(fd, 5000)) {
    ssize_t n = recv(fd, buf + used, sizeof buf - 1 - used, 0);
    if (n <= 0)
      break;
    used += (size_t)n;
    buf[used] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    const char *cl = strstr(buf, "Content-Length: ");
    if (end != NULL && cl != NULL &&
        used >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10))
      return atoi(buf + 9);
  }
  return 0;
}

static const char *header_in(const char *head, const char *name) {
  static char value[128];
  const char *p = strstr(head, name);
  if (p == NULL)
    return NULL;
  p += strlen(name);
  size_t n = strcspn(p, "\r\n");
  snprintf(value, sizeof value, "%.*s", (int)n, p);
  return value;
}

/* An answer the server made itself: status, problem+json with `code`,
 * X-Request-Id equal to the body's request_id, and it closes. */
static void assert_canned(const char *raw, int status, const char *code) {
  char line[32];
  snprintf(line, sizeof line, "HTTP/1.1 %d ", status);
  const char *body = strstr(raw, "\r\n\r\n");
  if (strncmp(raw, line, strlen(line)) != 0 || body == NULL) {
    print_error("expected %d %s, got: %.300s\n", status, code, raw);
    fail();
  }
  const char *ct = header_in(raw, "\r\nContent-Type: ");
  assert_non_null(ct);
  assert_string_equal(ct, "application/problem+json");
  json_t *j = json_loads(body + 4, 0, NULL);
  assert_non_null(j);
  assert_json_str(j, "code", code);
  assert_json_int(j, "status", status);
  char type[96];
  snprintf(type, sizeof type, "urn:opora:problem:%s", code);
  assert_json_str(j, "type", type);
  assert_non_null(jstr(j, "title"));
  const char *id = header_in(raw, "\r\nX-Request-Id: ");
  assert_non_null(id);
  assert_json_str(j, "request_id", id);
  json_decref(j);
}

/* A metric's value from /metrics (the first line starting with `name`),
 * -1 when there is none. */
static long long metric(const char *name) {
  struct http_reply *r = http_get("/metrics");
  assert_status(r, 200);
  char key[128];
  snprintf(key, sizeof key, "\n%s ", name);
  const char *p = strstr(r->body, key);
  long long v = p != NULL ? strtoll(p + strlen(key), NULL, 10) : -1;
  http_reply_free(r);
  return v;
}

/* Waits (bounded) until only the normal client's connection is open. */
static void wait_for_quiet(void) {
  for (int i = 0; i < 50 && metric("opora_connections_open") > 1; i++)
    pause_ms(100);
  assert_true(metric("opora_connections_open") <= 1);
}

static double health_worst; /* the slowest /health answer, in seconds */

static void assert_health_answered(void) {
  double t0 = now_s();
  struct http_reply *r = http_get("/health");
  assert_status(r, 200);
  http_reply_free(r);
  double took = now_s() - t0;
  health_worst = took > health_worst ? took : health_worst;
  assert_true(took < 5.0);
}

/* A head trickled a byte at a time is cut at the deadline with a 408. */
static void test_slow_head_is_cut(void **state) {
  (void)state;
  int fd = connect_from("127.0.0.2");
  double t0 = now_s();
  send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ", 39);
  while (!readable_within(fd, 400) && now_s() - t0 < 10)
    send_all(fd, "a", 1);
  double took = now_s() - t0;
  print_message("the slow head was cut after %.2f s\n", took);
  char *raw = read_to_close(fd, 2000);
  close(fd);
  if (took > HEAD_DEADLINE_S + MARGIN_S) {
    print_error("the slow head was cut after %.1f s\n", took);
    fail();
  }
  assert_true(took >= HEAD_DEADLINE_S - 0.1);
  assert_canned(raw, 408, "request_timeout");
  free(raw);
}

/* Slow heads from two addresses, near the cap: the normal client is
 * served meanwhile, and every slow head is cut by the deadline. */
static void test_slow_heads_do_not_lock_out(void **state) {
  (void)state;
  wait_for_quiet();
  long long cut_before = metric("opora_connections_cut_total{reason=\"late_"
                                "head\"}");
  enum { N = 2 * (CAP_PER_IP - 1) };
  int fds[N];
  bool done[N] = {false};
  double t0 = now_s();
  for (int i = 0; i < N; i++) {
    fds[i] = connect_from(i % 2 ? "127.0.0.3" : "127.0.0.4");
    send_all(fds[i], "GET /health HTTP/1.1\r\nX-Slow: ", 30);
  }
  int left = N;
  while (left > 0 && now_s() - t0 < HEAD_DEADLINE_S + MARGIN_S) {
    for (int i = 0; i < N; i++)
      if (!done[i] && readable_within(fds[i], 0)) {
        done[i] = true;
        left--;
      } else if (!done[i]) {
        send_all(fds[i], "a", 1);
      }
    if (now_s() - t0 < HEAD_DEADLINE_S - 0.5)
      assert_health_answered();
    pause_ms(200);
  }
  print_message("%d slow heads cut within %.2f s; /health took at most "
                "%.1f ms meanwhile\n",
                N - left, now_s() - t0, health_worst * 1000);
  if (left > 0) {
    print_error("%d of %d slow heads still open after %.1f s\n", left, N,
                now_s() - t0);
    fail();
  }
  for (int i = 0; i < N; i++) {
    char *raw = read_to_close(fds[i], 2000);
    assert_canned(raw, 408, "request_timeout");
    free(raw);
    close(fds[i]);
  }
  assert_health_answered();
  assert_true(metric("opora_connections_cut_total{reason=\"late_head\"}") >=
              cut_before + N);
}

/* n idle kept-alive connections from `from`, each after one answered
 * request; false for the first that was refused instead (its answer is
 * checked to be the 503). */
static int open_idle(const char *from, int *fds, int n) {
  const char *get = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < n; i++) {
    double t0 = now_s();
    fds[i] = connect_from(from);
    if (readable_within(fds[i], 50)) { /* refused at once */
      print_message("refused after %.1f ms\n", (now_s() - t0) * 1000);
      char *raw = read_to_close(fds[i], 2000);
      assert_canned(raw, 503, "server_busy");
      assert_non_null(strstr(raw, "\r\nRetry-After: 1\r\n"));
      assert_non_null(strstr(raw, "\r\nConnection: close\r\n"));
      free(raw);
      close(fds[i]);
      return i;
    }
    send_all(fds[i], get, strlen(get));
    assert_int_equal(read_one_answer(fds[i]), 200);
  }
  return n;
}

/* At either cap a new connection is answered 503 problem+json at once
 * rather than left in the backlog; other clients are served. */
static void test_caps_refuse_at_once(void **state) {
  (void)state;
  wait_for_quiet();
  long long refused_before = metric("opora_connections_refused_total");
  long long open_before = metric("opora_connections_open"); /* curl's */
  if (open_before < 0) /* no such metric: curl's connection, surely */
    open_before = 1;
  int a[CAP_PER_IP + 1], b[CAP];
  /* The per-address cap. */
  double t0 = now_s();
  assert_int_equal(open_idle("127.0.0.5", a, CAP_PER_IP + 1), CAP_PER_IP);
  assert_true(now_s() - t0 < 5.0);
  assert_health_answered(); /* another address is not affected */
  /* The global cap: what is left of it, then a refusal. */
  int room = CAP - CAP_PER_IP - (int)open_before;
  t0 = now_s();
  assert_int_equal(open_idle("127.0.0.6", b, room + 1), room);
  assert_true(now_s() - t0 < 5.0);
  assert_health_answered(); /* on curl's kept-alive connection */
  assert_int_equal(metric("opora_connections_refused_total"),
                   refused_before + 2);
  for (int i = 0; i < CAP_PER_IP; i++)
    close(a[i]);
  for (int i = 0; i < room; i++)
    close(b[i]);
  wait_for_quiet();
  int c[1];
  assert_int_equal(open_idle("127.0.0.6", c, 1), 1);
  close(c[0]);
}

/* A body trickled below the minimum rate is cut with a 408. */
static void test_slow_body_is_cut(void **state) {
  (void)state;
  int fd = connect_from("127.0.0.7");
  const char *head = "POST /api/v1/regions HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\n"
                     "X-Request-Id: slow-body-1\r\n"
                     "Content-Length: 60000\r\n\r\n";
  send_all(fd, head, strlen(head));
  double t0 = now_s();
  send_all(fd, "{\"code\": \"", 10);
  while (!readable_within(fd, 250) && now_s() - t0 < 15)
    send_all(fd, "aaaaaaaaaaaaaaaaaaaa", 20); /* 80 bytes a second */
  double took = now_s() - t0;
  print_message("the slow body was cut after %.2f s\n", took);
  char *raw = read_to_close(fd, 2000);
  close(fd);
  if (took > UPLOAD_WINDOW_S + MARGIN_S) {
    print_error("the slow body was cut after %.1f s\n", took);
    fail();
  }
  assert_true(took >= UPLOAD_WINDOW_S - 0.1);
  assert_canned(raw, 408, "request_timeout");
  assert_non_null(strstr(raw, "\r\nX-Request-Id: slow-body-1\r\n"));
  free(raw);
  assert_health_answered();
}

#define F1_HEADER                                                                                                              \
  "ОО;Муниципалитет;Название ОО;Код участника;Класс;Вариант;1 (1б);2 (1б);" \
  "3 (2б);4.1 (1б);4.2 (2б);Первичный балл;Отметка;Отметка по журналу\r\n"

/* A push whose body slows down below the minimum rate is cut, and what it
 * had written is rolled back. */
static void test_slow_push_is_cut_and_rolled_back(void **state) {
  (void)state;
  long long region = create_region(uniq("r"), "Орловская область");
  long long mun = create_municipality(region, uniq("m"), "Ливенский район");
  const char *school = uniq("edu57");
  create_school(mun, school, "МБОУ «Казанская СОШ»");
  long long id = api_create(
      "/api/v1/assessments",
      "{\"kind\": \"VPR\", \"year\": 2025, \"grade\": 5,"
      " \"subject_code\": \"math_slow\", \"subject_name\": \"Математика\","
      " \"held_on\": \"2025-04-15\", \"max_primary_score\": 7,"
      " \"mark3_from\": 2, \"mark4_from\": 4, \"mark5_from\": 6,"
      " \"tasks\": [{\"number\": \"1\", \"max_score\": 1, \"level\": "
      "\"basic\"},"
      " {\"number\": \"2\", \"max_score\": 1, \"level\": \"basic\"},"
      " {\"number\": \"3\", \"max_score\": 2, \"level\": \"basic\"},"
      " {\"number\": \"4.1\", \"max_score\": 1, \"level\": \"advanced\"},"
      " {\"number\": \"4.2\", \"max_score\": 2, \"level\": \"advanced\"}]}");
  size_t cap = 1 << 20, used = 0;
  char *rows = malloc(cap);
  used += (size_t)snprintf(rows, cap, "%s", F1_HEADER);
  for (int i = 1; i <= 3000; i++)
    used += (size_t)snprintf(rows + used, cap - used,
                             "%s;;;p-%d;5А;1;1;1;2;0;1;5;4;\r\n", school, i);
  const char *token = use_token(NULL);
  use_token(token);
  char head[512];
  snprintf(head, sizeof head,
           "POST /api/v1/assessments/%lld/results HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\nContent-Type: text/csv\r\n"
           "Content-Length: %zu\r\n\r\n",
           id, token, used + 100000);
  int fd = connect_from("127.0.0.8");
  send_all(fd, head, strlen(head));
  send_all(fd, rows, used); /* fast, then a trickle */
  double t0 = now_s();
  long long in_transaction = 0;
  while (!readable_within(fd, 250) && now_s() - t0 < 30) {
    send_all(fd, "p", 1);
    if (in_transaction == 0) /* the push has begun writing */
      in_transaction = db_count(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = "
          "current_database() AND pid <> pg_backend_pid() AND xact_start IS "
          "NOT NULL");
  }
  double took = now_s() - t0;
  print_message("the slow push was cut after %.2f s\n", took);
  assert_true(in_transaction > 0);
  char *raw = read_to_close(fd, 2000);
  close(fd);
  free(rows);
  /* The time the server spends on the rows sent is not the client's:
   * a sanitizer build takes seconds over them. */
  if (took > UPLOAD_WINDOW_S + 6 * MARGIN_S) {
    print_error("the slow push was cut after %.1f s\n", took);
    fail();
  }
  assert_canned(raw, 408, "request_timeout");
  free(raw);
  for (int i = 0; i < 30 && db_count("SELECT count(*) FROM pg_stat_activity"
                                     " WHERE datname = current_database()"
                                     " AND state LIKE 'idle in transaction%%'");
       i++)
    pause_ms(100);
  assert_int_equal(db_count("SELECT count(*) FROM assessment_results"
                            " WHERE assessment_id = %lld",
                            id),
                   0);
  assert_int_equal(db_count("SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database()"
                            " AND state LIKE 'idle in transaction%%'"),
                   0);
}

/* A head over OPORA_HEADER_MEMORY: 431 problem+json, not the library's
 * HTML page. */
static void test_oversized_head_is_a_problem(void **state) {
  (void)state;
  size_t pad = HEAD_LIMIT + 1000;
  char *req = malloc(pad + 128);
  int n = snprintf(req, pad + 128,
                   "GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: ");
  memset(req + n, 'a', pad);
  strcpy(req + n + pad, "\r\nConnection: close\r\n\r\n");
  size_t len;
  char *raw = raw_http(req, strlen(req), &len);
  assert_canned(raw, 431, "headers_too_large");
  free(raw);
  free(req);
  assert_health_answered();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_oversized_head_is_a_problem),
      cmocka_unit_test(test_slow_head_is_cut),
      cmocka_unit_test(test_slow_heads_do_not_lock_out),
      cmocka_unit_test(test_caps_refuse_at_once),
      cmocka_unit_test(test_slow_body_is_cut),
      cmocka_unit_test(test_slow_push_is_cut_and_rolled_back),
  };
  char n[16];
  snprintf(n, sizeof n, "%d", CAP);
  setenv("OPORA_MAX_CONNECTIONS", n, 1); /* the server inherits these */
  snprintf(n, sizeof n, "%d", CAP_PER_IP);
  setenv("OPORA_MAX_CONNECTIONS_PER_IP", n, 1);
  setenv("OPORA_HEADER_TIMEOUT", "2", 1);
  setenv("OPORA_MIN_UPLOAD_RATE", "1k", 1);
  setenv("OPORA_MIN_UPLOAD_WINDOW", "2", 1);
  setenv("OPORA_HEADER_MEMORY", "8k", 1);
  harness_start("hostile");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
