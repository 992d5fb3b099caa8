/* CSV bytes into records (include/csv_in.h): the BOM, the encoding, the
 * separator, quoting and row numbers. The header's names are
 * src/core/csv_in_header.c's.
 *
 * Every byte goes BOM → decoder (UTF-8 as it is, Windows-1251 through the
 * table below) → tokenizer. The header line is kept raw until its end, its
 * separator counted, then split in place (the decoded text never overtakes
 * the raw bytes). Data records are split as they arrive: each cell decoded
 * into the record buffer, quotes removed, "" made one quote, and ended by
 * a NUL. */
#include "csv_in_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char bom[] = "\xef\xbb\xbf";

/* Windows-1251 0x80..0xBF as Unicode (0 where it has no character);
 * 0xC0..0xFF are А..я, U+0410..U+044F. */
static const unsigned short cp1251_high[64] = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x0000, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
};

void csv_in_problem(struct csv_in *r, enum csv_in_problem kind, long row,
                    const struct csv_in_column *column, const char *fmt, ...) {
  char message[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  if (r->h.on_problem)
    r->h.on_problem(r->h.ctx, kind, row, column, message);
  if (kind == CSV_IN_BODY)
    r->stopped = true;
}

/* --- cells and records --------------------------------------------------- */

static inline void put(struct csv_in *r, char c) {
  if (r->len >= CSV_IN_RECORD_MAX) {
    r->overflow = true;
    return;
  }
  r->buf[r->len++] = c;
}

static void record_begin(struct csv_in *r) {
  r->len = 0;
  r->overflow = false;
  r->n_cells = 0;
  r->cell_start[0] = 0;
  r->st = CELL_START;
  r->quoted = false;
  r->bad_quote = 0;
  r->nul_cell = 0;
  r->cr_pending = false;
}

static void cell_end(struct csv_in *r) {
  if (!r->overflow && !r->quoted && r->n_cells < CSV_IN_MAX_COLUMNS) {
    size_t *start = &r->cell_start[r->n_cells];
    while (r->len > *start &&
           (r->buf[r->len - 1] == ' ' || r->buf[r->len - 1] == '\t'))
      r->len--;
    while (*start < r->len && (r->buf[*start] == ' ' || r->buf[*start] == '\t'))
      (*start)++;
  }
  put(r, '\0');
  r->n_cells++;
  if (r->n_cells < CSV_IN_MAX_COLUMNS)
    r->cell_start[r->n_cells] = r->len;
  r->st = CELL_START;
  r->quoted = false;
}

/* One byte of a record; line ends outside quotes are the caller's. */
static void cell_byte(struct csv_in *r, char c) {
  if (c == '\0' && !r->nul_cell)
    r->nul_cell = r->n_cells + 1;
  switch (r->st) {
  case CELL_START:
    if (c == '"') {
      r->st = CELL_QUOTED;
      r->quoted = true;
    } else if (c == r->delim) {
      cell_end(r);
    } else {
      r->st = CELL_UNQUOTED;
      put(r, c);
    }
    break;
  case CELL_UNQUOTED:
    if (c == r->delim)
      cell_end(r);
    else
      put(r, c);
    break;
  case CELL_QUOTED:
    if (c == '"')
      r->st = CELL_QUOTE;
    else
      put(r, c);
    break;
  case CELL_QUOTE:
    if (c == '"') {
      put(r, '"');
      r->st = CELL_QUOTED;
      break;
    }
    r->st = CELL_AFTER_QUOTE;
    /* fall through */
  case CELL_AFTER_QUOTE:
    if (c == r->delim)
      cell_end(r);
    else if (c != ' ' && c != '\t' && !r->bad_quote)
      r->bad_quote = r->n_cells + 1;
    break;
  }
}

/* Every cell empty: a blank line, or one of separators only. */
static bool record_blank(const struct csv_in *r) {
  if (r->overflow)
    return false;
  size_t n = r->n_cells < CSV_IN_MAX_COLUMNS ? r->n_cells : CSV_IN_MAX_COLUMNS;
  for (size_t i = 0; i < n; i++)
    if (r->buf[r->cell_start[i]] != '\0')
      return false;
  return r->n_cells <= CSV_IN_MAX_COLUMNS;
}

static void record_end(struct csv_in *r) {
  cell_end(r);
  if (!record_blank(r) && r->h.on_record)
    r->h.on_record(r->h.ctx, r);
  r->done++;
  record_begin(r);
}

/* --- the header line ----------------------------------------------------- */

/* `sep=;` as Excel writes it: the separator, and no row. */
static bool separator_hint(struct csv_in *r, size_t raw) {
  if (r->done > 0 || raw != 5 || strncasecmp(r->buf, "sep=", 4) != 0 ||
      r->buf[4] == '"')
    return false;
  r->forced_delim = r->buf[4];
  return true;
}

/* A byte that may end a cell of the header line: the named separator, or
 * any of the three while it is not known. */
static bool separator_candidate(const struct csv_in *r, char c) {
  return r->forced_delim ? c == r->forced_delim
                         : c == ';' || c == ',' || c == '\t';
}

/* Where a byte of the raw header line leaves the quotes: as the tokenizer
 * will, a quote opens a quoted cell only at the start of a cell. */
static enum csv_in_header_quote quote_step(const struct csv_in *r,
                                           enum csv_in_header_quote q, char c) {
  bool sep = separator_candidate(r, c);
  switch (q) {
  case HQ_START:
    return c == '"' ? HQ_IN : sep ? HQ_START : HQ_MID;
  case HQ_MID:
    return sep ? HQ_START : HQ_MID;
  case HQ_IN:
    return c == '"' ? HQ_QUOTE : HQ_IN;
  case HQ_QUOTE:
    return c == '"' ? HQ_IN : sep ? HQ_START : HQ_MID;
  }
  return q;
}

/* The separator the header line holds most outside quotes. */
static char separator_of(const struct csv_in *r, size_t n) {
  size_t semi = 0, comma = 0, tab = 0;
  enum csv_in_header_quote q = HQ_START;
  for (size_t i = 0; i < n; i++) {
    char c = r->buf[i];
    if (q != HQ_IN) {
      semi += c == ';';
      comma += c == ',';
      tab += c == '\t';
    }
    q = quote_step(r, q, c);
  }
  if (tab > semi && tab > comma)
    return '\t';
  return comma > semi ? ',' : ';';
}

/* The header line is in r->buf, raw, without its line end. */
static void header_line_end(struct csv_in *r) {
  size_t raw = r->len;
  if (raw && r->buf[raw - 1] == '\r')
    raw--;
  if (r->overflow) {
    csv_in_problem(r, CSV_IN_BODY, r->done + 1, NULL,
                   "the header line is longer than %d bytes",
                   CSV_IN_RECORD_MAX);
    return;
  }
  if (separator_hint(r, raw)) {
    record_begin(r);
    return;
  }
  r->delim = r->forced_delim ? r->forced_delim : separator_of(r, raw);
  record_begin(r);
  for (size_t i = 0; i < raw; i++)
    cell_byte(r, r->buf[i]);
  cell_end(r);
  if (record_blank(r)) { /* a blank line before the header */
    r->done++;
    record_begin(r);
    return;
  }
  if (r->n_cells > CSV_IN_MAX_COLUMNS) {
    csv_in_problem(r, CSV_IN_BODY, r->done + 1, NULL,
                   "the header has more than %d columns", CSV_IN_MAX_COLUMNS);
    return;
  }
  r->have_header = true;
  csv_in_header_read(r);
  r->done++;
  record_begin(r);
}

/* --- the tokenizer ------------------------------------------------------- */

static void text_byte(struct csv_in *r, char c) {
  if (!r->have_header) {
    if (c == '\n' && r->hq != HQ_IN) {
      r->hq = HQ_START;
      header_line_end(r);
      return;
    }
    r->hq = quote_step(r, r->hq, c);
    put(r, c);
    return;
  }
  if (r->st != CELL_QUOTED) {
    if (c == '\n') {
      record_end(r);
      return;
    }
    if (r->cr_pending) {
      r->cr_pending = false;
      cell_byte(r, '\r');
    }
    if (c == '\r') {
      r->cr_pending = true;
      return;
    }
  }
  cell_byte(r, c);
}

/* --- the encoding -------------------------------------------------------- */

static void put_utf8(struct csv_in *r, unsigned cp) {
  if (cp < 0x800) {
    text_byte(r, (char)(0xc0 | (cp >> 6)));
  } else {
    text_byte(r, (char)(0xe0 | (cp >> 12)));
    text_byte(r, (char)(0x80 | ((cp >> 6) & 0x3f)));
  }
  text_byte(r, (char)(0x80 | (cp & 0x3f)));
}

static void cp1251_byte(struct csv_in *r, unsigned char c) {
  unsigned cp = c >= 0xc0 ? 0x410u + (c - 0xc0u) : cp1251_high[c - 0x80];
  if (cp == 0)
    text_byte(r, (char)c); /* no character: left invalid, as it came */
  else
    put_utf8(r, cp);
}

/* Whether the n bytes at s are valid UTF-8; a sequence cut by the end
 * counts when `cut_ok` (the run was cut at CSV_IN_SNIFF bytes). */
static bool utf8_run_valid(const unsigned char *s, size_t n, bool cut_ok) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf)
      len = 2, min = 0x80, c &= 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      len = 3, min = 0x800, c &= 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      len = 4, min = 0x10000, c &= 0x07;
    else
      return false;
    size_t k = 1;
    for (; k < len && i + k < n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return false;
      c = (c << 6) | (s[i + k] & 0x3fu);
    }
    if (k < len)
      return cut_ok;
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

static void byte_decoded(struct csv_in *r, unsigned char c);

/* The run of non-ASCII bytes decides; then it is read. */
static void decide(struct csv_in *r, bool cut) {
  if (utf8_run_valid(r->run, r->run_len, cut)) {
    r->enc = CSV_IN_UTF8;
  } else {
    r->enc = CSV_IN_CP1251;
    for (size_t i = 0; i < r->run_len; i++)
      if (r->run[i] < 0xc0 && cp1251_high[r->run[i] - 0x80] == 0)
        r->enc = CSV_IN_UTF8;
  }
  size_t n = r->run_len;
  r->run_len = 0;
  for (size_t i = 0; i < n && !r->stopped; i++)
    byte_decoded(r, r->run[i]);
}

static void byte_decoded(struct csv_in *r, unsigned char c) {
  if (c < 0x80 || r->enc == CSV_IN_UTF8) {
    if (r->run_len > 0)
      decide(r, false);
    if (!r->stopped)
      text_byte(r, (char)c);
  } else if (r->enc == CSV_IN_CP1251) {
    cp1251_byte(r, c);
  } else {
    r->run[r->run_len++] = c;
    if (r->run_len == CSV_IN_SNIFF)
      decide(r, true);
  }
}

/* --- the reader ---------------------------------------------------------- */

struct csv_in *csv_in_new(const struct csv_in_hooks *hooks,
                          enum csv_in_encoding encoding) {
  struct csv_in *r = calloc(1, sizeof *r);
  if (r == NULL)
    return NULL;
  r->buf = malloc(CSV_IN_RECORD_MAX + 1);
  if (r->buf == NULL) {
    free(r);
    return NULL;
  }
  r->buf[CSV_IN_RECORD_MAX] = '\0'; /* a cell cut by the limit ends here */
  r->h = *hooks;
  r->enc = encoding;
  for (size_t i = 0; i < CSV_IN_MAX_COLUMNS; i++)
    r->field_col[i] = -1;
  record_begin(r);
  return r;
}

static void byte_in(struct csv_in *r, unsigned char c) {
  if (r->bom_pos < 3) {
    if (c == (unsigned char)bom[r->bom_pos]) {
      r->bom_pos++;
      return;
    }
    /* Not a BOM after all: what looked like its start is text. */
    int seen = r->bom_pos;
    r->bom_pos = 3;
    for (int k = 0; k < seen && !r->stopped; k++)
      byte_decoded(r, (unsigned char)bom[k]);
    if (r->stopped)
      return;
  }
  byte_decoded(r, c);
}

/* The bytes at d that a cell of data takes as they are (no separator,
 * quote, line end or NUL; non-ASCII only once the body is UTF-8): the
 * common case, copied at once. 0 when the reader is not in a cell. */
static size_t plain_run(const struct csv_in *r, const unsigned char *d,
                        size_t n) {
  if (!r->have_header || r->bom_pos < 3 || r->run_len > 0 || r->cr_pending ||
      (r->st != CELL_START && r->st != CELL_UNQUOTED && r->st != CELL_QUOTED))
    return 0;
  bool quoted = r->st == CELL_QUOTED, utf8 = r->enc == CSV_IN_UTF8;
  unsigned char delim = (unsigned char)r->delim;
  size_t i = 0;
  for (; i < n; i++) {
    unsigned char c = d[i];
    if (c >= 0x80) {
      if (!utf8)
        break;
    } else if (c == '"' || c == '\0' ||
               (!quoted && (c == delim || c == '\n' || c == '\r'))) {
      break;
    }
  }
  if (i > 0 && r->st == CELL_START && d[0] == '"')
    return 0;
  return i;
}

static void put_run(struct csv_in *r, const unsigned char *d, size_t n) {
  size_t room = CSV_IN_RECORD_MAX - r->len;
  if (n > room) {
    n = room;
    r->overflow = true;
  }
  memcpy(r->buf + r->len, d, n);
  r->len += n;
  if (r->st == CELL_START)
    r->st = CELL_UNQUOTED;
}

bool csv_in_feed(struct csv_in *r, const char *data, size_t len) {
  if (r->finished)
    return false;
  const unsigned char *d = (const unsigned char *)data;
  for (size_t i = 0; i < len && !r->stopped;) {
    size_t n = plain_run(r, d + i, len - i);
    if (n > 0) {
      put_run(r, d + i, n);
      i += n;
    } else {
      byte_in(r, d[i++]);
    }
  }
  return !r->stopped;
}

bool csv_in_finish(struct csv_in *r) {
  if (r->finished || r->stopped)
    return false;
  r->finished = true;
  if (r->bom_pos < 3) {
    int seen = r->bom_pos;
    r->bom_pos = 3;
    for (int k = 0; k < seen && !r->stopped; k++)
      byte_decoded(r, (unsigned char)bom[k]);
  }
  if (r->run_len > 0 && !r->stopped)
    decide(r, false);
  if (r->stopped)
    return false;
  bool open = r->have_header ? r->st == CELL_QUOTED : r->hq == HQ_IN;
  if (open) {
    size_t cell = r->have_header ? r->n_cells : 0;
    csv_in_problem(r, CSV_IN_BODY, r->done + 1,
                   cell < r->n_cols ? &r->col[cell] : NULL,
                   "a quoted cell of row %ld is never closed: the rest of the "
                   "file is inside it",
                   r->done + 1);
    return false;
  }
  text_byte(r, '\n');
  if (!r->stopped && !r->have_header)
    csv_in_problem(r, CSV_IN_BODY, 0, NULL, "the file has no header line");
  return !r->stopped;
}

void csv_in_stop(struct csv_in *r) {
  r->stopped = true;
}

void csv_in_free(struct csv_in *r) {
  if (r == NULL)
    return;
  free(r->names);
  free(r->buf);
  free(r);
}

/* --- during the hooks ---------------------------------------------------- */

void csv_in_problem_path(char *buf, size_t len, long row, const char *column) {
  if (row > 0 && column)
    snprintf(buf, len, "row %ld, column %s", row, column);
  else if (row > 0)
    snprintf(buf, len, "row %ld", row);
  else
    snprintf(buf, len, "%s", column ? column : "body");
}

long csv_in_row(const struct csv_in *r) {
  return r->done + 1;
}

const char *csv_in_value(const struct csv_in *r, int field) {
  if (field < 0 || field >= CSV_IN_MAX_COLUMNS)
    return NULL;
  int i = r->field_col[field];
  if (i < 0 || (size_t)i >= r->n_cells || r->overflow)
    return NULL;
  return r->buf + r->cell_start[i];
}

/* Cells past the header's last column, all empty (a trailing separator):
 * nothing is lost by ignoring them. */
static bool extra_cells_empty(const struct csv_in *r) {
  if (r->n_cells > CSV_IN_MAX_COLUMNS)
    return false;
  for (size_t i = r->n_cols; i < r->n_cells; i++)
    if (r->buf[r->cell_start[i]] != '\0')
      return false;
  return true;
}

const char *csv_in_fault(struct csv_in *r,
                         const struct csv_in_column **column) {
  *column = NULL;
  if (r->overflow) {
    snprintf(r->fault, sizeof r->fault, "the row is longer than %d bytes",
             CSV_IN_RECORD_MAX);
    return r->fault;
  }
  if (r->n_cells > r->n_cols && !extra_cells_empty(r)) {
    snprintf(r->fault, sizeof r->fault,
             "the row has %zu cells, the header %zu: quote a cell that holds "
             "the separator",
             r->n_cells, r->n_cols);
    return r->fault;
  }
  size_t cell = r->bad_quote ? r->bad_quote : r->nul_cell;
  if (cell == 0)
    return NULL;
  if (cell <= r->n_cols) /* not an extra cell */
    *column = &r->col[cell - 1];
  return r->bad_quote ? "text follows the closing quote of the cell: double "
                        "a quote inside a quoted cell"
                      : "the cell holds a NUL byte";
}

const char *csv_in_encoding_name(const struct csv_in *r) {
  return r->enc == CSV_IN_CP1251 ? "windows-1251" : "utf-8";
}
