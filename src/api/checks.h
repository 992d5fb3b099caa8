/* Rules across fields, shared by resources' check hooks. */
#ifndef OPORA_CHECKS_H
#define OPORA_CHECKS_H

#include <jansson.h>

/* When both dates are in body, `later` must not be before `earlier`. */
void check_date_order(const json_t *body, const char *earlier,
                      const char *later, json_t *errors);

#endif
