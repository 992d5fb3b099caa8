/* /api/v1/programmes and their targets: term, owner, cohort and plan; the
 * targets per rule-computed indicator and year, versioned and audited
 * (docs/PROGRAMMES.md). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TITLE                                                                                                                    \
  "Муниципальная программа повышения качества образования в школах с " \
  "низкими результатами обучения и в школах, функционирующих в "              \
  "неблагоприятных социальных условиях"
#define ORDER "приказ от 30.12.2020 № 653-осн"
#define NOTE "демонстрационные значения"

static const char *const required[] = {"owner", "title", "year_from", "year_to",
                                       NULL};
static const char *const target_required[] = {"indicator", "baseline_year",
                                              NULL};

static const char *path_of(long long id) {
  return J("/api/v1/programmes/%lld", id);
}

static const char *target_path(long long id) {
  return J("/api/v1/programme-targets/%lld", id);
}

static const char *body_for(const char *kind, long long owner, int from,
                            int to) {
  return J("{'owner':{'kind':'%s','id':%lld},'title':'" TITLE "',"
           "'year_from':%d,'year_to':%d,'approval_document':'" ORDER "'}",
           kind, owner, from, to);
}

static long long municipal_programme(void) {
  return api_create(
      "/api/v1/programmes",
      body_for("municipality", kovrov().municipality_id, 2021, 2023));
}

static const char *target_body(const char *indicator) {
  return J("{'indicator':'%s','baseline_year':2020,'baseline_value':71.5,"
           "'targets':[{'year':2023,'value':80},{'year':2021,'value':74.5},"
           "{'year':2022,'value':77}],'note':'" NOTE "'}",
           indicator);
}

static long long add_target(long long programme, const char *indicator) {
  return api_create(J("%s/targets", path_of(programme)),
                    target_body(indicator));
}

/* PATCH with the current ETag. */
static struct http_reply *patch(const char *path, const char *body) {
  char *etag = etag_of(path);
  struct http_reply *r = http_patch(path, etag, body);
  free(etag);
  return r;
}

static struct http_reply *delete_current(const char *path) {
  char *etag = etag_of(path);
  struct http_reply *r = http_delete(path, etag);
  free(etag);
  return r;
}

/* A code of the catalogue that is not rule-computed. */
static char *plain_indicator(void) {
  return db_text("SELECT code FROM indicators WHERE form <> 'rule'"
                 " ORDER BY code LIMIT 1");
}

static void test_create_and_read(void **state) {
  (void)state;
  struct territory k = kovrov();
  struct http_reply *r =
      http_post("/api/v1/programmes",
                body_for("municipality", k.municipality_id, 2021, 2023));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->location, path_of(id));
  assert_string_equal(r->etag, "\"1\"");
  json_t *owner = json_object_get(r->json, "owner");
  assert_json_str(owner, "kind", "municipality");
  assert_json_int(owner, "id", k.municipality_id);
  assert_json_int(r->json, "region_id", k.region_id);
  assert_json_str(r->json, "title", TITLE);
  assert_json_int(r->json, "year_from", 2021);
  assert_json_int(r->json, "year_to", 2023);
  json_t *cats = json_object_get(r->json, "categories");
  assert_int_equal(json_array_size(cats), 2);
  assert_string_equal(json_string_value(json_array_get(cats, 0)), "SHNOR");
  assert_string_equal(json_string_value(json_array_get(cats, 1)), "SHNSU");
  assert_json_null(r->json, "roadmap_id");
  assert_json_str(r->json, "approval_document", ORDER);
  assert_json_int(r->json, "version", 1);
  http_reply_free(r);

  r = http_get("%s", path_of(id));
  assert_status(r, 200);
  assert_json_str(r->json, "title", TITLE);
  http_reply_free(r);
  r = http_get("/api/v1/programmes/999999");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  check_bad_ids("GET", "/api/v1/programmes/%s", "id", NULL, NULL);

  /* A regional one, with its own cohort. */
  r = http_post("/api/v1/programmes",
                J("{'owner':{'kind':'region','id':%lld},'title':'Региональная "
                  "программа','year_from':2023,'year_to':2025,"
                  "'categories':['SHNSU','RISK_GROUP']}",
                  k.region_id));
  assert_status(r, 201);
  assert_json_str(json_object_get(r->json, "owner"), "kind", "region");
  assert_json_null(r->json, "approval_document");
  assert_int_equal(json_array_size(json_object_get(r->json, "categories")), 2);
  long long regional = jint(r->json, "id");
  http_reply_free(r);

  /* Audited, in the owner's place. */
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'programme' AND entity_id = %lld AND action ="
                            " 'create' AND municipality_id = %lld AND"
                            " region_id = %lld",
                            id, k.municipality_id, k.region_id),
                   1);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'programme' AND entity_id = %lld AND"
                            " municipality_id IS NULL AND region_id = %lld",
                            regional, k.region_id),
                   1);
}

static void test_validation(void **state) {
  (void)state;
  struct territory k = kovrov();
  const char *valid = body_for("municipality", k.municipality_id, 2021, 2023);
  check_bad_bodies("POST", "/api/v1/programmes", NULL, valid, required);
  char *before = db_fingerprint();
  /* Every bad field at once; the rules across fields once they pass. */
  struct http_reply *r = http_post(
      "/api/v1/programmes",
      J("{'owner':{'kind':'country','id':0},'title':'','year_from':2023,"
        "'year_to':2021,'categories':['SHNOR','SHKOLA'],'roadmap_id':0}"));
  assert_validation(r, "$.owner.kind", "$.owner.id", "$.title",
                    "$.categories[1]", "$.roadmap_id");
  http_reply_free(r);
  r = http_post("/api/v1/programmes",
                J("{'owner':{'kind':'municipality','id':%lld},'title':'x',"
                  "'year_from':2023,'year_to':2021}",
                  k.municipality_id));
  assert_validation(r, "$.year_to");
  http_reply_free(r);
  /* A term of eleven years; a category twice; years out of range. */
  r = http_post("/api/v1/programmes",
                J("{'owner':{'kind':'municipality','id':%lld},'title':'x',"
                  "'year_from':2021,'year_to':2031,"
                  "'categories':['SHNOR','SHNOR']}",
                  k.municipality_id));
  assert_validation(r, "$.year_to", "$.categories[1]");
  http_reply_free(r);
  r = http_post("/api/v1/programmes",
                J("{'owner':{'kind':'municipality','id':%lld},'title':'x',"
                  "'year_from':1999,'year_to':2101,'categories':[]}",
                  k.municipality_id));
  assert_validation(r, "$.year_from", "$.year_to", "$.categories");
  http_reply_free(r);
  /* Owners that name nothing: the foreign key, for a global admin. */
  static const char *const kinds[] = {"region", "municipality", "school"};
  for (int i = 0; i < 3; i++) {
    r = http_post("/api/v1/programmes", body_for(kinds[i], 999999, 2021, 2023));
    assert_problem(r, 422, "reference_not_found");
    assert_error_path(r, "$.owner.id");
    http_reply_free(r);
  }
  assert_db_unchanged(before);

  long long id = municipal_programme();
  const char *path = path_of(id);
  check_bad_bodies("PATCH", path, "\"1\"", J("{'title':'Программа'}"), NULL);
  check_if_match("PATCH", path, J("{'title':'Программа'}"));
  check_if_match("DELETE", path, NULL);
  check_bad_ids("PATCH", "/api/v1/programmes/%s", "id", "\"1\"",
                J("{'title':'Программа'}"));
  check_bad_ids("DELETE", "/api/v1/programmes/%s", "id", "\"1\"", NULL);
  before = db_fingerprint();
  /* The owner is the programme's; one year against the other as stored. */
  r = http_patch(
      path, "\"1\"",
      J("{'owner':{'kind':'municipality','id':%lld}}", k.municipality_id));
  assert_validation(r, "$.owner");
  http_reply_free(r);
  r = http_patch(path, "\"1\"", J("{'year_to':2020}"));
  assert_validation(r, "$.year_to");
  http_reply_free(r);
  r = http_patch(path, "\"1\"", J("{'year_from':2010}"));
  assert_validation(r, "$.year_from");
  http_reply_free(r);
  assert_db_unchanged(before);

  r = http_patch(path, "\"1\"",
                 J("{'year_to':2024,'categories':['SHNOR'],"
                   "'approval_document':null}"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_int(r->json, "year_to", 2024);
  assert_json_null(r->json, "approval_document");
  assert_int_equal(json_array_size(json_object_get(r->json, "categories")), 1);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'programme' AND entity_id = %lld AND action ="
                            " 'update' AND before ->> 'year_to' = '2023' AND"
                            " after ->> 'year_to' = '2024'",
                            id),
                   1);
}

/* The plan: a roadmap the caller sees, of the programme's region; any
 * other answers as a missing one. */
static void test_roadmap(void **state) {
  (void)state;
  struct territory k = kovrov();
  long long school =
      create_school(k.municipality_id, NULL, "МБОУ «Иваново-Эсинская СОШ»");
  long long muni2 =
      create_municipality(k.region_id, uniq("33-m"), "Вязниковский район");
  long long school2 = create_school(muni2, NULL, "МБОУ «Никологорская СОШ»");
  long long other_region = create_region(uniq("57"), "Орловская область");
  long long other_muni =
      create_municipality(other_region, uniq("57-m"), "Ливенский район");
  const char *map_body =
      "{'owner':{'kind':'municipality','id':%lld},'kind':'municipal_programme',"
      "'title':'План мероприятий','period_from':'2021-01-01',"
      "'period_to':'2023-12-31'}";
  long long map =
      api_create("/api/v1/roadmaps", J(map_body, k.municipality_id));
  long long far_map = api_create("/api/v1/roadmaps", J(map_body, other_muni));
  long long school2_map = api_create(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'school_roadmap',"
        "'title':'Дорожная карта','period_from':'2021-09-01',"
        "'period_to':'2022-08-31'}",
        school2));
  long long id = municipal_programme();

  struct http_reply *r = patch(path_of(id), J("{'roadmap_id':%lld}", map));
  assert_status(r, 200);
  assert_json_int(r->json, "roadmap_id", map);
  http_reply_free(r);

  char *before = db_fingerprint();
  r = patch(path_of(id), J("{'roadmap_id':999999}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.roadmap_id");
  char *missing = strdup(r->body + (strstr(r->body, "\"errors\"") - r->body));
  http_reply_free(r);
  /* Another region's roadmap: seen by a global admin, not of the region. */
  r = patch(path_of(id), J("{'roadmap_id':%lld}", far_map));
  assert_problem(r, 422, "reference_not_found");
  assert_string_equal(strstr(r->body, "\"errors\""), missing);
  http_reply_free(r);
  r = http_post("/api/v1/programmes",
                J("{'owner':{'kind':'municipality','id':%lld},'title':'x',"
                  "'year_from':2021,'year_to':2023,'roadmap_id':%lld}",
                  k.municipality_id, far_map));
  assert_problem(r, 422, "reference_not_found");
  assert_string_equal(strstr(r->body, "\"errors\""), missing);
  http_reply_free(r);
  assert_db_unchanged(before);

  /* A municipal user: another municipality's school roadmap is as missing
   * as one that does not exist. */
  const char *admin =
      use_token(make_token("municipal", "municipality", k.municipality_id));
  char admin_token[64];
  snprintf(admin_token, sizeof admin_token, "%s", admin);
  long long own = api_create(
      "/api/v1/programmes",
      J("{'owner':{'kind':'school','id':%lld},'title':'Программа развития',"
        "'year_from':2023,'year_to':2024}",
        school));
  char *still = db_fingerprint();
  r = patch(path_of(own), J("{'roadmap_id':%lld}", school2_map));
  assert_problem(r, 422, "reference_not_found");
  assert_string_equal(strstr(r->body, "\"errors\""), missing);
  http_reply_free(r);
  r = patch(path_of(own), J("{'roadmap_id':999999}"));
  assert_string_equal(strstr(r->body, "\"errors\""), missing);
  http_reply_free(r);
  assert_db_unchanged(still);
  use_token(admin_token);
  free(missing);
}

static void test_targets(void **state) {
  (void)state;
  long long id = municipal_programme();
  const char *list = J("%s/targets", path_of(id));
  char targets[64];
  snprintf(targets, sizeof targets, "%s", list);
  check_bad_bodies("POST", targets, NULL, target_body("GIA_PASSED_SHARE"),
                   target_required);

  struct http_reply *r = http_post(targets, target_body("IMPROVED_RESULTS"));
  assert_status(r, 201);
  long long t = jint(r->json, "id");
  assert_string_equal(r->location, target_path(t));
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "programme_id", id);
  assert_json_str(r->json, "indicator", "IMPROVED_RESULTS");
  assert_json_str(r->json, "polarity", "higher");
  assert_non_null(jstr(r->json, "indicator_name"));
  assert_non_null(strstr(jstr(r->json, "rule_text"), "5 участников"));
  assert_json_int(r->json, "baseline_year", 2020);
  assert_true(json_real_value(json_object_get(r->json, "baseline_value")) ==
              71.5);
  assert_json_str(r->json, "note", NOTE);
  /* The years in order, whatever order they came in. */
  json_t *years = json_object_get(r->json, "targets");
  assert_int_equal(json_array_size(years), 3);
  assert_json_int(json_array_get(years, 0), "year", 2021);
  assert_true(json_number_value(
                  json_object_get(json_array_get(years, 0), "value")) == 74.5);
  assert_json_int(json_array_get(years, 2), "year", 2023);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM programme_targets WHERE"
                            " id = %lld AND targets = '{\"2021\": 74.5,"
                            " \"2022\": 77, \"2023\": 80}'",
                            t),
                   1);
  long long gia = add_target(id, "GIA_PASSED_SHARE");
  long long truancy = add_target(id, "TRUANCY_COHORT_SHARE");

  /* Every rule a target breaks, at once. */
  char *before = db_fingerprint();
  char *plain = plain_indicator();
  r = http_post(targets, J("{'indicator':'%s','baseline_year':2024,"
                           "'baseline_value':100.5,'targets':[{'year':2021,"
                           "'value':-1},{'year':2024,'value':50},{'year':2021,"
                           "'value':60}]}",
                           plain));
  assert_validation(r, "$.baseline_value", "$.targets[0].value");
  http_reply_free(r);
  r = http_post(targets, J("{'indicator':'%s','baseline_year':2024,"
                           "'targets':[{'year':2021,'value':1},{'year':2024,"
                           "'value':50},{'year':2021,'value':60}]}",
                           plain));
  assert_validation(r, "$.indicator", "$.baseline_year", "$.targets[1].year",
                    "$.targets[2].year");
  http_reply_free(r);
  free(plain);
  r = http_post(targets, J("{'indicator':'NO_SUCH_INDICATOR',"
                           "'baseline_year':2020}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.indicator");
  http_reply_free(r);
  r = http_post(targets, J("{'indicator':'NO_SUCH_INDICATOR',"
                           "'baseline_year':2030}"));
  assert_validation(r, "$.indicator", "$.baseline_year");
  http_reply_free(r);
  /* One target per indicator. */
  r = http_post(targets, target_body("GIA_PASSED_SHARE"));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.indicator");
  http_reply_free(r);
  r = http_post("/api/v1/programmes/999999/targets",
                target_body("GIA_PASSED_SHARE"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* In indicator code order, a page at a time. */
  json_t *all = list_all(targets, 2);
  char *ids = ids_of(all);
  assert_string_equal(ids, J("%lld,%lld,%lld", gia, t, truancy));
  free(ids);
  json_decref(all);
  r = http_get("/api/v1/programmes/999999/targets");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  check_bad_ids("GET", "/api/v1/programmes/%s/targets", "id", NULL, NULL);

  /* Edits: If-Match, the term, audited before and after. */
  const char *tp = target_path(t);
  char tpath[64];
  snprintf(tpath, sizeof tpath, "%s", tp);
  check_if_match("PATCH", tpath, J("{'note':'другое'}"));
  check_bad_bodies("PATCH", tpath, "\"1\"", J("{'note':'другое'}"), NULL);
  check_bad_ids("GET", "/api/v1/programme-targets/%s", "id", NULL, NULL);
  before = db_fingerprint();
  r = http_patch(tpath, "\"1\"",
                 J("{'indicator':'GIA_PASSED_SHARE','targets':[{'year':2020,"
                   "'value':101}]}"));
  assert_validation(r, "$.indicator", "$.targets[0].value");
  http_reply_free(r);
  r = http_patch(tpath, "\"1\"",
                 J("{'targets':[{'year':2022,'value':2},{'year':2022,"
                   "'value':3}]}"));
  assert_validation(r, "$.targets[1].year");
  http_reply_free(r);
  r = http_patch(tpath, "\"1\"",
                 J("{'baseline_year':2024,'targets':[{'year':2020,"
                   "'value':1}]}"));
  assert_validation(r, "$.baseline_year", "$.targets[0].year");
  http_reply_free(r);
  assert_db_unchanged(before);
  r = http_patch(tpath, "\"1\"",
                 J("{'targets':[{'year':2022,'value':78.25}],"
                   "'baseline_value':null}"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_null(r->json, "baseline_value");
  years = json_object_get(r->json, "targets");
  assert_int_equal(json_array_size(years), 1);
  assert_json_int(json_array_get(years, 0), "year", 2022);
  http_reply_free(r);
  r = patch(tpath, J("{'note':'" NOTE ", уточнённые'}"));
  assert_status(r, 200);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'programme_target' AND entity_id = %lld AND"
                            " action = 'update' AND before -> 'targets' ->"
                            " 0 ->> 'year' = '2021' AND jsonb_array_length("
                            "after -> 'targets') = 1",
                            t),
                   1);

  /* The target's history: every audited version, newest first. */
  r = http_get("%s/history", tpath);
  assert_status(r, 200);
  json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 3);
  assert_json_str(json_array_get(items, 0), "action", "update");
  assert_json_str(json_object_get(json_array_get(items, 0), "after"), "note",
                  NOTE ", уточнённые");
  assert_json_str(json_array_get(items, 2), "action", "create");
  assert_non_null(jstr(json_array_get(items, 2), "actor"));
  http_reply_free(r);
  json_t *pages = list_all(J("%s/history", tpath), 1);
  assert_int_equal(json_array_size(pages), 3);
  json_decref(pages);
  r = http_get("/api/v1/programme-targets/999999/history");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);

  /* Deleted with If-Match, audited. */
  check_if_match("DELETE", tpath, NULL);
  r = delete_current(tpath);
  assert_status(r, 204);
  http_reply_free(r);
  r = http_get("%s", tpath);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'programme_target' AND entity_id = %lld AND"
                            " action = 'delete' AND before IS NOT NULL",
                            t),
                   1);
}

/* A shorter term leaves no target outside it: 409 naming them. */
static void test_term(void **state) {
  (void)state;
  long long id = municipal_programme();
  long long gia = add_target(id, "GIA_PASSED_SHARE");
  long long staffing = add_target(id, "STAFFING_COHORT_LEVEL");
  char *before = db_fingerprint();
  struct http_reply *r = patch(path_of(id), J("{'year_to':2022}"));
  assert_problem(r, 409, "conflict");
  assert_error_count(r, 2);
  assert_error_path(r, "$.year_to");
  assert_non_null(strstr(r->body, J("target %lld (GIA_PASSED_SHARE)", gia)));
  assert_non_null(
      strstr(r->body, J("target %lld (STAFFING_COHORT_LEVEL)", staffing)));
  http_reply_free(r);
  r = patch(path_of(id), J("{'year_from':2022}"));
  assert_problem(r, 409, "conflict");
  assert_error_path(r, "$.year_from");
  http_reply_free(r);
  assert_db_unchanged(before);
  /* Once the years are inside, the term shrinks. */
  r = patch(target_path(gia), J("{'targets':[{'year':2021,'value':74}]}"));
  assert_status(r, 200);
  http_reply_free(r);
  r = patch(target_path(staffing), J("{'targets':[]}"));
  assert_status(r, 200);
  http_reply_free(r);
  r = patch(path_of(id), J("{'year_to':2021}"));
  assert_status(r, 200);
  http_reply_free(r);
  /* A baseline after the end holds a term too. */
  r = patch(path_of(id), J("{'year_from':2019,'year_to':2019}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
}

/* A programme with targets is not deleted; without, it is. */
static void test_delete(void **state) {
  (void)state;
  long long id = municipal_programme();
  long long t = add_target(id, "ROADMAP_ITEMS_ON_TIME_SHARE");
  char *before = db_fingerprint();
  struct http_reply *r = delete_current(path_of(id));
  assert_problem(r, 409, "still_referenced");
  http_reply_free(r);
  assert_db_unchanged(before);
  r = delete_current(target_path(t));
  assert_status(r, 204);
  http_reply_free(r);
  r = delete_current(path_of(id));
  assert_status(r, 204);
  http_reply_free(r);
  r = http_get("%s", path_of(id));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'programme' AND entity_id = %lld AND action ="
                            " 'delete' AND municipality_id = %lld",
                            id, kovrov().municipality_id),
                   1);
}

/* Whether the list at path holds each of ids (a bit each, in order). */
static unsigned listed(const char *path, const long long *ids, size_t n) {
  json_t *all = list_all(path, 100);
  unsigned found = 0;
  for (size_t i = 0; i < json_array_size(all); i++)
    for (size_t k = 0; k < n; k++)
      if (jint(json_array_get(all, i), "id") == ids[k])
        found |= 1u << k;
  json_decref(all);
  return found;
}

static void test_scope(void **state) {
  (void)state;
  struct territory k = kovrov();
  long long muni2 =
      create_municipality(k.region_id, uniq("33-m"), "Муромский район");
  long long school =
      create_school(k.municipality_id, NULL, "МБОУ «Красномаяковская СОШ»");
  long long id = municipal_programme();
  long long t = add_target(id, "EQUAL_ACCESS_SCHOOLS_SHARE");
  long long regional = api_create("/api/v1/programmes",
                                  body_for("region", k.region_id, 2023, 2025));
  long long own =
      api_create("/api/v1/programmes", body_for("school", school, 2023, 2024));
  const char *admin = use_token(NULL);
  char admin_token[64];
  snprintf(admin_token, sizeof admin_token, "%s", admin);

  /* A municipal user of another municipality: as missing. */
  char *before = db_fingerprint();
  use_token(make_token("municipal", "municipality", muni2));
  static const char *const paths[] = {"/api/v1/programmes/%lld",
                                      "/api/v1/programmes/%lld/targets"};
  for (int i = 0; i < 2; i++) {
    struct http_reply *seen = http_get(paths[i], id);
    struct http_reply *none = http_get(paths[i], 999999LL);
    assert_problem(seen, 404, "not_found");
    assert_problem(none, 404, "not_found");
    char *a = strdup(jstr(seen->json, "detail"));
    const char *b = jstr(none->json, "detail");
    /* Only the id differs. */
    assert_int_equal(strlen(a) - strlen(J("%lld", id)),
                     strlen(b) - strlen("999999"));
    free(a);
    http_reply_free(seen);
    http_reply_free(none);
  }
  struct http_reply *r = http_get("%s", target_path(t));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(target_path(t), "\"1\"", J("{'note':'x'}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post(J("%s/targets", path_of(id)), target_body("GIA_PASSED_SHARE"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* It reads the regional one, but writes it not; nor owns it anew. */
  r = http_get("%s", path_of(regional));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_patch(path_of(regional), "\"1\"", J("{'title':'Другое'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_post("/api/v1/programmes",
                body_for("region", k.region_id, 2023, 2025));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.owner");
  http_reply_free(r);
  r = http_post("/api/v1/programmes",
                body_for("municipality", k.municipality_id, 2023, 2025));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.owner");
  http_reply_free(r);
  long long seen[] = {id, regional, own};
  assert_int_equal(listed("/api/v1/programmes", seen, 3), 2);
  assert_db_unchanged(before);

  /* A school: its own programme and targets it writes; the district's it
   * reads only. */
  use_token(make_token("school", "school", school));
  r = patch(path_of(own), J("{'title':'Программа (концепция) развития'}"));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_post(
      J("%s/targets", path_of(own)),
      J("{'indicator':'TEACHERS_TRAINED_COHORT_SHARE',"
        "'baseline_year':2022,'targets':[{'year':2024,'value':100}]}"));
  assert_status(r, 201);
  http_reply_free(r);
  before = db_fingerprint();
  r = http_get("%s", target_path(t));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_patch(target_path(t), "\"1\"", J("{'note':'x'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_delete(target_path(t), "\"1\"");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  /* Deleting a programme it reads only: the scope's answer, naming the
   * owner (no rule of an update runs for a delete). */
  r = delete_current(path_of(id));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.owner");
  http_reply_free(r);
  r = http_post(J("%s/targets", path_of(id)), target_body("GIA_PASSED_SHARE"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_post("/api/v1/programmes",
                body_for("municipality", k.municipality_id, 2023, 2025));
  assert_problem(r, 403, "forbidden");
  assert_error_path(r, "$.owner");
  http_reply_free(r);
  assert_db_unchanged(before);
  use_token(admin_token);
}

static void test_list(void **state) {
  (void)state;
  struct territory k = kovrov();
  long long school =
      create_school(k.municipality_id, NULL, "МКОУ СОШ с.п. Красноармейское");
  long long other_region = create_region(uniq("40"), "Калужская область");
  long long ids[] = {
      municipal_programme(),
      api_create("/api/v1/programmes",
                 body_for("region", k.region_id, 2023, 2025)),
      api_create("/api/v1/programmes", body_for("school", school, 2023, 2024)),
      api_create("/api/v1/programmes",
                 body_for("region", other_region, 2021, 2022)),
  };
  enum { MUNI = 1, REGION = 2, SCHOOL = 4, OTHER = 8 };
  assert_int_equal(
      listed(J("/api/v1/programmes?owner_region=%lld", k.region_id), ids, 4),
      REGION);
  assert_int_equal(
      listed(J("/api/v1/programmes?owner_municipality=%lld", k.municipality_id),
             ids, 4),
      MUNI);
  assert_int_equal(
      listed(J("/api/v1/programmes?owner_school=%lld", school), ids, 4),
      SCHOOL);
  assert_int_equal(
      listed(J("/api/v1/programmes?region=%lld", k.region_id), ids, 4),
      MUNI | REGION | SCHOOL);
  assert_int_equal(
      listed(J("/api/v1/programmes?municipality=%lld", k.municipality_id), ids,
             4),
      MUNI | SCHOOL);
  assert_int_equal(listed("/api/v1/programmes?year=2025", ids, 4), REGION);
  assert_int_equal(listed("/api/v1/programmes?year=2021", ids, 4),
                   MUNI | OTHER);
  struct http_reply *r = http_get("/api/v1/programmes?year=1999&region=0");
  assert_validation(r, "query.year", "query.region");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_read),
      cmocka_unit_test(test_validation),
      cmocka_unit_test(test_roadmap),
      cmocka_unit_test(test_targets),
      cmocka_unit_test(test_term),
      cmocka_unit_test(test_delete),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_list),
  };
  harness_start("programmes");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
