/* The cursor of the schedule parser (src/text/schedule.c): a position in the
 * tokens of one text, and the helpers that eat them. An eat_ function
 * eats all it names or nothing, and says whether it did. */
#ifndef OPORA_SCHEDULE_CURSOR_H
#define OPORA_SCHEDULE_CURSOR_H

#include "schedule_tokens.h"
#include "schedule_words.h"

#include <jansson.h>

/* A cursor over tokens [0, n) of `t`, cut from `text`. */
struct cur {
  const struct token *t;
  int n, i;
  const char *text;
  int year; /* the default year, 0 when there is none */
};

/* The token k after the cursor, NULL past the end. */
const struct token *cur_peek(const struct cur *c, int k);
int cur_at_end(const struct cur *c);
int cur_is_punct(const struct token *t, char p);
int cur_eat_punct(struct cur *c, char p);
int cur_eat_word(struct cur *c, const char *w);
/* Separators between the parts of a schedule: , ; : and dashes. */
void cur_eat_seps(struct cur *c);
/* A phrase of space-separated words (a one-character part such as "-" is
 * punctuation). */
int cur_eat_phrase(struct cur *c, const char *phrase);
/* The first phrase of `table` found at the cursor, eaten; NULL if none. */
const struct schedule_phrase *cur_eat_table(struct cur *c,
                                            const struct schedule_phrase *t);
/* The month (1..12) the token k after the cursor names, or 0. */
int cur_month_at(const struct cur *c, int k);
/* A year number (1900..2100). */
int cur_eat_year(struct cur *c, int *year);
/* The ending of an ordinal number after its digits: «-й», «-го», «е». */
int cur_eat_suffix(struct cur *c);
/* The text of tokens [from, to) with runs of spaces made one space, or a
 * JSON null when there are none. */
json_t *cur_slice(const struct cur *c, int from, int to);

#endif
