/* Points of time of the schedule parser (src/text/schedule_points.h). */
#include "schedule_points.h"

#include <stdio.h>
#include <string.h>

/* ---- Dates ---- */

int schedule_days_in(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

json_t *schedule_date_json(int y, int m, int d) {
  char buf[32];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return json_string(buf);
}

json_t *schedule_set_due(json_t *o, int y, int m, int d) {
  if (o)
    json_object_set_new(o, "due", schedule_date_json(y, m, d));
  return o;
}

static json_t *ym_json(int y, int m) {
  return json_pack("{s:i,s:i}", "year", y, "month", m);
}

static int date_key(int y, int m, int d) {
  return (y * 100 + m) * 100 + d;
}

static int month_level(const struct point *p) {
  return !p->end &&
         (p->kind == P_MONTH || p->kind == P_QUARTER || p->kind == P_HALF);
}

static int first_day(const struct point *p) {
  return p->d1 ? p->d1 : 1;
}

int point_last_day(const struct point *p) {
  return p->d2 ? p->d2 : schedule_days_in(p->y, p->m2);
}

int point_valid(const struct point *p) {
  return p->y >= MIN_YEAR && p->y <= MAX_YEAR && p->m1 >= 1 && p->m1 <= 12 &&
         p->m2 >= p->m1 && p->m2 <= 12 && p->d1 >= 0 &&
         p->d1 <= schedule_days_in(p->y, p->m1) && p->d2 >= 0 &&
         p->d2 <= schedule_days_in(p->y, p->m2);
}

/* ---- Parsing ---- */

/* An ordinal 1..4: «2», «2-й», «2-ое», «II», «второе», «второго»; 0 if
 * none. */
static int eat_ordinal(struct cur *c) {
  const struct token *t = cur_peek(c, 0);
  int v = 0;
  if (t && t->type == T_WORD)
    v = schedule_ordinal(t->word);
  else if (t && t->type == T_NUM && t->ndig == 1 && t->num >= 1 && t->num <= 4)
    v = (int)t->num;
  if (!v)
    return 0;
  c->i++;
  if (t->type == T_NUM)
    cur_eat_suffix(c);
  return v;
}

int point_parse_part(struct cur *c, struct point *p) {
  int save = c->i, q1 = eat_ordinal(c), q2 = q1, at = c->i;
  if (!q1)
    return 0;
  if (!(cur_eat_punct(c, '-') && (q2 = eat_ordinal(c)))) {
    c->i = at;
    q2 = q1;
  }
  const struct token *u = cur_peek(c, 0);
  int unit = u && u->type == T_WORD ? schedule_unit(u->word) : 0;
  if (!unit || q2 < q1 || (unit == 'h' && q2 > 2)) {
    c->i = save;
    return 0;
  }
  c->i++;
  if (unit == 'q')
    p->kind = P_QUARTER, p->q1 = q1, p->q2 = q2, p->m1 = 3 * q1 - 2;
  else
    p->kind = P_HALF, p->m1 = 6 * q1 - 5;
  p->m2 = (unit == 'q' ? 3 : 6) * q2;
  return 1;
}

/* «года», «г.» after «учебного» or «текущего», which the tokenizer keeps. */
static int eat_year_word(struct cur *c) {
  const struct token *t = cur_peek(c, 0);
  if (!t || t->type != T_WORD || !schedule_year_word(t->word))
    return 0;
  c->i++;
  return 1;
}

int point_eat_school_year(struct cur *c, int *year) {
  const struct token *a = cur_peek(c, 0), *b = cur_peek(c, 2);
  int save = c->i, slash = cur_is_punct(cur_peek(c, 1), '/');
  if (a && schedule_is_year_num(a) &&
      (slash || cur_is_punct(cur_peek(c, 1), '-')) && b && b->type == T_NUM) {
    long next = a->num + 1;
    if ((b->ndig == 4 && b->num == next) ||
        (b->ndig == 2 && b->num == next % 100)) {
      c->i += 3;
      const struct token *w = cur_peek(c, 0);
      if (w && w->type == T_WORD && schedule_school_word(w->word)) {
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

/* The year after a month, date or part: «2021», «, 2021», «текущего
 * года» (sets `current`). */
static void eat_year_of(struct cur *c, struct point *p) {
  int save = c->i;
  cur_eat_punct(c, ',');
  if (cur_eat_year(c, &p->y))
    return;
  if (cur_eat_word(c, "текущего")) {
    eat_year_word(c);
    p->current = 1;
    return;
  }
  c->i = save;
}

/* A half-year of a school year: I is September to December, II January to
 * May (the months of lessons). */
static int school_half(struct point *p, int school) {
  if (p->m2 - p->m1 != 5)
    return 0;
  if (p->m1 == 1)
    p->y = school, p->m1 = 9, p->m2 = 12;
  else
    p->y = school + 1, p->m1 = 1, p->m2 = 5;
  return 1;
}

/* «15.03.2021», «15.03», «15.03.21». */
static int parse_dotted(struct cur *c, struct point *p) {
  const struct token *a = cur_peek(c, 0), *d = cur_peek(c, 2);
  if (a->ndig > 2 || d->ndig > 2)
    return 0;
  p->kind = P_DATE, p->d1 = p->d2 = (int)a->num, p->m1 = p->m2 = (int)d->num;
  c->i += 3;
  const struct token *y = cur_peek(c, 1);
  if (cur_is_punct(cur_peek(c, 0), '.') && y && y->type == T_NUM) {
    if (y->ndig != 2 && y->ndig != 4)
      return 0;
    p->y = (int)y->num + (y->ndig == 2 ? 2000 : 0);
    c->i += 2;
  } else {
    eat_year_of(c, p);
  }
  return p->d1 >= 1 && p->m1 >= 1 && p->m1 <= 12;
}

/* «1 октября», «1-го октября», «1мая». */
static int parse_day_month(struct cur *c, struct point *p) {
  const struct token *a = cur_peek(c, 0);
  int save = c->i;
  if (a->type != T_NUM || a->ndig > 2 || a->num < 1)
    return 0;
  c->i++;
  cur_eat_suffix(c);
  if (!cur_month_at(c, 0)) {
    c->i = save;
    return 0;
  }
  p->kind = P_DATE, p->d1 = p->d2 = (int)a->num;
  p->m1 = p->m2 = cur_month_at(c, 0);
  c->i++;
  eat_year_of(c, p);
  return 1;
}

/* «15.03.2021», «1 октября 2021», «Январь 2021», «2 квартал 2020», «2-3
 * квартал», «I полугодие 2021», «первое полугодие 2023/24 учебного
 * года», «2021». */
int point_parse(struct cur *c, struct point *p) {
  const struct token *a = cur_peek(c, 0), *b = cur_peek(c, 1),
                     *d = cur_peek(c, 2);
  int school;
  memset(p, 0, sizeof *p);
  if (!a)
    return 0;
  if (a->type == T_NUM && cur_is_punct(b, '.') && d && d->type == T_NUM)
    return parse_dotted(c, p);
  if (parse_day_month(c, p))
    return 1;
  if (point_parse_part(c, p)) {
    if (p->kind == P_HALF && point_eat_school_year(c, &school))
      return school_half(p, school);
    eat_year_of(c, p);
    return 1;
  }
  if (cur_eat_year(c, &p->y)) {
    p->kind = P_YEAR, p->m1 = 1, p->m2 = 12;
    return 1;
  }
  if (cur_month_at(c, 0)) {
    p->kind = P_MONTH, p->m1 = p->m2 = cur_month_at(c, 0);
    c->i++;
    eat_year_of(c, p);
    return 1;
  }
  return 0;
}

/* A school year as point_eat_school_year reads it, the year it starts in
 * *year; without a default year, a bare «учебного года» («ежегодно до
 * конца учебного года») is every school year's: *year 0. */
static int eat_any_school_year(struct cur *c, int *year) {
  const struct token *t = cur_peek(c, 0);
  if (c->year || !t || t->type != T_WORD || !schedule_school_word(t->word))
    return point_eat_school_year(c, year);
  c->i++;
  eat_year_word(c);
  *year = 0;
  return 1;
}

/* The end of a school year: 31 August. */
static int parse_school_end(struct cur *c, struct point *p) {
  int school;
  if (!eat_any_school_year(c, &school))
    return 0;
  p->kind = P_DATE, p->y = school ? school + 1 : 0;
  p->m1 = p->m2 = 8, p->d1 = p->d2 = 31;
  return 1;
}

/* After «до конца»: a school year, «года» (the default year's), «текущего
 * года», or a point. */
static int parse_end(struct cur *c, struct point *p) {
  int save = c->i;
  memset(p, 0, sizeof *p);
  if (parse_school_end(c, p))
    return 1;
  p->current = cur_eat_word(c, "текущего");
  if (!p->current)
    cur_eat_word(c, "календарного");
  if (eat_year_word(c)) {
    p->kind = P_YEAR, p->m1 = 1, p->m2 = 12;
    return 1;
  }
  c->i = save;
  return point_parse(c, p);
}

/* After «до начала»: the day before a school year, a year or a point
 * («до начала 2022 года»: 31 December 2021). */
static int parse_start(struct cur *c, struct point *p) {
  int school;
  memset(p, 0, sizeof *p);
  if (eat_any_school_year(c, &school)) {
    p->y = school, p->m1 = 9, p->d1 = 1;
  } else if (!point_parse(c, p) || p->current) {
    return 0;
  }
  int m = p->m1, d = p->d1 > 1 ? p->d1 - 1 : 0;
  if (m == 1 && !d) { /* the year before */
    if (!p->y)
      return 0;
    p->y--, m = 13;
  }
  p->kind = P_DATE;
  p->m1 = p->m2 = d ? m : m - 1;
  p->d1 = p->d2 = d; /* 0: the last day of the month */
  return 1;
}

/* What a deadline is until: «до 15 марта», «до конца года», «до начала
 * учебного года». */
static int parse_until(struct cur *c, struct point *p) {
  if (cur_eat_table(c, schedule_end))
    return parse_end(c, p);
  if (cur_eat_table(c, schedule_start))
    return parse_start(c, p);
  return point_parse(c, p) && p->kind == P_DATE;
}

int point_parse_deadline(struct cur *c, struct point *p) {
  int save = c->i, ok;
  if (cur_eat_table(c, schedule_until))
    ok = parse_until(c, p);
  else
    ok = cur_eat_table(c, schedule_at_end) && parse_end(c, p);
  if (!ok) {
    c->i = save;
    return 0;
  }
  cur_eat_word(c, "включительно");
  p->end = 1;
  return 1;
}

/* ---- JSON ---- */

static json_t *month_range_json(int y1, int m1, int y2, int m2) {
  return schedule_set_due(json_pack("{s:s,s:o,s:o}", "kind", "month_range",
                                    "from", ym_json(y1, m1), "to",
                                    ym_json(y2, m2)),
                          y2, m2, schedule_days_in(y2, m2));
}

static json_t *date_range_json(int y1, int m1, int d1, int y2, int m2, int d2) {
  return schedule_set_due(json_pack("{s:s,s:o,s:o}", "kind", "date_range",
                                    "from", schedule_date_json(y1, m1, d1),
                                    "to", schedule_date_json(y2, m2, d2)),
                          y2, m2, d2);
}

json_t *point_json(const struct point *p) {
  int y = p->y, m = p->m2, d = point_last_day(p);
  if (p->end || p->kind == P_DATE)
    return schedule_set_due(json_pack("{s:s,s:o}", "kind", "date", "date",
                                      schedule_date_json(y, m, d)),
                            y, m, d);
  switch (p->kind) {
  case P_MONTH:
    return schedule_set_due(
        json_pack("{s:s,s:i,s:i}", "kind", "month", "year", y, "month", m), y,
        m, d);
  case P_QUARTER:
    if (p->q1 == p->q2)
      return schedule_set_due(json_pack("{s:s,s:i,s:i}", "kind", "quarter",
                                        "year", y, "quarter", p->q1),
                              y, m, d);
    return month_range_json(y, p->m1, y, m);
  case P_HALF:
    return month_range_json(y, p->m1, y, m);
  case P_YEAR:
  case P_DATE:
    break;
  }
  return date_range_json(y, 1, 1, y, 12, 31);
}

/* Years of a range as written: a missing end year is the start's (the next
 * one when the range goes over New Year); a missing start year is the end's
 * (or, going over New Year, the end's year is the start's when the earlier
 * reading would begin before the default year); none: the default year.
 * A deadline's month is its last. */
static void range_years(struct point *a, struct point *b, int year) {
  int bm = b->end ? b->m2 : b->m1, bd = b->end ? b->d2 : b->d1;
  int wraps = a->m1 > bm || (a->m1 == bm && a->d1 > bd && bd);
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

json_t *point_range_json(struct point *a, struct point *b, int year) {
  range_years(a, b, year);
  if (!point_valid(a) || !point_valid(b) ||
      date_key(a->y, a->m1, first_day(a)) >
          date_key(b->y, b->m2, point_last_day(b)))
    return NULL;
  if (month_level(a) && month_level(b))
    return month_range_json(a->y, a->m1, b->y, b->m2);
  return date_range_json(a->y, a->m1, first_day(a), b->y, b->m2,
                         point_last_day(b));
}

/* A month without a year takes the next year written, else the previous
 * month's (the next one after December), else the default year. */
json_t *point_months_json(struct point *items, int n, int year) {
  int due = 0;
  for (int k = n - 1; k >= 0; k--)
    if (items[k].kind != P_MONTH || items[k].end)
      return NULL;
    else if (!items[k].y && k + 1 < n)
      items[k].y = items[k + 1].y;
  for (int k = 0; k < n; k++)
    if (!items[k].y)
      items[k].y =
          k > 0 ? items[k - 1].y + (items[k].m1 <= items[k - 1].m1) : year;
  json_t *list = json_array(), *o;
  for (int k = 0; k < n; k++) {
    if (!point_valid(&items[k])) {
      json_decref(list);
      return NULL;
    }
    int key = date_key(items[k].y, items[k].m1,
                       schedule_days_in(items[k].y, items[k].m1));
    due = key > due ? key : due;
    json_array_append_new(list, ym_json(items[k].y, items[k].m1));
  }
  o = json_pack("{s:s,s:o}", "kind", "months", "items", list);
  return schedule_set_due(o, due / 10000, due / 100 % 100, due % 100);
}
