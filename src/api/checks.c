#include "checks.h"

#include <stdio.h>
#include <string.h>

#include "jspec.h"

void check_date_order(const json_t *body, const char *earlier,
                      const char *later, json_t *errors) {
  const char *from = json_string_value(json_object_get(body, earlier));
  const char *to = json_string_value(json_object_get(body, later));
  /* ISO dates compare as text. */
  if (from != NULL && to != NULL && strcmp(to, from) < 0) {
    char path[64], message[96];
    snprintf(path, sizeof path, "$.%s", later);
    snprintf(message, sizeof message, "must not be before %s", earlier);
    jspec_error(errors, path, message);
  }
}
