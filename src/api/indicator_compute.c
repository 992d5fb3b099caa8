/* Computed indicators: evaluated from a school's official values, inside
 * the transaction that wrote them (docs/MONITORING.md, "Official values").
 * Formulas are evaluated in dependency order (a computed input first), so a
 * formula sees this run's value of another computed indicator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "formula.h"
#include "monitoring.h"
#include "request.h"

/* The numeric values of the school and period, by code. */
struct value {
  char *code;
  double value;
  bool present;
};

struct values {
  struct value *v;
  size_t n, cap;
};

static struct value *values_find(struct values *vs, const char *code) {
  for (size_t i = 0; i < vs->n; i++)
    if (strcmp(vs->v[i].code, code) == 0)
      return &vs->v[i];
  return NULL;
}

static void values_set(struct values *vs, const char *code, bool present,
                       double value) {
  struct value *found = values_find(vs, code);
  if (found == NULL) {
    if (vs->n == vs->cap) {
      vs->cap = vs->cap ? vs->cap * 2 : 32;
      vs->v = realloc(vs->v, vs->cap * sizeof *vs->v);
      if (vs->v == NULL)
        abort();
    }
    found = &vs->v[vs->n++];
    found->code = strdup(code);
    if (found->code == NULL)
      abort();
  }
  found->present = present;
  found->value = value;
}

static void values_free(struct values *vs) {
  for (size_t i = 0; i < vs->n; i++)
    free(vs->v[i].code);
  free(vs->v);
}

static bool lookup(void *ctx, const char *code, double *value) {
  struct value *found = values_find(ctx, code);
  if (found == NULL || !found->present)
    return false;
  *value = found->value;
  return true;
}

struct computed {
  const char *code; /* in the formulas' result */
  struct formula *f;
  char error[160]; /* a stored formula that no longer parses */
  bool done;
};

/* Whether every input of c that is itself computed (and not done) is done. */
static bool ready(const struct computed *c, const struct computed *all,
                  size_t n) {
  if (c->f == NULL)
    return true;
  for (size_t i = 0; i < formula_input_count(c->f); i++)
    for (size_t k = 0; k < n; k++)
      if (!all[k].done && &all[k] != c &&
          strcmp(all[k].code, formula_input(c->f, i)) == 0)
        return false;
  return true;
}

static bool write_result(struct request *rq, const char *school_id,
                         const char *period, struct computed *c,
                         struct values *vs) {
  double out = 0;
  char reason[256], number[40];
  bool ok;
  if (c->f == NULL) {
    snprintf(reason, sizeof reason, "the formula is not valid: %s", c->error);
    ok = false;
  } else {
    ok = formula_eval(c->f, lookup, vs, &out, reason, sizeof reason);
  }
  if (ok)
    snprintf(number, sizeof number, "%.15g", out);
  values_set(vs, c->code, ok, out);
  const struct db_arg args[] = {{"school", school_id},
                                {"period", period},
                                {"code", c->code},
                                {"value", ok ? number : NULL},
                                {"reason", ok ? NULL : reason},
                                DB_END};
  PGresult *r = db_call(rq, STMT_COMPUTE_UPSERT, args, NULL);
  PQclear(r);
  return r != NULL;
}

static bool compute_all(struct request *rq, const char *school_id,
                        const char *period, PGresult *formulas,
                        struct values *vs) {
  size_t n = (size_t)PQntuples(formulas);
  struct computed *all = calloc(n + 1, sizeof *all);
  if (all == NULL)
    abort();
  for (size_t i = 0; i < n; i++) {
    size_t pos;
    all[i].code = db_get(formulas, (int)i, "code");
    all[i].f = formula_parse(db_get(formulas, (int)i, "formula"), all[i].error,
                             sizeof all[i].error, &pos);
  }
  bool ok = true;
  for (size_t left = n; ok && left > 0;) {
    size_t before = left;
    for (size_t i = 0; ok && i < n; i++) {
      if (all[i].done || !ready(&all[i], all, n))
        continue;
      ok = write_result(rq, school_id, period, &all[i], vs);
      all[i].done = true;
      left--;
    }
    /* A cycle (the checks on save prevent them): the rest in code order. */
    for (size_t i = 0; ok && left == before && i < n; i++)
      if (!all[i].done) {
        ok = write_result(rq, school_id, period, &all[i], vs);
        all[i].done = true;
        left--;
      }
  }
  for (size_t i = 0; i < n; i++)
    formula_free(all[i].f);
  free(all);
  return ok;
}

bool official_values_recompute(struct request *rq, const char *school_id,
                               const char *period) {
  PGresult *r = db_call(rq, STMT_VALUES_LOCK, NULL, NULL);
  if (r == NULL)
    return false;
  PQclear(r);
  PGresult *inputs =
      db_call(rq, STMT_COMPUTE_INPUTS,
              (const struct db_arg[]){
                  {"school", school_id}, {"period", period}, DB_END},
              NULL);
  if (inputs == NULL)
    return false;
  struct values vs = {0};
  for (int i = 0; i < PQntuples(inputs); i++)
    values_set(&vs, db_get(inputs, i, "indicator_code"), true,
               strtod(db_get(inputs, i, "value"), NULL));
  PQclear(inputs);
  PGresult *formulas = db_call(rq, STMT_COMPUTE_FORMULAS, NULL, NULL);
  bool ok =
      formulas != NULL && compute_all(rq, school_id, period, formulas, &vs);
  PQclear(formulas);
  values_free(&vs);
  return ok;
}
