/* A bulk push of assessment results: its life from the first piece of the
 * body to the answer (include/push.h, docs/ASSESSMENTS.md). The parser
 * (include/results_parse.h) reads the rows; where each row goes is
 * push_rows.c; statements and COPY on the push's connection, its failure
 * and its problems are push_copy.c; the statistics push_stats.c.
 *
 * Everything happens in one transaction on the push's own connection. The
 * record (imports) is written as the push starts, outcome 'running', and
 * its counters as it goes, on the thread's side connection
 * (push_progress.c); it is made final at the end: in that transaction when
 * the push commits, or, after a rollback (a refusal, a dry run), in a short
 * one of its own, so that the record and all its problems stay and no row
 * does. A push that ends otherwise leaves its record 'failed'. */
#include "push.h"

#include <stdlib.h>
#include <string.h>

#include "csv_in.h"
#include "log.h"
#include "principal.h"
#include "push_copy.h"
#include "push_progress.h"
#include "push_rows.h"
#include "request.h"

static struct {
  unsigned timeout_ms, batch_rows, key_bits, idle_s;
} settings = {60000, 50000, 32, 30};

void push_configure(unsigned statement_timeout_ms, unsigned batch_rows,
                    unsigned key_bits, unsigned connection_timeout_s) {
  settings.timeout_ms = statement_timeout_ms;
  settings.batch_rows = batch_rows;
  settings.key_bits = key_bits;
  settings.idle_s = connection_timeout_s;
}

/* A push writes its progress as its body comes and between the steps of
 * its end: it can go a client's idle time, or two statements (ten minutes
 * when they have no timeout), without writing. */
unsigned push_stale_seconds(void) {
  unsigned step_s = settings.timeout_ms ? settings.timeout_ms / 1000 + 1 : 600;
  return 60 + settings.idle_s + 2 * step_s;
}

static void on_problem(void *ctx, const struct results_problem *pr) {
  struct push *p = ctx;
  if (pr->row_no == 0)
    p->body_fatal = true;
  push_problem(p, pr->row_no, pr->column, pr->code, pr->message);
}

/* --- school codes of the caller's scope ----------------------------------- */

static size_t code_slot(const char *code, size_t n) {
  return (size_t)push_code_hash(code) & (n - 1);
}

static bool codes_load(struct push *p) {
  PGresult *r = push_query(p, STMT_PUSH_SCHOOL_CODES, NULL);
  if (r == NULL)
    return false;
  int code = db_column(r, "code"), id = db_column(r, "id");
  size_t n = 16;
  while (n < 2 * (size_t)PQntuples(r))
    n *= 2;
  p->codes = calloc(n, sizeof *p->codes);
  if (p->codes == NULL)
    abort();
  p->n_codes = n;
  for (int i = 0; i < PQntuples(r); i++) {
    size_t s = code_slot(PQgetvalue(r, i, code), n);
    while (p->codes[s].code != NULL)
      s = (s + 1) & (n - 1);
    p->codes[s].code = strdup(PQgetvalue(r, i, code));
    p->codes[s].id = strtoll(PQgetvalue(r, i, id), NULL, 10);
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

static void on_row(void *ctx, long row_no, const struct result_row *row) {
  struct push *p = ctx;
  p->received++;
  if (row == NULL || p->db_failed)
    return;
  int64_t school_id = code_find(p, row->school_code);
  if (school_id == 0) {
    /* The code is not repeated: the answer must not tell a school outside
     * the caller's scope from one that does not exist. */
    push_problem(p, row_no, "school_code", RESULTS_PROBLEM_UNKNOWN_SCHOOL,
                 "no school with this code in the caller's scope");
    return;
  }
  (void)push_rows_add(p, row, school_id);
}

/* --- beginning ----------------------------------------------------------- */

/* Takes a try-lock (*got); a push waiting here would hold its server
 * thread, and with it the uploads of other clients. False after answering
 * (a database failure). */
static bool try_lock(struct push *p, enum stmt_id id, const struct db_arg *args,
                     bool *got) {
  PGresult *r = push_query(p, id, args);
  if (r == NULL)
    return false;
  *got = strcmp(db_get(r, 0, "locked"), "t") == 0;
  PQclear(r);
  return true;
}

/* The key is held by a push still running: 409 `push_in_progress`, with
 * that push's record (import_id, Location) once it is written. Its body
 * does not matter: the first push has not answered yet. */
static void key_busy(struct push *p, const char *actor) {
  struct request *rq = p->rq;
  char stale[16];
  snprintf(stale, sizeof stale, "%u", push_stale_seconds());
  const struct db_arg args[] = {
      {"actor_kind", principal_kind_name(rq->principal.kind)},
      {"actor_id", actor},
      {"idempotency_key", p->key},
      {"stale_s", stale},
      DB_END};
  PGresult *r = push_run(p, STMT_PUSH_KEY_RUNNING, args, NULL);
  long long running = db_result_ok(r) && PQntuples(r) == 1
                          ? strtoll(db_get(r, 0, "id"), NULL, 10)
                          : 0;
  PQclear(r);
  json_t *body = problem_build(
      ERR_PUSH_IN_PROGRESS,
      "a push with this Idempotency-Key is in progress; its answer is "
      "replayed once it has ended (its record: Location)",
      rq->id, NULL);
  if (running > 0)
    json_object_set_new(body, "import_id", json_integer(running));
  reply_problem_body_steal(rq, ERR_PUSH_IN_PROGRESS, body);
  reply_header(rq, "Retry-After", "5");
  if (running > 0)
    reply_location(rq, "/api/v1/imports", running);
}

/* An Idempotency-Key used before: the push turns into a replay. */
static bool key_check(struct push *p) {
  struct request *rq = p->rq;
  char actor[24];
  snprintf(actor, sizeof actor, "%lld", (long long)rq->principal.id);
  const struct db_arg args[] = {
      {"actor_kind", principal_kind_name(rq->principal.kind)},
      {"actor_id", actor},
      {"idempotency_key", p->key},
      DB_END};
  bool got;
  if (!try_lock(p, STMT_PUSH_LOCK_KEY, args, &got))
    return false;
  if (!got) {
    key_busy(p, actor);
    return false;
  }
  PGresult *r = push_query(p, STMT_PUSH_KEY_FIND, args);
  if (r == NULL)
    return false;
  if (PQntuples(r) == 1) {
    p->replay = true;
    snprintf(p->replay_sha, sizeof p->replay_sha, "%s",
             db_get(r, 0, "body_sha256"));
    p->replay_status = atoi(db_get(r, 0, "status"));
    p->replay_answer = strdup(db_get(r, 0, "answer"));
  }
  PQclear(r);
  return true;
}

/* The push's id, drawn now: its rows carry it. */
static bool import_id_draw(struct push *p) {
  PGresult *r = push_query(p, STMT_PUSH_IMPORT_ID, NULL);
  if (r == NULL)
    return false;
  p->import_id = strtoll(db_get(r, 0, "id"), NULL, 10);
  snprintf(p->import, sizeof p->import, "%lld", (long long)p->import_id);
  PQclear(r);
  return true;
}

/* About how many rows the body holds (a Ф1 row is 60 to 200 bytes), to
 * size the filter; a million when the length is not sent. */
static long rows_expected(struct request *rq) {
  const char *length = request_header(rq, "Content-Length");
  long long bytes = length ? strtoll(length, NULL, 10) : 0;
  return bytes > 0 ? (long)(bytes / 60 + 1) : 1000000;
}

static bool push_start(struct push *p) {
  p->pg = db_connect_own();
  if (p->pg == NULL) {
    reply_problem(p->rq, ERR_DATABASE_UNAVAILABLE,
                  "the database cannot be reached; try again shortly");
    reply_header(p->rq, "Retry-After", "5");
    return false;
  }
  const struct db_arg assessment[] = {{"assessment", p->assessment}, DB_END};
  const struct db_arg timeouts[] = {{"ms", p->timeout_ms}, DB_END};
  if (!push_run_ok(p, STMT_PUSH_TIMEOUTS, timeouts, NULL) ||
      !push_exec(p, "BEGIN"))
    return false;
  /* The key first: its replay needs no hold on the instrument, and its
   * push still running answers as such, not as any other push. */
  if (p->key[0] && !key_check(p))
    return false;
  if (p->replay)
    return true;
  bool got;
  if (!try_lock(p, STMT_PUSH_LOCK_ASSESSMENT, assessment, &got))
    return false;
  if (!got) {
    reply_problem(p->rq, ERR_CONFLICT,
                  "another push into this instrument is in progress");
    reply_header(p->rq, "Retry-After", "5");
    return false;
  }
  const struct db_arg instrument[] = {PUSH_INSTRUMENT_ARGS(p), DB_END};
  PGresult *r = push_query(p, STMT_PUSH_HAS_ROWS, instrument);
  if (r == NULL)
    return false;
  bool has_rows = strcmp(db_get(r, 0, "has_rows"), "t") == 0;
  PQclear(r);
  if (!codes_load(p) || !import_id_draw(p) ||
      !push_rows_prepare(p, has_rows, rows_expected(p->rq)))
    return false;
  p->progress_due = true; /* its record: once its body comes */
  return true;
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
  snprintf(p->timeout_ms, sizeof p->timeout_ms, "%u", settings.timeout_ms);
  p->batch_rows = (long)settings.batch_rows;
  p->key_bits = settings.key_bits;
  snprintf(p->year, sizeof p->year, "%d", ins->year);
  snprintf(p->assessment, sizeof p->assessment, "%lld", (long long)ins->id);
  /* What the key stands for is the body and what was asked of it: the same
   * body as a dry run and as a real push are different requests. */
  char asked[96];
  int n = snprintf(asked, sizeof asked,
                   "format=%d%s mode=%s dry_run=%d replace=%d\n",
                   (int)opt->format, opt->cp1251 ? " charset=windows-1251" : "",
                   opt->partial ? "partial" : "strict", (int)opt->dry_run,
                   (int)opt->replace_school);
  crypto_hash_sha256_init(&p->sha);
  crypto_hash_sha256_update(&p->sha, (const unsigned char *)asked, (size_t)n);
  stats_table_init(&p->stats, &p->ins);
  p->shown = json_array();
  p->problems = tmpfile();
  struct results_callbacks cb = {on_problem, on_row, p};
  p->parser = results_parser_new(opt->format, &p->ins, &cb);
  if (p->parser != NULL && opt->cp1251 &&
      !results_parser_set_cp1251(p->parser)) {
    results_parser_free(p->parser);
    p->parser = NULL;
  }
  if (p->problems == NULL || p->parser == NULL) {
    reply_problem(rq, ERR_INTERNAL, NULL);
    push_free(p);
    return NULL;
  }
  if (!push_start(p)) {
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
  progress_tick(p); /* its record, then once a second at most */
  return !p->db_failed && rq->status == 0;
}

/* --- finishing ----------------------------------------------------------- */

/* The codes of the push's schools missing from `found` (ids), for the
 * answer; at most a few. */
static void missing_codes(const struct push *p, const PGresult *found,
                          char *out, size_t size) {
  size_t used = 0, named = 0;
  out[0] = '\0';
  for (size_t i = 0; i < p->stats.n && named < 5; i++) {
    int64_t id = p->stats.items[i].school_id;
    bool there = false;
    for (int k = 0; k < PQntuples(found) && !there; k++)
      there = strtoll(PQgetvalue(found, k, 0), NULL, 10) == id;
    for (size_t s = 0; !there && s < p->n_codes; s++)
      if (p->codes[s].code != NULL && p->codes[s].id == id) {
        int n = snprintf(out + used, size - used, "%s%s", named ? ", " : "",
                         p->codes[s].code);
        if (n > 0 && (size_t)n < size - used)
          used += (size_t)n;
        named++;
        break;
      }
  }
}

/* The push's schools, held until it commits. One deleted while the push ran
 * cannot take its statistics: the push answers 409 and writes nothing; sent
 * again, that school's rows are refused as unknown schools. */
static bool schools_hold(struct push *p) {
  if (p->stats.n == 0)
    return true;
  int64_t *ids = malloc(p->stats.n * sizeof *ids);
  if (ids == NULL)
    abort();
  for (size_t i = 0; i < p->stats.n; i++)
    ids[i] = p->stats.items[i].school_id;
  char *text = db_id_array(ids, p->stats.n);
  free(ids);
  const struct db_arg args[] = {{"schools", text}, DB_END};
  PGresult *r = push_query(p, STMT_PUSH_SCHOOLS_HOLD, args);
  free(text);
  if (r == NULL)
    return false;
  bool all = (size_t)PQntuples(r) == p->stats.n;
  if (!all) {
    char codes[200], detail[400];
    missing_codes(p, r, codes, sizeof codes);
    snprintf(detail, sizeof detail,
             "schools were deleted while the push ran (%s); nothing was "
             "written. Push again: rows of a school that no longer exists are "
             "then refused as unknown schools",
             codes);
    reply_problem(p->rq, ERR_CONFLICT, detail);
  }
  PQclear(r);
  return all;
}

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

static bool problems_store(struct push *p) {
  if (p->problems_count == 0)
    return true;
  if (!push_copy_start(p, STMT_PUSH_COPY_PROBLEMS))
    return false;
  rewind(p->problems);
  char chunk[1u << 16];
  size_t n;
  bool ok = true;
  while (ok && (n = fread(chunk, 1, sizeof chunk, p->problems)) > 0)
    ok = push_copy_send(p, chunk, n);
  PGresult *r = ok ? push_copy_end(p) : NULL;
  ok = ok && r != NULL && db_result_ok(r);
  if (!ok && r != NULL)
    push_fail_db(p, r);
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
  json_t *s = json_pack(
      "{sI sI ss ss sb ss? si si si si si si si so si ss}", "import_id",
      (json_int_t)p->import_id, "assessment_id", (json_int_t)p->ins.id,
      "outcome", outcome, "mode", p->opt.partial ? "partial" : "strict",
      "dry_run", p->opt.dry_run, "replace",
      p->opt.replace_school ? "school" : NULL, "received", (int)p->received,
      "inserted", (int)p->inserted, "updated", (int)p->updated, "unchanged",
      (int)p->unchanged, "deleted", (int)p->deleted, "rejected",
      (int)p->rejected, "problems_count", (int)p->problems_count, "problems",
      shown, "duration_ms", (int)ms, "problems_url", link);
  results_parser_report(p->parser, s);
  return s;
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
    csv_in_problem_path(path, sizeof path,
                        (long)json_integer_value(json_object_get(pr, "row")),
                        column);
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

void push_record_args(const struct push *p,
                      struct db_arg out[PUSH_RECORD_ARGS]) {
  const struct request *rq = p->rq;
  const struct db_arg args[PUSH_RECORD_ARGS] = {
      {"id", p->import},
      {"assessment_id", p->assessment},
      {"actor_kind", principal_kind_name(rq->principal.kind)},
      {"actor_name", rq->principal.name},
      {"scope_kind", rq->principal.scope_kind},
      {"scope_id", auth_scope_id(rq)},
      {"idempotency_key", p->key[0] ? p->key : NULL},
      {"content_type", p->opt.content_type},
      {"mode", p->opt.partial ? "partial" : "strict"},
      {"replace", p->opt.replace_school ? "school" : NULL},
      {"request_id", rq->id}};
  memcpy(out, args, sizeof args);
}

/* The record, complete, with the answer it gave. */
static bool import_store(struct push *p, const char *sha, const char *outcome,
                         int status, const char *answer, long ms) {
  struct request *rq = p->rq;
  struct db_arg texts[PUSH_RECORD_ARGS + 4];
  push_record_args(p, texts);
  texts[PUSH_RECORD_ARGS] = (struct db_arg){"body_sha256", sha};
  texts[PUSH_RECORD_ARGS + 1] = (struct db_arg){"outcome", outcome};
  texts[PUSH_RECORD_ARGS + 2] = (struct db_arg){"answer", answer};
  texts[PUSH_RECORD_ARGS + 3] = (struct db_arg)DB_END;
  json_t *numbers = json_pack(
      "{sI sb sI sI sI sI sI sI sI sI si}", "actor_id",
      (json_int_t)rq->principal.id, "dry_run", p->opt.dry_run, "rows_received",
      (json_int_t)p->received, "rows_inserted", (json_int_t)p->inserted,
      "rows_updated", (json_int_t)p->updated, "rows_unchanged",
      (json_int_t)p->unchanged, "rows_deleted", (json_int_t)p->deleted,
      "rows_rejected", (json_int_t)p->rejected, "problems_count",
      (json_int_t)p->problems_count, "duration_ms", (json_int_t)ms, "status",
      status);
  bool ok = push_run_ok(p, STMT_PUSH_IMPORT_STORE, texts, numbers);
  json_decref(numbers);
  return ok && problems_store(p);
}

void push_finish(struct push *p, struct request *rq) {
  char sha[65];
  sha_hex(p, sha);
  if (p->replay) {
    replay_answer(p, rq, sha);
    return;
  }
  progress_tick(p); /* an empty body: its record begins here */
  if (!p->body_fatal && !results_parser_finish(p->parser))
    p->body_fatal = true;
  if (p->db_failed || (!p->body_fatal && !push_rows_flush(p)))
    return;
  progress_tick(p); /* the last rows are in; the statistics may take long */
  if (p->copy_open) /* a body that could not be read left a COPY open */
    PQclear(push_copy_end(p));
  const char *outcome = outcome_of(p);
  bool keep = strcmp(outcome, "committed") == 0;
  if (keep) {
    PGresult *failed = NULL;
    if (!schools_hold(p))
      return;
    if (!stats_table_store(&p->stats, p->pg, &failed)) {
      push_fail_db(p, failed);
      PQclear(failed);
      return;
    }
  } else {
    if (!push_exec(p, "ROLLBACK") || !push_exec(p, "BEGIN"))
      return;
    if (strcmp(outcome, "rejected") == 0)
      p->inserted = p->updated = p->unchanged = p->deleted = 0;
  }
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
  if (!import_store(p, sha, outcome, status, text, ms) ||
      !push_exec(p, "COMMIT")) {
    free(text);
    return;
  }
  progress_end(p, outcome);
  rq->db_primary_used = true; /* its Opora-LSN: the primary's position */
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
  push_rows_free(p);        /* first: its thread may use the connection */
  db_disconnect_own(p->pg); /* an open transaction ends with it */
  progress_fail(p);         /* after: that transaction may hold the record */
  results_parser_free(p->parser);
  stats_table_free(&p->stats);
  for (size_t i = 0; i < p->n_codes; i++)
    free(p->codes[i].code);
  free(p->codes);
  free(p->replay_answer);
  if (p->problems != NULL)
    fclose(p->problems);
  json_decref(p->shown);
  free(p);
}
