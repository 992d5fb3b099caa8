/* Field-spec shorthands shared by the resource files. */
#ifndef OPORA_FIELDS_H
#define OPORA_FIELDS_H

#include "jspec.h"

#define FIELD(name, type, flags, min, max)                                     \
  { name, type, flags, min, max, NULL, NULL, NULL, NULL }
#define ENUM_FIELD(name, flags, values)                                        \
  { name, JS_ENUM, flags, 0, 0, values, NULL, NULL, NULL }
/* A string of min..max characters matching a POSIX extended regex. */
#define PATTERN_FIELD(name, flags, min, max, pattern)                          \
  { name, JS_STRING, flags, min, max, NULL, NULL, NULL, pattern }
/* Fields every resource shows but no client sets. */
#define READONLY_FIELDS                                                        \
  FIELD("id", JS_ID, JS_READONLY, 0, 0),                                       \
      FIELD("version", JS_INTEGER, JS_READONLY, 0, 0),                         \
      FIELD("created_at", JS_STRING, JS_READONLY, 0, 0),                       \
      FIELD("updated_at", JS_STRING, JS_READONLY, 0, 0)
#define END_FIELDS                                                             \
  { NULL, JS_STRING, 0, 0, 0, NULL, NULL, NULL, NULL }

#define REQ JS_REQUIRED
#define OPT_NULL JS_NULLABLE

#endif
