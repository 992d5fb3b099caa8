/* The harness over HTTP: requests with libcurl, raw sockets, pages, and
 * the text helpers (J, esc, uniq). See harness.h. */
#include "harness_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- HTTP ------------------------------------------------------------------
 */

static size_t on_body(char *data, size_t size, size_t n, void *userdata) {
  struct http_reply *r = userdata;
  size_t add = size * n;
  char *p = realloc(r->body, r->len + add + 1);
  if (!p)
    return 0;
  memcpy(p + r->len, data, add);
  r->len += add;
  p[r->len] = '\0';
  r->body = p;
  return add;
}

static void clear_headers(struct http_reply *r) {
  for (size_t i = 0; i < r->n_headers; i++) {
    free(r->names[i]);
    free(r->values[i]);
  }
  free(r->names);
  free(r->values);
  r->names = r->values = NULL;
  r->n_headers = 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata) {
  struct http_reply *r = userdata;
  size_t len = size * n;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    clear_headers(r); /* a new response (after 100 Continue) */
    return len;
  }
  const char *colon = memchr(data, ':', len);
  if (!colon)
    return len;
  const char *v = colon + 1, *end = data + len;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  r->names = realloc(r->names, (r->n_headers + 1) * sizeof *r->names);
  r->values = realloc(r->values, (r->n_headers + 1) * sizeof *r->values);
  r->names[r->n_headers] = strndup(data, (size_t)(colon - data));
  r->values[r->n_headers] = strndup(v, (size_t)(end - v));
  r->n_headers++;
  return len;
}

const char *http_header(const struct http_reply *r, const char *name) {
  for (size_t i = 0; r && i < r->n_headers; i++)
    if (strcasecmp(r->names[i], name) == 0)
      return r->values[i];
  return NULL;
}

int header_has_token(const struct http_reply *r, const char *name,
                     const char *token) {
  const char *v = http_header(r, name);
  size_t tlen = strlen(token);
  while (v && *v) {
    v += strspn(v, " ,\t");
    size_t n = strcspn(v, ",");
    size_t m = n;
    while (m > 0 && (v[m - 1] == ' ' || v[m - 1] == '\t'))
      m--;
    if (m == tlen && strncasecmp(v, token, tlen) == 0)
      return 1;
    v += n;
  }
  return 0;
}

static bool has_header(const char *const *headers, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; headers && headers[i]; i++)
    if (strncasecmp(headers[i], name, n) == 0 && headers[i][n] == ':')
      return true;
  return false;
}

/* --- the record of exchanges ----------------------------------------------
 * With OPORA_TEST_EXCHANGES set to a file, every exchange through
 * harness_perform is one JSON line of it (the file is emptied first):
 * {"method", "path", "status", "headers": {lower-case name: value},
 * "body": text, left out when not UTF-8}. tests/api/check_answers.py holds
 * them against openapi.yaml. */

static void record_exchange(const struct http_reply *r) {
  static bool emptied;
  const char *file = getenv("OPORA_TEST_EXCHANGES");
  if (file == NULL || *file == '\0')
    return;
  json_t *headers = json_object();
  for (size_t i = 0; i < r->n_headers; i++) {
    char name[128];
    size_t n = 0;
    for (; r->names[i][n] != '\0' && n + 1 < sizeof name; n++)
      name[n] = (char)tolower((unsigned char)r->names[i][n]);
    name[n] = '\0';
    json_object_set_new(headers, name, json_string(r->values[i]));
  }
  json_t *line =
      json_pack("{s:s, s:s, s:I, s:o, s:o*}", "method", r->method, "path",
                r->path, "status", (json_int_t)r->status, "headers", headers,
                "body", json_stringn(r->body, r->len));
  char *text = line != NULL ? json_dumps(line, JSON_COMPACT) : NULL;
  FILE *f = fopen(file, emptied ? "a" : "w");
  emptied = true;
  if (f != NULL && text != NULL)
    fprintf(f, "%s\n", text);
  if (f != NULL)
    fclose(f);
  free(text);
  json_decref(line);
}

struct http_reply *harness_perform(const char *method, const char *path,
                                   const char *body, size_t len,
                                   const char *const *headers, bool quiet) {
  struct http_reply *r = calloc(1, sizeof *r);
  snprintf(r->method, sizeof r->method, "%s", method);
  r->path = strdup(path);
  char *url = harness_fmt("%s%s", harness_state.base, path);

  CURL *c = harness_state.curl;
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (strcmp(method, "GET") != 0)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  struct curl_slist *hl = NULL;
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (!has_header(headers, "Content-Type"))
      hl = curl_slist_append(hl, "Content-Type: application/json");
  }
  for (size_t i = 0; headers && headers[i]; i++)
    hl = curl_slist_append(hl, headers[i]);
  if (harness_state.auth_header[0] != '\0' &&
      !has_header(headers, "Authorization"))
    hl = curl_slist_append(hl, harness_state.auth_header);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hl);
  free(url);
  if (rc != CURLE_OK) {
    if (!quiet)
      print_error("%s %s: %s\n", method, path, curl_easy_strerror(rc));
    http_reply_free(r);
    if (quiet)
      return NULL;
    harness_fail_at(__FILE__, __LINE__);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  if (!r->body)
    r->body = calloc(1, 1);
  r->content_type = http_header(r, "Content-Type");
  r->etag = http_header(r, "ETag");
  r->location = http_header(r, "Location");
  r->allow = http_header(r, "Allow");
  r->request_id = http_header(r, "X-Request-Id");
  if (r->len > 0 && r->content_type && strstr(r->content_type, "json"))
    r->json = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL);
  record_exchange(r);
  return r;
}

struct http_reply *http_request_n(const char *method, const char *path,
                                  const char *body, size_t len,
                                  const char *const *headers) {
  return harness_perform(method, path, body, len, headers, false);
}

struct http_reply *http_request(const char *method, const char *path,
                                const char *body, const char *const *headers) {
  return harness_perform(method, path, body, body ? strlen(body) : 0, headers,
                         false);
}

struct http_reply *http_get(const char *path_fmt, ...) {
  va_list ap;
  va_start(ap, path_fmt);
  char *path = harness_vfmt(path_fmt, ap);
  va_end(ap);
  struct http_reply *r = http_request("GET", path, NULL, NULL);
  free(path);
  return r;
}

struct http_reply *http_post(const char *path, const char *body) {
  return http_request("POST", path, body, NULL);
}

static struct http_reply *with_if_match(const char *method, const char *path,
                                        const char *etag, const char *body) {
  char line[128];
  const char *headers[] = {line, NULL};
  snprintf(line, sizeof line, "If-Match: %s", etag ? etag : "");
  return http_request(method, path, body, etag ? headers : NULL);
}

struct http_reply *http_patch(const char *path, const char *etag,
                              const char *body) {
  return with_if_match("PATCH", path, etag, body);
}

struct http_reply *http_delete(const char *path, const char *etag) {
  return with_if_match("DELETE", path, etag, NULL);
}

void http_reply_free(struct http_reply *r) {
  if (!r)
    return;
  clear_headers(r);
  json_decref(r->json);
  free(r->body);
  free(r->path);
  free(r);
}

/* memmem, which C11 lacks. */
static const char *find_bytes(const char *hay, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(hay + i, needle, n) == 0)
      return hay + i;
  return NULL;
}

int server_port(void) {
  return atoi(strrchr(harness_state.base, ':') + 1);
}

int raw_send(const char *request, size_t request_len) {
  int port = server_port();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0)
    return -1;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  struct timeval tv = {20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  /* The caller's token goes after the request line, as for curl. */
  const char *line_end = find_bytes(request, request_len, "\r\n");
  char *with_auth = NULL;
  if (harness_state.auth_header[0] != '\0' && line_end != NULL &&
      find_bytes(request, request_len, "\r\nAuthorization:") == NULL) {
    size_t head = (size_t)(line_end - request) + 2,
           extra = strlen(harness_state.auth_header);
    with_auth = malloc(request_len + extra + 2);
    memcpy(with_auth, request, head);
    memcpy(with_auth + head, harness_state.auth_header, extra);
    memcpy(with_auth + head + extra, "\r\n", 2);
    memcpy(with_auth + head + extra + 2, request + head, request_len - head);
    request = with_auth;
    request_len += extra + 2;
  }
  for (size_t off = 0; off < request_len;) {
    ssize_t n = send(fd, request + off, request_len - off, MSG_NOSIGNAL);
    if (n <= 0)
      break; /* the server may answer early and close */
    off += (size_t)n;
  }
  free(with_auth);
  return fd;
}

char *raw_read(int fd, size_t *len) {
  size_t cap = 4096, used = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (cap - used < 2048)
      buf = realloc(buf, cap *= 2);
    ssize_t n = recv(fd, buf + used, cap - used - 1, 0);
    if (n <= 0)
      break;
    used += (size_t)n;
  }
  close(fd);
  buf[used] = '\0';
  *len = used;
  return buf;
}

char *raw_http(const char *request, size_t request_len, size_t *len) {
  int fd = raw_send(request, request_len);
  if (fd < 0) {
    print_error("raw_http: connect: %s\n", strerror(errno));
    fail();
  }
  return raw_read(fd, len);
}

void server_signal(int sig) {
  if (harness_state.server > 0) {
    kill(harness_state.server, sig);
    if (sig == SIGTERM)
      harness_state.term_sent = true;
  }
}

int server_running(void) {
  int status;
  if (harness_state.server <= 0)
    return 0;
  if (waitpid(harness_state.server, &status, WNOHANG) != harness_state.server)
    return 1;
  harness_state.server = 0;
  harness_state.server_status = status;
  harness_state.server_reaped = true;
  return 0;
}

char *ids_of(const json_t *items) {
  size_t cap = 64, used = 0;
  char *s = calloc(1, cap);
  json_t *item;
  size_t i;
  json_array_foreach(items, i, item) {
    char one[32];
    int n = snprintf(one, sizeof one, "%s%lld", i ? "," : "", jint(item, "id"));
    while (used + (size_t)n + 1 > cap)
      s = realloc(s, cap *= 2);
    memcpy(s + used, one, (size_t)n + 1);
    used += (size_t)n;
  }
  return s;
}

json_t *list_all(const char *path_in, int limit) {
  char *path = strdup(path_in); /* path_in may be a ring buffer */
  json_t *all = json_array();
  char *cursor = NULL;
  const char *sep = strchr(path, '?') ? "&" : "?";
  for (int page = 0;; page++) {
    struct http_reply *r = cursor ? http_get("%s%slimit=%d&cursor=%s", path,
                                             sep, limit, esc(cursor))
                                  : http_get("%s%slimit=%d", path, sep, limit);
    free(cursor);
    cursor = NULL;
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    json_t *next = json_object_get(r->json, "next_cursor");
    if (!json_is_array(items) || !(json_is_null(next) || json_is_string(next)))
      harness_reply_fail(r, __FILE__, __LINE__,
                         "expected {items: [...], next_cursor: string|null}");
    if (json_array_size(items) > (size_t)limit)
      harness_reply_fail(r, __FILE__, __LINE__, "page has more than %d items",
                         limit);
    json_t *item;
    size_t i;
    json_array_foreach(items, i, item) {
      json_t *seen;
      size_t j;
      json_array_foreach(all, j, seen) {
        if (jint(seen, "id") == jint(item, "id"))
          harness_reply_fail(r, __FILE__, __LINE__,
                             "id %lld seen on an earlier page",
                             jint(item, "id"));
      }
      json_array_append(all, item);
    }
    if (json_is_string(next) && page > 10000)
      harness_reply_fail(r, __FILE__, __LINE__, "paging does not end");
    if (json_is_string(next)) {
      if (json_array_size(items) == 0)
        harness_reply_fail(r, __FILE__, __LINE__,
                           "empty page with a next_cursor");
      cursor = strdup(json_string_value(next));
    }
    http_reply_free(r);
    if (!cursor) {
      free(path);
      return all;
    }
  }
}

/* --- text helpers ----------------------------------------------------------
 */

const char *J(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = harness_vfmt(f, ap);
  va_end(ap);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  return harness_ring_keep(s);
}

const char *esc(const char *s) {
  char *e = curl_easy_escape(harness_state.curl, s, 0);
  char *copy = strdup(e);
  curl_free(e);
  return harness_ring_keep(copy);
}

const char *uniq(const char *prefix) {
  return harness_ring_keep(
      harness_fmt("%s-%u", prefix, ++harness_state.uniq_next));
}

long long jint(const json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? json_integer_value(v) : 0;
}

const char *jstr(const json_t *obj, const char *key) {
  return json_string_value(json_object_get(obj, key));
}

long long metric_value(const char *series) {
  struct http_reply *r = http_get("/metrics");
  assert_status(r, 200);
  size_t n = strlen(series);
  const char *at = r->body;
  while ((at = strstr(at, series)) != NULL &&
         ((at != r->body && at[-1] != '\n') || at[n] != ' '))
    at += n;
  if (at == NULL)
    fail_msg("/metrics has no %s", series);
  long long v = atoll(at + n + 1);
  http_reply_free(r);
  return v;
}

double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}
