/* The cursor of the schedule parser (src/text/schedule_cursor.h). */
#include "schedule_cursor.h"

#include <stdlib.h>
#include <string.h>

const struct token *cur_peek(const struct cur *c, int k) {
  return c->i + k < c->n ? &c->t[c->i + k] : NULL;
}

int cur_at_end(const struct cur *c) {
  return c->i >= c->n;
}

int cur_is_punct(const struct token *t, char p) {
  return t && t->type == T_PUNCT && t->punct == p;
}

int cur_eat_punct(struct cur *c, char p) {
  if (!cur_is_punct(cur_peek(c, 0), p))
    return 0;
  c->i++;
  return 1;
}

int cur_eat_word(struct cur *c, const char *w) {
  const struct token *t = cur_peek(c, 0);
  if (!t || t->type != T_WORD || strcmp(t->word, w) != 0)
    return 0;
  c->i++;
  return 1;
}

void cur_eat_seps(struct cur *c) {
  const struct token *t;
  while ((t = cur_peek(c, 0)) && t->type == T_PUNCT && strchr(",;:-", t->punct))
    c->i++;
}

int cur_eat_phrase(struct cur *c, const char *phrase) {
  int i = c->i;
  const char *p = phrase;
  while (*p) {
    size_t l = strcspn(p, " ");
    const struct token *t = i < c->n ? &c->t[i] : NULL;
    if (!t)
      return 0;
    if (l == 1 && strchr("-,/()", *p)) {
      if (!cur_is_punct(t, *p))
        return 0;
    } else if (t->type != T_WORD || strlen(t->word) != l ||
               memcmp(t->word, p, l) != 0) {
      return 0;
    }
    i++;
    p += l;
    while (*p == ' ')
      p++;
  }
  c->i = i;
  return 1;
}

const struct schedule_phrase *cur_eat_table(struct cur *c,
                                            const struct schedule_phrase *t) {
  for (; t->words; t++)
    if (cur_eat_phrase(c, t->words))
      return t;
  return NULL;
}

int cur_month_at(const struct cur *c, int k) {
  const struct token *t = cur_peek(c, k);
  return t && t->type == T_WORD ? schedule_month(t->word) : 0;
}

int cur_eat_year(struct cur *c, int *year) {
  const struct token *t = cur_peek(c, 0);
  if (!t || !schedule_is_year_num(t))
    return 0;
  *year = (int)t->num;
  c->i++;
  return 1;
}

int cur_eat_suffix(struct cur *c) {
  const struct token *a = cur_peek(c, 0), *b = cur_peek(c, 1);
  int dash = cur_is_punct(a, '-');
  const struct token *w = dash ? b : a;
  if (!w || w->type != T_WORD || !schedule_ordinal_suffix(w->word))
    return 0;
  c->i += dash ? 2 : 1;
  return 1;
}

json_t *cur_slice(const struct cur *c, int from, int to) {
  if (from >= to || c->t[from].start > c->t[to - 1].end)
    return json_null(); /* none, or tokens put in another order */
  size_t a = c->t[from].start, b = c->t[to - 1].end, n = 0;
  char *buf = malloc(b - a + 1);
  if (!buf)
    return NULL;
  const unsigned char *s = (const unsigned char *)c->text;
  for (size_t i = a; i < b;) {
    unsigned cp;
    int l = schedule_utf8_next(s + i, b - i, &cp);
    if (l == 0)
      break; /* never: the tokenizer checked it */
    if (schedule_is_space(cp)) {
      if (n > 0 && buf[n - 1] != ' ')
        buf[n++] = ' ';
    } else {
      memcpy(buf + n, s + i, (size_t)l);
      n += (size_t)l;
    }
    i += (size_t)l;
  }
  json_t *v = json_stringn(buf, n);
  free(buf);
  return v;
}
