/* openapi.yaml as a Jansson tree, read with libyaml, for the tests that hold
 * the spec against the code (test_spec.c, test_contract.c). */
#ifndef OPORA_TEST_SPEC_YAML_H
#define OPORA_TEST_SPEC_YAML_H

#include <jansson.h>
#include <stdbool.h>

/* Parses a YAML text of one document into JSON values: mappings become
 * objects (a repeated key is an error), plain scalars are typed by the YAML
 * 1.2 core schema (null, true/false, integers, floats), every other scalar
 * is a string. NULL on error, with a message in err. */
json_t *yaml_to_json(const char *text, size_t len, char *err, size_t err_len);

/* The project's openapi.yaml (OPORA_SOURCE_DIR), loaded once and kept for
 * the process; fails the test when it does not parse. */
const json_t *spec_document(void);

/* Follows `$ref` ("#/components/...", JSON Pointer escapes) until the node
 * is not a reference; NULL when a reference leads nowhere. */
const json_t *spec_deref(const json_t *node);

/* The operation object of method ("GET") on path, or NULL. */
const json_t *spec_operation(const char *method, const char *path);

/* The operation's parameter of `in` ("query", "path") and name, its $ref
 * followed, or NULL. */
const json_t *spec_parameter(const json_t *operation, const char *in,
                             const char *name);

#endif
