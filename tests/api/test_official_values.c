/* Official values as an integrator sees them (docs/MONITORING.md,
 * "Official values"): a client mirrors the change feed (`?since=`) into a
 * local map, applying a withdrawn item as a delete, through accept ->
 * return -> edit -> accept and more; after every step the mirror equals the
 * official values in the database, and each step draws change numbers for
 * what changed only. Campaigns are made with SQL, submissions through the
 * API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define VALUES "/api/v1/indicator-values"
#define CALC "VACANCIES_PER_100"

static struct {
  long long muni, other_muni, a, b, c; /* a, b in muni; c in other_muni */
  long long first, second;             /* campaigns of 2024/25 */
  char municipal[256], neighbour[256]; /* tokens of muni, other_muni */
} fx;

/* An open campaign of 2024/25 asking a, b and c for `codes` (SQL list of
 * 'CODE', required). */
static long long campaign(const char *codes) {
  long long id = db_count(
      "INSERT INTO campaigns (title, period, region_id, opens_on, deadline,"
      " status) VALUES ('Кадры 2024/25', '2024/25', %lld, current_date - 30,"
      " current_date + 14, 'open') RETURNING id",
      kovrov().region_id);
  db_exec("INSERT INTO campaign_indicators (campaign_id, indicator_code,"
          " required, position) SELECT %lld, x.code, x.required, x.n"
          " FROM (VALUES %s) AS x(code, required, n)",
          id, codes);
  db_exec("INSERT INTO campaign_schools (campaign_id, school_id)"
          " VALUES (%lld, %lld), (%lld, %lld), (%lld, %lld)",
          id, fx.a, id, fx.b, id, fx.c);
  return id;
}

static void fixtures(void) {
  if (fx.a != 0)
    return;
  struct territory t = kovrov();
  fx.muni = t.municipality_id;
  fx.other_muni = create_municipality(t.region_id, "ov-murom", "округ Муром");
  fx.a = create_school(fx.muni, "ov-a", "МБОУ СОШ № 1");
  fx.b = create_school(fx.muni, "ov-b", "МБОУ СОШ № 2");
  fx.c = create_school(fx.other_muni, "ov-c", "МБОУ СОШ № 3");
  /* Vacancies per 100 teachers, computed. */
  struct http_reply *r =
      http_post("/api/v1/indicators",
                "{\"code\":\"" CALC "\",\"name\":\"Вакансии на 100 педагогов\","
                "\"value_type\":\"number\",\"periodicity\":\"school_year\","
                "\"formula\":\"100 * TEACHER_VACANCIES / TEACHERS_TOTAL\"}");
  assert_status(r, 201);
  http_reply_free(r);
  fx.first = campaign("('TEACHERS_TOTAL', true, 1),"
                      " ('TEACHER_VACANCIES', true, 2),"
                      " ('TEACHERS_FIRST_CATEGORY_SHARE', false, 3),"
                      " ('ASSESSMENT_RESULTS_REPORT', false, 4),"
                      " ('GRADUATE_JOB_AGREEMENTS', false, 5)");
  fx.second = campaign("('TEACHERS_TOTAL', true, 1),"
                       " ('TEACHER_VACANCIES', true, 2),"
                       " ('STAFFING_LEVEL', false, 3)");
  snprintf(fx.municipal, sizeof fx.municipal, "%s",
           make_token("municipal", "municipality", fx.muni));
  snprintf(fx.neighbour, sizeof fx.neighbour, "%s",
           make_token("municipal", "municipality", fx.other_muni));
}

/* --- the school's and the reviewer's side ------------------------------ */

static const char *subm(long long campaign_id, long long school,
                        const char *rest) {
  return J("/api/v1/monitoring/campaigns/%lld/submissions/%lld%s", campaign_id,
           school, rest);
}

/* A move of the submission from `version`; expects 200 and returns the new
 * version. */
static int move(long long campaign_id, long long school, const char *what,
                int version, const char *body) {
  char line[64];
  snprintf(line, sizeof line, "If-Match: \"%d\"", version);
  const char *headers[] = {line, NULL};
  struct http_reply *r =
      strcmp(what, "save") == 0
          ? http_request("PUT", subm(campaign_id, school, ""), body, headers)
          : http_request("POST", subm(campaign_id, school, J("/%s", what)),
                         body, headers);
  assert_status(r, 200);
  int now = (int)jint(r->json, "version");
  http_reply_free(r);
  return now;
}

/* Saves `values` (JSON array text) and submits: the new version. */
static int hand_in(long long campaign_id, long long school, int version,
                   const char *values) {
  version =
      move(campaign_id, school, "save", version, J("{'values':%s}", values));
  return move(campaign_id, school, "submit", version, NULL);
}

static int give_back(long long campaign_id, long long school, int version) {
  return move(campaign_id, school, "return", version,
              "{\"comment\":\"Уточните данные\"}");
}

/* --- the integrator's side ------------------------------------------------ */

struct mirror {
  const char *token; /* NULL: the harness's global admin */
  long long since;   /* latest_change stored after the last sync */
  json_t *rows;      /* "id" -> item */
};

/* One item as "school/indicator/period=value~reason#change_no". */
static char *row_text(const json_t *item) {
  char *value =
      json_dumps(json_object_get(item, "value"),
                 JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
  const char *reason = jstr(item, "reason");
  char *s = malloc(512);
  snprintf(s, 512, "%lld/%s/%s=%s~%s#%lld",
           jint(json_object_get(item, "school"), "id"), jstr(item, "indicator"),
           jstr(item, "period"), value, reason ? reason : "",
           jint(item, "change_no"));
  free(value);
  return s;
}

/* Follows the feed from m->since (pages of 2) and applies it: a withdrawn
 * item deletes, any other sets. Asserts change numbers rise, each value
 * comes once, and a tombstone is empty. Returns the items (caller
 * decrefs). */
static json_t *mirror_sync(struct mirror *m) {
  char saved[256] = "";
  if (m->token != NULL)
    snprintf(saved, sizeof saved, "%s", use_token(m->token));
  json_t *items = json_array(), *seen = json_object();
  char *cursor = NULL;
  long long last = m->since, latest = 0;
  do {
    struct http_reply *r =
        cursor ? http_get(VALUES "?since=%lld&limit=2&cursor=%s", m->since,
                          esc(cursor))
               : http_get(VALUES "?since=%lld&limit=2", m->since);
    free(cursor);
    cursor = NULL;
    assert_status(r, 200);
    json_t *item;
    size_t i;
    json_array_foreach(json_object_get(r->json, "items"), i, item) {
      char id[24];
      snprintf(id, sizeof id, "%lld", jint(item, "id"));
      assert_true(jint(item, "change_no") > last);
      last = jint(item, "change_no");
      assert_null(json_object_get(seen, id));
      json_object_set_new(seen, id, json_true());
      if (json_is_true(json_object_get(item, "withdrawn"))) {
        assert_json_null(item, "value");
        assert_json_null(item, "reason");
        json_object_del(m->rows, id);
      } else {
        assert_true(json_is_false(json_object_get(item, "withdrawn")));
        json_object_set(m->rows, id, item);
      }
      json_array_append(items, item);
    }
    latest = jint(r->json, "latest_change");
    if (jstr(r->json, "next_cursor") != NULL)
      cursor = strdup(jstr(r->json, "next_cursor"));
    http_reply_free(r);
  } while (cursor != NULL);
  assert_true(latest >= last);
  m->since = latest;
  json_decref(seen);
  if (m->token != NULL)
    use_token(saved);
  return items;
}

static int by_id(const void *x, const void *y) {
  long long a = strtoll(*(const char *const *)x, NULL, 10);
  long long b = strtoll(*(const char *const *)y, NULL, 10);
  return (a > b) - (a < b);
}

/* The mirror as "id:row,..." by id. Caller frees. */
static char *mirror_text(const struct mirror *m) {
  size_t n = json_object_size(m->rows), k = 0, cap = 64 + n * 600, len = 0;
  const char **ids = calloc(n + 1, sizeof *ids);
  const char *id;
  json_t *item;
  json_object_foreach(m->rows, id, item) {
    ids[k++] = id;
  }
  qsort(ids, n, sizeof *ids, by_id);
  char *s = malloc(cap);
  s[0] = '\0';
  for (k = 0; k < n; k++) {
    char *row = row_text(json_object_get(m->rows, ids[k]));
    len += (size_t)snprintf(s + len, cap - len, "%s%s:%s", k ? "," : "", ids[k],
                            row);
    free(row);
  }
  free(ids);
  return s;
}

/* The official values of the schools matching `where` (SQL on schools s),
 * in the mirror's form, straight from the table. Caller frees. */
static char *official_text(const char *where) {
  return db_text(
      "SELECT coalesce(string_agg(v.id || ':' || v.school_id || '/'"
      " || v.indicator_code || '/' || v.period || '='"
      " || coalesce(v.value::text, 'null') || '~' || coalesce(v.reason, '')"
      " || '#' || v.change_no, ',' ORDER BY v.id), '')"
      " FROM indicator_values v JOIN schools s ON s.id = v.school_id"
      " WHERE NOT v.withdrawn AND (%s)",
      where);
}

static struct mirror admin_m, municipal_m, neighbour_m;

/* Every mirror syncs and equals what its caller may see; returns the
 * admin's items of this sync (caller decrefs). */
static json_t *sync_all(void) {
  struct mirror *all[] = {&admin_m, &municipal_m, &neighbour_m};
  const long long muni[] = {0, fx.muni, fx.other_muni};
  json_t *admin_items = NULL;
  for (size_t i = 0; i < 3; i++) {
    char where[128] = "true";
    if (muni[i] != 0)
      snprintf(where, sizeof where, "s.municipality_id = %lld", muni[i]);
    json_t *items = mirror_sync(all[i]);
    /* Tombstones too stay in scope. */
    json_t *item;
    size_t k;
    json_array_foreach(items, k, item) {
      if (muni[i] != 0)
        assert_int_equal(
            jint(json_object_get(item, "school"), "municipality_id"), muni[i]);
    }
    char *got = mirror_text(all[i]), *want = official_text(where);
    if (strcmp(got, want) != 0)
      fail_msg("mirror %zu:\n  %s\nofficial:\n  %s", i, got, want);
    free(got);
    free(want);
    if (i == 0)
      admin_items = items;
    else
      json_decref(items);
  }
  return admin_items;
}

/* "CODE=value" or "CODE=-" (withdrawn) of a sync's items of school, sorted
 * by code, joined by ",". Consumes items. */
static char *changes_of(json_t *items, long long school) {
  char *lines[64];
  size_t n = 0;
  json_t *item;
  size_t i;
  json_array_foreach(items, i, item) {
    if (jint(json_object_get(item, "school"), "id") != school || n == 64)
      continue;
    char *value = json_dumps(json_object_get(item, "value"),
                             JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    lines[n] = malloc(256);
    snprintf(lines[n], 256, "%s=%s", jstr(item, "indicator"),
             json_is_true(json_object_get(item, "withdrawn")) ? "-" : value);
    free(value);
    n++;
  }
  json_decref(items);
  for (size_t x = 1; x < n; x++)
    for (size_t y = x; y > 0 && strcmp(lines[y - 1], lines[y]) > 0; y--) {
      char *t = lines[y];
      lines[y] = lines[y - 1];
      lines[y - 1] = t;
    }
  char *s = calloc(1, 64 * 256);
  for (size_t k = 0; k < n; k++) {
    if (k > 0)
      strcat(s, ",");
    strcat(s, lines[k]);
    free(lines[k]);
  }
  return s;
}

static void expect_changes(long long school, const char *want) {
  char *got = changes_of(sync_all(), school);
  if (strcmp(got, want) != 0)
    fail_msg("changes of school %lld:\n  %s\nwant\n  %s", school, got, want);
  free(got);
}

static long long change_of(long long school, const char *code) {
  return db_count("SELECT change_no FROM indicator_values WHERE school_id ="
                  " %lld AND indicator_code = '%s' AND period = '2024/25'",
                  school, code);
}

static long long drawn(void) {
  return db_count("SELECT last_value FROM indicator_change_seq");
}

#define FIRST_VALUES                                                           \
  "[{'code':'TEACHERS_TOTAL','value':40},"                                     \
  "{'code':'TEACHER_VACANCIES','value':2},"                                    \
  "{'code':'TEACHERS_FIRST_CATEGORY_SHARE','value':41.5},"                     \
  "{'code':'ASSESSMENT_RESULTS_REPORT','value':'Справка по ВПР'}," \
  "{'code':'GRADUATE_JOB_AGREEMENTS','value':true}]"
/* The correction: the report removed, the staff count changed. */
#define CORRECTED_VALUES                                                       \
  "[{'code':'TEACHERS_TOTAL','value':50},"                                     \
  "{'code':'TEACHER_VACANCIES','value':2},"                                    \
  "{'code':'TEACHERS_FIRST_CATEGORY_SHARE','value':41.5},"                     \
  "{'code':'GRADUATE_JOB_AGREEMENTS','value':true}]"

static void test_integrator_mirror(void **state) {
  (void)state;
  fixtures();
  admin_m = (struct mirror){NULL, 0, json_object()};
  municipal_m = (struct mirror){fx.municipal, 0, json_object()};
  neighbour_m = (struct mirror){fx.neighbour, 0, json_object()};
  expect_changes(fx.a, "");

  /* Accepted: the values and the computed one, once each. */
  int va = hand_in(fx.first, fx.a, 0, FIRST_VALUES);
  va = move(fx.first, fx.a, "accept", va, NULL);
  int vc = hand_in(fx.first, fx.c, 0,
                   "[{'code':'TEACHERS_TOTAL','value':20},"
                   "{'code':'TEACHER_VACANCIES','value':1}]");
  vc = move(fx.first, fx.c, "accept", vc, NULL);
  expect_changes(fx.a, "ASSESSMENT_RESULTS_REPORT=\"Справка по ВПР\","
                       "GRADUATE_JOB_AGREEMENTS=true,"
                       "TEACHERS_FIRST_CATEGORY_SHARE=41.5,"
                       "TEACHERS_TOTAL=40,TEACHER_VACANCIES=2," CALC "=5");
  long long report = db_count("SELECT id FROM indicator_values WHERE"
                              " school_id = %lld AND indicator_code ="
                              " 'ASSESSMENT_RESULTS_REPORT'",
                              fx.a);
  long long neighbour_since = neighbour_m.since;

  /* Returned: every value of the submission withdrawn, the computed one
   * with them; the list and the time series show none of them. */
  va = give_back(fx.first, fx.a, va);
  expect_changes(fx.a, "ASSESSMENT_RESULTS_REPORT=-,"
                       "GRADUATE_JOB_AGREEMENTS=-,"
                       "TEACHERS_FIRST_CATEGORY_SHARE=-,"
                       "TEACHERS_TOTAL=-,TEACHER_VACANCIES=-," CALC "=-");
  struct http_reply *r = http_get(VALUES "?school=%lld", fx.a);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/indicators", fx.a);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "indicators")), 0);
  http_reply_free(r);
  /* The neighbour saw none of it, and its latest_change did not move. */
  assert_int_equal(neighbour_m.since, neighbour_since);

  /* Edited and submitted: nothing official changes. */
  long long before = drawn();
  va = hand_in(fx.first, fx.a, va, CORRECTED_VALUES);
  expect_changes(fx.a, "");
  assert_int_equal(drawn(), before);

  /* Accepted again: the values it gives, not the removed report. */
  va = move(fx.first, fx.a, "accept", va, NULL);
  expect_changes(fx.a, "GRADUATE_JOB_AGREEMENTS=true,"
                       "TEACHERS_FIRST_CATEGORY_SHARE=41.5,"
                       "TEACHERS_TOTAL=50,TEACHER_VACANCIES=2," CALC "=4");
  assert_int_equal(db_count("SELECT count(*) FROM indicator_values WHERE"
                            " id = %lld AND withdrawn",
                            report),
                   1);
  /* The tombstone is in the feed filtered to it, in scope. */
  r = http_get(VALUES "?since=0&indicator=ASSESSMENT_RESULTS_REPORT");
  assert_status(r, 200);
  json_t *tomb = json_array_get(json_object_get(r->json, "items"), 0);
  assert_json_int(tomb, "id", report);
  assert_true(json_is_true(json_object_get(tomb, "withdrawn")));
  http_reply_free(r);

  /* A second campaign of the same period: the same staff count keeps its
   * change number; the changed and the new values get one each. */
  long long total_no = change_of(fx.a, "TEACHERS_TOTAL");
  int v2 = hand_in(fx.second, fx.a, 0,
                   "[{'code':'TEACHERS_TOTAL','value':50},"
                   "{'code':'TEACHER_VACANCIES','value':3},"
                   "{'code':'STAFFING_LEVEL','value':90}]");
  v2 = move(fx.second, fx.a, "accept", v2, NULL);
  expect_changes(fx.a, "STAFFING_LEVEL=90,TEACHER_VACANCIES=3," CALC "=6");
  assert_int_equal(change_of(fx.a, "TEACHERS_TOTAL"), total_no);

  /* It is returned: what only it gave is withdrawn, what the first
   * campaign gives comes back, the same staff count stays as it was. */
  v2 = give_back(fx.second, fx.a, v2);
  expect_changes(fx.a, "STAFFING_LEVEL=-,TEACHER_VACANCIES=2," CALC "=4");
  assert_int_equal(change_of(fx.a, "TEACHERS_TOTAL"), total_no);
  assert_int_equal(db_count("SELECT count(*) FROM indicator_values v"
                            " JOIN submissions s ON s.id = v.submission_id"
                            " WHERE v.school_id = %lld AND s.campaign_id ="
                            " %lld AND NOT v.withdrawn AND v.source ="
                            " 'submission'",
                            fx.a, fx.first),
                   4);

  /* Returning a submission that was never accepted draws nothing. */
  int vb = hand_in(fx.first, fx.b, 0,
                   "[{'code':'TEACHERS_TOTAL','value':30},"
                   "{'code':'TEACHER_VACANCIES','value':0}]");
  before = drawn();
  give_back(fx.first, fx.b, vb);
  expect_changes(fx.b, "");
  assert_int_equal(drawn(), before);
  (void)vc;
}

/* A computed indicator no longer computed is withdrawn when the school's
 * values are next written; a school with official values is not deleted
 * (409), so no value goes away with it. */
static void test_other_ways_out(void **state) {
  (void)state;
  fixtures();
  if (admin_m.rows == NULL) {
    admin_m = (struct mirror){NULL, 0, json_object()};
    municipal_m = (struct mirror){fx.municipal, 0, json_object()};
    neighbour_m = (struct mirror){fx.neighbour, 0, json_object()};
  }
  json_decref(sync_all());
  char *etag = etag_of("/api/v1/indicators/" CALC);
  struct http_reply *r =
      http_patch("/api/v1/indicators/" CALC, etag, "{\"active\":false}");
  assert_status(r, 200);
  http_reply_free(r);
  free(etag);
  int v = (int)db_count("SELECT version FROM submissions WHERE campaign_id ="
                        " %lld AND school_id = %lld",
                        fx.second, fx.a);
  v = hand_in(fx.second, fx.a, v,
              "[{'code':'TEACHERS_TOTAL','value':50},"
              "{'code':'TEACHER_VACANCIES','value':2}]");
  move(fx.second, fx.a, "accept", v, NULL);
  expect_changes(fx.a, CALC "=-");

  long long before = drawn();
  etag = etag_of(J("/api/v1/schools/%lld", fx.c));
  r = http_delete(J("/api/v1/schools/%lld", fx.c), etag);
  assert_problem(r, 409, "still_referenced");
  http_reply_free(r);
  free(etag);
  expect_changes(fx.c, "");
  assert_int_equal(drawn(), before);
}

static void test_cleanup(void **state) {
  (void)state;
  json_decref(admin_m.rows);
  json_decref(municipal_m.rows);
  json_decref(neighbour_m.rows);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integrator_mirror),
      cmocka_unit_test(test_other_ways_out),
      cmocka_unit_test(test_cleanup),
  };
  harness_start("official_values");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
