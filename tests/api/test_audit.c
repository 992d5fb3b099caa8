/* /api/v1/audit and the rows behind it: every write of every resource leaves
 * exactly one event with the right fields, a rejected write none, a write
 * whose event cannot be recorded is not done; filters, paging, newest first,
 * scope, and every bad query parameter. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define AUDIT "/api/v1/audit"
/* МБОУ "СОШ № 10" г. Коврова, escaped for the JSON bodies of fixtures. */
#define SCHOOL_10 "МБОУ \\\"СОШ № 10\\\" г. Коврова"
#define BASIS "приказ № 653-осн от 30.12.2020"

static long long last_event_id(void) {
  return db_count("SELECT coalesce(max(id), 0) FROM audit_events");
}

static long long events_since(long long mark) {
  return db_count("SELECT count(*) FROM audit_events WHERE id > %lld", mark);
}

/* The harness's global admin: the actor of every write made with its token. */
static long long admin_id(void) {
  return db_count("SELECT min(id) FROM users WHERE role = 'admin'"
                  " AND scope_kind = 'global'");
}

static char *login_of(long long user_id) {
  return db_text("SELECT login FROM users WHERE id = %lld", user_id);
}

static const char *school_body(long long municipality_id, const char *code) {
  return J("{'municipality_id':%lld,'code':'%s',"
           "'full_name':'Муниципальное бюджетное общеобразовательное "
           "учреждение «Средняя общеобразовательная школа № 10» г. Коврова',"
           "'short_name':'МБОУ \\'СОШ № 10\\' г. Коврова',"
           "'type':'SOSH','locality':'URBAN',"
           "'address':'Владимирская область, г. Ковров, ул. Социалистическая',"
           "'students_count':640,'students_disabled_count':12,"
           "'teachers_count':41}",
           municipality_id, code);
}

/* The one event a write left since mark, read through the API (the global
 * admin's token must be in use): its request id is the write's X-Request-Id,
 * its actor the caller, its address the test's. Caller decrefs. */
static json_t *event_of(const struct http_reply *w, long long mark,
                        long long actor_id, const char *role) {
  assert_int_equal(events_since(mark), 1);
  struct http_reply *r = http_get(AUDIT "?limit=1");
  assert_status(r, 200);
  json_t *ev =
      json_incref(json_array_get(json_object_get(r->json, "items"), 0));
  assert_non_null(ev);
  assert_true(jint(ev, "id") > mark);
  assert_non_null(w->request_id);
  assert_json_str(ev, "request_id", w->request_id);
  assert_json_str(ev, "remote_addr", "127.0.0.1");
  assert_non_null(jstr(ev, "at"));
  json_t *actor = json_object_get(ev, "actor");
  assert_json_str(actor, "kind", "user");
  assert_json_int(actor, "id", actor_id);
  char *login = login_of(actor_id);
  assert_json_str(actor, "name", login);
  free(login);
  assert_json_str(actor, "role", role);
  /* Exactly the members of AuditEvent. */
  assert_int_equal(json_object_size(ev), 12);
  assert_int_equal(json_object_size(actor), 4);
  http_reply_free(r);
  return ev;
}

static void assert_where(const json_t *ev, const char *action,
                         const char *entity, long long entity_id,
                         long long region_id, long long municipality_id) {
  assert_json_str(ev, "action", action);
  assert_json_str(ev, "entity", entity);
  assert_json_int(ev, "entity_id", entity_id);
  assert_json_int(ev, "region_id", region_id);
  if (municipality_id)
    assert_json_int(ev, "municipality_id", municipality_id);
  else
    assert_json_null(ev, "municipality_id");
}

/* JSON text want (J-style quotes already expanded) equals value. */
static void assert_json_is(const json_t *value, const char *want) {
  json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
  assert_non_null(w);
  if (!json_equal(w, value)) {
    char *got = json_dumps(value, JSON_SORT_KEYS | JSON_ENCODE_ANY);
    print_error("expected %s\n     got %s\n", want, got);
    free(got);
    fail();
  }
  json_decref(w);
}

/* A create: before null, after the answer's document. */
static long long check_create(const char *path, const char *body,
                              const char *entity, long long region_id,
                              long long municipality_id) {
  long long mark = last_event_id();
  struct http_reply *w = http_post(path, body);
  assert_status(w, 201);
  long long id = jint(w->json, "id");
  json_t *ev = event_of(w, mark, admin_id(), "admin");
  if (strcmp(entity, "region") == 0)
    region_id = id; /* a region is its own region */
  if (strcmp(entity, "municipality") == 0)
    municipality_id = id;
  assert_where(ev, "create", entity, id, region_id, municipality_id);
  assert_json_null(ev, "before");
  assert_true(json_equal(json_object_get(ev, "after"), w->json));
  json_decref(ev);
  http_reply_free(w);
  return id;
}

/* An update of a resource at version 1: before and after hold only the
 * changed fields. Returns the answer's document (caller decrefs). */
static json_t *check_update(const char *path, const char *patch,
                            const char *entity, long long id,
                            long long region_id, long long municipality_id,
                            const char *before, const char *after) {
  long long mark = last_event_id();
  struct http_reply *w = http_patch(path, "\"1\"", patch);
  assert_status(w, 200);
  json_t *ev = event_of(w, mark, admin_id(), "admin");
  assert_where(ev, "update", entity, id, region_id, municipality_id);
  assert_json_is(json_object_get(ev, "before"), before);
  assert_json_is(json_object_get(ev, "after"), after);
  json_decref(ev);
  json_t *doc = json_incref(w->json);
  http_reply_free(w);
  return doc;
}

/* A delete of doc (at version 2): before the whole document as the API
 * showed it, after null. Decrefs doc. */
static void check_delete(const char *path, json_t *doc, const char *entity,
                         long long id, long long region_id,
                         long long municipality_id) {
  long long mark = last_event_id();
  struct http_reply *w = http_delete(path, "\"2\"");
  assert_status(w, 204);
  json_t *ev = event_of(w, mark, admin_id(), "admin");
  assert_where(ev, "delete", entity, id, region_id, municipality_id);
  assert_true(json_equal(json_object_get(ev, "before"), doc));
  assert_json_null(ev, "after");
  json_decref(ev);
  json_decref(doc);
  http_reply_free(w);
}

static void test_territory_writes(void **state) {
  (void)state;
  long long region =
      check_create("/api/v1/regions",
                   J("{'code':'%s','name':'Ивановская область'}", uniq("37")),
                   "region", 0, 0);
  /* A region is its own region, in no municipality. */
  json_decref(check_update(J("/api/v1/regions/%lld", region),
                           J("{'name':'Ивановская обл.'}"), "region", region,
                           region, 0, J("{'name':'Ивановская область'}"),
                           J("{'name':'Ивановская обл.'}")));

  long long m =
      check_create("/api/v1/municipalities",
                   J("{'region_id':%lld,'code':'%s','name':'Шуйский район'}",
                     region, uniq("37-shuya")),
                   "municipality", region, 0);
  json_decref(check_update(J("/api/v1/municipalities/%lld", m),
                           J("{'name':'Шуйский муниципальный район','kind':"
                             "'MUNICIPAL_DISTRICT'}"),
                           "municipality", m, region, m,
                           J("{'name':'Шуйский район'}"),
                           J("{'name':'Шуйский муниципальный район'}")));
}

static void test_school_writes(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long id = check_create("/api/v1/schools",
                              school_body(t.municipality_id, uniq("3305")),
                              "school", t.region_id, t.municipality_id);
  const char *path = J("/api/v1/schools/%lld", id);
  char *kept = strdup(path);
  json_t *doc =
      check_update(kept,
                   J("{'students_count':612,'website':null,'head_name':"
                     "'Смирнова Ольга Викторовна'}"),
                   "school", id, t.region_id, t.municipality_id,
                   J("{'students_count':640,'head_name':null}"),
                   J("{'students_count':612,'head_name':"
                     "'Смирнова Ольга Викторовна'}"));
  check_delete(kept, doc, "school", id, t.region_id, t.municipality_id);
  free(kept);
}

static void test_school_children_writes(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long school = create_school(t.municipality_id, NULL, SCHOOL_10);
  long long mentor =
      create_school(t.municipality_id, NULL, "МБОУ «Гимназия № 1» г. Коврова");
  char path[160];

  long long status = check_create(
      J("/api/v1/schools/%lld/statuses", school),
      J("{'category':'SHNOR','school_year':2021,'basis':'" BASIS "',"
        "'included_on':'2020-12-30'}"),
      "school_status", t.region_id, t.municipality_id);
  snprintf(path, sizeof path, "/api/v1/schools/%lld/statuses/%lld", school,
           status);
  json_decref(
      check_update(path,
                   J("{'excluded_on':'2023-08-31','exclusion_reason':"
                     "'переход в эффективный режим функционирования'}"),
                   "school_status", status, t.region_id, t.municipality_id,
                   J("{'excluded_on':null,'exclusion_reason':null}"),
                   J("{'excluded_on':'2023-08-31','exclusion_reason':"
                     "'переход в эффективный режим функционирования'}")));

  long long curator = check_create(
      J("/api/v1/schools/%lld/curators", school),
      J("{'full_name':'Александрова Галина Ивановна','position':'методист',"
        "'organisation':'ГАОУ ДПО ВО ВИРО','starts_on':'2021-01-11'}"),
      "school_curator", t.region_id, t.municipality_id);
  snprintf(path, sizeof path, "/api/v1/schools/%lld/curators/%lld", school,
           curator);
  json_t *doc =
      check_update(path, J("{'ends_on':'2023-06-30'}"), "school_curator",
                   curator, t.region_id, t.municipality_id,
                   J("{'ends_on':null}"), J("{'ends_on':'2023-06-30'}"));
  check_delete(path, doc, "school_curator", curator, t.region_id,
               t.municipality_id);

  long long partner =
      check_create(J("/api/v1/schools/%lld/partners", school),
                   J("{'partner_school_id':%lld,'kind':'MENTORING',"
                     "'agreement':'договор о сетевом взаимодействии № 4',"
                     "'starts_on':'2021-09-01'}",
                     mentor),
                   "school_partnership", t.region_id, t.municipality_id);
  snprintf(path, sizeof path, "/api/v1/schools/%lld/partners/%lld", school,
           partner);
  doc = check_update(path, J("{'kind':'NETWORK'}"), "school_partnership",
                     partner, t.region_id, t.municipality_id,
                     J("{'kind':'MENTORING'}"), J("{'kind':'NETWORK'}"));
  check_delete(path, doc, "school_partnership", partner, t.region_id,
               t.municipality_id);
}

/* A partnership is listed under both its schools, and either side may
 * edit it: each event lies where the write was made from, the school of
 * the path, so the writer's scope always sees its own event. */
static void test_partnership_from_both_sides(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long murom =
      create_municipality(t.region_id, uniq("33-murom"), "Муромский район");
  long long school = create_school(t.municipality_id, NULL, SCHOOL_10);
  long long mentor = create_school(murom, NULL, "МБОУ «Ковардицкая СОШ»");
  long long partner = check_create(
      J("/api/v1/schools/%lld/partners", school),
      J("{'partner_school_id':%lld,'kind':'NETWORK','starts_on':'2021-09-01'}",
        mentor),
      "school_partnership", t.region_id, t.municipality_id);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/schools/%lld/partners/%lld", mentor,
           partner);
  json_t *doc = check_update(
      path, J("{'ends_on':'2024-08-31'}"), "school_partnership", partner,
      t.region_id, murom, J("{'ends_on':null}"), J("{'ends_on':'2024-08-31'}"));
  check_delete(path, doc, "school_partnership", partner, t.region_id, murom);
}

/* Rejected writes (400, 404, 409, 412) record nothing. */
static void test_rejected_writes_leave_no_event(void **state) {
  (void)state;
  struct territory t = kovrov();
  const char *code = uniq("3305");
  long long school =
      api_create("/api/v1/schools", school_body(t.municipality_id, code));
  char *path = strdup(J("/api/v1/schools/%lld", school));
  long long mark = last_event_id();
  char *before = db_fingerprint();

  struct http_reply *r = http_post(
      "/api/v1/schools", J("{'municipality_id':%lld,'code':'','full_name':"
                           "'МБОУ «СОШ № 10»'}",
                           t.municipality_id));
  assert_problem(r, 400, "validation_failed");
  http_reply_free(r);
  r = http_patch("/api/v1/schools/999999", "\"1\"",
                 J("{'students_count':600}"));
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_delete("/api/v1/schools/999999", "\"1\"");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_post("/api/v1/schools", school_body(t.municipality_id, code));
  assert_problem(r, 409, "already_exists");
  http_reply_free(r);
  r = http_patch(path, "\"7\"", J("{'students_count':600}"));
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  r = http_delete(path, "\"7\"");
  assert_problem(r, 412, "precondition_failed");
  http_reply_free(r);
  r = http_patch(path, NULL, J("{'students_count':600}"));
  assert_problem(r, 428, "precondition_required");
  http_reply_free(r);
  /* A status closed twice: 409 from inside the transaction. */
  long long status = create_status(school, "SHNOR", 2021);
  const char *status_path =
      J("/api/v1/schools/%lld/statuses/%lld", school, status);
  char *sp = strdup(status_path);
  r = http_patch(sp, "\"1\"",
                 J("{'excluded_on':'2023-08-31','exclusion_reason':"
                   "'переход в эффективный режим функционирования'}"));
  assert_status(r, 200);
  http_reply_free(r);
  free(before);
  before = db_fingerprint();
  mark = last_event_id();
  r = http_patch(sp, "\"2\"",
                 J("{'excluded_on':'2023-09-01','exclusion_reason':"
                   "'повторное закрытие'}"));
  assert_problem(r, 409, "conflict");
  http_reply_free(r);
  /* A school user may not move its school: 403. */
  const char *was = use_token(make_token("school", "school", school));
  r = http_patch(path, "\"1\"", J("{'code':'%s'}", uniq("3305")));
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(was);

  assert_db_unchanged(before);
  assert_int_equal(events_since(mark), 0);
  free(sp);
  free(path);
}

/* No write without its event: when the event cannot be recorded the write
 * answers 500 and nothing of it is committed. */
static void test_no_write_without_its_event(void **state) {
  (void)state;
  struct territory t = kovrov();
  long long school = create_school(t.municipality_id, NULL, SCHOOL_10);
  char *path = strdup(J("/api/v1/schools/%lld", school));
  db_exec("CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql"
          " AS $$BEGIN RAISE EXCEPTION 'audit trail refused'; END$$");
  db_exec("CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_events"
          " FOR EACH ROW EXECUTE FUNCTION audit_refuse()");
  long long mark = last_event_id();
  char *before = db_fingerprint();

  struct http_reply *r =
      http_post("/api/v1/schools", school_body(t.municipality_id, uniq("33")));
  assert_problem(r, 500, "internal_error");
  http_reply_free(r);
  r = http_patch(path, "\"1\"", J("{'students_count':600}"));
  assert_problem(r, 500, "internal_error");
  http_reply_free(r);
  r = http_post(J("/api/v1/schools/%lld/statuses", school),
                J("{'category':'SHNSU','school_year':2021,'basis':'" BASIS
                  "','included_on':'2020-12-30'}"));
  assert_problem(r, 500, "internal_error");
  http_reply_free(r);
  r = http_post("/api/v1/regions",
                J("{'code':'%s','name':'Костромская область'}", uniq("44")));
  assert_problem(r, 500, "internal_error");
  http_reply_free(r);
  r = http_delete(path, "\"1\"");
  assert_problem(r, 500, "internal_error");
  http_reply_free(r);
  assert_db_unchanged(before);
  assert_int_equal(events_since(mark), 0);

  db_exec("DROP TRIGGER audit_refuse ON audit_events");
  db_exec("DROP FUNCTION audit_refuse()");
  r = http_patch(path, "\"1\"", J("{'students_count':600}"));
  assert_status(r, 200);
  http_reply_free(r);
  assert_int_equal(events_since(mark), 1);
  free(path);
}

/* An event's time as RFC 3339 in UTC, microseconds kept. */
static char *at_of(long long event) {
  return db_text("SELECT to_char(at AT TIME ZONE 'UTC',"
                 " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                 " FROM audit_events WHERE id = %lld",
                 event);
}

static void test_filters_and_paging(void **state) {
  (void)state;
  long long region = create_region(uniq("35"), "Вологодская область");
  long long m = create_municipality(region, uniq("35-vo"), "Вологодский округ");
  long long m_user = make_user("municipal", "municipality", m);
  char *m_login = login_of(m_user);
  long long first = last_event_id() + 1;
  long long a = create_school(m, NULL, "МБОУ «Кубенская СОШ»");
  long long b = create_school(m, NULL, "МБОУ «Майская СОШ»");
  /* A municipal user's write, with the caller's own request id. */
  long long mark = last_event_id();
  char *m_token = strdup(token_for_user(m_user));
  const char *was = use_token(m_token);
  static const char *const headers[] = {"If-Match: \"1\"",
                                        "X-Request-Id: web-5f2c9a1e", NULL};
  struct http_reply *r = http_request("PATCH", J("/api/v1/schools/%lld", a),
                                      J("{'students_count':310}"), headers);
  assert_status(r, 200);
  assert_string_equal(r->request_id, "web-5f2c9a1e");
  use_token(was);
  json_t *ev = event_of(r, mark, m_user, "municipal");
  assert_where(ev, "update", "school", a, region, m);
  json_decref(ev);
  http_reply_free(r);
  use_token(m_token);
  long long status = create_status(b, "RISK_GROUP", 2024);
  use_token(was);
  free(m_token);

  /* entity + entity_id: the two events of school a, newest first. */
  json_t *all = list_all(J(AUDIT "?entity=school&entity_id=%lld", a), 1);
  assert_int_equal(json_array_size(all), 2);
  assert_json_str(json_array_get(all, 0), "action", "update");
  assert_json_str(json_array_get(all, 1), "action", "create");
  json_decref(all);
  /* actor: the municipal user's two writes. */
  all = list_all(J(AUDIT "?actor=%s", esc(m_login)), 1);
  assert_int_equal(json_array_size(all), 2);
  assert_json_str(json_array_get(all, 0), "entity", "school_status");
  assert_json_int(json_array_get(all, 0), "entity_id", status);
  assert_json_str(json_array_get(all, 1), "entity", "school");
  assert_json_int(json_array_get(all, 1), "entity_id", a);
  json_decref(all);
  all = list_all(J(AUDIT "?actor=%s&action=create", esc(m_login)), 5);
  assert_int_equal(json_array_size(all), 1);
  assert_json_str(json_array_get(all, 0), "entity", "school_status");
  json_decref(all);
  all = list_all(AUDIT "?actor=nobody-at-all", 5);
  assert_int_equal(json_array_size(all), 0);
  json_decref(all);
  /* action + entity */
  all = list_all(J(AUDIT "?action=update&entity=school&entity_id=%lld", b), 5);
  assert_int_equal(json_array_size(all), 0);
  json_decref(all);

  /* from is inclusive, to exclusive. */
  long long last = last_event_id();
  char *from = at_of(first + 1), *to = at_of(last);
  all = list_all(J(AUDIT "?from=%s&to=%s", esc(from), esc(to)), 2);
  char *ids = ids_of(all);
  assert_string_equal(ids, J("%lld,%lld", last - 1, first + 1));
  free(ids);
  json_decref(all);
  all = list_all(J(AUDIT "?from=%s", esc(from)), 50);
  assert_int_equal((long long)json_array_size(all), last - first);
  json_decref(all);
  /* The same instant with an offset. */
  r = http_get(AUDIT "?to=%s", esc("1990-01-01T03:00:00+03:00"));
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  free(from);
  free(to);

  /* Paging over everything: newest first, every event once, as in the
   * database. */
  all = list_all(AUDIT, 3);
  ids = ids_of(all);
  char *want = db_text("SELECT string_agg(id::text, ',' ORDER BY id DESC)"
                       " FROM audit_events");
  assert_string_equal(ids, want);
  free(ids);
  free(want);
  json_decref(all);
  r = http_get(AUDIT "?limit=2");
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
  assert_true(json_is_string(json_object_get(r->json, "next_cursor")));
  http_reply_free(r);
  free(m_login);
}

/* Each event's region (and municipality) is the given one. */
static void assert_all_in(const json_t *items, long long region,
                          long long municipality) {
  json_t *ev;
  size_t i;
  json_array_foreach(items, i, ev) {
    assert_json_int(ev, "region_id", region);
    if (municipality)
      assert_json_int(ev, "municipality_id", municipality);
  }
}

static void test_scope(void **state) {
  (void)state;
  long long ra = create_region(uniq("52"), "Нижегородская область");
  long long ma = create_municipality(ra, uniq("52-arz"), "Арзамасский район");
  long long ma2 = create_municipality(ra, uniq("52-bog"), "Богородский округ");
  long long rb = create_region(uniq("76"), "Ярославская область");
  long long mb = create_municipality(rb, uniq("76-ros"), "Ростовский район");
  long long sa = create_school(ma, NULL, "МБОУ «Абрамовская СОШ»");
  long long sa2 = create_school(ma2, NULL, "МБОУ «Буревестниковская СОШ»");
  long long sb = create_school(mb, NULL, "МОУ «Петровская СОШ»");
  create_status(sa2, "SHNSU", 2024);
  create_status(sb, "SHNOR", 2024);

  /* A region's admin: the events of its region, none of the other. */
  const char *was = use_token(make_token("admin", "region", ra));
  json_t *all = list_all(AUDIT, 50);
  assert_true(json_array_size(all) >= 5); /* ra, ma, ma2, sa, sa2, status */
  assert_all_in(all, ra, 0);
  json_decref(all);
  all = list_all(J(AUDIT "?entity=school&entity_id=%lld", sb), 5);
  assert_int_equal(json_array_size(all), 0);
  json_decref(all);

  /* A municipal user: its municipality's events only. */
  use_token(make_token("municipal", "municipality", ma));
  all = list_all(AUDIT, 50);
  assert_int_equal(json_array_size(all), 2); /* ma itself, school sa */
  assert_all_in(all, ra, ma);
  json_decref(all);
  all = list_all(J(AUDIT "?entity=school&entity_id=%lld", sa2), 5);
  assert_int_equal(json_array_size(all), 0);
  json_decref(all);

  /* The other region's admin sees its own. */
  use_token(make_token("admin", "region", rb));
  all = list_all(AUDIT, 50);
  assert_int_equal(json_array_size(all), 4); /* rb, mb, sb, its status */
  assert_all_in(all, rb, 0);
  json_decref(all);

  /* Roles without audit:read. */
  const char *tokens[] = {
      make_token("reader", "region", ra),
      make_token("curator", "region", ra),
      make_token("school", "school", sa),
      make_token("ingest", "region", ra),
  };
  for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
    use_token(tokens[i]);
    struct http_reply *r = http_get(AUDIT);
    assert_problem(r, 403, "forbidden");
    http_reply_free(r);
  }
  use_token(NULL);
  struct http_reply *r = http_get(AUDIT);
  assert_problem(r, 401, "unauthorized");
  http_reply_free(r);
  use_token(was);
}

static void test_bad_query(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"entity=schools", "query.entity"},
      {"entity=", "query.entity"},
      {"entity_id=0", "query.entity_id"},
      {"entity_id=abc", "query.entity_id"},
      {"entity_id=-3", "query.entity_id"},
      {"actor=", "query.actor"},
      {"action=edit", "query.action"},
      {"from=2024-10-01", "query.from"},
      {"from=2024-10-01T00:00:00", "query.from"},
      {"from=2024-10-01%2000:00:00Z", "query.from"},
      {"from=2024-10-01T00:00:00%2003:00", "query.from"},
      {"from=2024-02-30T00:00:00Z", "query.from"},
      {"from=2024-10-01T24:00:00Z", "query.from"},
      {"from=2024-10-01T00:60:00Z", "query.from"},
      {"from=2024-10-01T00:00:00.Z", "query.from"},
      {"from=2024-10-01T00:00:00%2B0300", "query.from"},
      {"from=yesterday", "query.from"},
      {"to=2024-10-01T00:00:00ZZ", "query.to"},
      {"to=1", "query.to"},
      {"limit=0", "query.limit"},
      {"limit=501", "query.limit"},
      {"limit=ten", "query.limit"},
      {"cursor=not-a-cursor", "query.cursor"},
      {"sort=at", "query.sort"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct http_reply *r = http_get(AUDIT "?%s", cases[i][0]);
    assert_validation(r, cases[i][1]);
    http_reply_free(r);
  }
  /* Every bad one at once, and both times at once. */
  struct http_reply *r =
      http_get(AUDIT "?entity=x&action=y&entity_id=z&limit=0");
  assert_validation(r, "query.entity", "query.action", "query.entity_id",
                    "query.limit");
  http_reply_free(r);
  r = http_get(AUDIT "?from=2024&to=2025");
  assert_validation(r, "query.from", "query.to");
  http_reply_free(r);
  /* Good ones: lower-case t and z, fractions, offsets, a leap second. */
  static const char *const good[] = {
      "from=2024-10-01t00:00:00z",
      "from=2024-10-01T00:00:00.123456Z",
      "from=2024-10-01T00:00:00%2B03:00&to=2024-11-01T00:00:00-05:30",
      "to=2016-12-31T23:59:60Z",
      "entity=token&action=token_revoke&actor=rcoi-vladimir",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    r = http_get(AUDIT "?%s", good[i]);
    assert_status(r, 200);
    http_reply_free(r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_territory_writes),
      cmocka_unit_test(test_school_writes),
      cmocka_unit_test(test_school_children_writes),
      cmocka_unit_test(test_partnership_from_both_sides),
      cmocka_unit_test(test_rejected_writes_leave_no_event),
      cmocka_unit_test(test_no_write_without_its_event),
      cmocka_unit_test(test_filters_and_paging),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_bad_query),
  };
  harness_start("audit");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
