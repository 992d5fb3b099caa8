/* Word tables of the schedule parser (src/text/schedule_words.h). */
#include "schedule_words.h"

#include <stddef.h>
#include <string.h>

static const char *const soft[] = {"ь", "я", "е", "ю", "ем", NULL};
static const char *const hard[] = {"", "а", "е", "у", "ом", NULL};
static const char *const may[] = {"й", "я", "е", "ю", "ем", NULL};

/* Month names: a stem and its case endings. */
static const struct {
  const char *stem;
  const char *const *endings;
  int month;
} stems[] = {
    {"январ", soft, 1},   {"феврал", soft, 2}, {"март", hard, 3},
    {"апрел", soft, 4},   {"ма", may, 5},      {"июн", soft, 6},
    {"июл", soft, 7},     {"август", hard, 8}, {"сентябр", soft, 9},
    {"октябр", soft, 10}, {"ноябр", soft, 11}, {"декабр", soft, 12},
};

/* Abbreviations (the dot after them is dropped by the tokenizer). */
static const struct {
  const char *word;
  int month;
} abbreviations[] = {
    {"янв", 1},  {"фев", 2},  {"февр", 2},  {"мар", 3},  {"апр", 4},
    {"июн", 6},  {"июл", 7},  {"авг", 8},   {"сен", 9},  {"сент", 9},
    {"окт", 10}, {"ноя", 11}, {"нояб", 11}, {"дек", 12},
};

int schedule_month(const char *word) {
  size_t len = strlen(word);
  for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++) {
    size_t sl = strlen(stems[i].stem);
    if (len < sl || memcmp(word, stems[i].stem, sl) != 0)
      continue;
    for (const char *const *e = stems[i].endings; *e; e++)
      if (strcmp(word + sl, *e) == 0)
        return stems[i].month;
  }
  for (size_t i = 0; i < sizeof abbreviations / sizeof abbreviations[0]; i++)
    if (strcmp(word, abbreviations[i].word) == 0)
      return abbreviations[i].month;
  return 0;
}

static int in_list(const char *word, const char *const *list) {
  for (; *list; list++)
    if (strcmp(word, *list) == 0)
      return 1;
  return 0;
}

/* Endings of ordinal adjectives: «первый», «первого», «первое»... */
static const char *const adjective[] = {"ый",  "ой",  "ая", "ое", "ую",
                                        "ого", "ому", "ым", "ом", "ые",
                                        "ых",  "ыми", NULL};
static const char *const third[] = {"ий",  "ья",  "ье",  "ью", "ьего", "ьему",
                                    "ьим", "ьем", "ьей", "ьи", "ьих",  NULL};

static const struct {
  const char *stem;
  const char *const *endings;
  int value;
} ordinals[] = {
    {"перв", adjective, 1},
    {"втор", adjective, 2},
    {"трет", third, 3},
    {"четверт", adjective, 4}, /* not «четверть»: no such ending */
};

static int has_ending(const char *word, const char *stem,
                      const char *const *endings) {
  size_t sl = strlen(stem);
  if (strncmp(word, stem, sl) != 0)
    return 0;
  for (; *endings; endings++)
    if (strcmp(word + sl, *endings) == 0)
      return 1;
  return 0;
}

/* I..IV in Latin letters, or with the Cyrillic «і» (U+0456). */
static int roman(const char *word) {
  static const char *const numerals[] = {"i", "ii", "iii", "iv"};
  char latin[8];
  size_t n = 0;
  for (const char *p = word; *p; n++) {
    if (n + 1 == sizeof latin)
      return 0;
    if (strncmp(p, "\xd1\x96", 2) == 0) {
      latin[n] = 'i';
      p += 2;
    } else {
      latin[n] = *p++;
    }
  }
  latin[n] = '\0';
  for (int k = 0; k < 4; k++)
    if (strcmp(latin, numerals[k]) == 0)
      return k + 1;
  return 0;
}

int schedule_ordinal(const char *word) {
  for (size_t i = 0; i < sizeof ordinals / sizeof ordinals[0]; i++)
    if (has_ending(word, ordinals[i].stem, ordinals[i].endings))
      return ordinals[i].value;
  return roman(word);
}

int schedule_ordinal_suffix(const char *word) {
  static const char *const words[] = {
      "й",  "ый",  "ий",  "ой", "е",   "ое",  "ее", "я",  "ая",
      "го", "ого", "его", "му", "ому", "ему", "м",  "ом", "ем",
      "ым", "им",  "х",   "ых", "их",  "ые",  "ю",  "ую", NULL};
  return in_list(word, words);
}

int schedule_unit(const char *word) {
  static const char *const quarter[] = {"",   "а",  "е",  "у",   "ом", "ы",
                                        "ов", "ах", "ам", "ами", NULL};
  static const char *const half[] = {"е", "я",  "и",  "ю",   "ем",
                                     "й", "ям", "ях", "ями", NULL};
  static const char *const halves[] = {"а", "ы", "е", "у", "ой", "ою", NULL};
  if (has_ending(word, "квартал", quarter) || strcmp(word, "кв") == 0)
    return 'q';
  if (has_ending(word, "полугоди", half) ||
      has_ending(word, "полугодь", half) || has_ending(word, "половин", halves))
    return 'h';
  return 0;
}

int schedule_year_word(const char *word) {
  static const char *const words[] = {"г",     "гг",    "года",  "год",
                                      "году",  "годы",  "годов", "годах",
                                      "годам", "годом", NULL};
  return in_list(word, words);
}

int schedule_school_word(const char *word) {
  static const char *const words[] = {"учебного", "учебный", "учебном",
                                      "учебному", "уч",      NULL};
  return in_list(word, words);
}

const struct schedule_phrase schedule_events[] = {
    {"по мере готовности", "ready"},
    {"по мере необходимости", "need"},
    {"по мере реализации программы", "progress"},
    {"по мере поступления", "arrival"},
    {"по необходимости", "need"},
    {"при необходимости", "need"},
    {"по окончании периода", "period_end"},
    {"по окончании четверти", "period_end"},
    {"по итогам периода", "period_end"},
    {"по итогам четверти", "period_end"},
    {"по возможности", "possible"},
    {"по запросу", "request"},
    {"по запросам", "request"},
    {"по требованию", "request"},
    {NULL, NULL},
};

const struct schedule_phrase schedule_plans[] = {
    {"по плану - графику", NULL},
    {"по отдельному графику", NULL},
    {"по отдельному плану", NULL},
    {"по утвержденному графику", NULL},
    {"по утвержденному плану", NULL},
    {"по графику", NULL},
    {"по плану", NULL},
    {"согласно графику", NULL},
    {"согласно плану", NULL},
    {"в соответствии с графиком", NULL},
    {"в соответствии с планом", NULL},
    {NULL, NULL},
};

const struct schedule_phrase schedule_permanent[] = {
    {"постоянно", NULL},
    {"систематически", NULL},
    {"на постоянной основе", NULL},
    {"в течение всего периода", NULL},
    {"в течение всего года", NULL},
    {"в течение всего срока", NULL},
    {"в течение периода", NULL},
    {"в течение года", NULL},
    {"весь период", NULL},
    {NULL, NULL},
};

const struct schedule_phrase schedule_every[] = {
    {"ежедневно", "day"},
    {"еженедельно", "week"},
    {"ежемесячно", "month"},
    {"ежеквартально", "quarter"},
    {"ежеполугодно", "half_year"},
    {"ежегодно", "year"},
    {"каждый день", "day"},
    {"каждую неделю", "week"},
    {"каждой недели", "week"},
    {"каждый месяц", "month"},
    {"каждого месяца", "month"},
    {"каждый квартал", "quarter"},
    {"каждого квартала", "quarter"},
    {"каждое полугодие", "half_year"},
    {"каждого полугодия", "half_year"},
    {"каждый учебный год", "year"},
    {"каждого учебного года", "year"},
    {"каждый год", "year"},
    {"каждого года", "year"},
    {NULL, NULL},
};

const struct schedule_phrase schedule_until[] = {
    {"в срок не позднее", NULL},
    {"в срок до", NULL},
    {"не позднее", NULL},
    {"не позже", NULL},
    {"до", NULL},
    {"к", NULL},
    {NULL, NULL},
};

const struct schedule_phrase schedule_end[] = {
    {"конца", NULL},     {"концу", NULL},      {"окончания", NULL},
    {"окончанию", NULL}, {"завершения", NULL}, {NULL, NULL},
};

const struct schedule_phrase schedule_start[] = {
    {"начала", NULL},
    {"началу", NULL},
    {NULL, NULL},
};

const struct schedule_phrase schedule_at_end[] = {
    {"в конце", NULL},
    {"на конец", NULL},
    {"конец", NULL},
    {NULL, NULL},
};

const struct schedule_phrase schedule_within[] = {
    {"в течение всего", NULL},
    {"в течение", NULL},
    {"на протяжении", NULL},
    {"в период", NULL},
    {"на период", NULL},
    {"во", NULL},
    {"в", NULL},
    {"на", NULL},
    {NULL, NULL},
};

const struct schedule_phrase schedule_reported[] = {
    {"за отчетным периодом", NULL},
    {"за отчетным месяцем", NULL},
    {"за отчетным кварталом", NULL},
    {"за отчетным полугодием", NULL},
    {"за отчетным годом", NULL},
    {"за отчетным", NULL},
    {"за истекшим периодом", NULL},
    {"за истекшим месяцем", NULL},
    {"за истекшим кварталом", NULL},
    {"за истекшим полугодием", NULL},
    {"за истекшим годом", NULL},
    {"за истекшим", NULL},
    {NULL, NULL},
};

const struct schedule_phrase schedule_per[] = {
    {"день", "day"},          {"неделю", "week"},
    {"месяц", "month"},       {"квартал", "quarter"},
    {"четверть", "quarter"},  {"полугодие", "half_year"},
    {"полгода", "half_year"}, {"учебный год", "year"},
    {"год", "year"},          {NULL, NULL},
};
