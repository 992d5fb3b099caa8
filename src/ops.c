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
  static const char body[] =
      "{\"status\":\"ok\",\"version\":\"" OPORA_VERSION "\"}";
  reply_json_text(rq, 200, body, sizeof body - 1);
}

/* Once the applied files matched this binary's, they stay matched. */
static atomic_bool schema_current;

/* 503 not_ready: why, with the two schema versions (the database's when it
 * could be read). */
static void reply_not_ready(struct request *rq, const char *reason, int applied,
                            int expected) {
  json_t *body =
      json_pack("{s:s, s:s}", "status", "not_ready", "reason", reason);
  if (applied >= 0)
    json_object_set_new(body, "schema_version", json_integer(applied));
  json_object_set_new(body, "schema_expected", json_integer(expected));
  reply_json_steal(rq, 503, body);
  reply_header(rq, "Retry-After", "5");
}

/* Ready once the database answers and holds every migration of this binary.
 * A database ahead of the binary is ready too: during a rolling upgrade the
 * new release has migrated while the old one still serves (migrations only
 * add). One behind it was not migrated, or was restored from an older
 * backup: not ready, saying so. The versions are compared on every call;
 * the applied files' checksums only until they matched once. */
void ready_get(struct request *rq) {
  PGresult *r = db_call(rq, STMT_PING, NULL, NULL);
  if (r == NULL)
    return; /* answered 503 */
  PQclear(r);
  int expected = migrate_latest(migrations, migrations_count);
  PGconn *conn = db_connection();
  int applied = conn != NULL ? migrate_schema_version(conn) : -1;
  char reason[200];
  if (applied < 0) {
    reply_not_ready(rq, "the database's schema version cannot be read", -1,
                    expected);
    return;
  }
  if (applied < expected) {
    snprintf(reason, sizeof reason,
             "the database's schema is at version %d, this binary needs %d: "
             "run opora migrate",
             applied, expected);
    reply_not_ready(rq, reason, applied, expected);
    return;
  }
  if (!atomic_load(&schema_current)) {
    int pending = migrate_pending(conn, migrations, migrations_count);
    if (pending != 0) {
      if (pending > 0)
        snprintf(reason, sizeof reason,
                 "%d migration(s) of this binary are missing from the "
                 "database: run opora migrate",
                 pending);
      else
        snprintf(reason, sizeof reason,
                 "the schema cannot be checked or an applied migration "
                 "differs from this binary's");
      reply_not_ready(rq, reason, applied, expected);
      return;
    }
    atomic_store(&schema_current, true);
  }
  reply_json_steal(rq, 200,
                   json_pack("{s:s, s:i, s:i}", "status", "ready",
                             "schema_version", applied, "schema_expected",
                             expected));
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
