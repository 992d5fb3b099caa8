/* Fixtures shared by the push tests (test_push*.c): a growable text, a
 * region with its schools, the ВПР Математика 5 класс instrument, Ф1 rows
 * and the push request itself. Built into api_harness. */
#ifndef OPORA_TEST_PUSH_FIXTURES_H
#define OPORA_TEST_PUSH_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

/* The Ф1 header of a ВПР Математика 5 класс instrument_new. */
#define F1_HEADER                                                                                                              \
  "ОО;Муниципалитет;Название ОО;Код участника;Класс;Вариант;1 (1б);2 (1б);" \
  "3 (2б);4.1 (1б);4.2 (2б);Первичный балл;Отметка;Отметка по журналу\r\n"

/* The instrument's basic-level tasks (places and scores possible), read
 * from its tasks: one row, b. */
#define BASIC_TASKS_SQL                                                        \
  "SELECT coalesce(array_agg(x.ord), '{}') AS ords,"                           \
  " coalesce(sum((x.e->>'max_score')::int), 0) AS basic_max"                   \
  " FROM assessments a, jsonb_array_elements(a.tasks) WITH ORDINALITY x(e, "   \
  "ord)"                                                                       \
  " WHERE a.id = %lld AND x.e->>'level' = 'basic'"

/* A growable text; its s is the caller's to free. */
struct text {
  char *s;
  size_t len, cap;
};

/* Appends to t as printf would. */
void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define PLACE_SCHOOLS_MAX 3

/* A region of its own (Орловская область), one municipality (Ливенский
 * район) and its schools, so that scopes can be tested. */
struct place {
  long long region, municipality;
  long long school[PLACE_SCHOOLS_MAX];
  char code[PLACE_SCHOOLS_MAX][32];
};

/* A place with `schools` (1 .. PLACE_SCHOOLS_MAX) schools named `name`. */
struct place place_new_named(int schools, const char *name);
/* The same, the schools named МБОУ «Казанская СОШ». */
struct place place_new(int schools);

/* ВПР Математика 5 класс of `year`: five tasks (1, 2, 3, 4.1, 4.2) of 7
 * points; mark 3 from 2, 4 from 4, 5 from 6. Its subject code is
 * `code_prefix`_n, n counting from 1; held on `year`-04-15 if `held_on`.
 * The body, in J's buffer. */
const char *instrument_json(const char *code_prefix, int year, bool held_on);
/* Creates that instrument; its id. */
long long instrument_new(const char *code_prefix, int year, bool held_on);

/* The instrument's mark for a primary score. */
int mark_for(int primary);

/* One consistent Ф1 row; journal 0 leaves the journal mark empty. */
void f1_row_full(struct text *t, const char *school, const char *participant,
                 const char *class_name, const char *variant, const int s[5],
                 int journal);
/* The same in class 5А, variant 1. */
void f1_row(struct text *t, const char *school, const char *participant,
            const int s[5], int journal);

/* POST /assessments/{id}/results`query` with this body and type, and an
 * Idempotency-Key if `key` is not NULL. */
struct http_reply *push(long long id, const char *query,
                        const char *content_type, const char *body, size_t len,
                        const char *key);
/* The same for a string body and no key. */
struct http_reply *push_str(long long id, const char *query,
                            const char *content_type, const char *body);
/* t as text/csv; charset=utf-8, no key. */
struct http_reply *push_csv(long long id, const char *query,
                            const struct text *t);

/* The rows the instrument holds. */
long long rows_of(long long id);

/* A token of the ingest role over the place's region. */
const char *ingest_token(const struct place *p);

#endif
