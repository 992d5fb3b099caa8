/* XLSX tables from list rows (include/xlsx_out.h): the second consumer of
 * the typed cells of include/table.h, beside src/core/csv_out.c. */
#include "xlsx_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "csv_out.h"
#include "log.h"
#include "request.h"
#include "table_reply.h"

#define XLSX_MAX_TEXT 32767 /* characters in one cell, as Excel allows */
#define XLSX_MAX_WIDTH 60.0 /* a column's width, in characters */

static char tmp_dir[1024] = "/tmp";

const char *xlsx_tmp_dir(void) {
  return tmp_dir;
}

/* A path for a new file in the directory, made (empty) and named in path;
 * false when it cannot be. */
static bool temp_file(char *path, size_t len) {
  int n = snprintf(path, len, "%s/opora-table-XXXXXX", tmp_dir);
  if (n < 0 || (size_t)n >= len)
    return false;
  int fd = mkstemp(path);
  if (fd < 0)
    return false;
  close(fd);
  return true;
}

bool xlsx_new_path(char *path, size_t len) {
  return temp_file(path, len);
}

bool xlsx_configure(const char *dir, char *err, size_t err_len) {
  snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
  char path[1100];
  if (!temp_file(path, sizeof path)) {
    snprintf(err, err_len, "OPORA_TMP_DIR %s: no file can be made there: %s",
             dir, strerror(errno));
    return false;
  }
  unlink(path);
  return true;
}

bool request_wants_xlsx(struct request *rq) {
  const char *accept = request_header(rq, "Accept");
  return accept != NULL && strstr(accept, XLSX_MEDIA_TYPE) != NULL;
}

/* Characters (not bytes) of UTF-8 text. */
static size_t characters(const char *s) {
  size_t n = 0;
  for (; *s != '\0'; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

struct sheet {
  lxw_worksheet *ws;
  const struct table_spec *spec;
  lxw_format *date, *timestamp, *guarded;
  double *widths;
  lxw_row_t row;
  lxw_error error;
};

/* Widths: the header's, and each text's as it will be shown. */
static void measure_row(void *ctx, const struct table_cell *cells) {
  struct sheet *s = ctx;
  for (size_t c = 0; c < s->spec->n_columns; c++) {
    double w = (double)characters(cells[c].text) + 2;
    if (cells[c].type == TABLE_TIMESTAMP)
      w = 20;
    if (w > s->widths[c])
      s->widths[c] = w > XLSX_MAX_WIDTH ? XLSX_MAX_WIDTH : w;
  }
}

/* "2024-09-01" or "2024-09-01T10:15:00.5+03:00" as Excel's date and time
 * (the clock time as written, in the offset given); false if it is not. */
static bool parse_datetime(const char *text, lxw_datetime *dt) {
  int y, mo, d, h = 0, mi = 0;
  double sec = 0;
  if (sscanf(text, "%4d-%2d-%2d", &y, &mo, &d) != 3)
    return false;
  if (strlen(text) > 10 && sscanf(text + 10, "T%2d:%2d:%lf", &h, &mi, &sec) < 2)
    return false;
  *dt = (lxw_datetime){y, mo, d, h, mi, sec};
  return true;
}

/* Text with its control characters (but tab and line breaks) as spaces,
 * cut to what one cell holds; owned. */
static char *cell_text(const char *text) {
  size_t len = strlen(text);
  char *out = malloc(len + 1);
  if (out == NULL)
    abort();
  size_t chars = 0, i = 0;
  for (; i < len; i++) {
    unsigned char ch = (unsigned char)text[i];
    if ((ch & 0xC0) != 0x80 && ++chars > XLSX_MAX_TEXT)
      break;
    out[i] =
        ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' ? ' ' : text[i];
  }
  out[i] = '\0';
  return out;
}

static void write_text(struct sheet *s, lxw_col_t col, const char *text) {
  char *clean = cell_text(text);
  /* Every text is a string cell, never a formula; one Excel would take for
   * a formula when edited (as the CSV's apostrophe guards) is also
   * formatted as text ("@"), so editing keeps it text. */
  lxw_format *f = csv_text_guarded(clean, strlen(clean)) ? s->guarded : NULL;
  lxw_error e = worksheet_write_string(s->ws, s->row, col, clean, f);
  if (e != LXW_NO_ERROR && s->error == LXW_NO_ERROR)
    s->error = e;
  free(clean);
}

static void write_cell(struct sheet *s, lxw_col_t col,
                       const struct table_cell *cell) {
  if (cell->empty)
    return;
  lxw_datetime dt;
  lxw_error e = LXW_NO_ERROR;
  switch (cell->type) {
  case TABLE_INTEGER:
  case TABLE_NUMBER:
    e = worksheet_write_number(s->ws, s->row, col, cell->number, NULL);
    break;
  case TABLE_BOOLEAN:
    e = worksheet_write_string(s->ws, s->row, col, cell->boolean ? "да" : "нет",
                               NULL);
    break;
  case TABLE_DATE:
  case TABLE_TIMESTAMP:
    if (parse_datetime(cell->text, &dt)) {
      e = worksheet_write_datetime(s->ws, s->row, col, &dt,
                                   cell->type == TABLE_DATE ? s->date
                                                            : s->timestamp);
      break;
    }
    write_text(s, col, cell->text);
    return;
  default:
    write_text(s, col, cell->text);
    return;
  }
  if (e != LXW_NO_ERROR && s->error == LXW_NO_ERROR)
    s->error = e;
}

static void write_row(void *ctx, const struct table_cell *cells) {
  struct sheet *s = ctx;
  s->row++;
  for (size_t c = 0; c < s->spec->n_columns; c++)
    write_cell(s, (lxw_col_t)c, &cells[c]);
}

/* Writes the workbook into path; false (logged) when it cannot. */
static bool write_workbook(struct request *rq, const char *path,
                           const struct table_spec *spec, const PGresult *rows,
                           int doc_col, int first_extra) {
  lxw_workbook_options options = {.constant_memory = LXW_TRUE,
                                  .tmpdir = tmp_dir};
  lxw_workbook *wb = workbook_new_opt(path, &options);
  if (wb == NULL) {
    log_msg(LOG_ERROR, "request %s: no workbook in %s", rq->id, tmp_dir);
    return false;
  }
  char name[32];
  snprintf(name, sizeof name, "%s", spec->file);
  struct sheet s = {.ws = workbook_add_worksheet(wb, name), .spec = spec};
  lxw_format *header = workbook_add_format(wb);
  format_set_bold(header);
  format_set_text_wrap(header);
  format_set_align(header, LXW_ALIGN_VERTICAL_TOP);
  s.date = workbook_add_format(wb);
  format_set_num_format(s.date, "dd.mm.yyyy");
  s.timestamp = workbook_add_format(wb);
  format_set_num_format(s.timestamp, "dd.mm.yyyy hh:mm:ss");
  s.guarded = workbook_add_format(wb);
  format_set_num_format(s.guarded, "@");
  s.widths = calloc(spec->n_columns ? spec->n_columns : 1, sizeof *s.widths);
  if (s.widths == NULL)
    abort();
  for (size_t c = 0; c < spec->n_columns; c++) {
    double w = (double)characters(spec->columns[c].header) + 2;
    s.widths[c] = w < 10 ? 10 : w > 30 ? 30 : w;
  }
  table_walk(spec, rows, doc_col, first_extra, measure_row, &s);
  for (size_t c = 0; c < spec->n_columns; c++) {
    worksheet_set_column(s.ws, (lxw_col_t)c, (lxw_col_t)c, s.widths[c], NULL);
    worksheet_write_string(s.ws, 0, (lxw_col_t)c, spec->columns[c].header,
                           header);
  }
  free(s.widths);
  table_walk(spec, rows, doc_col, first_extra, write_row, &s);
  worksheet_freeze_panes(s.ws, 1, 0);
  if (spec->n_columns > 0)
    worksheet_autofilter(s.ws, 0, 0, s.row, (lxw_col_t)(spec->n_columns - 1));
  lxw_error closed = workbook_close(wb);
  if (s.error != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
    log_msg(LOG_ERROR, "request %s: workbook not written: %s", rq->id,
            lxw_strerror(s.error != LXW_NO_ERROR ? s.error : closed));
    return false;
  }
  return true;
}

void reply_xlsx_table(struct request *rq, const struct table_spec *spec,
                      const PGresult *rows, int doc_col, int first_extra,
                      const char *qualifier) {
  char path[1100];
  if (!temp_file(path, sizeof path)) {
    log_msg(LOG_ERROR, "request %s: no file in %s: %s", rq->id, tmp_dir,
            strerror(errno));
    reply_problem(rq, ERR_INTERNAL, NULL);
    return;
  }
  if (!write_workbook(rq, path, spec, rows, doc_col, first_extra)) {
    unlink(path);
    reply_problem(rq, ERR_INTERNAL, NULL);
    return;
  }
  reply_xlsx_file(rq, path, spec->file, qualifier);
}

void reply_xlsx_file(struct request *rq, const char *path, const char *file,
                     const char *qualifier) {
  /* Opened, then unlinked: the file goes away when the answer is sent,
   * or when the process ends. */
  int fd = open(path, O_RDONLY);
  unlink(path);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0)
      close(fd);
    log_msg(LOG_ERROR, "request %s: the workbook %s cannot be read", rq->id,
            path);
    reply_problem(rq, ERR_INTERNAL, NULL);
    return;
  }
  reply_fd_steal(rq, 200, XLSX_MEDIA_TYPE, fd, (uint64_t)st.st_size);
  reply_table_disposition(rq, file, qualifier, "xlsx");
}
