/* /api/v1/roadmaps/{id}/items, /api/v1/roadmap-items and their reports
 * (docs/PLANS.md, "Items", "Reports"). Roadmaps are made with SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SECTION                                                                                                                     \
  "1.Совершенствование управления и нормативно-правого регулирования в " \
  "системе образования"
#define ACTIVITY                                                                                                                              \
  "Создание рабочей группы управления образования, координирующей работу по " \
  "поддержке группы ШНОР и ШНСУ"
#define RESPONSIBLE "УО АКР, МБУ «ЦРО»"

static const char *const required[] = {"activity", NULL};

static char admin[64];
static void as_admin(void) {
  use_token(admin);
}

static long long school_roadmap(long long school, const char *status) {
  return db_count(
      "INSERT INTO roadmaps (owner_school_id, kind, title, period_from,"
      " period_to, status, approval_document, approved_on) VALUES (%lld,"
      " 'school_roadmap', 'Дорожная карта 2021', '2021-01-01', '2021-12-31',"
      " '%s', %s) RETURNING id",
      school, status,
      strcmp(status, "draft") == 0
          ? "NULL, NULL"
          : "'приказ № 36 от 16.02.2023', '2023-02-16'");
}

static long long muni_roadmap(long long muni, const char *status) {
  return db_count(
      "INSERT INTO roadmaps (owner_municipality_id, kind, title, period_from,"
      " period_to, status, approval_document, approved_on) VALUES (%lld,"
      " 'municipal_programme', 'Муниципальная программа', '2021-01-01',"
      " '2021-12-31', '%s', 'приказ № 1', '2021-01-10') RETURNING id",
      muni, status);
}

static const char *items_of(long long roadmap) {
  return J("/api/v1/roadmaps/%lld/items", roadmap);
}
static const char *item_path(long long id) {
  return J("/api/v1/roadmap-items/%lld", id);
}

static const char *seed_item(void) {
  return J("{'number':'1.1','section':'" SECTION "','activity':'" ACTIVITY
           "','schedule_text':'Январь 2021 года','responsible':'" RESPONSIBLE
           "'}");
}

static long long add_item(long long roadmap, const char *activity) {
  struct http_reply *r =
      http_post(items_of(roadmap), J("{'activity':'%s'}", activity));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  http_reply_free(r);
  return id;
}

static long long new_school(void) {
  return create_school(kovrov().municipality_id, NULL,
                       "МБОУ «Иваново-Эсинская СОШ»");
}

static char *positions(long long roadmap) {
  return db_text("SELECT string_agg(activity || '@' || position, ','"
                 " ORDER BY position) FROM roadmap_items WHERE roadmap_id ="
                 " %lld",
                 roadmap);
}

static void test_create_and_read(void **state) {
  (void)state;
  long long roadmap = school_roadmap(new_school(), "draft");
  struct http_reply *r = http_post(items_of(roadmap), seed_item());
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  assert_string_equal(r->location, item_path(id));
  assert_string_equal(r->etag, "\"1\"");
  assert_json_int(r->json, "roadmap_id", roadmap);
  assert_json_int(r->json, "position", 1);
  assert_json_str(r->json, "number", "1.1");
  assert_json_str(r->json, "section", SECTION);
  assert_json_str(r->json, "activity", ACTIVITY);
  assert_json_str(r->json, "schedule_text", "Январь 2021 года");
  assert_true(json_is_object(json_object_get(r->json, "schedule")));
  assert_non_null(jstr(json_object_get(r->json, "schedule"), "kind"));
  assert_json_str(r->json, "responsible", RESPONSIBLE);
  assert_json_str(r->json, "status", "planned");
  assert_json_null(r->json, "completed_on");
  assert_json_null(r->json, "risk_factor");
  assert_true(json_is_boolean(json_object_get(r->json, "overdue")));
  assert_non_null(json_object_get(r->json, "due_on"));
  assert_json_int(r->json, "version", 1);
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'roadmap_item' AND entity_id = %lld AND action"
                            " = 'create' AND municipality_id = %lld",
                            id, kovrov().municipality_id),
                   1);

  r = http_get("%s", item_path(id));
  assert_status(r, 200);
  assert_json_str(r->json, "activity", ACTIVITY);
  assert_string_equal(r->etag, "\"1\"");
  http_reply_free(r);

  /* Appended, or inserted at a position moving the others down. */
  add_item(roadmap, "второе");
  r = http_post(items_of(roadmap), J("{'activity':'первое','position':1}"));
  assert_status(r, 201);
  assert_json_int(r->json, "position", 1);
  http_reply_free(r);
  r = http_post(items_of(roadmap),
                J("{'activity':'последнее','position':99,'risk_factor':'RF03',"
                  "'indicator_code':'TEACHERS_FIRST_CATEGORY_SHARE',"
                  "'indicator_target':41.5}"));
  assert_status(r, 201);
  assert_json_int(r->json, "position", 4);
  assert_json_str(r->json, "risk_factor", "RF03");
  /* A target share keeps its fraction. */
  assert_true(json_real_value(json_object_get(r->json, "indicator_target")) ==
              41.5);
  http_reply_free(r);
  char *p = positions(roadmap);
  assert_string_equal(p, "первое@1," ACTIVITY "@2,второе@3,последнее@4");
  free(p);

  json_t *all = list_all(items_of(roadmap), 3);
  assert_int_equal(json_array_size(all), 4);
  assert_json_str(json_array_get(all, 0), "activity", "первое");
  assert_json_str(json_array_get(all, 3), "activity", "последнее");
  json_decref(all);

  /* An unknown risk factor is a reference that is not there. */
  char *before = db_fingerprint();
  r = http_post(items_of(roadmap), J("{'activity':'x','risk_factor':'RF99'}"));
  assert_problem(r, 422, "reference_not_found");
  assert_error_path(r, "$.risk_factor");
  http_reply_free(r);
  assert_db_unchanged(before);
}

static void test_bad_requests(void **state) {
  (void)state;
  long long roadmap = school_roadmap(new_school(), "draft");
  check_bad_bodies("POST", items_of(roadmap), NULL, seed_item(), required);
  long long id = add_item(roadmap, "мероприятие");
  check_bad_bodies("PATCH", item_path(id), "\"1\"", seed_item(), NULL);
  check_bad_bodies("POST", J("%s/reports", item_path(id)), NULL,
                   J("{'reported_on':'2021-01-20','text':'сделано'}"),
                   ((const char *const[]){"reported_on", "text", NULL}));
  check_bad_ids("GET", "/api/v1/roadmap-items/%s", "id", NULL, NULL);
  check_bad_ids("PATCH", "/api/v1/roadmap-items/%s", "id", "\"1\"",
                "{\"activity\":\"x\"}");
  check_bad_ids("DELETE", "/api/v1/roadmap-items/%s", "id", "\"1\"", NULL);
  check_bad_ids("GET", "/api/v1/roadmaps/%s/items", "id", NULL, NULL);
  check_bad_ids("POST", "/api/v1/roadmaps/%s/items", "id", NULL,
                "{\"activity\":\"x\"}");
  check_bad_ids("GET", "/api/v1/roadmap-items/%s/reports", "id", NULL, NULL);
  check_if_match("PATCH", item_path(id), "{\"activity\":\"x\"}");
  check_if_match("DELETE", item_path(id), NULL);
  struct http_reply *r = http_get("/api/v1/roadmap-items?overdue=maybe");
  assert_validation(r, "query.overdue");
  http_reply_free(r);
}

static void test_update_and_delete(void **state) {
  (void)state;
  long long roadmap = school_roadmap(new_school(), "draft");
  long long a = add_item(roadmap, "a"), b = add_item(roadmap, "b");
  long long c = add_item(roadmap, "c");
  (void)b;
  struct http_reply *r =
      http_patch(item_path(c), "\"1\"",
                 J("{'position':1,'schedule_text':'Январь 2021 года',"
                   "'responsible':'" RESPONSIBLE "'}"));
  assert_status(r, 200);
  assert_json_int(r->json, "position", 1);
  assert_json_int(r->json, "version", 2);
  assert_string_equal(r->etag, "\"2\"");
  assert_json_str(r->json, "responsible", RESPONSIBLE);
  assert_non_null(json_object_get(r->json, "schedule"));
  http_reply_free(r);
  char *p = positions(roadmap);
  assert_string_equal(p, "c@1,a@2,b@3");
  free(p);

  /* Stale: a moved on when c took its place. */
  r = http_patch(item_path(a), "\"1\"", J("{'activity':'aa'}"));
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);

  char *etag = etag_of(item_path(a));
  r = http_delete(item_path(a), etag);
  assert_status(r, 204);
  http_reply_free(r);
  free(etag);
  p = positions(roadmap);
  assert_string_equal(p, "c@1,b@2");
  free(p);
  r = http_get("%s", item_path(a));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'roadmap_item' AND entity_id = %lld AND action"
                            " = 'delete'",
                            a),
                   1);
}

static void test_scope(void **state) {
  (void)state;
  struct territory k = kovrov();
  long long school = new_school();
  long long roadmap = school_roadmap(school, "draft");
  long long item = add_item(roadmap, "мероприятие школы");
  long long mroad = muni_roadmap(k.municipality_id, "draft");
  db_exec("UPDATE roadmaps SET status = 'draft', approval_document = NULL,"
          " approved_on = NULL WHERE id = %lld",
          mroad);
  long long mitem = add_item(mroad, "мероприятие района");
  long long other = create_municipality(k.region_id, uniq("33"), "Другой");

  /* The school writes its own roadmap. */
  const char *school_token = make_token("school", "school", school);
  use_token(school_token);
  struct http_reply *r =
      http_patch(item_path(item), "\"1\"", J("{'activity':'своё'}"));
  assert_status(r, 200);
  http_reply_free(r);

  /* A municipality elsewhere sees neither. */
  use_token(make_token("municipal", "municipality", other));
  char *before = db_fingerprint();
  r = http_get("%s", item_path(item));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post(items_of(roadmap), J("{'activity':'x'}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_patch(item_path(item), "\"1\"", J("{'activity':'x'}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  json_t *all = list_all("/api/v1/roadmap-items", 50);
  assert_int_equal(json_array_size(all), 0);
  json_decref(all);

  /* The school sees its municipality's roadmap but may not change it. */
  use_token(school_token);
  r = http_get("%s", item_path(mitem));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_patch(item_path(mitem), "\"1\"", J("{'activity':'x'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_post(items_of(mroad), J("{'activity':'x'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);

  /* A reader reads, never writes. */
  use_token(make_token("reader", "region", k.region_id));
  r = http_get("%s", item_path(item));
  assert_status(r, 200);
  http_reply_free(r);
  r = http_patch(item_path(item), "\"2\"", J("{'activity':'x'}"));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  as_admin();
  assert_db_unchanged(before);
}

static void test_non_draft(void **state) {
  (void)state;
  long long roadmap = school_roadmap(new_school(), "draft");
  long long id = add_item(roadmap, "мероприятие");
  db_exec("UPDATE roadmaps SET status = 'approved', approval_document ="
          " 'приказ № 36 от 16.02.2023', approved_on = '2023-02-16' WHERE id ="
          " %lld",
          roadmap);
  char *before = db_fingerprint();
  struct http_reply *r = http_post(items_of(roadmap), J("{'activity':'x'}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  r = http_patch(item_path(id), "\"1\"", J("{'activity':'x'}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  r = http_patch(item_path(id), "\"1\"", J("{'status':'done','position':1}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  r = http_delete(item_path(id), "\"1\"");
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  const char *csv[] = {"Content-Type: text/csv", NULL};
  r = http_request("POST", J("%s:import", items_of(roadmap)), "activity\nx\n",
                   csv);
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* Status and completed_on still change: that is reporting. */
  r = http_patch(item_path(id), "\"1\"",
                 J("{'status':'done','completed_on':'2021-02-01'}"));
  assert_status(r, 200);
  assert_json_str(r->json, "status", "done");
  assert_json_str(r->json, "completed_on", "2021-02-01");
  http_reply_free(r);
}

/* Items due yesterday, tomorrow, and done yesterday. */
static void test_overdue(void **state) {
  (void)state;
  long long school = new_school();
  long long roadmap = school_roadmap(school, "draft");
  long long late = add_item(roadmap, "просрочено");
  long long soon = add_item(roadmap, "завтра");
  long long done = add_item(roadmap, "сделано");
  const char *due = "jsonb_build_object('kind', 'date', 'date', d, 'due', d)";
  db_exec("UPDATE roadmap_items SET schedule = (SELECT %s FROM (SELECT"
          " (current_date - 1)::text d) x) WHERE id IN (%lld, %lld)",
          due, late, done);
  db_exec("UPDATE roadmap_items SET schedule = (SELECT %s FROM (SELECT"
          " (current_date + 1)::text d) x) WHERE id = %lld",
          due, soon);
  db_exec("UPDATE roadmap_items SET status = 'done' WHERE id = %lld", done);

  struct http_reply *r = http_get("%s", item_path(late));
  assert_true(json_is_true(json_object_get(r->json, "overdue")));
  http_reply_free(r);
  r = http_get("%s", item_path(done));
  assert_true(json_is_false(json_object_get(r->json, "overdue")));
  http_reply_free(r);

  json_t *all = list_all(
      J("/api/v1/roadmap-items?overdue=true&roadmap=%lld", roadmap), 10);
  char *ids = ids_of(all);
  assert_string_equal(ids, J("%lld", late));
  free(ids);
  const json_t *rm = json_object_get(json_array_get(all, 0), "roadmap");
  assert_json_int(rm, "id", roadmap);
  assert_json_str(rm, "title", "Дорожная карта 2021");
  assert_json_str(json_object_get(rm, "owner"), "kind", "school");
  assert_json_int(json_object_get(rm, "owner"), "id", school);
  json_decref(all);
  all = list_all(J("/api/v1/roadmap-items?overdue=false&roadmap=%lld", roadmap),
                 10);
  ids = ids_of(all);
  assert_string_equal(ids, J("%lld,%lld", soon, done));
  free(ids);
  json_decref(all);
  all = list_all(J("/api/v1/roadmap-items?status=done&municipality=%lld"
                   "&roadmap=%lld",
                   kovrov().municipality_id, roadmap),
                 10);
  assert_int_equal(json_array_size(all), 1);
  json_decref(all);
}

/* An item with a schedule as written: its answer (caller frees it). */
static struct http_reply *item_scheduled(long long roadmap, const char *text) {
  struct http_reply *r =
      http_post(items_of(roadmap),
                J("{'activity':'мониторинг','schedule_text':'%s'}", text));
  assert_status(r, 201);
  return r;
}

/* Schedules as people write them drive overdue (issue 11): «I полугодие
 * 2021 г.», five years late, is in ?overdue=true; «ежегодно, до 15
 * сентября» (comma or not) is a yearly deadline, due on this year's 15
 * September, not once in the roadmap's first year; a monthly day and the
 * end of every year are never overdue. */
static void test_schedule_wordings(void **state) {
  (void)state;
  long long roadmap = school_roadmap(new_school(), "draft");
  struct http_reply *r = item_scheduled(roadmap, "I полугодие 2021 г.");
  long long half = jint(r->json, "id");
  assert_json_str(json_object_get(r->json, "schedule"), "kind", "month_range");
  assert_json_str(r->json, "due_on", "2021-06-30");
  assert_true(json_is_true(json_object_get(r->json, "overdue")));
  http_reply_free(r);

  char *this_year = db_text("SELECT make_date(extract(year FROM current_date)"
                            "::int, 9, 15)::text");
  int passed =
      (int)db_count("SELECT (make_date(extract(year FROM"
                    " current_date)::int, 9, 15) < current_date)::int");
  r = item_scheduled(roadmap, "ежегодно, до 15 сентября");
  long long yearly = jint(r->json, "id");
  json_t *comma = json_incref(json_object_get(r->json, "schedule"));
  assert_json_str(comma, "kind", "yearly_deadline");
  assert_json_int(comma, "month", 9);
  assert_json_int(comma, "day", 15);
  assert_json_str(r->json, "due_on", this_year);
  assert_int_equal(json_is_true(json_object_get(r->json, "overdue")), passed);
  http_reply_free(r);
  r = item_scheduled(roadmap, "Ежегодно до 15 сентября");
  assert_true(json_equal(comma, json_object_get(r->json, "schedule")));
  assert_json_str(r->json, "due_on", this_year);
  long long plain = jint(r->json, "id");
  http_reply_free(r);
  json_decref(comma);
  free(this_year);

  r = item_scheduled(roadmap, "до конца текущего года");
  assert_json_str(json_object_get(r->json, "schedule"), "kind",
                  "yearly_deadline");
  assert_true(json_is_false(json_object_get(r->json, "overdue")));
  http_reply_free(r);
  r = item_scheduled(roadmap, "Ежемесячно, до 5 числа");
  assert_json_int(json_object_get(r->json, "schedule"), "day", 5);
  assert_json_null(r->json, "due_on");
  assert_true(json_is_false(json_object_get(r->json, "overdue")));
  http_reply_free(r);

  json_t *all = list_all(
      J("/api/v1/roadmap-items?overdue=true&roadmap=%lld", roadmap), 10);
  char *ids = ids_of(all);
  assert_string_equal(ids, passed ? J("%lld,%lld,%lld", half, yearly, plain)
                                  : J("%lld", half));
  free(ids);
  json_decref(all);
}

static void test_reports(void **state) {
  (void)state;
  long long school = new_school();
  long long roadmap = school_roadmap(school, "in_progress");
  long long id =
      db_count("INSERT INTO roadmap_items (roadmap_id, position, activity)"
               " VALUES (%lld, 1, '" ACTIVITY "') RETURNING id",
               roadmap);
  const char *reports = J("%s/reports", item_path(id));
  struct http_reply *r =
      http_post(reports, J("{'reported_on':'2021-01-20','text':'Рабочая группа "
                           "создана','status':'in_progress'}"));
  assert_status(r, 201);
  assert_json_str(r->json, "status", "in_progress");
  assert_non_null(jstr(r->json, "author"));
  http_reply_free(r);

  /* A curator of the school reports too. */
  long long curator = make_user("curator", "region", kovrov().region_id);
  db_exec("INSERT INTO school_curators (school_id, full_name, starts_on,"
          " user_id) VALUES (%lld, 'Куратор', current_date - 1, %lld)",
          school, curator);
  use_token(token_for_user(curator));
  r = http_post(reports, J("{'reported_on':'2021-01-25','text':'Приказ "
                           "издан','evidence_url':'https://example.org/"
                           "prikaz.pdf','status':'done'}"));
  assert_status(r, 201);
  char *login = db_text("SELECT login FROM users WHERE id = %lld", curator);
  assert_json_str(r->json, "author", login);
  free(login);
  http_reply_free(r);
  as_admin();

  r = http_get("%s", item_path(id));
  assert_json_str(r->json, "status", "done");
  assert_json_str(r->json, "completed_on", "2021-01-25");
  assert_json_int(r->json, "version", 3);
  http_reply_free(r);

  json_t *all = list_all(reports, 1);
  assert_int_equal(json_array_size(all), 2);
  assert_json_str(json_array_get(all, 0), "text", "Приказ издан");
  json_decref(all);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'roadmap_item_report'"),
                   2);

  /* No reports on a completed roadmap, and none out of sight. */
  db_exec("UPDATE roadmaps SET status = 'completed' WHERE id = %lld", roadmap);
  long long other = create_municipality(kovrov().region_id, uniq("33"), "Д");
  char *before = db_fingerprint();
  r = http_post(reports, J("{'reported_on':'2021-01-26','text':'ещё'}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  use_token(make_token("municipal", "municipality", other));
  r = http_post(reports, J("{'reported_on':'2021-01-26','text':'ещё'}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("%s", reports);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  as_admin();
  assert_db_unchanged(before);
}

/* The roadmap's version, its ETag, for the roadmap as read. */
static long long roadmap_version(long long roadmap) {
  struct http_reply *r = http_get("/api/v1/roadmaps/%lld", roadmap);
  assert_status(r, 200);
  long long v = jint(r->json, "version");
  assert_string_equal(r->etag, J("\"%lld\"", v));
  http_reply_free(r);
  return v;
}

/* Each write on its items moves the roadmap's ETag by one: a client that
 * caches the roadmap (its counts, ?include=items) revalidates on it. */
static void expect_moved(long long roadmap, long long *version) {
  long long now = roadmap_version(roadmap);
  assert_int_equal(now, *version + 1);
  *version = now;
}

static void test_roadmap_etag_follows_items(void **state) {
  (void)state;
  long long roadmap = school_roadmap(new_school(), "draft");
  const char *path = J("/api/v1/roadmaps/%lld", roadmap);
  long long v = roadmap_version(roadmap);
  char *first = etag_of(path);

  long long a = add_item(roadmap, "Анализ результатов ВПР");
  expect_moved(roadmap, &v);
  /* The ETag read before the item answers 200 to a reader, 412 to a
   * writer; the current one 304 and 200. */
  const char *stale[] = {J("If-None-Match: %s", first), NULL};
  struct http_reply *r = http_request("GET", path, NULL, stale);
  assert_status(r, 200);
  assert_json_int(r->json, "items_count", 1);
  http_reply_free(r);
  r = http_patch(path, first, J("{'title':'Дорожная карта 2021/22'}"));
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  free(first);
  char *etag = etag_of(path);
  const char *current[] = {J("If-None-Match: %s", etag), NULL};
  r = http_request("GET", path, NULL, current);
  assert_status(r, 304);
  http_reply_free(r);
  r = http_patch(path, etag, J("{'title':'Дорожная карта 2021/22'}"));
  assert_status(r, 200);
  http_reply_free(r);
  free(etag);
  v++;

  long long b = add_item(roadmap, "Семинар для учителей");
  expect_moved(roadmap, &v);
  r = http_patch(item_path(b), "\"1\"", J("{'position':1}")); /* a move */
  assert_status(r, 200);
  http_reply_free(r);
  expect_moved(roadmap, &v);
  r = http_patch(item_path(a), "\"2\"", J("{'status':'done'}"));
  assert_status(r, 200);
  http_reply_free(r);
  expect_moved(roadmap, &v);
  r = http_get("%s", path);
  assert_json_int(r->json, "items_count", 2);
  assert_json_int(r->json, "done_count", 1);
  http_reply_free(r);
  r = http_delete(item_path(b), "\"2\"");
  assert_status(r, 204);
  http_reply_free(r);
  expect_moved(roadmap, &v);
  const char *csv[] = {"Content-Type: text/csv; charset=utf-8", NULL};
  r = http_request("POST", J("/api/v1/roadmaps/%lld/items:import", roadmap),
                   "Мероприятие\r\nСовещание\r\nПриказ\r\n", csv);
  assert_status(r, 201);
  http_reply_free(r);
  expect_moved(roadmap, &v);

  /* Past its draft: a report that changes an item's status moves it, one
   * that only reports does not (reports are no part of the roadmap). */
  db_exec("UPDATE roadmaps SET status = 'in_progress', approval_document ="
          " 'приказ № 36 от 16.02.2023', approved_on = '2023-02-16',"
          " version = version + 1 WHERE id = %lld",
          roadmap);
  v++;
  r = http_post(J("/api/v1/roadmap-items/%lld/reports", a),
                J("{'reported_on':'2023-03-01','text':'Проведён анализ',"
                  "'status':'in_progress'}"));
  assert_status(r, 201);
  http_reply_free(r);
  expect_moved(roadmap, &v);
  r = http_post(J("/api/v1/roadmap-items/%lld/reports", a),
                J("{'reported_on':'2023-03-02','text':'Без изменений'}"));
  assert_status(r, 201);
  http_reply_free(r);
  assert_int_equal(roadmap_version(roadmap), v);

  /* A failed write moves nothing. */
  r = http_patch(item_path(a), "\"1\"", J("{'status':'done'}"));
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  assert_int_equal(roadmap_version(roadmap), v);

  /* The counts in the list as well. */
  r = http_get("/api/v1/roadmaps?owner_school=%lld",
               db_count("SELECT owner_school_id FROM roadmaps WHERE id = %lld",
                        roadmap));
  json_t *listed = json_array_get(json_object_get(r->json, "items"), 0);
  assert_json_int(listed, "items_count", 3);
  assert_json_int(listed, "done_count", 0);
  assert_json_int(listed, "version", v);
  http_reply_free(r);
}

/* A responsible user is a user of the roadmap's region; one of another
 * region answers as one that does not exist. One an item already has is
 * kept when a patch leaves it alone, even after the user moved away. */
static void test_responsible_user(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long roadmap = school_roadmap(new_school(), "draft");
  long long home = make_user("reader", "region", t.region_id);
  long long far_region = create_region(uniq("37"), "Ивановская область");
  long long away = make_user("reader", "region", far_region);
  struct http_reply *r = http_post(
      items_of(roadmap),
      J("{'activity':'Наставничество','responsible_user_id':%lld}", home));
  assert_status(r, 201);
  assert_json_int(r->json, "responsible_user_id", home);
  long long id = jint(r->json, "id");
  http_reply_free(r);

  char *before = db_fingerprint();
  struct http_reply *out = http_post(
      items_of(roadmap),
      J("{'activity':'Наставничество','responsible_user_id':%lld}", away));
  struct http_reply *none = http_post(
      items_of(roadmap),
      J("{'activity':'Наставничество','responsible_user_id':999999}"));
  assert_problem(out, 422, "reference_not_found");
  assert_error_path(out, "$.responsible_user_id");
  assert_problem(none, 422, "reference_not_found");
  assert_string_equal(jstr(out->json, "detail"), jstr(none->json, "detail"));
  http_reply_free(out);
  http_reply_free(none);
  r = http_patch(item_path(id), "\"1\"",
                 J("{'responsible_user_id':%lld}", away));
  assert_problem(r, 422, "reference_not_found");
  http_reply_free(r);
  assert_db_unchanged(before);

  db_exec("UPDATE users SET region_id = %lld WHERE id = %lld", far_region,
          home);
  r = http_patch(item_path(id), "\"1\"", J("{'activity':'Наставничество 2'}"));
  assert_status(r, 200);
  assert_json_int(r->json, "responsible_user_id", home);
  http_reply_free(r);
  r = http_patch(item_path(id), "\"2\"", J("{'responsible_user_id':null}"));
  assert_status(r, 200);
  assert_json_null(r->json, "responsible_user_id");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_read),
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_update_and_delete),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_non_draft),
      cmocka_unit_test(test_overdue),
      cmocka_unit_test(test_schedule_wordings),
      cmocka_unit_test(test_reports),
      cmocka_unit_test(test_roadmap_etag_follows_items),
      cmocka_unit_test(test_responsible_user),
  };
  harness_start("roadmap_items");
  snprintf(admin, sizeof admin, "%s", use_token(NULL));
  as_admin();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
