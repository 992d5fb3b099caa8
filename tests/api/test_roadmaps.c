/* /api/v1/roadmaps: support plans, their status from draft to archive, and
 * their revisions kept as they were (docs/PLANS.md). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TITLE                                                                                                                              \
  "Муниципальная программа поддержки школ с низкими результатами обучения " \
  "и школ, функционирующих в неблагоприятных социальных условиях, на "             \
  "2021-2023 годы"
#define ORDER_2020 "приказ № 653-осн от 30.12.2020"
#define ORDER_2023 "приказ № 36 от 16.02.2023"
#define REASON "корректировка по итогам мониторинга, декабрь"

static const char *const required[] = {"owner",       "kind",      "title",
                                       "period_from", "period_to", NULL};

static const char *const reason_required[] = {"reason", NULL};

static const char *path_of(long long id) {
  return J("/api/v1/roadmaps/%lld", id);
}

static const char *municipal_body(long long municipality) {
  return J("{'owner':{'kind':'municipality','id':%lld},"
           "'kind':'municipal_programme','title':'" TITLE "',"
           "'period_from':'2021-01-01','period_to':'2023-12-31'}",
           municipality);
}

static const char *school_body(long long school, const char *title) {
  return J("{'owner':{'kind':'school','id':%lld},'kind':'school_roadmap',"
           "'title':'%s','period_from':'2021-09-01','period_to':'2022-08-31'}",
           school, title);
}

static long long new_school(void) {
  return create_school(kovrov().municipality_id, NULL,
                       "МБОУ «Иваново-Эсинская СОШ»");
}

static long long school_roadmap(long long school) {
  return api_create("/api/v1/roadmaps",
                    school_body(school, "Дорожная карта перехода школы в "
                                        "эффективный режим работы"));
}

/* Items straight into the table: their API is another file's. */
static void add_item(long long roadmap, int position, const char *activity,
                     const char *schedule) {
  db_exec("INSERT INTO roadmap_items (roadmap_id, position, number, activity,"
          " schedule_text, schedule) VALUES (%lld, %d, '%d.', '%s',"
          " 'до 1 октября 2021 года', '%s')",
          roadmap, position, position, activity, schedule);
}

/* PATCH with the roadmap's current ETag. */
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

static void test_create_and_read(void **state) {
  (void)state;
  long long muni = kovrov().municipality_id;
  struct http_reply *r = http_post("/api/v1/roadmaps", municipal_body(muni));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->location, path_of(id));
  assert_string_equal(r->etag, "\"1\"");
  json_t *owner = json_object_get(r->json, "owner");
  assert_json_str(owner, "kind", "municipality");
  assert_json_int(owner, "id", muni);
  assert_json_str(r->json, "kind", "municipal_programme");
  assert_json_null(r->json, "risk_factor");
  assert_json_str(r->json, "title", TITLE);
  assert_json_str(r->json, "period_from", "2021-01-01");
  assert_json_str(r->json, "period_to", "2023-12-31");
  assert_json_str(r->json, "status", "draft");
  assert_json_null(r->json, "approval_document");
  assert_json_null(r->json, "approved_on");
  assert_json_int(r->json, "revision", 0);
  assert_json_int(r->json, "items_count", 0);
  assert_json_int(r->json, "overdue_count", 0);
  assert_json_int(r->json, "version", 1);
  assert_non_null(jstr(r->json, "created_at"));
  assert_null(json_object_get(r->json, "items"));
  http_reply_free(r);

  /* Items in position order; one past its date and still planned. */
  add_item(
      id, 2, "Семинар для учителей",
      "{\"kind\":\"date\",\"date\":\"2099-10-01\",\"due\":\"2099-10-01\"}");
  add_item(
      id, 1, "Анализ результатов ВПР",
      "{\"kind\":\"date\",\"date\":\"2021-10-01\",\"due\":\"2021-10-01\"}");
  r = http_get("%s?include=items", path_of(id));
  assert_status(r, 200);
  assert_json_int(r->json, "items_count", 2);
  assert_json_int(r->json, "overdue_count", 1);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 2);
  assert_json_int(json_array_get(items, 0), "position", 1);
  assert_json_str(json_array_get(items, 0), "due_on", "2021-10-01");
  assert_true(
      json_is_true(json_object_get(json_array_get(items, 0), "overdue")));
  assert_true(
      json_is_false(json_object_get(json_array_get(items, 1), "overdue")));
  assert_json_str(json_array_get(items, 1), "activity", "Семинар для учителей");
  http_reply_free(r);

  r = http_get("%s?include=reports", path_of(id));
  assert_validation(r, "query.include");
  http_reply_free(r);
  r = http_get("/api/v1/roadmaps/999999");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  check_bad_ids("GET", "/api/v1/roadmaps/%s", "id", NULL, NULL);

  /* Audited, in the owner's place. */
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'roadmap' AND entity_id = %lld AND action ="
                            " 'create' AND municipality_id = %lld",
                            id, muni),
                   1);
}

static void test_bad_bodies(void **state) {
  (void)state;
  long long school = new_school();
  check_bad_bodies("POST", "/api/v1/roadmaps", NULL,
                   school_body(school, "Дорожная карта"), required);
  long long id = school_roadmap(school);
  check_bad_bodies("PATCH", path_of(id), "\"1\"",
                   J("{'title':'Дорожная карта 2.0'}"), NULL);
  check_if_match("PATCH", path_of(id), J("{'title':'Дорожная карта 2.0'}"));
  check_bad_ids("PATCH", "/api/v1/roadmaps/%s", "id", "\"1\"",
                J("{'title':'Дорожная карта 2.0'}"));

  /* The owner is the roadmap's: never patched. */
  char *before = db_fingerprint();
  struct http_reply *r =
      http_patch(path_of(id), "\"1\"", J("{'owner':{'kind':'school','id':1}}"));
  assert_validation(r, "$.owner");
  http_reply_free(r);
  r = http_post("/api/v1/roadmaps",
                J("{'owner':{'kind':'region','id':1},'kind':'school_roadmap',"
                  "'title':'x','period_from':'2021-09-01','period_to':"
                  "'2022-08-31','status':'approved'}"));
  assert_validation(r, "$.owner.kind", "$.status");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_rules(void **state) {
  (void)state;
  long long school = new_school();
  char *before = db_fingerprint();
  /* Every error at once. */
  struct http_reply *r = http_post(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'anti_risk_programme',"
        "'title':'Программа антирисковых мер','period_from':'2022-09-01',"
        "'period_to':'2021-08-31'}",
        school));
  assert_validation(r, "$.risk_factor", "$.period_to");
  http_reply_free(r);
  r = http_post(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'school_roadmap',"
        "'risk_factor':'RF02','title':'Дорожная карта',"
        "'period_from':'2021-09-01','period_to':'2022-08-31'}",
        school));
  assert_validation(r, "$.risk_factor");
  http_reply_free(r);
  r = http_post(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'anti_risk_programme',"
        "'risk_factor':'RF99','title':'Программа антирисковых мер',"
        "'period_from':'2021-09-01','period_to':'2022-08-31'}",
        school));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.risk_factor");
  http_reply_free(r);
  static const char *const kinds[] = {"school", "municipality"};
  for (int i = 0; i < 2; i++) {
    r = http_post("/api/v1/roadmaps",
                  J("{'owner':{'kind':'%s','id':999999},'kind':"
                    "'school_roadmap','title':'Дорожная карта',"
                    "'period_from':'2021-09-01','period_to':'2022-08-31'}",
                    kinds[i]));
    assert_problem(r, 422, "reference_not_found");
    assert_error_path(r, "$.owner.id");
    http_reply_free(r);
  }
  assert_db_unchanged(before);

  r = http_post(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'anti_risk_programme',"
        "'risk_factor':'RF02','title':'Программа антирисковых мер по "
        "направлению «Дефицит педагогических кадров»',"
        "'period_from':'2021-09-01','period_to':'2022-08-31'}",
        school));
  assert_status(r, 201);
  assert_json_str(r->json, "risk_factor", "RF02");
  long long id = jint(r->json, "id");
  http_reply_free(r);
  /* A patch breaking the rule with one field meets the database's check. */
  before = db_fingerprint();
  r = http_patch(path_of(id), "\"1\"", J("{'kind':'school_roadmap'}"));
  assert_validation(r, "$.risk_factor");
  http_reply_free(r);
  r = http_patch(path_of(id), "\"1\"", J("{'period_to':'2020-01-01'}"));
  assert_validation(r, "$.period_to");
  http_reply_free(r);
  assert_db_unchanged(before);
  expect_patch(id, J("{'kind':'school_roadmap','risk_factor':null}"), 200);
}

static void test_scope(void **state) {
  (void)state;
  struct territory k = kovrov();
  long long muni =
      create_municipality(k.region_id, uniq("33-m"), "Вязниковский район");
  long long school = create_school(muni, NULL, "МБОУ «Никологорская СОШ»");
  long long other_muni =
      create_municipality(k.region_id, uniq("33-m"), "Муромский район");
  long long other_school =
      create_school(other_muni, NULL, "МБОУ «Ковардицкая СОШ»");
  long long muni_map = api_create("/api/v1/roadmaps", municipal_body(muni));
  long long own_map = school_roadmap(school);
  long long other_map = school_roadmap(other_school);
  const char *admin = use_token(NULL);
  char admin_token[64];
  snprintf(admin_token, sizeof admin_token, "%s", admin);

  char *before = db_fingerprint();
  use_token(make_token("municipal", "municipality", muni));
  struct http_reply *r =
      http_post("/api/v1/roadmaps", school_body(other_school, "Чужая карта"));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.owner");
  http_reply_free(r);
  r = http_get("%s", path_of(other_map));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);

  use_token(make_token("school", "school", school));
  r = http_post("/api/v1/roadmaps", municipal_body(muni));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.owner");
  http_reply_free(r);
  /* The municipality's programme: the school reads it, but may not edit. */
  r = http_get("%s", path_of(muni_map));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_patch(path_of(muni_map), "\"1\"", J("{'title':'Другое'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  /* Its own draft it edits, but its status it may not change. */
  r = http_patch(path_of(own_map), "\"1\"",
                 J("{'status':'approved','approval_document':'" ORDER_2020
                   "','approved_on':'2020-12-30'}"));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.status");
  http_reply_free(r);
  assert_db_unchanged(before);
  r = http_patch(path_of(own_map), "\"1\"",
                 J("{'title':'Дорожная карта школы'}"));
  assert_status(r, 200);
  http_reply_free(r);
  json_t *all = list_all("/api/v1/roadmaps", 1);
  char *ids = ids_of(all);
  assert_string_equal(ids, J("%lld,%lld", muni_map, own_map));
  free(ids);
  json_decref(all);
  use_token(admin_token);
}

static void test_status(void **state) {
  (void)state;
  long long id =
      api_create("/api/v1/roadmaps", municipal_body(kovrov().municipality_id));
  static const char *const illegal_from_draft[] = {"in_progress", "completed"};
  char *before = db_fingerprint();
  for (int i = 0; i < 2; i++) {
    struct http_reply *r = http_patch(
        path_of(id), "\"1\"", J("{'status':'%s'}", illegal_from_draft[i]));
    assert_problem(r, 409, "conflict");
    assert_error_path(r, "$.status");
    http_reply_free(r);
  }
  /* Approving takes the document and its date. */
  struct http_reply *r =
      http_patch(path_of(id), "\"1\"", J("{'status':'approved'}"));
  assert_validation(r, "$.approval_document", "$.approved_on");
  http_reply_free(r);
  r = http_patch(path_of(id), "\"1\"",
                 J("{'status':'approved','approved_on':'2020-12-30'}"));
  assert_validation(r, "$.approval_document");
  http_reply_free(r);
  assert_db_unchanged(before);
  expect_patch(id, J("{'approval_document':'" ORDER_2020 "'}"), 200);
  r = patch(id, J("{'status':'approved','approved_on':'2020-12-30'}"));
  assert_status(r, 200);
  assert_json_str(r->json, "status", "approved");
  assert_json_str(r->json, "approval_document", ORDER_2020);
  http_reply_free(r);

  /* Only a draft's fields change. */
  before = db_fingerprint();
  r = patch(id, J("{'title':'Новое название'}"));
  assert_problem(r, 409, "conflict");
  assert_non_null(strstr(jstr(r->json, "detail"), "/revisions"));
  http_reply_free(r);
  r = patch(id, J("{'status':'in_progress','title':'Новое название'}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  static const char *const illegal_from_approved[] = {"draft", "completed"};
  for (int i = 0; i < 2; i++) {
    r = patch(id, J("{'status':'%s'}", illegal_from_approved[i]));
    assert_problem(r, 409, "conflict");
    assert_error_path(r, "$.status");
    http_reply_free(r);
  }
  assert_db_unchanged(before);
  expect_patch(id, J("{'status':'in_progress'}"), 200);
  static const char *const illegal_from_running[] = {"draft", "approved"};
  for (int i = 0; i < 2; i++)
    expect_patch(id, J("{'status':'%s'}", illegal_from_running[i]), 409);
  expect_patch(id, J("{'status':'completed'}"), 200);
  static const char *const illegal_from_done[] = {"draft", "approved",
                                                  "in_progress"};
  for (int i = 0; i < 3; i++)
    expect_patch(id, J("{'status':'%s'}", illegal_from_done[i]), 409);
  expect_patch(id, J("{'status':'archived'}"), 200);
  static const char *const illegal_from_archive[] = {
      "draft", "approved", "in_progress", "completed"};
  for (int i = 0; i < 4; i++)
    expect_patch(id, J("{'status':'%s'}", illegal_from_archive[i]), 409);

  /* A draft goes to the archive too. */
  long long draft =
      api_create("/api/v1/roadmaps", municipal_body(kovrov().municipality_id));
  expect_patch(draft, J("{'status':'archived'}"), 200);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'roadmap' AND entity_id = %lld AND action ="
                            " 'update'",
                            id),
                   5);
}

static void test_list(void **state) {
  (void)state;
  struct territory k = kovrov();
  long long school = new_school();
  long long a = school_roadmap(school);
  long long b = api_create(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'anti_risk_programme',"
        "'risk_factor':'RF09','title':'Антирисковая программа',"
        "'period_from':'2023-09-01','period_to':'2024-08-31'}",
        school));
  json_t *all = list_all(J("/api/v1/roadmaps?owner_school=%lld", school), 1);
  char *ids = ids_of(all);
  assert_string_equal(ids, J("%lld,%lld", a, b));
  free(ids);
  json_decref(all);
  struct http_reply *r = http_get(
      "/api/v1/roadmaps?municipality=%lld&year=2023&risk_factor=RF09&kind="
      "anti_risk_programme&status=draft",
      k.municipality_id);
  assert_status(r, 200);
  ids = ids_of(json_object_get(r->json, "items"));
  assert_string_equal(ids, J("%lld", b));
  free(ids);
  http_reply_free(r);
  r = http_get("/api/v1/roadmaps?year=1999&kind=plan");
  assert_validation(r, "query.year", "query.kind");
  http_reply_free(r);
}

static void test_revisions(void **state) {
  (void)state;
  long long school = new_school();
  long long id = school_roadmap(school);
  add_item(id, 1, "Анализ результатов ВПР", "{\"kind\":\"unparsed\"}");
  const char *revs = J("/api/v1/roadmaps/%lld/revisions", id);
  char revisions[96];
  snprintf(revisions, sizeof revisions, "%s", revs);

  /* A draft is corrected in place: nothing to revise. */
  char *before = db_fingerprint();
  struct http_reply *r = http_post(revisions, J("{'reason':'" REASON "'}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  assert_db_unchanged(before);
  expect_patch(id,
               J("{'status':'approved','approval_document':'" ORDER_2020
                 "','approved_on':'2020-12-30'}"),
               200);
  check_bad_bodies("POST", revisions, NULL, J("{'reason':'" REASON "'}"),
                   reason_required);
  r = http_post(revisions, J("{'reason':''}"));
  assert_validation(r, "$.reason");
  http_reply_free(r);

  r = http_post(revisions, J("{'reason':'" REASON "'}"));
  assert_status(r, 201);
  assert_json_int(r->json, "revision", 0);
  assert_json_str(r->json, "reason", REASON);
  assert_non_null(jstr(r->json, "actor"));
  assert_string_equal(r->location, J("%s/0", revisions));
  http_reply_free(r);
  r = http_get("%s", path_of(id));
  assert_json_int(r->json, "revision", 1);
  assert_json_str(r->json, "status", "draft");
  http_reply_free(r);

  /* Corrected, approved again, revised again. */
  expect_patch(id, J("{'title':'Дорожная карта (с изменениями)'}"), 200);
  db_exec("UPDATE roadmap_items SET activity = 'Анализ результатов ВПР и ОГЭ'"
          " WHERE roadmap_id = %lld",
          id);
  expect_patch(id,
               J("{'status':'approved','approval_document':'" ORDER_2023
                 "','approved_on':'2023-02-16'}"),
               200);
  r = http_post(revisions, J("{'reason':'по итогам ГИА'}"));
  assert_status(r, 201);
  assert_json_int(r->json, "revision", 1);
  http_reply_free(r);

  /* Revision 0 as it was. */
  r = http_get("%s/0", revisions);
  assert_status(r, 200);
  assert_json_int(r->json, "revision", 0);
  assert_json_str(r->json, "reason", REASON);
  json_t *map = json_object_get(r->json, "roadmap");
  assert_json_str(map, "title",
                  "Дорожная карта перехода школы в эффективный режим работы");
  assert_json_str(map, "status", "approved");
  assert_json_str(map, "approval_document", ORDER_2020);
  assert_json_int(map, "revision", 0);
  json_t *items = json_object_get(map, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_json_str(json_array_get(items, 0), "activity",
                  "Анализ результатов ВПР");
  http_reply_free(r);
  r = http_get("%s/1", revisions);
  map = json_object_get(r->json, "roadmap");
  assert_json_str(map, "approval_document", ORDER_2023);
  assert_json_str(json_array_get(json_object_get(map, "items"), 0), "activity",
                  "Анализ результатов ВПР и ОГЭ");
  http_reply_free(r);

  /* Newest first, a page at a time. */
  r = http_get("%s?limit=1", revisions);
  assert_status(r, 200);
  json_t *page = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(page), 1);
  assert_json_int(json_array_get(page, 0), "revision", 1);
  assert_json_str(json_array_get(page, 0), "reason", "по итогам ГИА");
  const char *next = jstr(r->json, "next_cursor");
  assert_non_null(next);
  struct http_reply *more =
      http_get("%s?limit=1&cursor=%s", revisions, esc(next));
  assert_status(more, 200);
  page = json_object_get(more->json, "items");
  assert_int_equal(json_array_size(page), 1);
  assert_json_int(json_array_get(page, 0), "revision", 0);
  assert_json_null(more->json, "next_cursor");
  http_reply_free(more);
  http_reply_free(r);

  r = http_get("%s/2", revisions);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  static const char *const bad[] = {"abc", "-1", "1.5", "12abc",
                                    "99999999999999999999"};
  for (int i = 0; i < 5; i++) {
    r = http_get("%s/%s", revisions, bad[i]);
    assert_validation(r, "path.revision");
    http_reply_free(r);
  }
  check_bad_ids("GET", "/api/v1/roadmaps/%s/revisions", "id", NULL, NULL);
  check_bad_ids("GET", "/api/v1/roadmaps/%s/revisions/0", "id", NULL, NULL);
  check_bad_ids("POST", "/api/v1/roadmaps/%s/revisions", "id", NULL,
                J("{'reason':'" REASON "'}"));
  r = http_get("/api/v1/roadmaps/999999/revisions/0");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/roadmaps/999999/revisions");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post("/api/v1/roadmaps/999999/revisions",
                J("{'reason':'" REASON "'}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);

  /* A school may not revise: that is the approvers'. */
  const char *admin = use_token(make_token("school", "school", school));
  char admin_token[64];
  snprintf(admin_token, sizeof admin_token, "%s", admin);
  r = http_post(revisions, J("{'reason':'" REASON "'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_get("%s/0", revisions);
  assert_status(r, 200);
  http_reply_free(r);
  use_token(admin_token);

  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'roadmap' AND entity_id = %lld AND action ="
                            " 'revise' AND municipality_id = %lld",
                            id, kovrov().municipality_id),
                   2);
  r = http_get("/api/v1/audit?entity=roadmap&action=revise&entity_id=%lld", id);
  assert_status(r, 200);
  json_t *events = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(events), 2);
  json_t *after = json_object_get(json_array_get(events, 0), "after");
  assert_json_int(after, "revision", 2);
  assert_json_str(after, "status", "draft");
  http_reply_free(r);
}

/* PostgreSQL's JSON text as the server sends it: without the whitespace
 * between tokens (src/core/json_text.c, json_text_compact). */
static char *compacted(char *text) {
  bool in_string = false;
  size_t out = 0;
  for (size_t i = 0; text[i] != '\0'; i++) {
    char c = text[i];
    if (in_string && c == '\\' && text[i + 1] != '\0') {
      text[out++] = c;
      text[out++] = text[++i];
      continue;
    }
    if (c == '"')
      in_string = !in_string;
    if (in_string || (c != ' ' && c != '\n' && c != '\t' && c != '\r'))
      text[out++] = c;
  }
  text[out] = '\0';
  return text;
}

/* The roadmap's answer, with and without its items, is the text that
 * roadmap_doc and roadmap_items_json make (the statements write them out). */
static void expect_same_as_functions(long long id) {
  char *doc = db_text("SELECT roadmap_doc(r)::text FROM roadmaps r"
                      " WHERE r.id = %lld",
                      id);
  struct http_reply *r = http_get("%s", path_of(id));
  assert_status(r, 200);
  assert_string_equal(r->body, compacted(doc));
  http_reply_free(r);
  free(doc);
  char *with_items =
      db_text("SELECT left(roadmap_doc(r)::text, -1) || ',\"items\":'"
              " || roadmap_items_json(r.id)::text || '}' FROM roadmaps r"
              " WHERE r.id = %lld",
              id);
  r = http_get("%s?include=items", path_of(id));
  assert_status(r, 200);
  assert_string_equal(r->body, compacted(with_items));
  http_reply_free(r);
  free(with_items);
}

static void test_same_as_functions(void **state) {
  (void)state;
  long long empty =
      api_create("/api/v1/roadmaps", municipal_body(kovrov().municipality_id));
  expect_same_as_functions(empty);

  long long id = school_roadmap(new_school());
  add_item(
      id, 1, "Анализ результатов ВПР",
      "{\"kind\":\"date\",\"date\":\"2021-10-01\",\"due\":\"2021-10-01\"}");
  add_item(
      id, 3, "Семинар для учителей",
      "{\"kind\":\"date\",\"date\":\"2099-10-01\",\"due\":\"2099-10-01\"}");
  add_item(id, 2, "Ежегодный отчёт",
           "{\"kind\":\"yearly_deadline\",\"month\":1,\"day\":1}");
  add_item(id, 4, "По мере необходимости", "{\"kind\":\"unparsed\"}");
  db_exec("UPDATE roadmap_items SET status = 'done', completed_on ="
          " '2021-09-30', indicator_code = 'I1', indicator_target = 12.50"
          " WHERE roadmap_id = %lld AND position = 1",
          id);
  db_exec("UPDATE roadmap_items SET status = 'cancelled', responsible ="
          " 'Завуч \"по УВР\"' WHERE roadmap_id = %lld AND position = 4",
          id);
  expect_same_as_functions(id);
}

/* Answers are kept under the roadmap's change number and today: after
 * every kind of write, the statements' own or not, the next read is the
 * new text (and a read with nothing changed is a kept one). */
static void test_kept_after_every_write(void **state) {
  (void)state;
  long long id = school_roadmap(new_school());
  add_item(
      id, 1, "Анализ результатов ВПР",
      "{\"kind\":\"date\",\"date\":\"2021-10-01\",\"due\":\"2021-10-01\"}");
  expect_same_as_functions(id);
  const char *hit = "opora_kept_lookups_total{result=\"hit\"}";
  long long hits = metric_value(hit);
  expect_same_as_functions(id);
  assert_int_equal(metric_value(hit), hits + 2);

  add_item(
      id, 2, "Семинар для учителей",
      "{\"kind\":\"date\",\"date\":\"2099-10-01\",\"due\":\"2099-10-01\"}");
  expect_same_as_functions(id);
  db_exec("UPDATE roadmap_items SET status = 'done', completed_on ="
          " '2021-09-30' WHERE roadmap_id = %lld AND position = 1",
          id);
  expect_same_as_functions(id);
  db_exec("UPDATE roadmap_items SET responsible = 'Заместитель директора'"
          " WHERE roadmap_id = %lld AND position = 2",
          id);
  expect_same_as_functions(id);
  db_exec("UPDATE roadmaps SET title = 'Программа антирисковых мер'"
          " WHERE id = %lld",
          id);
  expect_same_as_functions(id);
  expect_patch(id, "{\"approval_document\":\"Приказ № 12\"}", 200);
  expect_same_as_functions(id);
  db_exec("DELETE FROM roadmap_items WHERE roadmap_id = %lld AND position = 2",
          id);
  expect_same_as_functions(id);
  db_exec("DELETE FROM roadmap_items WHERE roadmap_id = %lld", id);
  expect_same_as_functions(id);

  /* Gone: 404 as for any missing roadmap, whatever was kept. */
  db_exec("DELETE FROM roadmaps WHERE id = %lld", id);
  struct http_reply *r = http_get("%s?include=items", path_of(id));
  assert_status(r, 404);
  http_reply_free(r);
}

/* A kept answer carries its ETag, and a caller holding it gets 304. */
static void test_kept_etag(void **state) {
  (void)state;
  long long id = school_roadmap(new_school());
  struct http_reply *first = http_get("%s?include=items", path_of(id));
  assert_status(first, 200);
  struct http_reply *kept = http_get("%s?include=items", path_of(id));
  assert_status(kept, 200);
  assert_non_null(http_header(kept, "ETag"));
  assert_string_equal(http_header(kept, "ETag"), http_header(first, "ETag"));
  assert_string_equal(kept->body, first->body);
  char header[64];
  snprintf(header, sizeof header, "If-None-Match: %s",
           http_header(first, "ETag"));
  char path[64];
  snprintf(path, sizeof path, "%s?include=items", path_of(id));
  struct http_reply *same =
      http_request("GET", path, NULL, (const char *[]){header, NULL});
  assert_status(same, 304);
  http_reply_free(same);
  http_reply_free(kept);
  http_reply_free(first);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_read),
      cmocka_unit_test(test_bad_bodies),
      cmocka_unit_test(test_rules),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_status),
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_revisions),
      cmocka_unit_test(test_same_as_functions),
      cmocka_unit_test(test_kept_after_every_write),
      cmocka_unit_test(test_kept_etag),
  };
  harness_start("roadmaps");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
