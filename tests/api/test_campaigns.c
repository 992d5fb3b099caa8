/* /api/v1/monitoring/campaigns: campaigns from draft to open to closed, the
 * schools they ask, their completeness, and what is due
 * (docs/MONITORING.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PATH "/api/v1/monitoring/campaigns"
#define TITLE "Мониторинг кадрового обеспечения ШНОР, 2023/24 учебный год"
#define INDICATORS                                                             \
  "[{'code':'TEACHERS_FIRST_CATEGORY_SHARE','required':true},"                 \
  "{'code':'TEACHER_VACANCIES','required':false}]"

static const char *const required[] = {"title",    "period",   "indicators",
                                       "opens_on", "deadline", NULL};

static const char *path_of(long long id) {
  return J(PATH "/%lld", id);
}

/* Seed 001's campaign, owned by `municipality`, asking `target`. */
static const char *body_for(long long municipality, const char *target) {
  return J("{'title':'" TITLE "','period':'2023/24','indicators':" INDICATORS
           ",'target':%s,'opens_on':'2023-09-01','deadline':'2023-10-01',"
           "'municipality_id':%lld}",
           target, municipality);
}

static long long create_campaign(long long municipality, const char *target) {
  return api_create(PATH, body_for(municipality, target));
}

static struct http_reply *patch(long long id, const char *body) {
  char *etag = etag_of(path_of(id));
  struct http_reply *r = http_patch(path_of(id), etag, body);
  free(etag);
  return r;
}

static void expect_patch(long long id, const char *body, long status) {
  struct http_reply *r = patch(id, body);
  assert_status(r, status);
  http_reply_free(r);
}

static void expect_post(const char *body, long status, const char *path) {
  struct http_reply *r = http_post(PATH, body);
  assert_status(r, status);
  if (path != NULL)
    assert_error_path(r, path);
  http_reply_free(r);
}

/* Follows next_cursor from path with ?limit= (path may have a query);
 * returns every item, in order (caller decrefs). */
static json_t *pages(const char *path, int limit) {
  json_t *all = json_array();
  char cursor[512] = "";
  char base[256];
  snprintf(base, sizeof base, "%s", path);
  for (int guard = 0; guard < 100; guard++) {
    struct http_reply *r =
        cursor[0] ? http_get("%s%climit=%d&cursor=%s", base,
                             strchr(base, '?') ? '&' : '?', limit, esc(cursor))
                  : http_get("%s%climit=%d", base,
                             strchr(base, '?') ? '&' : '?', limit);
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    assert_true(json_array_size(items) <= (size_t)limit);
    json_array_extend(all, items);
    const char *next = jstr(r->json, "next_cursor");
    if (next == NULL) {
      http_reply_free(r);
      return all;
    }
    snprintf(cursor, sizeof cursor, "%s", next);
    http_reply_free(r);
  }
  fail_msg("too many pages");
  return all;
}

static long long muni(const char *code, const char *name) {
  return create_municipality(kovrov().region_id, uniq(code), name);
}

static void test_create_and_read(void **state) {
  (void)state;
  struct territory t = kovrov();
  struct http_reply *r = http_post(PATH, body_for(t.municipality_id, "{}"));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->location, path_of(id));
  assert_string_equal(r->etag, "\"1\"");
  assert_json_str(r->json, "title", TITLE);
  assert_json_str(r->json, "period", "2023/24");
  assert_json_int(r->json, "region_id", t.region_id);
  assert_json_int(r->json, "municipality_id", t.municipality_id);
  assert_json_str(r->json, "status", "draft");
  assert_json_str(r->json, "deadline", "2023-10-01");
  assert_json_null(r->json, "schools_count");
  json_t *ind = json_object_get(r->json, "indicators");
  assert_int_equal(json_array_size(ind), 2);
  assert_json_str(json_array_get(ind, 0), "code",
                  "TEACHERS_FIRST_CATEGORY_SHARE");
  assert_true(
      json_is_false(json_object_get(json_array_get(ind, 1), "required")));
  http_reply_free(r);

  r = http_get("%s", path_of(id));
  assert_status(r, 200);
  assert_json_str(r->json, "title", TITLE);
  assert_json_int(r->json, "version", 1);
  http_reply_free(r);

  /* A regional one, by the region's admin. */
  use_token(make_token("admin", "region", t.region_id));
  r = http_post(PATH, J("{'title':'Региональный мониторинг','period':'2024-H1',"
                        "'indicators':[{'code':'STAFFING_LEVEL'}],'opens_on':"
                        "'2024-01-10','deadline':'2024-01-10'}"));
  assert_status(r, 201);
  assert_json_int(r->json, "region_id", t.region_id);
  assert_json_null(r->json, "municipality_id");
  assert_true(json_is_true(json_object_get(
      json_array_get(json_object_get(r->json, "indicators"), 0), "required")));
  long long regional = jint(r->json, "id");
  http_reply_free(r);
  use_token(NULL);
  use_token(make_token("admin", "global", 0));

  json_t *all = list_all(PATH "?period=2023%2F24&status=draft", 1);
  int found = 0;
  for (size_t i = 0; i < json_array_size(all); i++) {
    assert_json_str(json_array_get(all, i), "period", "2023/24");
    found += jint(json_array_get(all, i), "id") == id;
  }
  assert_int_equal(found, 1);
  json_decref(all);
  r = http_get(PATH "?period=2024-H1");
  assert_status(r, 200);
  assert_int_equal(
      jint(json_array_get(json_object_get(r->json, "items"), 0), "id"),
      regional);
  http_reply_free(r);

  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'campaign' AND entity_id = %lld AND action ="
                            " 'create' AND municipality_id = %lld",
                            id, t.municipality_id),
                   1);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'campaign' AND entity_id = %lld AND region_id ="
                            " %lld",
                            regional, t.region_id),
                   1);
  r = http_get("/api/v1/audit?entity=campaign&entity_id=%lld", id);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
}

static void test_bad_inputs(void **state) {
  (void)state;
  struct territory t = kovrov();
  check_bad_bodies("POST", PATH, NULL, body_for(t.municipality_id, "{}"),
                   required);
  long long other = muni("33-vyaz", "Вязниковский район");
  long long far = create_school(other, NULL, "МБОУ «Мстёрская СОШ»");
  long long near = create_school(t.municipality_id, NULL, "МБОУ «СОШ № 1»");
  long long campaigns = db_count("SELECT count(*) FROM campaigns");
  char *before = db_fingerprint();
  expect_post(J("{'title':'x','period':'2023/25','indicators':" INDICATORS
                ",'opens_on':'2023-09-01','deadline':'2023-10-01',"
                "'municipality_id':%lld}",
                t.municipality_id),
              400, "$.period");
  expect_post(J("{'title':'x','period':'2023-24','indicators':" INDICATORS
                ",'opens_on':'2023-09-01','deadline':'2023-10-01',"
                "'municipality_id':%lld}",
                t.municipality_id),
              400, "$.period");
  expect_post(J("{'title':'x','period':'2023/24','indicators':" INDICATORS
                ",'opens_on':'2023-10-02','deadline':'2023-10-01',"
                "'municipality_id':%lld}",
                t.municipality_id),
              400, "$.deadline");
  const char *tail = J(",'opens_on':'2023-09-01','deadline':'2023-10-01',"
                       "'municipality_id':%lld}",
                       t.municipality_id);
  struct http_reply *r =
      http_post(PATH, J("{'title':'x','period':'2023/24','indicators':[{'code':"
                        "'TEACHERS_TOTAL'},{'code':'NO_SUCH_INDICATOR'}]%s",
                        tail));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.indicators[1].code");
  assert_error_count(r, 1);
  http_reply_free(r);
  r = http_post(PATH, J("{'title':'x','period':'2023/24','indicators':[{"
                        "'code':'GIA_PASSED_SHARE'}]%s",
                        tail));
  assert_validation(r, "$.indicators[0].code");
  http_reply_free(r);
  r = http_post(PATH, J("{'title':'x','period':'2023/24','indicators':[{"
                        "'code':'TEACHERS_TOTAL'},{'code':'TEACHERS_TOTAL'}]%s",
                        tail));
  assert_validation(r, "$.indicators[1].code");
  http_reply_free(r);
  r = http_post(PATH,
                J("{'title':'x','period':'2023/24','indicators':[]%s", tail));
  assert_validation(r, "$.indicators");
  http_reply_free(r);
  expect_post(body_for(t.municipality_id,
                       "{'category':'SHNOR','year':2023,'school_ids':[1]}"),
              400, "$.target");
  expect_post(body_for(t.municipality_id, "{'category':'SHNOR'}"), 400,
              "$.target.year");
  expect_post(body_for(t.municipality_id, "{'category':'ШНОР','year':2023}"),
              400, "$.target.category");
  /* A global admin names the owner. */
  expect_post(J("{'title':'x','period':'2023/24','indicators':" INDICATORS
                ",'opens_on':'2023-09-01','deadline':'2023-10-01'}"),
              400, "$.region_id");
  expect_post(J("{'title':'x','period':'2023/24','indicators':" INDICATORS
                ",'opens_on':'2023-09-01','deadline':'2023-10-01',"
                "'municipality_id':999999}"),
              422, "$.municipality_id");
  /* Target ids outside the owner. */
  r = http_post(PATH,
                body_for(t.municipality_id,
                         J("{'school_ids':[%lld,%lld,999999]}", near, far)));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.target.school_ids[1]");
  assert_error_path(r, "$.target.school_ids[2]");
  assert_error_count(r, 2);
  http_reply_free(r);
  r = http_post(PATH, body_for(t.municipality_id,
                               J("{'municipality_ids':[%lld]}", other)));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.target.municipality_ids[0]");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(db_count("SELECT count(*) FROM campaigns"), campaigns);

  /* A municipal user's campaigns are its municipality's. */
  const char *admin =
      use_token(make_token("municipal", "municipality", t.municipality_id));
  char saved[64];
  strncpy(saved, admin, sizeof saved - 1);
  saved[sizeof saved - 1] = '\0';
  r = http_post(PATH,
                J("{'title':'x','period':'2023/24','indicators':" INDICATORS
                  ",'opens_on':'2023-09-01','deadline':'2023-10-01'}"));
  assert_status(r, 201);
  assert_json_int(r->json, "municipality_id", t.municipality_id);
  assert_json_int(r->json, "region_id", t.region_id);
  http_reply_free(r);
  expect_post(body_for(other, "{}"), 403, "$.municipality_id");
  expect_post(
      body_for(t.municipality_id, J("{'municipality_ids':[%lld]}", other)), 403,
      "$.target.municipality_ids[0]");
  use_token(saved);
}

static void test_update_and_open(void **state) {
  (void)state;
  long long m = muni("33-sud", "Судогодский район");
  long long a = create_school(m, NULL, "МБОУ «Андреевская СОШ»");
  long long b = create_school(m, NULL, "МБОУ «Болотская ООШ»");
  long long c = create_school(m, NULL, "МБОУ «Вяткинская СОШ»");
  long long d = create_school(m, NULL, "МБОУ «Головинская СОШ»");
  create_status(a, "SHNOR", 2023);
  create_status(b, "SHNOR", 2023);
  create_status(c, "SHNSU", 2023);
  create_status(d, "SHNOR", 2022);
  long long id = create_campaign(m, "{}");
  check_if_match("PATCH", path_of(id), "{\"title\":\"x\"}");
  check_bad_ids("PATCH", PATH "/%s", "id", "\"1\"", "{\"title\":\"x\"}");
  struct http_reply *r =
      patch(id, J("{'target':{'category':'SHNOR','year':"
                  "2023},'indicators':[{'code':"
                  "'TEACHER_VACANCIES'}],'title':'" TITLE "'}"));
  assert_status(r, 200);
  assert_json_int(r->json, "version", 2);
  assert_int_equal(json_array_size(json_object_get(r->json, "indicators")), 1);
  http_reply_free(r);
  r = patch(id, "{\"deadline\":\"2023-08-01\"}");
  assert_validation(r, "$.deadline");
  http_reply_free(r);
  r = patch(id, "{\"municipality_id\":1}");
  assert_validation(r, "$.municipality_id");
  http_reply_free(r);
  r = patch(id, "{\"indicators\":[{\"code\":\"IMPROVED_RESULTS\"}]}");
  assert_validation(r, "$.indicators[0].code");
  http_reply_free(r);
  r = patch(id, "{\"status\":\"closed\"}");
  assert_problem(r, 409, "conflict");
  assert_error_path(r, "$.status");
  http_reply_free(r);

  r = patch(id, "{\"status\":\"open\"}");
  assert_status(r, 200);
  assert_json_str(r->json, "status", "open");
  assert_json_int(r->json, "schools_count", 2);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM campaign_schools WHERE"
                            " campaign_id = %lld AND school_id IN (%lld, %lld)",
                            id, a, b),
                   2);
  r = patch(id, "{\"title\":\"другой\"}");
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  r = patch(id, "{\"status\":\"draft\"}");
  assert_problem(r, 409, "conflict");
  assert_error_path(r, "$.status");
  http_reply_free(r);
  expect_patch(id, "{\"status\":\"open\"}", 200); /* no change */
  expect_patch(id, "{\"status\":\"closed\"}", 200);
  r = patch(id, "{\"status\":\"open\"}");
  assert_problem(r, 409, "conflict");
  assert_error_path(r, "$.status");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'campaign' AND entity_id = %lld AND action ="
                            " 'update'",
                            id),
                   4);

  /* Another municipality's user: not there; a regional campaign: read
   * but not changed. */
  long long other = muni("33-gor", "Гороховецкий район");
  const char *prev = use_token(make_token("municipal", "municipality", other));
  char saved[64];
  strncpy(saved, prev, sizeof saved - 1);
  saved[sizeof saved - 1] = '\0';
  r = http_get("%s", path_of(id));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(path_of(id), "\"6\"", "{\"status\":\"closed\"}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("%s/completeness", path_of(id));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(saved);
}

/* A school of `m` with its submission to `campaign` in `state` (NULL:
 * none). */
static long long school_in(long long m, const char *name) {
  return create_school(m, NULL, name);
}
static void submission(long long campaign, long long school, const char *state,
                       int late) {
  db_exec("INSERT INTO submissions (campaign_id, school_id, state, late,"
          " submitted_at) VALUES (%lld, %lld, '%s', %s, %s)",
          campaign, school, state, late ? "true" : "false",
          strcmp(state, "draft") == 0 ? "NULL" : "'2023-09-20 10:00+03'");
}

static void test_completeness(void **state) {
  (void)state;
  long long m = muni("33-kir", "Киржачский район");
  long long s[6];
  static const char *const names[6] = {
      "МБОУ «Афанасовская СОШ»", "МБОУ «Барсовская СОШ»",
      "МБОУ «Горкинская СОШ»",   "МБОУ «Дубковская СОШ»",
      "МБОУ «Еськинская ООШ»",   "МБОУ «Журавлёвская СОШ»"};
  for (int i = 0; i < 6; i++)
    s[i] = school_in(m, names[i]);
  long long id =
      create_campaign(m, J("{'school_ids':[%lld,%lld,%lld,%lld,%lld,%lld]}",
                           s[0], s[1], s[2], s[3], s[4], s[5]));
  expect_patch(id, "{\"status\":\"open\"}", 200);
  submission(id, s[1], "draft", 0);
  submission(id, s[2], "submitted", 0);
  submission(id, s[3], "returned", 0);
  submission(id, s[4], "accepted", 0);
  submission(id, s[5], "accepted", 1);

  struct http_reply *r = http_get("%s/completeness", path_of(id));
  assert_status(r, 200);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 6);
  static const char *const want[6] = {"not_started", "draft",    "submitted",
                                      "returned",    "accepted", "accepted"};
  for (int i = 0; i < 6; i++) {
    json_t *it = json_array_get(items, (size_t)i);
    assert_json_int(json_object_get(it, "school"), "id", s[i]);
    assert_json_int(json_object_get(it, "school"), "municipality_id", m);
    assert_json_str(it, "state", want[i]);
    assert_true(json_is_boolean(json_object_get(it, "late")));
  }
  assert_true(json_is_true(json_object_get(json_array_get(items, 5), "late")));
  assert_json_null(json_array_get(items, 0), "submitted_at");
  json_t *counts = json_object_get(r->json, "counts");
  json_t *total = json_object_get(counts, "total");
  assert_json_int(total, "not_started", 1);
  assert_json_int(total, "draft", 1);
  assert_json_int(total, "submitted", 1);
  assert_json_int(total, "returned", 1);
  assert_json_int(total, "accepted", 2);
  assert_json_int(total, "late", 1);
  assert_json_int(total, "schools", 6);
  json_t *munis = json_object_get(counts, "municipalities");
  assert_int_equal(json_array_size(munis), 1);
  assert_json_int(json_array_get(munis, 0), "id", m);
  assert_json_str(json_array_get(munis, 0), "name", "Киржачский район");
  assert_json_int(json_object_get(json_array_get(munis, 0), "counts"),
                  "accepted", 2);
  assert_json_int(r->json, "campaign_id", id);
  http_reply_free(r);

  r = http_get("%s/completeness?state=missing", path_of(id));
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 3);
  http_reply_free(r);
  r = http_get("%s/completeness?state=accepted", path_of(id));
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
  http_reply_free(r);
  r = http_get("%s/completeness?state=late", path_of(id));
  assert_validation(r, "query.state");
  http_reply_free(r);
  r = http_get("%s/completeness?municipality=%lld", path_of(id),
               kovrov().municipality_id);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  assert_json_int(json_object_get(json_object_get(r->json, "counts"), "total"),
                  "schools", 0);
  http_reply_free(r);
  json_t *all = pages(J("%s/completeness", path_of(id)), 4);
  assert_int_equal(json_array_size(all), 6);
  for (int i = 0; i < 6; i++)
    assert_json_int(json_object_get(json_array_get(all, (size_t)i), "school"),
                    "id", s[i]);
  json_decref(all);

  const char *csv[] = {"Accept: text/csv; columns=keys", NULL};
  r = http_request("GET", J("%s/completeness", path_of(id)), NULL, csv);
  assert_status(r, 200);
  assert_non_null(strstr(r->content_type, "text/csv"));
  assert_non_null(strstr(r->body, "school.code"));
  assert_non_null(strstr(r->body, "МБОУ «Журавлёвская СОШ»"));
  int lines = 0;
  for (const char *p = r->body; (p = strstr(p, "\r\n")) != NULL; p += 2)
    lines++;
  assert_int_equal(lines, 7);
  http_reply_free(r);

  /* A school sees its own row; a curator its assigned schools. */
  const char *prev = use_token(make_token("school", "school", s[2]));
  char saved[64];
  strncpy(saved, prev, sizeof saved - 1);
  saved[sizeof saved - 1] = '\0';
  r = http_get("%s/completeness", path_of(id));
  assert_status(r, 200);
  items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_object_get(json_array_get(items, 0), "school"), "id",
                  s[2]);
  assert_json_int(json_object_get(json_object_get(r->json, "counts"), "total"),
                  "schools", 1);
  http_reply_free(r);
  long long curator = make_user("curator", "region", kovrov().region_id);
  db_exec("INSERT INTO school_curators (school_id, full_name, starts_on,"
          " user_id) VALUES (%lld, 'Петрова А.А.', current_date - 10, %lld)",
          s[4], curator);
  use_token(token_for_user(curator));
  r = http_get("%s/completeness", path_of(id));
  assert_status(r, 200);
  items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_int(json_object_get(json_array_get(items, 0), "school"), "id",
                  s[4]);
  http_reply_free(r);
  use_token(saved);
}

/* An open campaign of `m` asking `school`, due in `days` (negative: past). */
static long long due_campaign(long long m, long long school, int days) {
  long long id = create_campaign(m, J("{'school_ids':[%lld]}", school));
  expect_patch(id, "{\"status\":\"open\"}", 200);
  db_exec("UPDATE campaigns SET opens_on = current_date - 60, deadline ="
          " current_date + %d WHERE id = %lld",
          days, id);
  return id;
}

static void test_due(void **state) {
  (void)state;
  long long m = muni("33-sob", "Собинский район");
  long long a = create_school(m, NULL, "МБОУ «Асерховская СОШ»");
  long long b = create_school(m, NULL, "МБОУ «Бабаевская СОШ»");
  long long past = due_campaign(m, a, -1);
  long long soon = due_campaign(m, a, 5);
  long long later = due_campaign(m, a, 30);
  long long done = due_campaign(m, b, 3);
  submission(done, b, "submitted", 0);
  long long draft = create_campaign(m, J("{'school_ids':[%lld]}", b));
  (void)draft;

  const char *prev = use_token(make_token("municipal", "municipality", m));
  char saved[64];
  strncpy(saved, prev, sizeof saved - 1);
  saved[sizeof saved - 1] = '\0';
  struct http_reply *r = http_get("/api/v1/monitoring/due?within_days=14");
  assert_status(r, 200);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 2);
  json_t *first = json_array_get(items, 0), *second = json_array_get(items, 1);
  assert_json_int(json_object_get(first, "campaign"), "id", past);
  assert_json_str(json_object_get(first, "campaign"), "title", TITLE);
  assert_json_int(json_object_get(first, "school"), "id", a);
  assert_json_str(first, "state", "not_started");
  assert_true(json_is_true(json_object_get(first, "overdue")));
  assert_json_int(json_object_get(second, "campaign"), "id", soon);
  assert_true(json_is_false(json_object_get(second, "overdue")));
  http_reply_free(r);

  r = http_get("/api/v1/monitoring/due");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
  http_reply_free(r);
  json_t *all = pages("/api/v1/monitoring/due?within_days=60", 1);
  assert_int_equal(json_array_size(all), 3);
  assert_json_int(json_object_get(json_array_get(all, 2), "campaign"), "id",
                  later);
  json_decref(all);
  r = http_get("/api/v1/monitoring/due?within_days=0");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
  http_reply_free(r);
  r = http_get("/api/v1/monitoring/due?within_days=367");
  assert_validation(r, "query.within_days");
  http_reply_free(r);

  /* School b submitted its one campaign: nothing due. */
  use_token(make_token("school", "school", b));
  r = http_get("/api/v1/monitoring/due?within_days=366");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  use_token(saved);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_read),
      cmocka_unit_test(test_bad_inputs),
      cmocka_unit_test(test_update_and_open),
      cmocka_unit_test(test_completeness),
      cmocka_unit_test(test_due),
  };
  harness_start("campaigns");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
