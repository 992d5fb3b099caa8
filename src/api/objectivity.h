/* Objectivity of marks (docs/OBJECTIVITY.md): the parameters of its rules,
 * shared by its routes (src/api/objectivity.c, as query parameters) and by
 * identification methodologies (`objectivity_parameters`). The rules
 * themselves are SQL (objectivity in migrations/0015_objectivity.sql). */
#ifndef OPORA_OBJECTIVITY_H
#define OPORA_OBJECTIVITY_H

#include "fields.h"

/* Each parameter of the rules; a missing one takes its default. The
 * critical values of z are numbers (2.33), kept to two decimals. */
#define OBJECTIVITY_RULE_FIELDS                                                \
  FIELD("min_participants", JS_INTEGER, 0, 1, 1000),                           \
      FIELD("z_critical", JS_NUMBER, 0, 1, 10),                                \
      FIELD("z_high", JS_NUMBER, 0, 1, 10),                                    \
      FIELD("journal_gap_percent", JS_INTEGER, 0, 1, 100),                     \
      FIELD("peak_window", JS_INTEGER, 0, 1, 5),                               \
      FIELD("peak_margin", JS_INTEGER, 0, 1, 100),                             \
      FIELD("mastery_margin", JS_INTEGER, 0, 1, 100),                          \
      FIELD("fail_drop", JS_INTEGER, 0, 1, 100),                               \
      FIELD("good_rise", JS_INTEGER, 0, 1, 100),                               \
      FIELD("previous_years", JS_INTEGER, 0, 1, 5)

#endif
