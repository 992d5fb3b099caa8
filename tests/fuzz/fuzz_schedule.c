/* libFuzzer target for schedule texts (src/text/schedule*.c: tokens, words,
 * the cursor over them, points and the grammar). The first byte picks the
 * default year (none, or 2000 + byte), the rest is the text, cut at its
 * first NUL as a C string is. Parsing never fails: the answer is an object
 * with a string "kind", its "due" (when there is one) a real date, and the
 * same text parses to the same answer again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jspec.h"
#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  int year = data[0] < 128 ? 2000 + data[0] : 0;
  char *text = malloc(size);
  if (text == NULL)
    abort();
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';

  json_t *s = schedule_parse(text, year);
  if (!json_is_object(s) || !json_is_string(json_object_get(s, "kind")))
    abort();
  json_t *due = json_object_get(s, "due");
  if (due != NULL &&
      (!json_is_string(due) || !jspec_is_date(json_string_value(due))))
    abort();
  char *dumped = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
  if (dumped == NULL)
    abort();
  json_t *again = schedule_parse(text, year);
  if (!json_equal(s, again))
    abort();
  json_decref(again);
  json_decref(s);
  free(dumped);
  free(text);
  return 0;
}
