/* The push under concurrent change (docs/RELIABILITY.md): instruments of a
 * new year created at the same moment, a school deleted while a push runs,
 * a push held by a lock past its statement timeout, and ?replace=school
 * counts when a school's rows span batches. The server runs with a short
 * push statement timeout and batches of a few rows. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* --- a growable text ---------------------------------------------------- */

struct text {
  char *s;
  size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...) {
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

/* ВПР Математика 5 класс of `year`: five tasks of 7 points. */
static const char *instrument_json(int year) {
  static int n;
  return J(
      "{\"kind\": \"VPR\", \"year\": %d, \"grade\": 5,"
      " \"subject_code\": \"math_race_%d\", \"subject_name\": "
      "\"Математика\", \"held_on\": \"%d-04-15\","
      " \"max_primary_score\": 7, \"mark3_from\": 2, \"mark4_from\": 4,"
      " \"mark5_from\": 6, \"tasks\": ["
      "{\"number\": \"1\", \"max_score\": 1, \"level\": \"basic\"},"
      " {\"number\": \"2\", \"max_score\": 1, \"level\": \"basic\"},"
      " {\"number\": \"3\", \"max_score\": 2, \"level\": \"basic\"},"
      " {\"number\": \"4.1\", \"max_score\": 1, \"level\": \"advanced\"},"
      " {\"number\": \"4.2\", \"max_score\": 2, \"level\": \"advanced\"}]}",
      year, ++n, year);
}

/* "HTTP/1.1 201 ..." -> 201. */
static int raw_status(const char *reply) {
  return strncmp(reply, "HTTP/1.1 ", 9) == 0 ? atoi(reply + 9) : 0;
}

/* --- the partition of a new year ------------------------------------------ */

#define PARALLEL 8

/* Instruments of a year with no partition yet, created at once: all 201,
 * and one partition. Several years, so that the race is met. */
static void test_new_year_created_at_once(void **state) {
  (void)state;
  for (int year = 2041; year < 2047; year++) {
    int fds[PARALLEL];
    for (int i = 0; i < PARALLEL; i++) {
      const char *body = instrument_json(year);
      struct text req = {0};
      add(&req,
          "POST /api/v1/assessments HTTP/1.1\r\nHost: x\r\n"
          "Content-Type: application/json\r\nContent-Length: %zu\r\n"
          "Connection: close\r\n\r\n%s",
          strlen(body), body);
      fds[i] = raw_send(req.s, req.len);
      free(req.s);
      assert_true(fds[i] >= 0);
    }
    for (int i = 0; i < PARALLEL; i++) {
      size_t len;
      char *reply = raw_read(fds[i], &len);
      if (raw_status(reply) != 201)
        fail_msg("year %d, request %d: %.300s", year, i, reply);
      free(reply);
    }
    assert_int_equal(db_count("SELECT count(*) FROM assessments"
                              " WHERE year = %d",
                              year),
                     PARALLEL);
    assert_int_equal(db_count("SELECT count(*) FROM pg_inherits i"
                              " JOIN pg_class c ON c.oid = i.inhrelid"
                              " WHERE i.inhparent = 'assessment_results'"
                              "::regclass AND c.relname = "
                              "'assessment_results_y%d'",
                              year),
                     1);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_year_created_at_once),
  };
  harness_start("push_race");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
