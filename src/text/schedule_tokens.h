/* The tokenizer of the schedule parser (src/text/schedule.c): lower-cased
 * words, numbers and punctuation of a UTF-8 text. */
#ifndef OPORA_SCHEDULE_TOKENS_H
#define OPORA_SCHEDULE_TOKENS_H

#include <stddef.h>

enum { WORD_MAX = 40, MIN_YEAR = 1900, MAX_YEAR = 2100 };

enum ttype { T_WORD, T_NUM, T_PUNCT, T_SYM };

struct token {
  enum ttype type;
  char word[WORD_MAX]; /* T_WORD: lower case, «ё» as «е»; "" when too long */
  long num;            /* T_NUM: the value of the first 9 digits */
  int ndig;            /* T_NUM: the number of digits */
  char punct;          /* T_PUNCT: - , . / ( ) ; : " (dashes '-', quotes '"') */
  size_t start, end; /* bytes of the text */
};

/* Decodes one code point at s (n > 0 bytes left): its length, 0 if invalid. */
int schedule_utf8_next(const unsigned char *s, size_t n, unsigned *cp);
/* Spaces, tabs, line breaks, U+00A0 and the other Unicode spaces. */
int schedule_is_space(unsigned cp);
/* Whether a token is a year number (1900..2100, four digits). */
int schedule_is_year_num(const struct token *t);
/* Cuts `text` into at most `max` tokens: their number, or -1 when the text
 * is not UTF-8 or has too many tokens. */
int schedule_tokenize(const char *text, struct token *toks, int max);
/* Drops dots (but those of «15.03.2021»), «г.», «года»... after a year, the
 * quotes of «"15" сентября», and trailing commas, semicolons and colons.
 * Returns the new number. */
int schedule_normalize(struct token *t, int n);

#endif
