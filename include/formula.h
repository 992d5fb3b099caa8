/* Formulas of computed indicators (docs/MONITORING.md): numbers, indicator
 * codes, + - * /, unary minus and parentheses, e.g.
 * "100 * TEACHERS_FIRST_CATEGORY / TEACHERS_TOTAL". Parsed once, evaluated
 * on a school's values; never turned into SQL. */
#ifndef OPORA_FORMULA_H
#define OPORA_FORMULA_H

#include <stdbool.h>
#include <stddef.h>

struct formula;

/* Parses text. On a syntax error returns NULL with a message in err and the
 * 1-based character position in *err_pos. The caller frees the result. */
struct formula *formula_parse(const char *text, char *err, size_t err_len,
                              size_t *err_pos);
void formula_free(struct formula *f);

/* The distinct indicator codes the formula uses, in order of appearance,
 * and where each first appears (1-based character position). */
size_t formula_input_count(const struct formula *f);
const char *formula_input(const struct formula *f, size_t i);
size_t formula_input_position(const struct formula *f, size_t i);

/* A value of an input: false when the school has none. */
typedef bool (*formula_lookup_fn)(void *ctx, const char *code, double *value);

/* Evaluates. False with the reason ("division by zero", "missing
 * TEACHERS_TOTAL") when there is no value. */
bool formula_eval(const struct formula *f, formula_lookup_fn lookup, void *ctx,
                  double *out, char *reason, size_t reason_len);

#endif
