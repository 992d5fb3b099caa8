/* Word tables of the schedule parser (src/schedule.c): month names in every
 * case form, recurring phrases, events and plan keywords. Words are lower
 * case, «ё» written «е»; a phrase is words separated by one space, where a
 * one-character part ("-") is punctuation. */
#ifndef OPORA_SCHEDULE_WORDS_H
#define OPORA_SCHEDULE_WORDS_H

struct schedule_phrase {
  const char *words;
  const char *value;
};

/* The month (1..12) a word names («январь», «января», «янв»...), or 0. */
int schedule_month(const char *word);
/* Whether a word is «г», «гг», «года», «году»... (after a year number). */
int schedule_year_word(const char *word);
/* Whether a word is «учебного», «учебный»... (of a school year). */
int schedule_school_word(const char *word);

/* Tables end with {NULL, NULL}; longer phrases come before their prefixes. */
extern const struct schedule_phrase schedule_events[]; /* value: event */
extern const struct schedule_phrase schedule_plans[]; /* «по графику» */
extern const struct schedule_phrase schedule_permanent[]; /* «постоянно» */
extern const struct schedule_phrase schedule_every[]; /* value: every */
extern const struct schedule_phrase schedule_per[]; /* after «раз в»: every */

#endif
