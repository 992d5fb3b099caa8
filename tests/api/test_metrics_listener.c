/* OPORA_METRICS_LISTEN: /metrics moves to its own listener (an internal
 * address, say), which serves nothing else but /health. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static int metrics_port;

static int pick_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    abort();
  close(fd);
  return ntohs(a.sin_port);
}

static size_t discard(char *data, size_t size, size_t n, void *arg) {
  (void)data;
  (void)arg;
  return size * n;
}

/* The status of GET path on the metrics listener. */
static long metrics_get_status(const char *path) {
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", metrics_port, path);
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  return status;
}

static void test_metrics_only_on_their_listener(void **state) {
  (void)state;
  assert_int_equal(metrics_get_status("/metrics"), 200);
  assert_int_equal(metrics_get_status("/health"), 200);
  assert_int_equal(metrics_get_status("/api/v1/regions"), 404);
  assert_int_equal(metrics_get_status("/api/v1/openapi.yaml"), 404);
  struct http_reply *r = http_get("/metrics");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/regions");
  assert_status(r, 200);
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_metrics_only_on_their_listener),
  };
  metrics_port = pick_port();
  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", metrics_port);
  setenv("OPORA_METRICS_LISTEN", listen, 1); /* the server inherits it */
  harness_start("metrics_listener");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
