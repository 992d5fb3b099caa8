/* POST /api/v1/social-context:import: a region's social context for one
 * school year at once, as CSV (the one reader, include/csv_in.h) or a JSON
 * array, keyed by the school's code (docs/CONTEXT.md). The conventions of
 * the results push without its streaming: every problem with its row and
 * column; strict writes all or nothing, partial the good rows; a dry run
 * writes nothing; an Idempotency-Key replays its first answer. A school
 * outside the caller's scope is an unknown code. Every write is audited. */
#include <ctype.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "context.h"
#include "csv_in.h"
#include "fields.h"
#include "handlers.h"
#include "request.h"
#include "resource.h"
#include "utf8.h"

static const char *const modes[] = {"strict", "partial", NULL};
const struct jspec_field context_import_params[] = {
    FIELD("year", JS_INTEGER, REQ, CONTEXT_MIN_YEAR, CONTEXT_MAX_YEAR),
    ENUM_FIELD("mode", 0, modes),
    FIELD("dry_run", JS_BOOLEAN, 0, 0, 0),
    END_FIELDS,
};

/* The columns: the school's code, the seven shares, the pupils. */
enum { F_CODE, F_SHARE0, F_PUPILS = F_SHARE0 + 7, N_FIELDS };
static const struct csv_in_field fields[N_FIELDS] = {
    [F_CODE] = {"school_code",
                {"код школы", "код ОО", "код организации", "код", "code",
                 "school"}},
    [F_SHARE0] = {"parents_higher_education",
                  {"оба родителя с высшим образованием",
                   "родители с высшим образованием", "высшее образование"}},
    [F_SHARE0 +
        1] = {"single_parent",
              {"неполные семьи", "из неполных семей", "неполная семья"}},
    [F_SHARE0 + 2] = {"unemployed_parents",
                      {"безработные родители", "родители безработные",
                       "из семей безработных"}},
    [F_SHARE0 +
        3] = {"low_income",
              {"малоимущие семьи", "малоимущие", "из малоимущих семей"}},
    [F_SHARE0 + 4] = {"non_russian_at_home",
                      {"не говорят дома по-русски", "не говорят дома по русски",
                       "неродной русский"}},
    [F_SHARE0 + 5] = {"preventive_register",
                      {"на профилактическом учёте", "профилактический учёт"}},
    [F_SHARE0 + 6] = {"disabilities", {"с ОВЗ", "ОВЗ", "обучающиеся с ОВЗ"}},
    [F_PUPILS] = {"pupils",
                  {"обучающихся", "число обучающихся",
                   "численность обучающихся", "контингент"}},
};

struct import {
  struct request *rq;
  int year;
  bool partial, dry_run, csv;
  json_t *rows;     /* [{row, school_code, shares..., pupils}] read */
  json_t *problems; /* [{row, column, message}] */
  json_t *report;   /* encoding, columns, warnings of a CSV */
  bool body_fatal, header_ok;
  struct csv_in *r;
  char key[256], sha[65];
  long inserted, updated, unchanged, rejected;
  size_t read_problems; /* the problems of reading, before the database's */
};

static void problem(struct import *im, long row, const char *column,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void problem(struct import *im, long row, const char *column,
                    const char *fmt, ...) {
  char message[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  utf8_make_valid(message);
  json_array_append_new(
      im->problems,
      json_pack("{s:o s:s? s:s}", "row",
                row > 0 ? json_integer((json_int_t)row) : json_null(), "column",
                column, "message", message));
}

/* --- cells ---------------------------------------------------------------- */

/* A number as people type it: "12.5", "12,5", "12,5 %". */
static bool parse_number(const char *text, double *out) {
  char buf[64];
  size_t n = 0;
  for (const char *s = text; *s != '\0'; s++) {
    if (*s == ' ' || (*s == '%' && s[1] == '\0'))
      continue;
    if (n + 1 >= sizeof buf ||
        !(isdigit((unsigned char)*s) || *s == '.' || *s == ',' || *s == '-'))
      return false;
    buf[n++] = *s == ',' ? '.' : *s;
  }
  buf[n] = '\0';
  char *end;
  *out = strtod(buf, &end);
  return n > 0 && *end == '\0';
}

/* One cell of field f into the row; a problem when it is no good. */
static void read_value(struct import *im, json_t *row, long n, int f,
                       const char *text) {
  const char *name = fields[f].name;
  double v;
  if (text == NULL || text[0] == '\0') {
    json_object_set_new(row, name, json_null());
  } else if (f == F_PUPILS) {
    if (!parse_number(text, &v) || v != (double)(long)v || v < 0 ||
        v > CONTEXT_MAX_PUPILS)
      problem(im, n, name, "must be a whole number from 0 to %d",
              CONTEXT_MAX_PUPILS);
    else
      json_object_set_new(row, name, json_integer((json_int_t)v));
  } else if (!parse_number(text, &v) || !context_share_valid(v)) {
    char cell[64];
    problem(im, n, name, "must be a percentage from 0 to 100, not \"%s\"",
            csv_in_excerpt(text, 40, cell, sizeof cell));
  } else {
    json_object_set_new(row, name, json_real(v));
  }
}

/* --- CSV ------------------------------------------------------------------ */

static const char *column_name(const struct csv_in_column *c) {
  return c == NULL ? NULL : c->name != NULL ? c->name : c->header;
}

static void csv_problem(void *ctx, enum csv_in_problem kind, long row,
                        const struct csv_in_column *column,
                        const char *message) {
  struct import *im = ctx;
  if (kind == CSV_IN_BODY)
    im->body_fatal = true;
  else
    im->header_ok = false;
  problem(im, row, column_name(column), "%s", message);
}

static void csv_header(void *ctx, struct csv_in *r) {
  struct import *im = ctx;
  if (csv_in_field_column(r, F_CODE) == NULL) {
    problem(im, csv_in_row(r), "school_code",
            "the column is required (код школы)");
    im->header_ok = false;
  }
}

static void csv_record(void *ctx, struct csv_in *r) {
  struct import *im = ctx;
  long n = csv_in_row(r);
  const struct csv_in_column *bad;
  const char *fault = csv_in_fault(r, &bad);
  if (fault != NULL) {
    problem(im, n, column_name(bad), "%s", fault);
    json_array_append_new(
        im->rows, json_pack("{s:I s:b}", "row", (json_int_t)n, "bad", 1));
    return;
  }
  if (!im->header_ok)
    return;
  json_t *row = json_pack("{s:I}", "row", (json_int_t)n);
  const char *code = csv_in_value(r, F_CODE);
  json_object_set_new(row, "school_code",
                      code && code[0] ? json_string(code) : json_null());
  for (int f = F_SHARE0; f < N_FIELDS; f++)
    read_value(im, row, n, f, csv_in_value(r, f));
  json_array_append_new(im->rows, row);
}

static void read_csv(struct import *im, enum csv_in_encoding enc) {
  struct csv_in_hooks h = {.fields = fields,
                           .n_fields = N_FIELDS,
                           .on_problem = csv_problem,
                           .on_header = csv_header,
                           .on_record = csv_record,
                           .ctx = im};
  im->header_ok = true;
  im->r = csv_in_new(&h, enc);
  if (im->r == NULL)
    abort();
  if (!csv_in_feed(im->r, im->rq->body ? im->rq->body : "", im->rq->body_len) ||
      !csv_in_finish(im->r))
    im->body_fatal = im->body_fatal || json_array_size(im->rows) == 0;
  if (!im->header_ok)
    im->body_fatal = true;
  im->report = json_pack(
      "{s:s s:o s:o}", "encoding", csv_in_encoding_name(im->r), "columns",
      csv_in_columns_json(im->r), "warnings", csv_in_warnings_json(im->r));
  csv_in_free(im->r);
  im->r = NULL;
}

/* --- JSON ----------------------------------------------------------------- */

static int field_of(const char *key) {
  for (int f = 0; f < N_FIELDS; f++)
    if (strcmp(fields[f].name, key) == 0)
      return f;
  return -1;
}

static void json_row(struct import *im, json_t *in, long n) {
  json_t *row = json_pack("{s:I}", "row", (json_int_t)n);
  json_array_append_new(im->rows, row);
  if (!json_is_object(in)) {
    problem(im, n, NULL, "must be an object");
    json_object_set_new(row, "bad", json_true());
    return;
  }
  const char *key;
  json_t *v;
  json_object_foreach(in, key, v) {
    int f = field_of(key);
    if (f < 0) {
      problem(im, n, key, "is not a field of the social context");
    } else if (f == F_CODE) {
      if (json_is_string(v))
        json_object_set(row, key, v);
      else {
        problem(im, n, key, "must be a string");
        json_object_set_new(row, "bad", json_true());
      }
    } else if (json_is_null(v)) {
      json_object_set_new(row, key, json_null());
    } else if (!json_is_number(v)) {
      problem(im, n, key, "must be a number or null");
    } else {
      char text[64];
      snprintf(text, sizeof text, "%.17g", json_number_value(v));
      read_value(im, row, n, f, text);
    }
  }
}

static void read_json(struct import *im) {
  json_error_t err;
  json_t *doc = json_loadb(im->rq->body ? im->rq->body : "", im->rq->body_len,
                           JSON_REJECT_DUPLICATES, &err);
  if (!json_is_array(doc)) {
    problem(im, 0, NULL, "%s",
            doc == NULL ? "the body is not valid JSON"
                        : "the body must be a JSON array of rows");
    im->body_fatal = true;
  } else {
    size_t i;
    json_t *in;
    json_array_foreach(doc, i, in) json_row(im, in, (long)i + 1);
  }
  json_decref(doc);
  im->report = json_pack("{s:[]}", "warnings");
}

/* --- writing -------------------------------------------------------------- */

/* Has the row a problem of its own? */
static bool row_has_problem(const struct import *im, json_int_t n) {
  size_t i;
  json_t *p;
  json_array_foreach(im->problems, i, p) {
    if (json_integer_value(json_object_get(p, "row")) == n)
      return true;
  }
  return false;
}

/* Every row's school: a code of the caller's scope, once. Sets each row's
 * "school" (its id) or reports the row. */
static bool match_schools(struct import *im) {
  PGresult *r = db_call(im->rq, STMT_CONTEXT_SCHOOL_CODES, NULL, NULL);
  if (r == NULL)
    return false;
  json_t *codes = json_object(), *seen = json_object();
  for (int k = 0; k < PQntuples(r); k++)
    json_object_set_new(codes, db_get(r, k, "code"),
                        json_string(db_get(r, k, "id")));
  PQclear(r);
  size_t i;
  json_t *row;
  json_array_foreach(im->rows, i, row) {
    json_int_t n = json_integer_value(json_object_get(row, "row"));
    const char *code = json_string_value(json_object_get(row, "school_code"));
    json_t *id = code ? json_object_get(codes, code) : NULL;
    json_t *earlier = code ? json_object_get(seen, code) : NULL;
    if (json_object_get(row, "bad") != NULL)
      continue;
    if (code == NULL)
      problem(im, n, "school_code", "is required");
    else if (id == NULL)
      problem(im, n, "school_code",
              "no school with this code is within your scope");
    else if (earlier != NULL)
      problem(im, n, "school_code", "the school is given already in row %lld",
              (long long)json_integer_value(earlier));
    else {
      json_object_set(row, "school", id);
      json_object_set_new(seen, code, json_integer(n));
    }
  }
  json_decref(codes);
  json_decref(seen);
  return true;
}

/* The row's doc before and after, for the audit. */
static char *doc_of(struct request *rq, const char *school, const char *year,
                    bool *failed) {
  const struct db_arg args[] = {{"school", school}, {"year", year}, DB_END};
  PGresult *r = db_call(rq, STMT_CONTEXT_DOC, args, NULL);
  *failed = r == NULL;
  char *doc =
      r != NULL && PQntuples(r) == 1 ? strdup(db_get(r, 0, "doc")) : NULL;
  PQclear(r);
  return doc;
}

/* Compares the row with the stored one and, unless a dry run, writes it. */
static bool write_row(struct import *im, json_t *row) {
  struct request *rq = im->rq;
  const char *school = json_string_value(json_object_get(row, "school"));
  char year[16];
  snprintf(year, sizeof year, "%d", im->year);
  json_t *values = json_deep_copy(row);
  json_object_del(values, "row");
  json_object_del(values, "school");
  json_object_del(values, "school_code");
  char *body = json_dumps(values, JSON_COMPACT);
  json_decref(values);
  const struct db_arg args[] = {
      {"body", body}, {"school", school}, {"year", year}, DB_END};
  PGresult *r = db_call(rq, STMT_CONTEXT_COMPARE, args, NULL);
  bool ok = r != NULL;
  const char *change = ok ? db_get(r, 0, "change") : "";
  bool insert = strcmp(change, "insert") == 0;
  bool same = strcmp(change, "unchanged") == 0;
  PQclear(r);
  if (ok)
    *(same ? &im->unchanged : insert ? &im->inserted : &im->updated) += 1;
  if (!ok || same || im->dry_run) {
    free(body);
    return ok;
  }
  bool failed;
  char *before = doc_of(rq, school, year, &failed);
  r = failed ? NULL : db_call(rq, STMT_CONTEXT_UPSERT, args, NULL);
  free(body);
  ok = r != NULL;
  PQclear(r);
  char *after = ok ? doc_of(rq, school, year, &failed) : NULL;
  struct audit_entry e = {.action = insert ? "create" : "update",
                          .entity = "school_context",
                          .entity_id = school,
                          .before = before,
                          .after = after,
                          .place = AUDIT_PLACE_PARENT,
                          .parent = school};
  ok = ok && after != NULL && audit_write(rq, &e);
  free(before);
  free(after);
  return ok;
}

static const char *outcome_of(const struct import *im) {
  if (im->body_fatal || (!im->partial && json_array_size(im->problems) > 0))
    return "rejected";
  return im->dry_run ? "dry_run" : "committed";
}

static json_t *summary(const struct import *im, const char *outcome) {
  json_t *s = json_pack(
      "{s:i s:s s:s s:b s:i s:i s:i s:i s:i s:i s:O}", "year", im->year,
      "outcome", outcome, "mode", im->partial ? "partial" : "strict", "dry_run",
      im->dry_run, "received", (int)json_array_size(im->rows), "inserted",
      (int)im->inserted, "updated", (int)im->updated, "unchanged",
      (int)im->unchanged, "rejected", (int)im->rejected, "problems_count",
      (int)json_array_size(im->problems), "problems", im->problems);
  if (im->report != NULL)
    json_object_update(s, im->report);
  return s;
}

static json_t *refusal(const struct import *im, json_t *summary_steal) {
  json_t *errors = json_array();
  size_t i;
  json_t *p;
  json_array_foreach(im->problems, i, p) {
    char path[200];
    const char *column = json_string_value(json_object_get(p, "column"));
    csv_in_problem_path(path, sizeof path,
                        (long)json_integer_value(json_object_get(p, "row")),
                        column);
    jspec_error(errors, path, json_string_value(json_object_get(p, "message")));
  }
  char detail[160];
  snprintf(detail, sizeof detail,
           "%zu problem%s in %ld of %zu rows; nothing "
           "was written",
           json_array_size(im->problems),
           json_array_size(im->problems) == 1 ? "" : "s", im->rejected,
           json_array_size(im->rows));
  if (im->body_fatal)
    snprintf(detail, sizeof detail,
             "the body cannot be read; nothing was written");
  json_t *body = problem_build(ERR_IMPORT_REJECTED, detail, im->rq->id, errors);
  json_object_set_new(body, "import", summary_steal);
  return body;
}

/* --- idempotency -----------------------------------------------------------
 */

static bool key_acceptable(const char *key) {
  size_t n = strlen(key);
  if (n == 0 || n >= 256)
    return false;
  for (size_t i = 0; i < n; i++)
    if (key[i] < 0x21 || key[i] > 0x7e)
      return false;
  return true;
}

/* What the key stands for: the options and the body. */
static void body_sha(struct import *im, const char *content_type) {
  crypto_hash_sha256_state st;
  char asked[256];
  int n = snprintf(asked, sizeof asked, "year=%d mode=%s dry_run=%d type=%s\n",
                   im->year, im->partial ? "partial" : "strict",
                   (int)im->dry_run, content_type);
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const unsigned char *)asked,
                            (size_t)n < sizeof asked ? (size_t)n
                                                     : sizeof asked - 1);
  crypto_hash_sha256_update(
      &st, (const unsigned char *)(im->rq->body ? im->rq->body : ""),
      im->rq->body_len);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, digest);
  sodium_bin2hex(im->sha, sizeof im->sha, digest, sizeof digest);
}

static void key_args(struct import *im, char *actor, size_t n,
                     struct db_arg out[4]) {
  snprintf(actor, n, "%lld", (long long)im->rq->principal.id);
  out[0] = (struct db_arg){"actor_kind",
                           principal_kind_name(im->rq->principal.kind)};
  out[1] = (struct db_arg){"actor_id", actor};
  out[2] = (struct db_arg){"idempotency_key", im->key};
  out[3] = (struct db_arg)DB_END;
}

/* The key's earlier answer, replayed: true when answered (a replay or a
 * reuse), or after a failed statement (*failed). */
static bool replayed(struct import *im, bool *failed) {
  char actor[24];
  struct db_arg args[4];
  key_args(im, actor, sizeof actor, args);
  PGresult *r = db_call(im->rq, STMT_CONTEXT_KEY_LOCK, args, NULL);
  PQclear(r);
  r = r ? db_call(im->rq, STMT_CONTEXT_KEY_FIND, args, NULL) : NULL;
  *failed = r == NULL;
  if (r == NULL || PQntuples(r) == 0) {
    PQclear(r);
    return *failed;
  }
  if (strcmp(db_get(r, 0, "body_sha256"), im->sha) != 0) {
    reply_problem(im->rq, ERR_IDEMPOTENCY_KEY_REUSED,
                  "this Idempotency-Key was used with another body or other "
                  "options (year, mode, dry_run); use a new key for a new "
                  "import");
  } else {
    int status = atoi(db_get(r, 0, "status"));
    /* The same answer, but a refusal names this request, as every problem
     * does. */
    json_t *first = json_loads(db_get(r, 0, "answer"), 0, NULL);
    if (json_object_get(first, "request_id") != NULL)
      json_object_set_new(first, "request_id", json_string(im->rq->id));
    char *answer = json_dumps(first, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(first);
    if (answer == NULL) {
      PQclear(r);
      reply_problem(im->rq, ERR_INTERNAL, NULL);
      return true;
    }
    reply_text(im->rq, (unsigned)status,
               status >= 400 ? "application/problem+json" : "application/json",
               answer, strlen(answer));
    free(answer);
    reply_header(im->rq, "Idempotent-Replayed", "true");
  }
  PQclear(r);
  return true;
}

static bool key_store(struct import *im, int status, const char *answer) {
  char actor[24], code[16];
  struct db_arg args[4];
  key_args(im, actor, sizeof actor, args);
  snprintf(code, sizeof code, "%d", status);
  const struct db_arg all[] = {args[0],
                               args[1],
                               args[2],
                               {"body_sha256", im->sha},
                               {"status", code},
                               {"answer", answer},
                               DB_END};
  PGresult *r = db_call(im->rq, STMT_CONTEXT_KEY_STORE, all, NULL);
  PQclear(r);
  return r != NULL;
}

/* --- the request -----------------------------------------------------------
 */

static bool import_work(struct request *rq, void *arg) {
  struct import *im = arg;
  bool failed = false;
  if (im->key[0] && replayed(im, &failed))
    return false; /* answered; nothing to keep */
  /* A retried transaction starts again from what reading found. */
  im->inserted = im->updated = im->unchanged = im->rejected = 0;
  while (json_array_size(im->problems) > im->read_problems)
    json_array_remove(im->problems, json_array_size(im->problems) - 1);
  if (!im->body_fatal && !match_schools(im))
    return false;
  size_t i;
  json_t *row;
  json_array_foreach(im->rows, i, row) {
    if (row_has_problem(im, json_integer_value(json_object_get(row, "row"))))
      im->rejected++;
  }
  const char *outcome = outcome_of(im);
  bool rejected = strcmp(outcome, "rejected") == 0;
  json_array_foreach(im->rows, i, row) {
    if (rejected ||
        row_has_problem(im, json_integer_value(json_object_get(row, "row"))))
      continue;
    if (!write_row(im, row))
      return false;
  }
  json_t *answer = summary(im, outcome);
  int status = im->dry_run ? 200 : 201;
  if (rejected) {
    json_object_set_new(answer, "inserted", json_integer(0));
    json_object_set_new(answer, "updated", json_integer(0));
    json_object_set_new(answer, "unchanged", json_integer(0));
    answer = refusal(im, answer);
    status = 422;
  }
  char *text = json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(answer);
  if (im->key[0] && !key_store(im, status, text)) {
    free(text);
    return false;
  }
  reply_text(rq, (unsigned)status,
             status >= 400 ? "application/problem+json" : "application/json",
             text, strlen(text));
  free(text);
  return true;
}

/* The query, the body's type and the key; false after answering. */
static bool options_read(struct request *rq, struct import *im,
                         enum csv_in_encoding *enc) {
  json_t *query = request_query_checked(rq, context_import_params);
  if (query == NULL)
    return false;
  im->year = (int)json_integer_value(json_object_get(query, "year"));
  const char *mode = json_string_value(json_object_get(query, "mode"));
  im->partial = mode != NULL && strcmp(mode, "partial") == 0;
  im->dry_run = json_is_true(json_object_get(query, "dry_run"));
  json_decref(query);
  const char *type = request_header(rq, "Content-Type");
  bool json = type != NULL && strncmp(type, "application/json", 16) == 0 &&
              (type[16] == '\0' || type[16] == ';');
  im->csv = type != NULL && strncmp(type, "text/csv", 8) == 0 &&
            (type[8] == '\0' || type[8] == ';') && csv_in_charset(type, enc);
  if (!json && !im->csv) {
    reply_problem(rq, ERR_UNSUPPORTED_MEDIA_TYPE,
                  "send the rows as text/csv (UTF-8 or windows-1251) or "
                  "application/json (an array of rows)");
    return false;
  }
  const char *key = request_header(rq, "Idempotency-Key");
  if (key != NULL && !key_acceptable(key)) {
    reply_problem_at(rq, ERR_BAD_REQUEST, "header.Idempotency-Key",
                     "must be 1 to 255 printable ASCII characters");
    return false;
  }
  snprintf(im->key, sizeof im->key, "%s", key ? key : "");
  body_sha(im, type);
  return true;
}

void context_import(struct request *rq) {
  struct import im = {.rq = rq};
  enum csv_in_encoding enc = CSV_IN_AUTO;
  if (!options_read(rq, &im, &enc))
    return;
  im.rows = json_array();
  im.problems = json_array();
  if (im.csv)
    read_csv(&im, enc);
  else
    read_json(&im);
  im.read_problems = json_array_size(im.problems);
  db_txn(rq, import_work, &im);
  json_decref(im.rows);
  json_decref(im.problems);
  json_decref(im.report);
}
