/* Where each good row of a push goes (push_rows.h,
 * docs/ASSESSMENTS.md "The push").
 *
 * For an instrument that already has rows, the push first reads every
 * stored participant with its school and the hash of its row's values
 * (src/push/push_stored.c). A stored participant sent again with the same hash
 * is unchanged: counted, and not sent to the database; sent twice, its
 * second row is a duplicate, found here. A stored participant with another
 * hash (or none known) is an update and waits in the suspect batch.
 * A push much smaller than the instrument (STORED_PER_MERGED_ROW) reads
 * none of this: every row of it goes through the suspect batches, which
 * compare it with its stored row in the database and write it with the
 * push's id, so that repeats are found there as for new participants.
 *
 * A Bloom filter remembers the push's participant codes new to the
 * instrument. A row whose code the filter has never seen cannot meet an
 * earlier row of the push: it goes straight into assessment_results through
 * one COPY that stays open as long as such rows come, and its school's
 * statistics are counted in memory. A row the filter may have seen (a
 * duplicate, or a false alarm) waits in the suspect batch too; a batch goes
 * into a temporary table, where the duplicates are taken out and the rest
 * upserted, and its schools are recomputed from their rows at the end.
 * A batch holds p->batch_rows rows (OPORA_PUSH_BATCH_ROWS) or 4 MB.
 *
 * No savepoints: inside a subtransaction PostgreSQL's COPY runs about 1.7
 * times slower, and nothing here needs one. */
#include "push_rows.h"

#include <stdlib.h>
#include <string.h>

#include "copy_binary.h"
#include "push_copy.h"
#include "request.h"

#define SEND_BYTES (256u << 10) /* under COPY_PIPE_SLOT_BYTES, less a row */
#define SUSPECT_BYTES (4u << 20)
/* The filter: 16 bits per expected code, 128 KB to 8 MB. */
#define FILTER_MIN_BITS (1ull << 20)
#define FILTER_MAX_BITS (1ull << 26)
#define FILTER_HASHES 4

/* --- the filter ----------------------------------------------------------- */

static void filter_size(struct seen_filter *f, long expected) {
  uint64_t want = (uint64_t)(expected > 0 ? expected : 0) * 16;
  uint64_t bits = FILTER_MIN_BITS;
  while (bits < want && bits < FILTER_MAX_BITS)
    bits <<= 1;
  f->n_bits = bits;
  f->bits = calloc(bits / 64, sizeof *f->bits);
  if (f->bits == NULL)
    abort();
}

/* Adds the code; true when it may have been there before. */
static bool filter_test_and_add(struct seen_filter *f, const char *code) {
  uint64_t h = push_code_hash(code);
  uint64_t h1 = h, h2 = (h >> 32) | (h << 32) | 1;
  bool maybe = true;
  for (int i = 0; i < FILTER_HASHES; i++) {
    uint64_t bit = (h1 + (uint64_t)i * h2) & (f->n_bits - 1);
    uint64_t mask = 1ull << (bit & 63);
    if (!(f->bits[bit >> 6] & mask)) {
      maybe = false;
      f->bits[bit >> 6] |= mask;
    }
  }
  return maybe;
}

/* The stored rows of the instrument, through a cursor, many at a time. */
static bool stored_load(struct push *p, long stored) {
  const struct db_arg args[] = {PUSH_INSTRUMENT_ARGS(p), DB_END};
  if (!push_run_ok(p, STMT_PUSH_STORED_OPEN, args, NULL))
    return false;
  stored_init(&p->stored, (size_t)stored, p->key_bits);
  for (;;) {
    PGresult *r = push_query(p, STMT_PUSH_STORED_FETCH, NULL);
    if (r == NULL)
      return false;
    int n = PQntuples(r), code = db_column(r, "participant_code"),
        hash = db_column(r, "row_hash");
    for (int i = 0; i < n; i++)
      stored_add(&p->stored, PQgetvalue(r, i, code),
                 PQgetisnull(r, i, hash) ? NULL : PQgetvalue(r, i, hash));
    PQclear(r);
    if (n == 0)
      break;
  }
  return push_run_ok(p, STMT_PUSH_STORED_CLOSE, NULL, NULL);
}

/* Reading a stored row costs about a twentieth of merging a pushed one;
 * past STORED_MAX_IN_MEMORY (20 bytes a row with the free slots: 24 MB of
 * map) the rows are looked up in the database whatever the push's size. */
#define STORED_PER_MERGED_ROW 20
#define STORED_MAX_IN_MEMORY 1200000L

bool push_rows_prepare(struct push *p, bool has_rows, long rows) {
  filter_size(&p->seen, rows);
  if (!has_rows)
    return true;
  const struct db_arg args[] = {{"assessment", p->assessment}, DB_END};
  PGresult *r = push_query(p, STMT_PUSH_STORED_COUNT, args);
  if (r == NULL)
    return false;
  long stored = strtol(db_get(r, 0, "stored"), NULL, 10);
  PQclear(r);
  p->stored_in_db =
      rows < stored / STORED_PER_MERGED_ROW || stored > STORED_MAX_IN_MEMORY;
  return p->stored_in_db || stored_load(p, stored);
}

/* --- COPY rows ------------------------------------------------------------ */

static void lines_reserve(struct lines *l, size_t more) {
  if (l->len + more <= l->cap)
    return;
  size_t cap = l->cap ? l->cap : 1u << 16;
  while (cap < l->len + more)
    cap *= 2;
  l->text = realloc(l->text, cap);
  if (l->text == NULL)
    abort();
  l->cap = cap;
}

static void put_char(struct lines *l, char c) {
  l->text[l->len++] = c;
}

/* A text, or NULL when empty. */
static char *put_text(char *at, const char *s) {
  size_t n = strlen(s);
  return n == 0 ? copy_bin_null(at) : copy_bin_bytes(at, s, n);
}

static char *put_int2_or_null(char *at, int v, bool given) {
  return given ? copy_bin_int2(at, v) : copy_bin_null(at);
}

/* The row in binary COPY, in the order of PUSH_RESULT_COLUMNS: the server
 * parses nothing (docs/PERFORMANCE.md, "The first push by binary COPY"). */
static void put_row(struct push *p, struct lines *l,
                    const struct result_row *row, int64_t school_id,
                    const uint8_t *hash) {
  lines_reserve(l, 2 + 14 * 12 + RESULTS_CODE_MAX + 2 * RESULTS_TEXT_MAX +
                       COPY_BIN_INT2_ARRAY_BYTES(p->ins.n_tasks) +
                       PUSH_ROW_HASH_BYTES);
  char *at = copy_bin_tuple(l->text + l->len, 14);
  at = copy_bin_int4(at, p->ins.year);
  at = copy_bin_int8(at, p->ins.id);
  at = copy_bin_bytes(at, row->participant_code, strlen(row->participant_code));
  at = copy_bin_int8(at, school_id);
  at = put_text(at, row->class_name);
  at = put_text(at, row->variant);
  at = copy_bin_int2_array(at, row->task_score, p->ins.n_tasks);
  at = copy_bin_int2(at, row->primary_score);
  at = put_int2_or_null(at, row->mark, row->mark > 0);
  at = put_int2_or_null(at, row->test_score, row->test_score >= 0);
  at = put_int2_or_null(at, row->journal_mark, row->journal_mark > 0);
  at = copy_bin_int8(at, p->import_id);
  at = copy_bin_int4(at, (int32_t)row->row_no);
  at = copy_bin_bytes(at, hash, PUSH_ROW_HASH_BYTES);
  l->len = (size_t)(at - l->text);
  l->rows++;
}

/* --- new rows: one open COPY ------------------------------------------------
 */

static bool fresh_send(struct push *p) {
  if (p->fresh.len == 0)
    return true;
  if (!p->copy_open) {
    /* Open as long as the upload: no statement timeout, lock waits only. */
    if (!push_timeout_set(p, "0") ||
        !push_copy_start_binary(p, STMT_PUSH_COPY_RESULTS))
      return false;
    p->pipe = copy_pipe_open(p->pg); /* NULL: this thread sends */
  }
  if (p->pipe != NULL ? !copy_pipe_write(p->pipe, p->fresh.text, p->fresh.len)
                      : !push_copy_send(p, p->fresh.text, p->fresh.len)) {
    if (p->pipe != NULL) {
      (void)copy_pipe_close(p->pipe);
      p->pipe = NULL;
      push_fail_db(p, NULL);
    }
    return false;
  }
  p->fresh_sent += p->fresh.rows;
  p->fresh.len = 0;
  p->fresh.rows = 0;
  return true;
}

/* Ends the open COPY: its rows are in (or the push fails). */
static bool fresh_close(struct push *p) {
  if (!fresh_send(p))
    return false;
  if (!p->copy_open)
    return true;
  bool sent = p->pipe == NULL || copy_pipe_close(p->pipe);
  p->pipe = NULL;
  PGresult *r = push_copy_end(p);
  if (!sent) {
    push_fail_db(p, r);
    PQclear(r);
    return false;
  }
  bool ok = r != NULL && db_result_ok(r);
  if (!ok)
    push_fail_db(p, r); /* a unique violation here would be a bug */
  PQclear(r);
  if (ok)
    p->inserted += p->fresh_sent;
  p->fresh_sent = 0;
  return ok && push_timeout_set(p, p->timeout_ms);
}

/* --- rows that may meet others: batches through a temporary table -----------
 */

static bool duplicates_out(struct push *p, long *left) {
  const struct db_arg args[] = {
      PUSH_INSTRUMENT_ARGS(p), {"import", p->import}, DB_END};
  PGresult *r = push_query(p, STMT_PUSH_STAGING_DUPLICATES, args);
  if (r == NULL)
    return false;
  *left = p->suspect.rows - PQntuples(r);
  int row = db_column(r, "import_row"), code = db_column(r, "participant_code"),
      first = db_column(r, "first_row");
  for (int i = 0; i < PQntuples(r); i++) {
    char message[200];
    snprintf(message, sizeof message,
             "participant %s is already in row %s of this push",
             PQgetvalue(r, i, code), PQgetvalue(r, i, first));
    push_problem(p, strtol(PQgetvalue(r, i, row), NULL, 10), "participant_code",
                 RESULTS_PROBLEM_DUPLICATE, message);
  }
  PQclear(r);
  return true;
}

/* The rows of the batch that are new or differ from the stored ones,
 * into the statistics: the stored row out, the new one in. */
static bool changes_count(struct push *p, const PGresult *r, long *existing) {
  struct stats_columns now = stats_columns_find(r, ""),
                       old = stats_columns_find(r, "old_");
  *existing = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    bool stored = !PQgetisnull(r, i, old.school);
    if ((stored && !stats_apply_result(&p->stats, -1, r, i, &old)) ||
        !stats_apply_result(&p->stats, 1, r, i, &now))
      return false; /* a row not of the instrument's shape: a bug */
    *existing += stored;
  }
  return true;
}

/* The batch against the stored rows, then into them. */
static bool upsert(struct push *p, long rows) {
  const struct db_arg args[] = {PUSH_INSTRUMENT_ARGS(p), DB_END};
  PGresult *r = push_run(p, STMT_PUSH_STAGING_CHANGES, args, NULL);
  long existing = 0;
  if (!db_result_ok(r) || !changes_count(p, r, &existing)) {
    push_fail_db(p, r);
    PQclear(r);
    return false;
  }
  long changed = PQntuples(r);
  PQclear(r);
  if (!push_run_ok(p, STMT_PUSH_STAGING_UPSERT, NULL, NULL))
    return false;
  p->inserted += changed - existing;
  p->updated += existing;
  p->unchanged += rows - changed;
  return true;
}

static bool suspect_merge(struct push *p) {
  if (p->suspect.rows == 0)
    return true;
  /* New rows first: a suspect may repeat one of them. */
  if (!fresh_close(p) ||
      !push_run_ok(p, STMT_PUSH_STAGING_CREATE, NULL, NULL) ||
      !push_run_ok(p, STMT_PUSH_STAGING_CLEAR, NULL, NULL) ||
      !push_copy_start_binary(p, STMT_PUSH_COPY_STAGING) ||
      !push_copy_send(p, p->suspect.text, p->suspect.len))
    return false;
  PGresult *r = push_copy_end(p);
  bool ok = r != NULL && db_result_ok(r);
  if (!ok)
    push_fail_db(p, r);
  PQclear(r);
  long rows = 0;
  ok = ok && push_run_ok(p, STMT_PUSH_STAGING_ANALYZE, NULL, NULL) &&
       duplicates_out(p, &rows) && upsert(p, rows);
  p->suspect.len = 0;
  p->suspect.rows = 0;
  return ok;
}

/* The deleted rows' schools are recomputed from their rows. */
static bool deleted_count(struct push *p, PGresult *r) {
  bool ok = db_result_ok(r);
  if (!ok) {
    push_fail_db(p, r);
  } else {
    p->deleted += PQntuples(r);
    for (int i = 0; i < PQntuples(r); i++)
      stats_school(&p->stats, strtoll(PQgetvalue(r, i, 0), NULL, 10))->dirty =
          true;
  }
  PQclear(r);
  return ok;
}

/* The codes of the rows of `ids` that this push neither wrote nor counted
 * unchanged, as a text[] parameter (codes hold no quote nor backslash, but
 * are escaped all the same); NULL after answering. */
static char *left_out_codes(struct push *p, const char *ids, long *count) {
  const struct db_arg args[] = {
      PUSH_INSTRUMENT_ARGS(p), {"schools", ids}, {"import", p->import}, DB_END};
  PGresult *r = push_query(p, STMT_PUSH_REPLACE_LEFT_ROWS, args);
  if (r == NULL)
    return NULL;
  int code_at = db_column(r, "participant_code"),
      hash_at = db_column(r, "row_hash");
  struct lines l = {0};
  lines_reserve(&l, 2);
  put_char(&l, '{');
  *count = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    const char *code = PQgetvalue(r, i, code_at);
    if (!PQgetisnull(r, i, hash_at) &&
        stored_was_unchanged(&p->stored, code, PQgetvalue(r, i, hash_at)))
      continue;
    lines_reserve(&l, 2 * strlen(code) + 4);
    if (*count > 0)
      put_char(&l, ',');
    put_char(&l, '"');
    for (; *code; code++) {
      if (*code == '"' || *code == '\\')
        put_char(&l, '\\');
      put_char(&l, *code);
    }
    put_char(&l, '"');
    (*count)++;
  }
  PQclear(r);
  lines_reserve(&l, 2);
  put_char(&l, '}');
  put_char(&l, '\0');
  return l.text;
}

/* The push's schools that hold rows it neither wrote nor counted unchanged
 * (their number against the rows counted unchanged, school by school): a
 * re-push of whole schools has none. NULL after answering. */
static char *schools_left_out(struct push *p, size_t *n) {
  char *ids = db_id_array(p->replaced, p->n_replaced);
  const struct db_arg args[] = {
      PUSH_INSTRUMENT_ARGS(p), {"schools", ids}, {"import", p->import}, DB_END};
  PGresult *r = push_query(p, STMT_PUSH_REPLACE_LEFT_COUNT, args);
  free(ids);
  if (r == NULL)
    return NULL;
  int64_t *left = calloc((size_t)PQntuples(r) + 1, sizeof *left);
  if (left == NULL)
    abort();
  *n = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    int64_t school = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    if (strtoll(PQgetvalue(r, i, 1), NULL, 10) !=
        stats_school(&p->stats, school)->unchanged_unsent)
      left[(*n)++] = school;
  }
  PQclear(r);
  char *out = db_id_array(left, *n);
  free(left);
  return out;
}

/* ?replace=school, once every row is in: the stored rows of the push's
 * schools that it did not send again. Not per batch: a school's rows may
 * span batches, and a row deleted for one batch and sent again by the next
 * would be counted twice. A row it sent to the database carries its id; a
 * row counted unchanged is known by its hash in memory. */
static bool replace_schools(struct push *p) {
  if (!p->opt.replace_school || p->n_replaced == 0)
    return true;
  if (p->stored_in_db) {
    char *ids = db_id_array(p->replaced, p->n_replaced);
    const struct db_arg args[] = {PUSH_INSTRUMENT_ARGS(p),
                                  {"schools", ids},
                                  {"import", p->import},
                                  DB_END};
    PGresult *r = push_run(p, STMT_PUSH_REPLACE_UNSENT, args, NULL);
    free(ids);
    return deleted_count(p, r);
  }
  if (p->stored.n == 0)
    return true; /* every row of the instrument is this push's */
  size_t n_left = 0;
  char *ids = schools_left_out(p, &n_left);
  if (ids == NULL || n_left == 0) {
    free(ids);
    return ids != NULL;
  }
  long count = 0;
  char *codes = left_out_codes(p, ids, &count);
  free(ids);
  if (codes == NULL || count == 0) {
    free(codes);
    return codes != NULL;
  }
  const struct db_arg args[] = {
      PUSH_INSTRUMENT_ARGS(p), {"codes", codes}, DB_END};
  PGresult *r = push_run(p, STMT_PUSH_REPLACE_SCHOOLS, args, NULL);
  free(codes);
  return deleted_count(p, r);
}

/* --- one row ------------------------------------------------------------- */

static void replaced_add(struct push *p, int64_t school_id) {
  if (p->n_replaced == p->cap_replaced) {
    p->cap_replaced = p->cap_replaced ? 2 * p->cap_replaced : 64;
    p->replaced = realloc(p->replaced, p->cap_replaced * sizeof *p->replaced);
    if (p->replaced == NULL)
      abort();
  }
  p->replaced[p->n_replaced++] = school_id;
}

static void repeat_report(struct push *p, const struct result_row *row,
                          long first_row) {
  char message[200];
  snprintf(message, sizeof message,
           "participant %s is already in row %ld of this push",
           row->participant_code, first_row);
  push_problem(p, row->row_no, "participant_code", RESULTS_PROBLEM_DUPLICATE,
               message);
}

/* STORED_ASK: the participant's stored row, from the database (the open
 * COPY ended first: its rows are in). False after answering. */
static bool stored_ask(struct push *p, const char *code, enum stored_verdict *v,
                       long *first_row) {
  if (!fresh_close(p))
    return false;
  const struct db_arg args[] = {
      PUSH_INSTRUMENT_ARGS(p), {"code", code}, {"import", p->import}, DB_END};
  PGresult *r = push_query(p, STMT_PUSH_STORED_ONE, args);
  if (r == NULL)
    return false;
  /* Written by this push: the database finds the repeat itself. */
  bool stored = PQntuples(r) == 1 && strcmp(db_get(r, 0, "written"), "f") == 0;
  int hash = db_column(r, "row_hash");
  *v = stored_resolve(
      &p->stored, code, stored,
      stored && !PQgetisnull(r, 0, hash) ? PQgetvalue(r, 0, hash) : NULL,
      first_row);
  PQclear(r);
  return true;
}

bool push_rows_add(struct push *p, const struct result_row *row,
                   int64_t school_id) {
  struct school_stats *s = stats_school(&p->stats, school_id);
  if (!s->seen && p->opt.replace_school)
    replaced_add(p, school_id); /* what it leaves out: replace_schools */
  s->seen = true;
  uint8_t hash[PUSH_ROW_HASH_BYTES];
  push_row_hash(&p->ins, row, school_id, hash);
  long first_row = 0;
  enum stored_verdict v = stored_meet(&p->stored, row->participant_code, hash,
                                      row->row_no, &first_row);
  if (v == STORED_ASK && !stored_ask(p, row->participant_code, &v, &first_row))
    return false;
  if (v == STORED_SAME) {
    p->unchanged++;
    s->unchanged_unsent++; /* its stored school: the hash covers it */
    return true;
  }
  if (v == STORED_REPEAT) {
    repeat_report(p, row, first_row);
    return true;
  }
  bool maybe_seen = v == STORED_TO_DB || p->stored_in_db ||
                    filter_test_and_add(&p->seen, row->participant_code);
  if (!maybe_seen) {
    put_row(p, &p->fresh, row, school_id, hash);
    stats_add(&p->ins, s, row->task_score, row->primary_score, row->mark,
              row->test_score, row->journal_mark);
    return p->fresh.len < SEND_BYTES || fresh_send(p);
  }
  put_row(p, &p->suspect, row, school_id, hash); /* counted by upsert */
  if (p->suspect.rows < p->batch_rows && p->suspect.len < SUSPECT_BYTES)
    return true;
  return suspect_merge(p);
}

bool push_rows_flush(struct push *p) {
  return suspect_merge(p) && fresh_close(p) && replace_schools(p);
}

void push_rows_free(struct push *p) {
  if (p->pipe != NULL)
    (void)copy_pipe_close(p->pipe);
  p->pipe = NULL;
  free(p->fresh.text);
  free(p->suspect.text);
  free(p->seen.bits);
  stored_free(&p->stored);
  free(p->replaced);
}
