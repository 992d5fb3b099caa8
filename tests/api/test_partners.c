/* /api/v1/schools/{id}/partners: network partnerships and mentoring between
 * a ШНОР and a school with high results, seen from both schools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *const required[] = {"partner_school_id", "kind", "starts_on",
                                       NULL};

static const char *partners_of(long long school) {
  return J("/api/v1/schools/%lld/partners", school);
}

static const char *partner_path(long long school, long long id) {
  return J("/api/v1/schools/%lld/partners/%lld", school, id);
}

static const char *network(long long partner) {
  return J("{'partner_school_id':%lld,'kind':'NETWORK',"
           "'agreement':'Договор о сетевой форме реализации образовательных "
           "программ № 5 от 01.09.2021',"
           "'starts_on':'2021-09-01','ends_on':'2024-08-31'}",
           partner);
}

struct pair {
  long long shnor, mentor;
  char shnor_code[32], mentor_code[32];
};

static struct pair new_pair(void) {
  static unsigned n;
  struct pair p;
  snprintf(p.shnor_code, sizeof p.shnor_code, "shnor-%u", ++n);
  snprintf(p.mentor_code, sizeof p.mentor_code, "mentor-%u", n);
  long long muni = kovrov().municipality_id;
  p.shnor = create_school(muni, p.shnor_code, "МБОУ «Иваново-Эсинская СОШ»");
  p.mentor = create_school(muni, p.mentor_code,
                           "МБОУ «Осиповская СОШ им. Т.Ф. Осиповского»");
  return p;
}

static void assert_school_ref(const json_t *ref, long long id, const char *code,
                              const char *short_name) {
  assert_json_int(ref, "id", id);
  assert_json_str(ref, "code", code);
  assert_json_str(ref, "short_name", short_name);
}

static void test_create_and_list_both_sides(void **state) {
  (void)state;
  struct pair p = new_pair();
  struct http_reply *r = http_post(partners_of(p.shnor), network(p.mentor));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->location, partner_path(p.shnor, id));
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "school_id", p.shnor);
  assert_json_int(r->json, "partner_school_id", p.mentor);
  assert_json_str(r->json, "kind", "NETWORK");
  assert_json_str(r->json, "starts_on", "2021-09-01");
  assert_json_str(r->json, "ends_on", "2024-08-31");
  assert_json_int(r->json, "version", 1);
  assert_school_ref(json_object_get(r->json, "school"), p.shnor, p.shnor_code,
                    "МБОУ «Иваново-Эсинская СОШ»");
  assert_school_ref(json_object_get(r->json, "partner_school"), p.mentor,
                    p.mentor_code,
                    "МБОУ «Осиповская СОШ им. Т.Ф. Осиповского»");
  char *created = json_dumps(r->json, JSON_SORT_KEYS);
  http_reply_free(r);

  long long mentoring = api_create(
      partners_of(p.shnor), J("{'partner_school_id':%lld,'kind':'MENTORING',"
                              "'starts_on':'2022-01-10'}",
                              p.mentor));

  /* Listed from either school, the same objects, ordered by id. */
  json_t *from_shnor = list_all(partners_of(p.shnor), 1);
  json_t *from_mentor = list_all(partners_of(p.mentor), 1);
  char *a = ids_of(from_shnor), *b = ids_of(from_mentor);
  assert_string_equal(a, J("%lld,%lld", id, mentoring));
  assert_string_equal(b, a);
  char *listed = json_dumps(json_array_get(from_mentor, 0), JSON_SORT_KEYS);
  assert_string_equal(listed, created);
  assert_json_null(json_array_get(from_mentor, 1), "agreement");
  free(listed);
  free(created);
  free(a);
  free(b);
  json_decref(from_shnor);
  json_decref(from_mentor);

  /* A third school sees none of them. */
  struct pair q = new_pair();
  r = http_get("%s", partners_of(q.shnor));
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = http_get("/api/v1/schools/999999/partners");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
}

static void test_create_bad_inputs(void **state) {
  (void)state;
  struct pair p = new_pair();
  char *path = strdup(partners_of(p.shnor));
  check_bad_bodies("POST", path, NULL, network(p.mentor), required);

  char *before = db_fingerprint();
  struct http_reply *r = http_post(path, network(999999));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.partner_school_id");
  http_reply_free(r);

  r = http_post(path, network(p.shnor)); /* with itself */
  assert_validation(r, "$.partner_school_id");
  http_reply_free(r);

  r = http_post(path, J("{'partner_school_id':'%lld','kind':'FRIENDSHIP',"
                        "'starts_on':'2021-09-01','school_id':%lld}",
                        p.mentor, p.shnor));
  assert_validation(r, "$.partner_school_id", "$.kind", "$.school_id");
  http_reply_free(r);

  static const char *const bodies[][2] = {
      {"{'partner_school_id':%lld,'kind':'NETWORK','starts_on':'2021-09-01',"
       "'ends_on':'2021-08-31'}",
       "$.ends_on"},
      {"{'partner_school_id':%lld,'kind':'network','starts_on':'2021-09-01'}",
       "$.kind"},
      {"{'partner_school_id':%lld,'kind':'NETWORK','starts_on':'сентябрь'}",
       "$.starts_on"},
      {"{'partner_school_id':%lld,'kind':'NETWORK','starts_on':'2021-09-01',"
       "'partner_school':{'id':1}}",
       "$.partner_school"},
      {"{'partner_school_id':%lld,'kind':'NETWORK','starts_on':'2021-09-01',"
       "'agreement':''}",
       "$.agreement"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    r = http_post(path, J(bodies[i][0], p.mentor));
    assert_validation(r, bodies[i][1]);
    http_reply_free(r);
  }
  r = http_post(J("/api/v1/schools/%lld/partners", 999999LL),
                network(p.mentor));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);

  check_bad_ids("POST", "/api/v1/schools/%s/partners", "id", NULL,
                network(p.mentor));
  check_bad_ids("GET", "/api/v1/schools/%s/partners", "id", NULL, NULL);
}

static void test_update(void **state) {
  (void)state;
  struct pair p = new_pair();
  long long id = api_create(partners_of(p.shnor), network(p.mentor));
  char *path = strdup(partner_path(p.shnor, id));
  struct http_reply *r = http_patch(
      path, "\"1\"", J("{'kind':'MENTORING','agreement':null,'ends_on':null}"));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_str(r->json, "kind", "MENTORING");
  assert_json_null(r->json, "agreement");
  assert_json_null(r->json, "ends_on");
  assert_json_str(r->json, "starts_on", "2021-09-01");
  http_reply_free(r);

  char *before = db_fingerprint();
  r = http_patch(path, "\"1\"", J("{'kind':'NETWORK'}"));
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", J("{'partner_school_id':%lld}", p.shnor));
  assert_validation(r, "$.partner_school_id");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", J("{'partner_school_id':999999}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.partner_school_id");
  http_reply_free(r);
  r = http_patch(path, "\"2\"", J("{'ends_on':'2021-08-31'}"));
  assert_problem(r, 400, "validation_failed");
  http_reply_free(r);
  r = http_patch(path, "\"2\"",
                 J("{'kind':null,'starts_on':null,'school':{}}"));
  assert_validation(r, "$.kind", "$.starts_on", "$.school");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(
      db_count("SELECT version FROM school_partnerships WHERE id = %lld", id),
      2);

  check_bad_bodies("PATCH", path, "\"2\"",
                   J("{'agreement':'Договор о наставничестве № 2',"
                     "'ends_on':'2025-08-31'}"),
                   NULL);
  check_if_match("PATCH", path, J("{'kind':'NETWORK'}"));
  check_bad_ids("PATCH", J("/api/v1/schools/%lld/partners/%%s", p.shnor),
                "partner_id", "\"2\"", J("{'kind':'NETWORK'}"));
  check_bad_ids("PATCH", J("/api/v1/schools/%%s/partners/%lld", id), "id",
                "\"2\"", J("{'kind':'NETWORK'}"));
  free(path);
}

static void test_delete(void **state) {
  (void)state;
  struct pair p = new_pair();
  long long id = api_create(partners_of(p.shnor), network(p.mentor));

  /* Neither school can go while the partnership stands. */
  char *before = db_fingerprint();
  struct http_reply *r =
      http_delete(J("/api/v1/schools/%lld", p.shnor), "\"1\"");
  assert_problem(r, 409, "still_referenced");
  http_reply_free(r);
  r = http_delete(J("/api/v1/schools/%lld", p.mentor), "\"1\"");
  assert_problem(r, 409, "still_referenced");
  http_reply_free(r);
  assert_db_unchanged(before);

  char *path = strdup(partner_path(p.shnor, id));
  check_if_match("DELETE", path, NULL);
  check_bad_ids("DELETE", J("/api/v1/schools/%lld/partners/%%s", p.shnor),
                "partner_id", "\"1\"", NULL);

  /* Through an unrelated school the partnership does not exist. */
  struct pair q = new_pair();
  before = db_fingerprint();
  r = http_delete(partner_path(q.shnor, id), "\"1\"");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);

  r = http_delete(path, "\"1\"");
  assert_status(r, 204);
  assert_int_equal(r->len, 0);
  http_reply_free(r);
  r = http_delete(path, "\"1\"");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("%s", partners_of(p.mentor));
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);

  r = http_delete(J("/api/v1/schools/%lld", p.mentor), "\"1\"");
  assert_status(r, 204);
  http_reply_free(r);
  free(path);
}

/* The answer without its request id, as text (owned). */
static char *problem_text(const struct http_reply *r) {
  json_t *copy = json_deep_copy(r->json);
  json_object_del(copy, "request_id");
  char *text = json_dumps(copy, JSON_SORT_KEYS);
  json_decref(copy);
  return text;
}

/* The same answer, but for the request id: status and problem. */
static void assert_same_answer(const struct http_reply *a,
                               const struct http_reply *b) {
  assert_int_equal(a->status, b->status);
  char *x = problem_text(a), *y = problem_text(b);
  assert_string_equal(x, y);
  free(x);
  free(y);
}

/* The code and short name of every school of a region are a directory its
 * users share, through partnerships only: a municipal user pairs its
 * school with one of another district that it cannot read, and sees of it
 * its id, code and short name, nothing more. A school of another region
 * is answered as a missing one, whoever asks. */
static void test_region_directory(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long other_district =
      create_municipality(t.region_id, uniq("33-muromsky"), "Муромский район");
  long long far_region = create_region(uniq("37"), "Ивановская область");
  long long far_district =
      create_municipality(far_region, uniq("37-shuisky"), "Шуйский район");
  long long own = create_school(t.municipality_id, uniq("dir-own"),
                                "МБОУ «Иваново-Эсинская СОШ»");
  long long strong =
      create_school(other_district, uniq("dir-strong"), "МБОУ «Лицей № 1»");
  long long far =
      create_school(far_district, uniq("dir-far"), "МБОУ «СОШ № 2»");
  char *strong_code =
      db_text("SELECT code FROM schools WHERE id = %lld", strong);
  const char *admin =
      use_token(make_token("municipal", "municipality", t.municipality_id));

  struct http_reply *r = http_get("/api/v1/schools/%lld", strong);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post(partners_of(own), network(strong));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  const json_t *ref = json_object_get(r->json, "partner_school");
  assert_int_equal(json_object_size(ref), 3);
  assert_school_ref(ref, strong, strong_code, "МБОУ «Лицей № 1»");
  assert_null(strstr(r->body, "Муромский"));
  http_reply_free(r);
  json_t *listed = list_all(partners_of(own), 5);
  assert_int_equal(json_array_size(listed), 1);
  assert_int_equal(json_object_size(json_object_get(json_array_get(listed, 0),
                                                    "partner_school")),
                   3);
  json_decref(listed);
  /* Nothing else of the partner: its own record and lists stay hidden. */
  static const char *const hidden[] = {"", "/partners", "/statuses",
                                       "/curators"};
  for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
    r = http_get("/api/v1/schools/%lld%s", strong, hidden[i]);
    assert_problem(r, 404, "not_found");
    http_reply_free(r);
  }
  r = http_patch(partner_path(strong, id), "\"1\"", "{\"kind\":\"MENTORING\"}");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);

  /* Another region's school is a missing one, for the municipal user and
   * for a global admin alike; on create and on update. */
  for (int as_admin = 0; as_admin < 2; as_admin++) {
    if (as_admin)
      use_token(admin);
    char *before = db_fingerprint();
    struct http_reply *out = http_post(partners_of(own), network(far));
    struct http_reply *none = http_post(partners_of(own), network(999999));
    assert_problem(out, 422, "reference_not_found");
    assert_error_path(out, "$.partner_school_id");
    assert_same_answer(out, none);
    http_reply_free(out);
    http_reply_free(none);
    out = http_patch(partner_path(own, id), "\"1\"",
                     J("{'partner_school_id':%lld}", far));
    none = http_patch(partner_path(own, id), "\"1\"",
                      J("{'partner_school_id':999999}"));
    assert_problem(out, 422, "reference_not_found");
    assert_same_answer(out, none);
    http_reply_free(out);
    http_reply_free(none);
    assert_db_unchanged(before);
  }
  free(strong_code);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_list_both_sides),
      cmocka_unit_test(test_create_bad_inputs),
      cmocka_unit_test(test_update),
      cmocka_unit_test(test_delete),
      cmocka_unit_test(test_region_directory),
  };
  harness_start("partners");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
