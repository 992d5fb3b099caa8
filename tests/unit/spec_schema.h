/* A field table held against a JSON Schema of openapi.yaml: names, required,
 * type, null, string length, pattern, enum values, numeric range, item
 * count and read-only members, both ways. For tests/unit/test_contract.c. */
#ifndef OPORA_TEST_SPEC_SCHEMA_H
#define OPORA_TEST_SPEC_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>

#include "jspec.h"

/* The schema as one flat object: its $ref followed (sibling keywords kept),
 * allOf merged, a oneOf of a schema and {type: 'null'} made a nullable
 * schema, and a oneOf of objects made one object with every variant's
 * members (`required` then holds what every variant requires, and
 * "x-union" is true). `type` becomes an array. Caller owns the result. */
json_t *schema_flat(const json_t *schema);

/* Each mismatch is printed as "<where>: <what>" and counted, but for
 * those that begin as one of `explained` (NULL-terminated): what a handler
 * checks beyond its table, which the spec rightly states. */
struct drift {
  size_t count;
  const char *const *explained;
};
void drift_report(struct drift *d, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One field against the schema of its value (a property, a parameter's
 * schema or an array's items). */
void compare_field(struct drift *d, const char *where,
                   const struct jspec_field *f, const json_t *schema);

/* An object's fields against an object schema. `mode` JSPEC_CREATE: the
 * required fields are exactly the schema's `required`; JSPEC_PATCH: the
 * schema requires nothing and needs at least one member. */
void compare_object(struct drift *d, const char *where,
                    const struct jspec_field *fields, const json_t *schema,
                    enum jspec_mode mode);

#endif
