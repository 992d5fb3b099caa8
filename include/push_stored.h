/* The rows an instrument holds when a push begins, as the push needs them:
 * each participant's school and the hash of the row's values
 * (src/push_stored.c, migrations/0025_result_hashes.sql). */
#ifndef OPORA_PUSH_STORED_H
#define OPORA_PUSH_STORED_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results_parse.h"

#define PUSH_ROW_HASH_BYTES 16

enum {
  STORED_HASHED = 1, /* hash known (NULL in the database: compare there) */
  STORED_SENT = 2,   /* this push has sent the participant */
};

struct stored_row {
  uint8_t hash[PUSH_ROW_HASH_BYTES];
  int64_t school_id;
  uint32_t code_at;  /* in the arena */
  int32_t first_row; /* the push's row that sent it */
  uint8_t flags;
};

struct stored_map {
  struct stored_row *rows;
  size_t n, cap;
  uint32_t *slots; /* open addressing: row index + 1; n_slots a power of 2 */
  size_t n_slots;
  char *arena;
  size_t arena_len, arena_cap;
};

/* The hash of the row as the push stores it: every stored value, each
 * tagged (NULL apart from any value) and texts length-prefixed (no value
 * can shift into the next column). */
void push_row_hash(const struct instrument *ins, const struct result_row *row,
                   int64_t school_id, uint8_t out[PUSH_ROW_HASH_BYTES]);

/* Adds a stored row; hash_hex is the bytea as PostgreSQL prints it
 * ("\x..."), or NULL. */
void stored_add(struct stored_map *m, const char *code, int64_t school_id,
                const char *hash_hex);
struct stored_row *stored_find(const struct stored_map *m, const char *code);
const char *stored_code(const struct stored_map *m, const struct stored_row *r);
void stored_free(struct stored_map *m);

#endif
