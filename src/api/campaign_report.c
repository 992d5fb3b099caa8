/* GET /api/v1/monitoring/campaigns/{id}/report (docs/MONITORING.md, «Отчёт
 * кампании»): the campaign's monitoring report as a workbook, over the
 * caller's schools only, from the statements the campaign, completeness
 * and submissions endpoints use. The data is read first (this file), then
 * written sheet by sheet, rows top to bottom, in constant memory
 * (src/api/campaign_report_sheets.c) into a temporary file of
 * xlsx_tmp_dir(), and sent from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign_report.h"
#include "csv_out.h"
#include "handlers.h"
#include "log.h"
#include "resource.h"
#include "xlsx_out.h"

/* The document of the first row's `column` (owned), or NULL. */
static json_t *doc_of(const PGresult *r, const char *column) {
  if (r == NULL || PQntuples(r) == 0 || db_get(r, 0, column) == NULL)
    return NULL;
  return json_loads(db_get(r, 0, column), 0, NULL);
}

/* The campaign as the caller sees it; false after answering 404. */
static bool load_campaign(struct request *rq, struct report *rp) {
  PGresult *r = db_call(rq, STMT_CAMPAIGN_GET,
                        (const struct db_arg[]){{"id", rp->id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  if (PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "campaign with id %s", rp->id);
    return false;
  }
  rp->campaign = doc_of(r, "doc");
  PQclear(r);
  return rp->campaign != NULL;
}

/* The owner's name: its municipality's, else its region's, as the caller
 * may see them; "ID n" when it may not. */
static void load_owner(struct request *rq, struct report *rp) {
  json_int_t muni =
      json_integer_value(json_object_get(rp->campaign, "municipality_id"));
  json_int_t region =
      json_integer_value(json_object_get(rp->campaign, "region_id"));
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)(muni ? muni : region));
  PGresult *r = db_call(rq, muni ? STMT_MUNICIPALITY_GET : STMT_REGION_GET,
                        (const struct db_arg[]){{"id", id}, DB_END}, NULL);
  json_t *doc = doc_of(r, "doc");
  const char *name = json_string_value(json_object_get(doc, "name"));
  if (name != NULL)
    snprintf(rp->owner, sizeof rp->owner, "%s", name);
  else
    snprintf(rp->owner, sizeof rp->owner, "ID %s", id);
  json_decref(doc);
  PQclear(r);
}

/* Completeness counts (total and per municipality) and the names of the
 * municipalities by id. */
static bool load_counts(struct request *rq, struct report *rp) {
  const struct db_arg args[] = {{"id", rp->id}, {"municipality", NULL}, DB_END};
  PGresult *r = db_call(rq, STMT_CAMPAIGN_COUNTS, args, NULL);
  rp->counts = doc_of(r, "counts");
  PQclear(r);
  if (rp->counts == NULL)
    return false;
  rp->municipalities = json_object();
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(rp->counts, "municipalities"), i, m) {
    char key[24];
    snprintf(key, sizeof key, "%lld",
             (long long)json_integer_value(json_object_get(m, "id")));
    json_object_set(rp->municipalities, key, json_object_get(m, "name"));
  }
  return true;
}

/* The schools' completeness rows and their submissions, each ordered by
 * the school's short name; false after answering 400 when there are more
 * than one workbook holds. */
static bool load_rows(struct request *rq, struct report *rp) {
  char limit[16];
  snprintf(limit, sizeof limit, "%d", CSV_MAX_ROWS + 1);
  /* Every school, unfiltered: the statements' filters and cursor unset. */
  const struct db_arg schools[] = {{"id", rp->id},
                                   {"state", NULL},
                                   {"municipality", NULL},
                                   {"cursor_key", NULL},
                                   {"cursor_id", NULL},
                                   {"limit", limit},
                                   DB_END};
  rp->schools = db_call(rq, STMT_CAMPAIGN_COMPLETENESS, schools, NULL);
  if (rp->schools == NULL)
    return false;
  const struct db_arg submissions[] = {{"campaign", rp->id},
                                       {"state", NULL},
                                       {"municipality", NULL},
                                       {"cursor_key", NULL},
                                       {"cursor_id", NULL},
                                       {"limit", limit},
                                       DB_END};
  rp->submissions = db_call(rq, STMT_SUBM_LIST, submissions, NULL);
  if (rp->submissions == NULL)
    return false;
  if (PQntuples(rp->schools) > CSV_MAX_ROWS) {
    reply_problem(rq, ERR_BAD_REQUEST,
                  "the campaign has too many schools for one workbook");
    return false;
  }
  return true;
}

/* The campaign's indicators in its order, with their names. */
static bool load_indicators(struct request *rq, struct report *rp) {
  PGresult *r =
      db_call(rq, STMT_SUBM_INDICATORS,
              (const struct db_arg[]){{"campaign", rp->id}, DB_END}, NULL);
  if (r == NULL)
    return false;
  int n = PQntuples(r);
  rp->indicators = calloc(n > 0 ? (size_t)n : 1, sizeof *rp->indicators);
  if (rp->indicators == NULL)
    abort();
  rp->n_indicators = (size_t)n;
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    struct report_indicator *ind = &rp->indicators[i];
    snprintf(ind->code, sizeof ind->code, "%s", db_get(r, i, "code"));
    snprintf(ind->type, sizeof ind->type, "%s", db_get(r, i, "value_type"));
    PGresult *g =
        db_call(rq, STMT_INDICATOR_GET,
                (const struct db_arg[]){{"id", ind->code}, DB_END}, NULL);
    json_t *doc = doc_of(g, "doc");
    const char *name = json_string_value(json_object_get(doc, "name"));
    ind->name = strdup(name != NULL ? name : ind->code);
    if (ind->name == NULL)
      abort();
    json_decref(doc);
    ok = g != NULL;
    PQclear(g);
  }
  PQclear(r);
  return ok;
}

static void report_end(struct report *rp) {
  json_decref(rp->campaign);
  json_decref(rp->counts);
  json_decref(rp->municipalities);
  PQclear(rp->schools);
  PQclear(rp->submissions);
  for (size_t i = 0; i < rp->n_indicators; i++)
    free(rp->indicators[i].name);
  free(rp->indicators);
}

static bool report(struct request *rq, struct report *rp, char *path,
                   size_t len) {
  if (!load_campaign(rq, rp))
    return false;
  load_owner(rq, rp);
  if (!load_counts(rq, rp) || !load_rows(rq, rp) || !load_indicators(rq, rp))
    return false;
  if (!xlsx_new_path(path, len)) {
    log_msg(LOG_ERROR, "request %s: no file in %s", rq->id, xlsx_tmp_dir());
    reply_problem(rq, ERR_INTERNAL, NULL);
    return false;
  }
  if (!campaign_report_write(rq, rp, path)) {
    unlink(path);
    reply_problem(rq, ERR_INTERNAL, NULL);
    return false;
  }
  return true;
}

bool campaign_report_make(struct request *rq, const char *id_text, char *path,
                          size_t len, char *title, size_t title_len,
                          char region[24]) {
  struct report rp = {.now = time(NULL)};
  snprintf(rp.id, sizeof rp.id, "%s", id_text);
  bool made = report(rq, &rp, path, len);
  if (made) {
    const char *t = json_string_value(json_object_get(rp.campaign, "title"));
    snprintf(title, title_len, "%s", t != NULL ? t : "");
    snprintf(region, 24, "%lld",
             (long long)json_integer_value(
                 json_object_get(rp.campaign, "region_id")));
  }
  report_end(&rp);
  return made;
}

void campaign_report(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  char id_text[24], path[1100], title[1024], region[24];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  if (campaign_report_make(rq, id_text, path, sizeof path, title, sizeof title,
                           region))
    reply_xlsx_file(rq, path, "campaign-report", id_text);
}
