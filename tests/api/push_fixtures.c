/* Fixtures shared by the push tests: see push_fixtures.h. */
#include "push_fixtures.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void text_add(struct text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (t->len + (size_t)n + 1 > t->cap) {
    t->cap = (t->len + (size_t)n + 1) * 2;
    t->s = realloc(t->s, t->cap);
    assert_non_null(t->s);
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
}

struct place place_new_named(int schools, const char *name) {
  assert_in_range(schools, 1, PLACE_SCHOOLS_MAX);
  struct place p = {0};
  p.region = create_region(uniq("r"), "Орловская область");
  p.municipality = create_municipality(p.region, uniq("m"), "Ливенский район");
  for (int i = 0; i < schools; i++) {
    snprintf(p.code[i], sizeof p.code[i], "%s", uniq("edu57"));
    p.school[i] = create_school(p.municipality, p.code[i], name);
  }
  return p;
}

struct place place_new(int schools) {
  return place_new_named(schools, "МБОУ «Казанская СОШ»");
}

const char *instrument_json(const char *code_prefix, int year, bool held_on) {
  static int n;
  char held[48] = "";
  if (held_on)
    snprintf(held, sizeof held, " \"held_on\": \"%d-04-15\",", year);
  return J(
      "{\"kind\": \"VPR\", \"year\": %d, \"grade\": 5,"
      " \"subject_code\": \"%s_%d\", \"subject_name\": \"Математика\",%s"
      " \"max_primary_score\": 7, \"mark3_from\": 2, \"mark4_from\": 4,"
      " \"mark5_from\": 6, \"tasks\": ["
      "{\"number\": \"1\", \"max_score\": 1, \"level\": \"basic\"},"
      " {\"number\": \"2\", \"max_score\": 1, \"level\": \"basic\"},"
      " {\"number\": \"3\", \"max_score\": 2, \"level\": \"basic\"},"
      " {\"number\": \"4.1\", \"max_score\": 1, \"level\": \"advanced\"},"
      " {\"number\": \"4.2\", \"max_score\": 2, \"level\": \"advanced\"}]}",
      year, code_prefix, ++n, held);
}

long long instrument_new(const char *code_prefix, int year, bool held_on) {
  return api_create("/api/v1/assessments",
                    instrument_json(code_prefix, year, held_on));
}

int mark_for(int primary) {
  return primary < 2 ? 2 : primary < 4 ? 3 : primary < 6 ? 4 : 5;
}

void f1_row_full(struct text *t, const char *school, const char *participant,
                 const char *class_name, const char *variant, const int s[5],
                 int journal) {
  int primary = s[0] + s[1] + s[2] + s[3] + s[4];
  text_add(
      t,
      "%s;Ливенский район;МБОУ «Казанская СОШ»;%s;%s;%s;%d;%d;%d;%d;%d;%d;%d;",
      school, participant, class_name, variant, s[0], s[1], s[2], s[3], s[4],
      primary, mark_for(primary));
  if (journal > 0)
    text_add(t, "%d", journal);
  text_add(t, "\r\n");
}

void f1_row(struct text *t, const char *school, const char *participant,
            const int s[5], int journal) {
  f1_row_full(t, school, participant, "5А", "1", s, journal);
}

struct http_reply *push(long long id, const char *query,
                        const char *content_type, const char *body, size_t len,
                        const char *key) {
  char ct[128], k[300];
  snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
  snprintf(k, sizeof k, "Idempotency-Key: %s", key ? key : "");
  const char *h[] = {ct, key ? k : NULL, NULL};
  return http_request_n(
      "POST", J("/api/v1/assessments/%lld/results%s", id, query ? query : ""),
      body, len, h);
}

struct http_reply *push_str(long long id, const char *query,
                            const char *content_type, const char *body) {
  return push(id, query, content_type, body, strlen(body), NULL);
}

struct http_reply *push_csv(long long id, const char *query,
                            const struct text *t) {
  return push(id, query, "text/csv; charset=utf-8", t->s, t->len, NULL);
}

long long rows_of(long long id) {
  return db_count("SELECT count(*) FROM assessment_results"
                  " WHERE assessment_id = %lld",
                  id);
}

const char *ingest_token(const struct place *p) {
  return make_token("ingest", "region", p->region);
}
