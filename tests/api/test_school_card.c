/* The school card (docs/CARD.md): every member against the endpoint it
 * summarises, the municipality and region figures against a direct SQL
 * computation and the rule of 5 other schools, the ETag against a change
 * of each part (and 304 when nothing changed), bad queries and scope. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* School S in M1 with 6 other schools of M1 (O0..O5), partner P in M1,
 * and N alone in M2. */
enum { OTHERS = 6 };
static struct {
  long long region, m1, m2, s, n, p, o[OTHERS];
  long long math[3]; /* ВПР математика 5 класс, 2023..2025 */
  long long run, roadmap, item, campaign;
  const char *admin;
} fx;

#define CARD "/api/v1/schools/%lld/card?year=2025"

/* Statistics of `school` in `assessment`: 20 participants, `failed` of
 * them "2", primary scores summing to `sum`. */
static void stat(long long assessment, long long school, int failed, int sum) {
  db_exec("INSERT INTO assessment_school_stats (assessment_id, school_id,"
          " participants, marks, failed, primary_sum, task_sums,"
          " score_counts, journal_known, confirmed, lowered, raised)"
          " VALUES (%lld, %lld, 20, ARRAY[%d, %d, 0, 0], %d, %d,"
          " ARRAY[%d, %d], ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20], 0, 0, 0,"
          " 0)",
          assessment, school, failed, 20 - failed, failed, sum, sum * 2 / 5,
          sum - sum * 2 / 5);
}

static long long math(int year) {
  return api_create(
      "/api/v1/assessments",
      J("{'kind':'VPR','year':%d,'grade':5,'subject_code':'math',"
        "'subject_name':'Математика','max_primary_score':10,'mark3_from':4,"
        "'mark4_from':7,'mark5_from':9,'tasks':["
        "{'number':'1','max_score':4,'level':'basic'},"
        "{'number':'2','max_score':6,'level':'advanced'}]}",
        year));
}

static void setup_assessments(void) {
  for (int y = 0; y < 3; y++) {
    fx.math[y] = math(2023 + y);
    stat(fx.math[y], fx.s, 12 - 2 * y, 80 + 10 * y); /* low, improving */
    stat(fx.math[y], fx.n, 2, 120);
    stat(fx.math[y], fx.p, 1, 160);
    for (int i = 0; i < OTHERS; i++)
      stat(fx.math[y], fx.o[i], 2 + i % 3, 120 + 5 * i);
  }
}

/* A ШНОР run of 2025 applied with S included by hand. */
static void setup_run(void) {
  struct http_reply *r = http_post(
      "/api/v1/identification-runs",
      J("{'kind':'low_results','year':2025,'region_id':%lld}", fx.region));
  assert_status(r, 201);
  fx.run = jint(r->json, "id");
  http_reply_free(r);
  /* S is low: it meets, or the authority includes it by hand. */
  r = http_get("/api/v1/identification-runs/%lld/schools/%lld", fx.run, fx.s);
  assert_status(r, 200);
  int meets = strcmp(jstr(r->json, "decision"), "meets") == 0;
  http_reply_free(r);
  r = http_post(
      J("/api/v1/identification-runs/%lld/apply", fx.run),
      J("{'order_number':'124-п','school_year':2025,"
        "'included_on':'2025-09-01','exclude':[],'include':[%s]}",
        meets ? ""
              : J("{'school_id':%lld,'reason':'решение комиссии'}", fx.s)));
  assert_status(r, 200);
  http_reply_free(r);
}

static void setup_plans(void) {
  api_create(J("/api/v1/schools/%lld/curators", fx.s),
             J("{'full_name':'Петрова Анна Сергеевна','starts_on':"
               "'2025-09-01'}"));
  api_create(J("/api/v1/schools/%lld/partners", fx.s),
             J("{'partner_school_id':%lld,'kind':'NETWORK','starts_on':"
               "'2025-09-01'}",
               fx.p));
  fx.roadmap = api_create(
      "/api/v1/roadmaps",
      J("{'owner':{'kind':'school','id':%lld},'kind':'school_roadmap',"
        "'title':'Дорожная карта 2025/26','period_from':'2025-09-01',"
        "'period_to':'2026-06-30'}",
        fx.s));
  fx.item = db_count("INSERT INTO roadmap_items (roadmap_id, position,"
                     " activity, schedule) VALUES (%lld, 1, 'Педсовет',"
                     " '{\"kind\": \"date\", \"date\": \"2025-10-01\","
                     " \"due\": \"2025-10-01\"}')"
                     " RETURNING id",
                     fx.roadmap);
  db_exec("INSERT INTO roadmap_items (roadmap_id, position, activity, status)"
          " VALUES (%lld, 2, 'Диагностика', 'done')",
          fx.roadmap);
  fx.campaign = db_count(
      "INSERT INTO campaigns (title, period, region_id, opens_on, deadline,"
      " status) VALUES ('Мониторинг 2025/26', '2025/26', %lld, '2025-10-01',"
      " '2025-10-31', 'open') RETURNING id",
      fx.region);
  db_exec("INSERT INTO campaign_schools VALUES (%lld, %lld)", fx.campaign,
          fx.s);
  long long closed = db_count(
      "INSERT INTO campaigns (title, period, region_id, opens_on, deadline,"
      " status) VALUES ('Мониторинг 2024/25', '2024/25', %lld, '2024-10-01',"
      " '2024-10-31', 'closed') RETURNING id",
      fx.region);
  db_exec("INSERT INTO campaign_schools VALUES (%lld, %lld)", closed, fx.s);
}

static void patch_risk(int year, const char *code, const char *level) {
  char *etag =
      etag_of(J("/api/v1/schools/%lld/risk-profile?year=%d", fx.s, year));
  struct http_reply *r = http_patch(
      J("/api/v1/schools/%lld/risk-profile/%s?year=%d", fx.s, code, year), etag,
      J("{'level':'%s','source':'curator'}", level));
  assert_status(r, 200);
  http_reply_free(r);
  free(etag);
}

static int setup(void **state) {
  (void)state;
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  fx.region = create_region("card-r", "Владимирская область");
  fx.m1 = create_municipality(fx.region, "card-m1", "Ковровский район");
  fx.m2 = create_municipality(fx.region, "card-m2", "Вязниковский район");
  fx.s = create_school(fx.m1, "card-s", "МБОУ «Иваново-Эсинская СОШ»");
  fx.n = create_school(fx.m2, "card-n", "МБОУ «Никологорская СОШ»");
  fx.p = create_school(fx.m1, "card-p", "МБОУ «Малыгинская СОШ»");
  for (int i = 0; i < OTHERS; i++)
    fx.o[i] = create_school(fx.m1, NULL, J("Школа %d", i));
  create_status(fx.s, "RISK_GROUP", 2024);
  setup_assessments();
  setup_run();
  setup_plans();
  patch_risk(2024, "RF01", "high");
  patch_risk(2025, "RF01", "medium");
  patch_risk(2024, "RF02", "low");
  patch_risk(2025, "RF02", "low");
  patch_risk(2025, "RF03", "high");
  return 0;
}

static json_t *card_of(long long school, const char *extra) {
  struct http_reply *r = http_get(CARD "%s", school, extra);
  assert_status(r, 200);
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

static json_t *get_json(const char *path) {
  struct http_reply *r = http_get("%s", path);
  assert_status(r, 200);
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

static void assert_same(const json_t *card, const json_t *endpoint,
                        const char *what) {
  if (!json_equal(card, endpoint)) {
    char *a = json_dumps(card, JSON_COMPACT);
    char *b = json_dumps(endpoint, JSON_COMPACT);
    fail_msg("%s differs:\n card     %.1500s\n endpoint %.1500s", what, a, b);
  }
}

static void test_members_match_their_endpoints(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *card = card_of(fx.s, "");
  assert_json_int(card, "school_id", fx.s);
  assert_json_int(card, "year", 2025);
  json_t *e = get_json(J("/api/v1/schools/%lld", fx.s));
  assert_same(json_object_get(card, "school"), e, "school");
  json_decref(e);
  static const char *const lists[][2] = {{"statuses", "statuses"},
                                         {"curators", "curators"},
                                         {"partners", "partners"}};
  for (size_t i = 0; i < 3; i++) {
    e = list_all(J("/api/v1/schools/%lld/%s", fx.s, lists[i][1]), 2);
    assert_true(json_array_size(e) > 0);
    assert_same(json_object_get(card, lists[i][0]), e, lists[i][0]);
    json_decref(e);
  }
  e = list_all(J("/api/v1/roadmaps?owner_school=%lld&year=2025", fx.s), 2);
  assert_int_equal(json_array_size(e), 1);
  assert_same(json_object_get(card, "roadmaps"), e, "roadmaps");
  const json_t *rm = json_array_get(e, 0);
  assert_json_int(rm, "items_count", 2);
  assert_json_int(rm, "done_count", 1);
  assert_json_int(rm, "overdue_count", 1);
  json_decref(e);
  /* submissions: the open campaign's only */
  json_t *page = get_json(J("/api/v1/schools/%lld/submissions", fx.s));
  e = json_incref(json_object_get(page, "items"));
  json_decref(page);
  assert_int_equal(json_array_size(e), 2);
  json_t *open = json_array();
  for (size_t i = 0; i < json_array_size(e); i++) {
    json_t *it = json_array_get(e, i);
    if (strcmp(jstr(json_object_get(it, "campaign"), "status"), "open") == 0)
      json_array_append(open, it);
  }
  assert_int_equal(json_array_size(open), 1);
  assert_same(json_object_get(card, "submissions"), open, "submissions");
  json_decref(open);
  json_decref(e);
  /* identification: the run's explanation of the school */
  const json_t *idn = json_object_get(card, "identification");
  assert_int_equal(json_array_size(idn), 1);
  const json_t *i0 = json_array_get(idn, 0);
  assert_json_int(json_object_get(i0, "run"), "id", fx.run);
  assert_json_str(json_object_get(i0, "run"), "order_number", "124-п");
  assert_int_equal(
      jint(i0, "status_id"),
      db_count("SELECT id FROM school_statuses WHERE school_id = %lld"
               " AND category = 'SHNOR'",
               fx.s));
  e = get_json(
      J("/api/v1/identification-runs/%lld/schools/%lld", fx.run, fx.s));
  assert_same(json_object_get(i0, "decision"), e, "identification");
  json_decref(e);
  json_decref(card);
}

/* Each factor's levels are those of the two years' profiles. */
static void test_risk_profile_against_last_year(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *card = card_of(fx.s, "");
  const json_t *rp = json_object_get(card, "risk_profile");
  json_t *now =
      get_json(J("/api/v1/schools/%lld/risk-profile?year=2025", fx.s));
  json_t *before =
      get_json(J("/api/v1/schools/%lld/risk-profile?year=2024", fx.s));
  assert_json_int(rp, "version", jint(now, "version"));
  assert_json_int(rp, "previous_version", jint(before, "version"));
  const json_t *factors = json_object_get(rp, "factors");
  assert_int_equal(json_array_size(factors),
                   json_array_size(json_object_get(now, "factors")));
  for (size_t i = 0; i < json_array_size(factors); i++) {
    const json_t *f = json_array_get(factors, i);
    const json_t *a = json_array_get(json_object_get(now, "factors"), i);
    const json_t *b = json_array_get(json_object_get(before, "factors"), i);
    assert_string_equal(jstr(f, "code"), jstr(a, "code"));
    assert_true(
        json_equal(json_object_get(f, "level"), json_object_get(a, "level")));
    assert_true(json_equal(json_object_get(f, "previous_level"),
                           json_object_get(b, "level")));
    const char *want = strcmp(jstr(f, "code"), "RF01") == 0   ? "down"
                       : strcmp(jstr(f, "code"), "RF02") == 0 ? "same"
                                                              : NULL;
    if (want != NULL)
      assert_json_str(f, "change", want);
    else
      assert_json_null(f, "change");
  }
  json_decref(now);
  json_decref(before);
  json_decref(card);
}

/* The school's figures as GET /schools/{id}/assessments; the
 * municipality's and region's as SQL computes them from the statistics;
 * N, alone in M2, gets no municipality figure. */
static void test_assessment_trends(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *card = card_of(fx.s, "");
  const json_t *series = json_object_get(card, "assessments");
  assert_int_equal(json_array_size(series), 1);
  const json_t *years = json_object_get(json_array_get(series, 0), "years");
  assert_int_equal(json_array_size(years), 3);
  json_t *own = list_all(J("/api/v1/schools/%lld/assessments", fx.s), 10);
  for (size_t y = 0; y < 3; y++) {
    const json_t *p = json_array_get(years, y);
    assert_json_int(p, "year", 2023 + (long long)y);
    long long id = jint(p, "assessment_id");
    assert_int_equal(id, fx.math[y]);
    const json_t *st = NULL;
    for (size_t i = 0; i < json_array_size(own); i++)
      if (jint(json_array_get(own, i), "id") == id)
        st = json_object_get(json_array_get(own, i), "stats");
    assert_non_null(st);
    assert_true(json_equal(json_object_get(p, "share_fail"),
                           json_object_get(st, "share_fail")));
    assert_true(json_equal(json_object_get(p, "mean_primary_score"),
                           json_object_get(st, "mean_primary_score")));
    static const char *const areas[] = {"municipality", "region"};
    for (int a = 0; a < 2; a++) {
      const json_t *got = json_object_get(p, areas[a]);
      char *want = db_text(
          "SELECT round(100.0 * sum(x.failed) / sum(x.participants), 1)"
          " || '/' || round(100.0 * sum(x.primary_sum) / (sum(x.participants)"
          " * 10), 1) FROM assessment_school_stats x"
          " JOIN schools s ON s.id = x.school_id"
          " JOIN municipalities m ON m.id = s.municipality_id"
          " WHERE x.assessment_id = %lld AND %s = %lld",
          id, a == 0 ? "s.municipality_id" : "m.region_id",
          a == 0 ? fx.m1 : fx.region);
      char have[64];
      snprintf(have, sizeof have, "%.1f/%.1f",
               json_number_value(json_object_get(got, "share_fail")),
               json_number_value(json_object_get(got, "mean_percent")));
      assert_string_equal(have, want);
      free(want);
    }
  }
  json_decref(own);
  json_decref(card);
  card = card_of(fx.n, "");
  years = json_object_get(
      json_array_get(json_object_get(card, "assessments"), 0), "years");
  assert_json_null(json_array_get(years, 2), "municipality");
  assert_non_null(json_object_get(json_array_get(years, 2), "region"));
  json_decref(card);
}

static void test_objectivity_on_request(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *card = card_of(fx.s, "");
  assert_null(json_object_get(card, "objectivity"));
  json_decref(card);
  card = card_of(fx.s, "&include=objectivity");
  json_t *e =
      list_all(J("/api/v1/schools/%lld/objectivity?year=2025", fx.s), 10);
  assert_int_equal(json_array_size(e), 1);
  assert_same(json_object_get(card, "objectivity"), e, "objectivity");
  json_decref(e);
  json_decref(card);
}

/* --- the ETag ------------------------------------------------------------ */

static char *card_etag(const char *extra) {
  return etag_of(J(CARD "%s", fx.s, extra));
}

/* Fails unless `change` (SQL or nothing) followed by `call` changes the
 * card's ETag; then a GET with the new one answers 304. */
static void expect_new_etag(const char *what, const char *extra,
                            void (*change)(void)) {
  use_token(fx.admin);
  char *before = card_etag(extra);
  change();
  use_token(fx.admin);
  char *after = card_etag(extra);
  if (strcmp(before, after) == 0)
    fail_msg("a change to %s left the ETag %s", what, after);
  char h[80];
  snprintf(h, sizeof h, "If-None-Match: %s", after);
  const char *headers[] = {h, NULL};
  struct http_reply *r =
      http_request("GET", J(CARD "%s", fx.s, extra), NULL, headers);
  assert_status(r, 304);
  assert_string_equal(r->etag, after);
  http_reply_free(r);
  free(before);
  free(after);
}

static void change_school(void) {
  char *etag = etag_of(J("/api/v1/schools/%lld", fx.s));
  struct http_reply *r = http_patch(J("/api/v1/schools/%lld", fx.s), etag,
                                    J("{'phone':'+7 49232 0-00-01'}"));
  assert_status(r, 200);
  http_reply_free(r);
  free(etag);
}
static void change_status(void) {
  create_status(fx.s, "RISK_GROUP", 2025);
}
static void change_curator(void) {
  api_create(J("/api/v1/schools/%lld/curators", fx.s),
             J("{'full_name':'Сидоров И. П.','starts_on':'2025-10-01'}"));
}
static void change_partner(void) {
  api_create(J("/api/v1/schools/%lld/partners", fx.s),
             J("{'partner_school_id':%lld,'kind':'MENTORING','starts_on':"
               "'2025-10-01'}",
               fx.o[0]));
}
static void change_partner_school(void) {
  db_exec("UPDATE schools SET short_name = 'МБОУ «Малыгинская СОШ» им. А.',"
          " version = version + 1 WHERE id = %lld",
          fx.p);
}
static void change_risk(void) {
  patch_risk(2025, "RF04", "low");
}
static void change_risk_before(void) {
  patch_risk(2024, "RF04", "medium");
}
static void change_item(void) {
  struct http_reply *r = http_patch(J("/api/v1/roadmap-items/%lld", fx.item),
                                    "\"1\"", J("{'status':'done'}"));
  assert_status(r, 200);
  http_reply_free(r);
}
static void change_roadmap(void) {
  struct http_reply *r = http_patch(J("/api/v1/roadmaps/%lld", fx.roadmap),
                                    "\"1\"", J("{'title':'Дорожная карта'}"));
  assert_status(r, 200);
  http_reply_free(r);
}
static void change_submission(void) {
  db_exec("INSERT INTO submissions (campaign_id, school_id) VALUES (%lld,"
          " %lld)",
          fx.campaign, fx.s);
}
static void change_campaign(void) {
  db_exec("UPDATE campaigns SET deadline = '2025-11-15', version = version"
          " + 1 WHERE id = %lld",
          fx.campaign);
}
static void change_own_stats(void) {
  db_exec("UPDATE assessment_school_stats SET failed = failed + 1,"
          " updated_at = now() WHERE assessment_id = %lld AND school_id ="
          " %lld",
          fx.math[2], fx.s);
}
/* Another school's statistics move the region's figures. */
static void change_region_stats(void) {
  db_exec("UPDATE assessment_school_stats SET failed = failed + 1,"
          " updated_at = now() WHERE assessment_id = %lld AND school_id ="
          " %lld",
          fx.math[1], fx.n);
}
static void change_identification(void) {
  long long status = db_count("SELECT id FROM school_statuses WHERE"
                              " school_id = %lld AND category = 'RISK_GROUP'"
                              " AND school_year = 2024",
                              fx.s);
  db_exec("INSERT INTO identification_run_statuses VALUES (%lld, %lld)", status,
          fx.run);
}

static void test_etag_changes_with_each_part(void **state) {
  (void)state;
  use_token(fx.admin);
  /* nothing changed: 304, and the same tag again */
  char *tag = card_etag("");
  char *again = card_etag("");
  assert_string_equal(tag, again);
  free(again);
  free(tag);
  expect_new_etag("the school", "", change_school);
  expect_new_etag("the statuses", "", change_status);
  expect_new_etag("the identification", "", change_identification);
  expect_new_etag("the curators", "", change_curator);
  expect_new_etag("the partners", "", change_partner);
  expect_new_etag("a partner school", "", change_partner_school);
  expect_new_etag("the risk profile", "", change_risk);
  expect_new_etag("last year's risk profile", "", change_risk_before);
  expect_new_etag("a roadmap", "", change_roadmap);
  expect_new_etag("a roadmap item", "", change_item);
  expect_new_etag("a submission", "", change_submission);
  expect_new_etag("a campaign", "", change_campaign);
  expect_new_etag("the school's statistics", "", change_own_stats);
  expect_new_etag("the region's statistics", "", change_region_stats);
  expect_new_etag("the objectivity inputs", "&include=objectivity",
                  change_region_stats);
  /* another year, another caller: another card */
  use_token(fx.admin);
  char *a = card_etag("");
  char *b = etag_of(J("/api/v1/schools/%lld/card?year=2024", fx.s));
  assert_string_not_equal(a, b);
  use_token(make_token("reader", "region", fx.region));
  char *c = card_etag("");
  assert_string_not_equal(a, c);
  free(a);
  free(b);
  free(c);
  use_token(fx.admin);
}

/* --- bad queries and scope ---------------------------------------------- */

/* The card kept under its ETag (src/core/kept.c) is answered again only while
 * the ETag is the same: a change of a part, made through the API or
 * directly in the database, is in the next answer; a caller out of scope
 * gets 404 though the card is kept; another caller's card is its own. */
static void test_kept_card_follows_changes(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *first = http_get(CARD "", fx.s);
  struct http_reply *kept = http_get(CARD "", fx.s);
  assert_status(kept, 200);
  assert_string_equal(first->body, kept->body);
  assert_string_equal(first->etag, kept->etag);
  http_reply_free(kept);
  db_exec("UPDATE schools SET short_name = 'МБОУ «Малыгинская СОШ» (kept)',"
          " version = version + 1 WHERE id = %lld",
          fx.s);
  json_t *card = card_of(fx.s, "");
  assert_json_str(json_object_get(card, "school"), "short_name",
                  "МБОУ «Малыгинская СОШ» (kept)");
  json_decref(card);
  change_curator();
  card = card_of(fx.s, "");
  const json_t *curators = json_object_get(card, "curators");
  assert_json_str(json_array_get(curators, json_array_size(curators) - 1),
                  "full_name", "Сидоров И. П.");
  json_decref(card);
  use_token(make_token("municipal", "municipality", fx.m2));
  struct http_reply *r = http_get(CARD "", fx.s);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(make_token("reader", "region", fx.region));
  r = http_get(CARD "", fx.s);
  assert_status(r, 200);
  assert_string_not_equal(r->etag, first->etag);
  http_reply_free(r);
  http_reply_free(first);
  use_token(fx.admin);
}

/* The kept sums per municipality and per region equal a recount of the
 * schools' statistics, also after a school moves to another region and
 * back. */
static void assert_area_sums_recounted(void) {
  assert_int_equal(
      db_count("SELECT count(*) FROM (SELECT x.assessment_id,"
               " s.municipality_id, count(*) AS n, sum(x.participants) AS p,"
               " sum(x.failed) AS f, sum(x.primary_sum) AS ps FROM"
               " assessment_school_stats x JOIN schools s ON s.id ="
               " x.school_id GROUP BY 1, 2) w FULL JOIN (SELECT"
               " assessment_id, municipality_id, schools, participants,"
               " failed, primary_sum FROM assessment_area_stats) k USING"
               " (assessment_id, municipality_id) WHERE (w.n, w.p,"
               " w.f, w.ps) IS DISTINCT FROM (k.schools,"
               " k.participants, k.failed, k.primary_sum)"),
      0);
  assert_int_equal(
      db_count("SELECT count(*) FROM (SELECT x.assessment_id, m.region_id,"
               " count(*) AS n, sum(x.participants) AS p, sum(x.failed) AS f,"
               " sum(x.primary_sum) AS ps FROM assessment_school_stats x JOIN"
               " schools s ON s.id = x.school_id JOIN municipalities m ON"
               " m.id = s.municipality_id GROUP BY 1, 2) w FULL JOIN"
               " (SELECT assessment_id, region_id, schools, participants,"
               " failed, primary_sum FROM assessment_region_stats) k USING"
               " (assessment_id, region_id) WHERE (w.n, w.p, w.f,"
               " w.ps) IS DISTINCT FROM (k.schools, k.participants,"
               " k.failed, k.primary_sum)"),
      0);
}

static void test_area_sums_follow_a_move(void **state) {
  (void)state;
  assert_area_sums_recounted();
  long long far_region = create_region("card-rx", "Орловская область");
  long long far = create_municipality(far_region, "card-mx", "Ливенский район");
  db_exec("UPDATE schools SET municipality_id = %lld WHERE id = %lld", far,
          fx.o[0]);
  assert_area_sums_recounted();
  assert_int_equal(db_count("SELECT count(*) FROM assessment_region_stats"
                            " WHERE region_id = %lld",
                            far_region),
                   3);
  db_exec("UPDATE schools SET municipality_id = %lld WHERE id = %lld", fx.m1,
          fx.o[0]);
  assert_area_sums_recounted();
  assert_int_equal(db_count("SELECT count(*) FROM assessment_region_stats"
                            " WHERE region_id = %lld",
                            far_region),
                   0);
}

static void test_bad_queries_and_scope(void **state) {
  (void)state;
  use_token(fx.admin);
  static const char *const bad_years[] = {"abc", "1999", "2101", "2025.5", ""};
  for (size_t i = 0; i < sizeof bad_years / sizeof *bad_years; i++) {
    struct http_reply *r =
        http_get("/api/v1/schools/%lld/card?year=%s", fx.s, bad_years[i]);
    assert_validation(r, "query.year");
    http_reply_free(r);
  }
  struct http_reply *r =
      http_get("/api/v1/schools/%lld/card?include=everything", fx.s);
  assert_validation(r, "query.include");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/card?year=1999&include=x", fx.s);
  assert_validation(r, "query.year", "query.include");
  http_reply_free(r);
  check_bad_ids("GET", "/api/v1/schools/%s/card", "id", NULL, NULL);
  /* outside the scope: the answer of GET /schools/{id}, word for word */
  use_token(make_token("municipal", "municipality", fx.m2));
  struct http_reply *school = http_get("/api/v1/schools/%lld", fx.s);
  r = http_get(CARD, fx.s);
  assert_problem(r, 404, "not_found");
  assert_string_equal(jstr(r->json, "detail"), jstr(school->json, "detail"));
  http_reply_free(r);
  http_reply_free(school);
  struct http_reply *missing = http_get("/api/v1/schools/999999/card");
  assert_problem(missing, 404, "not_found");
  http_reply_free(missing);
  /* the municipality's own school: its card, whose region figures are
   * those the admin sees */
  r = http_get(CARD, fx.n);
  assert_status(r, 200);
  http_reply_free(r);
  use_token(fx.admin);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_members_match_their_endpoints),
      cmocka_unit_test(test_risk_profile_against_last_year),
      cmocka_unit_test(test_assessment_trends),
      cmocka_unit_test(test_objectivity_on_request),
      cmocka_unit_test(test_bad_queries_and_scope),
      cmocka_unit_test(test_etag_changes_with_each_part),
      cmocka_unit_test(test_area_sums_follow_a_move),
      cmocka_unit_test(test_kept_card_follows_changes),
  };
  harness_start("school_card");
  return harness_finish(cmocka_run_group_tests(tests, setup, NULL));
}
