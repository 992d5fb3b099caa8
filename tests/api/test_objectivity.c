/* Objectivity of marks (docs/OBJECTIVITY.md) over hand-made rows of
 * assessment_school_stats whose answers are known: a school lifted exactly
 * to the "3" boundary against a region of ordinary schools, the same lift
 * in a group too small for the test, journal marks two above, high marks
 * with low basic mastery above the region's share and equal to it, a
 * sudden rise and a rise within chance; each level and its order;
 * parameters changed; filters, pages and CSV; scope; bad query
 * parameters. The figures were computed apart from the server (by hand
 * and a short script) from the rows below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Schools of region R (municipality M1 but N, in M2); 40 participants
 * each but T. */
enum {
  S_P,  /* lifted to "3": the pupils at scores 2 and 3 moved to 4 */
  S_T,  /* the same lift in 20 participants: 4 at 4, none just under */
  S_J,  /* journal marks two above for 8 of 40 */
  S_H,  /* 17 of 40 "4"s and "5"s with basic mastery under 60 % */
  S_H2, /* 4 of 40: the region's share exactly */
  S_U,  /* "2"s down from 60 % in 2023 and 2024 to 15 % */
  S_U2, /* "2"s down from 50 % to 35 %: within chance */
  S_W,  /* lifted as P, and journal marks as J: two rules */
  S_N,  /* ordinary, in M2 */
  S_O1, /* S_O1 .. S_O1 + 5: ordinary */
  S_COUNT = S_O1 + 6
};
static const char *const school_codes[S_COUNT] = {
    "OBJ-P",  "OBJ-T",  "OBJ-J",  "OBJ-H",  "OBJ-H2",
    "OBJ-U",  "OBJ-U2", "OBJ-W",  "OBJ-N",  "OBJ-O1",
    "OBJ-O2", "OBJ-O3", "OBJ-O4", "OBJ-O5", "OBJ-O6"};

static struct {
  long long region, m1, m2;
  long long s[S_COUNT];
  long long math23, math24, math25;
  const char *admin, *municipal2, *school_p, *ingest;
} fx;

/* Primary scores 0..10 (boundaries 4, 7 and 9): at the boundaries 12 of
 * 40, near them (at or up to 2 points under) 33; "2" 14, "3" 14, "4" 7,
 * "5" 5. */
#define ORDINARY "{2,3,4,5,5,5,4,4,3,3,2}", "{14,14,7,5}", 14
/* The ordinary histogram with the 9 pupils at scores 2 and 3 moved to 4:
 * at the boundaries 21 of the 33 near them. */
#define LIFTED "{2,3,0,0,14,5,4,4,3,3,2}", "{5,23,7,5}", 5

/* A statistics row: the histogram, marks and "2"s, the journal (all
 * known, `higher2` two or more above) and `low` high marks with low basic
 * mastery. */
static void stat(long long assessment, long long school, const char *scores,
                 const char *marks, int failed, int higher2, int low) {
  db_exec(
      "INSERT INTO assessment_school_stats (assessment_id, school_id,"
      " participants, marks, failed, primary_sum, task_sums, score_counts,"
      " journal_known, confirmed, lowered, raised, journal_higher2,"
      " journal_lower2, high_low_mastery)"
      " SELECT %lld, %lld, n, '%s', %d, 5 * n, ARRAY[2 * n, 3 * n],"
      " '%s', n, n - %d, %d, 0, %d, 0, %d"
      " FROM (SELECT sum(c)::integer AS n FROM unnest('%s'::integer[]) c) t",
      assessment, school, marks, failed, scores, higher2, higher2, higher2, low,
      scores);
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

static void setup(void) {
  fx.admin = strdup(use_token(NULL));
  use_token(fx.admin);
  fx.region = create_region("obj-r", "Владимирская область");
  fx.m1 = create_municipality(fx.region, "obj-m1", "Округ Муром");
  fx.m2 = create_municipality(fx.region, "obj-m2", "Вязниковский район");
  for (int i = 0; i < S_COUNT; i++)
    fx.s[i] = create_school(i == S_N ? fx.m2 : fx.m1, school_codes[i],
                            school_codes[i]);
  fx.math23 = math(2023);
  fx.math24 = math(2024);
  fx.math25 = math(2025);
  stat(fx.math25, fx.s[S_P], LIFTED, 0, 3);
  stat(fx.math25, fx.s[S_T], "{6,6,0,0,4,0,0,0,0,0,4}", "{12,4,0,4}", 12, 0, 1);
  stat(fx.math25, fx.s[S_J], ORDINARY, 8, 3);
  stat(fx.math25, fx.s[S_H], ORDINARY, 0, 17);
  stat(fx.math25, fx.s[S_H2], ORDINARY, 0, 4);
  stat(fx.math25, fx.s[S_U], "{0,1,2,3,6,6,8,5,3,4,2}", "{6,20,8,6}", 6, 0, 3);
  stat(fx.math25, fx.s[S_U2], ORDINARY, 0, 3);
  stat(fx.math25, fx.s[S_W], LIFTED, 8, 3);
  for (int i = S_N; i < S_COUNT; i++)
    stat(fx.math25, fx.s[i], ORDINARY, 0, 3);
  /* Before: U "2" 24 and "4" and "5" 7 of 40, U2 20 and 6, the ordinary
   * schools as in 2025. */
  long long before[] = {fx.math23, fx.math24};
  for (int y = 0; y < 2; y++) {
    stat(before[y], fx.s[S_U], "{4,6,7,7,4,3,2,2,2,2,1}", "{24,9,4,3}", 24, 0,
         0);
    stat(before[y], fx.s[S_U2], "{5,5,5,5,5,5,4,3,1,1,1}", "{20,14,4,2}", 20, 0,
         0);
    for (int i = S_N; i < S_COUNT; i++)
      stat(before[y], fx.s[i], ORDINARY, 0, 3);
  }
  fx.municipal2 = strdup(make_token("municipal", "municipality", fx.m2));
  fx.school_p = strdup(make_token("school", "school", fx.s[S_P]));
  fx.ingest = strdup(make_token("ingest", "region", fx.region));
}

/* Every item of GET path, `limit` a page. */
static json_t *all_items(const char *path_in, int limit) {
  char *path = strdup(path_in);
  json_t *all = json_array();
  char *cursor = NULL;
  do {
    struct http_reply *r =
        http_get("%s%slimit=%d%s%s", path, strchr(path, '?') ? "&" : "?", limit,
                 cursor ? "&cursor=" : "", cursor ? esc(cursor) : "");
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    assert_true(json_array_size(items) <= (size_t)limit);
    json_array_extend(all, items);
    free(cursor);
    const char *next = jstr(r->json, "next_cursor");
    cursor = next != NULL ? strdup(next) : NULL;
    http_reply_free(r);
  } while (cursor != NULL);
  free(path);
  return all;
}

/* The item of school `code` in items. */
static const json_t *item_of(const json_t *items, const char *code) {
  size_t i;
  const json_t *it;
  json_array_foreach(items, i, it) {
    if (strcmp(jstr(json_object_get(it, "school"), "code"), code) == 0)
      return it;
  }
  fail_msg("no item of %s", code);
  return NULL;
}

static const json_t *rule_of(const json_t *item, const char *rule) {
  return json_object_get(json_object_get(item, "rules"), rule);
}

/* "OBJ-W OBJ-H ...": the schools of items, in order. */
static char *codes_of(const json_t *items) {
  char *out = calloc(1, 1024);
  size_t i;
  const json_t *it;
  json_array_foreach(items, i, it) {
    if (i > 0)
      strcat(out, " ");
    strcat(out, jstr(json_object_get(it, "school"), "code"));
  }
  return out;
}

static json_t *list_2025(const char *extra) {
  return all_items(J("/api/v1/objectivity?year=2025%s", extra), 500);
}

/* The level of `code` in the 2025 list with `extra` parameters. */
static void assert_level(const char *extra, const char *code,
                         const char *level) {
  json_t *items = list_2025(extra);
  assert_json_str(item_of(items, code), "level", level);
  json_decref(items);
}

static void assert_raised_by(const json_t *item, const char *want) {
  char got[200] = "";
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(item, "raised_by"), i, r) {
    if (i > 0)
      strcat(got, ",");
    strcat(got, json_string_value(r));
  }
  assert_string_equal(got, want);
}

static void assert_number(const json_t *obj, const char *key, double want) {
  const json_t *v = json_object_get(obj, key);
  if (!json_is_number(v) || json_number_value(v) != want)
    fail_msg("%s: want %g, got %s", key, want,
             json_is_number(v) ? J("%g", json_number_value(v)) : "no number");
}

/* Each level, in order: high first, then attention, then none; within
 * each by school code. */
static void test_levels_and_order(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  char *order = codes_of(items);
  assert_string_equal(order, "OBJ-H OBJ-W OBJ-J OBJ-P OBJ-U OBJ-H2 OBJ-N"
                             " OBJ-O1 OBJ-O2 OBJ-O3 OBJ-O4 OBJ-O5 OBJ-O6"
                             " OBJ-T OBJ-U2");
  free(order);
  /* Two rules: high. */
  const json_t *w = item_of(items, "OBJ-W");
  assert_json_str(w, "level", "high");
  assert_raised_by(w, "journal_gap,boundary_peak");
  assert_json_str(w, "summary",
                  "ВПР 2025, математика, 5 класс: высокий уровень признаков "
                  "необъективности — расхождение с отметками по журналу на 2 "
                  "и более балла; пик первичных баллов на границе отметки");
  /* One rule at z_high or more: high alone, and the summary says so. */
  const json_t *h = item_of(items, "OBJ-H");
  assert_json_str(h, "level", "high");
  assert_raised_by(h, "high_marks_low_mastery");
  assert_json_str(h, "summary",
                  "ВПР 2025, математика, 5 класс: высокий уровень признаков "
                  "необъективности — высокие отметки при низком освоении "
                  "базовых заданий (z = 6,83 при пороге высокого уровня "
                  "3,09)");
  /* One rule: attention. */
  const json_t *j = item_of(items, "OBJ-J");
  assert_json_str(j, "level", "attention");
  assert_raised_by(j, "journal_gap");
  assert_json_str(j, "summary",
                  "ВПР 2025, математика, 5 класс: требует внимания — "
                  "расхождение с отметками по журналу на 2 и более балла");
  const json_t *o = item_of(items, "OBJ-O1");
  assert_json_str(o, "level", "none");
  assert_raised_by(o, "");
  assert_json_str(o, "summary",
                  "ВПР 2025, математика, 5 класс: признаков необъективности "
                  "не выявлено");
  /* An ordinary school: no peak, no mastery above the region's, no rise. */
  assert_json_str(rule_of(o, "boundary_peak"), "outcome", "not_raised");
  assert_json_str(rule_of(o, "high_marks_low_mastery"), "outcome",
                  "not_raised");
  assert_json_str(rule_of(o, "sudden_rise"), "outcome", "not_raised");
  /* No earlier year: the rise is not judged. */
  assert_json_str(rule_of(item_of(items, "OBJ-P"), "sudden_rise"), "outcome",
                  "not_judged");
  json_decref(items);
}

/* P: of the 33 near a boundary, 21 at one (63,6 %); the other schools 172
 * of 437 (39,4 %): 24,3 points more, z = 2,55 — raised, not far. */
static void test_boundary_peak(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *p = item_of(items, "OBJ-P");
  assert_json_str(p, "level", "attention");
  assert_raised_by(p, "boundary_peak");
  const json_t *k = rule_of(p, "boundary_peak");
  assert_json_str(k, "outcome", "raised");
  assert_true(json_is_false(json_object_get(k, "far")));
  assert_json_int(k, "near", 33);
  assert_json_int(k, "at", 21);
  assert_number(k, "school_share", 63.6);
  assert_number(k, "region_share", 39.4);
  assert_number(k, "difference", 24.3);
  assert_number(k, "z", 2.55);
  assert_number(k, "z_critical", 2.33);
  const json_t *b3 = json_array_get(json_object_get(k, "boundaries"), 0);
  assert_json_int(b3, "mark", 3);
  assert_json_int(b3, "score", 4);
  assert_json_int(b3, "at", 14);
  assert_json_int(b3, "below", 0);
  assert_json_str(k, "text",
                  "ВПР 2025, математика, 5 класс: первичный балл на границе "
                  "отметки («3» — 4, «4» — 7, «5» — 9) или до 2 баллов ниже — "
                  "у 33 участников из 40, из них ровно на границе — у 21 "
                  "(63,6 %), в других школах региона — 39,4 %: больше на "
                  "24,3 п. п. (порог 20 п. п.), такое расхождение случайно "
                  "маловероятно (z = 2,55 при пороге 2,33)");
  /* T: the same lift, but only 4 near a boundary: 100 % against 40,6 %
   * is 59,4 points, yet z = 1,9 — within chance. */
  const json_t *t = rule_of(item_of(items, "OBJ-T"), "boundary_peak");
  assert_json_str(t, "outcome", "not_raised");
  assert_json_str(t, "text",
                  "ВПР 2025, математика, 5 класс: первичный балл на границе "
                  "отметки («3» — 4, «4» — 7, «5» — 9) или до 2 баллов ниже — "
                  "у 4 участников из 20, из них ровно на границе — у 4 "
                  "(100 %), в других школах региона — 40,6 %: больше на "
                  "59,4 п. п. (порог 20 п. п.), такое расхождение может быть "
                  "случайным (z = 1,9 при пороге 2,33)");
  json_decref(items);
  /* The parameters: a margin above P's difference, a critical value above
   * its z, a lower z_high, a lower critical value for T. */
  assert_level("&peak_margin=25", "OBJ-P", "none");
  assert_level("&z_critical=2.6", "OBJ-P", "none");
  assert_level("&z_high=2.5", "OBJ-P", "high");
  assert_level("&z_critical=1.5", "OBJ-T", "attention");
  /* A window of one point: P's 21 of 28 (75 %) against 52,9 %. */
  items = list_2025("&peak_window=1");
  k = rule_of(item_of(items, "OBJ-P"), "boundary_peak");
  assert_json_int(k, "window", 1);
  assert_json_int(k, "near", 28);
  assert_number(k, "region_share", 52.9);
  assert_number(k, "z", 2.05);
  assert_json_str(k, "outcome", "not_raised");
  assert_non_null(strstr(jstr(k, "text"), "или на 1 балл ниже — у 28 "));
  json_decref(items);
}

static void test_journal_gap(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *j = item_of(items, "OBJ-J");
  const json_t *g = rule_of(j, "journal_gap");
  assert_json_str(g, "outcome", "raised");
  assert_json_int(g, "threshold", 15);
  assert_json_str(g, "text",
                  "ВПР 2025, математика, 5 класс: у 20 % участников отметка "
                  "по журналу отличается от отметки за ВПР на 2 и более "
                  "балла: выше у 20 %, ниже у 0 % (порог 15 %; участников с "
                  "отметкой по журналу: 40)");
  const json_t *journal = json_object_get(j, "journal");
  assert_json_int(journal, "higher2", 8);
  assert_number(journal, "share_lowered", 20.0);
  json_decref(items);
  assert_level("&journal_gap_percent=25", "OBJ-J", "none");
  /* W keeps its other rule. */
  assert_level("&journal_gap_percent=25", "OBJ-W", "attention");
  /* At 10 %, J's 20 % is twice the threshold: high on one rule. */
  items = list_2025("&journal_gap_percent=10");
  const json_t *jj = item_of(items, "OBJ-J");
  assert_json_str(jj, "level", "high");
  assert_true(json_is_true(json_object_get(rule_of(jj, "journal_gap"), "far")));
  assert_non_null(strstr(jstr(jj, "summary"), ", вдвое выше порога и более"));
  json_decref(items);
}

/* H: 17 of 40 (42,5 %) against the others' 41 of 540 (7,6 %) is 34,9
 * points, z = 6,83: raised, and far. H2: 4 of 40 (10 %), the others' 54
 * of 540 exactly: not raised. */
static void test_high_marks_low_mastery(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *m = rule_of(item_of(items, "OBJ-H"), "high_marks_low_mastery");
  assert_json_str(m, "outcome", "raised");
  assert_true(json_is_true(json_object_get(m, "far")));
  assert_json_int(m, "count", 17);
  assert_number(m, "school_share", 42.5);
  assert_number(m, "region_share", 7.6);
  assert_number(m, "z", 6.83);
  assert_json_str(m, "text",
                  "ВПР 2025, математика, 5 класс: у 42,5 % участников "
                  "отметка «4» или «5» при освоении заданий базового уровня "
                  "ниже 60 % (17 из 40), в других школах региона — у 7,6 %: "
                  "больше на 34,9 п. п. (порог 10 п. п.), такое расхождение "
                  "случайно маловероятно (z = 6,83 при пороге 2,33)");
  const json_t *m2 =
      rule_of(item_of(items, "OBJ-H2"), "high_marks_low_mastery");
  assert_json_str(m2, "outcome", "not_raised");
  assert_number(m2, "difference", 0.0);
  assert_json_str(m2, "text",
                  "ВПР 2025, математика, 5 класс: у 10 % участников отметка "
                  "«4» или «5» при освоении заданий базового уровня ниже 60 % "
                  "(4 из 40), в других школах региона — у 10 %: больше на 0 "
                  "п. п. (порог 10 п. п.)");
  json_decref(items);
  assert_level("&mastery_margin=35", "OBJ-H", "none");
  assert_level("&z_high=7", "OBJ-H", "attention");
}

/* U: "2" 15 % against 60 % in 2023 and 2024 together, 45 points down; the
 * other schools' 4,3 points down over the same years: 40,7 beyond the
 * region, z = 4,03. Raised, yet a rise alone is never high. U2: 50 % to
 * 35 %, 8 points beyond the region, z = 0,63: not raised, even with a
 * margin it meets. */
static void test_sudden_rise(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items = list_2025("");
  const json_t *u = item_of(items, "OBJ-U");
  assert_json_str(u, "level", "attention");
  const json_t *s = rule_of(u, "sudden_rise");
  assert_json_str(s, "outcome", "raised");
  assert_true(json_is_false(json_object_get(s, "far")));
  assert_number(s, "fail_drop", 45.0);
  assert_number(s, "region_fail_drop", 4.3);
  assert_number(s, "fail_z", 4.03);
  assert_number(s, "good_z", 1.72);
  assert_json_str(s, "text",
                  "ВПР 2025, математика, 5 класс: доля «2» 15 % при 60 % за "
                  "2023, 2024 гг. — ниже на 45 п. п., в других школах "
                  "региона — ниже на 4,3 п. п.: на 40,7 п. п. больше, чем в "
                  "регионе (порог 10 п. п.), такое снижение случайно "
                  "маловероятно (z = 4,03 при пороге 2,33); доля «4» и «5» "
                  "35 % при 17,5 % — выше на 17,5 п. п., в других школах "
                  "региона — выше на 1,5 п. п.: на 16 п. п. больше, чем в "
                  "регионе (порог 15 п. п.), такое повышение может быть "
                  "случайным (z = 1,72 при пороге 2,33)");
  s = rule_of(item_of(items, "OBJ-U2"), "sudden_rise");
  assert_json_str(s, "outcome", "not_raised");
  assert_number(s, "fail_excess", 8.0);
  assert_number(s, "fail_z", 0.63);
  json_decref(items);
  assert_level("&fail_drop=5", "OBJ-U2", "none");
  assert_level("&fail_drop=41", "OBJ-U", "none");
  /* One previous year. */
  items = list_2025("&previous_years=1");
  s = rule_of(item_of(items, "OBJ-U"), "sudden_rise");
  assert_json_str(s, "outcome", "raised");
  assert_non_null(strstr(jstr(s, "text"), "при 60 % в 2024 г. —"));
  json_decref(items);
}

/* A tiny group: level none, not judged; judged when the least is lower.
 * Alone in its region, it has no other schools to compare with. */
static void test_tiny_group(void **state) {
  (void)state;
  use_token(fx.admin);
  long long r2 = create_region("obj-r2", "Ивановская область");
  long long m = create_municipality(r2, "obj-r2m", "Кинешемский район");
  long long t = create_school(m, "OBJ-Y", "OBJ-Y");
  stat(fx.math25, t, "{0,1,1,1,2,2,1,1,1,1,1}", "{3,5,2,2}", 3, 6, 3);
  stat(fx.math24, t, "{2,2,2,2,1,1,0,1,0,1,0}", "{8,2,1,1}", 8, 0, 0);
  json_t *items =
      all_items(J("/api/v1/objectivity?year=2025&municipality=%lld", m), 500);
  assert_int_equal(json_array_size(items), 1);
  const json_t *it = json_array_get(items, 0);
  assert_json_str(it, "level", "none");
  assert_true(json_is_true(json_object_get(it, "insufficient_evidence")));
  assert_json_str(it, "summary",
                  "ВПР 2025, математика, 5 класс: участников 12 — меньше 20, "
                  "признаки необъективности не оцениваются");
  assert_json_str(rule_of(it, "journal_gap"), "outcome", "not_judged");
  json_decref(items);
  items = all_items(
      J("/api/v1/objectivity?year=2025&municipality=%lld&min_participants=10",
        m),
      500);
  it = json_array_get(items, 0);
  assert_json_str(it, "level", "high");
  assert_raised_by(it, "journal_gap");
  /* Fewer than 5 other schools: no figure of theirs is shown. */
  assert_json_str(rule_of(it, "boundary_peak"), "outcome", "not_judged");
  assert_json_null(rule_of(it, "boundary_peak"), "region_share");
  assert_json_null(rule_of(it, "high_marks_low_mastery"), "region_share");
  assert_json_str(rule_of(it, "high_marks_low_mastery"), "text",
                  "ВПР 2025, математика, 5 класс: в регионе меньше 5 других "
                  "школ с результатами, сравнивать не с чем, признак не "
                  "оценивается");
  /* A rise is judged on the school's own change then: "2" 3 of 12 against
   * 8 of 12 in 2024, z = 1,64. */
  const json_t *s = rule_of(it, "sudden_rise");
  assert_json_null(s, "region_fail_drop");
  assert_json_str(
      s, "text",
      "ВПР 2025, математика, 5 класс: доля «2» 25 % при 66,7 % в 2024 г. — "
      "ниже на 41,7 п. п. (порог 10 п. п.; других школ региона с этой "
      "работой меньше 5, с ними не сравнивается), такое снижение может быть "
      "случайным (z = 1,64 при пороге 2,33); доля «4» и «5» 33,3 % при "
      "16,7 % — выше на 16,7 п. п. (порог 15 п. п.; других школ региона с "
      "этой работой меньше 5, с ними не сравнивается), такое повышение может "
      "быть случайным (z = 0,47 при пороге 2,33)");
  json_decref(items);
}

static void test_filters_pages_and_csv(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *all = list_2025("");
  /* Pages of 4 give the same rows in the same order. */
  json_t *paged = all_items("/api/v1/objectivity?year=2025", 4);
  char *a = codes_of(all), *b = codes_of(paged);
  assert_string_equal(a, b);
  free(a);
  free(b);
  json_decref(paged);
  json_decref(all);
  json_t *items = list_2025("&level=attention");
  char *codes = codes_of(items);
  assert_string_equal(codes, "OBJ-J OBJ-P OBJ-U");
  free(codes);
  json_decref(items);
  items = list_2025(J("&municipality=%lld", fx.m2));
  codes = codes_of(items);
  assert_string_equal(codes, "OBJ-N");
  free(codes);
  json_decref(items);
  /* One instrument: 2024's has U, U2, the ordinary schools and Y. */
  items = all_items(J("/api/v1/objectivity?instrument=%lld", fx.math24), 500);
  assert_int_equal(json_array_size(items), 10);
  json_decref(items);
  static const char *const csv[] = {"Accept: text/csv", NULL};
  struct http_reply *r =
      http_request("GET", "/api/v1/objectivity?year=2025", NULL, csv);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "Вывод"));
  assert_non_null(strstr(r->body, "Пик на границе отметки: z"));
  assert_non_null(strstr(r->body, "OBJ-W;"));
  assert_non_null(strstr(r->body, "признаков необъективности не выявлено"));
  http_reply_free(r);
}

/* A school's instruments, newest first. */
static void test_school_route(void **state) {
  (void)state;
  use_token(fx.admin);
  json_t *items =
      all_items(J("/api/v1/schools/%lld/objectivity", fx.s[S_U]), 2);
  assert_int_equal(json_array_size(items), 3);
  for (int i = 0; i < 3; i++)
    assert_json_int(
        json_object_get(json_array_get(items, (size_t)i), "assessment"), "year",
        2025 - i);
  /* The same figures as in the list: the region is the school's. */
  assert_number(rule_of(json_array_get(items, 0), "sudden_rise"), "fail_z",
                4.03);
  json_decref(items);
  items =
      all_items(J("/api/v1/schools/%lld/objectivity?year=2023", fx.s[S_U]), 50);
  assert_int_equal(json_array_size(items), 1);
  /* 2023 has no earlier year. */
  assert_json_str(rule_of(json_array_get(items, 0), "sudden_rise"), "text",
                  "ВПР 2023, математика, 5 класс: нет результатов той же "
                  "работы за 2020–2022 годы с участниками не менее 20, "
                  "признак не оценивается");
  json_decref(items);
  static const char *const csv[] = {"Accept: text/csv", NULL};
  struct http_reply *r = http_request(
      "GET", J("/api/v1/schools/%lld/objectivity", fx.s[S_P]), NULL, csv);
  assert_status(r, 200);
  assert_non_null(strstr(r->body, "OBJ-P;"));
  http_reply_free(r);
}

/* Each caller sees its schools only; the baselines are the region's
 * whatever the caller's scope; ingest clients do not read flags. */
static void test_scope(void **state) {
  (void)state;
  use_token(fx.municipal2);
  json_t *items = list_2025("");
  char *codes = codes_of(items);
  assert_string_equal(codes, "OBJ-N");
  free(codes);
  json_decref(items);
  struct http_reply *r =
      http_get("/api/v1/schools/%lld/objectivity", fx.s[S_P]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(fx.school_p);
  items = list_2025("");
  assert_int_equal(json_array_size(items), 1);
  const json_t *k = rule_of(json_array_get(items, 0), "boundary_peak");
  assert_number(k, "region_share", 39.4);
  assert_json_str(k, "outcome", "raised");
  json_decref(items);
  r = http_get("/api/v1/schools/%lld/objectivity", fx.s[S_J]);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(fx.ingest);
  r = http_get("/api/v1/objectivity?year=2025");
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
  r = http_get("/api/v1/schools/%lld/objectivity", fx.s[S_P]);
  assert_problem(r, 403, "forbidden");
  http_reply_free(r);
}

static void test_bad_queries(void **state) {
  (void)state;
  use_token(fx.admin);
  struct http_reply *r =
      http_get("/api/v1/objectivity?year=1999&level=severe&instrument=x"
               "&journal_gap_percent=0&peak_margin=101&previous_years=9"
               "&min_participants=-1&fail_drop=a&good_rise=0"
               "&mastery_margin=200&z_critical=0.5&z_high=1e3"
               "&peak_window=6&high_low_mastery_percent=10&colour=red");
  assert_problem(r, 400, "validation_failed");
  assert_error_count(r, 15);
  assert_error_path(r, "query.year");
  assert_error_path(r, "query.level");
  assert_error_path(r, "query.instrument");
  assert_error_path(r, "query.journal_gap_percent");
  assert_error_path(r, "query.peak_margin");
  assert_error_path(r, "query.previous_years");
  assert_error_path(r, "query.min_participants");
  assert_error_path(r, "query.fail_drop");
  assert_error_path(r, "query.good_rise");
  assert_error_path(r, "query.mastery_margin");
  assert_error_path(r, "query.z_critical");
  assert_error_path(r, "query.z_high");
  assert_error_path(r, "query.peak_window");
  assert_error_path(r, "query.high_low_mastery_percent");
  assert_error_path(r, "query.colour");
  http_reply_free(r);
  /* A number has digits, a point and digits: nothing else. */
  static const char *const bad_numbers[] = {"",   "2,33", ".5",  "2.", "+2",
                                            " 2", "nan",  "inf", "0x2"};
  for (size_t i = 0; i < sizeof bad_numbers / sizeof *bad_numbers; i++) {
    r = http_get("/api/v1/objectivity?z_critical=%s", esc(bad_numbers[i]));
    assert_validation(r, "query.z_critical");
    http_reply_free(r);
  }
  r = http_get("/api/v1/schools/%lld/objectivity?year=0&level=high", fx.s[S_P]);
  assert_problem(r, 400, "validation_failed");
  assert_error_count(r, 2);
  assert_error_path(r, "query.year");
  assert_error_path(r, "query.level");
  http_reply_free(r);
  r = http_get("/api/v1/schools/0/objectivity");
  assert_validation(r, "path.id");
  http_reply_free(r);
  r = http_get("/api/v1/objectivity?cursor=bogus");
  assert_validation(r, "query.cursor");
  http_reply_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels_and_order),
      cmocka_unit_test(test_boundary_peak),
      cmocka_unit_test(test_journal_gap),
      cmocka_unit_test(test_high_marks_low_mastery),
      cmocka_unit_test(test_sudden_rise),
      cmocka_unit_test(test_tiny_group),
      cmocka_unit_test(test_filters_pages_and_csv),
      cmocka_unit_test(test_school_route),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_bad_queries),
  };
  harness_start("objectivity");
  setup();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
