/* Parsing of schedule texts (include/schedule.h, docs/PLANS.md "Schedules").
 *
 * The text is cut into tokens (lower-cased words, numbers, punctuation);
 * dots and «г.», «года» after a year are dropped, so «Январь 2021 года.» is
 * the tokens «январь» 2021. Then each kind has a matcher that must eat every
 * token; the first that does gives the result. Word tables are in
 * src/schedule_words.c, the tokenizer in src/schedule_tokens.c. */
#include "schedule.h"
#include "schedule_tokens.h"
#include "schedule_words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_TOKENS = 48, MAX_ITEMS = 12 };

/* A cursor over tokens [0, n) of `t`. */
struct cur {
  const struct token *t;
  int n, i;
  const char *text;
  int year; /* the default year, 0 when there is none */
};

/* ---- Cursor helpers ---- */

static const struct token *peek(const struct cur *c, int k) {
  return c->i + k < c->n ? &c->t[c->i + k] : NULL;
}

static int at_end(const struct cur *c) {
  return c->i >= c->n;
}

static int is_punct(const struct token *t, char p) {
  return t && t->type == T_PUNCT && t->punct == p;
}

static int eat_punct(struct cur *c, char p) {
  if (!is_punct(peek(c, 0), p))
    return 0;
  c->i++;
  return 1;
}

static int eat_word(struct cur *c, const char *w) {
  const struct token *t = peek(c, 0);
  if (!t || t->type != T_WORD || strcmp(t->word, w) != 0)
    return 0;
  c->i++;
  return 1;
}

/* Eats a phrase of space-separated words: all of it or nothing. */
static int eat_phrase(struct cur *c, const char *phrase) {
  int i = c->i;
  const char *p = phrase;
  while (*p) {
    size_t l = strcspn(p, " ");
    const struct token *t = i < c->n ? &c->t[i] : NULL;
    if (!t)
      return 0;
    if (l == 1 && strchr("-,/()", *p)) {
      if (!is_punct(t, *p))
        return 0;
    } else if (t->type != T_WORD || strlen(t->word) != l ||
               memcmp(t->word, p, l) != 0) {
      return 0;
    }
    i++;
    p += l;
    while (*p == ' ')
      p++;
  }
  c->i = i;
  return 1;
}

/* Eats the first phrase of `table` found at the cursor. */
static const struct schedule_phrase *
eat_table(struct cur *c, const struct schedule_phrase *table) {
  for (; table->words; table++)
    if (eat_phrase(c, table->words))
      return table;
  return NULL;
}

static int month_at(const struct cur *c, int k) {
  const struct token *t = peek(c, k);
  return t && t->type == T_WORD ? schedule_month(t->word) : 0;
}

static int eat_year(struct cur *c, int *year) {
  const struct token *t = peek(c, 0);
  if (!t || !schedule_is_year_num(t))
    return 0;
  *year = (int)t->num;
  c->i++;
  return 1;
}

/* The text of tokens [from, to) with runs of spaces made one space, or a
 * JSON null when there are none. */
static json_t *slice(const struct cur *c, int from, int to) {
  if (from >= to)
    return json_null();
  size_t a = c->t[from].start, b = c->t[to - 1].end, n = 0;
  char *buf = malloc(b - a + 1);
  if (!buf)
    return NULL;
  const unsigned char *s = (const unsigned char *)c->text;
  for (size_t i = a; i < b;) {
    unsigned cp;
    int l = schedule_utf8_next(s + i, b - i, &cp);
    if (l == 0)
      break; /* never: the tokenizer checked it */
    if (schedule_is_space(cp)) {
      if (n > 0 && buf[n - 1] != ' ')
        buf[n++] = ' ';
    } else {
      memcpy(buf + n, s + i, (size_t)l);
      n += (size_t)l;
    }
    i += (size_t)l;
  }
  json_t *v = json_stringn(buf, n);
  free(buf);
  return v;
}

/* ---- Dates ---- */

static int days_in(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

static json_t *date_json(int y, int m, int d) {
  char buf[32];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return json_string(buf);
}

static json_t *ym_json(int y, int m) {
  return json_pack("{s:i,s:i}", "year", y, "month", m);
}

static json_t *set_due(json_t *o, int y, int m, int d) {
  if (o)
    json_object_set_new(o, "due", date_json(y, m, d));
  return o;
}

/* A point of time as written: a date, a month, quarters, a half-year or a
 * year, from month m1 (day d1) to month m2 (day d2); y is 0 when not said. */
enum pkind { P_DATE, P_MONTH, P_QUARTER, P_HALF, P_YEAR };
struct point {
  enum pkind kind;
  int y, m1, m2, d1, d2, q1, q2;
};

static int month_level(const struct point *p) {
  return p->kind == P_MONTH || p->kind == P_QUARTER || p->kind == P_HALF;
}

static int first_day(const struct point *p) {
  return p->d1 ? p->d1 : 1;
}

static int last_day(const struct point *p) {
  return p->d2 ? p->d2 : days_in(p->y, p->m2);
}

static int valid(const struct point *p) {
  return p->y >= MIN_YEAR && p->y <= MAX_YEAR && p->m1 >= 1 && p->m1 <= 12 &&
         p->m2 >= p->m1 && p->m2 <= 12 && p->d1 >= 0 &&
         p->d1 <= days_in(p->y, p->m1) && p->d2 >= 0 &&
         p->d2 <= days_in(p->y, p->m2);
}

/* A quarter number: 1..4 or I..IV. */
static int quarter_at(const struct cur *c, int k) {
  static const char *const roman[] = {"i", "ii", "iii", "iv"};
  const struct token *t = peek(c, k);
  if (t && t->type == T_NUM && t->ndig == 1 && t->num >= 1 && t->num <= 4)
    return (int)t->num;
  for (int q = 0; t && t->type == T_WORD && q < 4; q++)
    if (strcmp(t->word, roman[q]) == 0)
      return q + 1;
  return 0;
}

static int parse_quarters(struct cur *c, struct point *p) {
  int save = c->i, q1 = quarter_at(c, 0), q2 = q1;
  if (!q1)
    return 0;
  c->i++;
  if (is_punct(peek(c, 0), '-') && quarter_at(c, 1)) {
    q2 = quarter_at(c, 1);
    c->i += 2;
  }
  if (q2 < q1 || !(eat_word(c, "квартал") || eat_word(c, "квартала") ||
                   eat_word(c, "квартале") || eat_word(c, "кв"))) {
    c->i = save;
    return 0;
  }
  p->kind = P_QUARTER, p->q1 = q1, p->q2 = q2;
  p->m1 = 3 * q1 - 2, p->m2 = 3 * q2;
  eat_year(c, &p->y);
  return 1;
}

/* «15.03.2021», «15.03», «1 октября 2021», «Январь 2021», «2 квартал
 * 2020», «2-3 квартал», «1 полугодие 2021», «2021». */
static int parse_point(struct cur *c, struct point *p) {
  const struct token *a = peek(c, 0), *b = peek(c, 1), *d = peek(c, 2);
  memset(p, 0, sizeof *p);
  if (!a)
    return 0;
  if (a->type == T_NUM && is_punct(b, '.') && d && d->type == T_NUM) {
    if (a->ndig > 2 || d->ndig > 2)
      return 0;
    p->kind = P_DATE, p->d1 = p->d2 = (int)a->num, p->m1 = p->m2 = (int)d->num;
    c->i += 3;
    const struct token *y = peek(c, 1);
    if (is_punct(peek(c, 0), '.') && y && y->type == T_NUM) {
      if (y->ndig != 2 && y->ndig != 4)
        return 0;
      p->y = (int)y->num + (y->ndig == 2 ? 2000 : 0);
      c->i += 2;
    }
    return p->d1 >= 1 && p->m1 >= 1 && p->m1 <= 12;
  }
  if (a->type == T_NUM && a->ndig <= 2 && a->num >= 1 && month_at(c, 1)) {
    p->kind = P_DATE, p->d1 = p->d2 = (int)a->num;
    p->m1 = p->m2 = month_at(c, 1);
    c->i += 2;
    eat_year(c, &p->y);
    return 1;
  }
  if (parse_quarters(c, p))
    return 1;
  if (a->type == T_NUM && a->ndig == 1 && (a->num == 1 || a->num == 2) && b &&
      b->type == T_WORD && strncmp(b->word, "полугоди", 16) == 0) {
    p->kind = P_HALF, p->m1 = a->num == 1 ? 1 : 7, p->m2 = p->m1 + 5;
    c->i += 2;
    eat_year(c, &p->y);
    return 1;
  }
  if (eat_year(c, &p->y)) {
    p->kind = P_YEAR, p->m1 = 1, p->m2 = 12;
    return 1;
  }
  if (month_at(c, 0)) {
    p->kind = P_MONTH, p->m1 = p->m2 = month_at(c, 0);
    c->i++;
    eat_year(c, &p->y);
    return 1;
  }
  return 0;
}

static int date_key(int y, int m, int d) {
  return (y * 100 + m) * 100 + d;
}

/* Years of a range as written: a missing end year is the start's (the next
 * one when the range goes over New Year); a missing start year is the end's
 * (or, going over New Year, the end's year is the start's when the earlier
 * reading would begin before the default year); none: the default year. */
static void range_years(struct point *a, struct point *b, int year) {
  int wraps = a->m1 > b->m1 || (a->m1 == b->m1 && a->d1 > b->d1 && b->d1);
  if (a->y && !b->y) {
    b->y = a->y + wraps;
  } else if (!a->y && b->y) {
    if (wraps && b->y - 1 < year) {
      a->y = b->y;
      b->y += 1;
    } else {
      a->y = b->y - wraps;
    }
  } else if (!a->y && !b->y && year) {
    a->y = year, b->y = year + wraps;
  }
}

static json_t *month_range_json(int y1, int m1, int y2, int m2) {
  return set_due(json_pack("{s:s,s:o,s:o}", "kind", "month_range", "from",
                           ym_json(y1, m1), "to", ym_json(y2, m2)),
                 y2, m2, days_in(y2, m2));
}

static json_t *date_range_json(int y1, int m1, int d1, int y2, int m2, int d2) {
  return set_due(json_pack("{s:s,s:o,s:o}", "kind", "date_range", "from",
                           date_json(y1, m1, d1), "to", date_json(y2, m2, d2)),
                 y2, m2, d2);
}

static json_t *point_json(const struct point *p) {
  int y = p->y, m = p->m2, d = last_day(p);
  switch (p->kind) {
  case P_DATE:
    return set_due(
        json_pack("{s:s,s:o}", "kind", "date", "date", date_json(y, m, d)), y,
        m, d);
  case P_MONTH:
    return set_due(
        json_pack("{s:s,s:i,s:i}", "kind", "month", "year", y, "month", m), y,
        m, d);
  case P_QUARTER:
    if (p->q1 == p->q2)
      return set_due(json_pack("{s:s,s:i,s:i}", "kind", "quarter", "year", y,
                               "quarter", p->q1),
                     y, m, d);
    return month_range_json(y, p->m1, y, m);
  case P_HALF:
    return month_range_json(y, p->m1, y, m);
  case P_YEAR:
    return date_range_json(y, 1, 1, y, 12, 31);
  }
  return NULL;
}

static json_t *range_json(struct point *a, struct point *b, int year) {
  range_years(a, b, year);
  if (!valid(a) || !valid(b) ||
      date_key(a->y, a->m1, first_day(a)) > date_key(b->y, b->m2, last_day(b)))
    return NULL;
  if (month_level(a) && month_level(b))
    return month_range_json(a->y, a->m1, b->y, b->m2);
  return date_range_json(a->y, a->m1, first_day(a), b->y, b->m2, last_day(b));
}

/* «Декабрь 2020 года, февраль 2021 года»: months only. A month without a
 * year takes the next year written, else the previous month's (the next one
 * after December), else the default year. */
static json_t *months_json(struct point *items, int n, int year) {
  int due = 0;
  for (int k = n - 1; k >= 0; k--)
    if (items[k].kind != P_MONTH)
      return NULL;
    else if (!items[k].y && k + 1 < n)
      items[k].y = items[k + 1].y;
  for (int k = 0; k < n; k++)
    if (!items[k].y)
      items[k].y =
          k > 0 ? items[k - 1].y + (items[k].m1 <= items[k - 1].m1) : year;
  json_t *list = json_array(), *o;
  for (int k = 0; k < n; k++) {
    if (!valid(&items[k])) {
      json_decref(list);
      return NULL;
    }
    int key =
        date_key(items[k].y, items[k].m1, days_in(items[k].y, items[k].m1));
    due = key > due ? key : due;
    json_array_append_new(list, ym_json(items[k].y, items[k].m1));
  }
  o = json_pack("{s:s,s:o}", "kind", "months", "items", list);
  return set_due(o, due / 10000, due / 100 % 100, due % 100);
}

/* ---- Matchers: each eats all the tokens or returns NULL ---- */

static json_t *match_recurring(struct cur *c);
static json_t *match_period(struct cur *c);

/* «года», «г.» after «учебного», which the tokenizer keeps. */
static void eat_year_word(struct cur *c) {
  const struct token *t = peek(c, 0);
  if (t && t->type == T_WORD && schedule_year_word(t->word))
    c->i++;
}

/* «2020/21 учебного года», «2020-2021 учебный год», «учебного года». */
static int eat_school_year(struct cur *c, int *year) {
  const struct token *a = peek(c, 0), *b = peek(c, 2);
  int save = c->i, slash = is_punct(peek(c, 1), '/');
  if (a && schedule_is_year_num(a) && (slash || is_punct(peek(c, 1), '-')) &&
      b && b->type == T_NUM) {
    long next = a->num + 1;
    if ((b->ndig == 4 && b->num == next) ||
        (b->ndig == 2 && b->num == next % 100)) {
      c->i += 3;
      if (peek(c, 0) && peek(c, 0)->type == T_WORD &&
          schedule_school_word(peek(c, 0)->word)) {
        c->i++;
        eat_year_word(c);
      } else if (!slash) {
        c->i = save;
        return 0;
      }
      *year = (int)a->num;
      return 1;
    }
    return 0;
  }
  if (a && a->type == T_WORD && schedule_school_word(a->word) && c->year) {
    c->i++;
    eat_year_word(c);
    *year = c->year;
    return 1;
  }
  return 0;
}

/* «до 15.03.2021», «с 01.02 по 15.03.2021», «в течение 2021-2023 гг.»,
 * «Март - апрель 2020 года», «Декабрь 2020, февраль 2021», «2 квартал». */
static json_t *match_period(struct cur *c) {
  struct point a, b, items[MAX_ITEMS];
  int year = c->year, school;
  if (eat_word(c, "до") || eat_phrase(c, "не позднее")) {
    if (!parse_point(c, &a) || a.kind != P_DATE || !at_end(c))
      return NULL;
    a.y = a.y ? a.y : year;
    return valid(&a) ? point_json(&a) : NULL;
  }
  int from = eat_word(c, "с");
  if (!from && eat_phrase(c, "в течение"))
    eat_word(c, "всего");
  else if (!from)
    eat_word(c, "в");
  if (!from && eat_school_year(c, &school)) {
    if (!at_end(c) || school < MIN_YEAR || school >= MAX_YEAR)
      return NULL;
    return set_due(
        json_pack("{s:s,s:i}", "kind", "school_year", "year", school),
        school + 1, 8, 31);
  }
  if (!parse_point(c, &a))
    return NULL;
  if (at_end(c)) {
    a.y = a.y ? a.y : year;
    return !from && valid(&a) ? point_json(&a) : NULL;
  }
  if (eat_punct(c, '-') || (from && (eat_word(c, "по") || eat_word(c, "до")))) {
    if (!parse_point(c, &b) || !at_end(c))
      return NULL;
    return range_json(&a, &b, year);
  }
  int n = 0;
  items[n++] = a;
  while (!from && (eat_punct(c, ',') || eat_punct(c, ';') || eat_word(c, "и")))
    if (n == MAX_ITEMS || !parse_point(c, &items[n++]))
      return NULL;
  return at_end(c) && n > 1 ? months_json(items, n, year) : NULL;
}

/* Month names «май, декабрь», «мае и декабре»: their number, 0 if none. */
static int eat_months(struct cur *c, int *months) {
  int n = 0, save = c->i;
  do {
    if (n == MAX_ITEMS || !month_at(c, 0)) {
      c->i = save;
      return 0;
    }
    months[n++] = month_at(c, 0);
    c->i++;
  } while (eat_punct(c, ',') || eat_word(c, "и"));
  return n;
}

static json_t *months_array(const int *months, int n) {
  json_t *a = json_array();
  for (int k = 0; k < n; k++)
    json_array_append_new(a, json_integer(months[k]));
  return a;
}

/* «Ежеквартально», «постоянно», «1 раз в полугодие», «2-3 раза в год»,
 * «Ежегодно в августе», «ежемесячно в течение 2021 года». */
static json_t *match_recurring(struct cur *c) {
  const struct schedule_phrase *ph;
  const char *every;
  int times = 0, times_max = 0, months[MAX_ITEMS], nmonths = 0;
  if (eat_table(c, schedule_permanent)) {
    every = "permanent";
  } else if ((ph = eat_table(c, schedule_every))) {
    every = ph->value;
  } else {
    const struct token *a = peek(c, 0), *b = peek(c, 2);
    if (a && a->type == T_NUM && a->ndig <= 3 && a->num >= 1) {
      times = (int)a->num;
      c->i++;
      if (is_punct(peek(c, 0), '-') && b && b->type == T_NUM && b->ndig <= 3 &&
          b->num > times) {
        times_max = (int)b->num;
        c->i += 2;
      }
    }
    if (!(eat_word(c, "раз") || eat_word(c, "раза")) || !eat_word(c, "в") ||
        !(ph = eat_table(c, schedule_per)))
      return NULL;
    every = ph->value;
    times = times ? times : 1;
  }
  int save = c->i;
  if (!(eat_word(c, "в") && (nmonths = eat_months(c, months))))
    c->i = save;
  json_t *r = json_pack("{s:s,s:s}", "kind", "recurring", "every", every);
  if (times)
    json_object_set_new(r, "times", json_integer(times));
  if (times_max)
    json_object_set_new(r, "times_max", json_integer(times_max));
  if (nmonths)
    json_object_set_new(r, "months", months_array(months, nmonths));
  if (!at_end(c)) { /* bounded by a period: its last day is the due */
    eat_punct(c, ',');
    json_t *p = match_period(c), *due = json_object_get(p, "due");
    if (due && strcmp(every, "permanent") != 0)
      json_object_set(r, "due", due);
    else
      json_decref(r), r = NULL;
    json_decref(p);
  }
  return r;
}

/* «до 1 октября текущего года», «Сентябрь текущего года», «ежегодно до 1
 * октября». */
static json_t *match_yearly(struct cur *c) {
  int annual = eat_word(c, "ежегодно");
  int until = eat_word(c, "до") || eat_phrase(c, "не позднее");
  const struct token *a = peek(c, 0);
  int day = 0, month;
  if (a && a->type == T_NUM && a->ndig <= 2) {
    day = (int)a->num;
    c->i++;
  }
  if (!(month = month_at(c, 0)))
    return NULL;
  c->i++;
  int current =
      eat_word(c, "текущего") && (eat_word(c, "года") || eat_word(c, "г") || 1);
  if (!at_end(c) || !(annual || current) || (until && !day))
    return NULL;
  day = day ? day : days_in(2001, month); /* «Сентябрь»: its last day */
  if (day < 1 || day > days_in(2001, month))
    return NULL;
  return json_pack("{s:s,s:i,s:i}", "kind", "yearly_deadline", "month", month,
                   "day", day);
}

/* «По графику», «По графику КГИРО», «По плану работы школы, 2-3 раза в
 * год» (recurring, with `of`). */
static json_t *match_by_schedule(struct cur *c) {
  if (!eat_table(c, schedule_plans))
    return NULL;
  int start = c->i;
  for (int k = start; k < c->n; k++) {
    if (!is_punct(&c->t[k], ','))
      continue;
    struct cur rest = *c;
    rest.i = k + 1;
    json_t *r = match_recurring(&rest);
    if (r && at_end(&rest)) {
      json_object_set_new(r, "of", slice(c, start, k));
      c->i = c->n;
      return r;
    }
    json_decref(r);
    break;
  }
  c->i = c->n;
  return json_pack("{s:s,s:o}", "kind", "by_schedule", "of",
                   slice(c, start, c->n));
}

static json_t *match_event(struct cur *c) {
  const struct schedule_phrase *ph = eat_table(c, schedule_events);
  return ph ? json_pack("{s:s,s:s}", "kind", "on_event", "event", ph->value)
            : NULL;
}

/* The first matcher that eats all the tokens. */
static json_t *parse_plain(struct cur *c) {
  static json_t *(*const matchers[])(struct cur *) = {
      match_event, match_by_schedule, match_yearly, match_recurring,
      match_period};
  for (size_t k = 0; k < sizeof matchers / sizeof matchers[0]; k++) {
    c->i = 0;
    json_t *r = matchers[k](c);
    if (r && at_end(c))
      return r;
    json_decref(r);
  }
  return NULL;
}

static const char *kind_of(const json_t *o) {
  const char *k = json_string_value(json_object_get(o, "kind"));
  return k ? k : "";
}

/* A text, or a text and a last parenthesis: «2 раза в год (май, декабрь)»
 * names the months, «В течение 2020/21 учебного года (по графику КГИРО)»
 * the plan. */
static json_t *parse_tokens(const struct cur *c) {
  struct cur outer = *c, inner = *c;
  int open = c->n - 2, months[MAX_ITEMS], n;
  if (c->n == 0 || !is_punct(&c->t[c->n - 1], ')'))
    return parse_plain(&outer);
  while (open >= 0 && !is_punct(&c->t[open], '('))
    open--;
  if (open <= 0)
    return NULL;
  outer.n = open;
  inner.t = c->t + open + 1, inner.n = c->n - open - 2, inner.i = 0;
  json_t *o = parse_plain(&outer), *in = NULL;
  if (!o)
    return NULL;
  if (strcmp(kind_of(o), "recurring") == 0 && !json_object_get(o, "months") &&
      (n = eat_months(&inner, months)) && at_end(&inner)) {
    json_object_set_new(o, "months", months_array(months, n));
    return o;
  }
  in = parse_plain(&inner);
  if (strcmp(kind_of(in), "by_schedule") == 0 && !json_object_get(o, "of") &&
      strcmp(kind_of(o), "by_schedule") != 0) {
    json_object_set(o, "of", json_object_get(in, "of"));
    json_decref(in);
    return o;
  }
  json_decref(in);
  json_decref(o);
  return NULL;
}

json_t *schedule_parse(const char *text, int default_year) {
  struct token toks[MAX_TOKENS];
  json_t *r = NULL;
  int n = text ? schedule_tokenize(text, toks, MAX_TOKENS) : -1;
  if (n > 0) {
    struct cur c = {toks, schedule_normalize(toks, n), 0, text, 0};
    if (default_year >= MIN_YEAR && default_year < MAX_YEAR)
      c.year = default_year;
    r = parse_tokens(&c);
  }
  return r ? r : json_pack("{s:s}", "kind", "unparsed");
}
