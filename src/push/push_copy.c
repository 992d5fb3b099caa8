/* The push's connection (push_copy.h): its statements, its COPY, the
 * answer when the database fails it, and its problems as the record keeps
 * them. Below push.c and push_rows.c: nothing here calls them. */
#include "push_copy.h"

#include <stdio.h>
#include <string.h>

#include "copy_binary.h"
#include "log.h"
#include "principal.h"
#include "request.h"
#include "utf8.h"

static bool sqlstate_is(const char *state, const char *want) {
  return state != NULL && strcmp(state, want) == 0;
}

void push_fail_db(struct push *p, const PGresult *r) {
  struct request *rq = p->rq;
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  bool lost = db_connection_lost(p->pg, r);
  /* The statement timeout, or the lock timeout of the same length. */
  bool late = sqlstate_is(state, "57014") || sqlstate_is(state, "55P03");
  log_msg(late ? LOG_WARN : LOG_ERROR, "request %s: push failed: %s %s", rq->id,
          state ? state : "-", PQerrorMessage(p->pg));
  p->db_failed = true;
  if (rq->status != 0)
    return;
  if (late) {
    char detail[200];
    snprintf(detail, sizeof detail,
             "a step of the push waited or ran longer than %s ms (the push "
             "statement timeout); nothing was written, push again shortly",
             p->timeout_ms);
    reply_problem(rq, ERR_DATABASE_UNAVAILABLE, detail);
    reply_header(rq, "Retry-After", "5");
  } else if (lost) {
    reply_problem(rq, ERR_DATABASE_UNAVAILABLE,
                  "the database cannot be reached; nothing was written, push "
                  "again shortly");
    reply_header(rq, "Retry-After", "5");
  } else {
    db_reply_failure_on(rq, p->pg, r); /* a constraint's answer, or 500 */
  }
}

PGresult *push_run(struct push *p, enum stmt_id id, const struct db_arg *args,
                   const json_t *values) {
  return db_call_on(p->pg, id, args, values, auth_scope_kind(p->rq),
                    auth_scope_id(p->rq));
}

PGresult *push_query(struct push *p, enum stmt_id id,
                     const struct db_arg *args) {
  PGresult *r = push_run(p, id, args, NULL);
  if (db_result_ok(r))
    return r;
  push_fail_db(p, r);
  PQclear(r);
  return NULL;
}

bool push_run_ok(struct push *p, enum stmt_id id, const struct db_arg *args,
                 const json_t *values) {
  PGresult *r = push_run(p, id, args, values);
  bool ok = db_result_ok(r);
  if (!ok)
    push_fail_db(p, r);
  PQclear(r);
  return ok;
}

bool push_exec(struct push *p, const char *sql) {
  PGresult *r = PQexec(p->pg, sql);
  bool ok = db_result_ok(r);
  if (!ok)
    push_fail_db(p, r);
  PQclear(r);
  return ok;
}

bool push_timeout_set(struct push *p, const char *ms) {
  const struct db_arg args[] = {{"ms", ms}, DB_END};
  return push_run_ok(p, STMT_PUSH_STATEMENT_TIMEOUT, args, NULL);
}

bool push_copy_start(struct push *p, enum stmt_id id) {
  PGresult *r = PQexec(p->pg, db_stmt_sql(id));
  bool ok = PQresultStatus(r) == PGRES_COPY_IN;
  if (!ok)
    push_fail_db(p, r);
  PQclear(r);
  p->copy_open = ok;
  return ok;
}

bool push_copy_send(struct push *p, const char *data, size_t len) {
  if (len > 0 && PQputCopyData(p->pg, data, (int)len) != 1) {
    push_fail_db(p, NULL);
    return false;
  }
  return true;
}

bool push_copy_start_binary(struct push *p, enum stmt_id id) {
  char header[COPY_BIN_HEADER_BYTES];
  copy_bin_header(header);
  if (!push_copy_start(p, id))
    return false;
  p->copy_binary = true;
  return push_copy_send(p, header, sizeof header);
}

PGresult *push_copy_end(struct push *p) {
  p->copy_open = false;
  if (p->copy_binary) {
    char trailer[COPY_BIN_TRAILER_BYTES];
    copy_bin_trailer(trailer);
    p->copy_binary = false;
    /* A failed send shows in the end's result. */
    (void)PQputCopyData(p->pg, trailer, sizeof trailer);
  }
  if (PQputCopyEnd(p->pg, NULL) != 1)
    return NULL;
  PGresult *r = PQgetResult(p->pg), *more;
  while ((more = PQgetResult(p->pg)) != NULL)
    PQclear(more);
  return r;
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

void push_problem(struct push *p, long row_no, const char *column,
                  const char *code, const char *message) {
  /* The record and the answer take valid UTF-8 only. */
  char column_text[128], message_text[512];
  if (column != NULL) {
    snprintf(column_text, sizeof column_text, "%s", column);
    utf8_make_valid(column_text);
    column = column_text;
  }
  snprintf(message_text, sizeof message_text, "%s", message);
  utf8_make_valid(message_text);
  message = message_text;
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
