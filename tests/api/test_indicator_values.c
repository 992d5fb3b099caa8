/* /api/v1/indicator-values (the list and the change feed) and
 * /api/v1/schools/{id}/indicators (a school's time series), from
 * docs/MONITORING.md, "Official values". Values are written with SQL the
 * way writers do: in a transaction that takes indicator_values_lock(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "harness.h"

#define VALUES "/api/v1/indicator-values"
#define BOM "\xEF\xBB\xBF"
#define PARENT_NAME                                                            \
  "Удовлетворенность родителей качеством образовательных услуг"
#define TOTAL_NAME "Численность педагогических работников"

static void assert_csv_lines(const char *body, const char *const *want);

static struct {
  long long rB, mA, mB, mX;
  long long s1, s2, s3, sx; /* s1, s2 in Kovrov, s3 in Murom, sx region B */
} fx;

static void fixtures(void) {
  if (fx.s1 != 0)
    return;
  struct territory t = kovrov();
  fx.mA = t.municipality_id;
  fx.mB = create_municipality(t.region_id, "iv-murom", "округ Муром");
  fx.rB = create_region("iv-rB", "Ивановская область");
  fx.mX = create_municipality(fx.rB, "iv-mX", "Кинешемский район");
  fx.s1 = create_school(fx.mA, "iv-s1", "МБОУ СОШ № 1");
  fx.s2 = create_school(fx.mA, "iv-s2", "МБОУ СОШ № 2");
  fx.s3 = create_school(fx.mB, "iv-s3", "МБОУ СОШ № 3");
  fx.sx = create_school(fx.mX, "iv-sx", "МБОУ СОШ № 9");
  create_status(fx.s1, "SHNOR", 2023);
  create_status(fx.s3, "SHNSU", 2022);
}

/* Writes one official value (value: SQL jsonb text) as a writer does and
 * returns its change number. */
static long long put(long long school, const char *code, const char *period,
                     const char *value) {
  db_exec("BEGIN; SELECT indicator_values_lock();"
          " INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES (%lld, '%s', '%s', '%s',"
          " 'submission', nextval('indicator_change_seq'))"
          " ON CONFLICT (school_id, indicator_code, period) DO UPDATE SET"
          " value = excluded.value, change_no = excluded.change_no,"
          " updated_at = now(); COMMIT",
          school, code, period, value);
  return db_count("SELECT change_no FROM indicator_values WHERE school_id ="
                  " %lld AND indicator_code = '%s' AND period = '%s'",
                  school, code, period);
}

static long long value_id(long long school, const char *code,
                          const char *period) {
  return db_count("SELECT id FROM indicator_values WHERE school_id = %lld"
                  " AND indicator_code = '%s' AND period = '%s'",
                  school, code, period);
}

/* Every item of the list at path (all pages of 2). */
static json_t *all(const char *path) {
  return list_all(path, 2);
}

static void assert_ids(json_t *items, const char *want) {
  char *got = ids_of(items);
  if (strcmp(got, want) != 0)
    fail_msg("ids %s, want %s", got, want);
  free(got);
  json_decref(items);
}

static void test_list_filters(void **state) {
  (void)state;
  fixtures();
  put(fx.s1, "TEACHERS_TOTAL", "2023/24", "41");
  put(fx.s1, "TEACHERS_TOTAL", "2022/23", "40");
  put(fx.s1, "PARENT_SATISFACTION_SHARE", "2024-H1", "87.5");
  put(fx.s2, "TEACHERS_TOTAL", "2023/24", "25");
  put(fx.s3, "TEACHERS_TOTAL", "2023/24", "18");
  put(fx.sx, "TEACHERS_TOTAL", "2023/24", "30");
  long long a = value_id(fx.s1, "TEACHERS_TOTAL", "2023/24");
  long long b = value_id(fx.s1, "TEACHERS_TOTAL", "2022/23");
  long long c = value_id(fx.s1, "PARENT_SATISFACTION_SHARE", "2024-H1");
  long long d = value_id(fx.s2, "TEACHERS_TOTAL", "2023/24");
  long long e = value_id(fx.s3, "TEACHERS_TOTAL", "2023/24");
  long long x = value_id(fx.sx, "TEACHERS_TOTAL", "2023/24");

  /* By school short name, then id. */
  assert_ids(all(VALUES), J("%lld,%lld,%lld,%lld,%lld,%lld", a, b, c, d, e, x));
  assert_ids(all(VALUES "?indicator=PARENT_SATISFACTION_SHARE"), J("%lld", c));
  assert_ids(all(VALUES "?period=2023/24"),
             J("%lld,%lld,%lld,%lld", a, d, e, x));
  assert_ids(all(J(VALUES "?school=%lld", fx.s1)),
             J("%lld,%lld,%lld", a, b, c));
  assert_ids(all(J(VALUES "?municipality=%lld", fx.mB)), J("%lld", e));
  /* category alone: an open status; with year: a status of that year. */
  assert_ids(all(VALUES "?category=SHNOR"), J("%lld,%lld,%lld", a, b, c));
  assert_ids(all(VALUES "?category=SHNSU&year=2022"), "");
  assert_ids(all(VALUES "?category=SHNOR&year=2023"), J("%lld,%lld", a, c));
  /* year: the periods starting from September 2023 to August 2024. */
  assert_ids(all(VALUES "?year=2023"),
             J("%lld,%lld,%lld,%lld,%lld", a, c, d, e, x));
  assert_ids(all(VALUES "?year=2022"), J("%lld", b));
  assert_ids(all(J(VALUES "?indicator=TEACHERS_TOTAL&period=2023/24&"
                          "municipality=%lld",
                   fx.mA)),
             J("%lld,%lld", a, d));
  assert_ids(all(VALUES "?indicator=NO_SUCH_CODE"), "");

  /* An item's members. */
  struct http_reply *r =
      http_get(VALUES "?indicator=PARENT_SATISFACTION_SHARE");
  assert_status(r, 200);
  json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
  assert_json_int(item, "id", c);
  json_t *school = json_object_get(item, "school");
  assert_json_int(school, "id", fx.s1);
  assert_json_str(school, "code", "iv-s1");
  assert_json_str(school, "short_name", "МБОУ СОШ № 1");
  assert_json_int(school, "municipality_id", fx.mA);
  assert_json_str(item, "indicator", "PARENT_SATISFACTION_SHARE");
  assert_json_str(item, "period", "2024-H1");
  assert_true(json_real_value(json_object_get(item, "value")) == 87.5);
  assert_json_str(item, "source", "submission");
  assert_json_null(item, "reason");
  assert_json_int(item, "change_no",
                  db_count("SELECT change_no FROM indicator_values WHERE id ="
                           " %lld",
                           c));
  assert_non_null(jstr(item, "updated_at"));
  assert_json_int(r->json, "latest_change",
                  db_count("SELECT max(change_no) FROM indicator_values"));
  http_reply_free(r);
}

static void test_bad_params(void **state) {
  (void)state;
  static const char *const bad[][2] = {
      {"indicator=teachers", "query.indicator"},
      {"indicator=T", "query.indicator"},
      {"period=2023-24", "query.period"},
      {"period=2023-Q5", "query.period"},
      {"period=2023/25", "query.period"},
      {"school=0", "query.school"},
      {"school=abc", "query.school"},
      {"municipality=-1", "query.municipality"},
      {"category=SHKOLA", "query.category"},
      {"year=1999", "query.year"},
      {"year=20x3", "query.year"},
      {"since=-1", "query.since"},
      {"since=1.5", "query.since"},
      {"since=99999999999999999999", "query.since"},
      {"limit=0", "query.limit"},
      {"cursor=not-a-cursor", "query.cursor"},
      {"headers=ru", "query.headers"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct http_reply *r = http_get(VALUES "?%s", bad[i][0]);
    assert_validation(r, bad[i][1]);
    http_reply_free(r);
  }
  /* Every bad one at once. */
  struct http_reply *r =
      http_get(VALUES "?indicator=x&period=24&school=0&municipality=0&"
                      "category=X&year=1&since=-5");
  assert_validation(r, "query.indicator", "query.period", "query.school",
                    "query.municipality", "query.category", "query.year",
                    "query.since");
  http_reply_free(r);
  /* A cursor of the list does not page the feed, nor the other way. */
  fixtures();
  put(fx.s1, "TEACHER_VACANCIES", "2023/24", "2");
  put(fx.s2, "TEACHER_VACANCIES", "2023/24", "1");
  r = http_get(VALUES "?indicator=TEACHER_VACANCIES&limit=1");
  assert_status(r, 200);
  char *list_cursor = strdup(jstr(r->json, "next_cursor"));
  http_reply_free(r);
  r = http_get(VALUES "?since=0&limit=1");
  char *feed_cursor = strdup(jstr(r->json, "next_cursor"));
  http_reply_free(r);
  r = http_get(VALUES "?since=0&cursor=%s", esc(list_cursor));
  assert_validation(r, "query.cursor");
  http_reply_free(r);
  r = http_get(VALUES "?cursor=%s", esc(feed_cursor));
  assert_validation(r, "query.cursor");
  http_reply_free(r);
  free(list_cursor);
  free(feed_cursor);
  /* Time series. */
  static const char *const bad_series[][2] = {
      {"from=2023", "query.from"},
      {"from=2023/25", "query.from"},
      {"to=2023-H3", "query.to"},
      {"indicator=x", "query.indicator"},
      {"limit=5", "query.limit"},
      {"from=2024&to=2023/24", "query.to"},
      {"from=2024-Q2&to=2024-H1", "query.to"},
  };
  for (size_t i = 0; i < sizeof bad_series / sizeof bad_series[0]; i++) {
    if (strcmp(bad_series[i][0], "from=2023") == 0)
      continue; /* a calendar year is a period */
    r = http_get("/api/v1/schools/%lld/indicators?%s", fx.s1, bad_series[i][0]);
    assert_validation(r, bad_series[i][1]);
    http_reply_free(r);
  }
  check_bad_ids("GET", "/api/v1/schools/%s/indicators", "id", NULL, NULL);
}

/* The change feed from `since`, following cursors with pages of `limit`:
 * the items in order, and the last page's latest_change in *latest.
 * Asserts change numbers strictly rise and every page's cursor is the last
 * change number shown. */
static json_t *sync_from(long long since, int limit, long long *latest) {
  json_t *items = json_array();
  char *cursor = NULL;
  long long last = since;
  for (;;) {
    struct http_reply *r =
        cursor ? http_get(VALUES "?since=%lld&limit=%d&cursor=%s", since, limit,
                          esc(cursor))
               : http_get(VALUES "?since=%lld&limit=%d", since, limit);
    free(cursor);
    cursor = NULL;
    assert_status(r, 200);
    json_t *item;
    size_t i;
    json_array_foreach(json_object_get(r->json, "items"), i, item) {
      assert_true(jint(item, "change_no") > last);
      last = jint(item, "change_no");
      json_array_append(items, item);
    }
    assert_true(json_array_size(json_object_get(r->json, "items")) <=
                (size_t)limit);
    *latest = jint(r->json, "latest_change");
    assert_true(*latest >= last);
    if (jstr(r->json, "next_cursor") != NULL) {
      cursor = strdup(jstr(r->json, "next_cursor"));
      /* The cursor is `since` the last change shown. */
      struct http_reply *same =
          http_get(VALUES "?since=%lld&limit=%d", last, limit);
      struct http_reply *next = http_get(
          VALUES "?since=%lld&limit=%d&cursor=%s", since, limit, esc(cursor));
      char *a = ids_of(json_object_get(same->json, "items"));
      char *b = ids_of(json_object_get(next->json, "items"));
      assert_string_equal(a, b);
      free(a);
      free(b);
      http_reply_free(same);
      http_reply_free(next);
    }
    http_reply_free(r);
    if (cursor == NULL)
      return items;
  }
}

/* "id:change_no,..." of feed items. */
static char *changes_of(const json_t *items) {
  size_t cap = 32 + json_array_size(items) * 48, len = 0;
  char *s = malloc(cap);
  s[0] = '\0';
  json_t *item;
  size_t i;
  json_array_foreach(items, i, item) {
    len += (size_t)snprintf(s + len, cap - len, "%s%lld:%lld", i ? "," : "",
                            jint(item, "id"), jint(item, "change_no"));
  }
  return s;
}

/* What the feed should hold after `since` up to `upto`: every value whose
 * latest change lies there, once, in change order. */
static char *changes_in_db(long long since, long long upto) {
  return db_text("SELECT coalesce(string_agg(id || ':' || change_no, ','"
                 " ORDER BY change_no), '') FROM indicator_values"
                 " WHERE change_no > %lld AND change_no <= %lld",
                 since, upto);
}

static void assert_feed(json_t *items, long long since, long long upto) {
  char *got = changes_of(items), *want = changes_in_db(since, upto);
  if (strcmp(got, want) != 0)
    fail_msg("feed %s, want %s", got, want);
  free(got);
  free(want);
  json_decref(items);
}

static void test_feed(void **state) {
  (void)state;
  fixtures();
  long long start = db_count("SELECT coalesce(max(change_no), 0)"
                             " FROM indicator_values");
  static const char *const periods[] = {"2019/20", "2020/21", "2021/22",
                                        "2022/23", "2023/24"};
  for (int i = 0; i < 5; i++)
    put(i % 2 ? fx.s2 : fx.s1, "TEACHERS_YOUNG_SHARE", periods[i],
        J("%d", 10 + i));
  /* First sync, pages of 2: the five changes, once each, in order. */
  long long latest;
  json_t *items = sync_from(start, 2, &latest);
  assert_int_equal(json_array_size(items), 5);
  assert_int_equal(latest, db_count("SELECT max(change_no) FROM"
                                    " indicator_values"));
  assert_feed(items, start, latest);

  /* Meanwhile: two new values, and one value changed twice. */
  put(fx.s3, "TEACHERS_YOUNG_SHARE", "2023/24", "20");
  put(fx.s1, "TEACHERS_YOUNG_SHARE", "2019/20", "11");
  put(fx.s1, "TEACHERS_YOUNG_SHARE", "2019/20", "12");
  put(fx.s2, "TEACHERS_YOUNG_SHARE", "2018/19", "7");
  long long second;
  items = sync_from(latest, 2, &second);
  assert_int_equal(json_array_size(items), 3);
  /* The twice-changed value appears once, with its latest value. */
  long long twice = value_id(fx.s1, "TEACHERS_YOUNG_SHARE", "2019/20");
  int seen = 0;
  json_t *item;
  size_t i;
  json_array_foreach(items, i, item) {
    if (jint(item, "id") == twice) {
      seen++;
      assert_json_int(item, "value", 12);
    }
  }
  assert_int_equal(seen, 1);
  assert_feed(items, latest, second);

  /* Nothing new: an empty page that keeps the same latest_change. */
  struct http_reply *r = http_get(VALUES "?since=%lld", second);
  assert_status(r, 200);
  assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
  assert_json_null(r->json, "next_cursor");
  assert_json_int(r->json, "latest_change", second);
  http_reply_free(r);

  /* Changes while a sync pages: the pages go on to them, and whatever the
   * sync cannot have seen comes after its latest_change. */
  r = http_get(VALUES "?since=%lld&limit=1", start);
  assert_status(r, 200);
  char *cursor = strdup(jstr(r->json, "next_cursor"));
  long long first_change =
      jint(json_array_get(json_object_get(r->json, "items"), 0), "change_no");
  http_reply_free(r);
  put(fx.s1, "TEACHERS_YOUNG_SHARE", "2021/22", "30"); /* shown before */
  put(fx.s3, "TEACHERS_YOUNG_SHARE", "2022/23", "31"); /* new */
  json_t *rest = json_array();
  long long end = 0;
  while (cursor != NULL) {
    r = http_get(VALUES "?since=%lld&limit=3&cursor=%s", start, esc(cursor));
    free(cursor);
    cursor = NULL;
    assert_status(r, 200);
    json_array_extend(rest, json_object_get(r->json, "items"));
    end = jint(r->json, "latest_change");
    if (jstr(r->json, "next_cursor") != NULL)
      cursor = strdup(jstr(r->json, "next_cursor"));
    http_reply_free(r);
  }
  /* Every value changed after the first page's item is in the rest, once,
   * at its latest change: the one changed again as well as the new one. */
  long long again = value_id(fx.s1, "TEACHERS_YOUNG_SHARE", "2021/22");
  long long fresh = value_id(fx.s3, "TEACHERS_YOUNG_SHARE", "2022/23");
  char *got = ids_of(rest);
  const char *listed = J(",%s,", got);
  assert_non_null(strstr(listed, J(",%lld,", again)));
  assert_non_null(strstr(listed, J(",%lld,", fresh)));
  free(got);
  assert_feed(rest, first_change, end);
  items = sync_from(end, 50, &latest);
  assert_int_equal(json_array_size(items), 0);
  json_decref(items);
}

/* A writer that holds the lock and has drawn a change number, not yet
 * committed: readers neither see it nor count it in latest_change, so the
 * next sync from that latest_change gets it. */
static void test_feed_uncommitted_writer(void **state) {
  (void)state;
  fixtures();
  const char *keys[] = {"dbname", "dbname", NULL};
  const char *values[] = {getenv("OPORA_TEST_ADMIN_URL"), db_name(), NULL};
  PGconn *writer = PQconnectdbParams(keys, values, 1);
  assert_int_equal(PQstatus(writer), CONNECTION_OK);
  char sql[512];
  snprintf(sql, sizeof sql,
           "BEGIN; SELECT indicator_values_lock();"
           " INSERT INTO indicator_values (school_id, indicator_code, period,"
           " value, source, change_no) VALUES (%lld, 'TEACHERS_TRAINED_SHARE',"
           " '2023/24', '55', 'submission', nextval('indicator_change_seq'))",
           fx.s1);
  PGresult *res = PQexec(writer, sql);
  assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  struct http_reply *r = http_get(VALUES "?since=0&limit=500");
  assert_status(r, 200);
  long long before = jint(r->json, "latest_change");
  assert_null(strstr(r->body, "TEACHERS_TRAINED_SHARE"));
  http_reply_free(r);
  res = PQexec(writer, "COMMIT");
  assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  PQfinish(writer);
  long long latest;
  json_t *items = sync_from(before, 2, &latest);
  assert_int_equal(json_array_size(items), 1);
  assert_json_str(json_array_get(items, 0), "indicator",
                  "TEACHERS_TRAINED_SHARE");
  json_decref(items);
}

/* The ids of the schools of a list's items, as ",1,2,". */
static char *schools_of(json_t *items) {
  size_t cap = 8 + json_array_size(items) * 24, len = 1;
  char *s = malloc(cap);
  strcpy(s, ",");
  json_t *item;
  size_t i;
  json_array_foreach(items, i, item) {
    len += (size_t)snprintf(s + len, cap - len, "%lld,",
                            jint(json_object_get(item, "school"), "id"));
  }
  json_decref(items);
  return s;
}

static int holds(const char *list, long long id) {
  return strstr(list, J(",%lld,", id)) != NULL;
}

/* What a caller sees of the list, the feed and the time series. */
static void assert_sees(const char *token, const long long *in,
                        const long long *out) {
  use_token(token);
  char *list = schools_of(all(VALUES));
  char *feed = schools_of(all(VALUES "?since=0"));
  for (const long long *s = in; *s != 0; s++) {
    assert_true(holds(list, *s));
    assert_true(holds(feed, *s));
    struct http_reply *r = http_get("/api/v1/schools/%lld/indicators", *s);
    assert_status(r, 200);
    assert_true(json_array_size(json_object_get(r->json, "indicators")) > 0);
    http_reply_free(r);
  }
  for (const long long *s = out; *s != 0; s++) {
    assert_false(holds(list, *s));
    assert_false(holds(feed, *s));
    struct http_reply *r = http_get("/api/v1/schools/%lld/indicators", *s);
    assert_problem(r, 404, "not_found");
    http_reply_free(r);
    const char *h[] = {"Accept: text/csv", NULL};
    r = http_request("GET", J("/api/v1/schools/%lld/indicators", *s), NULL, h);
    assert_problem(r, 404, "not_found");
    http_reply_free(r);
    r = http_get(VALUES "?school=%lld", *s);
    assert_status(r, 200);
    assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
    http_reply_free(r);
  }
  free(list);
  free(feed);
}

static void test_scope(void **state) {
  (void)state;
  fixtures();
  put(fx.s1, "STAFFING_LEVEL", "2023/24", "96");
  put(fx.s2, "STAFFING_LEVEL", "2023/24", "91");
  put(fx.s3, "STAFFING_LEVEL", "2023/24", "88");
  put(fx.sx, "STAFFING_LEVEL", "2023/24", "79");
  char admin[128];
  snprintf(admin, sizeof admin, "%s", use_token(NULL));
  assert_sees(admin, (long long[]){fx.s1, fx.s2, fx.s3, fx.sx, 0},
              (long long[]){0});
  struct territory t = kovrov();
  assert_sees(make_token("admin", "region", t.region_id),
              (long long[]){fx.s1, fx.s2, fx.s3, 0}, (long long[]){fx.sx, 0});
  assert_sees(make_token("reader", "region", fx.rB), (long long[]){fx.sx, 0},
              (long long[]){fx.s1, fx.s3, 0});
  assert_sees(make_token("municipal", "municipality", fx.mA),
              (long long[]){fx.s1, fx.s2, 0}, (long long[]){fx.s3, fx.sx, 0});
  assert_sees(make_token("school", "school", fx.s2), (long long[]){fx.s2, 0},
              (long long[]){fx.s1, fx.s3, fx.sx, 0});
  use_token(make_token("ingest", "region", t.region_id));
  struct http_reply *r = http_get(VALUES);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/indicators", fx.s1);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  use_token(admin);
}

/* latest_change as a caller sees it (with the query's filters). */
static long long latest_as(const char *token, const char *query) {
  char saved[256];
  snprintf(saved, sizeof saved, "%s", use_token(token));
  struct http_reply *r = http_get(VALUES "%s", query);
  assert_status(r, 200);
  long long latest = jint(r->json, "latest_change");
  http_reply_free(r);
  use_token(saved);
  return latest;
}

/* The newest change of the values of the schools matching `where` (SQL on
 * schools s). */
static long long newest_of(const char *where) {
  return db_count("SELECT coalesce(max(v.change_no), 0) FROM indicator_values"
                  " v JOIN schools s ON s.id = v.school_id WHERE %s",
                  where);
}

/* latest_change is the newest change the caller can see: changes of
 * values outside its scope leave it where it was. */
static void test_latest_change_in_scope(void **state) {
  (void)state;
  fixtures();
  char admin[128], municipal[128], school[128], other_region[128];
  snprintf(admin, sizeof admin, "%s", use_token(NULL));
  use_token(admin);
  snprintf(municipal, sizeof municipal, "%s",
           make_token("municipal", "municipality", fx.mA));
  snprintf(school, sizeof school, "%s", make_token("school", "school", fx.s2));
  snprintf(other_region, sizeof other_region, "%s",
           make_token("reader", "region", fx.rB));
  put(fx.s1, "TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE", "2023/24", "10");
  put(fx.s2, "TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE", "2023/24", "11");
  long long mine = latest_as(municipal, "");
  assert_int_equal(mine, newest_of(J("s.municipality_id = %lld", fx.mA)));
  long long own = latest_as(school, "?since=0");
  assert_int_equal(own, newest_of(J("s.id = %lld", fx.s2)));
  long long theirs = latest_as(other_region, "");
  /* Another municipality and another region change. */
  put(fx.s3, "TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE", "2023/24", "12");
  long long far =
      put(fx.sx, "TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE", "2023/24", "13");
  assert_int_equal(latest_as(municipal, ""), mine);
  assert_int_equal(latest_as(municipal, J("?since=%lld", mine)), mine);
  assert_int_equal(latest_as(municipal, "?indicator=TEACHERS_TOTAL"), mine);
  assert_int_equal(latest_as(school, ""), own);
  assert_int_equal(latest_as(other_region, ""), far);
  assert_true(far > theirs);
  /* A global admin sees every change. */
  assert_int_equal(latest_as(admin, ""),
                   db_count("SELECT max(change_no) FROM indicator_values"));
  /* A neighbour of the same municipality moves the municipality's, not the
   * school's. */
  long long near =
      put(fx.s1, "TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE", "2023/24", "14");
  assert_int_equal(latest_as(municipal, ""), near);
  assert_int_equal(latest_as(school, ""), own);
  /* A school with no values yet: 0, whatever others did. */
  long long bare = create_school(fx.mA, "iv-bare", "МБОУ ООШ № 8");
  assert_int_equal(latest_as(make_token("school", "school", bare), ""), 0);
}

/* "period=value,..." of one indicator of a time series. */
static char *series_of(const json_t *indicator) {
  char *s = calloc(1, 1024);
  size_t len = 0;
  json_t *v;
  size_t i;
  json_array_foreach(json_object_get(indicator, "values"), i, v) {
    char *value = json_dumps(json_object_get(v, "value"), JSON_ENCODE_ANY);
    len += (size_t)snprintf(s + len, 1024 - len, "%s%s=%s", i ? "," : "",
                            jstr(v, "period"), value);
    free(value);
  }
  return s;
}

/* "CODE:period=value,...;CODE:..." of GET .../indicators?query. */
static char *series(long long school, const char *query) {
  struct http_reply *r =
      http_get("/api/v1/schools/%lld/indicators%s", school, query);
  assert_status(r, 200);
  assert_json_int(json_object_get(r->json, "school"), "id", school);
  char *s = calloc(1, 4096);
  size_t len = 0;
  json_t *ind;
  size_t i;
  json_array_foreach(json_object_get(r->json, "indicators"), i, ind) {
    char *values = series_of(ind);
    len += (size_t)snprintf(s + len, 4096 - len, "%s%s:%s", i ? ";" : "",
                            jstr(ind, "indicator"), values);
    free(values);
  }
  http_reply_free(r);
  return s;
}

static void assert_series(long long school, const char *query,
                          const char *want) {
  char *got = series(school, query);
  if (strcmp(got, want) != 0)
    fail_msg("%s: %s, want %s", query, got, want);
  free(got);
}

static void test_time_series(void **state) {
  (void)state;
  fixtures();
  long long s4 = create_school(fx.mA, "iv-s4", "МБОУ ООШ № 4");
  put(s4, "TEACHERS_TOTAL", "2023/24", "45");
  put(s4, "TEACHERS_TOTAL", "2021/22", "40");
  put(s4, "TEACHERS_TOTAL", "2022/23", "42");
  put(s4, "PARENT_SATISFACTION_SHARE", "2024-H1", "80");
  put(s4, "PARENT_SATISFACTION_SHARE", "2022-H2", "70");
  put(s4, "PARENT_SATISFACTION_SHARE", "2023-H2", "75.5");
  put(s4, "STAFFING_LEVEL", "2024-Q1", "90");
  put(s4, "STAFFING_LEVEL", "2024", "95");
  put(fx.s1, "TEACHERS_TOTAL", "2020/21", "39"); /* another school's */
  /* Indicators by code, periods by their start. */
  assert_series(s4, "",
                "PARENT_SATISFACTION_SHARE:2022-H2=70,2023-H2=75.5,"
                "2024-H1=80;STAFFING_LEVEL:2024=95,2024-Q1=90;"
                "TEACHERS_TOTAL:2021/22=40,2022/23=42,2023/24=45");
  /* Bounds compare period starts, both inclusive. */
  assert_series(s4, "?from=2022/23&to=2023/24",
                "PARENT_SATISFACTION_SHARE:2023-H2=75.5;"
                "TEACHERS_TOTAL:2022/23=42,2023/24=45");
  assert_series(s4, "?from=2024",
                "PARENT_SATISFACTION_SHARE:2024-H1=80;"
                "STAFFING_LEVEL:2024=95,2024-Q1=90");
  assert_series(s4, "?to=2022-H2",
                "PARENT_SATISFACTION_SHARE:2022-H2=70;"
                "TEACHERS_TOTAL:2021/22=40");
  assert_series(s4, "?from=2024-Q1&to=2024-Q1",
                "PARENT_SATISFACTION_SHARE:2024-H1=80;"
                "STAFFING_LEVEL:2024=95,2024-Q1=90");
  assert_series(s4, "?indicator=TEACHERS_TOTAL&from=2022/23",
                "TEACHERS_TOTAL:2022/23=42,2023/24=45");
  assert_series(s4, "?indicator=TRUANCY_SHARE", "");
  assert_series(s4, "?from=2030", "");
  assert_series(fx.s2, "?indicator=TEACHERS_TOTAL",
                "TEACHERS_TOTAL:2023/24=25");
  long long empty = create_school(fx.mA, "iv-s5", "МБОУ ООШ № 5");
  assert_series(empty, "", "");
  /* An indicator's members and a value's. */
  struct http_reply *r = http_get(
      "/api/v1/schools/%lld/indicators?indicator=PARENT_SATISFACTION_SHARE",
      s4);
  json_t *ind = json_array_get(json_object_get(r->json, "indicators"), 0);
  assert_json_str(ind, "indicator", "PARENT_SATISFACTION_SHARE");
  assert_json_str(
      ind, "name",
      "Удовлетворенность родителей качеством образовательных услуг");
  assert_json_str(ind, "value_type", "percent");
  json_t *v = json_array_get(json_object_get(ind, "values"), 0);
  assert_int_equal(json_object_size(v), 6); /* with change_no */
  assert_json_str(v, "period", "2022-H2");
  assert_json_str(v, "source", "submission");
  assert_json_null(v, "reason");
  assert_non_null(jstr(v, "updated_at"));
  http_reply_free(r);
  r = http_get("/api/v1/schools/999999/indicators");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  /* As a table: one row per value, in the same order. */
  const char *h[] = {"Accept: text/csv; columns=keys", NULL};
  r = http_request("GET", J("/api/v1/schools/%lld/indicators?to=2022/23", s4),
                   NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->content_type, "text/csv; charset=utf-8");
  const char *want[] = {
      BOM "indicator;name;period;value;source;reason;change_no;updated_at",
      "PARENT_SATISFACTION_SHARE;" PARENT_NAME ";2022-H2;70;submission;;",
      "TEACHERS_TOTAL;" TOTAL_NAME ";2021/22;40;submission;;",
      "TEACHERS_TOTAL;" TOTAL_NAME ";2022/23;42;submission;;", NULL};
  assert_csv_lines(r->body, want);
  http_reply_free(r);
}

/* Each CRLF-ended line of body starts with the line of want (NULL-ended),
 * and there are no more lines. */
static void assert_csv_lines(const char *body, const char *const *want) {
  const char *p = body;
  size_t i = 0;
  for (; want[i] != NULL; i++) {
    const char *end = strstr(p, "\r\n");
    if (end == NULL)
      fail_msg("line %zu missing in %s", i + 1, body);
    if (strncmp(p, want[i], strlen(want[i])) != 0 ||
        (size_t)(end - p) < strlen(want[i]))
      fail_msg("line %zu is %.*s, want %s...", i + 1, (int)(end - p), p,
               want[i]);
    p = end + 2;
  }
  if (*p != '\0')
    fail_msg("more lines than %zu: %s", i, p);
}

static void test_csv(void **state) {
  (void)state;
  fixtures();
  long long s10 = create_school(fx.mB, "iv-s10", "МБОУ \\'СОШ № 10\\'; филиал");
  put(s10, "ASSESSMENT_RESULTS_REPORT", "2023/24",
      "\"Справка; \\\"ВПР\\\"\\nи ГИА\"");
  put(s10, "TEACHERS_YOUNG_SHARE", "2023/24", "12.3");
  put(s10, "FEDERAL_PROJECTS_PARTICIPATION", "2023/24", "true");
  const char *h[] = {"Accept: text/csv; columns=keys", NULL};
  struct http_reply *r =
      http_request("GET", J(VALUES "?school=%lld&limit=1", s10), NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->content_type, "text/csv; charset=utf-8");
  long long a = value_id(s10, "ASSESSMENT_RESULTS_REPORT", "2023/24");
  long long b = value_id(s10, "TEACHERS_YOUNG_SHARE", "2023/24");
  long long c = value_id(s10, "FEDERAL_PROJECTS_PARTICIPATION", "2023/24");
  const char *school =
      J("%lld;iv-s10;\"МБОУ \"\"СОШ № 10\"\"; филиал\";%lld", s10, fx.mB);
  /* Every page at once, in the list's order (the limit does not apply). */
  char row_a[512], row_b[512], row_c[512];
  snprintf(row_a, sizeof row_a,
           "%lld;%s;ASSESSMENT_RESULTS_REPORT;2023/24;\"Справка; "
           "\"\"ВПР\"\"\nи ГИА\";submission;;",
           a, school);
  snprintf(row_b, sizeof row_b,
           "%lld;%s;TEACHERS_YOUNG_SHARE;2023/24;12.3;"
           "submission;;",
           b, school);
  snprintf(row_c, sizeof row_c,
           "%lld;%s;FEDERAL_PROJECTS_PARTICIPATION;"
           "2023/24;true;submission;;",
           c, school);
  const char *want[] = {
      BOM "id;school.id;school.code;school.short_name;school.municipality_id;"
          "indicator;period;value;source;reason;change_no;updated_at;withdrawn",
      row_a, row_b, row_c, NULL};
  assert_csv_lines(r->body, want);
  http_reply_free(r);
  /* The feed as a table too; an empty one is its header row. */
  r = http_request("GET", J(VALUES "?school=%lld&since=0", s10), NULL, h);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "12.3;submission"));
  http_reply_free(r);
  r = http_request("GET", VALUES "?indicator=NO_SUCH_CODE", NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->body, J("%s\r\n", want[0]));
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_filters),
      cmocka_unit_test(test_bad_params),
      cmocka_unit_test(test_feed),
      cmocka_unit_test(test_feed_uncommitted_writer),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_latest_change_in_scope),
      cmocka_unit_test(test_time_series),
      cmocka_unit_test(test_csv),
  };
  harness_start("indicator_values");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
