/* The tokenizer of the schedule parser (src/text/schedule_tokens.h). */
#include "schedule_tokens.h"
#include "schedule_words.h"

#include <string.h>

/* Decodes one code point at s (n > 0 bytes left): its length, 0 if invalid. */
int schedule_utf8_next(const unsigned char *s, size_t n, unsigned *cp) {
  int len;
  unsigned min;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if ((s[0] & 0xE0) == 0xC0) {
    len = 2, *cp = s[0] & 0x1Fu, min = 0x80;
  } else if ((s[0] & 0xF0) == 0xE0) {
    len = 3, *cp = s[0] & 0x0Fu, min = 0x800;
  } else if ((s[0] & 0xF8) == 0xF0) {
    len = 4, *cp = s[0] & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if ((size_t)len > n)
    return 0;
  for (int k = 1; k < len; k++) {
    if ((s[k] & 0xC0) != 0x80)
      return 0;
    *cp = (*cp << 6) | (s[k] & 0x3Fu);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
    return 0;
  return len;
}

int schedule_is_space(unsigned cp) {
  return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 ||
         (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x3000 ||
         cp == 0xFEFF;
}

static int is_letter(unsigned cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
         (cp >= 0x400 && cp <= 0x4FF);
}

/* The punctuation a code point stands for (dashes are '-', quotes '"'), or
 * 0. */
static char punct_of(unsigned cp) {
  if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
    return '-';
  if (cp == '"' || cp == 0xAB || cp == 0xBB || (cp >= 0x201C && cp <= 0x201E))
    return '"';
  if (cp < 0x80 && strchr("-,./();:", (int)cp) && cp != 0)
    return (char)cp;
  return 0;
}

static unsigned lower(unsigned cp) {
  if (cp >= 'A' && cp <= 'Z')
    return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F)
    return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F)
    cp += 0x50;
  return cp == 0x451 ? 0x435 : cp; /* ё -> е */
}

/* Appends a letter (below U+0800) to a word; 0 when it does not fit. */
static int append_letter(char *word, size_t *len, unsigned cp) {
  if (*len + 3 > WORD_MAX)
    return 0;
  if (cp < 0x80) {
    word[(*len)++] = (char)cp;
  } else {
    word[(*len)++] = (char)(0xC0 | (cp >> 6));
    word[(*len)++] = (char)(0x80 | (cp & 0x3F));
  }
  word[*len] = '\0';
  return 1;
}

/* Cuts `text` into at most `max` tokens: their number, or -1 when the text
 * is not UTF-8 or has too many tokens. */
int schedule_tokenize(const char *text, struct token *toks, int max) {
  const unsigned char *s = (const unsigned char *)text;
  size_t len = strlen(text), i = 0;
  int n = 0;
  while (i < len) {
    unsigned cp;
    int l = schedule_utf8_next(s + i, len - i, &cp);
    if (l == 0)
      return -1;
    if (schedule_is_space(cp)) {
      i += (size_t)l;
      continue;
    }
    if (n == max)
      return -1;
    struct token *t = &toks[n++];
    memset(t, 0, sizeof *t);
    t->start = i;
    if (cp >= '0' && cp <= '9') {
      t->type = T_NUM;
      for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, t->ndig++)
        if (t->ndig < 9)
          t->num = t->num * 10 + (s[i] - '0');
    } else if (is_letter(cp)) {
      size_t wl = 0;
      int fits = 1;
      t->type = T_WORD;
      while (i < len && (l = schedule_utf8_next(s + i, len - i, &cp)) > 0 &&
             is_letter(cp)) {
        fits = fits && append_letter(t->word, &wl, lower(cp));
        i += (size_t)l;
      }
      if (l == 0)
        return -1;
      if (!fits)
        t->word[0] = '\0';
    } else {
      t->punct = punct_of(cp);
      t->type = t->punct ? T_PUNCT : T_SYM;
      i += (size_t)l;
    }
    t->end = i;
  }
  return n;
}

int schedule_is_year_num(const struct token *t) {
  return t->type == T_NUM && t->ndig == 4 && t->num >= MIN_YEAR &&
         t->num <= MAX_YEAR;
}

static int is_quote(const struct token *t) {
  return t->type == T_PUNCT && t->punct == '"';
}

/* Drops dots (but those of «15.03.2021»), «г.», «года»... after a year, the
 * quotes of «"15" сентября», and trailing commas, semicolons and colons.
 * Returns the new number. */
int schedule_normalize(struct token *t, int n) {
  int out = 0, after_year = 0;
  for (int k = 0; k < n; k++) {
    if (is_quote(&t[k]) && k + 2 < n && t[k + 1].type == T_NUM &&
        is_quote(&t[k + 2])) {
      t[out++] = t[k + 1];
      after_year = schedule_is_year_num(&t[k + 1]);
      k += 2;
      continue;
    }
    if (t[k].type == T_PUNCT && t[k].punct == '.') {
      int in_date = out > 0 && t[out - 1].type == T_NUM && k + 1 < n &&
                    t[k + 1].type == T_NUM && t[out - 1].end == t[k].start &&
                    t[k].end == t[k + 1].start;
      if (!in_date)
        continue;
    } else if (t[k].type == T_WORD && after_year &&
               schedule_year_word(t[k].word)) {
      continue;
    }
    t[out] = t[k];
    after_year = schedule_is_year_num(&t[out]);
    out++;
  }
  while (out > 0 && t[out - 1].type == T_PUNCT &&
         strchr(",;:", t[out - 1].punct))
    out--;
  return out;
}
