/* Operational endpoints: liveness, readiness, metrics and the spec. */
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "embedded.h"
#include "handlers.h"
#include "metrics.h"
#include "migrate.h"
#include "request.h"

void health_get(struct request *rq) {
  static const char body[] = "{\"status\":\"ok\"}";
  reply_json_text(rq, 200, body, sizeof body - 1);
}

/* Once the schema matched, it stays matched: migrations only add. */
static atomic_bool schema_current;

static int pending_migrations(void) {
  PGconn *conn = db_connection();
  return conn != NULL ? migrate_pending(conn, migrations, migrations_count)
                      : -1;
}

void ready_get(struct request *rq) {
  PGresult *r = db_call(rq, STMT_PING, NULL, NULL);
  if (r == NULL)
    return; /* answered 503 */
  PQclear(r);
  if (!atomic_load(&schema_current)) {
    int pending = pending_migrations();
    if (pending != 0) {
      char reason[160];
      if (pending > 0)
        snprintf(reason, sizeof reason,
                 "%d migration(s) to apply: run opora migrate", pending);
      else
        snprintf(reason, sizeof reason,
                 "the schema cannot be checked or an applied migration "
                 "differs from this binary's");
      reply_json_steal(
          rq, 503,
          json_pack("{s:s, s:s}", "status", "not_ready", "reason", reason));
      reply_header(rq, "Retry-After", "5");
      return;
    }
    atomic_store(&schema_current, true);
  }
  char body[96];
  int n = snprintf(
      body, sizeof body, "{\"status\":\"ready\",\"schema_version\":%d}",
      migrations_count ? migrations[migrations_count - 1].version : 0);
  reply_json_text(rq, 200, body, (size_t)n);
}

void metrics_get(struct request *rq) {
  size_t len;
  char *text = metrics_render(&len);
  reply_text(rq, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
  free(text);
}

void openapi_get(struct request *rq) {
  reply_text(rq, 200, "application/yaml", embedded_openapi_yaml,
             embedded_openapi_yaml_len);
}
