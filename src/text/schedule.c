/* Parsing of schedule texts (include/schedule.h, docs/PLANS.md "Schedules").
 *
 * The text is cut into tokens (lower-cased words, numbers, punctuation);
 * dots and «г.», «года» after a year are dropped, so «Январь 2021 года.» is
 * the tokens «январь» 2021. Then each kind has a matcher that must eat every
 * token; the first that does gives the result. Points of time (dates,
 * months, quarters, half-years, deadlines) are read in
 * src/text/schedule_points.c, word tables are in src/text/schedule_words.c, the
 * tokenizer in src/text/schedule_tokens.c. */
#include "schedule.h"
#include "schedule_points.h"

#include <string.h>

enum { MAX_TOKENS = 48, MAX_ITEMS = 12 };

/* ---- Periods and deadlines ---- */

/* One point; a year not written is the default year. */
static json_t *single_json(struct point *p, int year) {
  if (p->current || !p->m1)
    return NULL;
  p->y = p->y ? p->y : year;
  return point_valid(p) ? point_json(p) : NULL;
}

/* The «1» of «1-15 марта», «с 1 по 15 марта»: a day whose month (m1 0 until
 * then) comes with the end of the range. */
static int eat_bare_day(struct cur *c, struct point *p, int from) {
  const struct token *a = cur_peek(c, 0), *b = cur_peek(c, 1);
  if (!a || a->type != T_NUM || a->ndig > 2 || a->num < 1 || !b)
    return 0;
  if (!cur_is_punct(b, '-') &&
      !(from && b->type == T_WORD &&
        (strcmp(b->word, "по") == 0 || strcmp(b->word, "до") == 0)))
    return 0;
  memset(p, 0, sizeof *p);
  p->kind = P_DATE, p->d1 = p->d2 = (int)a->num;
  c->i++;
  return 1;
}

/* The end of a range after its start `a`: «- апрель 2020», «по 15.03»,
 * «до конца 2021 года». */
static json_t *range_rest(struct cur *c, struct point *a, int from) {
  struct point b;
  int ok = from && point_parse_deadline(c, &b);
  if (!ok && (cur_eat_punct(c, '-') ||
              (from && (cur_eat_word(c, "по") || cur_eat_word(c, "до")))))
    ok = point_parse(c, &b);
  if (!ok || !cur_at_end(c) || b.current)
    return NULL;
  if (!a->m1) { /* a bare day: the month and year of the end */
    if (b.kind != P_DATE)
      return NULL;
    a->m1 = a->m2 = b.m1, a->y = b.y;
  }
  return point_range_json(a, &b, c->year);
}

/* «Декабрь 2020, февраль 2021», «май и декабрь 2021». */
static json_t *list_rest(struct cur *c, struct point *a) {
  struct point items[MAX_ITEMS];
  int n = 0;
  items[n++] = *a;
  while (cur_eat_punct(c, ',') || cur_eat_punct(c, ';') || cur_eat_word(c, "и"))
    if (n == MAX_ITEMS || !point_parse(c, &items[n++]))
      return NULL;
  return cur_at_end(c) && n > 1 ? point_months_json(items, n, c->year) : NULL;
}

/* «до 15.03.2021», «до конца 2021 года», «с 01.02 по 15.03.2021», «в
 * течение 2021-2023 гг.», «Март - апрель 2020 года», «в течение I
 * полугодия 2023», «В течение 2020/21 учебного года», «2 квартал». */
static json_t *match_period(struct cur *c) {
  struct point a;
  int school, from;
  if (point_parse_deadline(c, &a))
    return cur_at_end(c) ? single_json(&a, c->year) : NULL;
  from = cur_eat_word(c, "с");
  if (!from && cur_eat_table(c, schedule_within))
    from = cur_eat_word(c, "с");
  if (!from && point_eat_school_year(c, &school)) {
    if (!cur_at_end(c) || school < MIN_YEAR || school >= MAX_YEAR)
      return NULL;
    return schedule_set_due(
        json_pack("{s:s,s:i}", "kind", "school_year", "year", school),
        school + 1, 8, 31);
  }
  if (!point_parse(c, &a) && !eat_bare_day(c, &a, from))
    return NULL;
  if (a.current)
    return NULL;
  if (cur_at_end(c))
    return from ? NULL : single_json(&a, c->year);
  json_t *r = range_rest(c, &a, from);
  return r || from ? r : list_rest(c, &a);
}

/* ---- Repeated schedules ---- */

/* A date of every year, its year not written: «до 15 сентября», «до конца
 * сентября», «до конца I квартала», «до конца года», «15.09»; with
 * `need_current` only when «текущего года» is written («Сентябрь текущего
 * года»: its last day). */
static json_t *yearly_tail(struct cur *c, int need_current) {
  struct point p;
  struct cur sub = *c;
  sub.year = 0; /* «учебного года» is every school year's */
  int deadline = point_parse_deadline(&sub, &p);
  if (!deadline && !point_parse(&sub, &p))
    return NULL;
  if (p.y || (need_current && !p.current) ||
      (!deadline && !p.current && p.kind != P_DATE) || !cur_at_end(&sub))
    return NULL;
  p.y = 2001; /* a year of 365 days: never 29 February */
  if (!point_valid(&p))
    return NULL;
  c->i = sub.i;
  return json_pack("{s:s,s:i,s:i}", "kind", "yearly_deadline", "month", p.m2,
                   "day", point_last_day(&p));
}

/* «до 1 октября текущего года», «Сентябрь текущего года», «до конца
 * текущего года». */
static json_t *match_yearly(struct cur *c) {
  return yearly_tail(c, 1);
}

/* Months named: «май, декабрь», «мае и декабре», «I квартале» (its three
 * months). Their number, 0 if none or when a year follows (then they are a
 * period: «в августе 2021»). */
static int eat_months(struct cur *c, int *months) {
  int n = 0, save = c->i;
  struct point p;
  do {
    memset(&p, 0, sizeof p);
    if (cur_month_at(c, 0)) {
      p.m1 = p.m2 = cur_month_at(c, 0);
      c->i++;
    } else if (!point_parse_part(c, &p)) {
      c->i = save;
      return 0;
    }
    for (int m = p.m1; m <= p.m2; m++) {
      if (n == MAX_ITEMS) {
        c->i = save;
        return 0;
      }
      months[n++] = m;
    }
  } while (cur_eat_punct(c, ',') || cur_eat_word(c, "и"));
  const struct token *t = cur_peek(c, 0);
  if (t && schedule_is_year_num(t)) {
    c->i = save;
    return 0;
  }
  return n;
}

static json_t *months_array(const int *months, int n) {
  json_t *a = json_array();
  for (int k = 0; k < n; k++)
    json_array_append_new(a, json_integer(months[k]));
  return a;
}

/* After «до 5 числа»: «месяца, следующего за отчетным (кварталом)»,
 * «следующего месяца», «следующего за отчетным месяца» say the day is of
 * the month after the period; a bare «месяца» is eaten. */
static int eat_following(struct cur *c) {
  int save = c->i, month = cur_eat_word(c, "месяца"), after = c->i;
  if (month)
    cur_eat_seps(c);
  if (!cur_eat_word(c, "следующего")) {
    c->i = after;
    return 0;
  }
  cur_eat_table(c, schedule_reported);
  if (!month && !cur_eat_word(c, "месяца")) {
    c->i = save;
    return 0;
  }
  return 1;
}

/* «до 5 числа», «не позднее 5-го числа», «до 10 числа месяца, следующего
 * за отчетным»: the day of the month, and whether that month follows the
 * period. */
static int eat_month_day(struct cur *c, int *day, int *following) {
  int save = c->i, suffix;
  const struct token *t;
  if (!cur_eat_table(c, schedule_until))
    return 0;
  t = cur_peek(c, 0);
  if (!t || t->type != T_NUM || t->ndig > 2 || t->num < 1 || t->num > 31) {
    c->i = save;
    return 0;
  }
  c->i++;
  suffix = cur_eat_suffix(c);
  if (!cur_eat_word(c, "числа") && !cur_eat_word(c, "число") && !suffix) {
    c->i = save;
    return 0;
  }
  *day = (int)t->num;
  *following = eat_following(c);
  return 1;
}

struct every {
  const char *every;
  int times, times_max;
};

/* «Ежеквартально», «каждый месяц», «постоянно», «1 раз в полугодие», «2-3
 * раза в год». */
static int eat_every(struct cur *c, struct every *e) {
  const struct schedule_phrase *ph;
  const struct token *a = cur_peek(c, 0), *b = cur_peek(c, 2);
  memset(e, 0, sizeof *e);
  if (cur_eat_table(c, schedule_permanent)) {
    e->every = "permanent";
    return 1;
  }
  if ((ph = cur_eat_table(c, schedule_every))) {
    e->every = ph->value;
    return 1;
  }
  if (a && a->type == T_NUM && a->ndig <= 3 && a->num >= 1) {
    e->times = (int)a->num;
    c->i++;
    if (cur_is_punct(cur_peek(c, 0), '-') && b && b->type == T_NUM &&
        b->ndig <= 3 && b->num > e->times) {
      e->times_max = (int)b->num;
      c->i += 2;
    }
  }
  if (!(cur_eat_word(c, "раз") || cur_eat_word(c, "раза")) ||
      !cur_eat_word(c, "в") || !(ph = cur_eat_table(c, schedule_per)))
    return 0;
  e->every = ph->value;
  e->times = e->times ? e->times : 1;
  return 1;
}

/* What follows «ежегодно»... : months («в мае и декабре»), a day of the
 * month («до 5 числа»), each once, in any order, after separators. */
struct qualifiers {
  int months[MAX_ITEMS], nmonths, day, following;
};

static void eat_qualifiers(struct cur *c, struct qualifiers *q) {
  memset(q, 0, sizeof *q);
  for (;;) {
    int save = c->i;
    cur_eat_seps(c);
    if (!q->nmonths) {
      int in = cur_eat_word(c, "в") || cur_eat_word(c, "во");
      if ((q->nmonths = eat_months(c, q->months)))
        continue;
      if (in)
        c->i--;
    }
    if (!q->day && eat_month_day(c, &q->day, &q->following))
      continue;
    c->i = save;
    return;
  }
}

/* A bound after the qualifiers: «в течение 2021 года» gives `due`. Under
 * «ежегодно» the bound must write its year: «ежегодно до 15 сентября» is a
 * date of every year, not of the default one. */
static json_t *bounded(struct cur *c, json_t *r, const struct every *e) {
  struct cur sub = *c;
  if (strcmp(e->every, "year") == 0)
    sub.year = 0;
  cur_eat_seps(&sub);
  json_t *p = match_period(&sub), *due = json_object_get(p, "due");
  c->i = sub.i;
  if (due && strcmp(e->every, "permanent") != 0)
    json_object_set(r, "due", due);
  else
    json_decref(r), r = NULL;
  json_decref(p);
  return r;
}

/* «Ежеквартально», «постоянно», «1 раз в полугодие», «2-3 раза в год»,
 * «Ежегодно в августе», «ежемесячно в течение 2021 года», «Ежемесячно, до
 * 5 числа», «ежегодно, до 15 сентября» (a yearly_deadline). */
static json_t *match_recurring(struct cur *c) {
  struct every e;
  struct qualifiers q;
  if (!eat_every(c, &e))
    return NULL;
  eat_qualifiers(c, &q);
  if (q.day && strcmp(e.every, "month") != 0 &&
      strcmp(e.every, "quarter") != 0 && strcmp(e.every, "half_year") != 0)
    return NULL; /* «ежегодно до 5 числа»: of which month? */
  if (!cur_at_end(c) && strcmp(e.every, "year") == 0 && e.times <= 1 &&
      !q.nmonths) {
    struct cur sub = *c;
    cur_eat_seps(&sub);
    json_t *y = yearly_tail(&sub, 0);
    if (y) {
      c->i = sub.i;
      return y;
    }
  }
  json_t *r = json_pack("{s:s,s:s}", "kind", "recurring", "every", e.every);
  if (e.times)
    json_object_set_new(r, "times", json_integer(e.times));
  if (e.times_max)
    json_object_set_new(r, "times_max", json_integer(e.times_max));
  if (q.nmonths)
    json_object_set_new(r, "months", months_array(q.months, q.nmonths));
  if (q.day)
    json_object_set_new(r, "day", json_integer(q.day));
  if (q.following)
    json_object_set_new(r, "following_month", json_true());
  return cur_at_end(c) ? r : bounded(c, r, &e);
}

/* ---- Plans and events ---- */

/* «По графику», «По графику КГИРО», «По плану работы школы, 2-3 раза в
 * год» (recurring, with `of`). */
static json_t *match_by_schedule(struct cur *c) {
  if (!cur_eat_table(c, schedule_plans))
    return NULL;
  int start = c->i;
  for (int k = start; k < c->n; k++) {
    if (!cur_is_punct(&c->t[k], ','))
      continue;
    struct cur rest = *c;
    rest.i = k + 1;
    json_t *r = match_recurring(&rest);
    if (r && cur_at_end(&rest)) {
      json_object_set_new(r, "of", cur_slice(c, start, k));
      c->i = c->n;
      return r;
    }
    json_decref(r);
    break;
  }
  c->i = c->n;
  return json_pack("{s:s,s:o}", "kind", "by_schedule", "of",
                   cur_slice(c, start, c->n));
}

static json_t *match_event(struct cur *c) {
  const struct schedule_phrase *ph = cur_eat_table(c, schedule_events);
  return ph ? json_pack("{s:s,s:s}", "kind", "on_event", "event", ph->value)
            : NULL;
}

/* ---- The whole text ---- */

/* The first matcher that eats all the tokens. */
static json_t *match_all(struct cur *c) {
  static json_t *(*const matchers[])(struct cur *) = {
      match_event, match_by_schedule, match_yearly, match_recurring,
      match_period};
  for (size_t k = 0; k < sizeof matchers / sizeof matchers[0]; k++) {
    c->i = 0;
    json_t *r = matchers[k](c);
    if (r && cur_at_end(c))
      return r;
    json_decref(r);
  }
  return NULL;
}

static int words_in(const char *phrase) {
  int n = 1;
  for (; *phrase; phrase++)
    n += *phrase == ' ';
  return n;
}

/* «до 15 сентября ежегодно», «до 5 числа каждого месяца»: read as if the
 * repeat at the end came first. */
static json_t *match_repeat_last(const struct cur *c) {
  for (const struct schedule_phrase *ph = schedule_every; ph->words; ph++) {
    int len = words_in(ph->words), k = c->n - len, front = k;
    struct cur at = *c, r = *c;
    at.i = k;
    if (k < 1 || !cur_eat_phrase(&at, ph->words))
      continue;
    while (front > 0 && c->t[front - 1].type == T_PUNCT &&
           strchr(",;:-", c->t[front - 1].punct))
      front--;
    struct token toks[MAX_TOKENS];
    memcpy(toks, c->t + k, (size_t)len * sizeof *toks);
    memcpy(toks + len, c->t, (size_t)front * sizeof *toks);
    r.t = toks, r.n = len + front;
    return front > 0 ? match_all(&r) : NULL;
  }
  return NULL;
}

static json_t *parse_plain(struct cur *c) {
  json_t *r = match_all(c);
  return r ? r : match_repeat_last(c);
}

static const char *kind_of(const json_t *o) {
  const char *k = json_string_value(json_object_get(o, "kind"));
  return k ? k : "";
}

/* A text and a last parenthesis (from token `open`): «2 раза в год (май,
 * декабрь)» names the months, «В течение 2020/21 учебного года (по графику
 * КГИРО)» the plan. */
static json_t *parse_note(const struct cur *c, int open) {
  struct cur outer = *c, inner = *c;
  int months[MAX_ITEMS], n;
  outer.n = open;
  inner.t = c->t + open + 1, inner.n = c->n - open - 2, inner.i = 0;
  json_t *o = parse_plain(&outer), *in = NULL;
  if (!o)
    return NULL;
  if (strcmp(kind_of(o), "recurring") == 0 && !json_object_get(o, "months") &&
      (n = eat_months(&inner, months)) && cur_at_end(&inner)) {
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

/* The text with its last parenthesis read as a part like any other:
 * «Ежемесячно (до 5 числа)», «I полугодие (2023 г.)». Not for a plan's
 * name, which would run over the parenthesis. */
static json_t *parse_unwrapped(const struct cur *c, int open) {
  struct token toks[MAX_TOKENS];
  struct cur flat = *c;
  memcpy(toks, c->t, (size_t)open * sizeof *toks);
  memcpy(toks + open, c->t + open + 1,
         (size_t)(c->n - open - 2) * sizeof *toks);
  flat.t = toks, flat.n = c->n - 2, flat.i = 0;
  json_t *r = parse_plain(&flat);
  if (json_object_get(r, "of")) {
    json_decref(r);
    r = NULL;
  }
  return r;
}

static json_t *parse_tokens(const struct cur *c) {
  struct cur plain = *c;
  int open = c->n - 2;
  if (c->n == 0 || !cur_is_punct(&c->t[c->n - 1], ')'))
    return parse_plain(&plain);
  while (open >= 0 && !cur_is_punct(&c->t[open], '('))
    open--;
  if (open <= 0)
    return NULL;
  json_t *r = parse_note(c, open);
  return r ? r : parse_unwrapped(c, open);
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
