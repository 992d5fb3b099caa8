/* The rows an instrument holds when a push begins, as the push needs them
 * (src/push/push_stored.c, migrations/0025_result_hashes.sql): 16 bytes a
 * participant, not the code itself. A slot holds 32 bits of the code's
 * hash (the key) and the first 64 bits of the row's hash; the row hash
 * covers the code, so a slot whose key and row hash both match is that
 * participant, unchanged. A key that matches without the row hash is
 * ambiguous (the participant changed, or another code with the same key):
 * the row is left to the database, which compares by code, and every slot
 * it might be is marked so. */
#ifndef OPORA_PUSH_STORED_H
#define OPORA_PUSH_STORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results_parse.h"

#define PUSH_ROW_HASH_BYTES 16

struct stored_slot {
  uint64_t row;  /* the row hash's first 8 bytes */
  uint32_t key;  /* the code's hash, high bits (masked) */
  uint32_t info; /* 0: empty; else STORED_* flags | first_row << 4 */
};

enum {
  STORED_USED = 1,
  STORED_HASHED = 2,    /* the row hash is known (NULL: compared there) */
  STORED_UNCHANGED = 4, /* counted unchanged at first_row, not sent */
  STORED_IN_DB = 8,     /* left to the database (rows sent carry the id) */
};
#define STORED_ROW_SHIFT 4
#define STORED_ROW_MAX ((1L << 28) - 1)

struct stored_map {
  struct stored_slot *slots;
  size_t n, n_slots; /* n_slots at least 5/4 of n */
  uint32_t key_mask; /* fewer bits: tests force ambiguous keys */
};

/* What a pushed row meets. */
enum stored_verdict {
  STORED_NONE,   /* no stored participant has its key: new, certainly */
  STORED_SAME,   /* its stored row, unchanged: counted, not sent */
  STORED_REPEAT, /* the participant already came, at *first_row */
  STORED_TO_DB,  /* changed, or ambiguous: the database decides */
  STORED_ASK,    /* ambiguous beside a row counted unchanged: the
                    caller looks the code up (stored_resolve) */
};

/* The hash of the row as the push stores it: every stored value, each
 * tagged (NULL apart from any value) and texts length-prefixed (no value
 * can shift into the next column). */
void push_row_hash(const struct instrument *ins, const struct result_row *row,
                   int64_t school_id, uint8_t out[PUSH_ROW_HASH_BYTES]);

/* An empty map for about `expected` rows, keys of key_bits (1..32). */
void stored_init(struct stored_map *m, size_t expected, unsigned key_bits);
/* Adds a stored row; hash_hex is the bytea as PostgreSQL prints it
 * ("\x..."), or NULL. */
void stored_add(struct stored_map *m, const char *code, const char *hash_hex);
/* A pushed row (code, its hash, its row number) meets the map. */
enum stored_verdict stored_meet(struct stored_map *m, const char *code,
                                const uint8_t *hash, long row_no,
                                long *first_row);
/* After STORED_ASK: the code's stored row as the database has it, when it
 * has one not written by this push (hash_hex as for stored_add; NULL when
 * not known). STORED_REPEAT or STORED_TO_DB. */
enum stored_verdict stored_resolve(struct stored_map *m, const char *code,
                                   bool stored, const char *hash_hex,
                                   long *first_row);
/* True when the stored row (code, hash_hex) was counted unchanged. */
bool stored_was_unchanged(const struct stored_map *m, const char *code,
                          const char *hash_hex);
void stored_free(struct stored_map *m);

/* A well-mixed 64-bit hash of a code (school or participant): the map's
 * keys, the push's table of school codes and its filter of new codes. */
uint64_t push_code_hash(const char *code);

#endif
