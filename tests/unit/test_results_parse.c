/* The rows of an assessment push (results_parse.h): CSV with the Ф1
 * export's headers, the project's own and other regional systems' names,
 * in UTF-8 and Windows-1251, JSON arrays and JSON lines, fed whole and byte
 * by byte, every kind of problem, and memory that does not grow with the
 * body. */
#include <iconv.h>
#include <jansson.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "results_parse.h"

/* ВПР, mathematics, grade 5 (a small instrument): tasks 1 (1), 2 (2),
 * 9.1 (1), 9.2 (2); marks 3 from 2, 4 from 4, 5 from 6. */
static struct instrument vpr(void) {
  struct instrument ins = {.id = 7,
                           .year = 2026,
                           .kind = ASSESSMENT_VPR,
                           .n_tasks = 4,
                           .task_number = {"1", "2", "9.1", "9.2"},
                           .task_max = {1, 2, 1, 2},
                           .max_primary_score = 6,
                           .mark3_from = 2,
                           .mark4_from = 4,
                           .mark5_from = 6,
                           .min_test_score = -1};
  return ins;
}

/* What the callbacks saw, one line each. */
struct log {
  char *text;
  size_t len, cap;
  long rows, good, problems, last_row;
  bool quiet; /* count only */
};

static void append(struct log *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void append(struct log *l, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < sizeof line);
  if (l->len + (size_t)n + 1 > l->cap) {
    l->cap = (l->len + (size_t)n + 1) * 2;
    l->text = realloc(l->text, l->cap);
    assert_non_null(l->text);
  }
  memcpy(l->text + l->len, line, (size_t)n + 1);
  l->len += (size_t)n;
}

static void on_problem(void *ctx, const struct results_problem *pr) {
  struct log *l = ctx;
  l->problems++;
  if (!l->quiet)
    append(l, "P %ld %s %s: %s\n", pr->row_no, pr->column ? pr->column : "-",
           pr->code, pr->message);
}

static void on_row(void *ctx, long row_no, const struct result_row *r) {
  struct log *l = ctx;
  l->rows++;
  assert_true(row_no > l->last_row); /* rows come in order, numbered */
  l->last_row = row_no;
  if (!r) {
    if (!l->quiet)
      append(l, "R %ld rejected\n", row_no);
    return;
  }
  l->good++;
  assert_int_equal(r->row_no, row_no);
  if (l->quiet)
    return;
  append(l, "R %ld %s %s [%s] [%s] %d %d %d %d %d %d p=%d m=%d t=%d j=%d\n",
         row_no, r->school_code, r->participant_code, r->class_name, r->variant,
         r->task_score[0], r->task_score[1], r->task_score[2], r->task_score[3],
         r->task_score[4], r->task_score[5], r->primary_score, r->mark,
         r->test_score, r->journal_mark);
}

/* Parses the n bytes of `body` in pieces of `piece` bytes (0: at once);
 * returns the log (to free) and whether feed and finish succeeded. */
static char *parse_n(enum results_format f, const struct instrument *ins,
                     const char *body, size_t n, size_t piece, bool *ok) {
  struct log l = {0};
  struct results_callbacks cb = {on_problem, on_row, &l};
  struct results_parser *p = results_parser_new(f, ins, &cb);
  assert_non_null(p);
  bool fed = true;
  if (piece == 0)
    piece = n ? n : 1;
  for (size_t i = 0; i < n && fed; i += piece)
    fed = results_parser_feed(p, body + i, n - i < piece ? n - i : piece);
  bool fin = results_parser_finish(p);
  if (!fed)
    assert_false(fin);
  *ok = fed && fin;
  results_parser_free(p);
  if (!l.text)
    l.text = strdup("");
  return l.text;
}

static char *parse(enum results_format f, const struct instrument *ins,
                   const char *body, size_t piece, bool *ok) {
  return parse_n(f, ins, body, strlen(body), piece, ok);
}

/* The log of `body`, checked to be the same fed whole, byte by byte and in
 * pieces of 7 bytes; `want_ok` is what feed/finish must say. */
static void expect(enum results_format f, const struct instrument *ins,
                   const char *body, bool want_ok, const char *want) {
  bool ok;
  char *whole = parse(f, ins, body, 0, &ok);
  if (strcmp(whole, want) != 0)
    fprintf(stderr, "body:\n%s\ngot:\n%s\nwant:\n%s\n", body, whole, want);
  assert_string_equal(whole, want);
  assert_int_equal(ok, want_ok);
  static const size_t pieces[] = {1, 2, 7};
  for (size_t k = 0; k < 3; k++) {
    char *bits = parse(f, ins, body, pieces[k], &ok);
    assert_string_equal(bits, whole);
    assert_int_equal(ok, want_ok);
    free(bits);
  }
  free(whole);
}

#define F1_HEADER                                                                                                              \
  "ОО;Муниципалитет;Название ОО;Код участника;Класс;Вариант;1 (1б);2 (2б);" \
  "9.1 (1б);9.2 (2б);Первичный балл;Отметка;Отметка по журналу\n"

static void csv_f1_export(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(RESULTS_CSV, &ins,
         F1_HEADER "edu123456;Город;\"МБОУ \"\"СОШ № 1\"\"\";10001;5А;1;1;2;1;"
                   "2;6;5;4\n"
                   "edu123456;Город;МБОУ СОШ № 1;10002;5Б;2;0;-;;1;1;2;\n",
         true,
         "R 2 edu123456 10001 [5А] [1] 1 2 1 2 0 0 p=6 m=5 t=-1 j=4\n"
         "R 3 edu123456 10002 [5Б] [2] 0 0 0 1 0 0 p=1 m=2 t=-1 j=0\n");
}

static void csv_own_header_bom_crlf_comma(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(RESULTS_CSV, &ins,
         "\xef\xbb\xbf"
         " School_Code , participant_code,class,task_1,TASK_2,task_9.1,"
         "task_9.2,primary_score,mark\r\n"
         "\r\n"
         "edu123456,A-17.x_2,\"5, А\",1,1,0,2,4,4\r\n"
         "\r\n"
         ",,,,,,,,\r\n"
         "edu654321  ,77,,0,0,0,0,0,2",
         true,
         /* Rows as Excel numbers them: blank ones count. */
         "R 3 edu123456 A-17.x_2 [5, А] [] 1 1 0 2 0 0 p=4 m=4 t=-1 j=0\n"
         "R 6 edu654321 77 [] [] 0 0 0 0 0 0 p=0 m=2 t=-1 j=0\n");
}

/* Regional systems' names for the fields, a column of their own (ignored,
 * with a warning), and what the answer says of the columns. */
static void csv_regional_headers(void **state) {
  (void)state;
  struct instrument ins = vpr();
  const char *body =
      "Логин ОО;Код участника;Класс;Вариант;1;2;9.1;9.2;Сумма баллов;"
      "Отметка;Отметка за предыдущий период;Примечание\r\n"
      "edu1;p1;5А;1;1;2;1;2;6;5;4;перевёлся\r\n";
  expect(RESULTS_CSV, &ins, body, true,
         "R 2 edu1 p1 [5А] [1] 1 2 1 2 0 0 p=6 m=5 t=-1 j=4\n");
  struct results_parser *p = results_parser_new(RESULTS_CSV, &ins, NULL);
  assert_true(results_parser_feed(p, body, strlen(body)));
  assert_true(results_parser_finish(p));
  json_t *report = json_object();
  results_parser_report(p, report);
  results_parser_free(p);
  char *text = json_dumps(report, JSON_COMPACT | JSON_PRESERVE_ORDER);
  assert_string_equal(
      text,
      "{\"encoding\":\"utf-8\",\"columns\":["
      "{\"position\":1,\"header\":\"Логин ОО\",\"field\":\"school_code\"},"
      "{\"position\":2,\"header\":\"Код участника\",\"field\":"
      "\"participant_code\"},"
      "{\"position\":3,\"header\":\"Класс\",\"field\":\"class\"},"
      "{\"position\":4,\"header\":\"Вариант\",\"field\":\"variant\"},"
      "{\"position\":5,\"header\":\"1\",\"field\":\"tasks.1\"},"
      "{\"position\":6,\"header\":\"2\",\"field\":\"tasks.2\"},"
      "{\"position\":7,\"header\":\"9.1\",\"field\":\"tasks.9.1\"},"
      "{\"position\":8,\"header\":\"9.2\",\"field\":\"tasks.9.2\"},"
      "{\"position\":9,\"header\":\"Сумма баллов\",\"field\":"
      "\"primary_score\"},"
      "{\"position\":10,\"header\":\"Отметка\",\"field\":\"mark\"},"
      "{\"position\":11,\"header\":\"Отметка за предыдущий период\","
      "\"field\":\"journal_mark\"},"
      "{\"position\":12,\"header\":\"Примечание\",\"field\":null}],"
      "\"warnings\":[{\"code\":\"unknown_column\",\"column\":"
      "\"Примечание\",\"position\":12,\"message\":\"no field has this "
      "name: the column is ignored\"}]}");
  free(text);
  json_decref(report);
  /* Other spellings: English, case, ё, punctuation, the term mark. */
  expect(RESULTS_CSV, &ins,
         "School;STUDENT;Код ОО (логин);task_1;task_2;task_9.1;task_9.2;"
         "Первичный балл;ОЦЕНКА;Отметка за четверть\n"
         "edu1;p1;x;1;2;1;2;6;5;3\n",
         true, "R 2 edu1 p1 [] [] 1 2 1 2 0 0 p=6 m=5 t=-1 j=3\n");
}

/* UTF-8 text in Windows-1251, by iconv (not the reader's table); to free. */
static char *to_cp1251(const char *utf8) {
  iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
  assert_true(cd != (iconv_t)-1);
  size_t in_left = strlen(utf8), out_left = in_left + 1;
  char *out = malloc(out_left), *in = (char *)utf8, *o = out;
  assert_non_null(out);
  assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
  iconv_close(cd);
  *o = '\0';
  return out;
}

/* Russian Excel's "CSV (разделители – точка с запятой)" is Windows-1251:
 * the same table reads the same, Cyrillic headers and all. */
static void csv_cp1251(void **state) {
  (void)state;
  struct instrument ins = vpr();
  const char *utf8 =
      F1_HEADER "edu1;Ливны;\"МБОУ «СОШ № 1»\";Пётр-7;5А;1;1;2;1;2;6;5;4\n"
                "edu1;Ливны;МБОУ «СОШ № 1»;Ёж-8;5Б;2;0;-;;1;1;3;\n";
  const char *want =
      "R 2 edu1 Пётр-7 [5А] [1] 1 2 1 2 0 0 p=6 m=5 t=-1 j=4\n"
      "P 3 Отметка mark_inconsistent: mark 3 does not match primary score 1: "
      "expected 2 (3 from 2, 4 from 4, 5 from 6)\n"
      "R 3 rejected\n";
  expect(RESULTS_CSV, &ins, utf8, true, want);
  char *cp = to_cp1251(utf8);
  expect(RESULTS_CSV, &ins, cp, true, want);
  /* Declared: read as Windows-1251 whatever its first bytes. */
  struct log l = {0};
  struct results_callbacks cb = {on_problem, on_row, &l};
  struct results_parser *p = results_parser_new(RESULTS_CSV, &ins, &cb);
  assert_true(results_parser_set_cp1251(p));
  assert_true(results_parser_feed(p, cp, strlen(cp)));
  assert_true(results_parser_finish(p));
  json_t *report = json_object();
  results_parser_report(p, report);
  assert_string_equal(json_string_value(json_object_get(report, "encoding")),
                      "windows-1251");
  json_decref(report);
  results_parser_free(p);
  assert_string_equal(l.text, want);
  free(l.text);
  free(cp);
}

static void csv_delimiter_detection(void **state) {
  (void)state;
  struct instrument ins = vpr();
  /* ';' delimits; the comma lives inside a quoted header and a cell. */
  expect(RESULTS_CSV, &ins,
         "school_code;\" participant_code \";task_1;task_2;task_9.1;task_9.2;"
         "primary_score;mark;variant\n"
         "edu1;p1;1;1;0;0;2;3;\"вариант 1, резерв\"\n",
         true,
         "R 2 edu1 p1 [] [вариант 1, резерв] 1 1 0 0 0 0 p=2 m=3 t=-1 "
         "j=0\n");
  /* Quoted newlines inside a cell (one row, however many lines); "9.1"
   * alone as a task header. */
  expect(RESULTS_CSV, &ins,
         "ОО,Код участника,Название ОО,1,2,9.1,9.2,Первичный балл,Отметка\n"
         "edu1,p2,\"Школа\nна\r\nтри строки\",0,0,1,1,2,3\n"
         "edu1,p3,Школа,0,0,1,1,2,2\n",
         true,
         "R 2 edu1 p2 [] [] 0 0 1 1 0 0 p=2 m=3 t=-1 j=0\n"
         "P 3 Отметка mark_inconsistent: mark 2 does not match primary score "
         "2: expected 3 (3 from 2, 4 from 4, 5 from 6)\n"
         "R 3 rejected\n");
  /* Tabs, as Excel's "Text (tab delimited)" saves; Excel's sep= line is no
   * row. */
  expect(RESULTS_CSV, &ins,
         "ОО\tКод участника\t1\t2\t9.1\t9.2\tПервичный балл\tОтметка\n"
         "edu1\t p1 \t1\t0\t0\t0\t1\t2\n",
         true, "R 2 edu1 p1 [] [] 1 0 0 0 0 0 p=1 m=2 t=-1 j=0\n");
  expect(RESULTS_CSV, &ins,
         "sep=,\r\nОО,Код участника,1,2,9.1,9.2,Первичный балл,Отметка,"
         "Примечание; а; б; в; г; д; е; ж; з\r\n"
         "edu1,p1,1,0,0,0,1,2,x\r\n",
         true, "R 2 edu1 p1 [] [] 1 0 0 0 0 0 p=1 m=2 t=-1 j=0\n");
}

static void csv_bad_header_lists_all(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(RESULTS_CSV, &ins,
         "ОО;Код участника;Класс;класс;1 (2б);2 (2б);13 (1б);Примечание;"
         "Первичный балл\n"
         "edu1;p1;5А;5А;0;0;0;1;0\n",
         false,
         "P 0 класс bad_header: the column repeats column 3\n"
         "P 0 1 (2б) bad_header: the column gives task 1 a maximum of 2, the "
         "instrument 1\n"
         "P 0 13 (1б) bad_header: the instrument has no task 13\n"
         "P 0 Отметка bad_header: a required column is missing\n"
         "P 0 1 (1б) bad_header: the column of task 1 is missing\n"
         "P 0 9.1 (1б) bad_header: the column of task 9.1 is missing\n"
         "P 0 9.2 (2б) bad_header: the column of task 9.2 is missing\n"
         "P 0 - bad_header: the header has 7 problems\n");
  /* Two names of one field repeat each other too. */
  expect(RESULTS_CSV, &ins,
         "school_code;Код ОО;participant_code;1;2;9.1;9.2;primary_score;"
         "Оценка;Отметка\n",
         false,
         "P 0 Код ОО bad_header: the column repeats column 1\n"
         "P 0 Отметка bad_header: the column repeats column 9\n"
         "P 0 - bad_header: the header has 2 problems\n");
  expect(RESULTS_CSV, &ins, "school_code;task_1;task_2;task_9.1;task_9.2\n",
         false,
         "P 0 participant_code bad_header: a required column is missing\n"
         "P 0 primary_score bad_header: a required column is missing\n"
         "P 0 mark bad_header: a required column is missing\n"
         "P 0 - bad_header: the header has 3 problems\n");
  expect(RESULTS_CSV, &ins, "", false,
         "P 0 - malformed_body: the file has no header line\n");
  expect(RESULTS_CSV, &ins, "\n \r\n;;\n", false,
         "P 0 - malformed_body: the file has no header line\n");
}

static void csv_ege_without_mark(void **state) {
  (void)state;
  struct instrument ins = {.kind = ASSESSMENT_EGE,
                           .n_tasks = 2,
                           .task_number = {"1", "2"},
                           .task_max = {1, 3},
                           .max_primary_score = 4,
                           .min_test_score = 27};
  expect(RESULTS_CSV, &ins,
         "ОО;Код участника;1 (1б);2 (3б);Первичный балл;Тестовый балл\n"
         "edu1;p1;1;3;4;100\n"
         "edu1;p2;0;0;0;\n"
         "edu1;p3;0;0;0;101\n"
         "edu1;p4;0;0;0;-1\n",
         true,
         "R 2 edu1 p1 [] [] 1 3 0 0 0 0 p=4 m=0 t=100 j=0\n"
         "R 3 edu1 p2 [] [] 0 0 0 0 0 0 p=0 m=0 t=-1 j=0\n"
         "P 4 Тестовый балл out_of_range: test score 101 is outside 0..100\n"
         "R 4 rejected\n"
         "P 5 Тестовый балл out_of_range: test score -1 is outside 0..100\n"
         "R 5 rejected\n");
}

static void csv_row_problems(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(
      RESULTS_CSV, &ins,
      F1_HEADER
      /* 2: every field wrong at once */
      ";М;Ш;;\x01;\xff;2;x;-1;1.5;abc;6;1\n"
      /* 3: primary score differs from the sum, mark out of line */
      "edu1;М;Ш;p 2;5А;1;1;2;1;2;5;3;7\n"
      /* 4: the mark against the boundaries */
      "edu1;М;Ш;p3;5А;1;1;2;1;2;6;4;\n"
      /* 5: primary above the maximum; too long a class */
      "edu1;М;Ш;p4;012345678901234567890123456789012;1;;;;;9;5;5\n"
      /* 6: more cells than the header */
      "edu1;М;Ш;p5;5А;1;1;2;1;2;6;5;5;лишнее\n"
      /* 7: fewer cells: the missing ones are empty */
      "edu1;М;Ш;p6\n"
      /* 8: text after a closing quote */
      "edu1;М;Ш;\"p7\"x;5А;1;1;2;1;2;6;5;5\n"
      /* 9: a good row after all that */
      "edu1;\"М\";\"Ш\";p9;5А;1;1;2;1;2;6;5;5\n",
      true,
      "P 2 ОО missing_value: a value is required\n"
      "P 2 Код участника missing_value: a value is required\n"
      "P 2 Класс bad_text: the text contains control characters\n"
      "P 2 Вариант bad_text: the text is not valid UTF-8\n"
      "P 2 1 (1б) score_above_max: score 2 is above the task's maximum 1\n"
      "P 2 2 (2б) malformed_number: \"x\" is not a whole number\n"
      "P 2 9.1 (1б) out_of_range: score -1 is negative\n"
      "P 2 9.2 (2б) malformed_number: \"1.5\" is not a whole number\n"
      "P 2 Первичный балл malformed_number: \"abc\" is not a whole number\n"
      "P 2 Отметка out_of_range: mark 6 is not one of 2, 3, 4, 5\n"
      "P 2 Отметка по журналу out_of_range: mark 1 is not one of 2, 3, 4, 5\n"
      "R 2 rejected\n"
      "P 3 Код участника bad_text: a code may hold only letters, digits, '-', "
      "'_' and '.'\n"
      "P 3 Первичный балл primary_score_mismatch: primary score 5 differs "
      "from the sum of the task scores 6\n"
      "P 3 Отметка по журналу out_of_range: mark 7 is not one of 2, 3, 4, 5\n"
      "R 3 rejected\n"
      "P 4 Отметка mark_inconsistent: mark 4 does not match primary score 6: "
      "expected 5 (3 from 2, 4 from 4, 5 from 6)\n"
      "R 4 rejected\n"
      "P 5 Класс bad_text: the text is 33 bytes long, at most 32 are allowed\n"
      "P 5 Первичный балл out_of_range: primary score 9 is outside 0..6\n"
      "R 5 rejected\n"
      "P 6 - malformed_row: the row has 14 cells, the header 13: quote a cell "
      "that holds the separator\n"
      "R 6 rejected\n"
      "P 7 Первичный балл missing_value: a value is required\n"
      "P 7 Отметка missing_value: a value is required\n"
      "R 7 rejected\n"
      "P 8 Код участника malformed_row: text follows the closing quote of the "
      "cell: double a quote inside a quoted cell\n"
      "R 8 rejected\n"
      "R 9 edu1 p9 [5А] [1] 1 2 1 2 0 0 p=6 m=5 t=-1 j=5\n");
  /* A NUL byte is no text. */
  static const char nul[] = F1_HEADER "edu1;М;Ш;p8;5А;1;1;2;1;2;6;5;5\0\n";
  bool ok;
  char *log = parse_n(RESULTS_CSV, &ins, nul, sizeof nul - 1, 3, &ok);
  assert_true(ok);
  assert_string_equal(
      log, "P 2 Отметка по журналу malformed_row: the cell holds a NUL byte\n"
           "R 2 rejected\n");
  free(log);
}

static void csv_unclosed_quote(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(RESULTS_CSV, &ins, F1_HEADER "edu1;М;\"Ш;p1;5А;1;1;2;1;2;6;5;5\n",
         false,
         "P 0 Название ОО malformed_body: a quoted cell of row 2 is never "
         "closed: the rest of the file is inside it\n");
  expect(RESULTS_CSV, &ins, "ОО;\"Код участника\n", false,
         "P 0 - malformed_body: a quoted cell of row 1 is never closed: the "
         "rest of the file is inside it\n");
}

static void csv_oversize_row(void **state) {
  (void)state;
  struct instrument ins = vpr();
  size_t big = RESULTS_ROW_MAX + 100;
  const char *head = F1_HEADER "edu1;М;";
  const char *tail = ";p1;5А;1;1;2;1;2;6;5;5\n"
                     "edu1;М;Ш;p2;5А;1;1;2;1;2;6;5;5\n";
  char *body = malloc(strlen(head) + big + strlen(tail) + 1);
  assert_non_null(body);
  strcpy(body, head);
  memset(body + strlen(head), 'x', big);
  strcpy(body + strlen(head) + big, tail);
  bool ok;
  char *log = parse(RESULTS_CSV, &ins, body, 4096, &ok);
  assert_true(ok);
  assert_string_equal(
      log, "P 2 - malformed_row: the row is longer than 65536 bytes\n"
           "R 2 rejected\n"
           "R 3 edu1 p2 [5А] [1] 1 2 1 2 0 0 p=6 m=5 t=-1 j=5\n");
  free(log);
  /* An oversize header is fatal. */
  memcpy(body, "ОО", strlen("ОО"));
  memset(body + strlen("ОО"), 'x', big);
  body[strlen("ОО") + big] = '\0';
  log = parse(RESULTS_CSV, &ins, body, 1000, &ok);
  assert_false(ok);
  assert_string_equal(
      log,
      "P 0 - malformed_body: the header line is longer than 65536 bytes\n");
  free(log);
  free(body);
}

/* 100,000 rows, generated as they are fed: the heap does not grow. */
static void csv_many_rows_bounded_memory(void **state) {
  (void)state;
  struct instrument ins = vpr();
  struct log l = {.quiet = true};
  struct results_callbacks cb = {on_problem, on_row, &l};
  struct results_parser *p = results_parser_new(RESULTS_CSV, &ins, &cb);
  assert_non_null(p);
  assert_true(results_parser_feed(p, F1_HEADER, strlen(F1_HEADER)));
  size_t heap_at_1000 = 0;
  char chunk[8192];
  size_t used = 0;
  for (long i = 1; i <= 100000; i++) {
    int s = (int)(i % 7); /* 0..6 */
    int t[4] = {s > 0, s > 2 ? 2 : (s > 1 ? 1 : 0), s > 3, s > 4 ? s - 4 : 0};
    int sum = t[0] + t[1] + t[2] + t[3];
    int n = snprintf(chunk + used, sizeof chunk - used,
                     "edu%06ld;Город;Школа;%ld;5А;%ld;%d;%d;%d;%d;%d;%d;\r\n",
                     i % 900, i, i % 2 + 1, t[0], t[1], t[2], t[3], sum,
                     instrument_mark_for(&ins, sum));
    assert_true(n > 0 && (size_t)n < sizeof chunk - used);
    used += (size_t)n;
    if (used > sizeof chunk - 200 || i == 100000) {
      assert_true(results_parser_feed(p, chunk, used));
      used = 0;
    }
    if (i == 1000)
      heap_at_1000 = mallinfo2().uordblks;
  }
  assert_true(results_parser_finish(p));
  size_t heap_at_end = mallinfo2().uordblks;
  results_parser_free(p);
  assert_int_equal(l.rows, 100000);
  assert_int_equal(l.good, 100000);
  assert_int_equal(l.problems, 0);
  assert_true(heap_at_end <= heap_at_1000);
}

static void json_array_rows(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(RESULTS_JSON_ARRAY, &ins,
         "\xef\xbb\xbf [\n"
         " {\"school_code\": \"edu123456\", \"participant_code\": 10001,"
         "  \"class\": \"5А\", \"variant\": \"1\","
         "  \"tasks\": {\"1\": 1, \"2\": \"2\", \"9.1\": null, \"9.2\": 2},"
         "  \"primary_score\": 5, \"mark\": 4, \"journal_mark\": null},\n"
         " {\"school_code\": \"edu\\\"1\\\\]}\", \"participant_code\": \"p2\","
         "  \"tasks\": [0, 1, 0, \"-\"], \"primary_score\": \"1\", \"mark\": 2,"
         "  \"municipality\": \"Город {[\", \"school_name\": null}\n"
         "]\n",
         true,
         "R 1 edu123456 10001 [5А] [1] 1 2 0 2 0 0 p=5 m=4 t=-1 j=0\n"
         "R 2 edu\"1\\]} p2 [] [] 0 1 0 0 0 0 p=1 m=2 t=-1 j=0\n");
  expect(RESULTS_JSON_ARRAY, &ins, " [ ] ", true, "");
}

static void json_row_problems(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(RESULTS_JSON_ARRAY, &ins,
         "[{\"school_code\": \"edu1\", \"participant_code\": \"p1\","
         " \"tasks\": {\"1\": 1.0, \"13\": 1, \"9.2\": 3},"
         " \"primary_score\": 1, \"mark\": true, \"grade\": 5},"
         " {\"school_code\": [], \"tasks\": [1, 1],"
         " \"primary_score\": 2, \"mark\": 3},"
         " {\"school_code\": \"edu1\", \"participant_code\": \"p3\","
         " \"primary_score\": 0, \"mark\": 2},"
         " {\"school_code\": \"edu1\", \"school_code\": \"edu2\"},"
         " 17, \"text\","
         " {\"school_code\": \"edu\\u0000\", \"participant_code\": \"p5\","
         " \"tasks\": {}, \"primary_score\": 0, \"mark\": 2}]",
         true,
         "P 1 tasks.1 malformed_number: expected a whole number, got a "
         "fraction\n"
         "P 1 tasks.13 malformed_row: the instrument has no task 13\n"
         "P 1 mark malformed_number: expected a whole number, got a boolean\n"
         "P 1 grade malformed_row: unknown member\n"
         "P 1 tasks.9.2 score_above_max: score 3 is above the task's maximum "
         "2\n"
         "R 1 rejected\n"
         "P 2 school_code bad_text: expected a string, got an array\n"
         "P 2 tasks malformed_row: tasks has 2 scores, the instrument 4 tasks\n"
         "P 2 participant_code missing_value: a value is required\n"
         "R 2 rejected\n"
         "P 3 tasks missing_value: the task scores are missing\n"
         "R 3 rejected\n"
         "P 4 school_code malformed_row: the member is repeated\n"
         "R 4 rejected\n"
         "P 5 - malformed_row: the row is an integer, not an object\n"
         "R 5 rejected\n"
         "P 6 - malformed_row: the row is a string, not an object\n"
         "R 6 rejected\n"
         "P 7 school_code bad_text: the text contains a NUL character\n"
         "R 7 rejected\n");
}

static void json_array_broken(void **state) {
  (void)state;
  struct instrument ins = vpr();
  const char *good = "{\"school_code\": \"edu1\", \"participant_code\": \"p1\","
                     " \"tasks\": [1, 2, 1, 2], \"primary_score\": 6, "
                     "\"mark\": 5}";
  char body[1024];
  snprintf(body, sizeof body, "[%s, {\"school_code\": \"edu1\",}, %s]", good,
           good);
  expect(RESULTS_JSON_ARRAY, &ins, body, false,
         "R 1 edu1 p1 [] [] 1 2 1 2 0 0 p=6 m=5 t=-1 j=0\n"
         "P 0 - malformed_body: row 2 is not valid JSON: string or '}' "
         "expected near '}'\n");
  snprintf(body, sizeof body, "[%s %s]", good, good);
  expect(RESULTS_JSON_ARRAY, &ins, body, false,
         "R 1 edu1 p1 [] [] 1 2 1 2 0 0 p=6 m=5 t=-1 j=0\n"
         "P 0 - malformed_body: expected ',' or ']' after row 1\n");
  snprintf(body, sizeof body, "[%s,", good);
  expect(RESULTS_JSON_ARRAY, &ins, body, false,
         "R 1 edu1 p1 [] [] 1 2 1 2 0 0 p=6 m=5 t=-1 j=0\n"
         "P 0 - malformed_body: the body ends before the array is closed "
         "(after row 1)\n");
  expect(RESULTS_JSON_ARRAY, &ins, "[1,]", false,
         "P 1 - malformed_row: the row is an integer, not an object\n"
         "R 1 rejected\n"
         "P 0 - malformed_body: expected a row after ',' (row 2)\n");
  expect(RESULTS_JSON_ARRAY, &ins, "{}", false,
         "P 0 - malformed_body: the body is not a JSON array\n");
  expect(RESULTS_JSON_ARRAY, &ins, "", false,
         "P 0 - malformed_body: the body is empty, not a JSON array\n");
  expect(RESULTS_JSON_ARRAY, &ins, "[] x", false,
         "P 0 - malformed_body: text follows the end of the array\n");
}

static void json_lines(void **state) {
  (void)state;
  struct instrument ins = vpr();
  expect(RESULTS_JSON_LINES, &ins,
         "{\"school_code\": \"edu1\", \"participant_code\": \"p1\","
         " \"tasks\": [1, 2, 1, 2], \"primary_score\": 6, \"mark\": 5}\r\n"
         "\n"
         "{\"school_code\": \"edu1\", \"participant_code\": \"p2\",\n"
         "   \n"
         "[1]\n"
         "{\"school_code\": \"edu1\", \"participant_code\": \"p3\","
         " \"tasks\": {\"9.1\": 1}, \"primary_score\": 1, \"mark\": 2,"
         " \"test_score\": 55}",
         true,
         /* Rows are lines, as an editor numbers them. */
         "R 1 edu1 p1 [] [] 1 2 1 2 0 0 p=6 m=5 t=-1 j=0\n"
         "P 3 - malformed_row: not valid JSON: string or '}' expected near end "
         "of file (column 49)\n"
         "R 3 rejected\n"
         "P 5 - malformed_row: the row is an array, not an object\n"
         "R 5 rejected\n"
         "R 6 edu1 p3 [] [] 0 0 1 0 0 0 p=1 m=2 t=55 j=0\n");
}

static void content_types_and_marks(void **state) {
  (void)state;
  enum results_format f;
  bool cp1251;
  assert_true(results_format_from_content_type("text/csv", &f, &cp1251));
  assert_int_equal(f, RESULTS_CSV);
  assert_false(cp1251);
  assert_true(results_format_from_content_type("Text/CSV; charset=\"UTF-8\"",
                                               &f, &cp1251));
  assert_int_equal(f, RESULTS_CSV);
  assert_true(results_format_from_content_type(
      "application/json;charset=utf-8; header=present", &f, &cp1251));
  assert_int_equal(f, RESULTS_JSON_ARRAY);
  assert_true(
      results_format_from_content_type("application/x-ndjson", &f, &cp1251));
  assert_int_equal(f, RESULTS_JSON_LINES);
  assert_true(
      results_format_from_content_type(" application/jsonl ", &f, &cp1251));
  assert_int_equal(f, RESULTS_JSON_LINES);
  /* CSV may be declared Windows-1251; JSON may not. */
  assert_true(results_format_from_content_type("text/csv; charset=windows-1251",
                                               &f, &cp1251));
  assert_true(cp1251);
  assert_true(results_format_from_content_type("text/csv;charset=\"CP1251\"",
                                               &f, &cp1251));
  assert_true(cp1251);
  assert_false(results_format_from_content_type(
      "application/json; charset=windows-1251", &f, &cp1251));
  assert_false(results_format_from_content_type("text/csv; charset=koi8-r", &f,
                                                &cp1251));
  assert_false(results_format_from_content_type("text/plain", &f, &cp1251));
  assert_false(results_format_from_content_type("", &f, &cp1251));
  assert_false(results_format_from_content_type(NULL, &f, &cp1251));

  struct instrument ins = vpr();
  assert_int_equal(instrument_mark_for(&ins, 0), 2);
  assert_int_equal(instrument_mark_for(&ins, 1), 2);
  assert_int_equal(instrument_mark_for(&ins, 2), 3);
  assert_int_equal(instrument_mark_for(&ins, 5), 4);
  assert_int_equal(instrument_mark_for(&ins, 6), 5);
  ins.mark3_from = ins.mark4_from = ins.mark5_from = 0;
  assert_int_equal(instrument_mark_for(&ins, 6), 0);
}

/* Without boundaries any mark 2..5 goes; feeding after a fatal problem
 * does nothing. */
static void no_boundaries_and_after_fatal(void **state) {
  (void)state;
  struct instrument ins = vpr();
  ins.mark3_from = ins.mark4_from = ins.mark5_from = 0;
  expect(RESULTS_CSV, &ins,
         "school_code;participant_code;task_1;task_2;task_9.1;task_9.2;"
         "primary_score;mark;journal_mark\n"
         "edu1;p1;0;0;0;0;0;5;-\n",
         true, "R 2 edu1 p1 [] [] 0 0 0 0 0 0 p=0 m=5 t=-1 j=0\n");
  struct log l = {0};
  struct results_callbacks cb = {on_problem, on_row, &l};
  struct results_parser *p = results_parser_new(RESULTS_CSV, &ins, &cb);
  assert_false(results_parser_feed(p, "x\n", 2));
  long problems = l.problems;
  assert_false(results_parser_feed(p, "edu1;p1\n", 8));
  assert_false(results_parser_finish(p));
  assert_int_equal(l.problems, problems);
  results_parser_free(p);
  free(l.text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(csv_f1_export),
      cmocka_unit_test(csv_own_header_bom_crlf_comma),
      cmocka_unit_test(csv_regional_headers),
      cmocka_unit_test(csv_cp1251),
      cmocka_unit_test(csv_delimiter_detection),
      cmocka_unit_test(csv_bad_header_lists_all),
      cmocka_unit_test(csv_ege_without_mark),
      cmocka_unit_test(csv_row_problems),
      cmocka_unit_test(csv_unclosed_quote),
      cmocka_unit_test(csv_oversize_row),
      cmocka_unit_test(csv_many_rows_bounded_memory),
      cmocka_unit_test(json_array_rows),
      cmocka_unit_test(json_row_problems),
      cmocka_unit_test(json_array_broken),
      cmocka_unit_test(json_lines),
      cmocka_unit_test(content_types_and_marks),
      cmocka_unit_test(no_boundaries_and_after_fatal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
