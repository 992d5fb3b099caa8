/* Word tables of the schedule parser (src/text/schedule.c): month names in
 * every case form, recurring phrases, events and plan keywords. Words are lower
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

/* 1..4 for an ordinal word in any case form («первое», «второго»,
 * «третьем», «четвертый») or a Roman numeral («i».. «iv»), else 0. */
int schedule_ordinal(const char *word);
/* Whether a word ends an ordinal written in digits («й», «го», «е»...). */
int schedule_ordinal_suffix(const char *word);
/* 'q' for a quarter («квартал», «кварталы», «кв»), 'h' for a half-year
 * («полугодие», «полугодии», «половина»), else 0. */
int schedule_unit(const char *word);

/* Tables end with {NULL, NULL}; longer phrases come before their prefixes. */
extern const struct schedule_phrase schedule_events[]; /* value: event */
extern const struct schedule_phrase schedule_plans[]; /* «по графику» */
extern const struct schedule_phrase schedule_permanent[]; /* «постоянно» */
extern const struct schedule_phrase schedule_every[]; /* value: every */
extern const struct schedule_phrase schedule_per[]; /* after «раз в»: every */
extern const struct schedule_phrase schedule_until[];  /* «до», «к» */
extern const struct schedule_phrase schedule_end[];    /* «конца» */
extern const struct schedule_phrase schedule_start[];  /* «начала» */
extern const struct schedule_phrase schedule_at_end[]; /* «в конце» */
extern const struct schedule_phrase schedule_within[]; /* «в течение» */
extern const struct schedule_phrase schedule_reported[]; /* «за отчетным» */

#endif
