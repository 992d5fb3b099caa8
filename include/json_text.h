/* JSON as text, on the way in and on the way out: reading a request body
 * (a UTF-8 BOM skipped, faults named by field), and the one compact form
 * of every JSON answer, whoever built it (Jansson or PostgreSQL). */
#ifndef OPORA_JSON_TEXT_H
#define OPORA_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>

/* Why a body could not be read: either `errors`, a [{path, message}] array
 * naming the members that hold a \u0000 or a number too large (answered as
 * validation_failed; owned by the caller), or, when the text as a whole is
 * not JSON, `detail` alone (answered as invalid_json). */
struct json_text_fault {
  json_t *errors;
  char detail[256];
};

/* Reads one JSON object or array: strict UTF-8, no duplicate keys, an
 * optional UTF-8 BOM in front (as Windows tools save files). NULL when it
 * cannot, with *fault filled in. */
json_t *json_text_load(const char *text, size_t len,
                       struct json_text_fault *fault);

/* Takes the whitespace between the tokens of a valid JSON text out, in
 * place: {"a" : [1, 2]} becomes {"a":[1,2]}, strings untouched. Returns the
 * new length. */
size_t json_text_compact(char *text, size_t len);

#endif
