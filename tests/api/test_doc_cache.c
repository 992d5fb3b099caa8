/* The school document cache (src/core/doc_cache.c): GET /schools/{id} answered
 * from memory, never stale on the instance that wrote, bounded on others,
 * bypassed while its listener is away, the same answers (scope, ETag, 304)
 * as the database's. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static long long metric(const char *name) {
  struct http_reply *r = http_get("/metrics");
  assert_status(r, 200);
  const char *at = r->body;
  size_t n = strlen(name);
  long long value = -1;
  while ((at = strstr(at, name)) != NULL) {
    if ((at == r->body || at[-1] == '\n') && at[n] == ' ') {
      value = atoll(at + n + 1);
      break;
    }
    at += n;
  }
  http_reply_free(r);
  assert_true(value >= 0);
  return value;
}

static long long hits(void) {
  return metric("opora_doc_cache_hits_total");
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GET school until a GET is answered from the cache (a notification of
 * an earlier write may still drop the first one kept), with the same body
 * and ETag as from the database. Returns the body (caller frees). */
static char *warm(long long school) {
  struct http_reply *first = http_get("/api/v1/schools/%lld", school);
  assert_status(first, 200);
  for (int i = 0; i < 20; i++) {
    long long before = hits();
    struct http_reply *again = http_get("/api/v1/schools/%lld", school);
    assert_status(again, 200);
    assert_string_equal(again->body, first->body);
    assert_string_equal(again->etag, first->etag);
    assert_string_equal(again->content_type, first->content_type);
    http_reply_free(again);
    if (hits() == before + 1) {
      char *body = strdup(first->body);
      http_reply_free(first);
      return body;
    }
  }
  fail_msg("school %lld is never answered from the cache", school);
  return NULL;
}

/* GET school now: its body must contain `want`. */
static void assert_doc_has(long long school, const char *want) {
  struct http_reply *r = http_get("/api/v1/schools/%lld", school);
  assert_status(r, 200);
  if (strstr(r->body, want) == NULL)
    fail_msg("school %lld: %s lacks %s", school, r->body, want);
  http_reply_free(r);
}

static void patch_at(const char *path, const char *etag, const char *body) {
  struct http_reply *r = http_patch(path, etag, body);
  assert_status(r, 200);
  http_reply_free(r);
}

static void patch(const char *path, const char *body, long status) {
  char *etag = etag_of(path);
  struct http_reply *r = http_patch(path, etag, body);
  assert_status(r, status);
  http_reply_free(r);
  free(etag);
}

/* Every write that changes a school's document, each followed at once by
 * a GET on the same instance: the new document, never the kept one. */
static void test_writes_seen_at_once(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long other = create_municipality(t.region_id, uniq("m"), "Другой");
  long long school = create_school(t.municipality_id, NULL, "Школа");
  char path[64];
  snprintf(path, sizeof path, "/api/v1/schools/%lld", school);
  for (int i = 0; i < 20; i++) { /* many rounds: no race hides it */
    free(warm(school));
    patch(path, J("{'short_name':'Школа %d'}", i), 200);
    assert_doc_has(school, J("\"short_name\":\"Школа %d\"", i));
  }
  free(warm(school));
  long long status = create_status(school, "SHNOR", 2024);
  assert_doc_has(school, J("\"id\":%lld", status));
  char status_path[96];
  snprintf(status_path, sizeof status_path, "%s/statuses/%lld", path, status);
  free(warm(school));
  patch_at(status_path, "\"1\"", J("{'basis':'Приказ 7'}"));
  assert_doc_has(school, "Приказ 7");
  free(warm(school));
  patch_at(status_path, "\"2\"",
           J("{'excluded_on':'2025-01-10','exclusion_reason':'Снят'}"));
  assert_doc_has(school, "\"statuses\":[]");
  free(warm(school));
  patch(J("/api/v1/municipalities/%lld", t.municipality_id),
        J("{'name':'Ковровский район (новое имя)'}"), 200);
  assert_doc_has(school, "Ковровский район (новое имя)");
  free(warm(school));
  patch(path, J("{'municipality_id':%lld}", other), 200);
  assert_doc_has(school, J("\"municipality_id\":%lld", other));
  free(warm(school));
  /* Outside the API, in one statement: the triggers alone. */
  db_exec("UPDATE schools SET phone = '+7 000', version = version + 1"
          " WHERE id = %lld",
          school);
  long deadline = now_ms() + 2000;
  for (;;) {
    struct http_reply *r = http_get("%s", path);
    bool seen = strstr(r->body, "+7 000") != NULL;
    http_reply_free(r);
    if (seen)
      break;
    assert_true(now_ms() < deadline);
  }
  long long gone = create_school(t.municipality_id, NULL, "Удаляемая");
  snprintf(path, sizeof path, "/api/v1/schools/%lld", gone);
  free(warm(gone));
  char *etag = etag_of(path);
  struct http_reply *r = http_delete(path, etag);
  assert_status(r, 204);
  http_reply_free(r);
  free(etag);
  r = http_get("%s", path);
  assert_status(r, 404);
  http_reply_free(r);
}

/* 304 to a reader who holds the version, cached or not; the same ETag. */
static void test_if_none_match(void **state) {
  (void)state;
  long long school = create_school(kovrov().municipality_id, NULL, "ETag");
  char path[64];
  snprintf(path, sizeof path, "/api/v1/schools/%lld", school);
  const char *const current[] = {"If-None-Match: \"1\"", NULL};
  for (int i = 0; i < 2; i++) { /* the first from the database */
    long long before = hits();
    struct http_reply *r = http_request("GET", path, NULL, current);
    assert_status(r, 304);
    assert_string_equal(r->etag, "\"1\"");
    assert_int_equal(r->len, 0);
    http_reply_free(r);
    assert_int_equal(hits(), before + i);
  }
  const char *const old[] = {"If-None-Match: \"0\"", NULL};
  struct http_reply *r = http_request("GET", path, NULL, old);
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  http_reply_free(r);
}

/* The answer of GET path to token without its request id. */
static char *answer_of(const char *token, const char *path, long *status) {
  const char *previous = use_token(token);
  struct http_reply *r = http_get("%s", path);
  use_token(previous);
  *status = r->status;
  json_t *body = json_deep_copy(r->json);
  json_object_del(body, "request_id");
  char *text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref(body);
  http_reply_free(r);
  return text;
}

/* A kept document out of a reader's scope is answered as a missing one:
 * the same as the database answers it (compared before and after the
 * school is kept), for each kind of reader. */
static void test_scope(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long region_b = create_region(uniq("r"), "Другая область");
  long long muni_b = create_municipality(region_b, uniq("m"), "Район Б");
  long long muni_a2 = create_municipality(t.region_id, uniq("m"), "Район А2");
  long long mine = create_school(t.municipality_id, NULL, "Своя");
  long long far = create_school(muni_b, NULL, "Чужая");
  long long near = create_school(muni_a2, NULL, "Соседняя");
  long long curator = make_user("curator", "region", t.region_id);
  db_exec("INSERT INTO school_curators (school_id, full_name, starts_on,"
          " user_id) VALUES (%lld, 'Куратор', current_date - 30, %lld)",
          mine, curator);
  char tokens[4][64];
  snprintf(tokens[0], sizeof tokens[0], "%s",
           make_token("reader", "region", t.region_id));
  snprintf(tokens[1], sizeof tokens[1], "%s",
           make_token("municipal", "municipality", t.municipality_id));
  snprintf(tokens[2], sizeof tokens[2], "%s",
           make_token("school", "school", mine));
  snprintf(tokens[3], sizeof tokens[3], "%s", token_for_user(curator));
  const long long schools[] = {mine, far, near};
  for (size_t k = 0; k < sizeof tokens / sizeof tokens[0]; k++)
    for (size_t s = 0; s < 3; s++) {
      char path[64];
      snprintf(path, sizeof path, "/api/v1/schools/%lld", schools[s]);
      long before_status, after_status, again_status;
      char *before = answer_of(tokens[k], path, &before_status);
      free(warm(schools[s])); /* kept, by the global admin */
      char *after = answer_of(tokens[k], path, &after_status);
      char *again = answer_of(tokens[k], path, &again_status);
      assert_int_equal(after_status, before_status);
      assert_int_equal(again_status, before_status);
      assert_string_equal(after, before);
      assert_string_equal(again, before);
      free(before);
      free(after);
      free(again);
    }
  /* The matrix's expectations, in short: who sees what. */
  long status;
  free(answer_of(tokens[0], J("/api/v1/schools/%lld", far), &status));
  assert_int_equal(status, 404);
  free(answer_of(tokens[1], J("/api/v1/schools/%lld", near), &status));
  assert_int_equal(status, 404);
  free(answer_of(tokens[2], J("/api/v1/schools/%lld", near), &status));
  assert_int_equal(status, 404);
  free(answer_of(tokens[3], J("/api/v1/schools/%lld", mine), &status));
  assert_int_equal(status, 200);
  free(answer_of(tokens[3], J("/api/v1/schools/%lld", near), &status));
  assert_int_equal(status, 404);
}

/* A write on instance A reaches instance B's cache within 2 s. */
static void test_two_instances(void **state) {
  (void)state;
  long long school = create_school(kovrov().municipality_id, NULL, "Две");
  char path[64];
  snprintf(path, sizeof path, "/api/v1/schools/%lld", school);
  int b = second_server_start(NULL);
  int a = use_server(b);
  free(warm(school));
  use_server(a);
  patch(path, J("{'short_name':'Две (после)'}"), 200);
  long start = now_ms();
  use_server(b);
  for (;;) {
    struct http_reply *r = http_get("%s", path);
    assert_status(r, 200);
    bool seen = strstr(r->body, "Две (после)") != NULL;
    http_reply_free(r);
    if (seen)
      break;
    assert_true(now_ms() - start <= 2000);
  }
  printf("doc cache: a write on A seen on B after %ld ms\n", now_ms() - start);
  use_server(a);
  second_server_stop(b);
}

static long long listening(void) {
  return metric("opora_doc_cache_listening");
}

/* The listener's connection lost: the cache is bypassed (a write made
 * meanwhile is never served stale), then flushed and used again. */
static void test_listener_loss(void **state) {
  (void)state;
  long long school = create_school(kovrov().municipality_id, NULL, "Слух");
  free(warm(school));
  assert_int_equal(listening(), 1);
  /* No new connection (the server's own stay): the listener stays away. */
  db_admin_exec("ALTER DATABASE \"%s\" ALLOW_CONNECTIONS false", db_name());
  assert_int_equal(
      db_count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
               " WHERE datname = current_database()"
               " AND application_name = 'opora-docs'"),
      1);
  long deadline = now_ms() + 2000;
  while (listening() != 0)
    assert_true(now_ms() < deadline);
  db_exec("UPDATE schools SET short_name = 'Слух (пока никто не слушал)',"
          " version = version + 1 WHERE id = %lld",
          school);
  long long before = hits();
  assert_doc_has(school, "пока никто не слушал");
  assert_doc_has(school, "пока никто не слушал");
  assert_int_equal(hits(), before);
  db_admin_exec("ALTER DATABASE \"%s\" ALLOW_CONNECTIONS true", db_name());
  deadline = now_ms() + 3000;
  while (listening() != 1)
    assert_true(now_ms() < deadline);
  assert_doc_has(school, "пока никто не слушал");
  free(warm(school));
}

/* OPORA_DOC_CACHE_BYTES=0: no hits, the same answers; a bound of 4k: the
 * same answers, evictions, never more bytes than the bound. */
static void test_off_and_bound(void **state) {
  (void)state;
  long long school[12];
  for (int i = 0; i < 12; i++)
    school[i] = create_school(kovrov().municipality_id, NULL, "Граница");
  create_status(school[0], "SHNOR", 2024);
  const char *const off_env[] = {"OPORA_DOC_CACHE_BYTES=0", NULL};
  const char *const tiny_env[] = {"OPORA_DOC_CACHE_BYTES=4k", NULL};
  int off = second_server_start(off_env);
  int tiny = second_server_start(tiny_env);
  int first = use_server(off);
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 12; i++) {
      use_server(off);
      struct http_reply *want = http_get("/api/v1/schools/%lld", school[i]);
      use_server(tiny);
      struct http_reply *got = http_get("/api/v1/schools/%lld", school[i]);
      assert_status(got, 200);
      assert_string_equal(got->body, want->body);
      assert_string_equal(got->etag, want->etag);
      http_reply_free(want);
      http_reply_free(got);
    }
  use_server(off);
  assert_int_equal(hits(), 0);
  assert_int_equal(metric("opora_doc_cache_bytes"), 0);
  use_server(tiny);
  assert_true(metric("opora_doc_cache_evictions_total") > 0);
  assert_true(metric("opora_doc_cache_bytes") <= 4096);
  assert_true(metric("opora_doc_cache_bytes") > 0);
  free(warm(school[11]));
  use_server(first);
  second_server_stop(off);
  second_server_stop(tiny);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_writes_seen_at_once),
      cmocka_unit_test(test_if_none_match),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_two_instances),
      cmocka_unit_test(test_listener_loss),
      cmocka_unit_test(test_off_and_bound),
  };
  harness_start("doc_cache");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
