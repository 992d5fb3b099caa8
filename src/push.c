/* A bulk push of assessment results (include/push.h, docs/ASSESSMENTS.md).
 *
 * Rows go to PostgreSQL in batches, each COPYed as it is parsed:
 *   fast path: COPY straight into assessment_results under a savepoint.
 *     The first push of an instrument takes it for every batch.
 *   slow path: when a batch meets stored rows (a unique violation), it is
 *     sent again into a temporary table, its duplicates are taken out and
 *     the rest upserted; the schools it touched are recomputed at the end.
 * The batch's COPY text is kept until the batch is done, for the resend,
 * so memory stays within a batch whatever the size of the body. */
#include "push.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "db.h"
#include "log.h"
#include "push_stats.h"
#include "request.h"

#define BATCH_ROWS 50000
#define BATCH_BYTES (4u << 20)
#define SEND_BYTES (256u << 10)

struct school_code {
  char *code;
  int64_t id;
};

struct push {
  struct request *rq; /* the request the push answers (outlives the push) */
  struct instrument ins;
  struct push_options opt;
  char key[256];
  PGconn *pg;
  int64_t import_id;
  char year[16], assessment[24], import[24];
  uint64_t started_ns;
  crypto_hash_sha256_state sha;

  /* Idempotency-Key seen before: the body is only hashed, then the first
   * answer is replayed (same body) or refused (another body). */
  bool replay;
  char replay_sha[65];
  int replay_status;
  char *replay_answer;

  struct results_parser *parser;
  bool body_fatal; /* the body cannot be read on (its header, its syntax) */
  bool db_failed;  /* answered: the rest is dropped */

  struct school_code *codes; /* open addressing, n_codes a power of two */
  size_t n_codes;
  struct stats_table stats;

  /* The batch being written. */
  char *buf;
  size_t len, cap, sent;
  long batch_rows;
  bool copy_open, fast, batch_fast;
  int fallbacks;
  int64_t *batch_schools; /* schools first seen in this batch (replace) */
  size_t n_batch_schools, cap_batch_schools;

  long received, inserted, updated, unchanged, deleted, rejected;
  long last_bad_row;

  FILE *problems; /* every problem, as COPY text */
  long problems_count;
  json_t *shown; /* the first PUSH_PROBLEMS_SHOWN */
};

/* --- small helpers ------------------------------------------------------- */

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n);
  if (p == NULL)
    abort();
  return p;
}

static bool result_ok(const PGresult *r) {
  ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Logs a database failure and answers 503 or 500; the push is over. */
static void fail_db(struct push *p, struct request *rq, const PGresult *r) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  bool lost = PQstatus(p->pg) != CONNECTION_OK ||
              (state != NULL && strncmp(state, "08", 2) == 0);
  log_msg(LOG_ERROR, "request %s: push failed: %s %s", rq->id,
          state ? state : "-", PQerrorMessage(p->pg));
  p->db_failed = true;
  if (rq->status != 0)
    return;
  if (lost) {
    reply_problem(rq, ERR_DATABASE_UNAVAILABLE,
                  "the database cannot be reached; nothing was written, push "
                  "again shortly");
    reply_header(rq, "Retry-After", "5");
  } else {
    reply_problem(rq, ERR_INTERNAL, "nothing was written");
  }
}

static PGresult *run(struct push *p, enum stmt_id id, int n,
                     const char *const *params) {
  return PQexecParams(p->pg, db_stmt_sql(id), n, NULL, params, NULL, NULL, 0);
}

/* A statement whose result is not needed; false after answering. */
static bool run_ok(struct push *p, struct request *rq, enum stmt_id id, int n,
                   const char *const *params) {
  PGresult *r = run(p, id, n, params);
  bool ok = result_ok(r);
  if (!ok)
    fail_db(p, rq, r);
  PQclear(r);
  return ok;
}

static bool simple(struct push *p, struct request *rq, const char *sql) {
  PGresult *r = PQexec(p->pg, sql);
  bool ok = result_ok(r);
  if (!ok)
    fail_db(p, rq, r);
  PQclear(r);
  return ok;
}

/* --- problems ------------------------------------------------------------ */

/* COPY text: backslash, tab and line ends escaped. */
static void copy_text(FILE *f, const char *s) {
  if (s == NULL) {
    fputs("\\N", f);
    return;
  }
  for (; *s; s++) {
    if (*s == '\\')
      fputs("\\\\", f);
    else if (*s == '\t')
      fputs("\\t", f);
    else if (*s == '\n')
      fputs("\\n", f);
    else if (*s == '\r')
      fputs("\\r", f);
    else
      fputc(*s, f);
  }
}

static void problem_add(struct push *p, long row_no, const char *column,
                        const char *code, const char *message) {
  p->problems_count++;
  if (row_no > 0 && row_no != p->last_bad_row) {
    p->rejected++;
    p->last_bad_row = row_no;
  }
  if (p->problems != NULL) {
    fprintf(p->problems, "%s\t%ld\t", p->import, p->problems_count);
    if (row_no > 0)
      fprintf(p->problems, "%ld", row_no);
    else
      fputs("\\N", p->problems);
    fputc('\t', p->problems);
    copy_text(p->problems, column);
    fputc('\t', p->problems);
    copy_text(p->problems, code);
    fputc('\t', p->problems);
    copy_text(p->problems, message);
    fputc('\n', p->problems);
  }
  if (json_array_size(p->shown) < PUSH_PROBLEMS_SHOWN) {
    json_t *o = json_pack("{ss ss}", "code", code, "message", message);
    json_object_set_new(o, "row",
                        row_no > 0 ? json_integer(row_no) : json_null());
    json_object_set_new(o, "column",
                        column ? json_string(column) : json_null());
    json_array_append_new(p->shown, o);
  }
}

static void on_problem(void *ctx, const struct results_problem *pr) {
  struct push *p = ctx;
  if (pr->row_no == 0)
    p->body_fatal = true;
  problem_add(p, pr->row_no, pr->column, pr->code, pr->message);
}

/* --- school codes of the caller's scope ----------------------------------- */

static size_t code_slot(const char *code, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *code; code++)
    h = (h ^ (unsigned char)*code) * 1099511628211ULL;
  return (size_t)h & (n - 1);
}

static bool codes_load(struct push *p, struct request *rq) {
  const char *scope[] = {auth_scope_kind(rq), auth_scope_id(rq)};
  PGresult *r = run(p, STMT_PUSH_SCHOOL_CODES, 2, scope);
  if (!result_ok(r)) {
    fail_db(p, rq, r);
    PQclear(r);
    return false;
  }
  size_t n = 16;
  while (n < 2 * (size_t)PQntuples(r))
    n *= 2;
  p->codes = calloc(n, sizeof *p->codes);
  if (p->codes == NULL)
    abort();
  p->n_codes = n;
  for (int i = 0; i < PQntuples(r); i++) {
    size_t s = code_slot(PQgetvalue(r, i, 0), n);
    while (p->codes[s].code != NULL)
      s = (s + 1) & (n - 1);
    p->codes[s].code = strdup(PQgetvalue(r, i, 0));
    p->codes[s].id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
  }
  PQclear(r);
  return true;
}

static int64_t code_find(const struct push *p, const char *code) {
  for (size_t s = code_slot(code, p->n_codes); p->codes[s].code != NULL;
       s = (s + 1) & (p->n_codes - 1))
    if (strcmp(p->codes[s].code, code) == 0)
      return p->codes[s].id;
  return 0;
}

/* --- batches ------------------------------------------------------------- */

static bool copy_start(struct push *p, struct request *rq, enum stmt_id id) {
  PGresult *r = PQexec(p->pg, db_stmt_sql(id));
  bool ok = PQresultStatus(r) == PGRES_COPY_IN;
  if (!ok)
    fail_db(p, rq, r);
  PQclear(r);
  p->copy_open = ok;
  return ok;
}

static bool copy_send(struct push *p, struct request *rq, const char *data,
                      size_t len) {
  if (len > 0 && PQputCopyData(p->pg, data, (int)len) != 1) {
    fail_db(p, rq, NULL);
    return false;
  }
  return true;
}

/* Ends the COPY; the result is the caller's (NULL when it could not end). */
static PGresult *copy_end(struct push *p) {
  p->copy_open = false;
  if (PQputCopyEnd(p->pg, NULL) != 1)
    return NULL;
  PGresult *r = PQgetResult(p->pg), *more;
  while ((more = PQgetResult(p->pg)) != NULL)
    PQclear(more);
  return r;
}

/* The first row of a batch opens its COPY: straight into the results, or
 * into the temporary table on the slow path. */
static bool batch_open(struct push *p, struct request *rq) {
  p->batch_fast = p->fast;
  if (p->batch_fast)
    return simple(p, rq, "SAVEPOINT batch") &&
           copy_start(p, rq, STMT_PUSH_COPY_RESULTS);
  return run_ok(p, rq, STMT_PUSH_STAGING_CREATE, 0, NULL) &&
         run_ok(p, rq, STMT_PUSH_STAGING_CLEAR, 0, NULL) &&
         copy_start(p, rq, STMT_PUSH_COPY_STAGING);
}

static void mark_batch_dirty(struct push *p) {
  for (size_t i = 0; i < p->stats.n; i++)
    if (p->stats.items[i].in_batch)
      p->stats.items[i].dirty = true;
}

/* "{1,2,3}" of the ids in a PostgreSQL array text, marked dirty. */
static void mark_listed_dirty(struct push *p, const char *ids) {
  for (const char *s = ids; *s;) {
    char *end;
    long long id = strtoll(s, &end, 10);
    if (end == s) {
      s++;
      continue;
    }
    stats_school(&p->stats, id)->dirty = true;
    s = end;
  }
}

static char *batch_schools_text(const struct push *p) {
  size_t cap = 4 + p->n_batch_schools * 21, len = 0;
  char *t = malloc(cap);
  if (t == NULL)
    abort();
  t[len++] = '{';
  for (size_t i = 0; i < p->n_batch_schools; i++)
    len += (size_t)snprintf(t + len, cap - len, "%s%lld", i ? "," : "",
                            (long long)p->batch_schools[i]);
  t[len++] = '}';
  t[len] = '\0';
  return t;
}

/* The slow path's work once the batch is in the temporary table. */
static bool batch_merge(struct push *p, struct request *rq) {
  const char *params[] = {p->year, p->assessment, p->import};
  PGresult *r = run(p, STMT_PUSH_STAGING_DUPLICATES, 3, params);
  if (!result_ok(r)) {
    fail_db(p, rq, r);
    PQclear(r);
    return false;
  }
  long rows = p->batch_rows - PQntuples(r);
  for (int i = 0; i < PQntuples(r); i++) {
    char message[200];
    snprintf(message, sizeof message,
             "participant %s is already in row %s of this push",
             PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    problem_add(p, strtol(PQgetvalue(r, i, 0), NULL, 10), "participant_code",
                RESULTS_PROBLEM_DUPLICATE, message);
  }
  PQclear(r);
  if (p->opt.replace_school && p->n_batch_schools > 0) {
    char *ids = batch_schools_text(p);
    const char *rp[] = {p->year, p->assessment, ids};
    r = run(p, STMT_PUSH_REPLACE_SCHOOLS, 3, rp);
    free(ids);
    if (!result_ok(r)) {
      fail_db(p, rq, r);
      PQclear(r);
      return false;
    }
    p->deleted += strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
  }
  r = run(p, STMT_PUSH_STAGING_COMPARE, 2, params);
  if (!result_ok(r)) {
    fail_db(p, rq, r);
    PQclear(r);
    return false;
  }
  long existing = strtol(PQgetvalue(r, 0, 0), NULL, 10);
  long same = strtol(PQgetvalue(r, 0, 1), NULL, 10);
  mark_listed_dirty(p, PQgetvalue(r, 0, 2));
  PQclear(r);
  if (!run_ok(p, rq, STMT_PUSH_STAGING_UPSERT, 0, NULL))
    return false;
  p->inserted += rows - existing;
  p->updated += existing - same;
  p->unchanged += same;
  mark_batch_dirty(p);
  return true;
}

/* After two batches in a row met stored rows, the rest goes the slow way
 * from the start instead of twice. */
static bool batch_close(struct push *p, struct request *rq) {
  if (!p->copy_open)
    return true;
  bool ok = copy_send(p, rq, p->buf + p->sent, p->len - p->sent);
  PGresult *r = ok ? copy_end(p) : NULL;
  if (!ok || r == NULL) {
    PQclear(r);
    fail_db(p, rq, NULL);
    return false;
  }
  if (p->batch_fast) {
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    bool unique = state != NULL && strcmp(state, "23505") == 0;
    if (result_ok(r)) {
      PQclear(r);
      ok = simple(p, rq, "RELEASE SAVEPOINT batch");
      p->inserted += p->batch_rows;
      p->fallbacks = 0;
    } else if (!unique) {
      fail_db(p, rq, r);
      PQclear(r);
      return false;
    } else {
      PQclear(r);
      if (++p->fallbacks >= 2)
        p->fast = false;
      ok = simple(p, rq, "ROLLBACK TO SAVEPOINT batch") &&
           run_ok(p, rq, STMT_PUSH_STAGING_CREATE, 0, NULL) &&
           run_ok(p, rq, STMT_PUSH_STAGING_CLEAR, 0, NULL) &&
           copy_start(p, rq, STMT_PUSH_COPY_STAGING) &&
           copy_send(p, rq, p->buf, p->len);
      PGresult *again = ok ? copy_end(p) : NULL;
      ok = ok && again != NULL && result_ok(again);
      if (!ok && again != NULL)
        fail_db(p, rq, again);
      PQclear(again);
      ok = ok && batch_merge(p, rq);
    }
  } else {
    ok = result_ok(r);
    if (!ok)
      fail_db(p, rq, r);
    PQclear(r);
    ok = ok && batch_merge(p, rq);
  }
  for (size_t i = 0; i < p->stats.n; i++)
    p->stats.items[i].in_batch = false;
  p->len = p->sent = 0;
  p->batch_rows = 0;
  p->n_batch_schools = 0;
  return ok;
}

/* --- rows ---------------------------------------------------------------- */

static void buf_reserve(struct push *p, size_t more) {
  if (p->len + more <= p->cap)
    return;
  while (p->cap < p->len + more)
    p->cap = p->cap ? p->cap * 2 : 1u << 16;
  p->buf = xrealloc(p->buf, p->cap);
}

static void buf_text(struct push *p, const char *s) {
  if (*s == '\0') {
    memcpy(p->buf + p->len, "\\N", 2);
    p->len += 2;
    return;
  }
  for (; *s; s++) {
    if (*s == '\\')
      p->buf[p->len++] = '\\';
    p->buf[p->len++] = *s;
  }
}

static void buf_int(struct push *p, int v, bool given) {
  if (given)
    p->len += (size_t)sprintf(p->buf + p->len, "%d", v);
  else {
    memcpy(p->buf + p->len, "\\N", 2);
    p->len += 2;
  }
}

/* One good row: its COPY line, and its place in the statistics. */
static void row_write(struct push *p, const struct result_row *row,
                      int64_t school_id) {
  size_t worst =
      128 + 2 * (RESULTS_CODE_MAX + 2 * RESULTS_TEXT_MAX) + 12 * p->ins.n_tasks;
  buf_reserve(p, worst);
  p->len += (size_t)sprintf(p->buf + p->len, "%s\t%s\t%s\t%lld\t", p->year,
                            p->assessment, row->participant_code,
                            (long long)school_id);
  buf_text(p, row->class_name);
  p->buf[p->len++] = '\t';
  buf_text(p, row->variant);
  p->buf[p->len++] = '\t';
  p->buf[p->len++] = '{';
  for (size_t i = 0; i < p->ins.n_tasks; i++)
    p->len += (size_t)sprintf(p->buf + p->len, "%s%d", i ? "," : "",
                              row->task_score[i]);
  p->len += (size_t)sprintf(p->buf + p->len, "}\t%d\t", row->primary_score);
  buf_int(p, row->mark, row->mark > 0);
  p->buf[p->len++] = '\t';
  buf_int(p, row->test_score, row->test_score >= 0);
  p->buf[p->len++] = '\t';
  buf_int(p, row->journal_mark, row->journal_mark > 0);
  p->len +=
      (size_t)sprintf(p->buf + p->len, "\t%s\t%ld\n", p->import, row->row_no);
  p->batch_rows++;

  struct school_stats *s = stats_school(&p->stats, school_id);
  if (!s->seen && p->opt.replace_school) {
    if (p->n_batch_schools == p->cap_batch_schools) {
      p->cap_batch_schools =
          p->cap_batch_schools ? 2 * p->cap_batch_schools : 64;
      p->batch_schools = xrealloc(
          p->batch_schools, p->cap_batch_schools * sizeof *p->batch_schools);
    }
    p->batch_schools[p->n_batch_schools++] = school_id;
    s->dirty = true;
  }
  s->seen = s->in_batch = true;
  stats_add(&p->ins, s, row->task_score, row->primary_score, row->mark,
            row->test_score, row->journal_mark);
}

static void on_row(void *ctx, long row_no, const struct result_row *row) {
  struct push *p = ctx;
  struct request *rq = p->rq;
  p->received++;
  if (row == NULL || p->db_failed)
    return;
  int64_t school_id = code_find(p, row->school_code);
  if (school_id == 0) {
    /* The code is not repeated: the answer must not tell a school outside
     * the caller's scope from one that does not exist. */
    problem_add(p, row_no, "school_code", RESULTS_PROBLEM_UNKNOWN_SCHOOL,
                "no school with this code in the caller's scope");
    return;
  }
  if (!p->copy_open && !batch_open(p, rq))
    return;
  row_write(p, row, school_id);
  if (p->len - p->sent >= SEND_BYTES) {
    if (!copy_send(p, rq, p->buf + p->sent, p->len - p->sent))
      return;
    p->sent = p->len;
  }
  if (p->batch_rows >= BATCH_ROWS || p->len >= BATCH_BYTES)
    (void)batch_close(p, rq);
}

/* --- beginning ----------------------------------------------------------- */

/* Takes a try-lock; a held one answers 409: a push waiting here would hold
 * its server thread, and with it the uploads of other clients. */
static bool try_lock(struct push *p, struct request *rq, enum stmt_id id, int n,
                     const char *const *params, const char *busy) {
  PGresult *r = run(p, id, n, params);
  if (!result_ok(r)) {
    fail_db(p, rq, r);
    PQclear(r);
    return false;
  }
  bool got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  if (!got) {
    reply_problem(rq, ERR_CONFLICT, busy);
    reply_header(rq, "Retry-After", "5");
  }
  return got;
}

static const char *actor_kind(const struct request *rq) {
  return rq->principal.kind == PRINCIPAL_CLIENT ? "client" : "user";
}

/* An Idempotency-Key used before: the push turns into a replay. */
static bool key_check(struct push *p, struct request *rq) {
  char actor[24];
  snprintf(actor, sizeof actor, "%lld", (long long)rq->principal.id);
  const char *params[] = {actor_kind(rq), actor, p->key};
  if (!try_lock(p, rq, STMT_PUSH_LOCK_KEY, 3, params,
                "a push with this Idempotency-Key is in progress"))
    return false;
  PGresult *r = run(p, STMT_PUSH_KEY_FIND, 3, params);
  if (!result_ok(r)) {
    fail_db(p, rq, r);
    PQclear(r);
    return false;
  }
  if (PQntuples(r) == 1) {
    p->replay = true;
    snprintf(p->replay_sha, sizeof p->replay_sha, "%s", PQgetvalue(r, 0, 1));
    p->replay_status = atoi(PQgetvalue(r, 0, 2));
    p->replay_answer = strdup(PQgetvalue(r, 0, 3));
  }
  PQclear(r);
  return true;
}

static bool import_insert(struct push *p, struct request *rq) {
  char actor[24], dry[8];
  snprintf(actor, sizeof actor, "%lld", (long long)rq->principal.id);
  snprintf(dry, sizeof dry, "%s", p->opt.dry_run ? "true" : "false");
  const char *params[] = {p->assessment,
                          actor_kind(rq),
                          actor,
                          rq->principal.name,
                          rq->principal.scope_kind,
                          auth_scope_id(rq),
                          p->key[0] ? p->key : NULL,
                          p->opt.content_type,
                          p->opt.partial ? "partial" : "strict",
                          dry,
                          p->opt.replace_school ? "school" : NULL,
                          rq->id};
  PGresult *r = run(p, STMT_PUSH_IMPORT_INSERT, 12, params);
  if (!result_ok(r)) {
    fail_db(p, rq, r);
    PQclear(r);
    return false;
  }
  p->import_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  snprintf(p->import, sizeof p->import, "%lld", (long long)p->import_id);
  PQclear(r);
  return true;
}

static bool push_start(struct push *p, struct request *rq) {
  p->pg = db_connect_own();
  if (p->pg == NULL) {
    reply_problem(rq, ERR_DATABASE_UNAVAILABLE,
                  "the database cannot be reached; try again shortly");
    reply_header(rq, "Retry-After", "5");
    return false;
  }
  const char *id[] = {p->assessment};
  if (!simple(p, rq, "BEGIN") ||
      !try_lock(p, rq, STMT_PUSH_LOCK_ASSESSMENT, 1, id,
                "another push into this instrument is in progress"))
    return false;
  if (p->key[0] && !key_check(p, rq))
    return false;
  if (p->replay)
    return true;
  const char *rows[] = {p->year, p->assessment};
  PGresult *r = run(p, STMT_PUSH_HAS_ROWS, 2, rows);
  if (!result_ok(r)) {
    fail_db(p, rq, r);
    PQclear(r);
    return false;
  }
  p->fast = strcmp(PQgetvalue(r, 0, 0), "f") == 0 && !p->opt.replace_school;
  PQclear(r);
  return codes_load(p, rq) && import_insert(p, rq) &&
         simple(p, rq, "SAVEPOINT results");
}

struct push *push_begin(struct request *rq, const struct instrument *ins,
                        const struct push_options *opt) {
  struct push *p = calloc(1, sizeof *p);
  if (p == NULL)
    abort();
  p->rq = rq;
  p->ins = *ins;
  p->opt = *opt;
  p->opt.idempotency_key = NULL;
  if (opt->idempotency_key != NULL)
    snprintf(p->key, sizeof p->key, "%s", opt->idempotency_key);
  p->started_ns = clock_ns();
  snprintf(p->year, sizeof p->year, "%d", ins->year);
  snprintf(p->assessment, sizeof p->assessment, "%lld", (long long)ins->id);
  /* What the key stands for is the body and what was asked of it: the same
   * body as a dry run and as a real push are different requests. */
  char asked[96];
  int n =
      snprintf(asked, sizeof asked, "format=%d mode=%s dry_run=%d replace=%d\n",
               (int)opt->format, opt->partial ? "partial" : "strict",
               (int)opt->dry_run, (int)opt->replace_school);
  crypto_hash_sha256_init(&p->sha);
  crypto_hash_sha256_update(&p->sha, (const unsigned char *)asked, (size_t)n);
  stats_table_init(&p->stats, &p->ins);
  p->shown = json_array();
  p->problems = tmpfile();
  struct results_callbacks cb = {on_problem, on_row, p};
  p->parser = results_parser_new(opt->format, &p->ins, &cb);
  if (p->problems == NULL || p->parser == NULL) {
    reply_problem(rq, ERR_INTERNAL, NULL);
    push_free(p);
    return NULL;
  }
  if (!push_start(p, rq)) {
    push_free(p);
    return NULL;
  }
  return p;
}

/* --- feeding ------------------------------------------------------------- */

bool push_feed(struct push *p, struct request *rq, const char *data,
               size_t len) {
  crypto_hash_sha256_update(&p->sha, (const unsigned char *)data, len);
  if (p->replay || p->body_fatal)
    return true; /* hashed: the answer needs the whole body */
  if (!results_parser_feed(p->parser, data, len))
    p->body_fatal = true;
  return !p->db_failed && rq->status == 0;
}

/* --- finishing ----------------------------------------------------------- */

static void sha_hex(struct push *p, char out[65]) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&p->sha, digest);
  sodium_bin2hex(out, 65, digest, sizeof digest);
}

static void replay_answer(struct push *p, struct request *rq, const char *sha) {
  if (strcmp(sha, p->replay_sha) != 0) {
    reply_problem(rq, ERR_IDEMPOTENCY_KEY_REUSED,
                  "this Idempotency-Key was used with another body or other "
                  "options (mode, dry_run, replace); use a new key for a new "
                  "push");
    return;
  }
  json_t *first = json_loads(p->replay_answer, 0, NULL);
  if (first == NULL) {
    reply_problem(rq, ERR_INTERNAL, NULL);
    return;
  }
  json_int_t import_id =
      json_integer_value(json_object_get(first, "import_id"));
  /* The same answer, but a refusal names this request, as every problem
   * does: it is the id to quote. */
  if (json_object_get(first, "request_id") != NULL)
    json_object_set_new(first, "request_id", json_string(rq->id));
  char *text = json_dumps(first, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(first);
  reply_text(rq, (unsigned)p->replay_status,
             p->replay_status >= 400 ? "application/problem+json"
                                     : "application/json",
             text, strlen(text));
  free(text);
  reply_header(rq, "Idempotent-Replayed", "true");
  if (p->replay_status == 201 && import_id > 0)
    reply_location(rq, "/api/v1/imports", (long long)import_id);
}

static bool problems_store(struct push *p, struct request *rq) {
  if (p->problems_count == 0)
    return true;
  if (!copy_start(p, rq, STMT_PUSH_COPY_PROBLEMS))
    return false;
  rewind(p->problems);
  char chunk[1u << 16];
  size_t n;
  bool ok = true;
  while (ok && (n = fread(chunk, 1, sizeof chunk, p->problems)) > 0)
    ok = copy_send(p, rq, chunk, n);
  PGresult *r = ok ? copy_end(p) : NULL;
  ok = ok && r != NULL && result_ok(r);
  if (!ok && r != NULL)
    fail_db(p, rq, r);
  PQclear(r);
  return ok;
}

static const char *outcome_of(const struct push *p) {
  if (p->body_fatal || (!p->opt.partial && p->problems_count > 0))
    return "rejected";
  return p->opt.dry_run ? "dry_run" : "committed";
}

/* The summary: the success answer, and the `import` member of a refusal. */
static json_t *summary(struct push *p, const char *outcome, long ms) {
  char link[64];
  snprintf(link, sizeof link, "/api/v1/imports/%s", p->import);
  json_t *shown = json_deep_copy(p->shown);
  return json_pack(
      "{sI sI ss ss sb ss? si si si si si si si so si ss}", "import_id",
      (json_int_t)p->import_id, "assessment_id", (json_int_t)p->ins.id,
      "outcome", outcome, "mode", p->opt.partial ? "partial" : "strict",
      "dry_run", p->opt.dry_run, "replace",
      p->opt.replace_school ? "school" : NULL, "received", (int)p->received,
      "inserted", (int)p->inserted, "updated", (int)p->updated, "unchanged",
      (int)p->unchanged, "deleted", (int)p->deleted, "rejected",
      (int)p->rejected, "problems_count", (int)p->problems_count, "problems",
      shown, "duration_ms", (int)ms, "problems_url", link);
}

static const char *jstr_or(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static json_t *refusal(struct push *p, json_t *import_steal) {
  json_t *errors = json_array();
  size_t i;
  json_t *pr;
  json_array_foreach(p->shown, i, pr) {
    char path[160];
    const char *column = jstr_or(pr, "column");
    json_int_t row = json_integer_value(json_object_get(pr, "row"));
    if (row > 0 && column)
      snprintf(path, sizeof path, "row %lld, column %s", (long long)row,
               column);
    else if (row > 0)
      snprintf(path, sizeof path, "row %lld", (long long)row);
    else
      snprintf(path, sizeof path, "%s", column ? column : "body");
    jspec_error(errors, path, jstr_or(pr, "message"));
  }
  char detail[160];
  snprintf(detail, sizeof detail,
           "%ld problem%s in %ld of %ld rows; nothing was written",
           p->problems_count, p->problems_count == 1 ? "" : "s", p->rejected,
           p->received);
  if (p->body_fatal)
    snprintf(detail, sizeof detail,
             "the body cannot be read (%ld problem%s); nothing was written",
             p->problems_count, p->problems_count == 1 ? "" : "s");
  json_t *body = problem_build(ERR_IMPORT_REJECTED, detail, p->rq->id, errors);
  json_object_set_new(body, "import", import_steal);
  return body;
}

void push_finish(struct push *p, struct request *rq) {
  char sha[65];
  sha_hex(p, sha);
  if (p->replay) {
    replay_answer(p, rq, sha);
    return;
  }
  if (!p->body_fatal && !results_parser_finish(p->parser))
    p->body_fatal = true;
  if (!p->body_fatal && !p->db_failed && !batch_close(p, rq))
    return;
  if (p->db_failed)
    return;
  if (p->copy_open) { /* a fatal body problem left a batch open */
    PQclear(copy_end(p));
  }
  const char *outcome = outcome_of(p);
  bool keep = strcmp(outcome, "committed") == 0;
  if (!keep) {
    if (!simple(p, rq, "ROLLBACK TO SAVEPOINT results"))
      return;
    if (strcmp(outcome, "rejected") == 0)
      p->inserted = p->updated = p->unchanged = p->deleted = 0;
  } else {
    PGresult *failed = NULL;
    if (!stats_table_store(&p->stats, p->pg, &failed)) {
      fail_db(p, rq, failed);
      PQclear(failed);
      return;
    }
  }
  if (!problems_store(p, rq))
    return;
  long ms = (long)((clock_ns() - p->started_ns) / 1000000u);
  json_t *answer = summary(p, outcome, ms);
  int status = 201;
  if (strcmp(outcome, "rejected") == 0) {
    answer = refusal(p, answer);
    status = 422;
  } else if (!keep) {
    status = 200;
  }
  char *text = json_dumps(answer, JSON_COMPACT);
  json_decref(answer);
  char counts[9][24];
  long values[] = {p->received,       p->inserted, p->updated,
                   p->unchanged,      p->deleted,  p->rejected,
                   p->problems_count, ms,          status};
  for (int i = 0; i < 9; i++)
    snprintf(counts[i], sizeof counts[i], "%ld", values[i]);
  const char *params[] = {p->import, sha,       outcome,   counts[0], counts[1],
                          counts[2], counts[3], counts[4], counts[5], counts[6],
                          counts[7], counts[8], text};
  if (!run_ok(p, rq, STMT_PUSH_IMPORT_COMPLETE, 13, params) ||
      !simple(p, rq, "COMMIT")) {
    free(text);
    return;
  }
  reply_text(rq, (unsigned)status,
             status >= 400 ? "application/problem+json" : "application/json",
             text, strlen(text));
  free(text);
  if (status == 201)
    reply_location(rq, "/api/v1/imports", p->import_id);
  log_msg(LOG_INFO,
          "request %s: push %s into assessment %s: %ld rows, %ld inserted, "
          "%ld updated, %ld unchanged, %ld rejected, %ld ms",
          rq->id, outcome, p->assessment, p->received, p->inserted, p->updated,
          p->unchanged, p->rejected, ms);
}

void push_free(struct push *p) {
  if (p == NULL)
    return;
  db_disconnect_own(p->pg); /* an open transaction ends with it */
  results_parser_free(p->parser);
  stats_table_free(&p->stats);
  for (size_t i = 0; i < p->n_codes; i++)
    free(p->codes[i].code);
  free(p->codes);
  free(p->buf);
  free(p->batch_schools);
  free(p->replay_answer);
  if (p->problems != NULL)
    fclose(p->problems);
  json_decref(p->shown);
  free(p);
}
