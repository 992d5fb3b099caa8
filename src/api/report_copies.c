/* Reports marked as sent (docs/EFFECTIVENESS.md, "Sent reports"): an
 * authority that sends a report upward keeps the workbook as it was made
 * then, so it can be shown again after the data changed.
 *   POST /programmes/{id}/report/copies   make the report now and keep it
 *   POST /monitoring/campaigns/{id}/report/copies   the same for a campaign
 *   GET  /report-copies[?kind=&object_id=] the kept copies the caller may read
 *   GET  /report-copies/{id}               one copy's record
 *   GET  /report-copies/{id}/file          the workbook, byte for byte
 * A copy holds the figures of the scope it was made in, so it is read by
 * callers whose scope covers that one (scope_covers). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "campaign_report.h"
#include "fields.h"
#include "handlers.h"
#include "programmes.h"
#include "resource.h"
#include "table_reply.h"
#include "xlsx_out.h"

#define COPY_MAX_BYTES (64u << 20) /* a report is far smaller */

static const char *const copy_kinds[] = {"programme_report", "campaign_report",
                                         NULL};

const struct jspec_field report_copy_fields[] = {
    FIELD("note", JS_STRING, 0, 0, 2000),
    FIELD("municipality", JS_ID, 0, 0, 0),
    END_FIELDS,
};

/* A campaign's report has no municipality filter. */
const struct jspec_field campaign_report_copy_fields[] = {
    FIELD("note", JS_STRING, 0, 0, 2000),
    END_FIELDS,
};

const struct jspec_field report_copies_list_params[] = {
    ENUM_FIELD("kind", 0, copy_kinds),
    FIELD("object_id", JS_ID, 0, 0, 0),
    PAGE_PARAMS,
    END_FIELDS,
};

const struct list_spec report_copies_list_spec = {
    .params = report_copies_list_params,
    .stmt = STMT_REPORT_COPIES_LIST,
};

void report_copies_list(struct request *rq) {
  resource_list(rq, &report_copies_list_spec);
}

/* The file's bytes as bytea's hex text ("\x0a1b..."), owned; NULL when it
 * cannot be read or is too large. */
static char *file_hex(const char *path) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0 ||
      (uint64_t)st.st_size > COPY_MAX_BYTES) {
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  size_t n = (size_t)st.st_size;
  unsigned char *bytes = malloc(n);
  char *hex = malloc(2 * n + 3);
  if (bytes == NULL || hex == NULL)
    abort();
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, bytes + got, n - got);
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  if (got != n) {
    free(bytes);
    free(hex);
    return NULL;
  }
  static const char digits[] = "0123456789abcdef";
  hex[0] = '\\';
  hex[1] = 'x';
  for (size_t i = 0; i < n; i++) {
    hex[2 + 2 * i] = digits[bytes[i] >> 4];
    hex[3 + 2 * i] = digits[bytes[i] & 15];
  }
  hex[2 + 2 * n] = '\0';
  free(bytes);
  return hex;
}

struct copy_write {
  const char *kind, *object, *municipality, *region, *title, *note, *file_name;
  char *content;
};

/* One transaction: the copy and its audit row; answers 201. */
static bool keep_copy(struct request *rq, void *ctx) {
  struct copy_write *w = ctx;
  const struct db_arg args[] = {{"kind", w->kind},
                                {"object", w->object},
                                {"municipality", w->municipality},
                                {"region", w->region},
                                {"title", w->title},
                                {"note", w->note},
                                {"file_name", w->file_name},
                                {"content", w->content},
                                {"actor", rq->principal.name},
                                DB_END};
  PGresult *r = db_call(rq, STMT_REPORT_COPY_INSERT, args, NULL);
  if (r == NULL)
    return false;
  char id[24];
  snprintf(id, sizeof id, "%s", db_get(r, 0, "id"));
  char *doc = strdup(db_get(r, 0, "doc"));
  PQclear(r);
  if (doc == NULL)
    abort();
  const struct audit_entry e = {.action = "create",
                                .entity = "report_copy",
                                .entity_id = id,
                                .after = doc,
                                .place = AUDIT_PLACE_REGION_ID,
                                .parent = w->region};
  if (!audit_write(rq, &e)) {
    free(doc);
    return false;
  }
  reply_json_text_steal(rq, 201, doc, strlen(doc));
  reply_location_key(rq, "/api/v1/report-copies", id);
  return true;
}

/* Keeps the report just made at path (removed here) as a copy of kind,
 * in one audited transaction; answers. */
static void keep_made(struct request *rq, const char *kind, const char *file,
                      const char *id_text, const char *region,
                      const char *title, const char *path) {
  char *hex = file_hex(path);
  unlink(path);
  if (hex == NULL) {
    reply_problem(rq, ERR_INTERNAL, NULL);
    return;
  }
  const json_t *m = json_object_get(rq->json, "municipality");
  char municipality[24] = "";
  if (json_is_integer(m))
    snprintf(municipality, sizeof municipality, "%lld",
             (long long)json_integer_value(m));
  char file_name[128], stamp[16];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm); /* as the live download names it */
  strftime(stamp, sizeof stamp, "%Y-%m-%d", &tm);
  snprintf(file_name, sizeof file_name, "%s-%s-%s.xlsx", file, id_text, stamp);
  struct copy_write w = {
      .kind = kind,
      .object = id_text,
      .municipality = municipality[0] ? municipality : NULL,
      .region = region,
      .title = title,
      .note = json_string_value(json_object_get(rq->json, "note")),
      .file_name = file_name,
      .content = hex};
  db_txn(rq, keep_copy, &w);
  free(hex);
}

void programme_report_copy(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  if (!request_body_checked(rq, report_copy_fields, JSPEC_CREATE))
    return;
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  PGresult *owner =
      db_call(rq, STMT_PROGRAMME_REPORT_OWNER,
              (const struct db_arg[]){{"programme", id_text}, DB_END}, NULL);
  if (owner == NULL)
    return;
  char path[1100];
  if (PQntuples(owner) == 0)
    reply_unseen(rq, "programme with id %s", id_text);
  else if (programme_report_make(rq, id_text, rq->json, true, path,
                                 sizeof path))
    keep_made(rq, "programme_report", "programme-report", id_text,
              db_get(owner, 0, "region_id"), db_get(owner, 0, "title"), path);
  PQclear(owner);
}

void campaign_report_copy(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  if (!request_body_checked(rq, campaign_report_copy_fields, JSPEC_CREATE))
    return;
  char id_text[24], path[1100], title[1024], region[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  if (campaign_report_make(rq, id_text, path, sizeof path, title, sizeof title,
                           region))
    keep_made(rq, "campaign_report", "campaign-report", id_text, region, title,
              path);
}

/* The path's copy as statement stmt reads it, when the caller may read
 * it; NULL after answering (404 as for a missing one, a bad id, a failed
 * statement). */
static PGresult *copy_in_sight(struct request *rq, enum stmt_id stmt) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return NULL;
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  PGresult *r =
      db_call(rq, stmt, (const struct db_arg[]){{"id", id_text}, DB_END}, NULL);
  if (r != NULL && PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "report copy with id %s", id_text);
    return NULL;
  }
  return r;
}

void report_copy_get(struct request *rq) {
  PGresult *r = copy_in_sight(rq, STMT_REPORT_COPY_GET);
  if (r == NULL)
    return;
  reply_json_text(rq, 200, db_get(r, 0, "doc"), strlen(db_get(r, 0, "doc")));
  PQclear(r);
}

void report_copy_file(struct request *rq) {
  PGresult *r = copy_in_sight(rq, STMT_REPORT_COPY_FILE);
  if (r == NULL)
    return;
  size_t len = 0;
  unsigned char *bytes =
      PQunescapeBytea((const unsigned char *)db_get(r, 0, "content"), &len);
  if (bytes == NULL) {
    PQclear(r);
    reply_problem(rq, ERR_INTERNAL, NULL);
    return;
  }
  reply_text(rq, 200, XLSX_MEDIA_TYPE, (const char *)bytes, len);
  PQfreemem(bytes);
  char disposition[160];
  snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"",
           db_get(r, 0, "file_name"));
  reply_header(rq, "Content-Disposition", disposition);
  PQclear(r);
}
