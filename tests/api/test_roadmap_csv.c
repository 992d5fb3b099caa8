/* Roadmap items as tables: POST /roadmaps/{id}/items:import (text/csv) and
 * GET /roadmaps/{id}/items with Accept: text/csv (docs/PLANS.md, "Tables in
 * and out"): the plan table of seed 003 in UTF-8 and as Russian Excel saves
 * it (Windows-1251), columns the import does not know, rows as Excel
 * numbers them. */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define BOM "\xEF\xBB\xBF"
#define SECTION                                                                                                                     \
  "1.Совершенствование управления и нормативно-правого регулирования в " \
  "системе образования"
#define ACTIVITY                                                                                                                              \
  "Создание рабочей группы управления образования, координирующей работу по " \
  "поддержке группы ШНОР и ШНСУ"
#define RESPONSIBLE "УО АКР, МБУ «ЦРО»"

static long long draft(void) {
  long long school = create_school(kovrov().municipality_id, NULL,
                                   "МБОУ «Иваново-Эсинская СОШ»");
  return db_count("INSERT INTO roadmaps (owner_school_id, kind, title,"
                  " period_from, period_to) VALUES (%lld, 'school_roadmap',"
                  " 'Дорожная карта', '2021-01-01', '2021-12-31') RETURNING id",
                  school);
}

static struct http_reply *import_n(long long roadmap, const char *csv,
                                   size_t len) {
  const char *h[] = {"Content-Type: text/csv; charset=utf-8", NULL};
  return http_request_n(
      "POST", J("/api/v1/roadmaps/%lld/items:import", roadmap), csv, len, h);
}
static struct http_reply *import(long long roadmap, const char *csv) {
  return import_n(roadmap, csv, strlen(csv));
}

/* The seven columns of every item, in order, as one text. */
static char *table_of(long long roadmap) {
  return db_text(
      "SELECT string_agg(concat_ws('|', position, number, section, activity,"
      " schedule_text, responsible, expected_result, risk_factor_code), '#'"
      " ORDER BY position) FROM roadmap_items WHERE roadmap_id = %lld",
      roadmap);
}

static void test_import_semicolons_bom_crlf(void **state) {
  (void)state;
  long long roadmap = draft();
  const char *csv =
      BOM "№;Раздел;Мероприятие;Срок;Ответственные;Ожидаемый результат;"
          "Фактор риска\r\n"
          "1.1;" SECTION ";\"" ACTIVITY "\";Январь 2021 года;\"" RESPONSIBLE
          "\";;RF08\r\n"
          "1.2;" SECTION ";\"Совещание; затем \"\"приказ\"\"\r\nи план\";"
          "Ежеквартально;УО;\"Приказ,\nплан\";\r\n";
  struct http_reply *r = import(roadmap, csv);
  assert_status(r, 201);
  assert_json_int(r->json, "imported", 2);
  const json_t *items = json_object_get(r->json, "items");
  assert_int_equal(json_array_size(items), 2);
  assert_json_str(json_array_get(items, 0), "activity", ACTIVITY);
  assert_json_str(json_array_get(items, 0), "responsible", RESPONSIBLE);
  assert_json_str(json_array_get(items, 0), "schedule_text",
                  "Январь 2021 года");
  assert_json_str(json_array_get(items, 0), "risk_factor", "RF08");
  assert_json_null(json_array_get(items, 0), "expected_result");
  assert_json_int(json_array_get(items, 1), "position", 2);
  assert_json_str(json_array_get(items, 1), "activity",
                  "Совещание; затем \"приказ\"\r\nи план");
  assert_json_str(json_array_get(items, 1), "expected_result", "Приказ,\nплан");
  assert_json_null(json_array_get(items, 1), "risk_factor");
  http_reply_free(r);
  assert_int_equal(db_count("SELECT count(*) FROM audit_events WHERE entity ="
                            " 'roadmap_item' AND action = 'create' AND"
                            " entity_id IN (SELECT id FROM roadmap_items"
                            " WHERE roadmap_id = %lld)",
                            roadmap),
                   2);

  /* A second import appends. */
  r = import(roadmap, "мероприятие\r\nещё одно\r\n");
  assert_status(r, 201);
  assert_json_int(json_array_get(json_object_get(r->json, "items"), 0),
                  "position", 3);
  http_reply_free(r);
}

static void test_import_commas_english_lf(void **state) {
  (void)state;
  long long roadmap = draft();
  struct http_reply *r =
      import(roadmap, " Number ,ACTIVITY,Schedule,Risk_Factor,"
                      "expected_result\n"
                      "1.1,\"" ACTIVITY "\",Январь 2021 года,RF01,\n"
                      "\n"
                      ",,,,\n"
                      "2.,\"с запятой, и \"\"кавычками\"\"\",,,итог\n");
  assert_status(r, 201);
  assert_json_int(r->json, "imported", 2);
  char *t = table_of(roadmap);
  assert_string_equal(t, "1|1.1|" ACTIVITY "|Январь 2021 года|RF01#2|2.|с "
                         "запятой, и \"кавычками\"|итог");
  free(t);
  http_reply_free(r);
}

static void test_import_every_problem(void **state) {
  (void)state;
  long long roadmap = draft();
  char *before = db_fingerprint();
  struct http_reply *r =
      import(roadmap, "№;мероприятие;цвет;Срок;срок\n1;x;y;z;w\n");
  assert_validation(r, "row 1, column schedule");
  http_reply_free(r);
  r = import(roadmap, "№;срок\n1;Январь 2021 года\n");
  assert_validation(r, "row 1, column activity");
  http_reply_free(r);
  r = import(roadmap, "№;\xff\xfe\n1;x\n");
  assert_validation(r, "row 1, column activity");
  http_reply_free(r);
  r = import(roadmap, "");
  assert_status(r, 400);
  http_reply_free(r);

  static const char csv[] = "№;Мероприятие;Фактор риска\n"
                            "1;;RF01\n"              /* row 2: no activity */
                            "2;норма;RF99\n"         /* row 3: unknown factor */
                            "3;\xff\xfe;RF02\n"      /* row 4: not UTF-8 */
                            "4;раз;RF01;три\n"       /* row 5: too many */
                            "5;ok;фактор\n"          /* row 6: not a code */
                            "6;\"a\"b;\n"            /* row 7: after quote */
                            "7;\"не закрыто;RF01\n"; /* row 8: unterminated */
  r = import_n(roadmap, csv, sizeof csv - 1);
  assert_validation(r, "row 2, column activity", "row 3, column risk_factor",
                    "row 4, column activity", "row 5",
                    "row 6, column risk_factor", "row 7, column activity",
                    "row 8, column activity");
  http_reply_free(r);
  /* Rows are records as Excel numbers them, not lines: a cell over three
   * lines is one row, a blank line is one too. */
  r = import(roadmap, "№;Мероприятие;Фактор риска\r\n"
                      "1;\"в три\r\nстроки\r\nподряд\";RF01\r\n"
                      "\r\n"
                      "2;x;R1\r\n");
  assert_validation(r, "row 4, column risk_factor");
  http_reply_free(r);
  /* A bad quote in an empty cell past the header's columns. */
  r = import(roadmap, "мероприятие;срок\nx;y;\"\"z\n");
  assert_validation(r, "row 2");
  http_reply_free(r);
  assert_db_unchanged(before);

  /* Not a table, or out of sight. */
  r = http_request("POST", J("/api/v1/roadmaps/%lld/items:import", roadmap),
                   "{}", NULL);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  r = import(999999, "activity\nx\n");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  long long other = create_municipality(kovrov().region_id, uniq("33"), "Д");
  const char *admin = use_token(make_token("municipal", "municipality", other));
  before = db_fingerprint();
  r = import(roadmap, "activity\nx\n");
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  r = http_get("/api/v1/roadmaps/%lld/items", roadmap);
  assert_problem(r, 404, "not_found");
  http_reply_free(r);
  use_token(admin);
  assert_db_unchanged(before);
}

static void test_export_round_trip(void **state) {
  (void)state;
  long long roadmap = draft();
  struct http_reply *r = import(
      roadmap, BOM "№;Раздел;Мероприятие;Срок;Ответственные;Ожидаемый "
                   "результат;Фактор риска\r\n"
                   "1.1;" SECTION ";\"" ACTIVITY
                   "\";Январь 2021 года;\"" RESPONSIBLE "\";\"a;b\";RF08\r\n"
                   "1.2;;\"строка 1\nстрока \"\"2\"\"\";;;,;\r\n"
                   "12.;;\" пробелы \";;;;\r\n"
                   "13;;=1+2;;@ УО;-;\r\n");
  assert_status(r, 201);
  http_reply_free(r);

  const char *h[] = {"Accept: text/csv", NULL};
  r = http_request("GET", J("/api/v1/roadmaps/%lld/items", roadmap), NULL, h);
  assert_status(r, 200);
  assert_string_equal(r->content_type, "text/csv; charset=utf-8");
  assert_memory_equal(r->body, BOM "№;Раздел;Мероприятие;Срок;", 3 + 31);
  assert_non_null(strstr(r->body, "\"a;b\""));
  assert_non_null(strstr(r->body, "\"строка 1\nстрока \"\"2\"\"\""));
  /* Formulas come out as text, and import back without the apostrophe. */
  assert_non_null(strstr(r->body, "\r\n13;;'=1+2;;'@ УО;'-;\r\n"));
  assert_non_null(http_header(r, "Content-Disposition"));

  long long copy = draft();
  struct http_reply *back = import_n(copy, r->body, r->len);
  assert_status(back, 201);
  assert_json_int(back->json, "imported", 4);
  http_reply_free(back);
  http_reply_free(r);
  char *a = table_of(roadmap), *b = table_of(copy);
  assert_string_equal(a, b);
  free(b);

  /* With the English names as headers, for scripts: it imports too. */
  const char *keys[] = {"Accept: text/csv; columns=keys", NULL};
  r = http_request("GET", J("/api/v1/roadmaps/%lld/items", roadmap), NULL,
                   keys);
  assert_status(r, 200);
  assert_memory_equal(r->body, BOM "number;section;activity;schedule;", 36);
  long long again = draft();
  back = import_n(again, r->body, r->len);
  assert_status(back, 201);
  http_reply_free(back);
  http_reply_free(r);
  b = table_of(again);
  assert_string_equal(a, b);
  free(a);
  free(b);

  /* An empty roadmap exports its header alone, and imports as nothing. */
  long long empty = draft();
  r = http_request("GET", J("/api/v1/roadmaps/%lld/items", empty), NULL, h);
  assert_status(r, 200);
  back = import_n(copy, r->body, r->len);
  assert_status(back, 201);
  assert_json_int(back->json, "imported", 0);
  http_reply_free(back);
  http_reply_free(r);
}

/* The file in the source tree; to free. */
static char *read_data(const char *name, size_t *len) {
  char path[512];
  snprintf(path, sizeof path, "%s/tests/api/data/%s", OPORA_SOURCE_DIR, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *text = malloc(1 << 20);
  assert_non_null(text);
  *len = fread(text, 1, 1 << 20, f);
  fclose(f);
  return text;
}

/* n bytes of UTF-8 in Windows-1251, by iconv (not the server's table); to
 * free. */
static char *to_cp1251(const char *utf8, size_t n, size_t *len) {
  iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
  assert_true(cd != (iconv_t)-1);
  size_t in_left = n, out_left = n + 1;
  char *out = malloc(out_left), *in = (char *)utf8, *o = out;
  assert_non_null(out);
  assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
  iconv_close(cd);
  *len = (size_t)(o - out);
  return out;
}

/* The 34-row plan table of seed 003 (tests/api/data/plan_seed003.csv, as
 * the export writes it): imported in UTF-8 it exports byte for byte; the
 * same table as Russian Excel saves it, in Windows-1251 (without a BOM),
 * imports the same items, detected or declared. */
static void test_import_seed003_both_encodings(void **state) {
  (void)state;
  size_t len;
  char *utf8 = read_data("plan_seed003.csv", &len);
  long long a = draft();
  struct http_reply *r = import_n(a, utf8, len);
  assert_status(r, 201);
  assert_json_int(r->json, "imported", 34);
  assert_json_str(r->json, "encoding", "utf-8");
  assert_int_equal(json_array_size(json_object_get(r->json, "warnings")), 0);
  http_reply_free(r);
  const char *h[] = {"Accept: text/csv", NULL};
  r = http_request("GET", J("/api/v1/roadmaps/%lld/items", a), NULL, h);
  assert_status(r, 200);
  assert_int_equal(r->len, len);
  assert_memory_equal(r->body, utf8, len);
  http_reply_free(r);

  size_t cp_len;
  assert_memory_equal(utf8, BOM, 3);
  char *cp = to_cp1251(utf8 + 3, len - 3, &cp_len);
  long long b = draft();
  r = import_n(b, cp, cp_len);
  assert_status(r, 201);
  assert_json_int(r->json, "imported", 34);
  assert_json_str(r->json, "encoding", "windows-1251");
  assert_json_str(json_array_get(json_object_get(r->json, "columns"), 2),
                  "field", "activity");
  http_reply_free(r);
  char *ta = table_of(a), *tb = table_of(b);
  assert_string_equal(ta, tb);
  free(tb);

  const char *declared[] = {"Content-Type: text/csv; charset=windows-1251",
                            NULL};
  long long c = draft();
  r = http_request_n("POST", J("/api/v1/roadmaps/%lld/items:import", c), cp,
                     cp_len, declared);
  assert_status(r, 201);
  assert_json_int(r->json, "imported", 34);
  http_reply_free(r);
  tb = table_of(c);
  assert_string_equal(ta, tb);
  free(tb);
  const char *koi8[] = {"Content-Type: text/csv; charset=koi8-r", NULL};
  r = http_request_n("POST", J("/api/v1/roadmaps/%lld/items:import", c), cp,
                     cp_len, koi8);
  assert_problem(r, 415, "unsupported_media_type");
  http_reply_free(r);
  free(ta);
  free(cp);
  free(utf8);
}

/* Other names of the columns are recognised; a column the import does not
 * know is ignored and listed as a warning, with its position. */
static void test_import_unknown_column_warning(void **state) {
  (void)state;
  long long roadmap = draft();
  struct http_reply *r =
      import(roadmap, "№ п/п;Наименование мероприятия;Сроки исполнения;"
                      "Ответственный исполнитель;Примечание\r\n"
                      "1.;Совещание;Январь 2021 года;УО;перенесено\r\n");
  assert_status(r, 201);
  assert_json_int(r->json, "imported", 1);
  const json_t *columns = json_object_get(r->json, "columns");
  assert_int_equal(json_array_size(columns), 5);
  assert_json_str(json_array_get(columns, 0), "header", "№ п/п");
  assert_json_str(json_array_get(columns, 0), "field", "number");
  assert_json_str(json_array_get(columns, 2), "field", "schedule");
  assert_json_str(json_array_get(columns, 3), "field", "responsible");
  assert_json_null(json_array_get(columns, 4), "field");
  const json_t *w = json_object_get(r->json, "warnings");
  assert_int_equal(json_array_size(w), 1);
  assert_json_str(json_array_get(w, 0), "code", "unknown_column");
  assert_json_str(json_array_get(w, 0), "column", "Примечание");
  assert_json_int(json_array_get(w, 0), "position", 5);
  http_reply_free(r);
  char *t = table_of(roadmap);
  assert_string_equal(t, "1|1.|Совещание|Январь 2021 года|УО");
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_import_semicolons_bom_crlf),
      cmocka_unit_test(test_import_commas_english_lf),
      cmocka_unit_test(test_import_every_problem),
      cmocka_unit_test(test_export_round_trip),
      cmocka_unit_test(test_import_seed003_both_encodings),
      cmocka_unit_test(test_import_unknown_column_warning),
  };
  harness_start("roadmap_csv");
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
