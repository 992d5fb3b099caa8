/* Schedule texts: every schedule of the five seeds' plan tables with its
 * structured result, the rules of docs/PLANS.md ("Schedules"), and that no
 * text (random bytes, truncations, invalid UTF-8) crashes the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schedule.h"

struct example {
  const char *text;
  int year; /* the default year */
  const char *json;
};

#define NBSP "\xc2\xa0"

/* Every distinct schedule text of the plan tables of the seeds, as written
 * (cells broken across lines joined by one space), with the roadmap's first
 * year as the default year. */
static const struct example seeds[] = {
    /* 003: the plan of December 2020 */
    {"Декабрь 2020 года", 2020,
     "{'kind':'month','year':2020,'month':12,'due':'2020-12-31'}"},
    {"Апрель 2021 года", 2020,
     "{'kind':'month','year':2021,'month':4,'due':'2021-04-30'}"},
    {"Январь 2021 года", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {"Февраль – март 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':2},"
     "'to':{'year':2021,'month':3},'due':'2021-03-31'}"},
    {"Апрель-декабрь 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':4},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"Январь-апрель 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':1},"
     "'to':{'year':2021,'month':4},'due':'2021-04-30'}"},
    {"Январь - февраль 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':1},"
     "'to':{'year':2021,'month':2},'due':'2021-02-28'}"},
    {"Март - апрель 2020 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':3},"
     "'to':{'year':2020,'month':4},'due':'2020-04-30'}"},
    {"Декабрь-январь 2020 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':1},'due':'2021-01-31'}"},
    {"Декабрь 2020 года - декабрь 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"Декабрь 2020 – декабрь 2021", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"Декабрь 2020 года, февраль 2021 года", 2020,
     "{'kind':'months','items':[{'year':2020,'month':12},"
     "{'year':2021,'month':2}],'due':'2021-02-28'}"},
    /* «февраль 2020» is the seed's slip, kept as written */
    {"Декабрь 2020 года, февраль 2020 года, апрель 2021 года", 2020,
     "{'kind':'months','items':[{'year':2020,'month':12},"
     "{'year':2020,'month':2},{'year':2021,'month':4}],'due':'2021-04-30'}"},
    {"В течение 2020/21 учебного года", 2020,
     "{'kind':'school_year','year':2020,'due':'2021-08-31'}"},
    {"В течение 2020/21 учебного года (по графику КГИРО)", 2020,
     "{'kind':'school_year','year':2020,'of':'КГИРО','due':'2021-08-31'}"},
    {"В течение учебного года", 2020,
     "{'kind':'school_year','year':2020,'due':'2021-08-31'}"},
    {"В течение 2021 года", 2020,
     "{'kind':'date_range','from':'2021-01-01','to':'2021-12-31',"
     "'due':'2021-12-31'}"},
    {"По мере готовности", 2020, "{'kind':'on_event','event':'ready'}"},
    {"Ежемесячно", 2020, "{'kind':'recurring','every':'month'}"},
    /* 000: the programme of 2021-2023 */
    {"1 раз в полугодие", 2021,
     "{'kind':'recurring','every':'half_year','times':1}"},
    {"постоянно", 2021, "{'kind':'recurring','every':'permanent'}"},
    {"1 раз в год", 2021, "{'kind':'recurring','every':'year','times':1}"},
    {"по мере реализации программы", 2021,
     "{'kind':'on_event','event':'progress'}"},
    {"По графику", 2021, "{'kind':'by_schedule','of':null}"},
    {"По окончании периода", 2021, "{'kind':'on_event','event':'period_end'}"},
    {"1 раз в квартал", 2021,
     "{'kind':'recurring','every':'quarter','times':1}"},
    {"4 раза в год", 2021, "{'kind':'recurring','every':'year','times':4}"},
    {"Ежегодно  в августе", 2021,
     "{'kind':'recurring','every':'year','months':[8]}"},
    {"Март 2021", 2021,
     "{'kind':'month','year':2021,'month':3,'due':'2021-03-31'}"},
    {"По возможности", 2021, "{'kind':'on_event','event':'possible'}"},
    {"Май 2021", 2021,
     "{'kind':'month','year':2021,'month':5,'due':'2021-05-31'}"},
    /* 001: the programme of 2023, with its monitoring plan-schedule */
    {"февраль - апрель 2023", 2023,
     "{'kind':'month_range','from':{'year':2023,'month':2},"
     "'to':{'year':2023,'month':4},'due':'2023-04-30'}"},
    {"В течение всего периода", 2023,
     "{'kind':'recurring','every':'permanent'}"},
    {"По плану мониторинговых исследований", 2023,
     "{'kind':'by_schedule','of':'мониторинговых исследований'}"},
    {"По плану работы Управления образования, 2-3 раза в год", 2023,
     "{'kind':'recurring','every':'year','times':2,'times_max':3,"
     "'of':'работы Управления образования'}"},
    {"2 раза в год (май, декабрь)", 2023,
     "{'kind':'recurring','every':'year','times':2,'months':[5,12]}"},
    {"По плану работы", 2023, "{'kind':'by_schedule','of':'работы'}"},
    {"Сентябрь текущего года", 2023,
     "{'kind':'yearly_deadline','month':9,'day':30}"},
    {"До 2 мая текущего года", 2023,
     "{'kind':'yearly_deadline','month':5,'day':2}"},
    {"До 1мая текущего года", 2023,
     "{'kind':'yearly_deadline','month':5,'day':1}"},
    {"До 1 октября текущего года", 2023,
     "{'kind':'yearly_deadline','month':10,'day':1}"},
    /* 002: the plan of 2020 */
    {"2 квартал 2020 года", 2020,
     "{'kind':'quarter','year':2020,'quarter':2,'due':'2020-06-30'}"},
    {"2 квартал 2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':2,'due':'2020-06-30'}"},
    {"2 квартал  2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':2,'due':'2020-06-30'}"},
    {"1 квартал 2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':1,'due':'2020-03-31'}"},
    {"3 квартал 2020 года", 2020,
     "{'kind':'quarter','year':2020,'quarter':3,'due':'2020-09-30'}"},
    {"3 квартал 2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':3,'due':'2020-09-30'}"},
    {"4 квартал 2020 года", 2020,
     "{'kind':'quarter','year':2020,'quarter':4,'due':'2020-12-31'}"},
    {"2-3 квартал 2020 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':4},"
     "'to':{'year':2020,'month':9},'due':'2020-09-30'}"},
    {"До 1 июля 2020 года", 2020,
     "{'kind':'date','date':'2020-07-01','due':'2020-07-01'}"},
    {"Ежеквартально", 2020, "{'kind':'recurring','every':'quarter'}"},
    {"В течение года", 2020, "{'kind':'recurring','every':'permanent'}"},
    {"Постоянно", 2020, "{'kind':'recurring','every':'permanent'}"},
    {"Сентябрь-октябрь 2020", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':9},"
     "'to':{'year':2020,'month':10},'due':'2020-10-31'}"},
    {"Август – сентябрь 2020", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':8},"
     "'to':{'year':2020,'month':9},'due':'2020-09-30'}"},
    {"2 раза в год", 2020, "{'kind':'recurring','every':'year','times':2}"},
    /* 004: the school programme of 2023-2025 */
    {"Январь - февраль 2023", 2023,
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':2},'due':'2023-02-28'}"},
    {"По плану работы школы, 2-3 раза в год", 2023,
     "{'kind':'recurring','every':'year','times':2,'times_max':3,"
     "'of':'работы школы'}"},
    {"В течение всего года", 2023, "{'kind':'recurring','every':'permanent'}"},
    /* the programmes' passports («Сроки реализации программы») */
    {"2021–2023 г.г.", 2021,
     "{'kind':'date_range','from':'2021-01-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"01.02.2023 - 31.12.2023", 2023,
     "{'kind':'date_range','from':'2023-02-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"2023 – 2024 гг.", 2023,
     "{'kind':'date_range','from':'2023-01-01','to':'2024-12-31',"
     "'due':'2024-12-31'}"},
};

/* The rules: forms, abbreviations, spaces, dashes, years and leap years. */
static const struct example rules[] = {
    {"15.03.2021", 2020,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 15.03.2021", 2020,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 15.03.21.", 2020,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 1 октября 2021 года", 2020,
     "{'kind':'date','date':'2021-10-01','due':'2021-10-01'}"},
    {"не позднее 5 марта", 2022,
     "{'kind':'date','date':'2022-03-05','due':'2022-03-05'}"},
    {"с 01.02 по 15.03.2021", 2020,
     "{'kind':'date_range','from':'2021-02-01','to':'2021-03-15',"
     "'due':'2021-03-15'}"},
    {"в течение 2021-2023 гг.", 2021,
     "{'kind':'date_range','from':'2021-01-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"май 2021", 2020,
     "{'kind':'month','year':2021,'month':5,'due':'2021-05-31'}"},
    {"МАЯ", 2022, "{'kind':'month','year':2022,'month':5,'due':'2022-05-31'}"},
    {"в январе 2021", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {"ЯНВ. 2021 Г.", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {NBSP "Январь" NBSP "2021" NBSP "года.", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {"февраля 2024", 2020,
     "{'kind':'month','year':2024,'month':2,'due':'2024-02-29'}"},
    {"февраль 1900", 2020,
     "{'kind':'month','year':1900,'month':2,'due':'1900-02-28'}"},
    {"февраль 2000", 2020,
     "{'kind':'month','year':2000,'month':2,'due':'2000-02-29'}"},
    {"сент. — дек. 2021", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':9},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"август-сентябрь", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':8},"
     "'to':{'year':2020,'month':9},'due':'2020-09-30'}"},
    {"сентябрь - май", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':9},"
     "'to':{'year':2021,'month':5},'due':'2021-05-31'}"},
    {"сентябрь 2020 – май 2021", 2024,
     "{'kind':'month_range','from':{'year':2020,'month':9},"
     "'to':{'year':2021,'month':5},'due':'2021-05-31'}"},
    {"Декабрь 2020 — январь", 2024,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':1},'due':'2021-01-31'}"},
    {"Декабрь-январь 2021", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':1},'due':'2021-01-31'}"},
    {"май, декабрь 2021", 2020,
     "{'kind':'months','items':[{'year':2021,'month':5},"
     "{'year':2021,'month':12}],'due':'2021-12-31'}"},
    {"II квартал 2021 г.", 2020,
     "{'kind':'quarter','year':2021,'quarter':2,'due':'2021-06-30'}"},
    {"4 квартал", 2022,
     "{'kind':'quarter','year':2022,'quarter':4,'due':'2022-12-31'}"},
    {"1 полугодие 2021", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':1},"
     "'to':{'year':2021,'month':6},'due':'2021-06-30'}"},
    {"2021/2022 учебный год", 2020,
     "{'kind':'school_year','year':2021,'due':'2022-08-31'}"},
    {"ежемесячно", 2020, "{'kind':'recurring','every':'month'}"},
    {"ежемесячно в течение 2021 года", 2020,
     "{'kind':'recurring','every':'month','due':'2021-12-31'}"},
    {"раз в месяц", 2020, "{'kind':'recurring','every':'month','times':1}"},
    {"ежегодно в мае и декабре", 2020,
     "{'kind':'recurring','every':'year','months':[5,12]}"},
    {"ежегодно до 1 октября", 2020,
     "{'kind':'yearly_deadline','month':10,'day':1}"},
    {"до 29 февраля текущего года", 2020, "{'kind':'unparsed'}"},
    {"по запросу", 2020, "{'kind':'on_event','event':'request'}"},
    {"по отдельному плану", 2020, "{'kind':'by_schedule','of':null}"},
    {"По графику «ИРО»", 2020, "{'kind':'by_schedule','of':'«ИРО»'}"},
    {"31.02.2021", 2020, "{'kind':'unparsed'}"},
    {"апрель - март 2021", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':4},"
     "'to':{'year':2021,'month':3},'due':'2021-03-31'}"},
    {"апрель 2021 - март 2021", 2020, "{'kind':'unparsed'}"},
    {"май", 0, "{'kind':'unparsed'}"},
    {"Срок реализации Программы 1 год (2022 – 2023гг)", 2022,
     "{'kind':'unparsed'}"},
    {"по итогам года", 2020, "{'kind':'unparsed'}"},
    {"", 2020, "{'kind':'unparsed'}"},
    {"  \t\n", 2020, "{'kind':'unparsed'}"},
    {"...", 2020, "{'kind':'unparsed'}"},
};

static json_t *expected(const char *single_quoted) {
  char *s = strdup(single_quoted);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  json_error_t err;
  json_t *v = json_loads(s, 0, &err);
  if (!v)
    fail_msg("bad expected JSON %s: %s", single_quoted, err.text);
  free(s);
  return v;
}

static void check(const struct example *e) {
  json_t *want = expected(e->json), *got = schedule_parse(e->text, e->year);
  if (!json_equal(want, got)) {
    char *g = json_dumps(got, JSON_SORT_KEYS),
         *w = json_dumps(want, JSON_SORT_KEYS);
    print_message("«%s» (%d)\n  got  %s\n  want %s\n", e->text, e->year,
                  g ? g : "NULL", w);
    free(g);
    free(w);
    json_decref(want);
    json_decref(got);
    fail();
  }
  json_decref(want);
  json_decref(got);
}

static void test_seed_texts(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
    check(&seeds[i]);
}

static void test_rules(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    check(&rules[i]);
}

static void test_null(void **state) {
  (void)state;
  json_t *r = schedule_parse(NULL, 2020);
  assert_string_equal(json_string_value(json_object_get(r, "kind")),
                      "unparsed");
  json_decref(r);
}

/* The result is an object with a "kind", and dumps as JSON. */
static void check_sane(const char *text, int year) {
  json_t *r = schedule_parse(text, year);
  assert_true(json_is_object(r));
  assert_non_null(json_string_value(json_object_get(r, "kind")));
  const char *due = json_string_value(json_object_get(r, "due"));
  if (due)
    assert_int_equal(strlen(due), 10);
  char *dump = json_dumps(r, 0);
  assert_non_null(dump);
  free(dump);
  json_decref(r);
}

static uint32_t rng = 12345;

static uint32_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void check_truncations(const char *text) {
  size_t len = strlen(text);
  char *buf = malloc(len + 1);
  for (size_t n = 0; n <= len; n++) {
    memcpy(buf, text, n);
    buf[n] = '\0';
    check_sane(buf, 2020);
    check_sane(buf, 0);
  }
  for (size_t n = 0; n < len; n++)
    check_sane(text + n, 2100);
  free(buf);
}

static void test_truncations(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
    check_truncations(seeds[i].text);
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    check_truncations(rules[i].text);
}

static void test_invalid_utf8(void **state) {
  (void)state;
  static const char *const bad[] = {
      "\xff",         "Январь \xd0",   "\xd0\x41",
      "\xc0\xaf",     "\xed\xa0\x80",  "\xf4\x90\x80\x80",
      "2021\xe2\x80", "май \x80 2021", "\xf0\x9f\x98\x80 май 2021",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    check_sane(bad[i], 2020);
  json_t *r = schedule_parse("Январь 2021 \xd0", 2020);
  assert_string_equal(json_string_value(json_object_get(r, "kind")),
                      "unparsed");
  json_decref(r);
}

static void test_random_bytes(void **state) {
  (void)state;
  char buf[80];
  for (int i = 0; i < 20000; i++) {
    size_t n = next_random() % (sizeof buf - 1);
    for (size_t k = 0; k < n; k++)
      buf[k] = (char)(next_random() % 255 + 1);
    buf[n] = '\0';
    check_sane(buf, (int)(next_random() % 3000));
  }
}

/* Random sequences of the parser's own words reach its deeper paths. */
static void test_random_words(void **state) {
  (void)state;
  static const char *const words[] = {
      "январь",    "декабря", "2021",     "2020",
      "года",      "г.",      "-",        "–",
      ",",         ".",       "(",        ")",
      "/",         "21",      "15",       "03",
      "15.03",     "квартал", "2",        "раза",
      "раз",       "в",       "год",      "до",
      "с",         "по",      "текущего", "графику",
      "плану",     "течение", "учебного", "ежегодно",
      "постоянно", "и",       "мая",      "99999999999999",
      "полугодие", "II",      "29",       "февраля",
      ";",         NBSP};
  char buf[512];
  for (int i = 0; i < 20000; i++) {
    size_t len = 0, n = next_random() % 10;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
      const char *w = words[next_random() % (sizeof words / sizeof words[0])];
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", w,
                              next_random() % 4 ? " " : "");
    }
    check_sane(buf, 2000 + (int)(next_random() % 40));
  }
}

static void test_long_texts(void **state) {
  (void)state;
  size_t n = 100000;
  char *buf = malloc(n + 1);
  for (size_t k = 0; k < n; k++)
    buf[k] = "январь 2021 "[k % 12];
  buf[n] = '\0';
  check_sane(buf, 2020);
  memset(buf, '7', n);
  check_sane(buf, 2020);
  memset(buf, '-', n);
  check_sane(buf, 2020);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_texts),   cmocka_unit_test(test_rules),
      cmocka_unit_test(test_null),         cmocka_unit_test(test_truncations),
      cmocka_unit_test(test_invalid_utf8), cmocka_unit_test(test_random_bytes),
      cmocka_unit_test(test_random_words), cmocka_unit_test(test_long_texts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
