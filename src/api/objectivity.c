/* Objectivity of marks (docs/OBJECTIVITY.md): per school and instrument,
 * the rules over the kept statistics and a level (none, attention, high)
 * with the figures and the sentences behind it. Read by every role but
 * ingest (identification:read), within the caller's scope. The rules and
 * their words are SQL (objectivity, objectivity_doc in migration 0015). */
#include "objectivity.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"

static const char *const levels[] = {"none", "attention", "high", NULL};

/* The columns of both lists as a table: the school, the instrument, the
 * level and its summary, the journal shares, and each rule's figure and
 * sentence. */
static const struct table_column objectivity_columns[] = {
    {"school.code", "Код школы", TABLE_TEXT},
    {"school.short_name", "Школа", TABLE_TEXT},
    {"school.municipality_id", "ID муниципалитета", TABLE_INTEGER},
    {"assessment.id", "ID процедуры", TABLE_INTEGER},
    {"assessment.kind", "Вид", TABLE_TEXT},
    {"assessment.year", "Год", TABLE_INTEGER},
    {"assessment.grade", "Класс", TABLE_INTEGER},
    {"assessment.subject_name", "Предмет", TABLE_TEXT},
    {"assessment.variant_set", "Набор вариантов", TABLE_TEXT},
    {"participants", "Участников", TABLE_INTEGER},
    {"level", "Уровень", TABLE_TEXT},
    {"insufficient_evidence", "Недостаточно данных", TABLE_BOOLEAN},
    {"raised_by", "Признаки", TABLE_JSON},
    {"summary", "Вывод", TABLE_TEXT},
    {"journal.share_confirmed", "Подтвердили отметку по журналу, %",
     TABLE_NUMBER},
    {"journal.share_lowered", "Ниже отметки по журналу, %", TABLE_NUMBER},
    {"journal.share_raised", "Выше отметки по журналу, %", TABLE_NUMBER},
    {"rules.journal_gap.figure", "Расхождение с журналом на 2 и более, %",
     TABLE_NUMBER},
    {"rules.journal_gap.text", "Расхождение с журналом", TABLE_TEXT},
    {"rules.boundary_peak.school_share",
     "На границе отметки из участников у границ, %", TABLE_NUMBER},
    {"rules.boundary_peak.region_share",
     "На границе отметки в других школах региона, %", TABLE_NUMBER},
    {"rules.boundary_peak.z", "Пик на границе отметки: z", TABLE_NUMBER},
    {"rules.boundary_peak.text", "Пик на границе отметки", TABLE_TEXT},
    {"rules.high_marks_low_mastery.school_share",
     "«4» и «5» при низком освоении базовых заданий, %", TABLE_NUMBER},
    {"rules.high_marks_low_mastery.region_share",
     "«4» и «5» при низком освоении в других школах региона, %", TABLE_NUMBER},
    {"rules.high_marks_low_mastery.z", "Высокие отметки при низком освоении: z",
     TABLE_NUMBER},
    {"rules.high_marks_low_mastery.text", "Высокие отметки при низком освоении",
     TABLE_TEXT},
    {"rules.sudden_rise.fail_excess", "Снижение доли «2» сверх региона, п. п.",
     TABLE_NUMBER},
    {"rules.sudden_rise.fail_z", "Снижение доли «2»: z", TABLE_NUMBER},
    {"rules.sudden_rise.good_excess",
     "Рост доли «4» и «5» сверх региона, п. п.", TABLE_NUMBER},
    {"rules.sudden_rise.good_z", "Рост доли «4» и «5»: z", TABLE_NUMBER},
    {"rules.sudden_rise.text", "Рост к прошлым годам", TABLE_TEXT},
};
static const struct table_spec objectivity_table =
    TABLE_SPEC("objectivity", objectivity_columns);

/* --- GET /objectivity ------------------------------------------------------
 */

const struct jspec_field objectivity_list_params[] = {
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    FIELD("instrument", JS_ID, 0, 0, 0),
    FIELD("municipality", JS_ID, 0, 0, 0),
    ENUM_FIELD("level", 0, levels),
    OBJECTIVITY_RULE_FIELDS,
    PAGE_PARAMS,
    END_FIELDS,
};

const struct list_spec objectivity_list_spec = {
    .params = objectivity_list_params,
    .stmt = STMT_OBJECTIVITY_LIST,
    .keyed = true,
    .table = &objectivity_table,
};

void objectivity_list(struct request *rq) {
  resource_list(rq, &objectivity_list_spec);
}

/* --- GET /schools/{id}/objectivity -----------------------------------------
 */

const struct jspec_field school_objectivity_params[] = {
    FIELD("year", JS_INTEGER, 0, 2000, 2100),
    OBJECTIVITY_RULE_FIELDS,
    PAGE_PARAMS,
    END_FIELDS,
};

const struct list_spec school_objectivity_spec = {
    .params = school_objectivity_params,
    .stmt = STMT_SCHOOL_OBJECTIVITY,
    .parent = &school_parent,
    .keyed = true,
    .table = &objectivity_table,
};

void school_objectivity(struct request *rq) {
  resource_list(rq, &school_objectivity_spec);
}
