/* Formulas of computed indicators (include/formula.h): a recursive-descent
 * parser that compiles the text to postfix steps, and an evaluator that
 * runs them on a stack, without recursion.
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := '-' unary | primary
 *   primary := number | code | '(' expr ')'
 *
 * Positions are 1-based characters of the UTF-8 text. */
#include "formula.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMULA_MAX_LENGTH 4000
#define FORMULA_MAX_DEPTH 64
#define CODE_MAX_LENGTH 64

enum step_kind { STEP_NUMBER, STEP_INPUT, STEP_NEGATE, STEP_BINARY };

struct step {
  enum step_kind kind;
  char op;      /* STEP_BINARY: + - * / */
  double value; /* STEP_NUMBER */
  size_t input; /* STEP_INPUT: index into inputs */
};

struct input {
  char *code;
  size_t position;
};

struct formula {
  struct step *steps;
  size_t n_steps, cap_steps;
  struct input *inputs;
  size_t n_inputs, cap_inputs;
};

struct parser {
  const char *text;
  size_t at;     /* byte offset */
  size_t column; /* characters before `at` */
  int depth;
  struct formula *f;
  char *err;
  size_t err_len;
  size_t *err_pos;
  bool failed;
};

static void *grow(void *p, size_t *cap, size_t size) {
  *cap = *cap ? *cap * 2 : 8;
  void *q = realloc(p, *cap * size);
  if (q == NULL)
    abort();
  return q;
}

static void emit(struct parser *p, struct step s) {
  struct formula *f = p->f;
  if (f->n_steps == f->cap_steps)
    f->steps = grow(f->steps, &f->cap_steps, sizeof *f->steps);
  f->steps[f->n_steps++] = s;
}

static size_t add_input(struct parser *p, const char *code, size_t len,
                        size_t position) {
  struct formula *f = p->f;
  for (size_t i = 0; i < f->n_inputs; i++)
    if (strlen(f->inputs[i].code) == len &&
        memcmp(f->inputs[i].code, code, len) == 0)
      return i;
  if (f->n_inputs == f->cap_inputs)
    f->inputs = grow(f->inputs, &f->cap_inputs, sizeof *f->inputs);
  char *copy = malloc(len + 1);
  if (copy == NULL)
    abort();
  memcpy(copy, code, len);
  copy[len] = '\0';
  f->inputs[f->n_inputs] = (struct input){copy, position};
  return f->n_inputs++;
}

static void fail_at(struct parser *p, size_t position, const char *message) {
  if (p->failed)
    return;
  p->failed = true;
  snprintf(p->err, p->err_len, "%s", message);
  *p->err_pos = position;
}

/* A UTF-8 continuation byte does not start a character. */
static bool starts_char(unsigned char c) {
  return (c & 0xC0) != 0x80;
}

static void advance(struct parser *p, size_t bytes) {
  for (size_t i = 0; i < bytes && p->text[p->at] != '\0'; i++, p->at++)
    if (starts_char((unsigned char)p->text[p->at]))
      p->column++;
}

static void skip_space(struct parser *p) {
  while (p->text[p->at] == ' ' || p->text[p->at] == '\t' ||
         p->text[p->at] == '\n' || p->text[p->at] == '\r')
    advance(p, 1);
}

/* The current position, 1-based, after spaces. */
static size_t here(struct parser *p) {
  skip_space(p);
  return p->column + 1;
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
static bool is_code_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
static bool is_code_char(char c) {
  return is_code_start(c) || is_digit(c);
}
static bool is_known(char c) {
  return c == '\0' || c == '+' || c == '-' || c == '*' || c == '/' ||
         c == '(' || c == ')' || is_digit(c) || is_code_start(c);
}

/* An unknown character at the current position: named in the message. */
static void fail_unknown(struct parser *p) {
  const unsigned char *s = (const unsigned char *)p->text + p->at;
  size_t n = 1;
  while (n < 4 && s[n] != '\0' && !starts_char(s[n]))
    n++;
  char message[64];
  if (s[0] < 0x20 || s[0] == 0x7F)
    snprintf(message, sizeof message, "unknown character (code %u)", s[0]);
  else
    snprintf(message, sizeof message, "unknown character '%.*s'", (int)n,
             (const char *)s);
  fail_at(p, p->column + 1, message);
}

static void parse_expr(struct parser *p);

static void parse_number(struct parser *p) {
  size_t position = here(p);
  size_t start = p->at;
  while (is_digit(p->text[p->at]))
    advance(p, 1);
  if (p->text[p->at] == '.') {
    advance(p, 1);
    if (!is_digit(p->text[p->at])) {
      fail_at(p, p->column + 1, "expected a digit after '.'");
      return;
    }
    while (is_digit(p->text[p->at]))
      advance(p, 1);
  }
  if (is_code_start(p->text[p->at])) {
    fail_at(p, p->column + 1, "expected an operator after a number");
    return;
  }
  char buf[FORMULA_MAX_LENGTH + 1];
  size_t len = p->at - start;
  memcpy(buf, p->text + start, len);
  buf[len] = '\0';
  double value = strtod(buf, NULL);
  if (!isfinite(value)) {
    fail_at(p, position, "the number is too large");
    return;
  }
  emit(p, (struct step){.kind = STEP_NUMBER, .value = value});
}

static void parse_code(struct parser *p) {
  size_t position = here(p);
  size_t start = p->at;
  while (is_code_char(p->text[p->at]))
    advance(p, 1);
  size_t len = p->at - start;
  if (len > CODE_MAX_LENGTH) {
    fail_at(p, position, "an indicator code has at most 64 characters");
    return;
  }
  size_t input = add_input(p, p->text + start, len, position);
  emit(p, (struct step){.kind = STEP_INPUT, .input = input});
}

/* Going one level deeper (parentheses, unary minus): bounded. */
static bool enter(struct parser *p, size_t position) {
  if (++p->depth > FORMULA_MAX_DEPTH) {
    fail_at(p, position, "the formula nests too deeply (at most 64 levels)");
    return false;
  }
  return true;
}

static void parse_primary(struct parser *p) {
  size_t position = here(p);
  char c = p->text[p->at];
  if (c == '(') {
    advance(p, 1);
    if (!enter(p, position))
      return;
    parse_expr(p);
    p->depth--;
    if (p->failed)
      return;
    position = here(p);
    if (p->text[p->at] != ')') {
      if (!is_known(p->text[p->at]))
        fail_unknown(p);
      else
        fail_at(p, position, "missing ')'");
      return;
    }
    advance(p, 1);
  } else if (is_digit(c) || c == '.') {
    parse_number(p);
  } else if (is_code_start(c)) {
    parse_code(p);
  } else if (c == ')') {
    fail_at(p, position, "unexpected ')'");
  } else if (!is_known(c)) {
    fail_unknown(p);
  } else {
    fail_at(p, position, "expected a number, a code or '('");
  }
}

static void parse_unary(struct parser *p) {
  int levels = 0;
  size_t position;
  while (!p->failed && (position = here(p)) && p->text[p->at] == '-') {
    advance(p, 1);
    if (!enter(p, position))
      break;
    levels++;
  }
  if (!p->failed)
    parse_primary(p);
  p->depth -= levels;
  for (int i = 0; i < levels && !p->failed; i++)
    emit(p, (struct step){.kind = STEP_NEGATE});
}

static void parse_term(struct parser *p) {
  parse_unary(p);
  while (!p->failed && here(p) &&
         (p->text[p->at] == '*' || p->text[p->at] == '/')) {
    char op = p->text[p->at];
    advance(p, 1);
    parse_unary(p);
    if (!p->failed)
      emit(p, (struct step){.kind = STEP_BINARY, .op = op});
  }
}

static void parse_expr(struct parser *p) {
  parse_term(p);
  while (!p->failed && here(p) &&
         (p->text[p->at] == '+' || p->text[p->at] == '-')) {
    char op = p->text[p->at];
    advance(p, 1);
    parse_term(p);
    if (!p->failed)
      emit(p, (struct step){.kind = STEP_BINARY, .op = op});
  }
}

static size_t char_count(const char *text) {
  size_t n = 0;
  for (const unsigned char *s = (const unsigned char *)text; *s; s++)
    if (starts_char(*s))
      n++;
  return n;
}

struct formula *formula_parse(const char *text, char *err, size_t err_len,
                              size_t *err_pos) {
  if (strlen(text) > FORMULA_MAX_LENGTH * 4 ||
      char_count(text) > FORMULA_MAX_LENGTH) {
    snprintf(err, err_len, "the formula is longer than %d characters",
             FORMULA_MAX_LENGTH);
    *err_pos = FORMULA_MAX_LENGTH + 1;
    return NULL;
  }
  struct formula *f = calloc(1, sizeof *f);
  if (f == NULL)
    abort();
  struct parser p = {
      .text = text, .f = f, .err = err, .err_len = err_len, .err_pos = err_pos};
  parse_expr(&p);
  if (!p.failed) {
    size_t position = here(&p);
    char c = p.text[p.at];
    if (c == ')')
      fail_at(&p, position, "unexpected ')'");
    else if (!is_known(c))
      fail_unknown(&p);
    else if (c != '\0')
      fail_at(&p, position, "expected an operator or the end of the formula");
  }
  if (p.failed) {
    formula_free(f);
    return NULL;
  }
  return f;
}

void formula_free(struct formula *f) {
  if (f == NULL)
    return;
  for (size_t i = 0; i < f->n_inputs; i++)
    free(f->inputs[i].code);
  free(f->inputs);
  free(f->steps);
  free(f);
}

size_t formula_input_count(const struct formula *f) {
  return f->n_inputs;
}

const char *formula_input(const struct formula *f, size_t i) {
  return i < f->n_inputs ? f->inputs[i].code : NULL;
}

size_t formula_input_position(const struct formula *f, size_t i) {
  return i < f->n_inputs ? f->inputs[i].position : 0;
}

/* Every missing input named, in order: "missing A, B". */
static bool lookup_inputs(const struct formula *f, formula_lookup_fn lookup,
                          void *ctx, double *values, char *reason,
                          size_t reason_len) {
  size_t used = 0;
  bool complete = true;
  for (size_t i = 0; i < f->n_inputs; i++) {
    if (lookup(ctx, f->inputs[i].code, &values[i]))
      continue;
    int n = snprintf(reason + used, used < reason_len ? reason_len - used : 0,
                     "%s%s", complete ? "missing " : ", ", f->inputs[i].code);
    if (n > 0)
      used += (size_t)n;
    complete = false;
  }
  return complete;
}

bool formula_eval(const struct formula *f, formula_lookup_fn lookup, void *ctx,
                  double *out, char *reason, size_t reason_len) {
  if (reason_len > 0)
    reason[0] = '\0';
  double *values = calloc(f->n_inputs + 1, sizeof *values);
  double *stack = calloc(f->n_steps + 1, sizeof *stack);
  if (values == NULL || stack == NULL)
    abort();
  bool ok = lookup_inputs(f, lookup, ctx, values, reason, reason_len);
  size_t top = 0;
  for (size_t i = 0; ok && i < f->n_steps; i++) {
    const struct step *s = &f->steps[i];
    switch (s->kind) {
    case STEP_NUMBER:
      stack[top++] = s->value;
      break;
    case STEP_INPUT:
      stack[top++] = values[s->input];
      break;
    case STEP_NEGATE:
      stack[top - 1] = -stack[top - 1];
      break;
    case STEP_BINARY: {
      double b = stack[--top], a = stack[top - 1];
      if (s->op == '/' && b == 0.0) {
        snprintf(reason, reason_len, "division by zero");
        ok = false;
      } else {
        stack[top - 1] = s->op == '+'   ? a + b
                         : s->op == '-' ? a - b
                         : s->op == '*' ? a * b
                                        : a / b;
      }
      break;
    }
    }
  }
  if (ok && !isfinite(stack[0])) {
    snprintf(reason, reason_len, "the result is out of range");
    ok = false;
  }
  if (ok)
    *out = stack[0] == 0.0 ? 0.0 : stack[0]; /* no -0 */
  free(values);
  free(stack);
  return ok;
}
