/* The harness's assertions, fixtures and the checks every write endpoint
 * shares. See harness.h. */
#include "harness_internal.h"

#include <arpa/inet.h>
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

/* --- assertions ------------------------------------------------------------
 */

static void print_reply(const struct http_reply *r) {
  print_error("  %s %s -> %ld %s\n  X-Request-Id: %s\n  body: %.*s%s\n",
              r->method, r->path, r->status,
              r->content_type ? r->content_type : "(no content type)",
              r->request_id ? r->request_id : "(none)",
              (int)(r->len > 1500 ? 1500 : r->len), r->body,
              r->len > 1500 ? "..." : "");
}

void harness_reply_fail(const struct http_reply *r, const char *file, int line,
                        const char *why, ...) {
  va_list ap;
  va_start(ap, why);
  char *msg = harness_vfmt(why, ap);
  va_end(ap);
  print_error("%s\n", msg);
  free(msg);
  print_reply(r);
  harness_fail_at(file, line);
}

void assert_status_at(const struct http_reply *r, long status, const char *file,
                      int line) {
  if (r->status != status)
    harness_reply_fail(r, file, line, "expected status %ld, got %ld", status,
                       r->status);
}

void assert_problem_at(const struct http_reply *r, long status,
                       const char *code, const char *file, int line) {
  assert_status_at(r, status, file, line);
  if (!r->content_type ||
      strncmp(r->content_type, "application/problem+json", 24) != 0)
    harness_reply_fail(r, file, line,
                       "expected Content-Type application/problem+json");
  if (!json_is_object(r->json))
    harness_reply_fail(r, file, line, "problem body is not a JSON object");
  const char *got = jstr(r->json, "code");
  if (!got || strcmp(got, code) != 0)
    harness_reply_fail(r, file, line, "expected problem code %s, got %s", code,
                       got ? got : "(none)");
  char type[128];
  snprintf(type, sizeof type, "urn:opora:problem:%s", code);
  const char *t = jstr(r->json, "type");
  if (!t || strcmp(t, type) != 0)
    harness_reply_fail(r, file, line, "expected type %s", type);
  if (jint(r->json, "status") != status)
    harness_reply_fail(r, file, line, "problem status member is not %ld",
                       status);
  if (!jstr(r->json, "title") || !jstr(r->json, "detail"))
    harness_reply_fail(r, file, line, "problem lacks title or detail");
  const char *rid = jstr(r->json, "request_id");
  if (!rid || !r->request_id || strcmp(rid, r->request_id) != 0)
    harness_reply_fail(
        r, file, line,
        "problem request_id differs from the X-Request-Id header");
}

static bool has_error_path(const struct http_reply *r, const char *path) {
  json_t *errors = json_object_get(r->json, "errors"), *e;
  size_t i;
  json_array_foreach(errors, i, e) {
    const char *p = jstr(e, "path");
    if (p && strcmp(p, path) == 0)
      return true;
  }
  return false;
}

void assert_error_path_at(const struct http_reply *r, const char *path,
                          const char *file, int line) {
  if (!has_error_path(r, path))
    harness_reply_fail(r, file, line, "expected an error with path %s", path);
}

void assert_error_count_at(const struct http_reply *r, size_t n,
                           const char *file, int line) {
  json_t *errors = json_object_get(r->json, "errors");
  if (!json_is_array(errors) || json_array_size(errors) != n)
    harness_reply_fail(r, file, line, "expected %zu errors", n);
  json_t *e;
  size_t i;
  json_array_foreach(errors, i, e) {
    if (!jstr(e, "path") || !jstr(e, "message"))
      harness_reply_fail(r, file, line, "errors[%zu] lacks path or message", i);
  }
}

/* The validation problem must name exactly the n paths. */
static void assert_paths(const struct http_reply *r, const char *const *paths,
                         size_t n, const char *file, int line) {
  assert_problem_at(r, 400, "validation_failed", file, line);
  for (size_t i = 0; i < n; i++)
    assert_error_path_at(r, paths[i], file, line);
  assert_error_count_at(r, n, file, line);
}

void assert_validation_at(const struct http_reply *r, const char *file,
                          int line, ...) {
  const char *paths[32];
  size_t n = 0;
  va_list ap;
  va_start(ap, line);
  for (const char *p; n < 32 && (p = va_arg(ap, const char *)) != NULL;)
    paths[n++] = p;
  va_end(ap);
  assert_paths(r, paths, n, file, line);
}

void assert_json_int_at(const json_t *obj, const char *key, long long want,
                        const char *file, int line) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_integer(v) || json_integer_value(v) != want) {
    char *dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    print_error("expected %s = %lld in %s\n", key, want,
                dump ? dump : "(null)");
    free(dump);
    harness_fail_at(file, line);
  }
}

void assert_json_str_at(const json_t *obj, const char *key, const char *want,
                        const char *file, int line) {
  const char *v = jstr(obj, key);
  if (!v || strcmp(v, want) != 0) {
    char *dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    print_error("expected %s = \"%s\" in %s\n", key, want,
                dump ? dump : "(null)");
    free(dump);
    harness_fail_at(file, line);
  }
}

void assert_json_null_at(const json_t *obj, const char *key, const char *file,
                         int line) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_null(v)) {
    char *dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    print_error("expected %s = null (present) in %s\n", key,
                dump ? dump : "(null)");
    free(dump);
    harness_fail_at(file, line);
  }
}

/* --- fixtures --------------------------------------------------------------
 */

long long api_create(const char *path, const char *body) {
  struct http_reply *r = http_post(path, body);
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  if (id <= 0)
    harness_reply_fail(r, __FILE__, __LINE__, "created resource has no id");
  char *tail = harness_fmt("/%lld", id);
  size_t lt = strlen(tail), ll = r->location ? strlen(r->location) : 0;
  if (ll < lt || strcmp(r->location + ll - lt, tail) != 0)
    harness_reply_fail(r, __FILE__, __LINE__, "Location does not end with %s",
                       tail);
  free(tail);
  if (!r->etag || strcmp(r->etag, "\"1\"") != 0)
    harness_reply_fail(r, __FILE__, __LINE__, "expected ETag \"1\"");
  http_reply_free(r);
  return id;
}

long long create_region(const char *code, const char *name) {
  return api_create("/api/v1/regions",
                    J("{'code':'%s','name':'%s'}", code, name));
}

long long create_municipality(long long region_id, const char *code,
                              const char *name) {
  return api_create(
      "/api/v1/municipalities",
      J("{'region_id':%lld,'code':'%s','name':'%s'}", region_id, code, name));
}

long long create_school(long long municipality_id, const char *code,
                        const char *short_name) {
  return api_create("/api/v1/schools",
                    J("{'municipality_id':%lld,'code':'%s','full_name':'%s',"
                      "'short_name':'%s','type':'SOSH','locality':'RURAL'}",
                      municipality_id, code ? code : uniq("school"), short_name,
                      short_name));
}

long long create_status(long long school_id, const char *category, int year) {
  char path[64];
  snprintf(path, sizeof path, "/api/v1/schools/%lld/statuses", school_id);
  return api_create(path, J("{'category':'%s','school_year':%d,"
                            "'basis':'приказ № 653-осн от 30.12.2020',"
                            "'included_on':'%d-09-01'}",
                            category, year, year));
}

struct territory kovrov(void) {
  static struct territory t;
  if (!t.region_id) {
    t.region_id = create_region("33", "Владимирская область");
    t.municipality_id =
        create_municipality(t.region_id, "33-kovrov", "Ковровский район");
  }
  return t;
}

char *etag_of(const char *path) {
  struct http_reply *r = http_get("%s", path);
  assert_status(r, 200);
  if (!r->etag)
    harness_reply_fail(r, __FILE__, __LINE__, "no ETag");
  char *e = strdup(r->etag);
  http_reply_free(r);
  return e;
}

/* --- shared checks ---------------------------------------------------------
 */

static const char *const *if_match_headers(const char *etag, char *line,
                                           size_t len, const char **list) {
  snprintf(line, len, "If-Match: %s", etag ? etag : "");
  list[0] = etag ? line : NULL;
  list[1] = NULL;
  return list;
}

static void expect_problem(const char *ctx, const char *method,
                           const char *path, const char *body, size_t len,
                           const char *const *headers, long status,
                           const char *code, const char *file, int line) {
  harness_state.ctx = ctx;
  char *before = db_fingerprint();
  struct http_reply *r = http_request_n(method, path, body, len, headers);
  assert_problem_at(r, status, code, file, line);
  http_reply_free(r);
  assert_db_unchanged_at(before, file, line);
  harness_state.ctx = NULL;
}

/* A copy of the JSON object text `obj` with `member` ("\"k\":v,") inserted
 * after its opening brace. */
static char *insert_member(const char *obj, const char *member) {
  const char *brace = strchr(obj, '{');
  return harness_fmt("%.*s%s%s", (int)(brace - obj + 1), obj, member,
                     brace + 1);
}

void check_bad_bodies_at(const char *method, const char *path, const char *etag,
                         const char *valid_body, const char *const *required,
                         const char *file, int line) {
  char im[128];
  const char *list[2];
  const char *const *hdr = if_match_headers(etag, im, sizeof im, list);
  json_t *valid = json_loads(valid_body, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(valid) || json_object_size(valid) == 0) {
    print_error("check_bad_bodies: valid_body is not a non-empty object\n");
    _fail(file, line);
  }
  size_t vlen = strlen(valid_body);

  /* Body shape: 400 invalid_json. */
  expect_problem("truncated JSON", method, path, valid_body, vlen - 1, hdr, 400,
                 "invalid_json", file, line);
  char *array = harness_fmt("[%s]", valid_body);
  expect_problem("top-level array", method, path, array, strlen(array), hdr,
                 400, "invalid_json", file, line);
  free(array);
  static const char *const scalars[] = {
      "\"text\"", "42", "null", "true", "{\"a\":1} {\"b\":2}", "{\"a\":1,}"};
  for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
    expect_problem(scalars[i], method, path, scalars[i], strlen(scalars[i]),
                   hdr, 400, "invalid_json", file, line);
  expect_problem("empty body", method, path, "", 0, hdr, 400, "invalid_json",
                 file, line);

  static const char *const bad_utf8[] = {
      "\"zz\":\"ab\xff\",",           /* not UTF-8 at all */
      "\"zz\":\"\xC3\x28\",",         /* bad continuation byte */
      "\"zz\":\"\xC0\xAF\",",         /* overlong '/' */
      "\"zz\":\"\xED\xA0\x80\",",     /* UTF-16 surrogate */
      "\"zz\":\"\xF4\x90\x80\x80\",", /* beyond U+10FFFF */
      "\"\xD0\":\"truncated key\",",  /* cut multi-byte sequence */
  };
  for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
    char *b = insert_member(valid_body, bad_utf8[i]);
    expect_problem("invalid UTF-8", method, path, b, strlen(b), hdr, 400,
                   "invalid_json", file, line);
    free(b);
  }

  const char *first_key = json_object_iter_key(json_object_iter(valid));
  char *first_val =
      json_dumps(json_object_get(valid, first_key), JSON_ENCODE_ANY);
  char *dup_member = harness_fmt("\"%s\":%s,", first_key, first_val);
  char *dup = insert_member(valid_body, dup_member);
  expect_problem("duplicate key", method, path, dup, strlen(dup), hdr, 400,
                 "invalid_json", file, line);
  free(dup);
  free(dup_member);
  free(first_val);

  /* Media type: 415. */
  static const char *const types[] = {
      "Content-Type: text/plain", "Content-Type: application/xml",
      "Content-Type: application/x-www-form-urlencoded", "Content-Type:"};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    const char *th[] = {types[i], etag ? im : NULL, NULL};
    expect_problem(types[i], method, path, valid_body, vlen, th, 415,
                   "unsupported_media_type", file, line);
  }

  /* Fields: 400 validation_failed naming each bad field. */
  char *before = db_fingerprint();
  harness_state.ctx = "unknown field";
  char *unknown = insert_member(valid_body, "\"zz_unknown\":1,");
  struct http_reply *r = http_request(method, path, unknown, hdr);
  assert_validation_at(r, file, line, "$.zz_unknown", (const char *)0);
  http_reply_free(r);
  free(unknown);

  harness_state.ctx = "a wrong type for every field at once";
  json_t *wrong = json_object();
  const char *paths[64] = {0};
  char *owned[64];
  size_t n = 0;
  const char *key;
  json_t *value;
  json_object_foreach(valid, key, value) {
    json_t *bad;
    if (json_is_string(value))
      bad = json_integer(12345);
    else if (json_is_null(value))
      continue;
    else if (json_is_array(value) || json_is_object(value))
      bad = json_string("x");
    else
      bad = json_string("12"); /* numbers and booleans */
    json_object_set_new(wrong, key, bad);
    if (n < 64) {
      owned[n] = harness_fmt("$.%s", key);
      paths[n] = owned[n];
      n++;
    }
  }
  char *wrong_text = json_dumps(wrong, JSON_COMPACT);
  r = http_request(method, path, wrong_text, hdr);
  assert_paths(r, paths, n, file, line);
  http_reply_free(r);
  free(wrong_text);
  json_decref(wrong);
  for (size_t i = 0; i < n; i++)
    free(owned[i]);

  harness_state.ctx = "empty object";
  r = http_request(method, path, "{}", hdr);
  if (required) {
    n = 0;
    for (size_t i = 0; required[i] && n < 64; i++) {
      owned[n] = harness_fmt("$.%s", required[i]);
      paths[n] = owned[n];
      n++;
    }
    assert_paths(r, paths, n, file, line);
    for (size_t i = 0; i < n; i++)
      free(owned[i]);
  } else {
    assert_problem_at(r, 400, "validation_failed", file, line);
  }
  http_reply_free(r);
  assert_db_unchanged_at(before, file, line);
  json_decref(valid);
  harness_state.ctx = NULL;
}

void check_bad_ids_at(const char *method, const char *path_fmt,
                      const char *param, const char *etag, const char *body,
                      const char *file, int line) {
  static const char *const bad[] = {"abc", "0",     "-1",
                                    "1.5", "12abc", "99999999999999999999"};
  char im[128];
  const char *list[2];
  const char *const *hdr = if_match_headers(etag, im, sizeof im, list);
  char *want = harness_fmt("path.%s", param);
  char *before = db_fingerprint();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    harness_state.ctx = bad[i];
    char *path = harness_fmt(path_fmt, bad[i]);
    struct http_reply *r = http_request(method, path, body, hdr);
    assert_problem_at(r, 400, "validation_failed", file, line);
    assert_error_path_at(r, want, file, line);
    http_reply_free(r);
    free(path);
  }
  harness_state.ctx = "999999";
  char *path = harness_fmt(path_fmt, "999999");
  struct http_reply *r = http_request(method, path, body, hdr);
  assert_problem_at(r, 404, "not_found", file, line);
  http_reply_free(r);
  free(path);
  free(want);
  assert_db_unchanged_at(before, file, line);
  harness_state.ctx = NULL;
}

void check_if_match_at(const char *method, const char *path, const char *body,
                       const char *file, int line) {
  size_t len = body ? strlen(body) : 0;
  expect_problem("no If-Match", method, path, body, len, NULL, 428,
                 "precondition_required", file, line);
  const char *stale[] = {"If-Match: \"999999\"", NULL};
  expect_problem("stale If-Match", method, path, body, len, stale, 412,
                 "precondition_failed", file, line);
  const char *star[] = {"If-Match: *", NULL};
  expect_problem("If-Match: *", method, path, body, len, star, 412,
                 "precondition_failed", file, line);
}
