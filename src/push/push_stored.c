/* The rows an instrument holds when a push begins (src/push/push_stored.h). */
#include "push_stored.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

uint64_t push_code_hash(const char *code) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a finaliser */
  for (; *code; code++)
    h = (h ^ (unsigned char)*code) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

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

/* Stored as NULL when empty (src/push/push_rows.c put_text). */
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
  /* NULL as src/push/push_rows.c put_row stores it. */
  enc_int_or_null(&e, row->mark, row->mark > 0);
  enc_int_or_null(&e, row->test_score, row->test_score >= 0);
  enc_int_or_null(&e, row->journal_mark, row->journal_mark > 0);
  crypto_generichash(out, PUSH_ROW_HASH_BYTES, e.buf, e.len, NULL, 0);
}

/* --- the map ---------------------------------------------------------------
 */

/* At most this many slots in five are taken (linear probing). */
#define STORED_LOAD_NUM 4
#define STORED_LOAD_DEN 5

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n, size);
  if (p == NULL)
    abort();
  return p;
}

static uint32_t key_of(const struct stored_map *m, const char *code) {
  return (uint32_t)(push_code_hash(code) >> 32) & m->key_mask;
}

/* The first 8 bytes of a row hash, as one number. */
static uint64_t row_of(const uint8_t *hash) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)hash[i] << (8 * i);
  return v;
}

/* The key's first slot: its top bits scaled to the table (any size). */
static size_t home(const struct stored_map *m, uint32_t key) {
  return (size_t)(((uint64_t)key * m->n_slots) >> 32);
}

static size_t next(const struct stored_map *m, size_t s) {
  return s + 1 == m->n_slots ? 0 : s + 1;
}

static void place(struct stored_map *m, struct stored_slot slot) {
  size_t s = home(m, slot.key);
  while (m->slots[s].info != 0)
    s = next(m, s);
  m->slots[s] = slot;
}

static void resize(struct stored_map *m, size_t n_slots) {
  struct stored_slot *old = m->slots;
  size_t old_n = m->n_slots;
  m->slots = xcalloc(n_slots, sizeof *m->slots);
  m->n_slots = n_slots;
  for (size_t i = 0; i < old_n; i++)
    if (old[i].info != 0)
      place(m, old[i]);
  free(old);
}

void stored_init(struct stored_map *m, size_t expected, unsigned key_bits) {
  memset(m, 0, sizeof *m);
  if (key_bits == 0 || key_bits > 32)
    key_bits = 32;
  m->key_mask = (uint32_t)(0xffffffffu << (32 - key_bits));
  resize(m, expected / STORED_LOAD_NUM * STORED_LOAD_DEN + 64);
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

void stored_add(struct stored_map *m, const char *code, const char *hash_hex) {
  if ((m->n + 1) * STORED_LOAD_DEN > m->n_slots * STORED_LOAD_NUM)
    resize(m, 2 * m->n_slots);
  uint8_t hash[PUSH_ROW_HASH_BYTES];
  struct stored_slot slot = {.key = key_of(m, code), .info = STORED_USED};
  if (hash_parse(hash_hex, hash)) {
    slot.row = row_of(hash);
    slot.info |= STORED_HASHED;
  }
  place(m, slot);
  m->n++;
}

/* The slot of the key holding this row hash (the participant itself). */
static struct stored_slot *slot_of_row(const struct stored_map *m, uint32_t key,
                                       uint64_t row) {
  for (size_t s = home(m, key); m->slots[s].info != 0; s = next(m, s)) {
    struct stored_slot *t = &m->slots[s];
    if (t->key == key && (t->info & STORED_HASHED) && t->row == row)
      return t;
  }
  return NULL;
}

/* Every slot of the key not counted unchanged is left to the database. */
static enum stored_verdict to_db(struct stored_map *m, uint32_t key) {
  for (size_t s = home(m, key); m->slots[s].info != 0; s = next(m, s))
    if (m->slots[s].key == key && !(m->slots[s].info & STORED_UNCHANGED))
      m->slots[s].info |= STORED_IN_DB;
  return STORED_TO_DB;
}

static long first_row_of(const struct stored_slot *t) {
  return (long)(t->info >> STORED_ROW_SHIFT);
}

enum stored_verdict stored_meet(struct stored_map *m, const char *code,
                                const uint8_t *hash, long row_no,
                                long *first_row) {
  if (m->n == 0)
    return STORED_NONE;
  uint32_t key = key_of(m, code);
  struct stored_slot *same = slot_of_row(m, key, row_of(hash));
  if (same != NULL) {
    /* The row hash covers the code: this participant, unchanged. */
    if (same->info & STORED_UNCHANGED) {
      *first_row = first_row_of(same);
      return STORED_REPEAT;
    }
    if ((same->info & STORED_IN_DB) || row_no < 1 || row_no > STORED_ROW_MAX)
      return to_db(m, key);
    same->info |= STORED_UNCHANGED | (uint32_t)row_no << STORED_ROW_SHIFT;
    return STORED_SAME;
  }
  bool any = false, counted = false;
  for (size_t s = home(m, key); m->slots[s].info != 0; s = next(m, s))
    if (m->slots[s].key == key) {
      any = true;
      counted = counted || (m->slots[s].info & STORED_UNCHANGED);
    }
  if (!any)
    return STORED_NONE;
  /* A changed repeat of a participant counted unchanged would pass the
   * database's check (that row was never sent): the caller asks. */
  return counted ? STORED_ASK : to_db(m, key);
}

enum stored_verdict stored_resolve(struct stored_map *m, const char *code,
                                   bool stored, const char *hash_hex,
                                   long *first_row) {
  uint32_t key = key_of(m, code);
  uint8_t hash[PUSH_ROW_HASH_BYTES];
  if (stored && hash_parse(hash_hex, hash)) {
    struct stored_slot *t = slot_of_row(m, key, row_of(hash));
    if (t != NULL && (t->info & STORED_UNCHANGED)) {
      *first_row = first_row_of(t);
      return STORED_REPEAT;
    }
  }
  return to_db(m, key);
}

bool stored_was_unchanged(const struct stored_map *m, const char *code,
                          const char *hash_hex) {
  uint8_t hash[PUSH_ROW_HASH_BYTES];
  if (m->n == 0 || !hash_parse(hash_hex, hash))
    return false;
  const struct stored_slot *t = slot_of_row(m, key_of(m, code), row_of(hash));
  return t != NULL && (t->info & STORED_UNCHANGED);
}

void stored_free(struct stored_map *m) {
  free(m->slots);
  memset(m, 0, sizeof *m);
}
