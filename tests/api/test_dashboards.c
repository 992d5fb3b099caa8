/* Dashboards kept in the server under change numbers (migration 0024,
 * src/core/kept.c): after every kind of write that can change an indicator's
 * aggregate or a campaign's completeness, each reader's answer equals the
 * one its statements compute from the rows now (run here in SQL, as the
 * server runs them when nothing is kept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* The statements as the server runs them when nothing is kept. */
#define STMT(id, args, scope, sql) {#id, sql},
static const struct {
  const char *name;
  const char *sql;
} stmts[] = {
#include "../../src/db/sql/campaigns.def"
#include "../../src/db/sql/indicators.def"
};
#undef STMT

static const char *stmt_sql(const char *name) {
  for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
    if (strcmp(stmts[i].name, name) == 0)
      return stmts[i].sql;
  fail_msg("no statement %s", name);
  return NULL;
}

/* The statements as SQL functions of their parameters (the caller's scope
 * last), in the test database. */
static void define_recomputations(void) {
  db_exec("CREATE FUNCTION old_aggregate(text, text, text, text, bigint)"
          " RETURNS SETOF jsonb LANGUAGE sql STABLE AS $f$%s$f$",
          stmt_sql("INDICATOR_AGGREGATE"));
  db_exec("CREATE FUNCTION old_completeness(bigint, text, bigint, text,"
          " bigint, bigint, text, bigint)"
          " RETURNS TABLE (d json, k text, i bigint) LANGUAGE sql STABLE"
          " AS $f$%s$f$",
          stmt_sql("CAMPAIGN_COMPLETENESS"));
  db_exec("CREATE FUNCTION old_counts(bigint, bigint, text, bigint)"
          " RETURNS json LANGUAGE sql STABLE AS $f$%s$f$",
          stmt_sql("CAMPAIGN_COUNTS"));
}

/* A reader: its token and its scope as the statements take it. */
struct reader {
  char token[256];
  const char *kind;
  char id[24]; /* SQL: NULL or a number */
};

#define READERS 5
static struct reader readers[READERS];

/* Schools a1, a2, a3 in municipality A, b1 in B (both of region R), c1 in
 * C of region R2; a regional campaign of R asking every school. */
static struct {
  long long r, r2, a, b, c;
  long long a1, a2, a3, b1, c1;
  long long campaign;
} fx;

#define INDICATORS_PATH "/api/v1/indicators"
#define CAMPAIGN_PATH "/api/v1/monitoring/campaigns"

static void value(long long school, const char *code, const char *json) {
  db_exec("INSERT INTO indicator_values (school_id, indicator_code, period,"
          " value, source, change_no) VALUES (%lld, '%s', '2023/24', '%s',"
          " 'submission', nextval('indicator_change_seq'))",
          school, code, json);
}

static void submission(long long school, const char *state, int late) {
  db_exec("INSERT INTO submissions (campaign_id, school_id, state, late,"
          " submitted_at) VALUES (%lld, %lld, '%s', %s, %s)",
          fx.campaign, school, state, late ? "true" : "false",
          strcmp(state, "draft") == 0 ? "NULL" : "'2023-09-20 10:00+03'");
}

static void set_reader(int i, const char *token, const char *kind,
                       long long id) {
  snprintf(readers[i].token, sizeof readers[i].token, "%s", token);
  readers[i].kind = kind;
  if (id == 0)
    snprintf(readers[i].id, sizeof readers[i].id, "NULL");
  else
    snprintf(readers[i].id, sizeof readers[i].id, "%lld", id);
}

static void make_fixture(void) {
  define_recomputations();
  struct territory t = kovrov();
  fx.r = t.region_id;
  fx.a = t.municipality_id;
  fx.b = create_municipality(fx.r, uniq("m"), "Судогодский район");
  fx.r2 = create_region("57", "Орловская область");
  fx.c = create_municipality(fx.r2, uniq("m"), "Орловский округ");
  fx.a1 = create_school(fx.a, NULL, "МБОУ СОШ № 1");
  fx.a2 = create_school(fx.a, NULL, "МБОУ СОШ № 2");
  fx.a3 = create_school(fx.a, NULL, "МБОУ СОШ № 3");
  fx.b1 = create_school(fx.b, NULL, "МБОУ Муромцевская СОШ");
  fx.c1 = create_school(fx.c, NULL, "МБОУ Образцовская СОШ");
  value(fx.a1, "TEACHERS_YOUNG_SHARE", "20");
  value(fx.a2, "TEACHERS_YOUNG_SHARE", "30");
  value(fx.b1, "TEACHERS_YOUNG_SHARE", "50");
  value(fx.c1, "TEACHERS_YOUNG_SHARE", "90");
  value(fx.a1, "FEDERAL_PROJECTS_PARTICIPATION", "true");
  value(fx.b1, "FEDERAL_PROJECTS_PARTICIPATION", "false");
  create_status(fx.a1, "SHNOR", 2023);
  fx.campaign = api_create(
      CAMPAIGN_PATH,
      J("{'title':'Мониторинг','period':'2023/24','indicators':"
        "[{'code':'TEACHERS_FIRST_CATEGORY_SHARE','required':true}],"
        "'target':{},'opens_on':'2023-09-01','deadline':'2023-10-01',"
        "'region_id':%lld}",
        fx.r));
  char *etag = etag_of(J(CAMPAIGN_PATH "/%lld", fx.campaign));
  struct http_reply *r = http_patch(J(CAMPAIGN_PATH "/%lld", fx.campaign), etag,
                                    "{\"status\":\"open\"}");
  assert_status(r, 200);
  http_reply_free(r);
  free(etag);
  submission(fx.a1, "submitted", 0);
  submission(fx.b1, "accepted", 1);

  const char *admin = use_token(NULL);
  use_token(admin);
  set_reader(0, admin, "global", 0);
  set_reader(1, make_token("admin", "region", fx.r), "region", fx.r);
  set_reader(2, make_token("municipal", "municipality", fx.a), "municipality",
             fx.a);
  set_reader(3, make_token("school", "school", fx.a1), "school", fx.a1);
  long long curator = make_user("curator", "region", fx.r);
  db_exec("INSERT INTO school_curators (school_id, full_name, starts_on,"
          " user_id) VALUES (%lld, 'Петрова А.А.', current_date - 10, %lld)",
          fx.a2, curator);
  set_reader(4, token_for_user(curator), "assigned", curator);
}

/* The aggregate of code by group_by as the reader gets it equals the
 * statement's groups now, twice (the second answer is a kept one). */
static void check_aggregate(const struct reader *rd, const char *code,
                            const char *group_by, const char *after) {
  for (int round = 0; round < 2; round++) {
    struct http_reply *r =
        http_get(INDICATORS_PATH "/%s/aggregate?period=2023%%2F24&group_by=%s",
                 code, group_by);
    assert_status(r, 200);
    char *want = db_text(
        "SELECT coalesce((SELECT jsonb_agg(d ORDER BY o) FROM old_aggregate("
        "'%s', '2023/24', '%s', '%s', %s) WITH ORDINALITY x(d, o)), '[]')",
        code, group_by, rd->kind, rd->id);
    long long same = db_count("SELECT (($j$%s$j$::jsonb -> 'groups') ="
                              " $j$%s$j$::jsonb)::int",
                              r->body, want);
    if (same != 1)
      fail_msg("after %s, %s's aggregate of %s by %s is\n%s\nnot\n%s", after,
               rd->kind, code, group_by, r->body, want);
    free(want);
    http_reply_free(r);
  }
}

/* The completeness (query q, page size limit) as the reader gets it equals
 * the statements' answer now, twice; 404 when the campaign is not there
 * for the reader. */
static void check_completeness(const struct reader *rd, const char *state,
                               long long municipality, int limit,
                               const char *after) {
  char m[24] = "NULL", q[96];
  if (municipality != 0)
    snprintf(m, sizeof m, "%lld", municipality);
  snprintf(q, sizeof q, "?limit=%d%s%s%s%s", limit, state ? "&state=" : "",
           state ? state : "", municipality ? "&municipality=" : "",
           municipality ? m : "");
  char st[32] = "NULL";
  if (state != NULL)
    snprintf(st, sizeof st, "'%s'", state);
  long long visible =
      db_count("SELECT count(*) FROM campaigns c WHERE c.id = %lld"
               " AND campaign_visible(c.region_id, c.municipality_id, '%s',"
               " %s)",
               fx.campaign, rd->kind, rd->id);
  for (int round = 0; round < 2; round++) {
    struct http_reply *r =
        http_get(CAMPAIGN_PATH "/%lld/completeness%s", fx.campaign, q);
    if (!visible) {
      assert_problem(r, 404, "not_found");
      http_reply_free(r);
      continue;
    }
    assert_status(r, 200);
    char *want = db_text(
        "SELECT jsonb_build_object('campaign_id', %lld, 'items',"
        " coalesce((SELECT jsonb_agg(d ORDER BY k, i) FROM old_completeness("
        "%lld, %s, %s, NULL, NULL, %d, '%s', %s)), '[]'), 'counts',"
        " old_counts(%lld, %s, '%s', %s)::jsonb, 'more', (SELECT count(*) >"
        " %d FROM old_completeness(%lld, %s, %s, NULL, NULL, %d, '%s', %s)))",
        fx.campaign, fx.campaign, st, m, limit, rd->kind, rd->id, fx.campaign,
        m, rd->kind, rd->id, limit, fx.campaign, st, m, limit + 1, rd->kind,
        rd->id);
    long long same =
        db_count("SELECT (((a - 'next_cursor') || jsonb_build_object('more',"
                 " a -> 'next_cursor' <> 'null')) = $j$%s$j$::jsonb)::int"
                 " FROM (SELECT $j$%s$j$::jsonb AS a) x",
                 want, r->body);
    if (same != 1)
      fail_msg("after %s, %s's completeness%s is\n%s\nnot\n%s", after, rd->kind,
               q, r->body, want);
    free(want);
    http_reply_free(r);
  }
}

/* Every reader's every dashboard against its recomputation. */
static void check_all(const char *after) {
  for (int i = 0; i < READERS; i++) {
    use_token(readers[i].token);
    static const char *const groups[] = {"municipality", "region", "category"};
    for (size_t g = 0; g < 3; g++)
      check_aggregate(&readers[i], "TEACHERS_YOUNG_SHARE", groups[g], after);
    check_aggregate(&readers[i], "FEDERAL_PROJECTS_PARTICIPATION",
                    "municipality", after);
    check_completeness(&readers[i], NULL, 0, 50, after);
    check_completeness(&readers[i], "missing", 0, 50, after);
    check_completeness(&readers[i], NULL, fx.a, 50, after);
    check_completeness(&readers[i], NULL, 0, 2, after);
  }
  use_token(readers[0].token);
}

/* The sum of every change number. */
static long long stamps(void) {
  return db_count("SELECT sum(n) FROM dashboard_stamps");
}

static void test_fixture(void **state) {
  (void)state;
  make_fixture();
  check_all("the fixture");
}

static void test_values(void **state) {
  (void)state;
  value(fx.a3, "TEACHERS_YOUNG_SHARE", "40");
  check_all("a value inserted");
  db_exec("UPDATE indicator_values SET value = '35' WHERE school_id = %lld"
          " AND indicator_code = 'TEACHERS_YOUNG_SHARE'",
          fx.a2);
  check_all("a value updated");
  db_exec("UPDATE indicator_values SET withdrawn = true, value = NULL WHERE "
          "school_id = %lld"
          " AND indicator_code = 'TEACHERS_YOUNG_SHARE'",
          fx.b1);
  check_all("a value withdrawn");
  db_exec("DELETE FROM indicator_values WHERE school_id = %lld"
          " AND indicator_code = 'TEACHERS_YOUNG_SHARE'",
          fx.a3);
  check_all("a value deleted");
  db_exec("UPDATE indicator_values SET value = 'false' WHERE school_id = %lld"
          " AND indicator_code = 'FEDERAL_PROJECTS_PARTICIPATION'",
          fx.a1);
  check_all("a boolean value updated");
  db_exec("UPDATE indicators SET value_type = 'number'"
          " WHERE code = 'TEACHERS_YOUNG_SHARE'");
  check_all("the indicator's type changed");
}

static void test_statuses(void **state) {
  (void)state;
  check_all("the values' writes");
  long long st = create_status(fx.b1, "SHNSU", 2023);
  check_all("a status created");
  db_exec("UPDATE school_statuses SET excluded_on = '2024-01-10',"
          " exclusion_reason = 'приказ'"
          " WHERE id = %lld",
          st);
  check_all("a status closed");
  db_exec("UPDATE school_statuses SET category = 'RISK_GROUP'"
          " WHERE school_id = %lld",
          fx.a1);
  check_all("a category changed");
  db_exec("DELETE FROM school_statuses WHERE school_id = %lld", fx.a1);
  check_all("a status deleted");
}

static void test_submissions(void **state) {
  (void)state;
  check_all("the statuses' writes");
  submission(fx.a2, "draft", 0);
  check_all("a submission created");
  db_exec("UPDATE submissions SET state = 'submitted', submitted_at = now()"
          " WHERE campaign_id = %lld AND school_id = %lld",
          fx.campaign, fx.a2);
  check_all("a submission submitted");
  db_exec("UPDATE submissions SET late = true WHERE campaign_id = %lld"
          " AND school_id = %lld",
          fx.campaign, fx.a2);
  check_all("a submission late");
  long long before = stamps();
  db_exec("UPDATE submissions SET reviewer_comment = 'ок', version = version"
          " + 1, updated_at = now() WHERE campaign_id = %lld",
          fx.campaign);
  db_exec("UPDATE schools SET head_name = 'Иванова И.И.', version = version"
          " + 1 WHERE id = %lld",
          fx.a1);
  assert_int_equal(stamps(), before); /* nothing the dashboards read */
  check_all("a submission and a school touched");
  db_exec("UPDATE submissions SET state = 'returned' WHERE campaign_id = %lld"
          " AND school_id = %lld",
          fx.campaign, fx.a1);
  check_all("a submission returned");
  db_exec("DELETE FROM submissions WHERE campaign_id = %lld"
          " AND school_id = %lld",
          fx.campaign, fx.a2);
  check_all("a submission deleted");
}

static void test_schools_and_places(void **state) {
  (void)state;
  check_all("the submissions' writes");
  db_exec("UPDATE schools SET short_name = 'МБОУ СОШ № 0' WHERE id = %lld",
          fx.a2);
  check_all("a school renamed");
  db_exec("UPDATE schools SET municipality_id = %lld WHERE id = %lld", fx.b,
          fx.a2);
  check_all("a school moved to another municipality");
  long long d1 = create_school(fx.a, NULL, "МБОУ СОШ № 4");
  check_all("a school created");
  db_exec("INSERT INTO campaign_schools (campaign_id, school_id)"
          " VALUES (%lld, %lld)",
          fx.campaign, d1);
  check_all("a school added to the campaign");
  db_exec("DELETE FROM campaign_schools WHERE school_id = %lld", d1);
  check_all("a school taken out of the campaign");
  struct http_reply *r = http_delete(J("/api/v1/schools/%lld", d1), "\"1\"");
  assert_status(r, 204);
  http_reply_free(r);
  check_all("a school deleted");
  db_exec("UPDATE municipalities SET name = 'Ковровский округ' WHERE id = %lld",
          fx.a);
  check_all("a municipality renamed");
  db_exec("UPDATE regions SET name = 'Область' WHERE id = %lld", fx.r2);
  check_all("a region renamed");
  db_exec("UPDATE municipalities SET region_id = %lld WHERE id = %lld", fx.r,
          fx.c);
  check_all("a municipality moved to another region");
}

static void test_campaign(void **state) {
  (void)state;
  check_all("the places' writes");
  db_exec("UPDATE campaigns SET municipality_id = %lld WHERE id = %lld", fx.b,
          fx.campaign);
  check_all("the campaign's owner changed");
  db_exec("UPDATE campaigns SET municipality_id = NULL WHERE id = %lld",
          fx.campaign);
  check_all("the campaign's owner changed back");
  db_exec("DELETE FROM submissions WHERE campaign_id = %lld;"
          " DELETE FROM campaign_schools WHERE campaign_id = %lld;"
          " DELETE FROM campaign_indicators WHERE campaign_id = %lld;"
          " DELETE FROM campaigns WHERE id = %lld",
          fx.campaign, fx.campaign, fx.campaign, fx.campaign);
  check_all("the campaign deleted");
}

static long long kept_hits(void) {
  return metric_value("opora_kept_lookups_total{result=\"hit\"}");
}

/* A write that raises no change number (its triggers off) is not seen:
 * the answers checked above are kept ones, not recomputed. */
static void test_kept_answers_served(void **state) {
  (void)state;
  const char *path = INDICATORS_PATH "/TEACHERS_YOUNG_SHARE/aggregate"
                                     "?period=2023%2F24";
  struct http_reply *before = http_get("%s", path);
  assert_status(before, 200);
  long long hits = kept_hits();
  http_reply_free(http_get("%s", path));
  assert_int_equal(kept_hits(), hits + 1);
  db_exec("ALTER TABLE indicator_values DISABLE TRIGGER USER;"
          " UPDATE indicator_values SET value = '77' WHERE school_id = %lld"
          " AND indicator_code = 'TEACHERS_YOUNG_SHARE';"
          " ALTER TABLE indicator_values ENABLE TRIGGER USER",
          fx.a1);
  struct http_reply *after = http_get("%s", path);
  assert_status(after, 200);
  assert_string_equal(after->body, before->body);
  http_reply_free(after);
  db_exec("UPDATE indicator_values SET value = '78' WHERE school_id = %lld"
          " AND indicator_code = 'TEACHERS_YOUNG_SHARE'",
          fx.a1);
  after = http_get("%s", path);
  assert_status(after, 200);
  assert_non_null(strstr(after->body, "78"));
  http_reply_free(after);
  http_reply_free(before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixture),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_statuses),
      cmocka_unit_test(test_submissions),
      cmocka_unit_test(test_schools_and_places),
      cmocka_unit_test(test_kept_answers_served),
      cmocka_unit_test(test_campaign),
  };
  harness_start("dashboards");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
