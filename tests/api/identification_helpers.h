/* What the identification tests share: a run POSTed as an admin, one
 * school's explanation in a run, and its decision checked. Each test is
 * its own program; these are static inline so a test that uses some of
 * them only builds cleanly. */
#ifndef OPORA_TEST_IDENTIFICATION_HELPERS_H
#define OPORA_TEST_IDENTIFICATION_HELPERS_H

#include <string.h>

#include "harness.h"

/* POSTs a run of `kind` for 2025 in `region` with `parameters` (NULL for
 * the defaults) as `admin`; returns its id. */
static inline long long ident_run(const char *admin, const char *kind,
                                  long long region, const char *parameters) {
  use_token(admin);
  struct http_reply *r =
      http_post("/api/v1/identification-runs",
                J("{'kind':'%s','year':2025,'region_id':%lld%s%s}", kind,
                  region, parameters != NULL ? ",'parameters':" : "",
                  parameters != NULL ? parameters : ""));
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  http_reply_free(r);
  return id;
}

/* School `school`'s decision and evidence in run `id` (the caller's). */
static inline json_t *ident_school(long long id, long long school) {
  struct http_reply *r =
      http_get("/api/v1/identification-runs/%lld/schools/%lld", id, school);
  assert_status(r, 200);
  json_t *doc = json_incref(r->json);
  http_reply_free(r);
  return doc;
}

/* Fails, naming the line and the school's code, unless the school's
 * decision in run `id` is `decision`. */
static inline void ident_expect(long long id, long long school,
                                const char *decision, int line) {
  json_t *doc = ident_school(id, school);
  const char *got = jstr(doc, "decision");
  if (got == NULL || strcmp(got, decision) != 0) {
    const char *code = jstr(json_object_get(doc, "school"), "code");
    fail_msg("line %d: school %s: %s, not %s", line, code ? code : "?",
             got ? got : "(none)", decision);
  }
  json_decref(doc);
}

#endif
