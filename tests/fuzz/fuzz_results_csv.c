/* libFuzzer target for the CSV row parser (src/results_csv.c): a fixed
 * instrument, the input fed in pieces whose sizes come from its first
 * bytes, then finish and free. Built with -DOPORA_FUZZ=ON and CC=clang;
 * scripts/lib.sh's run_fuzz_briefly runs it for a few seconds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "results_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long problems, rows;

static void on_problem(void *ctx, const struct results_problem *pr) {
  (void)ctx;
  /* Touch every string the parser hands out. */
  problems += (long)strlen(pr->code) + (long)strlen(pr->message) +
              (pr->column ? (long)strlen(pr->column) : 0);
}

static void on_row(void *ctx, long row_no, const struct result_row *r) {
  (void)ctx;
  rows += row_no;
  if (r)
    rows += (long)(strlen(r->school_code) + strlen(r->participant_code) +
                   strlen(r->class_name) + strlen(r->variant)) +
            r->primary_score;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const struct instrument ins = {
      .id = 1,
      .year = 2026,
      .kind = ASSESSMENT_VPR,
      .n_tasks = 5,
      .task_number = {"1", "2", "9.1", "9.2", "10"},
      .task_max = {1, 2, 1, 2, 3},
      .max_primary_score = 9,
      .mark3_from = 3,
      .mark4_from = 5,
      .mark5_from = 8,
      .min_test_score = -1};
  /* The first 4 bytes: piece sizes (1..256, used in turn). */
  size_t sizes[4] = {1, 1, 1, 1};
  size_t n_sizes = size < 4 ? size : 4;
  for (size_t i = 0; i < n_sizes; i++)
    sizes[i] = (size_t)data[i] + 1;
  data += n_sizes;
  size -= n_sizes;

  struct results_callbacks cb = {on_problem, on_row, NULL};
  struct results_parser *p = results_parser_new(RESULTS_CSV, &ins, &cb);
  if (!p)
    return 0;
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
  results_parser_finish(p);
  results_parser_free(p);
  return 0;
}
