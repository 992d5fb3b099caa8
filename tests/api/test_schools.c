/* /api/v1/schools: the registry. Create, get (with municipality and open
 * statuses), partial update with If-Match, every list filter and paging,
 * delete, and every bad input. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SCHOOLS "/api/v1/schools"

static const char *const required[] = {
    "municipality_id", "code", "full_name", "short_name", "type",
    "locality",        NULL};

static const char *const nullable[] = {"address",
                                       "head_name",
                                       "phone",
                                       "email",
                                       "website",
                                       "students_count",
                                       "students_disabled_count",
                                       "teachers_count",
                                       NULL};

/* A complete, valid school body (seed 000, Kovrov district). */
static const char *ivanovo(long long municipality_id, const char *code) {
  return J("{'municipality_id':%lld,'code':'%s',"
           "'full_name':'Муниципальное бюджетное общеобразовательное "
           "учреждение «Иваново-Эсинская средняя общеобразовательная школа»',"
           "'short_name':'МБОУ «Иваново-Эсинская СОШ»',"
           "'type':'SOSH','locality':'RURAL',"
           "'address':'Владимирская область, Ковровский район, с. Иваново',"
           "'head_name':'Петрова Анна Сергеевна','phone':'+7 (49232) 5-00-00',"
           "'email':'ivanovo-esino@example.ru',"
           "'website':'https://ivanovo-esino.example.ru',"
           "'students_count':120,'students_disabled_count':7,"
           "'teachers_count':18}",
           municipality_id, code);
}

/* body with member key set to the JSON text value ("" removes it). */
static const char *with_field(const char *body, const char *key,
                              const char *value) {
  json_t *obj = json_loads(body, 0, NULL);
  assert_non_null(obj);
  if (*value) {
    json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    json_object_set_new(obj, key, v);
  } else {
    json_object_del(obj, key);
  }
  char *text = json_dumps(obj, JSON_COMPACT);
  json_decref(obj);
  const char *kept = J("%s", text);
  free(text);
  return kept;
}

static const char *school_path(long long id) {
  return J(SCHOOLS "/%lld", id);
}

static char *sorted_dump(const json_t *j) {
  return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
}

static void test_create_and_get(void **state) {
  (void)state;
  struct territory t = kovrov();
  const char *body = ivanovo(t.municipality_id, "3317001234");
  struct http_reply *r = http_post(SCHOOLS, body);
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_true(id > 0);
  assert_string_equal(r->etag, "\"1\"");
  assert_string_equal(r->location, school_path(id));

  /* Every field sent comes back as sent. */
  json_t *sent = json_loads(body, 0, NULL);
  const char *key;
  json_t *value;
  json_object_foreach(sent, key, value) {
    if (!json_equal(value, json_object_get(r->json, key))) {
      print_error("field %s differs\n", key);
      fail();
    }
  }
  json_decref(sent);
  assert_json_int(r->json, "version", 1);
  assert_non_null(jstr(r->json, "created_at"));
  assert_non_null(jstr(r->json, "updated_at"));
  json_t *m = json_object_get(r->json, "municipality");
  assert_json_int(m, "id", t.municipality_id);
  assert_json_str(m, "code", "33-kovrov");
  assert_json_str(m, "name", "Ковровский район");
  assert_json_int(m, "region_id", t.region_id);
  json_t *statuses = json_object_get(r->json, "statuses");
  assert_true(json_is_array(statuses));
  assert_int_equal(json_array_size(statuses), 0);
  char *created = sorted_dump(r->json);
  http_reply_free(r);

  r = http_get("%s", school_path(id));
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"1\"");
  char *got = sorted_dump(r->json);
  assert_string_equal(got, created);
  free(got);
  free(created);
  http_reply_free(r);

  /* Only the required fields: the others are null. */
  r = http_post(SCHOOLS, J("{'municipality_id':%lld,'code':'%s',"
                           "'full_name':'МБОУ «Краснооктябрьская СОШ»',"
                           "'short_name':'МБОУ «Краснооктябрьская СОШ»',"
                           "'type':'SOSH','locality':'RURAL'}",
                           t.municipality_id, uniq("s")));
  assert_status(r, 201);
  for (size_t i = 0; nullable[i]; i++)
    assert_json_null(r->json, nullable[i]);
  http_reply_free(r);
}

static void test_create_boundaries(void **state) {
  (void)state;
  struct territory t = kovrov();
  char code[65];
  memset(code, 'K', 64);
  code[64] = '\0';
  const char *body =
      with_field(ivanovo(t.municipality_id, code), "students_count", "100000");
  body = with_field(body, "teachers_count", "0");
  body = with_field(body, "students_disabled_count", "100000");
  body = with_field(body, "website", "\"http://school.example\"");
  struct http_reply *r = http_post(SCHOOLS, body);
  assert_status(r, 201);
  http_reply_free(r);
}

static void test_create_bad_fields(void **state) {
  (void)state;
  struct territory t = kovrov();
  /* with_field answers in the harness's ring of buffers: keep a copy. */
  char *valid = strdup(ivanovo(t.municipality_id, "bad-fields"));
  char *before = db_fingerprint();

  /* Three problems in one body: three errors. */
  const char *three = with_field(valid, "code", "5");
  three = with_field(three, "type", "\"NOPE\"");
  three = with_field(three, "colour", "\"red\"");
  struct http_reply *r = http_post(SCHOOLS, three);
  assert_validation(r, "$.code", "$.type", "$.colour");
  http_reply_free(r);

  char long_code[80] = "\"";
  memset(long_code + 1, 'K', 65);
  strcpy(long_code + 66, "\"");
  static const char *const cases[][2] = {
      {"municipality_id", "0"},
      {"municipality_id", "\"1\""},
      {"municipality_id", "null"},
      {"code", "\"\""},
      {"code", "\"   \""},
      {"type", "\"sosh\""},
      {"type", "\"ГИМНАЗИЯ\""},
      {"type", "null"},
      {"locality", "\"CITY\""},
      {"email", "\"not-an-email\""},
      {"email", "\"a@\""},
      {"email", "\"@example.ru\""},
      {"email", "\"a b@example.ru\""},
      {"website", "\"ftp://example.ru\""},
      {"website", "\"javascript:alert(1)\""},
      {"website", "\"example.ru\""},
      {"students_count", "-1"},
      {"students_count", "100001"},
      {"students_count", "1.5"},
      {"students_count", "\"120\""},
      {"students_count", "true"},
      {"teachers_count", "100001"},
      {"students_disabled_count", "121"}, /* more than students_count */
      {"municipality", "{\"id\":1}"},
      {"statuses", "[]"},
      {"id", "1"},
      {"version", "1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    r = http_post(SCHOOLS, with_field(valid, cases[i][0], cases[i][1]));
    assert_validation(r, J("$.%s", cases[i][0]));
    http_reply_free(r);
  }
  r = http_post(SCHOOLS, with_field(valid, "code", long_code));
  assert_validation(r, "$.code");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(valid);
}

static void test_create_bad_bodies(void **state) {
  (void)state;
  check_bad_bodies("POST", SCHOOLS, NULL,
                   ivanovo(kovrov().municipality_id, "bad-bodies"), required);
}

static void test_create_bad_references(void **state) {
  (void)state;
  struct territory t = kovrov();
  char *before = db_fingerprint();
  struct http_reply *r = http_post(SCHOOLS, ivanovo(999999, "no-muni"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.municipality_id");
  http_reply_free(r);
  assert_db_unchanged(before);

  create_school(t.municipality_id, "dup-code", "МБОУ «Осиповская СОШ»");
  before = db_fingerprint();
  r = http_post(SCHOOLS, ivanovo(t.municipality_id, "dup-code"));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_bad_ids(void **state) {
  (void)state;
  check_bad_ids("GET", SCHOOLS "/%s", "id", NULL, NULL);
  check_bad_ids("PATCH", SCHOOLS "/%s", "id", "\"1\"",
                J("{'phone':'+7 (49232) 1-11-11'}"));
  check_bad_ids("DELETE", SCHOOLS "/%s", "id", "\"1\"", NULL);
}

static void test_if_match(void **state) {
  (void)state;
  long long id = create_school(kovrov().municipality_id, NULL,
                               "МБОУ «Мелеховская ООШ №2»");
  char *path = strdup(school_path(id));
  const char *body = J("{'teachers_count':12}");
  check_if_match("PATCH", path, body);
  check_if_match("DELETE", path, NULL);

  struct http_reply *r = http_patch(path, "\"1\"", body);
  assert_status(r, 200);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_int(r->json, "version", 2);
  http_reply_free(r);
  char *etag = etag_of(path);
  assert_string_equal(etag, "\"2\"");
  free(etag);

  /* The first version's ETag is stale now. */
  char *before = db_fingerprint();
  r = http_patch(path, "\"1\"", body);
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  r = http_delete(path, "\"1\"");
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(db_count("SELECT version FROM schools WHERE id = %lld", id),
                   2);
  free(path);
}

static void test_patch_partial(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = api_create(SCHOOLS, ivanovo(t.municipality_id, uniq("s")));
  char *path = strdup(school_path(id));
  struct http_reply *r = http_get("%s", path);
  json_t *old = json_incref(r->json);
  http_reply_free(r);

  r = http_patch(path, "\"1\"",
                 J("{'phone':null,'students_count':130,"
                   "'head_name':'Иванова Ольга Николаевна'}"));
  assert_status(r, 200);
  assert_json_null(r->json, "phone");
  assert_json_int(r->json, "students_count", 130);
  assert_json_str(r->json, "head_name", "Иванова Ольга Николаевна");
  /* Everything else is as it was. */
  const char *key;
  json_t *value;
  json_object_foreach(old, key, value) {
    if (strcmp(key, "phone") == 0 || strcmp(key, "students_count") == 0 ||
        strcmp(key, "head_name") == 0 || strcmp(key, "version") == 0 ||
        strcmp(key, "updated_at") == 0)
      continue;
    if (!json_equal(value, json_object_get(r->json, key))) {
      print_error("PATCH changed %s\n", key);
      fail();
    }
  }
  json_decref(old);
  http_reply_free(r);

  /* All nullable fields cleared at once. */
  json_t *clear = json_object();
  for (size_t i = 0; nullable[i]; i++)
    json_object_set_new(clear, nullable[i], json_null());
  char *clear_text = json_dumps(clear, JSON_COMPACT);
  r = http_patch(path, "\"2\"", clear_text);
  assert_status(r, 200);
  for (size_t i = 0; nullable[i]; i++)
    assert_json_null(r->json, nullable[i]);
  assert_json_str(r->json, "short_name", "МБОУ «Иваново-Эсинская СОШ»");
  http_reply_free(r);
  free(clear_text);
  json_decref(clear);
  r = http_get("%s", path);
  for (size_t i = 0; nullable[i]; i++)
    assert_json_null(r->json, nullable[i]);
  assert_string_equal(r->etag, "\"3\"");
  http_reply_free(r);

  /* Moving the school shows its new municipality. */
  long long other =
      create_municipality(t.region_id, uniq("m"), "Камешковский район");
  r = http_patch(path, "\"3\"", J("{'municipality_id':%lld}", other));
  assert_status(r, 200);
  assert_json_int(json_object_get(r->json, "municipality"), "id", other);
  assert_json_str(json_object_get(r->json, "municipality"), "name",
                  "Камешковский район");
  http_reply_free(r);

  /* Required fields cannot be cleared; all six named at once. */
  char *before = db_fingerprint();
  r = http_patch(path, "\"4\"",
                 J("{'municipality_id':null,'code':null,'full_name':null,"
                   "'short_name':null,'type':null,'locality':null}"));
  assert_validation(r, "$.municipality_id", "$.code", "$.full_name",
                    "$.short_name", "$.type", "$.locality");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);
}

static void test_patch_students_within_total(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = api_create(SCHOOLS, ivanovo(t.municipality_id, uniq("s")));
  char *path = strdup(school_path(id));
  char *before = db_fingerprint();
  /* students_count is 120 in the database. */
  struct http_reply *r =
      http_patch(path, "\"1\"", J("{'students_disabled_count':150}"));
  assert_validation(r, "$.students_disabled_count");
  http_reply_free(r);
  /* students_disabled_count is 7 in the database. */
  r = http_patch(path, "\"1\"", J("{'students_count':5}"));
  assert_problem(r, 400, "validation_failed");
  assert_error_count(r, 1);
  const char *p =
      jstr(json_array_get(json_object_get(r->json, "errors"), 0), "path");
  assert_true(strcmp(p, "$.students_count") == 0 ||
              strcmp(p, "$.students_disabled_count") == 0);
  http_reply_free(r);
  r = http_patch(path, "\"1\"",
                 J("{'students_count':10,'students_disabled_count':11}"));
  assert_validation(r, "$.students_disabled_count");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);
}

static void test_patch_bad_inputs(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = api_create(SCHOOLS, ivanovo(t.municipality_id, uniq("s")));
  char *path = strdup(school_path(id));
  check_bad_bodies("PATCH", path, "\"1\"",
                   J("{'phone':'+7 (49232) 1-11-11','teachers_count':20}"),
                   NULL);

  char *before = db_fingerprint();
  struct http_reply *r =
      http_patch(path, "\"1\"", J("{'municipality_id':999999}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.municipality_id");
  http_reply_free(r);
  r = http_patch(path, "\"1\"", J("{'code':'3317001234'}"));
  assert_problem(r, 409, "already_exists");
  assert_error_path(r, "$.code");
  http_reply_free(r);
  r = http_patch(path, "\"1\"",
                 J("{'email':'нет','teachers_count':-5,'statuses':[]}"));
  assert_validation(r, "$.email", "$.teachers_count", "$.statuses");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(db_count("SELECT version FROM schools WHERE id = %lld", id),
                   1);
  free(path);
}

static void test_get_shows_open_statuses(void **state) {
  (void)state;
  long long id = create_school(kovrov().municipality_id, NULL,
                               "МБОУ «Осиповская СОШ им. Т.Ф. Осиповского»");
  long long open = create_status(id, "SHNOR", 2020);
  long long closed = create_status(id, "SHNSU", 2021);
  struct http_reply *r =
      http_patch(J(SCHOOLS "/%lld/statuses/%lld", id, closed), "\"1\"",
                 J("{'excluded_on':'2022-08-31',"
                   "'exclusion_reason':'переход в эффективный режим'}"));
  assert_status(r, 200);
  http_reply_free(r);

  r = http_get("%s", school_path(id));
  assert_status(r, 200);
  json_t *statuses = json_object_get(r->json, "statuses");
  assert_int_equal(json_array_size(statuses), 1);
  json_t *s = json_array_get(statuses, 0);
  assert_json_int(s, "id", open);
  assert_json_int(s, "school_id", id);
  assert_json_str(s, "category", "SHNOR");
  assert_json_int(s, "school_year", 2020);
  assert_json_str(s, "basis", "приказ № 653-осн от 30.12.2020");
  assert_json_str(s, "included_on", "2020-09-01");
  assert_json_null(s, "excluded_on");
  http_reply_free(r);
}

/* Sets up two regions of schools nobody else touches; returns their ids. */
struct listing {
  long long orel, livny, kushva, kovrov2;
  long long zdorovets, korotysh, rechitsa; /* Livny district */
  long long k1, k6, k10, gym;              /* Kushva */
  long long ivanovo;                       /* in kovrov2 */
};

static long long school_with(long long muni, const char *short_name,
                             const char *type, const char *locality) {
  return api_create(
      SCHOOLS, J("{'municipality_id':%lld,'code':'%s','full_name':'%s "
                 "(полное наименование)','short_name':'%s','type':'%s',"
                 "'locality':'%s'}",
                 muni, uniq("list"), short_name, short_name, type, locality));
}

static const struct listing *listing(void) {
  static struct listing l;
  if (l.orel)
    return &l;
  l.orel = create_region(uniq("57"), "Орловская область");
  l.livny = create_municipality(l.orel, uniq("m"), "Ливенский район");
  long long sverdl = create_region(uniq("66"), "Свердловская область");
  l.kushva =
      create_municipality(sverdl, uniq("m"), "Кушвинский городской округ");
  l.kovrov2 = create_municipality(kovrov().region_id, uniq("m"),
                                  "Ковровский район (поиск)");
  l.zdorovets = school_with(l.livny, "МБОУ «Здоровецкая СОШ»", "SOSH", "RURAL");
  l.korotysh = school_with(l.livny, "МБОУ «Коротышская СОШ»", "SOSH", "RURAL");
  l.rechitsa = school_with(l.livny, "МБОУ «Речицкая ООШ»", "OOSH", "RURAL");
  l.k1 = school_with(l.kushva, "МАОУ СОШ № 1", "SOSH", "URBAN");
  l.k6 = school_with(l.kushva, "МАОУ СОШ № 6", "SOSH", "URBAN");
  l.k10 = school_with(l.kushva,
                      "МАОУ СОШ № 10 с углублённым изучением отдельных "
                      "предметов",
                      "SOSH", "URBAN");
  l.gym = school_with(l.kushva, "МАОУ «Гимназия № 1»", "GYMNASIUM", "URBAN");
  l.ivanovo = api_create(SCHOOLS, ivanovo(l.kovrov2, uniq("s")));

  /* Statuses: Здоровецкая ШНОР 2021 open; Коротышская ШНОР 2021 closed and
   * ШНСУ 2022 open; Речицкая risk group 2022 open. */
  create_status(l.zdorovets, "SHNOR", 2021);
  long long closed = create_status(l.korotysh, "SHNOR", 2021);
  struct http_reply *r =
      http_patch(J(SCHOOLS "/%lld/statuses/%lld", l.korotysh, closed), "\"1\"",
                 J("{'excluded_on':'2022-06-30',"
                   "'exclusion_reason':'переход в эффективный режим'}"));
  assert_status(r, 200);
  http_reply_free(r);
  create_status(l.korotysh, "SHNSU", 2022);
  create_status(l.rechitsa, "RISK_GROUP", 2022);
  return &l;
}

/* The ids GET /schools?<query> lists over all pages, as "1,2,3". */
static char *listed(const char *query) {
  json_t *items = list_all(J(SCHOOLS "?%s", query), 2);
  char *ids = ids_of(items);
  json_decref(items);
  return ids;
}

/* "a,b,c" of the given ids sorted as the API sorts: short_name, id. */
static char *expected(const char *id_list) {
  return db_text("SELECT coalesce(string_agg(id::text, ',' "
                 "ORDER BY short_name, id), '') FROM schools WHERE id IN (%s)",
                 id_list);
}

#define assert_lists(query, ...)                                               \
  do {                                                                         \
    char *q_ = strdup(query);                                                  \
    char *got_ = listed(q_);                                                   \
    char *want_ = expected(J(__VA_ARGS__));                                    \
    if (strcmp(got_, want_) != 0) {                                            \
      print_error("GET /schools?%s\n  listed   [%s]\n  expected [%s]\n", q_,   \
                  got_, want_);                                                \
      fail();                                                                  \
    }                                                                          \
    free(q_);                                                                  \
    free(got_);                                                                \
    free(want_);                                                               \
  } while (0)

static void test_list_filters(void **state) {
  (void)state;
  const struct listing *l = listing();
  assert_lists(J("region=%lld", l->orel), "%lld,%lld,%lld", l->zdorovets,
               l->korotysh, l->rechitsa);
  assert_lists(J("municipality=%lld", l->kushva), "%lld,%lld,%lld,%lld", l->k1,
               l->k6, l->k10, l->gym);
  assert_lists(J("region=%lld&type=OOSH", l->orel), "%lld", l->rechitsa);
  assert_lists(J("municipality=%lld&type=GYMNASIUM", l->kushva), "%lld",
               l->gym);
  assert_lists(J("municipality=%lld&locality=URBAN", l->kushva),
               "%lld,%lld,%lld,%lld", l->k1, l->k6, l->k10, l->gym);
  assert_lists(J("municipality=%lld&locality=RURAL", l->kushva), "0");
  assert_lists(J("region=%lld&municipality=%lld", l->orel, l->kushva), "0");

  /* Category alone: an open status of that category. */
  assert_lists(J("region=%lld&category=SHNOR", l->orel), "%lld", l->zdorovets);
  assert_lists(J("region=%lld&category=SHNSU", l->orel), "%lld", l->korotysh);
  /* Category and year: open or closed that school year. */
  assert_lists(J("region=%lld&category=SHNOR&year=2021", l->orel), "%lld,%lld",
               l->zdorovets, l->korotysh);
  assert_lists(J("region=%lld&category=SHNSU&year=2021", l->orel), "0");
  /* Year alone: any status that year. */
  assert_lists(J("region=%lld&year=2022", l->orel), "%lld,%lld", l->korotysh,
               l->rechitsa);
  assert_lists(
      J("region=%lld&category=RISK_GROUP&year=2022&type=OOSH", l->orel), "%lld",
      l->rechitsa);

  /* Every school with a GYMNASIUM type, checked against the database. */
  char *got = listed("type=GYMNASIUM");
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY short_name, "
                       "id) FROM schools WHERE type = 'GYMNASIUM'");
  assert_string_equal(got, want);
  free(got);
  free(want);

  /* List items: the school and its municipality, not its statuses. */
  struct http_reply *r = http_get(SCHOOLS "?municipality=%lld", l->livny);
  json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
  assert_json_int(json_object_get(item, "municipality"), "id", l->livny);
  assert_json_str(json_object_get(item, "municipality"), "name",
                  "Ливенский район");
  assert_json_int(json_object_get(item, "municipality"), "region_id", l->orel);
  assert_null(json_object_get(item, "statuses"));
  assert_non_null(jstr(item, "code"));
  assert_non_null(jstr(item, "full_name"));
  http_reply_free(r);
}

static void test_list_search(void **state) {
  (void)state;
  const struct listing *l = listing();
  static const char *const hits[] = {
      "иваново",          "ИВАНОВО", "Иваново-Эсинская", "иваново-эсинская сош",
      "ЭСИНСКАЯ СРЕДНЯЯ", /* full_name only */
  };
  for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++)
    assert_lists(J("municipality=%lld&q=%s", l->kovrov2, esc(hits[i])), "%lld",
                 l->ivanovo);
  assert_lists(J("municipality=%lld&q=%s", l->kovrov2, esc("иваново-ковров")),
               "0");
  assert_lists(J("municipality=%lld&q=%s", l->kushva, esc("сош №")),
               "%lld,%lld,%lld", l->k1, l->k6, l->k10);
  assert_lists(J("municipality=%lld&q=%s", l->kushva, esc("УГЛУБЛЁННЫМ")),
               "%lld", l->k10);
  assert_lists(J("municipality=%lld&q=%s", l->kushva, esc("%")), "0");
  assert_lists(J("municipality=%lld&q=%s", l->kushva, esc("_")), "0");
  assert_lists(J("region=%lld&q=%s&category=SHNOR", l->orel, esc("сош")),
               "%lld", l->zdorovets);
}

static void test_list_paging(void **state) {
  (void)state;
  long long muni =
      create_municipality(kovrov().region_id, uniq("m"), "Вязниковский район");
  /* 130 schools, names repeating so that ties are broken by id. */
  db_exec("INSERT INTO schools (municipality_id, code, full_name, short_name,"
          " type, locality) SELECT %lld, 'page-' || g, 'Школа ' || g,"
          " 'Школа № ' || (g %% 45), 'SOSH', 'URBAN'"
          " FROM generate_series(1, 130) g",
          muni);
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY short_name, "
                       "id) FROM schools WHERE municipality_id = %lld",
                       muni);
  static const int limits[] = {1, 7, 45, 129, 130, 500};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    json_t *items = list_all(J(SCHOOLS "?municipality=%lld", muni), limits[i]);
    char *got = ids_of(items);
    if (strcmp(got, want) != 0) {
      print_error("limit=%d pages differ from the database order\n", limits[i]);
      assert_string_equal(got, want);
    }
    free(got);
    json_decref(items);
  }
  free(want);

  struct http_reply *r = http_get(SCHOOLS "?municipality=%lld", muni);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 50);
  assert_true(json_is_string(json_object_get(r->json, "next_cursor")));
  http_reply_free(r);
  r = http_get(SCHOOLS "?municipality=%lld&limit=500", muni);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 130);
  assert_true(json_is_null(json_object_get(r->json, "next_cursor")));
  http_reply_free(r);

  /* A municipality alone has a statement of its own: the same items as the
   * general one (asked for with the region that changes nothing), and none
   * for a caller of another municipality. */
  json_t *alone = list_all(J(SCHOOLS "?municipality=%lld", muni), 7);
  json_t *general = list_all(
      J(SCHOOLS "?municipality=%lld&region=%lld", muni, kovrov().region_id), 7);
  assert_int_equal(json_array_size(alone), 130);
  assert_true(json_equal(alone, general));
  json_decref(alone);
  json_decref(general);
  char admin_token[64];
  snprintf(admin_token, sizeof admin_token, "%s",
           use_token(make_token("municipal", "municipality",
                                kovrov().municipality_id)));
  r = http_get(SCHOOLS "?municipality=%lld", muni);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  use_token(admin_token);

  /* Paging with a search filter gives the same rows as one page. */
  json_t *one = list_all(
      J(SCHOOLS "?municipality=%lld&q=%s", muni, esc("школа № 1")), 500);
  json_t *paged =
      list_all(J(SCHOOLS "?municipality=%lld&q=%s", muni, esc("школа № 1")), 3);
  char *a = ids_of(one), *b = ids_of(paged);
  assert_true(json_array_size(one) > 3);
  assert_string_equal(a, b);
  free(a);
  free(b);
  json_decref(one);
  json_decref(paged);
}

static void test_list_bad_query(void **state) {
  (void)state;
  static const char *const bad[][2] = {
      {"limit=0", "query.limit"},
      {"limit=501", "query.limit"},
      {"limit=abc", "query.limit"},
      {"limit=-5", "query.limit"},
      {"cursor=abc", "query.cursor"},
      {"cursor=%%21%%21%%21", "query.cursor"},
      {"colour=red", "query.colour"},
      {"type=NOPE", "query.type"},
      {"type=sosh", "query.type"},
      {"locality=CITY", "query.locality"},
      {"category=%%D0%%A8%%D0%%9D%%D0%%9E%%D0%%A0", "query.category"},
      {"year=1999", "query.year"},
      {"year=2101", "query.year"},
      {"year=abc", "query.year"},
      {"region=abc", "query.region"},
      {"region=0", "query.region"},
      {"municipality=-1", "query.municipality"},
      {"q=", "query.q"},
      {"q=%%FF%%FE", "query.q"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct http_reply *r = http_get(SCHOOLS "?%s", bad[i][0]);
    assert_problem(r, 400, "validation_failed");
    assert_error_path(r, bad[i][1]);
    http_reply_free(r);
  }
  struct http_reply *r = http_get(SCHOOLS "?limit=0&type=NOPE&year=1999");
  assert_validation(r, "query.limit", "query.type", "query.year");
  http_reply_free(r);
}

static void test_delete(void **state) {
  (void)state;
  long long id = create_school(kovrov().municipality_id, NULL,
                               "МБОУ «Краснооктябрьская СОШ»");
  char *path = strdup(school_path(id));
  struct http_reply *r = http_delete(path, "\"1\"");
  assert_status(r, 204);
  assert_int_equal(r->len, 0);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM schools WHERE id = %lld", id),
                   0);

  r = http_get("%s", path);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  char *before = db_fingerprint();
  r = http_delete(path, "\"1\"");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(path, "\"1\"", J("{'teachers_count':1}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_db_unchanged(before);
  free(path);
}

static void test_delete_referenced(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long with_status = create_school(t.municipality_id, NULL, "ШНОР");
  long long status = create_status(with_status, "SHNOR", 2024);
  long long with_curator =
      create_school(t.municipality_id, NULL, "С куратором");
  api_create(J(SCHOOLS "/%lld/curators", with_curator),
             J("{'full_name':'Александрова Г.И.','starts_on':'2021-01-11'}"));

  char *before = db_fingerprint();
  struct http_reply *r = http_delete(school_path(with_status), "\"1\"");
  assert_problem(r, 409, "still_referenced");
  http_reply_free(r);
  r = http_delete(school_path(with_curator), "\"1\"");
  assert_problem(r, 409, "still_referenced");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* A closed status is history: it still holds the school. */
  r = http_patch(J(SCHOOLS "/%lld/statuses/%lld", with_status, status), "\"1\"",
                 J("{'excluded_on':'2025-05-31',"
                   "'exclusion_reason':'переход в эффективный режим'}"));
  assert_status(r, 200);
  http_reply_free(r);
  before = db_fingerprint();
  r = http_delete(school_path(with_status), "\"1\"");
  assert_problem(r, 409, "still_referenced");
  http_reply_free(r);
  assert_db_unchanged(before);
}

/* The status code of a raw HTTP/1.1 answer. */
static int raw_status(int fd) {
  size_t len;
  char *answer = raw_read(fd, &len);
  int status = strncmp(answer, "HTTP/1.1 ", 9) == 0 ? atoi(answer + 9) : 0;
  free(answer);
  return status;
}

/* Two writers racing with the same ETag or the same code: one wins, the
 * other gets 412 / 409, never a 500 or a lost update. */
static void test_concurrent_writes(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = create_school(t.municipality_id, NULL, "Гонка");
  for (int round = 1; round <= 5; round++) {
    char *req[2];
    int fd[2];
    for (int k = 0; k < 2; k++) {
      const char *body = J("{'teachers_count':%d}", round * 10 + k);
      req[k] = strdup(J("PATCH " SCHOOLS "/%lld HTTP/1.1\r\nHost: t\r\n"
                        "Content-Type: application/json\r\n"
                        "If-Match: \"%d\"\r\nContent-Length: %zu\r\n"
                        "Connection: close\r\n\r\n%s",
                        id, round, strlen(body), body));
    }
    for (int k = 0; k < 2; k++)
      fd[k] = raw_send(req[k], strlen(req[k]));
    int a = raw_status(fd[0]), b = raw_status(fd[1]);
    free(req[0]);
    free(req[1]);
    if (!((a == 200 && b == 412) || (a == 412 && b == 200))) {
      print_error("round %d: statuses %d and %d\n", round, a, b);
      fail();
    }
    assert_int_equal(
        db_count("SELECT version FROM schools WHERE id = %lld", id), round + 1);
  }

  for (int round = 0; round < 5; round++) {
    const char *code = uniq("race");
    const char *body =
        J("{'municipality_id':%lld,'code':'%s','full_name':'Гонка',"
          "'short_name':'Гонка','type':'SOSH','locality':'URBAN'}",
          t.municipality_id, code);
    char *req = strdup(J("POST " SCHOOLS " HTTP/1.1\r\nHost: t\r\n"
                         "Content-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                         strlen(body), body));
    int f0 = raw_send(req, strlen(req)), f1 = raw_send(req, strlen(req));
    int a = raw_status(f0), b = raw_status(f1);
    free(req);
    if (!((a == 201 && b == 409) || (a == 409 && b == 201))) {
      print_error("create race: statuses %d and %d\n", a, b);
      fail();
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_get),
      cmocka_unit_test(test_create_boundaries),
      cmocka_unit_test(test_create_bad_fields),
      cmocka_unit_test(test_create_bad_bodies),
      cmocka_unit_test(test_create_bad_references),
      cmocka_unit_test(test_bad_ids),
      cmocka_unit_test(test_if_match),
      cmocka_unit_test(test_patch_partial),
      cmocka_unit_test(test_patch_students_within_total),
      cmocka_unit_test(test_patch_bad_inputs),
      cmocka_unit_test(test_get_shows_open_statuses),
      cmocka_unit_test(test_list_filters),
      cmocka_unit_test(test_list_search),
      cmocka_unit_test(test_list_paging),
      cmocka_unit_test(test_list_bad_query),
      cmocka_unit_test(test_delete),
      cmocka_unit_test(test_delete_referenced),
      cmocka_unit_test(test_concurrent_writes),
  };
  harness_start("schools");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
