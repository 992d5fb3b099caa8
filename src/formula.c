/* Formulas of computed indicators (include/formula.h). */
#include "formula.h"

#include <stdio.h>

struct formula *formula_parse(const char *text, char *err, size_t err_len,
                              size_t *err_pos) {
  (void)text;
  snprintf(err, err_len, "formulas are not supported yet");
  *err_pos = 1;
  return NULL;
}
void formula_free(struct formula *f) {
  (void)f;
}
size_t formula_input_count(const struct formula *f) {
  (void)f;
  return 0;
}
const char *formula_input(const struct formula *f, size_t i) {
  (void)f;
  (void)i;
  return NULL;
}
size_t formula_input_position(const struct formula *f, size_t i) {
  (void)f;
  (void)i;
  return 0;
}
bool formula_eval(const struct formula *f, formula_lookup_fn lookup, void *ctx,
                  double *out, char *reason, size_t reason_len) {
  (void)f;
  (void)lookup;
  (void)ctx;
  (void)out;
  snprintf(reason, reason_len, "formulas are not supported yet");
  return false;
}
