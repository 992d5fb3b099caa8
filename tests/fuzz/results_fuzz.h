/* What the push rows' fuzz targets share (fuzz_results_csv.c,
 * fuzz_results_json.c): a fixed instrument (tasks 1 and 2 short, so a
 * short-answer block's column may stand for them), callbacks that hash
 * everything the parser hands out and hold every problem text to UTF-8
 * (they go into the database), and the check that the input fed in pieces
 * (sizes from its first 4 bytes, 1..256, used in turn) reads exactly as
 * the input fed whole. Included by one target each. */
#ifndef OPORA_FUZZ_RESULTS_FUZZ_H
#define OPORA_FUZZ_RESULTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "results_parse.h"

/* A hash of everything the callbacks saw. */
static uint64_t mix(uint64_t h, const void *data, size_t n) {
  const unsigned char *d = data;
  for (size_t i = 0; i < n; i++)
    h = (h ^ d[i]) * 1099511628211u;
  return h;
}

static uint64_t mix_str(uint64_t h, const char *s) {
  return s ? mix(h, s, strlen(s) + 1) : mix(h, "-", 1);
}

/* Problem texts go into the database and answers: UTF-8 only. */
static void check_utf8(const char *s) {
  json_t *j = s ? json_string(s) : json_null();
  if (j == NULL)
    abort();
  json_decref(j);
}

static void on_problem(void *ctx, const struct results_problem *pr) {
  uint64_t *h = ctx;
  check_utf8(pr->code);
  check_utf8(pr->message);
  check_utf8(pr->column);
  /* Touch every string the parser hands out. */
  *h = mix(*h, &pr->row_no, sizeof pr->row_no);
  *h = mix_str(mix_str(mix_str(*h, pr->code), pr->message), pr->column);
}

static void on_row(void *ctx, long row_no, const struct result_row *r) {
  uint64_t *h = ctx;
  *h = mix(*h, &row_no, sizeof row_no);
  if (r) {
    *h = mix_str(mix_str(*h, r->school_code), r->participant_code);
    *h = mix_str(mix_str(*h, r->class_name), r->variant);
    *h = mix(*h, &r->primary_score, sizeof r->primary_score);
    *h = mix(*h, r->task_score, sizeof r->task_score);
  }
}

static uint64_t run(enum results_format format, const struct instrument *ins,
                    const uint8_t *data, size_t size, const size_t sizes[4]) {
  uint64_t h = 14695981039346656037u;
  struct results_callbacks cb = {on_problem, on_row, &h};
  struct results_parser *p = results_parser_new(format, ins, &cb);
  if (!p)
    abort();
  size_t k = 0;
  while (size > 0) {
    size_t n = sizes[k++ % 4];
    if (n > size)
      n = size;
    if (!results_parser_feed(p, (const char *)data, n))
      break;
    data += n;
    size -= n;
  }
  bool ok = results_parser_finish(p);
  results_parser_free(p);
  return mix(h, &ok, sizeof ok);
}

/* Reads data as format in pieces and whole; aborts when they differ. */
static int results_fuzz_one(enum results_format format, const uint8_t *data,
                            size_t size) {
  static const struct instrument ins = {
      .id = 1,
      .year = 2026,
      .kind = ASSESSMENT_VPR,
      .n_tasks = 5,
      .task_number = {"1", "2", "9.1", "9.2", "10"},
      .task_max = {1, 2, 1, 2, 3},
      .task_short = {true, true}, /* a short-answer block covers 1 and 2 */
      .n_short = 2,
      .max_primary_score = 9,
      .mark3_from = 3,
      .mark4_from = 5,
      .mark5_from = 8,
      .min_test_score = -1};
  size_t sizes[4] = {1, 1, 1, 1};
  size_t n_sizes = size < 4 ? size : 4;
  for (size_t i = 0; i < n_sizes; i++)
    sizes[i] = (size_t)data[i] + 1;
  data += n_sizes;
  size -= n_sizes;

  size_t whole[4] = {size, size, size, size};
  if (run(format, &ins, data, size, sizes) !=
      run(format, &ins, data, size, whole))
    abort(); /* pieces and the whole body read differently */
  return 0;
}

#endif
