/* libFuzzer target for indicator formulas (src/text/formula.c). The first
 * byte picks the values the inputs get (its bits: some missing, zeros,
 * huge or tiny ones), the rest is the formula, cut at its first NUL. A
 * refused formula says why and where (a position within the text, or
 * just past it); a parsed one lists distinct, non-empty codes at
 * positions within the text, parses again to the same inputs and
 * evaluates to the same finite value (or the same reason) twice. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formula.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A value for each code from a hash of it and the selector's bits. */
static bool lookup(void *ctx, const char *code, double *value) {
  unsigned sel = *(const unsigned *)ctx;
  unsigned h = 2166136261u;
  for (const char *c = code; *c; c++)
    h = (h ^ (unsigned char)*c) * 16777619u;
  if ((sel & 1) && h % 5 == 0)
    return false; /* missing */
  if ((sel & 2) && h % 3 == 0) {
    *value = 0.0;
    return true;
  }
  double scale = (sel & 4) ? 1e300 : (sel & 8) ? 1e-300 : 1.0;
  *value = ((double)(h % 2001) - 1000.0) * scale;
  return true;
}

static size_t characters(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static void check_parsed(const struct formula *f, const char *text,
                         unsigned sel) {
  size_t n = formula_input_count(f), chars = characters(text);
  for (size_t i = 0; i < n; i++) {
    const char *code = formula_input(f, i);
    size_t at = formula_input_position(f, i);
    if (code == NULL || code[0] == '\0' || at < 1 || at > chars)
      abort();
    for (size_t k = 0; k < i; k++)
      if (strcmp(code, formula_input(f, k)) == 0)
        abort();
  }
  char err[256], reason[2][256];
  size_t pos = 0;
  struct formula *g = formula_parse(text, err, sizeof err, &pos);
  if (g == NULL || formula_input_count(g) != n)
    abort();
  for (size_t i = 0; i < n; i++)
    if (strcmp(formula_input(f, i), formula_input(g, i)) != 0 ||
        formula_input_position(f, i) != formula_input_position(g, i))
      abort();
  double out[2] = {0, 0};
  bool ok[2];
  ok[0] = formula_eval(f, lookup, &sel, &out[0], reason[0], sizeof reason[0]);
  ok[1] = formula_eval(g, lookup, &sel, &out[1], reason[1], sizeof reason[1]);
  formula_free(g);
  if (ok[0] != ok[1])
    abort();
  if (ok[0] && (!isfinite(out[0]) || memcmp(&out[0], &out[1], sizeof out[0])))
    abort();
  if (!ok[0] && (reason[0][0] == '\0' || strcmp(reason[0], reason[1]) != 0))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  unsigned sel = data[0];
  char *text = malloc(size);
  if (text == NULL)
    abort();
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';

  char err[256] = "";
  size_t pos = 0;
  struct formula *f = formula_parse(text, err, sizeof err, &pos);
  if (f == NULL) {
    if (err[0] == '\0' || pos < 1 ||
        (pos > characters(text) + 1 && pos != 4001))
      abort(); /* refused without saying why or where */
  } else {
    check_parsed(f, text, sel);
    formula_free(f);
  }
  free(text);
  return 0;
}
