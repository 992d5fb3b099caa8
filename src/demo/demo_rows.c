/* The demo's result rows as CSV (src/demo/demo_gen.h): ВПР with the headers of
 * the ФИС ОКО Ф1 export, ОГЭ and ЕГЭ with the project's names and the
 * short-answer block regional systems export. */
#include "demo_gen_internal.h"

#include <stdio.h>
#include <string.h>

/* A pupil's work in one instrument. */
struct work_result {
  int score[RESULTS_MAX_TASKS];
  int primary, mark, test_score, journal;
};

static void put(struct demo_text *out, const char *s) {
  demo_text_put(out, s, strlen(s));
}

/* A separator and a number: most of a row, so without printf. */
static void put_int(struct demo_text *out, char sep, int v) {
  char text[16];
  size_t at = sizeof text;
  unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
  do
    text[--at] = (char)('0' + u % 10);
  while ((u /= 10) > 0);
  if (v < 0)
    text[--at] = '-';
  text[--at] = sep;
  demo_text_put(out, text + at, sizeof text - at);
}

/* A CSV cell, quoted when it must be. */
static void put_cell(struct demo_text *out, const char *s, char sep) {
  if (strchr(s, sep) == NULL && strchr(s, '"') == NULL &&
      strchr(s, '\n') == NULL) {
    put(out, s);
    return;
  }
  demo_text_put(out, "\"", 1);
  for (const char *c = s; *c; c++) {
    if (*c == '"')
      put(out, "\"\"");
    else
      demo_text_put(out, c, 1);
  }
  demo_text_put(out, "\"", 1);
}

static bool is_vpr(const struct demo_work *w) {
  return w->ins.kind == ASSESSMENT_VPR;
}

void demo_work_header(const struct demo_work *w, struct demo_text *out) {
  char cell[64];
  if (is_vpr(w)) {
    put(out, "ОО;Муниципалитет;Название ОО;Код участника;Класс;Вариант");
    for (size_t t = 0; t < w->ins.n_tasks; t++) {
      snprintf(cell, sizeof cell, ";%s (%dб)", w->ins.task_number[t],
               w->ins.task_max[t]);
      put(out, cell);
    }
    put(out, ";Первичный балл;Отметка;Отметка по журналу\n");
    return;
  }
  put(out, "school_code,participant_code,class,variant");
  if (w->ins.n_short > 0)
    put(out, ",short_answers");
  for (size_t t = 0; t < w->ins.n_tasks; t++)
    if (!w->ins.task_short[t]) {
      snprintf(cell, sizeof cell, ",task_%s", w->ins.task_number[t]);
      put(out, cell);
    }
  put(out,
      w->test_scale ? ",primary_score,test_score\n" : ",primary_score,mark\n");
}

/* --- one pupil ------------------------------------------------------------ */

static int draw_tasks(const struct demo_work *w, struct demo_rng *r,
                      double ability, int *score) {
  int sum = 0;
  for (size_t t = 0; t < w->ins.n_tasks; t++) {
    double p = demo_success(w, ability, t);
    score[t] = 0;
    for (int point = 0; point < w->ins.task_max[t]; point++)
      score[t] += demo_unit(r) < p;
    sum += score[t];
  }
  return sum;
}

/* A teacher who checks her own class's ВПР and finds a pupil one or two
 * points short of a mark finds those points too: primary scores just under
 * a boundary move onto it (the tasks' scores with them). */
static int pull_up(const struct demo_work *w, struct demo_rng *r, int *score,
                   int sum) {
  const int bounds[] = {w->ins.mark3_from, w->ins.mark4_from,
                        w->ins.mark5_from};
  for (int b = 0; b < 3; b++) {
    if (bounds[b] <= 0 || sum < bounds[b] - 2 || sum >= bounds[b])
      continue;
    if (demo_unit(r) >= 0.85)
      return sum;
    for (size_t t = 0; t < w->ins.n_tasks && sum < bounds[b]; t++) {
      int add = w->ins.task_max[t] - score[t];
      if (add > bounds[b] - sum)
        add = bounds[b] - sum;
      score[t] += add;
      sum += add;
    }
    return sum;
  }
  return sum;
}

/* The term mark in the journal: mostly the work's mark, more often above it
 * than below; a biased school's far above. A term "2" is rarer than a
 * work's. */
static int journal_mark(struct demo_rng *r, int mark, bool biased) {
  double u = demo_unit(r);
  int j = biased ? mark + (u < 0.15  ? 0
                           : u < 0.7 ? 1
                                     : 2)
                 : mark + (u < 0.62  ? 0
                           : u < 0.9 ? 1
                                     : -1);
  if (j <= 2 && demo_unit(r) < 0.6)
    j = 3;
  return j < 2 ? 2 : j > 5 ? 5 : j;
}

static void pupil_work(const struct demo_work *w, const struct demo_school *s,
                       struct demo_rng *r, double ability,
                       struct work_result *out) {
  bool biased = s->pattern == DEMO_BIASED && is_vpr(w);
  out->primary = draw_tasks(w, r, ability, out->score);
  if (biased)
    out->primary = pull_up(w, r, out->score, out->primary);
  out->mark = instrument_mark_for(&w->ins, out->primary);
  out->test_score = w->test_scale ? demo_test_score(w, out->primary) : -1;
  out->journal = is_vpr(w) ? journal_mark(r, out->mark, biased) : 0;
}

/* --- rows ----------------------------------------------------------------- */

static const char *const letters[] = {"А", "Б", "В", "Г", "Д", "Е", "Ж", "З"};

static void write_vpr(const struct demo_work *w, const struct demo_school *s,
                      const char *participant, const char *class_name,
                      int variant, const struct work_result *res,
                      struct demo_text *out) {
  put_cell(out, s->code, ';');
  put(out, ";");
  put_cell(out, s->municipality, ';');
  put(out, ";");
  put_cell(out, s->short_name, ';');
  put(out, ";");
  put_cell(out, participant, ';');
  put(out, ";");
  put(out, class_name);
  put_int(out, ';', variant);
  for (size_t t = 0; t < w->ins.n_tasks; t++)
    put_int(out, ';', res->score[t]);
  put_int(out, ';', res->primary);
  put_int(out, ';', res->mark);
  put_int(out, ';', res->journal);
  put(out, "\n");
}

/* The short-answer block: '+' a task's full score, '-' none, else the
 * digit. */
static void write_gia(const struct demo_work *w, const struct demo_school *s,
                      const char *participant, const char *class_name,
                      int variant, const struct work_result *res,
                      struct demo_text *out) {
  put_cell(out, s->code, ',');
  put(out, ",");
  put_cell(out, participant, ',');
  put(out, ",");
  put(out, class_name);
  put_int(out, ',', variant);
  if (w->ins.n_short > 0) {
    put(out, ",");
    for (size_t t = 0; t < w->ins.n_tasks; t++) {
      if (!w->ins.task_short[t])
        continue;
      char c = res->score[t] == w->ins.task_max[t] ? '+'
               : res->score[t] == 0                ? '-'
                                    : (char)('0' + res->score[t]);
      demo_text_put(out, &c, 1);
    }
  }
  for (size_t t = 0; t < w->ins.n_tasks; t++)
    if (!w->ins.task_short[t])
      put_int(out, ',', res->score[t]);
  put_int(out, ',', res->primary);
  put_int(out, ',', w->test_scale ? res->test_score : res->mark);
  put(out, "\n");
}

long demo_work_rows(const struct demo_work *w, const struct demo_school *s,
                    struct demo_text *out) {
  int year = w->ins.year, n = demo_cohort_size(s, w->grade, year);
  if (n <= 0)
    return 0;
  double level = demo_school_level(s, year);
  /* The grade's pupils are the same in every instrument of the year; the
   * instrument's own draws are its own. */
  struct demo_rng pupils =
      demo_rng_for("%s|pupils|%d|%d", s->code, w->grade, year);
  struct demo_rng subject =
      demo_rng_for("%s|subject|%s|%d", s->code, w->subject, year);
  struct demo_rng r =
      demo_rng_for("%s|%d|%d|%s|%s|%d", s->code, (int)w->ins.kind, w->grade,
                   w->subject, w->variant_set, year);
  double subject_offset = 0.12 * demo_normal(&subject);
  int classes = (n + 24) / 25;
  if (classes > 8)
    classes = 8;
  long rows = 0;
  for (int k = 0; k < n; k++) {
    double ability = level + demo_normal(&pupils);
    double choice = ability + 0.8 * demo_normal(&pupils);
    double noise = 0.35 * demo_normal(&r);
    if (demo_unit(&r) >= w->participation ||
        (w->math_choice && (choice > 0.2) != w->profile))
      continue;
    struct work_result res;
    pupil_work(w, s, &r, ability + subject_offset + noise, &res);
    char participant[96], class_name[16];
    snprintf(participant, sizeof participant, "%s-%02d%03d", s->code, w->grade,
             k + 1);
    snprintf(class_name, sizeof class_name, "%d%s", w->grade,
             letters[k % classes]);
    if (is_vpr(w))
      write_vpr(w, s, participant, class_name, 1 + k % 2, &res, out);
    else
      write_gia(w, s, participant, class_name, 301 + k % 10, &res, out);
    rows++;
  }
  return rows;
}
