/* What src/demo/demo_gen.c (the model) and src/demo/demo_rows.c (the rows)
 * share. Not for other files: src/demo/demo_gen.h is the interface. */
#ifndef OPORA_DEMO_GEN_INTERNAL_H
#define OPORA_DEMO_GEN_INTERNAL_H

#include <stdint.h>

#include "demo_gen.h"

struct demo_rng {
  uint64_t state;
};

/* A generator seeded by a key made like printf's text: the same key, the
 * same draws. */
struct demo_rng demo_rng_for(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Uniform in [0, 1). */
double demo_unit(struct demo_rng *r);
/* Standard normal (Box-Muller). */
double demo_normal(struct demo_rng *r);

/* The mean ability of the school's pupils in a year. */
double demo_school_level(const struct demo_school *s, int year);
/* Pupils of a grade in a year; 0 when the school has no such grade. */
int demo_cohort_size(const struct demo_school *s, int grade, int year);
/* The chance that a pupil of this ability gets one point of the task (a
 * logistic curve of ability against the task's difficulty). */
double demo_success(const struct demo_work *w, double ability, size_t task);

#endif
