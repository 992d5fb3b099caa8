/* Readiness for systemd (Type=notify): a server started with NOTIFY_SOCKET
 * sends READY=1 to it once it listens and STOPPING=1 when SIGTERM comes, for
 * a socket path and for an abstract name ('@'). Without the variable (the
 * harness's own server) nothing is sent and nothing breaks. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

/* A datagram socket bound to name (a path, or '@' and an abstract name). */
static int bind_notify_socket(const char *name) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  size_t len = strlen(name);
  assert_true(len < sizeof a.sun_path);
  memcpy(a.sun_path, name, len);
  if (name[0] == '@')
    a.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  socklen_t a_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
                                (name[0] != '@'));
  assert_int_equal(bind(fd, (struct sockaddr *)&a, a_len), 0);
  return fd;
}

/* The next datagram within 10 s, NUL-terminated, into buf. */
static void receive(int fd, char *buf, size_t size) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  assert_int_equal(poll(&p, 1, 10000), 1);
  ssize_t n = recv(fd, buf, size - 1, 0);
  assert_true(n > 0);
  buf[n] = '\0';
}

/* Starts a second server notifying name, then stops it; checks both
 * messages (the first arrives before /ready answers, so it is waiting). */
static void check_notifications(const char *name) {
  int fd = bind_notify_socket(name);
  char env[160];
  snprintf(env, sizeof env, "NOTIFY_SOCKET=%s", name);
  const char *const vars[] = {env, NULL};
  int port = second_server_start(vars);
  char msg[512], status[64];
  receive(fd, msg, sizeof msg);
  snprintf(status, sizeof status, "STATUS=serving on 127.0.0.1:%d", port);
  assert_non_null(strstr(msg, "READY=1\n"));
  assert_non_null(strstr(msg, status));
  second_server_stop(port);
  receive(fd, msg, sizeof msg);
  assert_non_null(strstr(msg, "STOPPING=1\n"));
  close(fd);
}

static void test_ready_and_stopping_on_a_path(void **state) {
  (void)state;
  char path[108];
  snprintf(path, sizeof path, "/tmp/opora-notify-%d.sock", (int)getpid());
  unlink(path);
  check_notifications(path);
  unlink(path);
}

static void test_ready_and_stopping_on_an_abstract_name(void **state) {
  (void)state;
  char name[64];
  snprintf(name, sizeof name, "@opora-notify-%d", (int)getpid());
  check_notifications(name);
}

/* Unchanged without the variable: the harness's server serves on. */
static void test_nothing_without_notify_socket(void **state) {
  (void)state;
  struct http_reply *r = http_get("/ready");
  assert_status(r, 200);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ready_and_stopping_on_a_path),
      cmocka_unit_test(test_ready_and_stopping_on_an_abstract_name),
      cmocka_unit_test(test_nothing_without_notify_socket),
  };
  unsetenv("NOTIFY_SOCKET");
  harness_start("sd_notify");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
