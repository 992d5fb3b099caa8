/* GET /programmes/{id}/effectiveness (docs/EFFECTIVENESS.md): for every
 * target of a programme, the figure of its rule indicator over the cohort
 * of a school year, within the caller's scope, against the target; per
 * municipality and per school. The rules and the answer are SQL
 * (programme_effectiveness, migrations/0019_effectiveness.sql). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_out.h"
#include "fields.h"
#include "handlers.h"
#include "programmes.h"
#include "resource.h"
#include "table_reply.h"

const struct jspec_field programme_effectiveness_params[] = {
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    FIELD("municipality", JS_ID, 0, 0, 0),
    END_FIELDS,
};

/* One row per target and school, and one per target for its total. */
static const struct table_column effectiveness_columns[] = {
    {"target_id", "ID цели", TABLE_INTEGER},
    {"indicator.code", "Показатель", TABLE_TEXT},
    {"indicator.name", "Наименование показателя", TABLE_TEXT},
    {"year", "Учебный год (начало)", TABLE_INTEGER},
    {"line", "Строка", TABLE_TEXT},
    {"school.id", "ID школы", TABLE_INTEGER},
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"numerator", "Числитель", TABLE_NUMBER},
    {"denominator", "Знаменатель", TABLE_NUMBER},
    {"value", "Значение, %", TABLE_NUMBER},
    {"counted", "Учитывается", TABLE_BOOLEAN},
    {"reason", "Почему не учитывается", TABLE_TEXT},
    {"target", "Целевое значение", TABLE_NUMBER},
    {"met", "Достигнуто", TABLE_BOOLEAN},
};
static const struct table_spec effectiveness_table =
    TABLE_SPEC("programme-effectiveness", effectiveness_columns);

bool effectiveness_term(struct request *rq, const char *id, const json_t *query,
                        bool in_body, int *from_out, int *to_out,
                        int *year_out) {
  PGresult *r =
      db_call(rq, STMT_PROGRAMME_EFFECTIVENESS_CHECK,
              (const struct db_arg[]){{"programme", id}, DB_END}, query);
  if (r == NULL)
    return false;
  if (PQntuples(r) == 0) {
    PQclear(r);
    reply_unseen(rq, "programme with id %s", id);
    return false;
  }
  int from = atoi(db_get(r, 0, "year_from"));
  int to = atoi(db_get(r, 0, "year_to"));
  bool muni_known = strcmp(db_get(r, 0, "municipality_known"), "t") == 0;
  const json_t *asked = json_object_get(query, "year");
  int y = asked != NULL ? (int)json_integer_value(asked)
                        : atoi(db_get(r, 0, "default_year"));
  PQclear(r);
  json_t *errors = json_array();
  if (y < from || y > to) {
    char message[96];
    snprintf(message, sizeof message,
             "is not a year of the programme's term (%d to %d)", from, to);
    jspec_error(errors, in_body ? "$.year" : "query.year", message);
  }
  if (!muni_known)
    jspec_error(errors, in_body ? "$.municipality" : "query.municipality",
                "names no municipality of the programme's region");
  if (json_array_size(errors) > 0) {
    reply_validation_steal(rq, errors);
    return false;
  }
  json_decref(errors);
  *from_out = from;
  *to_out = to;
  *year_out = y;
  return true;
}

void programme_effectiveness(struct request *rq) {
  int64_t id;
  if (!request_param_id(rq, "id", &id))
    return;
  json_t *query = request_query_checked(rq, programme_effectiveness_params);
  if (query == NULL)
    return;
  char id_text[24], year[16];
  snprintf(id_text, sizeof id_text, "%lld", (long long)id);
  int from, to, y;
  if (effectiveness_term(rq, id_text, query, false, &from, &to, &y)) {
    snprintf(year, sizeof year, "%d", y);
    const struct db_arg args[] = {
        {"programme", id_text}, {"year", year}, DB_END};
    bool csv = request_wants_table(rq);
    PGresult *r = db_call(rq,
                          csv ? STMT_PROGRAMME_EFFECTIVENESS_ROWS
                              : STMT_PROGRAMME_EFFECTIVENESS,
                          args, query);
    if (r != NULL && csv) {
      char qualifier[48];
      snprintf(qualifier, sizeof qualifier, "%s-%s", id_text, year);
      reply_table(rq, &effectiveness_table, r, 0, PQnfields(r), qualifier);
    } else if (r != NULL && PQntuples(r) == 0) {
      reply_unseen(rq, "programme with id %s", id_text); /* deleted since */
    } else if (r != NULL) {
      const char *doc = db_get(r, 0, "doc");
      reply_json_text(rq, 200, doc, strlen(doc));
    }
    PQclear(r);
  }
  json_decref(query);
}
