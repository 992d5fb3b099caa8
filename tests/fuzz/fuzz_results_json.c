/* libFuzzer target for the JSON rows of a push (src/push/results_json.c): a
 * JSON array of row objects or JSON lines, as the first byte picks; the
 * instrument of results_fuzz.h (tasks 1 and 2 short); the input fed in
 * pieces whose sizes come from its next bytes, then finish and free; then
 * fed whole, which must give the same callbacks (the array is split into
 * elements as it arrives). Every problem's code, message and column must
 * be UTF-8 (they go into the database). */
#include "results_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  /* The first byte picks the form, the rest is read as results_fuzz_one's
   * input. */
  enum results_format format =
      data[0] & 1 ? RESULTS_JSON_LINES : RESULTS_JSON_ARRAY;
  return results_fuzz_one(format, data + 1, size - 1);
}
