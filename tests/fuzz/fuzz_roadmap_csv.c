/* libFuzzer target for the roadmap items import (src/api/roadmap_csv.c
 * over the one CSV reader, src/core/csv_in.c and src/core/csv_in_header.c). The
 * first byte picks the declared encoding (none, or windows-1251), the rest
 * is the body. The answer is an array of objects, each with its row; every
 * problem has a path and a message; the report (encoding, columns,
 * warnings) is always there; the same body reads the same way twice. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "roadmap_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *read_body(const char *body, size_t len, enum csv_in_encoding enc,
                         json_t **errors, json_t **report) {
  *errors = json_array();
  *report = NULL;
  json_t *items = roadmap_csv_parse(body, len, enc, *errors, report);
  if (!json_is_array(items) || !json_is_object(*report))
    abort();
  size_t i;
  json_t *v;
  json_array_foreach(items, i, v) {
    if (json_integer_value(json_object_get(v, "row")) < 1)
      abort();
  }
  json_array_foreach(*errors, i, v) {
    if (!json_is_string(json_object_get(v, "path")) ||
        !json_is_string(json_object_get(v, "message")))
      abort();
  }
  return items;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  enum csv_in_encoding enc = data[0] & 1 ? CSV_IN_CP1251 : CSV_IN_AUTO;
  const char *body = (const char *)data + 1;
  json_t *errors[2], *report[2];
  json_t *items = read_body(body, size - 1, enc, &errors[0], &report[0]);
  json_t *again = read_body(body, size - 1, enc, &errors[1], &report[1]);
  if (!json_equal(items, again) || !json_equal(errors[0], errors[1]) ||
      !json_equal(report[0], report[1]))
    abort();
  for (int k = 0; k < 2; k++) {
    json_decref(errors[k]);
    json_decref(report[k]);
  }
  json_decref(items);
  json_decref(again);
  return 0;
}
