/* Field tables against JSON Schemas. See spec_schema.h. */
#include "spec_schema.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spec_yaml.h"

#define ID_MAX 9007199254740991LL /* 2^53 - 1, src/jspec.c */
#define EMAIL_MAX 254             /* src/jspec.c */
#define URL_MAX 2000              /* src/jspec.c */

void drift_report(struct drift *d, const char *where, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  char line[1024];
  snprintf(line, sizeof line, "%s: %s", where, what);
  for (const char *const *e = d->explained; e && *e; e++)
    if (strncmp(line, *e, strlen(*e)) == 0)
      return;
  printf("DRIFT %s\n", line);
  d->count++;
}

/* --- flattening ----------------------------------------------------------- */

static const char *const keep_out[] = {"$ref",        "allOf",    "oneOf",
                                       "anyOf",       "examples", "example",
                                       "description", "title",    NULL};

static bool kept_out(const char *key) {
  for (size_t i = 0; keep_out[i]; i++)
    if (strcmp(key, keep_out[i]) == 0)
      return true;
  return false;
}

/* `type` as an array; `const` as a one-value enum. */
static void normalize(json_t *flat) {
  json_t *type = json_object_get(flat, "type");
  if (json_is_string(type))
    json_object_set_new(flat, "type", json_pack("[O]", type));
  json_t *cst = json_object_get(flat, "const");
  if (cst != NULL) {
    json_object_set_new(flat, "enum", json_pack("[O]", cst));
    json_object_del(flat, "const");
  }
}

static bool array_has(const json_t *array, const json_t *value) {
  json_t *v;
  size_t i;
  json_array_foreach(array, i, v) {
    if (json_equal(v, value))
      return true;
  }
  return false;
}

static void add_unique(json_t *array, json_t *value) {
  if (!array_has(array, value))
    json_array_append(array, value);
}

/* Keywords of `from` that `into` lacks; properties and required add up. */
static void merge_into(json_t *into, const json_t *from) {
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)from, key, value) {
    json_t *have = json_object_get(into, key);
    if (have == NULL) {
      json_object_set_new(into, key, json_deep_copy(value));
    } else if (strcmp(key, "properties") == 0) {
      json_object_update_missing(have, value);
    } else if (strcmp(key, "required") == 0) {
      json_t *v;
      size_t i;
      json_array_foreach(value, i, v) {
        add_unique(have, v);
      }
    }
  }
}

static bool is_null_schema(const json_t *s) {
  json_t *flat = schema_flat(s);
  json_t *type = json_object_get(flat, "type");
  bool null = json_array_size(type) == 1 &&
              strcmp(json_string_value(json_array_get(type, 0)), "null") == 0;
  json_decref(flat);
  return null;
}

static bool has_type(const json_t *flat, const char *name) {
  json_t *t;
  size_t i;
  json_array_foreach(json_object_get(flat, "type"), i, t) {
    if (strcmp(json_string_value(t), name) == 0)
      return true;
  }
  return false;
}

/* A member of several variants: one schema, its enum values added up. */
static void union_member(json_t *props, const char *name, const json_t *s) {
  json_t *flat = schema_flat(s), *have = json_object_get(props, name);
  if (have == NULL) {
    json_object_set_new(props, name, flat);
    return;
  }
  json_t *values = json_object_get(have, "enum"), *v;
  size_t i;
  json_array_foreach(json_object_get(flat, "enum"), i, v) {
    if (values != NULL)
      add_unique(values, v);
  }
  json_decref(flat);
}

/* Required: what every variant requires. */
static json_t *union_required(const json_t *variants) {
  json_t *all = NULL, *v;
  size_t i;
  json_array_foreach(variants, i, v) {
    json_t *flat = schema_flat(v), *req = json_object_get(flat, "required");
    if (all == NULL)
      all = json_deep_copy(req != NULL ? req : json_array());
    for (size_t k = json_array_size(all); k-- > 0;)
      if (!array_has(req, json_array_get(all, k)))
        json_array_remove(all, k);
    json_decref(flat);
  }
  return all != NULL ? all : json_array();
}

static void flat_one_of(json_t *flat, const json_t *variants) {
  size_t n = json_array_size(variants), nulls = 0, objects = 0;
  const json_t *other = NULL, *v;
  size_t i;
  json_array_foreach(variants, i, v) {
    json_t *f = schema_flat(v);
    if (is_null_schema(v))
      nulls++;
    else
      other = v;
    objects += has_type(f, "object");
    json_decref(f);
  }
  if (nulls == 1 && n == 2) { /* X or null */
    json_t *f = schema_flat(other);
    json_t *null = json_string("null");
    if (json_object_get(f, "type") == NULL)
      json_object_set_new(f, "type", json_array());
    add_unique(json_object_get(f, "type"), null);
    json_decref(null);
    merge_into(flat, f);
    json_decref(f);
  } else if (objects == n) { /* one object, the members of every variant */
    json_t *props = json_object();
    json_array_foreach(variants, i, v) {
      json_t *f = schema_flat(v);
      const char *name;
      json_t *p;
      json_object_foreach(json_object_get(f, "properties"), name, p) {
        union_member(props, name, p);
      }
      json_decref(f);
    }
    json_object_set_new(flat, "type", json_pack("[s]", "object"));
    json_object_set_new(flat, "properties", props);
    json_object_set_new(flat, "required", union_required(variants));
    json_object_set_new(flat, "x-union", json_true());
  } else {
    json_object_set_new(flat, "x-one-of", json_deep_copy(variants));
  }
}

json_t *schema_flat(const json_t *schema) {
  json_t *flat = json_object();
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)schema, key, value) {
    if (!kept_out(key))
      json_object_set_new(flat, key, json_deep_copy(value));
  }
  /* Flat members first, then what the reference and allOf add. */
  normalize(flat);
  const char *ref = json_string_value(json_object_get(schema, "$ref"));
  if (ref != NULL) {
    const json_t *target = spec_deref(schema);
    if (target == NULL) {
      json_object_set_new(flat, "x-broken-ref", json_string(ref));
    } else {
      json_t *f = schema_flat(target);
      merge_into(flat, f);
      json_decref(f);
    }
  }
  size_t i;
  json_array_foreach(json_object_get(schema, "allOf"), i, value) {
    json_t *f = schema_flat(value);
    merge_into(flat, f);
    json_decref(f);
  }
  const json_t *variants = json_object_get(schema, "oneOf");
  if (variants == NULL)
    variants = json_object_get(schema, "anyOf");
  if (variants != NULL)
    flat_one_of(flat, variants);
  normalize(flat);
  return flat;
}

/* --- comparing ------------------------------------------------------------ */

static bool read_only(const json_t *schema) {
  json_t *flat = schema_flat(schema);
  bool ro = json_is_true(json_object_get(flat, "readOnly"));
  json_decref(flat);
  return ro;
}

/* A bound C states (`want`, with `value`) against the schema's keyword. */
static void compare_bound(struct drift *d, const char *where,
                          const json_t *flat, const char *kw, bool want,
                          long long value) {
  const json_t *v = json_object_get(flat, kw);
  if (want && !json_is_integer(v))
    drift_report(d, where, "the server has %s %lld, the spec none", kw, value);
  else if (want && json_integer_value(v) != value)
    drift_report(d, where, "%s is %lld in the server, %lld in the spec", kw,
                 value, (long long)json_integer_value(v));
  else if (!want && v != NULL &&
           !(json_is_integer(v) && value == 0 && json_integer_value(v) == 0))
    drift_report(d, where, "the spec has %s, the server none", kw);
}

static const char *json_type_of(enum jspec_type t) {
  switch (t) {
  case JS_INTEGER:
  case JS_ID:
    return "integer";
  case JS_BOOLEAN:
    return "boolean";
  case JS_OBJECT:
    return "object";
  case JS_ARRAY:
    return "array";
  case JS_NUMBER:
    return "number";
  default:
    return "string";
  }
}

static void compare_type(struct drift *d, const char *where,
                         const struct jspec_field *f, const json_t *flat) {
  const char *want = json_type_of(f->type);
  bool null = has_type(flat, "null");
  size_t others = json_array_size(json_object_get(flat, "type")) - null;
  bool nullable = (f->flags & JS_NULLABLE) != 0;
  if (null != nullable)
    drift_report(d, where, "%s in the server, %s in the spec",
                 nullable ? "nullable" : "not nullable",
                 null ? "nullable" : "not nullable");
  if (others == 0 && f->type == JS_ENUM && json_object_get(flat, "enum"))
    return; /* an enum of strings needs no type */
  if (others != 1 || !has_type(flat, want))
    drift_report(d, where, "a %s in the server, not in the spec", want);
}

static void compare_format(struct drift *d, const char *where,
                           const json_t *flat, const char *want) {
  const char *format = json_string_value(json_object_get(flat, "format"));
  if (want != NULL && (format == NULL || strcmp(format, want) != 0))
    drift_report(d, where, "format %s in the server, %s in the spec", want,
                 format ? format : "none");
}

/* A pattern the server's type implies: \S (so at least one character) for
 * a string it refuses blank (min >= 1), http(s):// for a URL. */
static bool implied(const struct jspec_field *f, const char *pattern) {
  return (strcmp(pattern, "\\S") == 0 && f->min >= 1) ||
         (strcmp(pattern, "^https?://") == 0 && f->type == JS_URL);
}

/* Lengths in characters. */
static void compare_string(struct drift *d, const char *where,
                           const struct jspec_field *f, const json_t *flat,
                           long long intrinsic_max) {
  const char *pattern = json_string_value(json_object_get(flat, "pattern"));
  /* The same pattern bounds the length as C's min and max do. */
  bool same =
      f->pattern != NULL && pattern != NULL && strcmp(pattern, f->pattern) == 0;
  bool non_blank = pattern != NULL && strcmp(pattern, "\\S") == 0;
  if ((!same && !(non_blank && f->min == 1)) ||
      json_object_get(flat, "minLength") != NULL)
    compare_bound(d, where, flat, "minLength", f->min > 0, f->min);
  long long max = f->max > 0 ? f->max : intrinsic_max;
  if ((!same && intrinsic_max == 0) ||
      json_object_get(flat, "maxLength") != NULL)
    compare_bound(d, where, flat, "maxLength", max > 0, max);
  if (f->pattern != NULL &&
      (pattern == NULL || strcmp(pattern, f->pattern) != 0))
    drift_report(d, where, "pattern %s in the server, %s in the spec",
                 f->pattern, pattern ? pattern : "none");
  else if (f->pattern == NULL && pattern != NULL && !implied(f, pattern))
    drift_report(d, where, "pattern %s in the spec, none in the server",
                 pattern);
}

/* min,max = 0,0: unbounded; max = 0 alone: no maximum (src/jspec.c). */
static void compare_integer(struct drift *d, const char *where,
                            const struct jspec_field *f, const json_t *flat) {
  compare_bound(d, where, flat, "minimum", f->min != 0 || f->max != 0, f->min);
  compare_bound(d, where, flat, "maximum", f->max != 0, f->max);
}

static void compare_enum(struct drift *d, const char *where,
                         const struct jspec_field *f, const json_t *flat) {
  const json_t *values = json_object_get(flat, "enum"), *v;
  size_t n = 0, i;
  for (const char *const *c = f->values; c && *c; c++, n++) {
    json_t *s = json_string(*c);
    if (!array_has(values, s))
      drift_report(d, where, "the server takes %s, the spec's enum not", *c);
    json_decref(s);
  }
  json_array_foreach(values, i, v) {
    bool known = json_is_null(v);
    for (const char *const *c = f->values; !known && c && *c; c++)
      known = json_is_string(v) && strcmp(json_string_value(v), *c) == 0;
    if (!known)
      drift_report(d, where, "the spec's enum has %s, the server not",
                   json_is_string(v) ? json_string_value(v) : "a non-string");
  }
}

static void compare_array(struct drift *d, const char *where,
                          const struct jspec_field *f, const json_t *flat) {
  compare_bound(d, where, flat, "minItems", f->min > 0, f->min);
  compare_bound(d, where, flat, "maxItems", f->max > 0, f->max);
  const json_t *items = json_object_get(flat, "items");
  char sub[256];
  snprintf(sub, sizeof sub, "%s[]", where);
  if (f->items != NULL && items == NULL)
    drift_report(d, where, "the spec does not describe the items");
  else if (f->items != NULL)
    compare_field(d, sub, f->items, items);
}

void compare_field(struct drift *d, const char *where,
                   const struct jspec_field *f, const json_t *schema) {
  json_t *flat = schema_flat(schema);
  if (json_object_get(flat, "x-broken-ref") ||
      json_object_get(flat, "x-one-of"))
    drift_report(d, where, "the spec's schema cannot be compared");
  compare_type(d, where, f, flat);
  switch (f->type) {
  case JS_STRING:
  case JS_TEXT:
    compare_string(d, where, f, flat, 0);
    break;
  case JS_EMAIL:
    compare_format(d, where, flat, "email");
    compare_string(d, where, f, flat, EMAIL_MAX);
    break;
  case JS_URL:
    compare_format(d, where, flat, "uri");
    compare_string(d, where, f, flat, URL_MAX);
    break;
  case JS_DATE:
    compare_format(d, where, flat, "date");
    break;
  case JS_INTEGER:
    compare_integer(d, where, f, flat);
    break;
  case JS_ID:
    compare_bound(d, where, flat, "minimum", true, 1);
    compare_bound(d, where, flat, "maximum", true, ID_MAX);
    break;
  case JS_ENUM:
    compare_enum(d, where, f, flat);
    break;
  case JS_OBJECT:
    compare_object(d, where, f->fields, schema, JSPEC_CREATE);
    break;
  case JS_ARRAY:
    compare_array(d, where, f, flat);
    break;
  case JS_NUMBER:
    /* Bounded like an integer when the server bounds it; unbounded ones
     * may be checked by their handlers. */
    if (f->min != 0 || f->max != 0)
      compare_integer(d, where, f, flat);
    break;
  case JS_BOOLEAN:
    break;
  }
  json_decref(flat);
}

static const struct jspec_field *field_named(const struct jspec_field *fields,
                                             const char *name) {
  for (const struct jspec_field *f = fields; f && f->name; f++)
    if (strcmp(f->name, name) == 0)
      return f;
  return NULL;
}

static void compare_member(struct drift *d, const char *where,
                           const struct jspec_field *f, const json_t *flat,
                           enum jspec_mode mode) {
  const json_t *p =
      json_object_get(json_object_get(flat, "properties"), f->name);
  char sub[256];
  snprintf(sub, sizeof sub, "%s.%s", where, f->name);
  if (f->flags & JS_READONLY) {
    if (p != NULL && !read_only(p))
      drift_report(d, sub, "read-only in the server, writable in the spec");
    return;
  }
  if (p == NULL) {
    drift_report(d, sub, "the server takes it, the spec does not");
    return;
  }
  if (read_only(p))
    drift_report(d, sub, "read-only in the spec, the server takes it");
  json_t *name = json_string(f->name);
  bool required = array_has(json_object_get(flat, "required"), name);
  json_decref(name);
  if (mode == JSPEC_CREATE && required != ((f->flags & JS_REQUIRED) != 0))
    drift_report(d, sub, "%s in the server, %s in the spec",
                 f->flags & JS_REQUIRED ? "required" : "optional",
                 required ? "required" : "optional");
  compare_field(d, sub, f, p);
}

void compare_object(struct drift *d, const char *where,
                    const struct jspec_field *fields, const json_t *schema,
                    enum jspec_mode mode) {
  json_t *flat = schema_flat(schema);
  if (!has_type(flat, "object"))
    drift_report(d, where, "an object in the server, not in the spec");
  bool variants = json_is_true(json_object_get(flat, "x-union"));
  bool closed = json_is_false(json_object_get(flat, "additionalProperties")) ||
                json_is_false(json_object_get(flat, "unevaluatedProperties"));
  if (!variants && !closed)
    drift_report(d, where,
                 "the server refuses unknown members, the spec does "
                 "not (additionalProperties or unevaluatedProperties)");
  if (mode == JSPEC_PATCH &&
      (json_array_size(json_object_get(flat, "required")) > 0 ||
       json_integer_value(json_object_get(flat, "minProperties")) != 1))
    drift_report(d, where,
                 "a patch needs one member and requires none; the "
                 "spec's required or minProperties say otherwise");
  for (const struct jspec_field *f = fields; f && f->name; f++)
    compare_member(d, where, f, flat, mode);
  const char *name;
  json_t *p;
  json_object_foreach(json_object_get(flat, "properties"), name, p) {
    if (field_named(fields, name) == NULL && !read_only(p))
      drift_report(d, where, "the spec takes %s, the server refuses it", name);
  }
  json_decref(flat);
}
