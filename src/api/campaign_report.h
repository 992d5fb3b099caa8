/* What the campaign report's two files share (src/api/campaign_report.c
 * reads the data, src/api/campaign_report_sheets.c writes the workbook;
 * docs/MONITORING.md, «Отчёт кампании»). */
#ifndef OPORA_CAMPAIGN_REPORT_H
#define OPORA_CAMPAIGN_REPORT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct request;

struct report_indicator {
  char code[72];
  char type[16]; /* value_type */
  char *name;    /* owned */
};

/* Everything a report shows, over the caller's schools only. */
struct report {
  char id[24];
  time_t now;             /* "as of" */
  json_t *campaign;       /* the campaign's document */
  char owner[512];        /* its owner's name */
  json_t *counts;         /* completeness counts: total, municipalities */
  json_t *municipalities; /* id (text) -> name */
  PGresult *schools;      /* completeness rows (doc), by short name */
  PGresult *submissions;  /* submission rows (doc in column 0), likewise */
  struct report_indicator *indicators; /* in the campaign's order */
  size_t n_indicators;
};

/* The campaign's report as the caller sees it, written to a new temporary
 * file (its path into path), with the campaign's title and region; false
 * after answering (404 for a campaign the caller does not see). */
bool campaign_report_make(struct request *rq, const char *id_text, char *path,
                          size_t len, char *title, size_t title_len,
                          char region[24]);

/* Writes the workbook into path; false (logged) when it cannot. */
bool campaign_report_write(struct request *rq, const struct report *rp,
                           const char *path);

#endif
