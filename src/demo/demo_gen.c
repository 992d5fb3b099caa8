/* The demo's instruments and schools as the generator models them
 * (src/demo/demo_gen.h): which school carries which pattern, the level of a
 * school in a year, the pupils of a grade, and each instrument's task
 * difficulties. The rows themselves: src/demo/demo_rows.c. */
#include "demo_gen_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define SQRT2 1.41421356237309504880

/* --- text ----------------------------------------------------------------- */

void demo_text_put(struct demo_text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 1u << 16;
    while (cap < t->len + n + 1)
      cap *= 2;
    char *text = realloc(t->text, cap);
    if (text == NULL)
      abort();
    t->text = text;
    t->cap = cap;
  }
  memcpy(t->text + t->len, s, n);
  t->len += n;
  t->text[t->len] = '\0';
}

void demo_text_free(struct demo_text *t) {
  free(t->text);
  t->text = NULL;
  t->len = t->cap = 0;
}

/* --- the generator -------------------------------------------------------- */

/* splitmix64: small, fast and the same everywhere. */
static uint64_t rng_next(struct demo_rng *r) {
  uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double demo_unit(struct demo_rng *r) {
  return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double demo_normal(struct demo_rng *r) {
  double u1 = demo_unit(r), u2 = demo_unit(r);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * PI * u2);
}

struct demo_rng demo_rng_for(const char *fmt, ...) {
  char key[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(key, sizeof key, fmt, ap);
  va_end(ap);
  uint64_t h = 1469598103934665603ULL; /* FNV-1a of the key */
  for (const char *c = key; *c; c++)
    h = (h ^ (unsigned char)*c) * 1099511628211ULL;
  struct demo_rng r = {h};
  rng_next(&r); /* one step mixes keys that differ in their last byte */
  return r;
}

/* --- patterns ------------------------------------------------------------- */

/* The single-school patterns, all in Ковровский район (seed 000's
 * district, region 33), so that one identification run over Владимирская
 * область shows each of them:
 *   gen-000272  improved: an ordinary secondary school of 283 pupils that
 *               holds a 2024 ШНОР status; its support worked, so a run of
 *               2025 does not find it and proposes it for exit;
 *   gen-000177  slipping: the next secondary school of the district by size
 *               (238 pupils) without a status;
 *   gen-000047  low in 2024 only: another one (208 pupils);
 *   gen-000027  too few participants: the district's smallest basic school
 *               (24 pupils, 2-3 a grade);
 *   gen-000083  biased marking: the district's largest rural secondary
 *               school without a status (304 pupils), enough participants
 *               for the peaks to show;
 *   edu330106   resilient: Малыгинская СОШ, the seed's partner «со
 *               стабильно высокими результатами»; its context is made poor
 *               in demo/demo_context.sql. */
static const struct {
  const char *code;
  enum demo_pattern pattern;
} singles[] = {
    {"gen-000272", DEMO_IMPROVED}, {"gen-000177", DEMO_SLIPPING},
    {"gen-000047", DEMO_LOW_ONCE}, {"gen-000027", DEMO_TOO_FEW},
    {"gen-000083", DEMO_BIASED},   {"edu330106", DEMO_RESILIENT},
};

enum demo_pattern demo_pattern_of(const char *code, bool shnor_2024) {
  for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++)
    if (strcmp(singles[i].code, code) == 0)
      return singles[i].pattern;
  /* The demo's 2024 ШНОР statuses (demo/demo_data.sql) name the stably
   * low: a run of 2024 finds the schools the region chose. */
  return shnor_2024 ? DEMO_STABLY_LOW : DEMO_ORDINARY;
}

/* --- schools -------------------------------------------------------------- */

#define LEVEL_LOW (-1.5) /* about 45-55 % of "2" in grades 5-8 */

/* Kinds of school differ on average: gymnasiums and lyceums select,
 * evening schools and boarding schools take who comes. */
static double type_offset(const struct demo_school *s) {
  static const struct {
    const char *type;
    double offset;
  } offsets[] = {{"GYMNASIUM", 0.35},
                 {"LYCEUM", 0.35},
                 {"EDUCATION_CENTER", 0.1},
                 {"BOARDING", -0.2},
                 {"OTHER", -0.4}};
  double v = s->rural ? -0.1 : 0.0;
  for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++)
    if (strcmp(offsets[i].type, s->type) == 0)
      v += offsets[i].offset;
  return v;
}

/* The mean ability of a school's pupils in a year (pupils vary around it
 * with a standard deviation of 1). The demo's years are 2023-2025. */
double demo_school_level(const struct demo_school *s, int year) {
  struct demo_rng b = demo_rng_for("%s|level", s->code);
  struct demo_rng d = demo_rng_for("%s|level|%d", s->code, year);
  double base = 0.25 * demo_normal(&b) + type_offset(s);
  double drift = 0.08 * demo_normal(&d);
  bool low = false;
  switch (s->pattern) {
  case DEMO_STABLY_LOW:
  case DEMO_TOO_FEW:
    low = true;
    break;
  case DEMO_IMPROVED:
    low = year < 2025;
    base += 0.2; /* after the support */
    break;
  case DEMO_SLIPPING:
    low = year >= 2024;
    break;
  case DEMO_LOW_ONCE:
    low = year == 2024;
    break;
  case DEMO_RESILIENT:
    return 0.6 + drift;
  case DEMO_ORDINARY:
  case DEMO_BIASED:
    break;
  }
  return (low ? LEVEL_LOW : base) + drift;
}

/* Pupils of a grade in a year: the school's pupils spread over its grades
 * (10 and 11 smaller: many leave after grade 9), a few more or fewer each
 * year; 0 when the school has no such grade. Начальные schools teach
 * grades 1-4, основные 1-9, evening schools (OTHER) are taken as grades 9
 * and 11 only, the others 1-11. */
int demo_cohort_size(const struct demo_school *s, int grade, int year) {
  double per;
  if (strcmp(s->type, "NOSH") == 0)
    per = grade <= 4 ? s->students / 4.0 : 0.0;
  else if (strcmp(s->type, "OOSH") == 0)
    per = grade <= 9 ? s->students / 9.0 : 0.0;
  else if (strcmp(s->type, "OTHER") == 0)
    per = grade == 9 || grade == 11 ? s->students * 0.3 : 0.0;
  else
    per = s->students / 10.2 * (grade >= 10 ? 0.6 : 1.0);
  struct demo_rng r = demo_rng_for("%s|cohort|%d|%d", s->code, grade, year);
  return (int)(per * (0.92 + 0.16 * demo_unit(&r)) + 0.5);
}

/* --- instruments ---------------------------------------------------------- */

/* The instruments the demo writes, with the shares of an ordinary
 * population that get a "2" (ЕГЭ: score under the minimum) and the top
 * (a "5"; ЕГЭ: a test score of 80 or more), about the national figures of
 * those years, and that population's ability: ЕГЭ pupils choose profile
 * mathematics when they are stronger. */
static const struct known {
  enum assessment_kind kind;
  int grade;
  const char *subject, *variant_set;
  double fail, top, mean, sd, participation;
} known[] = {
    {ASSESSMENT_VPR, 4, "russian", "", 0.05, 0.20, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 4, "math", "", 0.04, 0.27, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 4, "environment", "", 0.03, 0.20, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 5, "russian", "", 0.10, 0.11, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 5, "math", "", 0.08, 0.17, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 5, "biology", "", 0.07, 0.12, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 6, "russian", "", 0.11, 0.09, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 6, "math", "", 0.09, 0.12, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 6, "history", "", 0.08, 0.12, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 7, "russian", "", 0.11, 0.08, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 7, "math", "", 0.10, 0.06, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 7, "physics", "", 0.09, 0.10, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 8, "russian", "", 0.11, 0.07, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 8, "math", "", 0.09, 0.05, 0, 1.09, 0.9},
    {ASSESSMENT_VPR, 8, "chemistry", "", 0.07, 0.16, 0, 1.09, 0.9},
    {ASSESSMENT_OGE, 9, "russian", "", 0.04, 0.25, 0, 1.09, 0.98},
    {ASSESSMENT_OGE, 9, "math", "", 0.07, 0.15, 0, 1.09, 0.98},
    {ASSESSMENT_EGE, 11, "russian", "", 0.012, 0.22, 0, 1.09, 0.99},
    {ASSESSMENT_EGE, 11, "math", "advanced", 0.06, 0.08, 0.55, 0.85, 0.99},
    {ASSESSMENT_EGE, 11, "math", "basic", 0.03, 0.38, -0.55, 0.85, 0.99},
};

/* ЕГЭ primary to test scores, piecewise linear through ФИПИ's scales of
 * those years (approximately); by subject, variant set and maximum. */
struct scale_point {
  int primary, test;
};
static const struct scale {
  const char *subject, *variant_set;
  int max;
  struct scale_point points[5];
} scales[] = {
    {"russian", "", 50, {{0, 0}, {10, 24}, {30, 66}, {40, 81}, {50, 100}}},
    {"math", "advanced", 31, {{0, 0}, {5, 27}, {11, 68}, {19, 86}, {31, 100}}},
    {"math", "advanced", 32, {{0, 0}, {5, 27}, {12, 70}, {20, 86}, {32, 100}}},
};

int demo_test_score(const struct demo_work *w, int primary) {
  int max = w->ins.max_primary_score;
  for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
    const struct scale *s = &scales[i];
    if (strcmp(s->subject, w->subject) != 0 ||
        strcmp(s->variant_set, w->variant_set) != 0 || s->max != max)
      continue;
    for (int k = 1; k < 5; k++) {
      const struct scale_point *a = &s->points[k - 1], *b = &s->points[k];
      if (primary <= b->primary) {
        int span = b->primary - a->primary;
        return a->test +
               ((primary - a->primary) * (b->test - a->test) + span / 2) / span;
      }
    }
  }
  return max > 0 ? (primary * 100 + max / 2) / max : 0; /* no scale known */
}

/* The least primary score with a test score of at least `test`. */
static int primary_for(const struct demo_work *w, int test) {
  int p = 0;
  while (p < w->ins.max_primary_score && demo_test_score(w, p) < test)
    p++;
  return p;
}

double demo_success(const struct demo_work *w, double ability, size_t task) {
  return 1.0 / (1.0 + exp(-w->slope * (ability - w->difficulty[task])));
}

/* The shares of a population of abilities N(mean, sd) that score under
 * w->fail_below and at least w->top_from: over a grid of abilities, the
 * score's normal approximation (the tasks' points are independent
 * trials). */
static void shares(const struct demo_work *w, const struct known *k,
                   double *fail, double *top) {
  double f = 0, t = 0, weight = 0;
  for (int g = -20; g <= 20; g++) {
    double z = g / 5.0, wz = exp(-z * z / 2);
    double ability = k->mean + k->sd * z, m = 0, v = 1e-9;
    for (size_t i = 0; i < w->ins.n_tasks; i++) {
      double p = demo_success(w, ability, i);
      m += w->ins.task_max[i] * p;
      v += w->ins.task_max[i] * p * (1 - p);
    }
    f += wz * 0.5 * erfc(-(w->fail_below - 0.5 - m) / sqrt(v) / SQRT2);
    t += wz * 0.5 * erfc((w->top_from - 0.5 - m) / sqrt(v) / SQRT2);
    weight += wz;
  }
  *fail = f / weight;
  *top = t / weight;
}

/* Moves every task's difficulty together until the population fails as
 * often as `k` says (bisection: failing grows with difficulty); returns
 * the top share then. */
static double fit_shift(struct demo_work *w, const struct known *k,
                        const double *offset) {
  double lo = -6, hi = 6, fail = 0, top = 0;
  for (int i = 0; i < 25; i++) {
    double shift = (lo + hi) / 2;
    for (size_t t = 0; t < w->ins.n_tasks; t++)
      w->difficulty[t] = shift + offset[t];
    shares(w, k, &fail, &top);
    if (fail > k->fail)
      hi = shift;
    else
      lo = shift;
  }
  return top;
}

/* Tasks' difficulties: basic ones easier, advanced ones harder, each a
 * little apart (the same every year). The slope (how sharply a task tells
 * stronger pupils from weaker ones) sets how far the marks spread: it is
 * chosen so that the top share is k's too (bisection: the top share grows
 * with the slope once the failing share is held). */
static void calibrate(struct demo_work *w, const struct known *k,
                      const char *levels) {
  double offset[RESULTS_MAX_TASKS];
  for (size_t t = 0; t < w->ins.n_tasks; t++) {
    struct demo_rng r =
        demo_rng_for("%d|%d|%s|%s|task|%s", (int)w->ins.kind, w->grade,
                     w->subject, w->variant_set, w->ins.task_number[t]);
    offset[t] = (levels[t] == 'a' ? 1.0 : -0.6) + (demo_unit(&r) - 0.5);
  }
  double lo = 0.2, hi = 3.0;
  for (int i = 0; i < 16; i++) {
    w->slope = (lo + hi) / 2;
    if (fit_shift(w, k, offset) > k->top)
      hi = w->slope;
    else
      lo = w->slope;
  }
  w->slope = (lo + hi) / 2;
  fit_shift(w, k, offset);
}

static const struct known *known_find(enum assessment_kind kind, int grade,
                                      const char *subject,
                                      const char *variant_set) {
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (known[i].kind == kind && known[i].grade == grade &&
        strcmp(known[i].subject, subject) == 0 &&
        strcmp(known[i].variant_set, variant_set) == 0)
      return &known[i];
  return NULL;
}

enum demo_work_status demo_work_init(struct demo_work *w,
                                     const struct instrument *ins, int grade,
                                     const char *subject,
                                     const char *variant_set,
                                     const char *levels) {
  const struct known *k = known_find(ins->kind, grade, subject, variant_set);
  if (k == NULL)
    return DEMO_WORK_UNKNOWN;
  memset(w, 0, sizeof *w);
  w->ins = *ins;
  w->grade = grade;
  snprintf(w->subject, sizeof w->subject, "%s", subject);
  snprintf(w->variant_set, sizeof w->variant_set, "%s", variant_set);
  w->test_scale = ins->kind == ASSESSMENT_EGE && ins->min_test_score >= 0;
  w->math_choice = ins->kind == ASSESSMENT_EGE && strcmp(subject, "math") == 0;
  w->profile = w->math_choice && strcmp(variant_set, "advanced") == 0;
  w->participation = k->participation;
  /* Failing: under the ЕГЭ minimum, or under mark 3; the top: a test
   * score of 80, or mark 5. */
  w->fail_below =
      w->test_scale ? primary_for(w, ins->min_test_score) : ins->mark3_from;
  w->top_from = w->test_scale ? primary_for(w, 80) : ins->mark5_from;
  if (w->fail_below <= 0 || w->top_from <= w->fail_below || levels == NULL ||
      strlen(levels) != ins->n_tasks)
    return DEMO_WORK_UNFIT;
  calibrate(w, k, levels);
  return DEMO_WORK_OK;
}
