/* The demo's assessment results (docs/ASSESSMENTS.md, "Demo results"):
 * the rows one school writes in one instrument, as the CSV a regional
 * system pushes. src/demo/demo_results.c pushes them through the push.
 *
 * Pure and deterministic: every draw comes from a generator seeded by the
 * school's code, the instrument and the year (never rand(), never the
 * time), so two loads write the same rows. Pupils' abilities are drawn
 * around a level of the school and year; a task's score follows from
 * ability against the task's difficulty, calibrated per instrument so that
 * ordinary schools fail it about as often as real ones do. */
#ifndef OPORA_DEMO_GEN_H
#define OPORA_DEMO_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results_parse.h"

/* A growing text. */
struct demo_text {
  char *text;
  size_t len, cap;
};
void demo_text_put(struct demo_text *t, const char *s, size_t n);
void demo_text_free(struct demo_text *t);

/* What a school's results look like over 2023-2025 (the choice of schools:
 * demo_pattern_of). */
enum demo_pattern {
  DEMO_ORDINARY,   /* share of "2" mostly 3-15 % */
  DEMO_STABLY_LOW, /* low in all three years */
  DEMO_IMPROVED,   /* low in 2023 and 2024, ordinary in 2025 */
  DEMO_SLIPPING,   /* ordinary in 2023, low in 2024 and 2025 */
  DEMO_LOW_ONCE,   /* low in 2024 only */
  DEMO_TOO_FEW,    /* low, with 2-4 pupils a grade */
  DEMO_BIASED,     /* ВПР marked with a bias: scores pulled up to the
                      boundaries, journal marks far above */
  DEMO_RESILIENT,  /* strong results in a poor context */
};

/* The pattern of a school: the single-school ones by code, else stably
 * low for a school with a 2024 ШНОР status, else ordinary. */
enum demo_pattern demo_pattern_of(const char *code, bool shnor_2024);

struct demo_school {
  const char *code, *short_name, *municipality;
  const char *type; /* schools.type: NOSH, OOSH, SOSH, ... */
  bool rural;
  int students;
  enum demo_pattern pattern;
};

/* One instrument as the generator writes it. */
struct demo_work {
  struct instrument ins;
  int grade;
  char subject[33], variant_set[33];
  double difficulty[RESULTS_MAX_TASKS];
  double slope;     /* how sharply tasks tell stronger pupils from weaker */
  int fail_below;   /* the primary score a participant fails under */
  int top_from;     /* the least primary score of the top (a "5") */
  bool test_scale;  /* ЕГЭ on the 100 scale: rows carry a test score */
  bool math_choice; /* ЕГЭ mathematics: each pupil writes one of two */
  bool profile;     /* ... and this is the profile one */
  double participation;
};

enum demo_work_status {
  DEMO_WORK_OK,
  DEMO_WORK_UNKNOWN, /* not one of the demo's instruments */
  DEMO_WORK_UNFIT,   /* the demo's, but without mark boundaries or an ЕГЭ
                        minimum to write rows against */
};

/* Prepares an instrument the demo knows (by kind, grade, subject and
 * variant set; `levels` holds 'b' or 'a' per task). */
enum demo_work_status demo_work_init(struct demo_work *w,
                                     const struct instrument *ins, int grade,
                                     const char *subject,
                                     const char *variant_set,
                                     const char *levels);

/* The CSV header: the Ф1 export's for ВПР, the project's names for ГИА. */
void demo_work_header(const struct demo_work *w, struct demo_text *out);

/* Appends the school's rows (none when it has no such grade); returns how
 * many. */
long demo_work_rows(const struct demo_work *w, const struct demo_school *s,
                    struct demo_text *out);

/* ЕГЭ: the test score of a primary score (exposed for tests). */
int demo_test_score(const struct demo_work *w, int primary);

#endif
