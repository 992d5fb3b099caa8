/* The rows an instrument holds when a push begins (include/push_stored.h). */
#include "push_stored.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

uint64_t push_code_hash(const char *code); /* src/push_rows.c */

/* --- the row hash ----------------------------------------------------------
 */

struct enc {
  uint8_t buf[64 + 4 * RESULTS_MAX_TASKS + 2 * (RESULTS_CODE_MAX + 8) +
              4 * (RESULTS_TEXT_MAX + 8)];
  size_t len;
};

static void enc_u32(struct enc *e, uint32_t v) {
  for (int i = 0; i < 4; i++)
    e->buf[e->len++] = (uint8_t)(v >> (8 * i));
}

static void enc_i64(struct enc *e, int64_t v) {
  uint64_t u = (uint64_t)v;
  for (int i = 0; i < 8; i++)
    e->buf[e->len++] = (uint8_t)(u >> (8 * i));
}

/* Stored as NULL when empty (src/push_rows.c put_text). */
static void enc_text(struct enc *e, const char *s) {
  size_t n = strlen(s);
  e->buf[e->len++] = n > 0;
  if (n == 0)
    return;
  enc_u32(e, (uint32_t)n);
  memcpy(e->buf + e->len, s, n);
  e->len += n;
}

static void enc_int_or_null(struct enc *e, int v, bool given) {
  e->buf[e->len++] = given;
  if (given)
    enc_u32(e, (uint32_t)v);
}

void push_row_hash(const struct instrument *ins, const struct result_row *row,
                   int64_t school_id, uint8_t out[PUSH_ROW_HASH_BYTES]) {
  struct enc e = {.len = 0};
  e.buf[e.len++] = 1; /* the encoding's version */
  enc_text(&e, row->participant_code);
  enc_i64(&e, school_id);
  enc_text(&e, row->class_name);
  enc_text(&e, row->variant);
  enc_u32(&e, (uint32_t)ins->n_tasks);
  for (size_t i = 0; i < ins->n_tasks; i++)
    enc_u32(&e, (uint32_t)row->task_score[i]);
  enc_u32(&e, (uint32_t)row->primary_score);
  /* NULL as src/push_rows.c put_row stores it. */
  enc_int_or_null(&e, row->mark, row->mark > 0);
  enc_int_or_null(&e, row->test_score, row->test_score >= 0);
  enc_int_or_null(&e, row->journal_mark, row->journal_mark > 0);
  crypto_generichash(out, PUSH_ROW_HASH_BYTES, e.buf, e.len, NULL, 0);
}

/* --- the map ---------------------------------------------------------------
 */

static void *xrealloc(void *p, size_t size) {
  p = realloc(p, size);
  if (p == NULL)
    abort();
  return p;
}

const char *stored_code(const struct stored_map *m,
                        const struct stored_row *r) {
  return m->arena + r->code_at;
}

static size_t slot_of(const struct stored_map *m, const char *code) {
  return (size_t)push_code_hash(code) & (m->n_slots - 1);
}

static void place(struct stored_map *m, size_t index) {
  size_t s = slot_of(m, stored_code(m, &m->rows[index]));
  while (m->slots[s] != 0)
    s = (s + 1) & (m->n_slots - 1);
  m->slots[s] = (uint32_t)(index + 1);
}

static void grow(struct stored_map *m) {
  size_t n_slots = m->n_slots ? 2 * m->n_slots : 1024;
  free(m->slots);
  m->slots = calloc(n_slots, sizeof *m->slots);
  if (m->slots == NULL)
    abort();
  m->n_slots = n_slots;
  for (size_t i = 0; i < m->n; i++)
    place(m, i);
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* "\x" and 32 hex digits, else not known. */
static bool hash_parse(const char *hex, uint8_t out[PUSH_ROW_HASH_BYTES]) {
  if (hex == NULL || hex[0] != '\\' || hex[1] != 'x' ||
      strlen(hex) != 2 + 2 * PUSH_ROW_HASH_BYTES)
    return false;
  for (size_t i = 0; i < PUSH_ROW_HASH_BYTES; i++) {
    int hi = hex_digit(hex[2 + 2 * i]), lo = hex_digit(hex[3 + 2 * i]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  return true;
}

void stored_add(struct stored_map *m, const char *code, int64_t school_id,
                const char *hash_hex) {
  size_t len = strlen(code) + 1;
  if (m->arena_len + len > m->arena_cap) {
    m->arena_cap = m->arena_cap ? 2 * m->arena_cap : 1u << 16;
    while (m->arena_len + len > m->arena_cap)
      m->arena_cap *= 2;
    m->arena = xrealloc(m->arena, m->arena_cap);
  }
  if (m->n == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 1024;
    m->rows = xrealloc(m->rows, m->cap * sizeof *m->rows);
  }
  struct stored_row *r = &m->rows[m->n];
  memset(r, 0, sizeof *r);
  r->code_at = (uint32_t)m->arena_len;
  memcpy(m->arena + m->arena_len, code, len);
  m->arena_len += len;
  r->school_id = school_id;
  if (hash_parse(hash_hex, r->hash))
    r->flags = STORED_HASHED;
  m->n++;
  if (2 * m->n > m->n_slots)
    grow(m);
  else
    place(m, m->n - 1);
}

struct stored_row *stored_find(const struct stored_map *m, const char *code) {
  if (m->n == 0)
    return NULL;
  for (size_t s = slot_of(m, code); m->slots[s] != 0;
       s = (s + 1) & (m->n_slots - 1)) {
    struct stored_row *r = &m->rows[m->slots[s] - 1];
    if (strcmp(stored_code(m, r), code) == 0)
      return r;
  }
  return NULL;
}

void stored_free(struct stored_map *m) {
  free(m->rows);
  free(m->slots);
  free(m->arena);
  memset(m, 0, sizeof *m);
}
