/* A methodology's parameters (docs/IDENTIFICATION.md): their field spec,
 * the rules across them, and the region a run or a saved methodology is
 * for. Shared by runs (identification.c) and saved methodologies
 * (identification_methodologies.c). */
#include "identification.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "fields.h"
#include "objectivity.h"
#include "request.h"

/* What a low_results run does with figures flagged high. */
static const char *const objectivity_modes[] = {"ignore", "exclude_high",
                                                "mark_high", NULL};
const char *const identification_kinds[] = {
    "low_results", "unfavourable_context", "resilient", NULL};
static const char *const instrument_kinds[] = {"VPR", "OGE", "EGE", "REGIONAL",
                                               NULL};
static const char *const criteria[] = {"share_fail", "mean_percentile",
                                       "task_mastery", NULL};
/* The threshold of each criterion, in the order of criteria. */
static const char *const thresholds[] = {"share_fail_percent", "percentile",
                                         "sufficient_percent", NULL};

#define THRESHOLD_FIELDS                                                       \
  ENUM_FIELD("criterion", 0, criteria),                                        \
      FIELD("share_fail_percent", JS_INTEGER, 0, 1, 100),                      \
      FIELD("percentile", JS_INTEGER, 0, 1, 99),                               \
      FIELD("sufficient_percent", JS_INTEGER, 0, 1, 100)

static const struct jspec_field grade_item =
    FIELD("grade", JS_INTEGER, 0, 1, 11);
static const struct jspec_field subject_item =
    PATTERN_FIELD("subject", 0, 1, 32, "^[a-z][a-z0-9_]{0,31}$");
/* An instrument may name its own criterion and threshold. */
static const struct jspec_field instrument_fields[] = {
    ENUM_FIELD("kind", REQ, instrument_kinds),
    {"grades", JS_ARRAY, 0, 1, 11, NULL, NULL, &grade_item, NULL},
    {"subjects", JS_ARRAY, 0, 1, 50, NULL, NULL, &subject_item, NULL},
    THRESHOLD_FIELDS,
    END_FIELDS,
};
/* low_results: what is done with figures the objectivity rules flag high
 * (docs/OBJECTIVITY.md), and those rules' thresholds. */
static const struct jspec_field objectivity_fields[] = {
    OBJECTIVITY_RULE_FIELDS,
    END_FIELDS,
};
static const struct jspec_field instrument_item = {
    "instrument", JS_OBJECT, 0, 0, 0, NULL, instrument_fields, NULL, NULL};
/* unfavourable_context: a weight per share of the context, points for a
 * rural school. */
static const struct jspec_field weight_fields[] = {
    FIELD("parents_higher_education", JS_NUMBER, 0, 0, 0),
    FIELD("single_parent", JS_NUMBER, 0, 0, 0),
    FIELD("unemployed_parents", JS_NUMBER, 0, 0, 0),
    FIELD("low_income", JS_NUMBER, 0, 0, 0),
    FIELD("non_russian_at_home", JS_NUMBER, 0, 0, 0),
    FIELD("preventive_register", JS_NUMBER, 0, 0, 0),
    FIELD("disabilities", JS_NUMBER, 0, 0, 0),
    FIELD("rural", JS_NUMBER, 0, 0, 0),
    END_FIELDS,
};
const struct jspec_field identification_parameter_fields[] = {
    {"instruments", JS_ARRAY, 0, 1, 20, NULL, NULL, &instrument_item, NULL},
    FIELD("years", JS_INTEGER, 0, 1, 5),
    THRESHOLD_FIELDS,
    FIELD("min_instruments", JS_INTEGER, 0, 1, 20),
    FIELD("min_participants", JS_INTEGER, 0, 1, 1000),
    ENUM_FIELD("objectivity", 0, objectivity_modes),
    {"objectivity_parameters", JS_OBJECT, 0, 0, 0, NULL, objectivity_fields,
     NULL, NULL},
    {"weights", JS_OBJECT, 0, 0, 0, NULL, weight_fields, NULL, NULL},
    FIELD("cutoff_percentile", JS_INTEGER, OPT_NULL, 1, 99),
    FIELD("cutoff_value", JS_NUMBER, OPT_NULL, 0, 0),
    FIELD("results_percentile", JS_INTEGER, 0, 1, 99),
    END_FIELDS,
};

/* The place of a criterion in criteria; -1 when it is none. */
static int criterion_index(const char *name) {
  for (int i = 0; name != NULL && criteria[i] != NULL; i++)
    if (strcmp(criteria[i], name) == 0)
      return i;
  return -1;
}

/* Each instrument's thresholds are those of its criterion (its own, else
 * the methodology's, else share_fail); an unknown criterion is named by
 * the field spec already. */
static void check_instrument_thresholds(const json_t *p, json_t *errors) {
  const json_t *given = json_object_get(p, "criterion");
  int common = given == NULL ? 0 : criterion_index(json_string_value(given));
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(p, "instruments"), i, e) {
    const json_t *own = json_object_get(e, "criterion");
    int c = own == NULL ? common : criterion_index(json_string_value(own));
    for (int t = 0; c >= 0 && thresholds[t] != NULL; t++) {
      if (t == c || json_object_get(e, thresholds[t]) == NULL)
        continue;
      char path[96], message[160];
      snprintf(path, sizeof path, "$.parameters.instruments[%zu].%s", i,
               thresholds[t]);
      snprintf(message, sizeof message,
               "is a threshold of criterion %s; this instrument's criterion "
               "is %s",
               criteria[t], criteria[c]);
      jspec_error(errors, path, message);
    }
  }
}

/* The objectivity rules' thresholds are read only when the run minds
 * objectivity: given beside "ignore" they would be a silent no-op. */
static void check_objectivity(const json_t *p, json_t *errors) {
  const char *mode = json_string_value(json_object_get(p, "objectivity"));
  if (json_object_get(p, "objectivity_parameters") != NULL &&
      (mode == NULL || strcmp(mode, "ignore") == 0))
    jspec_error(errors, "$.parameters.objectivity_parameters",
                "is read only with objectivity exclude_high or mark_high");
}

/* The index's cut-off: by percentile or by value, not both. */
static void check_cutoff(const json_t *p, json_t *errors) {
  if (json_is_number(json_object_get(p, "cutoff_percentile")) &&
      json_is_number(json_object_get(p, "cutoff_value")))
    jspec_error(errors, "$.parameters.cutoff_value",
                "give cutoff_percentile or cutoff_value, not both");
}

/* resilient: the index's parameters and the results' (instruments without
 * a criterion: each is read by its mean primary score), not ШНОР's
 * criteria and thresholds. */
static void check_resilient(const json_t *p, json_t *errors) {
  static const char *const results_only[] = {"criterion", "share_fail_percent",
                                             "percentile", "sufficient_percent",
                                             NULL};
  static const char *const why =
      "is a parameter of kind low_results: a resilient run reads every "
      "instrument by its mean primary score";
  char path[96];
  for (size_t t = 0; results_only[t] != NULL; t++)
    if (json_object_get(p, results_only[t]) != NULL) {
      snprintf(path, sizeof path, "$.parameters.%s", results_only[t]);
      jspec_error(errors, path, why);
    }
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(p, "instruments"), i, e) {
    for (size_t t = 0; results_only[t] != NULL; t++)
      if (json_object_get(e, results_only[t]) != NULL) {
        snprintf(path, sizeof path, "$.parameters.instruments[%zu].%s", i,
                 results_only[t]);
        jspec_error(errors, path, why);
      }
  }
  static const char *const objectivity[] = {"objectivity",
                                            "objectivity_parameters", NULL};
  for (size_t t = 0; objectivity[t] != NULL; t++)
    if (json_object_get(p, objectivity[t]) != NULL) {
      snprintf(path, sizeof path, "$.parameters.%s", objectivity[t]);
      jspec_error(errors, path,
                  "is a parameter of kind low_results: a resilient run does "
                  "not read the objectivity flags");
    }
  check_cutoff(p, errors);
}

void identification_check_parameters(const json_t *body, json_t *errors) {
  static const char *const context_only[] = {"weights", "cutoff_percentile",
                                             "cutoff_value", NULL};
  static const char *const results_only[] = {"instruments",
                                             "criterion",
                                             "share_fail_percent",
                                             "percentile",
                                             "sufficient_percent",
                                             "min_instruments",
                                             "min_participants",
                                             "objectivity",
                                             "objectivity_parameters",
                                             NULL};
  const json_t *p = json_object_get(body, "parameters");
  const char *kind = json_string_value(json_object_get(body, "kind"));
  if (!json_is_object(p) || kind == NULL)
    return;
  if (strcmp(kind, "resilient") == 0) {
    check_resilient(p, errors);
    return;
  }
  if (strcmp(kind, "low_results") != 0 &&
      strcmp(kind, "unfavourable_context") != 0)
    return;
  if (json_object_get(p, "results_percentile") != NULL)
    jspec_error(errors, "$.parameters.results_percentile",
                "is a parameter of kind resilient");
  bool context = strcmp(kind, "unfavourable_context") == 0;
  const char *const *other = context ? results_only : context_only;
  char path[64];
  for (size_t i = 0; other[i] != NULL; i++)
    if (json_object_get(p, other[i]) != NULL) {
      snprintf(path, sizeof path, "$.parameters.%s", other[i]);
      jspec_error(errors, path,
                  context ? "is a parameter of kind low_results"
                          : "is a parameter of kind unfavourable_context");
    }
  if (!context) {
    check_instrument_thresholds(p, errors);
    check_objectivity(p, errors);
  }
  check_cutoff(p, errors);
}

bool identification_region(struct request *rq, char region[24]) {
  const char *path =
      json_object_get(rq->json, "region_id") != NULL ? "$.region_id" : "$";
  PGresult *r = db_call(rq, STMT_IDENT_REGION, NULL, rq->json);
  if (r == NULL)
    return false;
  bool none = db_is_null(r, 0, "region");
  bool exists = strcmp(db_get(r, 0, "region_exists"), "t") == 0;
  bool writable = strcmp(db_get(r, 0, "writable"), "t") == 0;
  if (!none)
    snprintf(region, 24, "%s", db_get(r, 0, "region"));
  PQclear(r);
  if (none) {
    json_t *errors = json_array();
    jspec_error(errors, "$.region_id",
                "give the region: a global caller has none of its own");
    reply_validation_steal(rq, errors);
    return false;
  }
  if (!exists || !writable) {
    reply_problem_at(rq, ERR_REFERENCE_NOT_FOUND, path,
                     "no region has this id");
    return false;
  }
  return true;
}
