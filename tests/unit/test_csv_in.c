/* The one CSV reader (include/csv_in.h): encodings (UTF-8, Windows-1251
 * converted by iconv here, independently of the reader's table), where the
 * encoding is decided, BOMs and pieces of every size, separators, row
 * numbers as Excel shows them, header names and aliases, warnings. */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv_in.h"
#include "utf8.h"

enum { F_CODE, F_NAME, F_MARK, N_FIELDS };

static const struct csv_in_field fields[N_FIELDS] = {
    [F_CODE] = {"code", {"код ОО", "логин ОО", "№ п/п"}},
    [F_NAME] = {"name", {"название"}},
    [F_MARK] = {"mark",
                {"отметка", "отметка за предыдущий период",
                 "отметка за "
                 "четверть"}},
};

/* What the hooks saw, one line each. */
struct seen {
  char text[4096];
  size_t len;
};

static void add(struct seen *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add(struct seen *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(s->text + s->len, sizeof s->text - s->len, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < sizeof s->text - s->len);
  s->len += (size_t)n;
}

static int classify(void *ctx, const char *header, size_t position,
                    const char **name) {
  (void)ctx;
  (void)position;
  if (strcmp(header, "extra") != 0)
    return CSV_IN_IGNORED;
  *name = "own";
  return N_FIELDS;
}

static void on_problem(void *ctx, enum csv_in_problem kind, long row,
                       const struct csv_in_column *column,
                       const char *message) {
  add(ctx, "%s %ld %s: %s\n", kind == CSV_IN_BODY ? "BODY" : "HEADER", row,
      column ? column->header : "-", message);
}

static void on_header(void *ctx, struct csv_in *r) {
  add(ctx, "H %ld", csv_in_row(r));
  for (size_t i = 0; i < csv_in_n_columns(r); i++) {
    const struct csv_in_column *c = csv_in_column(r, i);
    add(ctx, " [%s=%s]", c->header, c->name ? c->name : "-");
  }
  add(ctx, "\n");
}

static void on_record(void *ctx, struct csv_in *r) {
  const struct csv_in_column *bad;
  const char *fault = csv_in_fault(r, &bad);
  if (fault) {
    add(ctx, "R %ld fault %s: %s\n", csv_in_row(r), bad ? bad->header : "-",
        fault);
    return;
  }
  add(ctx, "R %ld", csv_in_row(r));
  for (int f = 0; f <= N_FIELDS; f++) {
    const char *v = csv_in_value(r, f);
    add(ctx, " [%s]", v ? v : "-");
  }
  add(ctx, "\n");
}

/* Reads n bytes in pieces of `piece` (0: at once); returns what was seen
 * (to free), the encoding and, when asked, the answer's report. */
static char *read_n(const char *body, size_t n, size_t piece,
                    enum csv_in_encoding enc, const char **encoding,
                    char **report) {
  struct seen *s = calloc(1, sizeof *s);
  assert_non_null(s);
  struct csv_in_hooks h = {fields,    N_FIELDS,  classify, on_problem,
                           on_header, on_record, s};
  struct csv_in *r = csv_in_new(&h, enc);
  assert_non_null(r);
  if (piece == 0)
    piece = n ? n : 1;
  bool ok = true;
  for (size_t i = 0; i < n && ok; i += piece)
    ok = csv_in_feed(r, body + i, n - i < piece ? n - i : piece);
  ok = ok && csv_in_finish(r);
  add(s, ok ? "ok\n" : "stopped\n");
  if (encoding)
    *encoding = csv_in_encoding_name(r);
  if (report) {
    json_t *o = json_pack("{so so}", "columns", csv_in_columns_json(r),
                          "warnings", csv_in_warnings_json(r));
    *report = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
  }
  csv_in_free(r);
  char *text = strdup(s->text);
  free(s);
  return text;
}

/* The same seen whole, byte by byte and in pieces of 2, 3 and 7 bytes. */
static void expect_n(const char *body, size_t n, enum csv_in_encoding enc,
                     const char *want_encoding, const char *want) {
  const char *encoding;
  char *whole = read_n(body, n, 0, enc, &encoding, NULL);
  if (strcmp(whole, want) != 0)
    fprintf(stderr, "got:\n%s\nwant:\n%s\n", whole, want);
  assert_string_equal(whole, want);
  assert_string_equal(encoding, want_encoding);
  static const size_t pieces[] = {1, 2, 3, 7};
  for (size_t k = 0; k < 4; k++) {
    char *bits = read_n(body, n, pieces[k], enc, &encoding, NULL);
    assert_string_equal(bits, whole);
    assert_string_equal(encoding, want_encoding);
    free(bits);
  }
  free(whole);
}

static void expect(const char *body, const char *want_encoding,
                   const char *want) {
  expect_n(body, strlen(body), CSV_IN_AUTO, want_encoding, want);
}

/* UTF-8 text in Windows-1251, by iconv; to free. */
static char *to_cp1251(const char *utf8, size_t *len) {
  iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
  assert_true(cd != (iconv_t)-1);
  size_t in_left = strlen(utf8), out_left = in_left + 1;
  char *out = malloc(out_left), *in = (char *)utf8, *o = out;
  assert_non_null(out);
  assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
  iconv_close(cd);
  *len = (size_t)(o - out);
  *o = '\0';
  return out;
}

#define TABLE                                                                                                       \
  "Логин ОО;Название;Отметка за предыдущий период;Примечание\r\n" \
  "edu1;«Школа № 1» — Ёлкино;5;вернуть\r\n"                                                 \
  "edu2;\"Школа;\r\nна две строки\";4;\r\n"

#define TABLE_SEEN                                                                                                   \
  "H 1 [Логин ОО=code] [Название=name] [Отметка за предыдущий период=mark] " \
  "[Примечание=-]\n"                                                                                       \
  "R 2 [edu1] [«Школа № 1» — Ёлкино] [5] [-]\n"                                                     \
  "R 3 [edu2] [Школа;\r\nна две строки] [4] [-]\n"                                                   \
  "ok\n"

/* The same table in both encodings reads the same. */
static void utf8_and_cp1251(void **state) {
  (void)state;
  expect(TABLE, "utf-8", TABLE_SEEN);
  expect("\xef\xbb\xbf" TABLE, "utf-8", TABLE_SEEN);
  size_t n;
  char *cp = to_cp1251(TABLE, &n);
  expect_n(cp, n, CSV_IN_AUTO, "windows-1251", TABLE_SEEN);
  expect_n(cp, n, CSV_IN_CP1251, "windows-1251", TABLE_SEEN);
  free(cp);
}

/* The first run of non-ASCII bytes decides. */
static void encoding_decided_by_first_run(void **state) {
  (void)state;
  /* «Пётр» in Windows-1251: its first two bytes are valid UTF-8, the run
   * is not. */
  expect("code;name\r\nedu1;\xcf\xb8\xf2\xf0\r\n", "windows-1251",
         "H 1 [code=code] [name=name]\nR 2 [edu1] [Пётр] [-] [-]\nok\n");
  /* UTF-8 first: a later invalid byte stays in its cell. */
  expect("code;name\nedu1;Пётр\nedu2;\xcf\xf2\n", "utf-8",
         "H 1 [code=code] [name=name]\nR 2 [edu1] [Пётр] [-] [-]\n"
         "R 3 [edu2] [\xcf\xf2] [-] [-]\nok\n");
  /* 0x98 has no character in Windows-1251: the body stays UTF-8. */
  expect("code\n\x98\n", "utf-8",
         "H 1 [code=code]\nR 2 [\x98] [-] [-] [-]\nok\n");
  /* A run longer than the sniffed bytes, and one ended by the body. */
  char body[256] = "name\n";
  for (int i = 0; i < 40; i++)
    strcat(body, "ж");
  char want[512];
  snprintf(want, sizeof want, "H 1 [name=name]\nR 2 [-] [%s] [-] [-]\nok\n",
           body + 5);
  expect(body, "utf-8", want);
  expect("name\n\xe6", "windows-1251",
         "H 1 [name=name]\nR 2 [-] [ж] [-] [-]\nok\n");
}

static void rows_as_excel_shows_them(void **state) {
  (void)state;
  /* Blank lines before the header and between records keep their
   * numbers; a quoted cell over three lines is one row. */
  expect("\r\n;;\r\ncode;name\r\n\r\nedu1;\"a\nb\nc\"\r\nedu2;d\r\n"
         " ; \r\nedu3;e",
         "utf-8",
         "H 3 [code=code] [name=name]\n"
         "R 5 [edu1] [a\nb\nc] [-] [-]\n"
         "R 6 [edu2] [d] [-] [-]\n"
         "R 8 [edu3] [e] [-] [-]\n"
         "ok\n");
  /* A quote inside an unquoted header cell opens nothing. */
  expect("co\"de;name\nedu1;a\n", "utf-8",
         "H 1 [co\"de=-] [name=name]\nR 2 [-] [a] [-] [-]\nok\n");
  /* Excel's sep= line is no row. */
  expect("sep=;\r\ncode,x;name\r\nedu1;a,b\r\n", "utf-8",
         "H 1 [code,x=-] [name=name]\nR 2 [-] [a,b] [-] [-]\nok\n");
}

static void separators_quotes_faults(void **state) {
  (void)state;
  expect("code,name\n edu1 ,\" a \" \nedu2,a\"b\n", "utf-8",
         "H 1 [code=code] [name=name]\nR 2 [edu1] [ a ] [-] [-]\n"
         "R 3 [edu2] [a\"b] [-] [-]\nok\n");
  expect("code\tname\tmark\nedu1\ta;b\t5\n", "utf-8",
         "H 1 [code=code] [name=name] [mark=mark]\n"
         "R 2 [edu1] [a;b] [5] [-]\nok\n");
  expect("code;name\nedu1;a;b\nedu2;\"a\"b\nedu3\nedu4;c;;\n", "utf-8",
         "H 1 [code=code] [name=name]\n"
         "R 2 fault -: the row has 3 cells, the header 2: quote a cell that "
         "holds the separator\n"
         "R 3 fault name: text follows the closing quote of the cell: double "
         "a quote inside a quoted cell\n"
         "R 4 [edu3] [-] [-] [-]\nR 5 [edu4] [c] [-] [-]\nok\n");
  /* A fault in an empty cell past the header's columns. */
  static const char extra[] = "code;name\nedu1;a;\"\"x\nedu2;b;\0\n";
  expect_n(extra, sizeof extra - 1, CSV_IN_AUTO, "utf-8",
           "H 1 [code=code] [name=name]\n"
           "R 2 fault -: text follows the closing quote of the cell: double a "
           "quote inside a quoted cell\n"
           "R 3 fault -: the cell holds a NUL byte\nok\n");
  expect("code;name\nedu1;\"a\nb", "utf-8",
         "H 1 [code=code] [name=name]\n"
         "BODY 2 name: a quoted cell of row 2 is never closed: the rest of the "
         "file is inside it\nstopped\n");
  expect("", "utf-8", "BODY 0 -: the file has no header line\nstopped\n");
}

static void header_names(void **state) {
  (void)state;
  /* Case, ё/е, punctuation and spaces do not count; a repeat is refused;
   * the import's own column; an empty name. */
  char *report;
  const char *body = "  КОД  оо ;Отметка (за четверть);№п/п;extra;;отметка\n";
  char *seen = read_n(body, strlen(body), 0, CSV_IN_AUTO, NULL, &report);
  assert_string_equal(
      seen, "HEADER 1 №п/п: the column repeats column 1\n"
            "HEADER 1 отметка: the column repeats column 2\n"
            "H 1 [КОД  оо=code] [Отметка (за четверть)=mark] [№п/п=-] "
            "[extra=own] [=-] [отметка=-]\nok\n");
  assert_string_equal(
      report,
      "{\"columns\":[{\"position\":1,\"header\":\"КОД  оо\",\"field\":"
      "\"code\"},{\"position\":2,\"header\":\"Отметка (за четверть)\","
      "\"field\":\"mark\"},{\"position\":3,\"header\":\"№п/п\",\"field\":"
      "null},{\"position\":4,\"header\":\"extra\",\"field\":\"own\"},"
      "{\"position\":5,\"header\":\"\",\"field\":null},{\"position\":6,"
      "\"header\":\"отметка\",\"field\":null}],\"warnings\":[{\"code\":"
      "\"unknown_column\",\"column\":\"\",\"position\":5,\"message\":\"the "
      "column has no name: it is ignored\"}]}");
  free(seen);
  free(report);
  /* An unknown name is a warning; invalid UTF-8 in a name is made '?'. */
  body = "code;Примечание;\xff\xfe\n";
  seen = read_n(body, strlen(body), 0, CSV_IN_UTF8, NULL, &report);
  assert_non_null(strstr(report, "\"column\":\"Примечание\",\"position\":2"));
  assert_non_null(strstr(report, "\"column\":\"??\",\"position\":3"));
  free(seen);
  free(report);

  char out[64];
  csv_in_normalise(" Отметка  за\tпредыдущий-период. ", out, sizeof out);
  assert_string_equal(out, "отметка за предыдущий период");
  csv_in_normalise("№п/п", out, sizeof out);
  assert_string_equal(out, "№ п п");
  csv_in_normalise("Ёлкино_School CODE", out, sizeof out);
  assert_string_equal(out, "елкино school code");
  csv_in_normalise("«»—", out, sizeof out);
  assert_string_equal(out, "");
  csv_in_normalise("абвгдежзий", out, 8); /* cut between characters */
  assert_string_equal(out, "абв");
}

/* Cell text quoted in messages: cut between characters, made valid. */
static void excerpts(void **state) {
  (void)state;
  char out[48];
  assert_string_equal(csv_in_excerpt("12x", 40, out, sizeof out), "12x");
  assert_string_equal(csv_in_excerpt("жжж", 5, out, sizeof out), "жж…");
  assert_string_equal(csv_in_excerpt("a\xff"
                                     "b\xd0",
                                     40, out, sizeof out),
                      "a?b?");
  char s[] = "ok \xe2\x80 \xf0\x9f\x98\x80 \xed\xa0\x80";
  utf8_make_valid(s);
  assert_string_equal(s, "ok ?? \xf0\x9f\x98\x80 ???");
}

static void charsets(void **state) {
  (void)state;
  enum csv_in_encoding e;
  assert_true(csv_in_charset("text/csv", &e));
  assert_int_equal(e, CSV_IN_AUTO);
  assert_true(csv_in_charset("text/csv; charset=utf-8", &e));
  assert_int_equal(e, CSV_IN_AUTO);
  assert_true(
      csv_in_charset("text/csv; header=present; Charset = \"CP1251\"", &e));
  assert_int_equal(e, CSV_IN_CP1251);
  assert_true(csv_in_charset("text/csv;charset=windows-1251", &e));
  assert_int_equal(e, CSV_IN_CP1251);
  assert_false(csv_in_charset("text/csv; charset=koi8-r", &e));
  assert_true(csv_in_charset(NULL, &e));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(utf8_and_cp1251),
      cmocka_unit_test(encoding_decided_by_first_run),
      cmocka_unit_test(rows_as_excel_shows_them),
      cmocka_unit_test(separators_quotes_faults),
      cmocka_unit_test(header_names),
      cmocka_unit_test(excerpts),
      cmocka_unit_test(charsets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
