/* Lists answered as tables (include/table_reply.h): CSV or XLSX, as
 * Accept asks. */
#include "table_reply.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "csv_out.h"
#include "request.h"
#include "xlsx_out.h"

bool request_wants_table(struct request *rq) {
  return request_wants_csv(rq) || request_wants_xlsx(rq);
}

void reply_table(struct request *rq, const struct table_spec *spec,
                 const PGresult *rows, int doc_col, int first_extra,
                 const char *qualifier) {
  if (PQntuples(rows) > CSV_MAX_ROWS) {
    reply_problem(rq, ERR_BAD_REQUEST,
                  "the list is too long for one table: narrow it with "
                  "filters");
    return;
  }
  if (request_wants_xlsx(rq))
    reply_xlsx_table(rq, spec, rows, doc_col, first_extra, qualifier);
  else
    reply_csv_table(rq, spec, rows, doc_col, first_extra, qualifier);
}

/* (a period 2023/24 as 2023-24) */
void reply_table_disposition(struct request *rq, const char *file,
                             const char *qualifier, const char *extension) {
  char name[160], date[16];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(date, sizeof date, "%Y-%m-%d", &tm);
  int n = snprintf(name, sizeof name, "%s", file);
  if (qualifier != NULL && qualifier[0] != '\0' && n > 0 &&
      (size_t)n < sizeof name - 1) {
    name[n++] = '-';
    for (const char *q = qualifier; *q != '\0' && (size_t)n < 96; q++) {
      bool plain = (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
                   (*q >= 'A' && *q <= 'Z') || *q == '_' || *q == '-';
      name[n++] = plain ? *q : '-';
    }
    name[n] = '\0';
  }
  char value[224];
  snprintf(value, sizeof value, "attachment; filename=\"%s-%s.%s\"", name, date,
           extension);
  reply_header(rq, "Content-Disposition", value);
}
