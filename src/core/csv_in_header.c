/* The header of a CSV import (include/csv_in.h): names normalised and
 * matched against the import's fields and their aliases, repeated columns,
 * and what the answer says about the columns. */
#include "csv_in_internal.h"
#include "utf8.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- names --------------------------------------------------------------- */

/* Lower case, ё as е; 0 for anything that is no letter or digit. */
static unsigned fold(unsigned cp) {
  if (cp < 0x80)
    return isalnum((int)cp) ? (unsigned)tolower((int)cp) : 0;
  if (cp == 0x401 || cp == 0x451)
    return 0x435;
  if (cp >= 0x410 && cp <= 0x42f)
    return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40f)
    return cp + 0x50;
  if (cp >= 0x400 && cp <= 0x4ff)
    return cp;
  return 0;
}

struct out {
  char *s;
  size_t n, len;
  bool space; /* a word ended: a space before the next one */
};

static void out_cp(struct out *o, unsigned cp) {
  char b[4];
  size_t k;
  if (cp < 0x80)
    b[0] = (char)cp, k = 1;
  else if (cp < 0x800)
    b[0] = (char)(0xc0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3f)), k = 2;
  else
    b[0] = (char)(0xe0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
    b[2] = (char)(0x80 | (cp & 0x3f)), k = 3;
  size_t need = k + (o->space && o->len > 0);
  if (o->len + need >= o->n)
    return;
  if (o->space && o->len > 0)
    o->s[o->len++] = ' ';
  o->space = false;
  memcpy(o->s + o->len, b, k);
  o->len += k;
}

void csv_in_normalise(const char *s, char *out, size_t n) {
  struct out o = {out, n, 0, false};
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    size_t len;
    unsigned cp = utf8_decode(u, &len);
    u += len;
    unsigned f = fold(cp);
    if (cp == 0x2116) { /* № is a word of its own */
      o.space = true;
      out_cp(&o, cp);
      o.space = true;
    } else if (f) {
      out_cp(&o, f);
    } else {
      o.space = true;
    }
  }
  out[o.len] = '\0';
}

const char *csv_in_excerpt(const char *s, size_t max, char *out, size_t n) {
  size_t len = strlen(s);
  bool cut = len > max;
  if (cut) {
    len = max;
    /* not inside a character: back to its first byte */
    for (int k = 0; k < 3 && len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80;
         k++)
      len--;
  }
  if (len + 4 > n)
    len = n > 4 ? n - 4 : 0;
  memcpy(out, s, len);
  strcpy(out + len, cut ? "\xe2\x80\xa6" : "");
  utf8_make_valid(out);
  return out;
}

#define NAME_MAX_NORM 256

/* The normalised names of every field, once per header: "field id, NUL,
 * name, NUL" in a row, ended by an empty name. */
static char *names_normalised(const struct csv_in *r) {
  size_t size = 1, at = 0;
  for (size_t f = 0; f < r->h.n_fields; f++) {
    const struct csv_in_field *fd = &r->h.fields[f];
    size += 2 + 2 * strlen(fd->name) + 2;
    for (size_t a = 0; a < CSV_IN_MAX_ALIASES && fd->aliases[a]; a++)
      size += 2 + 2 * strlen(fd->aliases[a]) + 2;
  }
  char *all = malloc(size);
  if (all == NULL)
    return NULL;
  for (size_t f = 0; f < r->h.n_fields; f++) {
    const struct csv_in_field *fd = &r->h.fields[f];
    for (size_t a = 0; a <= CSV_IN_MAX_ALIASES; a++) {
      const char *name = a == 0 ? fd->name : fd->aliases[a - 1];
      if (name == NULL)
        break;
      all[at++] = (char)(f + 1);
      csv_in_normalise(name, all + at, size - at);
      at += strlen(all + at) + 1;
    }
  }
  all[at] = '\0';
  return all;
}

/* The field a normalised header names, or -1. */
static int field_named(const char *names, const char *norm) {
  for (const char *n = names; n && *n; n += 2 + strlen(n + 1))
    if (n[1] != '\0' && strcmp(n + 1, norm) == 0)
      return (unsigned char)n[0] - 1;
  return -1;
}

/* --- the header ---------------------------------------------------------- */

static void column_map(struct csv_in *r, const char *names,
                       struct csv_in_column *c) {
  char norm[NAME_MAX_NORM];
  csv_in_normalise(c->header, norm, sizeof norm);
  int f = field_named(names, norm);
  const char *name = f >= 0 ? r->h.fields[f].name : NULL;
  if (f < 0 && r->h.classify)
    f = r->h.classify(r->h.ctx, c->header, c->position, &name);
  if (f >= CSV_IN_MAX_COLUMNS || (f >= 0 && name == NULL))
    f = CSV_IN_IGNORED;
  if (f < 0) {
    c->field = f;
    return;
  }
  if (r->field_col[f] >= 0) {
    c->field = CSV_IN_REFUSED;
    c->repeats = (size_t)r->field_col[f] + 1;
    csv_in_problem(r, CSV_IN_HEADER, csv_in_row(r), c,
                   "the column repeats column %zu", c->repeats);
    return;
  }
  c->field = f;
  c->name = name;
  r->field_col[f] = (int)(c->position - 1);
}

void csv_in_header_read(struct csv_in *r) {
  r->names = malloc(r->len + 1);
  if (r->names == NULL) {
    csv_in_problem(r, CSV_IN_BODY, 0, NULL, "out of memory");
    return;
  }
  memcpy(r->names, r->buf, r->len);
  r->names[r->len] = '\0';
  r->n_cols = r->n_cells;
  for (size_t i = 0; i < r->n_cols; i++) {
    /* Surrounding spaces are no part of a name, even inside quotes. */
    char *name = r->names + r->cell_start[i];
    name += strspn(name, " \t");
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
      name[--n] = '\0';
    utf8_make_valid(name); /* names go into answers */
    r->col[i] = (struct csv_in_column){i + 1, name, CSV_IN_IGNORED, NULL, 0};
  }
  char *names = names_normalised(r);
  for (size_t i = 0; i < r->n_cols && !r->stopped; i++)
    column_map(r, names, &r->col[i]);
  free(names);
  if (!r->stopped && r->h.on_header)
    r->h.on_header(r->h.ctx, r);
}

size_t csv_in_n_columns(const struct csv_in *r) {
  return r->n_cols;
}

const struct csv_in_column *csv_in_column(const struct csv_in *r, size_t i) {
  return i < r->n_cols ? &r->col[i] : NULL;
}

const struct csv_in_column *csv_in_field_column(const struct csv_in *r,
                                                int field) {
  if (field < 0 || field >= CSV_IN_MAX_COLUMNS || r->field_col[field] < 0)
    return NULL;
  return &r->col[r->field_col[field]];
}

/* --- the answer ---------------------------------------------------------- */

json_t *csv_in_columns_json(const struct csv_in *r) {
  json_t *a = json_array();
  for (size_t i = 0; i < r->n_cols; i++) {
    const struct csv_in_column *c = &r->col[i];
    json_array_append_new(
        a, json_pack("{sI ss so}", "position", (json_int_t)c->position,
                     "header", c->header, "field",
                     c->name ? json_string(c->name) : json_null()));
  }
  return a;
}

json_t *csv_in_warnings_json(const struct csv_in *r) {
  json_t *a = json_array();
  for (size_t i = 0; i < r->n_cols; i++) {
    const struct csv_in_column *c = &r->col[i];
    if (c->field != CSV_IN_IGNORED)
      continue;
    json_array_append_new(
        a, json_pack("{ss ss sI ss}", "code", "unknown_column", "column",
                     c->header, "position", (json_int_t)c->position, "message",
                     c->header[0] ? "no field has this name: the column is "
                                    "ignored"
                                  : "the column has no name: it is ignored"));
  }
  return a;
}

/* --- Content-Type -------------------------------------------------------- */

static bool value_is(const char *v, size_t n, const char *want) {
  return strlen(want) == n && strncasecmp(v, want, n) == 0;
}

static bool blank(char c) {
  return c == ' ' || c == '\t' || c == '"';
}

bool csv_in_charset(const char *content_type, enum csv_in_encoding *out) {
  *out = CSV_IN_AUTO;
  const char *p = content_type ? strchr(content_type, ';') : NULL;
  while (p) {
    const char *param = p + 1;
    p = strchr(param, ';');
    const char *end = p ? p : param + strlen(param);
    const char *eq = memchr(param, '=', (size_t)(end - param));
    if (eq == NULL)
      continue;
    const char *name = param, *name_end = eq, *v = eq + 1;
    while (name < name_end && blank(*name))
      name++;
    while (name_end > name && blank(name_end[-1]))
      name_end--;
    while (v < end && blank(*v))
      v++;
    while (end > v && blank(end[-1]))
      end--;
    if (!value_is(name, (size_t)(name_end - name), "charset"))
      continue;
    size_t vn = (size_t)(end - v);
    if (value_is(v, vn, "windows-1251") || value_is(v, vn, "cp1251"))
      *out = CSV_IN_CP1251;
    else if (!value_is(v, vn, "utf-8") && !value_is(v, vn, "utf8"))
      return false;
  }
  return true;
}
