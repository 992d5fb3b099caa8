/* Lists as tables (include/table.h): the typed cells that every table
 * format writes, read from rows shaped as list statements return them; and
 * the apostrophe that guards CSV text cells against formulas
 * (include/csv_out.h), which the roadmap import takes off again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_out.h"
#include "table.h"

/* A result as a list statement returns it: doc, sort key, id, then one
 * extra member "partner" (JSON). Each row is {doc, partner}; NULL is SQL
 * NULL. */
static PGresult *rows_of(const char *const (*rows)[2], int n) {
  PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
  PGresAttDesc attrs[4] = {
      {.name = "doc"}, {.name = "key"}, {.name = "id"}, {.name = "partner"}};
  assert_int_equal(PQsetResultAttrs(r, 4, attrs), 1);
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < 4; c++) {
      const char *v = c == 0 ? rows[i][0] : c == 3 ? rows[i][1] : "1";
      assert_int_equal(PQsetvalue(r, i, c, (char *)v, v ? (int)strlen(v) : -1),
                       1);
    }
  }
  return r;
}

static const struct table_column columns[] = {
    {"id", "ID", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"value", "Значение", TABLE_VALUE},
    {"share", "Доля", TABLE_NUMBER},
    {"on", "Дата", TABLE_DATE},
    {"at", "Изменено", TABLE_TIMESTAMP},
    {"late", "С опозданием", TABLE_BOOLEAN},
    {"list", "Список", TABLE_JSON},
    {"partner.name", "Партнёр", TABLE_TEXT},
    {"group", "Группа", TABLE_INTEGER},
};
static const struct table_spec spec = TABLE_SPEC("test", columns);

#define N_COLUMNS (sizeof columns / sizeof columns[0])

/* What the walk gave: every cell as "type:text" (empty: "type:"), in
 * rows. */
struct seen {
  char cells[4][N_COLUMNS][64];
  double numbers[4][N_COLUMNS];
  size_t rows;
};

static void keep_row(void *ctx, const struct table_cell *cells) {
  struct seen *s = ctx;
  assert_true(s->rows < 4);
  for (size_t c = 0; c < N_COLUMNS; c++) {
    snprintf(s->cells[s->rows][c], sizeof s->cells[0][0], "%d:%s",
             (int)cells[c].type, cells[c].empty ? "" : cells[c].text);
    s->numbers[s->rows][c] = cells[c].number;
    if (cells[c].type == TABLE_BOOLEAN && !cells[c].empty)
      assert_true(cells[c].boolean == (strcmp(cells[c].text, "true") == 0));
  }
  s->rows++;
}

static void cell(const struct seen *s, size_t row, size_t col,
                 enum table_type type, const char *text) {
  char want[64];
  snprintf(want, sizeof want, "%d:%s", (int)type, text);
  assert_string_equal(s->cells[row][col], want);
}

static void typed_cells(void **state) {
  (void)state;
  const char *const rows[][2] = {
      {"{\"id\":7,\"school\":{\"code\":\"=1+2\"},\"value\":-5,"
       "\"share\":14.15,\"on\":\"2024-09-01\","
       "\"at\":\"2024-09-01T08:00:00+00:00\",\"late\":true,"
       "\"list\":[1,2],\"group\":\"SHNOR\"}",
       "{\"name\":\"МБОУ СОШ № 6\"}"},
      /* An empty list's only row: no document, skipped. */
      {NULL, NULL},
      {"{\"id\":8,\"value\":\"-5 баллов\",\"share\":50.0,\"on\":\"скоро\","
       "\"at\":null,\"late\":false,\"list\":{}}",
       NULL},
      {"{\"id\":9,\"value\":true,\"share\":1e20,\"group\":3}", "null"},
  };
  PGresult *r = rows_of(rows, 4);
  struct seen s = {0};
  assert_int_equal(table_walk(&spec, r, 0, 3, keep_row, &s), 3);
  assert_int_equal(s.rows, 3);
  cell(&s, 0, 0, TABLE_INTEGER, "7");
  assert_true(s.numbers[0][0] == 7);
  cell(&s, 0, 1, TABLE_TEXT, "=1+2");
  cell(&s, 0, 2, TABLE_INTEGER, "-5"); /* a number stays a number */
  assert_true(s.numbers[0][2] == -5);
  cell(&s, 0, 3, TABLE_NUMBER, "14.15");
  cell(&s, 0, 4, TABLE_DATE, "2024-09-01");
  cell(&s, 0, 5, TABLE_TIMESTAMP, "2024-09-01T08:00:00+00:00");
  cell(&s, 0, 6, TABLE_BOOLEAN, "true");
  cell(&s, 0, 7, TABLE_JSON, "[1,2]");
  cell(&s, 0, 8, TABLE_TEXT, "МБОУ СОШ № 6"); /* from the extra member */
  cell(&s, 0, 9, TABLE_TEXT, "SHNOR");        /* its own type */

  cell(&s, 1, 1, TABLE_TEXT, ""); /* absent: the column's type, empty */
  cell(&s, 1, 2, TABLE_TEXT, "-5 баллов");
  cell(&s, 1, 3, TABLE_NUMBER, "50"); /* not 5e+01 */
  cell(&s, 1, 4, TABLE_TEXT, "скоро");
  cell(&s, 1, 5, TABLE_TIMESTAMP, "");
  cell(&s, 1, 6, TABLE_BOOLEAN, "false");
  cell(&s, 1, 7, TABLE_JSON, "{}");
  cell(&s, 1, 8, TABLE_TEXT, "");

  cell(&s, 2, 2, TABLE_BOOLEAN, "true");
  cell(&s, 2, 3, TABLE_NUMBER, "1e+20");
  cell(&s, 2, 8, TABLE_TEXT, ""); /* a null extra member */
  cell(&s, 2, 9, TABLE_INTEGER, "3");
  PQclear(r);
}

static void empty_list_walks_nothing(void **state) {
  (void)state;
  PGresult *r = rows_of(NULL, 0);
  struct seen s = {0};
  assert_int_equal(table_walk(&spec, r, 0, 3, keep_row, &s), 0);
  PQclear(r);
}

static void formula_guard(void **state) {
  (void)state;
  static const char *const guarded[] = {
      "=1+2", "+7 495", "-5", "- подготовка", "@SUM(A1)", "\tx", "\rx", "'=1",
      "''-x", "-",      NULL};
  static const char *const plain[] = {"",    "МБОУ", "5",   "'", "'a",
                                      " =1", "1-2",  "a=b", NULL};
  for (const char *const *s = guarded; *s != NULL; s++)
    assert_true(csv_text_guarded(*s, strlen(*s)));
  for (const char *const *s = plain; *s != NULL; s++)
    assert_false(csv_text_guarded(*s, strlen(*s)));
  /* What the export writes, the import reads back unchanged. */
  const char *const *lists[] = {guarded, plain};
  for (size_t l = 0; l < 2; l++) {
    for (const char *const *s = lists[l]; *s != NULL; s++) {
      char written[32];
      snprintf(written, sizeof written, "%s%s",
               csv_text_guarded(*s, strlen(*s)) ? "'" : "", *s);
      size_t drop = csv_guard_length(written, strlen(written));
      assert_string_equal(written + drop, *s);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(typed_cells),
      cmocka_unit_test(empty_list_walks_nothing),
      cmocka_unit_test(formula_guard),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
