/* The social context of schools per school year (docs/CONTEXT.md): read
 * and written per school and year with ETags, listed per school and per
 * region, imported in bulk. */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define IMPORT "/api/v1/social-context:import"
#define CTX_VALID                                                              \
  "{\"parents_higher_education\":18.5,\"single_parent\":27.3,"                 \
  "\"unemployed_parents\":9.1,\"low_income\":21.4,"                            \
  "\"non_russian_at_home\":0.5,\"preventive_register\":2.7,"                   \
  "\"disabilities\":7.6,\"pupils\":184}"

static long long school_a, school_b, school_far, muni_b;

/* Two schools of Ковров and one of a municipality of its own. */
static void schools(void) {
  if (school_a != 0)
    return;
  school_a = create_school(kovrov().municipality_id, "ctx-a",
                           "МБОУ «Мелеховская ООШ №2»");
  school_b = create_school(kovrov().municipality_id, "ctx-b",
                           "МБОУ «Иваново-Эсинская СОШ»");
  muni_b = create_municipality(kovrov().region_id, "ctx-m", "Другой район");
  school_far = create_school(muni_b, "ctx-far", "МБОУ «Дальняя СОШ»");
}

static const char *path_of(long long school, int year) {
  return J("/api/v1/schools/%lld/social-context/%d", school, year);
}

static struct http_reply *put(const char *path, const char *header,
                              const char *body) {
  const char *h[] = {header, NULL};
  return http_request("PUT", path, body, header ? h : NULL);
}

static struct http_reply *import(const char *query, const char *type,
                                 const char *body, size_t len,
                                 const char *key) {
  char ct[96], k[300];
  snprintf(ct, sizeof ct, "Content-Type: %s", type);
  snprintf(k, sizeof k, "Idempotency-Key: %s", key ? key : "");
  const char *h[] = {ct, key ? k : NULL, NULL};
  return http_request_n("POST", J(IMPORT "%s", query), body, len, h);
}

static struct http_reply *import_csv(const char *query, const char *body) {
  return import(query, "text/csv", body, strlen(body), NULL);
}

static void test_put_get(void **state) {
  (void)state;
  schools();
  const char *p = path_of(school_a, 2024);
  struct http_reply *r = http_get("%s", p);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);

  r = put(p, NULL, CTX_VALID); /* no header: create */
  assert_status(r, 201);
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "school_id", school_a);
  assert_json_str(r->json, "school_code", "ctx-a");
  assert_json_int(r->json, "year", 2024);
  assert_json_int(r->json, "pupils", 184);
  assert_non_null(jstr(r->json, "locality"));
  assert_true(json_real_value(json_object_get(r->json, "single_parent")) ==
              27.3);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'school_context' AND action = 'create'"),
                   1);

  r = http_get("%s", p);
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  http_reply_free(r);

  /* Creating again: 428 without a header, 412 with If-None-Match: *. */
  char *before = db_fingerprint();
  r = put(p, NULL, CTX_VALID);
  assert_problem(r, 428, "precondition_required");
  http_reply_free(r);
  r = put(p, "If-None-Match: *", CTX_VALID);
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  r = put(p, "If-None-Match: \"1\"", CTX_VALID);
  assert_problem(r, 400, "bad_request");
  assert_error_path(r, "header.If-None-Match");
  http_reply_free(r);
  /* Replacing a year that has no row. */
  r = put(path_of(school_a, 2019), "If-Match: \"1\"", CTX_VALID);
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* Replace: the whole row, a member left out is null. */
  r = put(p, "If-Match: \"1\"", "{\"single_parent\":30,\"pupils\":190}");
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_null(r->json, "low_income");
  assert_json_int(r->json, "pupils", 190);
  http_reply_free(r);
  before = db_fingerprint();
  r = put(p, "If-Match: \"1\"", CTX_VALID);
  assert_problem(r, 412, "precondition_failed");
  assert_string_equal(r->etag, "\"2\"");
  http_reply_free(r);
  r = put(p, "If-Match: *", CTX_VALID);
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  assert_db_unchanged(before);
  r = put(p, "If-Match: \"2\"", "{}");
  assert_status(r, 200);
  assert_json_null(r->json, "single_parent");
  assert_json_null(r->json, "pupils");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'school_context' AND action = 'update'"),
                   2);
  /* 304 to the version held. */
  const char *h[] = {"If-None-Match: \"3\"", NULL};
  r = http_request("GET", p, NULL, h);
  assert_status(r, 304);
  http_reply_free(r);
}

static void test_bad_input(void **state) {
  (void)state;
  schools();
  const char *p = path_of(school_b, 2030);
  char *before = db_fingerprint();
  struct http_reply *r =
      put(p, NULL,
          "{\"parents_higher_education\":101,\"single_parent\":-0.5,"
          "\"unemployed_parents\":\"a\",\"low_income\":true,"
          "\"non_russian_at_home\":100.01,\"preventive_register\":[],"
          "\"disabilities\":{},\"pupils\":-1}");
  assert_validation(r, "$.unemployed_parents", "$.low_income",
                    "$.preventive_register", "$.disabilities", "$.pupils");
  http_reply_free(r);
  r = put(p, NULL,
          "{\"parents_higher_education\":101,\"single_parent\":-0.5,"
          "\"non_russian_at_home\":100.01,\"pupils\":100001}");
  assert_validation(r, "$.pupils");
  http_reply_free(r);
  r = put(p, NULL,
          "{\"parents_higher_education\":101,\"single_parent\":-0.5,"
          "\"non_russian_at_home\":100.01}");
  assert_validation(r, "$.parents_higher_education", "$.single_parent",
                    "$.non_russian_at_home");
  http_reply_free(r);
  r = put(p, NULL, "{\"year\":2031,\"school_id\":1,\"version\":4}");
  assert_validation(r, "$.year", "$.school_id", "$.version");
  http_reply_free(r);
  const char *years[] = {"1999", "2101", "abc", "0", "-1", "20a4"};
  for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
    r = put(J("/api/v1/schools/%lld/social-context/%s", school_b, years[i]),
            NULL, CTX_VALID);
    assert_status(r, 400);
    assert_error_path(r, "path.year");
    http_reply_free(r);
  }
  /* Bodies that are no object of the context. */
  const char *bodies[] = {"{\"pupils\":",
                          "[]",
                          "42",
                          "\"x\"",
                          "{\"colour\":1}",
                          "{\"pupils\":1,\"pupils\":2}"};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    r = put(p, NULL, bodies[i]);
    assert_status(r, 400);
    http_reply_free(r);
  }
  const char *text[] = {"Content-Type: text/plain", NULL};
  r = http_request("PUT", p, CTX_VALID, text);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  assert_db_unchanged(before);
  check_bad_ids("GET", "/api/v1/schools/%s/social-context/2024", "id", NULL,
                NULL);
  check_bad_ids("PUT", "/api/v1/schools/%s/social-context/2024", "id", NULL,
                CTX_VALID);
  check_bad_ids("GET", "/api/v1/schools/%s/social-context", "id", NULL, NULL);
}

static void test_scope(void **state) {
  (void)state;
  schools();
  struct http_reply *made = put(path_of(school_far, 2024), NULL, CTX_VALID);
  assert_status(made, 201);
  http_reply_free(made);
  /* Ковров's municipal user: the far school is as a missing one. */
  char *admin = strdup(use_token(
      make_token("municipal", "municipality", kovrov().municipality_id)));
  struct http_reply *far = http_get("%s", path_of(school_far, 2024));
  struct http_reply *none = http_get("%s", path_of(school_a, 2099));
  assert_problem(far, 404, "not_found");
  assert_problem(none, 404, "not_found");
  /* The same words as for a year without a row. */
  assert_string_equal(
      jstr(far->json, "detail"),
      J("no social context of school %lld for 2024 is within your scope",
        school_far));
  assert_string_equal(
      jstr(none->json, "detail"),
      J("no social context of school %lld for 2099 is within your scope",
        school_a));
  http_reply_free(far);
  http_reply_free(none);
  char *db = db_fingerprint();
  struct http_reply *r = put(path_of(school_far, 2025), NULL, CTX_VALID);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/social-context", school_far);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/social-context?year=2024&limit=500");
  assert_status(r, 200);
  assert_null(strstr(r->body, "ctx-far"));
  http_reply_free(r);
  /* A school user reads, but may not write. */
  use_token(make_token("school", "school", school_a));
  r = put(path_of(school_a, 2026), NULL, CTX_VALID);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  assert_db_unchanged(db);
  use_token(admin);
  free(admin);
}

static void test_lists(void **state) {
  (void)state;
  schools();
  for (int y = 2021; y <= 2023; y++) {
    struct http_reply *r = put(path_of(school_b, y), NULL, CTX_VALID);
    assert_status(r, 201);
    http_reply_free(r);
  }
  /* The school's years, newest first, two to a page. */
  struct http_reply *r =
      http_get("/api/v1/schools/%lld/social-context?limit=2", school_b);
  assert_status(r, 200);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 2);
  assert_json_int(json_array_get(items, 0), "year", 2023);
  assert_json_int(json_array_get(items, 1), "year", 2022);
  char *next = strdup(jstr(r->json, "next_cursor"));
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/social-context?limit=2&cursor=%s",
               school_b, esc(next));
  free(next);
  assert_status(r, 200);
  items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_array_get(items, 0), "year", 2021);
  http_reply_free(r);

  /* The region's list: one year, by school name; by municipality. */
  r = http_get("/api/v1/social-context?year=2022");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
  r = http_get("/api/v1/social-context?year=2024&municipality=%lld", muni_b);
  assert_status(r, 200);
  items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_str(json_array_get(items, 0), "school_code", "ctx-far");
  http_reply_free(r);
  r = http_get("/api/v1/social-context");
  assert_validation(r, "query.year");
  http_reply_free(r);
  r = http_get("/api/v1/social-context?year=1999&municipality=x&limit=0");
  assert_validation(r, "query.year", "query.municipality", "query.limit");
  http_reply_free(r);
  /* As a table. */
  const char *h[] = {"Accept: text/csv", NULL};
  r = http_request("GET", "/api/v1/social-context?year=2022", NULL, h);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "Код школы"));
  assert_non_null(strstr(r->body, "ctx-b"));
  http_reply_free(r);
  r = http_request("GET", J("/api/v1/schools/%lld/social-context", school_b),
                   NULL, h);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "Неполные семьи, %"));
  http_reply_free(r);
}

/* --- import ----------------------------------------------------------------
 */

static long long stored(int year) {
  return db_count("SELECT count(*) FROM school_contexts WHERE school_year = %d",
                  year);
}

static void test_import_strict_partial_dry(void **state) {
  (void)state;
  schools();
  const char *body = "school_code;single_parent;low_income;pupils\n"
                     "ctx-a;12,5;20 %;300\n"
                     "ctx-b;131;x;-4\n"
                     "nope;1;2;3\n"
                     "ctx-far;1;2;3\n"
                     "ctx-a;1;2;3\n";
  char *before = db_fingerprint();
  struct http_reply *r = import_csv("?year=2040", body);
  assert_problem(r, 422, "import_rejected");
  assert_error_path(r, "row 3, column single_parent");
  assert_error_path(r, "row 3, column low_income");
  assert_error_path(r, "row 3, column pupils");
  assert_error_path(r, "row 4, column school_code");
  assert_error_path(r, "row 6, column school_code");
  assert_error_count(r, 5);
  json_t *im = json_object_get(r->json, "import");
  assert_json_int(im, "received", 5);
  assert_json_int(im, "rejected", 3);
  assert_json_str(im, "outcome", "rejected");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* Dry run in partial mode: counted, nothing written. */
  before = db_fingerprint();
  r = import_csv("?year=2040&mode=partial&dry_run=true", body);
  assert_status(r, 200);
  assert_json_str(r->json, "outcome", "dry_run");
  assert_json_int(r->json, "inserted", 2);
  assert_json_int(r->json, "rejected", 3);
  http_reply_free(r);
  assert_db_unchanged(before);

  /* Partial: the good rows (ctx-a and the Ковров admin's ctx-far). */
  r = import_csv("?year=2040&mode=partial", body);
  assert_status(r, 201);
  assert_json_str(r->json, "outcome", "committed");
  assert_json_int(r->json, "inserted", 2);
  assert_json_int(r->json, "problems_count", 5);
  http_reply_free(r);
  assert_int_equal(stored(2040), 2);
  assert_int_equal(db_count("SELECT pupils FROM school_contexts WHERE"
                            " school_id = %lld AND school_year = 2040",
                            school_a),
                   300);
  assert_int_equal(db_count("SELECT (low_income * 10)::int FROM"
                            " school_contexts WHERE school_id = %lld AND"
                            " school_year = 2040",
                            school_a),
                   200);
  /* Again: unchanged; changed: updated and audited. */
  r = import_csv("?year=2040", "school_code;single_parent;low_income;pupils\n"
                               "ctx-a;12,5;20 %;300\n");
  assert_status(r, 201);
  assert_json_int(r->json, "unchanged", 1);
  http_reply_free(r);
  long long audits = db_count("SELECT count(*) FROM audit_events WHERE entity"
                              " = 'school_context'");
  r = import_csv("?year=2040", "school_code;single_parent;low_income;pupils\n"
                               "ctx-a;13;20;300\n");
  assert_status(r, 201);
  assert_json_int(r->json, "updated", 1);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity"
                            " = 'school_context' AND action = 'update'"
                            " AND entity_id = %lld",
                            school_a) > 0,
                   1);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity"
                            " = 'school_context'"),
                   audits + 1);
  assert_int_equal(db_count("SELECT version FROM school_contexts WHERE"
                            " school_id = %lld AND school_year = 2040",
                            school_a),
                   2);
}

/* A school outside the caller's scope is an unknown code, word for word. */
static void test_import_scope(void **state) {
  (void)state;
  schools();
  char *admin = strdup(use_token(
      make_token("municipal", "municipality", kovrov().municipality_id)));
  struct http_reply *far = import_csv("?year=2041", "code;pupils\nctx-far;1\n");
  struct http_reply *none = import_csv("?year=2041", "code;pupils\nnope;1\n");
  assert_problem(far, 422, "import_rejected");
  assert_problem(none, 422, "import_rejected");
  json_t *e1 = json_array_get(json_object_get(far->json, "errors"), 0);
  json_t *e2 = json_array_get(json_object_get(none->json, "errors"), 0);
  assert_string_equal(jstr(e1, "message"), jstr(e2, "message"));
  assert_string_equal(jstr(e1, "path"), jstr(e2, "path"));
  http_reply_free(far);
  http_reply_free(none);
  struct http_reply *r = import_csv("?year=2041", "code;pupils\nctx-a;1\n");
  assert_status(r, 201);
  http_reply_free(r);
  use_token(make_token("reader", "region", kovrov().region_id));
  r = import_csv("?year=2041", "code;pupils\nctx-a;1\n");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(admin);
  free(admin);
}

static void test_import_json(void **state) {
  (void)state;
  schools();
  const char *body = "[{\"school_code\":\"ctx-a\",\"single_parent\":10.25,"
                     "\"pupils\":null},"
                     "{\"school_code\":\"ctx-b\",\"low_income\":\"5\","
                     "\"colour\":1},"
                     "3]";
  struct http_reply *r =
      import("?year=2042", "application/json", body, strlen(body), NULL);
  assert_problem(r, 422, "import_rejected");
  assert_error_path(r, "row 2, column low_income");
  assert_error_path(r, "row 2, column colour");
  assert_error_path(r, "row 3");
  assert_error_count(r, 3);
  http_reply_free(r);
  r = import("?year=2042&mode=partial", "application/json", body, strlen(body),
             NULL);
  assert_status(r, 201);
  assert_json_int(r->json, "inserted", 1);
  assert_int_equal(json_array_size(json_object_get(r->json, "warnings")), 0);
  http_reply_free(r);
  r = import("?year=2042", "application/json", "{}", 2, NULL);
  assert_problem(r, 422, "import_rejected");
  assert_error_path(r, "body");
  http_reply_free(r);
  r = import_csv("?year=2042", "");
  assert_problem(r, 422, "import_rejected");
  assert_error_path(r, "body");
  http_reply_free(r);
  r = import_csv("?year=2042&mode=partial", "code;pupils\n\"ctx-a;1\n");
  assert_problem(r, 422, "import_rejected");
  http_reply_free(r);
  r = import("?year=2042", "text/plain", "x", 1, NULL);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  r = import("?mode=all&dry_run=maybe&extra=1", "text/csv", "code\n", 5, NULL);
  assert_validation(r, "query.year", "query.mode", "query.dry_run",
                    "query.extra");
  http_reply_free(r);
  r = import_csv("?year=2042", "pupils;Примечание\n1;x\n");
  assert_problem(r, 422, "import_rejected");
  assert_error_path(r, "row 1, column school_code");
  http_reply_free(r);
}

/* UTF-8 text in Windows-1251, by iconv; to free. */
static char *to_cp1251(const char *utf8, size_t *len) {
  iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
  assert_true(cd != (iconv_t)-1);
  size_t in_left = strlen(utf8), out_left = in_left + 1;
  char *out = malloc(out_left), *in = (char *)utf8, *o = out;
  assert_non_null(out);
  assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
  iconv_close(cd);
  *len = (size_t)(o - out);
  return out;
}

/* Russian Excel's file: Windows-1251, Russian headers, a column of the
 * region's own (a warning). */
static void test_import_cp1251(void **state) {
  (void)state;
  schools();
  size_t len;
  char *body = to_cp1251(
      "Код школы;Оба родителя с высшим образованием;Неполные семьи;"
      "Безработные родители;Малоимущие семьи;Не говорят дома по-русски;"
      "На профилактическом учёте;С ОВЗ;Обучающихся;Примечание\r\n"
      "ctx-a;18,5;27,3;9,1;21,4;0,5;2,7;7,6;184;сельская\r\n"
      "ctx-b;12;31,8;12,4;29,5;;3,9;9,2;96;\r\n",
      &len);
  struct http_reply *r = import("?year=2043", "text/csv", body, len, NULL);
  free(body);
  assert_status(r, 201);
  assert_json_str(r->json, "encoding", "windows-1251");
  assert_json_int(r->json, "inserted", 2);
  json_t *w = json_object_get(r->json, "warnings");
  assert_int_equal(json_array_size(w), 1);
  assert_json_str(json_array_get(w, 0), "code", "unknown_column");
  assert_json_str(json_array_get(w, 0), "column", "Примечание");
  json_t *c = json_array_get(json_object_get(r->json, "columns"), 1);
  assert_json_str(c, "field", "parents_higher_education");
  http_reply_free(r);
  r = http_get("%s", path_of(school_b, 2043));
  assert_status(r, 200);
  assert_json_null(r->json, "non_russian_at_home");
  assert_json_int(r->json, "pupils", 96);
  http_reply_free(r);
}

static void test_import_idempotency(void **state) {
  (void)state;
  schools();
  const char *body = "school_code;pupils\nctx-a;500\n";
  struct http_reply *first =
      import("?year=2044", "text/csv", body, strlen(body), "ctx-key-1");
  assert_status(first, 201);
  long long audits = db_count("SELECT count(*) FROM audit_events");
  char *before = db_fingerprint();
  struct http_reply *again =
      import("?year=2044", "text/csv", body, strlen(body), "ctx-key-1");
  assert_status(again, 201);
  assert_string_equal(first->body, again->body);
  assert_non_null(http_header(again, "Idempotent-Replayed"));
  http_reply_free(again);
  assert_db_unchanged(before);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events"), audits);
  /* Another body, or other options, with the same key. */
  before = db_fingerprint();
  struct http_reply *other =
      import("?year=2044", "text/csv", "school_code;pupils\nctx-a;501\n", 29,
             "ctx-key-1");
  assert_problem(other, 422, "idempotency_key_reused");
  http_reply_free(other);
  other = import("?year=2044&dry_run=true", "text/csv", body, strlen(body),
                 "ctx-key-1");
  assert_problem(other, 422, "idempotency_key_reused");
  http_reply_free(other);
  assert_db_unchanged(before);
  /* A rejected import replays its refusal too. */
  const char *bad = "school_code;pupils\nnope;1\n";
  struct http_reply *no =
      import("?year=2044", "text/csv", bad, strlen(bad), "ctx-key-2");
  assert_problem(no, 422, "import_rejected");
  struct http_reply *no2 =
      import("?year=2044", "text/csv", bad, strlen(bad), "ctx-key-2");
  assert_problem(no2, 422, "import_rejected");
  assert_true(json_equal(json_object_get(no->json, "import"),
                         json_object_get(no2->json, "import")));
  assert_true(json_equal(json_object_get(no->json, "errors"),
                         json_object_get(no2->json, "errors")));
  assert_non_null(http_header(no2, "Idempotent-Replayed"));
  http_reply_free(no);
  http_reply_free(no2);
  struct http_reply *r =
      import("?year=2044", "text/csv", body, strlen(body), "bad key");
  assert_status(r, 400);
  assert_error_path(r, "header.Idempotency-Key");
  http_reply_free(r);
  http_reply_free(first);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_put_get),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_lists),
      cmocka_unit_test(test_import_strict_partial_dry),
      cmocka_unit_test(test_import_scope),
      cmocka_unit_test(test_import_json),
      cmocka_unit_test(test_import_cp1251),
      cmocka_unit_test(test_import_idempotency),
  };
  harness_start("context");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
