/* The API documentation in the browser: GET /api/v1/docs (Swagger UI's page)
 * and its files, compiled into the binary: types, caching (ETag, 304,
 * content-hashed links), gzip, the page's Content-Security-Policy, 404 for
 * any other file, and no token needed. The page in a real browser is the
 * browser test's. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct file {
  const char *name, *type;
  size_t min_size; /* a real copy, not a stub */
  int gzip;        /* also sent gzip'd */
};

static const struct file files[] = {
    {"swagger-ui-bundle.js", "text/javascript; charset=utf-8", 500000, 1},
    {"swagger-ui.css", "text/css; charset=utf-8", 50000, 1},
    {"init.js", "text/javascript; charset=utf-8", 100, 0},
    {"favicon-32x32.png", "image/png", 100, 0},
    {"LICENSE", "text/plain; charset=utf-8", 5000, 0},
};
#define N_FILES (sizeof files / sizeof files[0])

static struct http_reply *get_with(const char *path, const char *header) {
  const char *const headers[] = {header, NULL};
  return http_request("GET", path, NULL, headers);
}

/* The ?v= of `name` in the page's links, malloc'ed; NULL when none. */
static char *link_version(const char *page, const char *name) {
  char *needle = harness_fmt("\"docs/%s?v=", name);
  const char *at = strstr(page, needle);
  size_t skip = strlen(needle);
  free(needle);
  if (at == NULL)
    return NULL;
  at += skip;
  return strndup(at, strcspn(at, "\""));
}

static char *page_text(void) {
  struct http_reply *r = http_get("/api/v1/docs");
  assert_status(r, 200);
  char *text = strdup(r->body);
  http_reply_free(r);
  return text;
}

static void test_page(void **state) {
  (void)state;
  const char *token = use_token(NULL); /* public, like the spec */
  struct http_reply *r = http_get("/api/v1/docs");
  assert_status(r, 200);
  assert_string_equal(r->content_type, "text/html; charset=utf-8");
  assert_string_equal(http_header(r, "Cache-Control"), "no-cache");
  assert_string_equal(http_header(r, "X-Content-Type-Options"), "nosniff");
  assert_non_null(r->etag);
  assert_non_null(strstr(r->body, "<div id=\"swagger-ui\">"));
  /* Its files, from this server, by content hash; no inline script. */
  const char *links[] = {"swagger-ui.css", "swagger-ui-bundle.js", "init.js"};
  for (size_t i = 0; i < 3; i++) {
    char *v = link_version(r->body, links[i]);
    assert_non_null(v);
    assert_int_equal(strlen(v), 20);
    free(v);
  }
  assert_null(strstr(r->body, "<script>"));
  assert_null(strstr(r->body, "http"));
  /* Only this server's scripts; styles and data: images as Swagger UI
   * needs them. */
  const char *csp = http_header(r, "Content-Security-Policy");
  assert_non_null(csp);
  assert_non_null(strstr(csp, "default-src 'none'"));
  assert_non_null(strstr(csp, "script-src 'self';"));
  assert_non_null(strstr(csp, "connect-src 'self'"));
  assert_non_null(strstr(csp, "frame-ancestors 'none'"));
  char *etag = strdup(r->etag);
  http_reply_free(r);

  /* Revalidated: the same page answers 304 to its ETag. */
  char *match = harness_fmt("If-None-Match: %s", etag);
  r = get_with("/api/v1/docs", match);
  assert_status(r, 304);
  assert_int_equal(r->len, 0);
  assert_string_equal(r->etag, etag);
  http_reply_free(r);
  free(match);
  free(etag);

  r = http_request("HEAD", "/api/v1/docs", NULL, NULL);
  assert_status(r, 200);
  assert_int_equal(r->len, 0);
  assert_string_equal(r->content_type, "text/html; charset=utf-8");
  http_reply_free(r);
  use_token(token);
}

/* The spec is fetched relative to the page, so that a reverse proxy's
 * prefix still works; nothing is fetched from elsewhere. */
static void test_init_script(void **state) {
  (void)state;
  struct http_reply *r = http_get("/api/v1/docs/init.js");
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "'openapi.yaml'"));
  assert_non_null(strstr(r->body, "SwaggerUIBundle("));
  assert_non_null(strstr(r->body, "persistAuthorization: false"));
  assert_non_null(strstr(r->body, "validatorUrl: null"));
  assert_null(strstr(r->body, "http"));
  http_reply_free(r);
}

static void test_files(void **state) {
  (void)state;
  const char *token = use_token(NULL);
  char *page = page_text();
  for (size_t i = 0; i < N_FILES; i++) {
    const struct file *f = &files[i];
    char *v = link_version(page, f->name);
    char *path = v != NULL ? harness_fmt("/api/v1/docs/%s?v=%s", f->name, v)
                           : harness_fmt("/api/v1/docs/%s", f->name);
    struct http_reply *r = http_get("%s", path);
    assert_status(r, 200);
    assert_string_equal(r->content_type, f->type);
    assert_true(r->len >= f->min_size);
    assert_null(http_header(r, "Content-Encoding"));
    assert_string_equal(http_header(r, "Cache-Control"),
                        "public, max-age=31536000, immutable");
    assert_string_equal(http_header(r, "X-Content-Type-Options"), "nosniff");
    assert_non_null(r->etag);
    if (v != NULL) { /* the link names the content's ETag */
      char *quoted = harness_fmt("\"%s\"", v);
      assert_string_equal(r->etag, quoted);
      free(quoted);
    }
    if (f->gzip)
      assert_true(header_has_token(r, "Vary", "Accept-Encoding"));

    char *match = harness_fmt("If-None-Match: W/\"x\", %s", r->etag);
    struct http_reply *again = get_with(path, match);
    assert_status(again, 304);
    assert_int_equal(again->len, 0);
    assert_string_equal(again->etag, r->etag);
    http_reply_free(again);
    free(match);
    http_reply_free(r);
    free(path);
    free(v);
  }
  free(page);
  use_token(token);
}

/* gzip'd copies for clients that take them: smaller, with their own ETag,
 * and of the same content (the gzip trailer holds the original size). */
static void test_gzip(void **state) {
  (void)state;
  for (size_t i = 0; i < N_FILES; i++) {
    const struct file *f = &files[i];
    struct http_reply *plain = http_get("/api/v1/docs/%s", f->name);
    char *path = harness_fmt("/api/v1/docs/%s", f->name);
    struct http_reply *r = get_with(path, "Accept-Encoding: br, gzip");
    assert_status(r, 200);
    assert_string_equal(r->content_type, f->type);
    if (!f->gzip) {
      assert_null(http_header(r, "Content-Encoding"));
      assert_int_equal(r->len, plain->len);
    } else {
      assert_string_equal(http_header(r, "Content-Encoding"), "gzip");
      assert_true(header_has_token(r, "Vary", "Accept-Encoding"));
      assert_true(r->len > 18 && r->len < plain->len / 2);
      const unsigned char *b = (const unsigned char *)r->body;
      assert_true(b[0] == 0x1f && b[1] == 0x8b);
      const unsigned char *t = b + r->len - 4;
      size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 |
                     (size_t)t[3] << 24;
      assert_int_equal(isize, plain->len);
      char *etag =
          harness_fmt("%.*s-gz\"", (int)strlen(plain->etag) - 1, plain->etag);
      assert_string_equal(r->etag, etag);
      free(etag);

      /* gzip refused (q=0): the plain file. */
      struct http_reply *no = get_with(path, "Accept-Encoding: gzip;q=0, br");
      assert_status(no, 200);
      assert_null(http_header(no, "Content-Encoding"));
      assert_int_equal(no->len, plain->len);
      http_reply_free(no);
    }
    http_reply_free(r);
    http_reply_free(plain);
    free(path);
  }
}

static void test_unknown_file(void **state) {
  (void)state;
  const char *token = use_token(NULL);
  static const char *const names[] = {
      "index.html", "swagger-ui.js", "swagger-ui-bundle.js.map",
      "nope",       "init.js.gz",    "..%2Fopenapi.yaml"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct http_reply *r = http_get("/api/v1/docs/%s", names[i]);
    assert_problem(r, 404, "not_found");
    http_reply_free(r);
  }
  struct http_reply *r = http_get("/api/v1/docs/init.js/more");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/docs/init.js?w=1");
  assert_validation(r, "query.w");
  http_reply_free(r);
  r = http_post("/api/v1/docs", "{}");
  assert_problem(r, 405, "method_not_allowed");
  http_reply_free(r);
  use_token(token);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_page),         cmocka_unit_test(test_init_script),
      cmocka_unit_test(test_files),        cmocka_unit_test(test_gzip),
      cmocka_unit_test(test_unknown_file),
  };
  harness_start("docs");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
