/* The demo's results through the push (src/demo/demo_results.h). The push
 * belongs to an HTTP request; here it gets one made in-process: no
 * connection, the demo administrator as its principal, a body fed in pieces
 * as the server feeds one. Its answer is checked, and so is the import
 * record it wrote: a problem in the demo's rows fails the load. */
#include "demo_results.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessments.h"
#include "auth.h"
#include "db.h"
#include "demo_gen.h"
#include "push.h"
#include "request.h"

#define FIRST_YEAR 2023
#define LAST_YEAR 2025
#define PIECE (64u << 10) /* about what libmicrohttpd hands a handler */

/* The municipalities of demo/demo_data.sql: their schools are the demo's. */
static const char demo_municipalities[] =
    "{33-kovrov-r,57-livny-r,66-kushva-go,40-borovsk-r,07-terek-r,"
    "33-kovrov-go,33-vyazniki-r,33-gorokhovets-r,57-livny-go,57-mtsensk-r,"
    "66-krasnouralsk-go,66-nizhnyaya-salda-go,40-maloyaroslavets-r,"
    "40-zhukov-r,07-baksan-r,07-urvan-r}";

struct demo_load {
  PGconn *conn;
  struct principal admin;
  PGresult *schools_result; /* owns the schools' strings */
  struct demo_school *schools;
  int n_schools;
  char *err;
  size_t err_len;
};

static int fail(struct demo_load *d, const char *what, const char *why) {
  snprintf(d->err, d->err_len, "demo results: %s: %s\n", what, why);
  return -1;
}

static bool query_ok(struct demo_load *d, PGresult *r, const char *what) {
  if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK)
    return true;
  fail(d, what, PQerrorMessage(d->conn));
  PQclear(r);
  return false;
}

/* The principal the server would find behind the admin's token. */
static int admin_load(struct demo_load *d) {
  PGresult *r = db_call_on(d->conn, STMT_DEMO_ADMIN, NULL, NULL, NULL, NULL);
  if (!query_ok(d, r, "the demo administrator"))
    return -1;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return fail(d, "the demo administrator", "no active global admin 'admin'");
  }
  memset(&d->admin, 0, sizeof d->admin);
  d->admin.kind = PRINCIPAL_USER;
  d->admin.id = strtoll(db_get(r, 0, "id"), NULL, 10);
  d->admin.role = ROLE_ADMIN;
  snprintf(d->admin.name, sizeof d->admin.name, "%s", db_get(r, 0, "login"));
  snprintf(d->admin.scope_kind, sizeof d->admin.scope_kind, "%s",
           scope_kind_name(SCOPE_GLOBAL));
  PQclear(r);
  return 0;
}

static int schools_load(struct demo_load *d) {
  const struct db_arg args[] = {{"municipalities", demo_municipalities},
                                DB_END};
  PGresult *r = db_call_on(d->conn, STMT_DEMO_SCHOOLS, args, NULL, NULL, NULL);
  if (!query_ok(d, r, "the demo schools"))
    return -1;
  d->schools_result = r;
  d->n_schools = PQntuples(r);
  d->schools = calloc((size_t)d->n_schools + 1, sizeof *d->schools);
  if (d->schools == NULL)
    abort();
  for (int i = 0; i < d->n_schools; i++) {
    struct demo_school *s = &d->schools[i];
    s->code = db_get(r, i, "code");
    s->short_name = db_get(r, i, "short_name");
    s->municipality = db_get(r, i, "municipality");
    s->type = db_get(r, i, "type");
    s->rural = strcmp(db_get(r, i, "rural"), "t") == 0;
    s->students = atoi(db_get(r, i, "students"));
    s->pattern =
        demo_pattern_of(s->code, strcmp(db_get(r, i, "shnor_2024"), "t") == 0);
  }
  return 0;
}

/* --- one push ------------------------------------------------------------- */

/* Feeds whole pieces of the text, keeping the rest; false once the push
 * has answered (it takes no more). */
static bool feed_pieces(struct push *p, struct request *rq,
                        struct demo_text *body, bool all) {
  size_t at = 0;
  bool going = true;
  while (going && (body->len - at >= PIECE || (all && at < body->len))) {
    size_t n = body->len - at < PIECE ? body->len - at : PIECE;
    going = push_feed(p, rq, body->text + at, n);
    at += n;
  }
  memmove(body->text, body->text + at, body->len - at);
  body->len -= at;
  return going;
}

/* The body, generated school by school and fed as it grows. False once the
 * push has answered. */
static bool push_body(struct demo_load *d, struct push *p, struct request *rq,
                      const struct demo_work *w) {
  struct demo_text body = {0};
  demo_work_header(w, &body);
  bool going = true;
  for (int i = 0; going && i < d->n_schools; i++) {
    demo_work_rows(w, &d->schools[i], &body);
    going = feed_pieces(p, rq, &body, false);
  }
  if (going)
    going = feed_pieces(p, rq, &body, true);
  demo_text_free(&body);
  return going;
}

/* The push's answer and its record: committed, with no problem. */
static int push_check(struct demo_load *d, struct request *rq) {
  const struct db_arg args[] = {{"request_id", rq->id}, DB_END};
  PGresult *r = db_call_on(d->conn, STMT_DEMO_IMPORT, args, NULL, NULL, NULL);
  if (!query_ok(d, r, rq->id))
    return -1;
  char why[900];
  snprintf(why, sizeof why, "the push answered %u", rq->status);
  bool ok = false;
  if (PQntuples(r) == 1) {
    const char *problems = db_get(r, 0, "problems");
    ok = (rq->status == 200 || rq->status == 201) &&
         strcmp(db_get(r, 0, "outcome"), "committed") == 0 &&
         strcmp(db_get(r, 0, "problems_count"), "0") == 0;
    snprintf(why, sizeof why, "the push answered %u, %s, %s problem(s)%s%s",
             rq->status, db_get(r, 0, "outcome"),
             db_get(r, 0, "problems_count"), problems ? ": " : "",
             problems ? problems : "");
  }
  PQclear(r);
  return ok ? 0 : fail(d, rq->id, why);
}

/* A request as the server would make it for this push, without a
 * connection. */
static void request_make(struct demo_load *d, struct request *rq,
                         const char *id) {
  memset(rq, 0, sizeof *rq);
  rq->method = HTTP_POST;
  rq->method_text = "POST";
  rq->path = "/api/v1/assessments/{id}/results";
  snprintf(rq->id, sizeof rq->id, "%s", id);
  rq->authenticated = true;
  rq->principal = d->admin;
}

/* Generates the instrument's rows, pushes them and checks what the push
 * did; an instrument the demo does not know is left alone. */
static int push_one(struct demo_load *d, struct request *rq,
                    const struct instrument *ins, const PGresult *r, int row) {
  struct demo_work w;
  switch (demo_work_init(
      &w, ins, atoi(db_get(r, row, "grade")), db_get(r, row, "subject_code"),
      db_get(r, row, "variant_set"), db_get(r, row, "levels"))) {
  case DEMO_WORK_UNKNOWN:
    return 0;
  case DEMO_WORK_UNFIT:
    return fail(d, rq->id,
                "the instrument has no mark boundaries or ЕГЭ minimum to "
                "write results against");
  case DEMO_WORK_OK:
    break;
  }
  const struct push_options opt = {.format = RESULTS_CSV,
                                   .content_type = "text/csv; charset=utf-8"};
  struct push *p = push_begin(rq, &w.ins, &opt);
  if (p != NULL && push_body(d, p, rq, &w))
    push_finish(p, rq);
  push_free(p);
  return push_check(d, rq);
}

static int push_instrument(struct demo_load *d, const PGresult *r, int row) {
  char id[REQUEST_ID_MAX + 1];
  const char *variant = db_get(r, row, "variant_set");
  snprintf(id, sizeof id, "demo-data-%s-%s-%s-%s%s%s", db_get(r, row, "kind"),
           db_get(r, row, "year"), db_get(r, row, "grade"),
           db_get(r, row, "subject_code"), variant[0] ? "-" : "", variant);
  struct request rq;
  request_make(d, &rq, id);
  struct instrument ins;
  int rc = assessment_load(&rq, strtoll(db_get(r, row, "id"), NULL, 10), &ins)
               ? push_one(d, &rq, &ins, r, row)
               : fail(d, id, "the instrument cannot be read");
  if (rq.response != NULL) /* the answer no connection will send */
    MHD_destroy_response(rq.response);
  return rc;
}

int demo_results_load(PGconn *conn, char *err, size_t err_len) {
  struct demo_load d = {.conn = conn, .err = err, .err_len = err_len};
  if (!secrets_init())
    return fail(&d, "libsodium", "cannot be initialised");
  char first[8], last[8];
  snprintf(first, sizeof first, "%d", FIRST_YEAR);
  snprintf(last, sizeof last, "%d", LAST_YEAR);
  const struct db_arg years[] = {
      {"first_year", first}, {"last_year", last}, DB_END};
  int rc = admin_load(&d);
  if (rc == 0)
    rc = schools_load(&d);
  PGresult *r = NULL;
  if (rc == 0) {
    r = db_call_on(conn, STMT_DEMO_INSTRUMENTS, years, NULL, NULL, NULL);
    if (!query_ok(&d, r, "the demo instruments")) { /* r cleared */
      r = NULL;
      rc = -1;
    }
  }
  for (int i = 0; rc == 0 && i < PQntuples(r); i++)
    if (strcmp(db_get(r, i, "has_results"), "t") != 0)
      rc = push_instrument(&d, r, i);
  PQclear(r);
  PQclear(d.schools_result);
  free(d.schools);
  db_close_all(); /* the thread's connection, opened by assessment_load */
  return rc;
}
