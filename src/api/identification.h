/* What the identification files share (src/api/identification*.c;
 * docs/IDENTIFICATION.md): the kinds, a methodology's parameters and their
 * rules, and the region a run or a methodology is for. */
#ifndef OPORA_IDENTIFICATION_H
#define OPORA_IDENTIFICATION_H

#include <jansson.h>
#include <stdbool.h>

#include "jspec.h"

struct request;

/* low_results, unfavourable_context, resilient; NULL-ended. */
extern const char *const identification_kinds[];

/* A methodology's parameters (the member `parameters` of a body). */
extern const struct jspec_field identification_parameter_fields[];

/* The rules the field spec cannot say, for a body with `kind` and
 * `parameters` that passed it: the parameters of one kind only, a cut-off
 * by percentile or by value, and each instrument's thresholds those of its
 * criterion. Appends to errors like jspec_check. */
void identification_check_parameters(const json_t *body, json_t *errors);

/* The region a body is for (region_id, else the caller's) into region;
 * false after answering: 400 when a global caller names none, 422 when it
 * is missing or outside the caller's writable scope. */
bool identification_region(struct request *rq, char region[24]);

#endif
