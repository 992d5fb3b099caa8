/* libFuzzer target for the CSV row parser (src/push/results_csv.c over the one
 * CSV reader, src/core/csv_in.c): a fixed instrument (tasks 1 and 2 short, so a
 * short-answer block's column may stand for them), the input fed in pieces
 * whose sizes come from its first bytes, then finish and free; then fed
 * whole, which must give the same callbacks (the reader copies runs of
 * plain bytes at once, byte by byte otherwise). Every problem's code,
 * message and column must be UTF-8 (they go into the database). Built with
 * -DOPORA_FUZZ=ON and CC=clang; scripts/lib.sh's run_fuzz_briefly runs it
 * for a few seconds. */
#include "results_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return results_fuzz_one(RESULTS_CSV, data, size);
}
