/* API test harness: each test binary gets its own database and its own
 * `opora serve` process, talks to it over HTTP with libcurl and looks into
 * the database with libpq.
 *
 *   int main(void) {
 *     const struct CMUnitTest tests[] = {cmocka_unit_test(test_x)};
 *     harness_start("regions");
 *     return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
 *   }
 *
 * harness_start reads OPORA_TEST_ADMIN_URL (a libpq URL of a role that may
 * CREATE DATABASE), creates opora_t_<name>_<pid>, migrates it with
 * `opora migrate` and starts `opora serve` on a free 127.0.0.1 port with
 * OPORA_CORS_ORIGINS=HARNESS_ORIGIN and OPORA_MAX_BODY=HARNESS_MAX_BODY.
 * harness_stop sends SIGTERM, requires exit status 0 (sanitizer reports make
 * it non-zero) and drops the database. The server log is printed on failure.
 *
 * Every reply and helper result is owned by the caller unless noted; test
 * bodies are written with J() (see below). */
#ifndef OPORA_TEST_HARNESS_H
#define OPORA_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#define HARNESS_ORIGIN "https://opora-front.example"
#define HARNESS_MAX_BODY 65536

void harness_start(const char *name);
/* 0 when the server stopped cleanly with status 0 and the database was
 * dropped; otherwise prints why (and the server log tail) and returns 1. */
int harness_stop(void);
/* harness_stop, then the exit status for main: 0 when no test failed and
 * the server stopped cleanly. After a failure it exits at once with 1: a
 * failed cmocka assertion jumps past the test's frees, and the leak report
 * of the test process itself would only add noise. */
int harness_finish(int failed_tests);

/* --- callers ---------------------------------------------------------------
 * harness_start makes a global admin and sends its token with every request
 * (unless a request sets its own Authorization header). */

/* A user of `role` with scope kind ("global", "region", "municipality",
 * "school") and id (0 for global), made in the database; returns its id. */
long long make_user(const char *role, const char *scope_kind,
                    long long scope_id);
/* A fresh token (valid a day) for a user; ring buffer, do not free. */
const char *token_for_user(long long user_id);
/* make_user + token_for_user. */
const char *make_token(const char *role, const char *scope_kind,
                       long long scope_id);
/* Requests from now on carry this token (NULL: none); returns the previous
 * one (ring buffer) or NULL. */
const char *use_token(const char *token);

/* Runs `opora ARGS` (a shell word list) against the test database; returns
 * its standard output (ring buffer) and its exit status in *status. */
const char *run_opora(const char *args, int *status);
/* The running server's log file. */
const char *server_log_path(void);

/* --- HTTP ------------------------------------------------------------------
 */

struct http_reply {
  char method[16];
  char *path;
  long status;
  char *body; /* NUL-terminated; len excludes the NUL */
  size_t len;
  json_t *json; /* parsed body when it is JSON, else NULL */
  /* Response headers (pointers into `values`, NULL when absent). */
  const char *content_type;
  const char *etag;
  const char *location;
  const char *allow;
  const char *request_id;
  size_t n_headers;
  char **names, **values;
};

/* `headers`: NULL-terminated "Name: value" list or NULL. A body gets
 * Content-Type: application/json unless `headers` sets Content-Type
 * ("Content-Type:" with no value sends none). */
struct http_reply *http_request(const char *method, const char *path,
                                const char *body, const char *const *headers);
struct http_reply *http_request_n(const char *method, const char *path,
                                  const char *body, size_t len,
                                  const char *const *headers);
/* printf-style path; escape query values with esc(). */
struct http_reply *http_get(const char *path_fmt, ...)
    __attribute__((format(printf, 1, 2)));
struct http_reply *http_post(const char *path, const char *body);
/* etag: the If-Match value (e.g. reply->etag or "\"1\""); NULL sends none. */
struct http_reply *http_patch(const char *path, const char *etag,
                              const char *body);
struct http_reply *http_delete(const char *path, const char *etag);
void http_reply_free(struct http_reply *r);

/* Value of response header `name` (case-insensitive), or NULL. */
const char *http_header(const struct http_reply *r, const char *name);
/* True when the comma-separated header `name` lists `token`
 * (case-insensitive). */
int header_has_token(const struct http_reply *r, const char *name,
                     const char *token);

/* Sends raw bytes on a new connection and reads until the server closes it
 * (send "Connection: close"); returns what came back, NUL-terminated, and
 * its length in *len. Caller frees. For what curl will not send or hides. */
char *raw_http(const char *request, size_t request_len, size_t *len);
/* The two halves of raw_http: send on a new connection (returns the
 * socket, or -1 when the server refuses it), then read until closed. */
int raw_send(const char *request, size_t request_len);
char *raw_read(int fd, size_t *len);

/* The value of one series of /metrics, e.g.
 * "opora_kept_lookups_total{result=\"hit\"}" (fails when it is not there). */
long long metric_value(const char *series);

/* The server's port on 127.0.0.1, for tests that open their own sockets. */
int server_port(void);

/* A second `opora serve` on the same database, with the extra environment
 * `env` ("NAME=value", NULL-terminated, or NULL); returns its port once it
 * is ready. second_server_stop sends SIGTERM and asserts exit status 0. */
int second_server_start(const char *const *env);
void second_server_stop(int port);
/* Requests go to the server on `port` from now on; returns the previous
 * one (server_port()). */
int use_server(int port);

/* Signals the server process (e.g. SIGTERM to test shutdown; harness_stop
 * then only waits for it). */
void server_signal(int sig);
/* True while the server process has not exited. */
int server_running(void);

/* Seconds on the monotonic clock; sleeps ms milliseconds. */
double now_s(void);
void pause_ms(long ms);

/* Follows next_cursor from GET path (which may already have a query) with
 * ?limit=; asserts every page has at most `limit` items and no id repeats.
 * Returns all items (caller decrefs). */
json_t *list_all(const char *path, int limit);
/* "3,1,2": the ids of a JSON array of objects, in order. Caller frees. */
char *ids_of(const json_t *items);

/* --- text helpers (results live in a ring of 32 buffers owned by the
 * harness: use them at once, do not free) ------------------------------ */

/* printf-style JSON text in which ' stands for " (test bodies never need a
 * literal '), e.g. J("{'code':'%s','name':'Владимирская область'}", code). */
const char *J(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* printf-style text as it is (no ' for "), malloc'ed: the caller frees. */
char *harness_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* URL-encodes s for a query value. */
const char *esc(const char *s);
/* A code unique within this test run: "<prefix>-<n>". */
const char *uniq(const char *prefix);

/* Writes len bytes to the file `path` (of the build tree: tests run there),
 * for a reader outside the test (a workbook for openpyxl); fails the test
 * when it cannot. */
void file_write(const char *path, const char *bytes, size_t len);

/* JSON field accessors: 0 / NULL when missing or of another type. */
long long jint(const json_t *obj, const char *key);
const char *jstr(const json_t *obj, const char *key);

/* --- assertions (fail the current cmocka test, printing the reply) ------ */

#define assert_status(r, st) assert_status_at((r), (st), __FILE__, __LINE__)
/* Problem: status, application/problem+json, code, type, title, status,
 * request_id equal to the X-Request-Id header. */
#define assert_problem(r, st, code)                                            \
  assert_problem_at((r), (st), (code), __FILE__, __LINE__)
/* errors[] has an entry with this path. */
#define assert_error_path(r, path)                                             \
  assert_error_path_at((r), (path), __FILE__, __LINE__)
#define assert_error_count(r, n)                                               \
  assert_error_count_at((r), (n), __FILE__, __LINE__)
/* A 400 validation_failed problem whose errors are exactly `paths`
 * (NULL-terminated, any order). */
#define assert_validation(r, ...)                                              \
  assert_validation_at((r), __FILE__, __LINE__, __VA_ARGS__, (const char *)0)
#define assert_json_int(obj, key, want)                                        \
  assert_json_int_at((obj), (key), (want), __FILE__, __LINE__)
#define assert_json_str(obj, key, want)                                        \
  assert_json_str_at((obj), (key), (want), __FILE__, __LINE__)
#define assert_json_null(obj, key)                                             \
  assert_json_null_at((obj), (key), __FILE__, __LINE__)

void assert_status_at(const struct http_reply *r, long status, const char *file,
                      int line);
void assert_problem_at(const struct http_reply *r, long status,
                       const char *code, const char *file, int line);
void assert_error_path_at(const struct http_reply *r, const char *path,
                          const char *file, int line);
void assert_error_count_at(const struct http_reply *r, size_t n,
                           const char *file, int line);
void assert_validation_at(const struct http_reply *r, const char *file,
                          int line, ...);
void assert_json_int_at(const json_t *obj, const char *key, long long want,
                        const char *file, int line);
void assert_json_str_at(const json_t *obj, const char *key, const char *want,
                        const char *file, int line);
void assert_json_null_at(const json_t *obj, const char *key, const char *file,
                         int line);

/* --- database (a libpq connection to the test database) --------------- */

/* First column of the first row as an integer (printf-style SQL). */
long long db_count(const char *sql_fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* First column of the first row as text ("" for NULL). Caller frees. */
char *db_text(const char *sql_fmt, ...) __attribute__((format(printf, 1, 2)));
void db_exec(const char *sql_fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs SQL as the admin role on the admin database (e.g. ALTER DATABASE). */
void db_admin_exec(const char *sql_fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Name of the test database. */
const char *db_name(void);
/* Every row of every API table, hashed: equal fingerprints prove nothing
 * changed (counts, versions, values). Caller frees. */
char *db_fingerprint(void);
/* Compares with db_fingerprint() and frees `before`. */
#define assert_db_unchanged(before)                                            \
  assert_db_unchanged_at((before), __FILE__, __LINE__)
void assert_db_unchanged_at(char *before, const char *file, int line);

/* --- fixtures (through the API; each asserts 201 and returns the id) ---- */

/* POSTs body to path, asserts 201 with Location and ETag "1". */
long long api_create(const char *path, const char *body);
long long create_region(const char *code, const char *name);
long long create_municipality(long long region_id, const char *code,
                              const char *name);
/* A SOSH, RURAL school; code NULL = uniq("school"). */
long long create_school(long long municipality_id, const char *code,
                        const char *short_name);
long long create_status(long long school_id, const char *category, int year);

/* The Vladimir region (code "33") and Kovrov district, created once per
 * test database. */
struct territory {
  long long region_id;
  long long municipality_id;
};
struct territory kovrov(void);

/* ETag of GET path (caller frees). */
char *etag_of(const char *path);

/* --- checks every write endpoint shares -------------------------------- */

/* Body-shape and field errors derived from `valid_body` (a JSON object that
 * the endpoint would accept): truncated JSON, wrong top-level types, invalid
 * UTF-8, duplicate keys, empty body, wrong/missing Content-Type (415), an
 * unknown field, a wrong type for every field at once (one error per field)
 * and `{}` (naming every field of `required`, NULL-terminated, or any
 * validation error when required is NULL). Each must leave the database
 * unchanged. etag: If-Match to send (NULL for none). */
#define check_bad_bodies(method, path, etag, valid_body, required)             \
  check_bad_bodies_at((method), (path), (etag), (valid_body), (required),      \
                      __FILE__, __LINE__)
void check_bad_bodies_at(const char *method, const char *path, const char *etag,
                         const char *valid_body, const char *const *required,
                         const char *file, int line);

/* path_fmt has one %s where the id goes, `param` is its name ("id",
 * "status_id"...): abc, 0, -1, 1.5, 12abc and an int64 overflow -> 400
 * naming path.<param>; 999999 -> 404. etag and body are sent with each. */
#define check_bad_ids(method, path_fmt, param, etag, body)                     \
  check_bad_ids_at((method), (path_fmt), (param), (etag), (body), __FILE__,    \
                   __LINE__)
void check_bad_ids_at(const char *method, const char *path_fmt,
                      const char *param, const char *etag, const char *body,
                      const char *file, int line);

/* PATCH/DELETE without If-Match -> 428, with a stale one -> 412, with "*"
 * -> 412; the database unchanged after each. */
#define check_if_match(method, path, body)                                     \
  check_if_match_at((method), (path), (body), __FILE__, __LINE__)
void check_if_match_at(const char *method, const char *path, const char *body,
                       const char *file, int line);

#endif
