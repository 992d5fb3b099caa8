/* YAML to JSON with libyaml's document loader. See spec_yaml.h. */
#include "spec_yaml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* YAML 1.2 core schema: the plain scalars that are not strings. */
static bool matches(const char *pattern, const char *text) {
  regex_t re;
  if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
    abort();
  bool ok = regexec(&re, text, 0, NULL, 0) == 0;
  regfree(&re);
  return ok;
}

static json_t *plain_scalar(const char *s, size_t len) {
  if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
      strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
    return json_null();
  if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
      strcmp(s, "TRUE") == 0)
    return json_true();
  if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
      strcmp(s, "FALSE") == 0)
    return json_false();
  if (matches("^[-+]?[0-9]+$", s)) {
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == 0)
      return json_integer(v);
  }
  if (matches("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", s))
    return json_real(strtod(s, NULL));
  return json_stringn(s, len);
}

struct load {
  yaml_document_t *doc;
  char *err;
  size_t err_len;
};

static json_t *convert(struct load *l, yaml_node_t *node, int depth);

static json_t *fail_at(struct load *l, const yaml_node_t *node,
                       const char *what) {
  snprintf(l->err, l->err_len, "line %zu: %s",
           (size_t)node->start_mark.line + 1, what);
  return NULL;
}

static json_t *convert_mapping(struct load *l, yaml_node_t *node, int depth) {
  json_t *obj = json_object();
  for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
       p < node->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
    yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
    if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
      json_decref(obj);
      return fail_at(l, node, "a key that is not a scalar");
    }
    const char *key = (const char *)k->data.scalar.value;
    if (json_object_get(obj, key) != NULL) {
      json_decref(obj);
      return fail_at(l, k, "a repeated key");
    }
    json_t *value = convert(l, v, depth + 1);
    if (value == NULL) {
      json_decref(obj);
      return NULL;
    }
    json_object_set_new(obj, key, value);
  }
  return obj;
}

static json_t *convert(struct load *l, yaml_node_t *node, int depth) {
  if (depth > 64)
    return fail_at(l, node, "nested too deep");
  if (node->type == YAML_SCALAR_NODE) {
    const char *s = (const char *)node->data.scalar.value;
    size_t len = node->data.scalar.length;
    if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
      return plain_scalar(s, len);
    return json_stringn(s, len);
  }
  if (node->type == YAML_MAPPING_NODE)
    return convert_mapping(l, node, depth);
  json_t *arr = json_array();
  for (yaml_node_item_t *i = node->data.sequence.items.start;
       i < node->data.sequence.items.top; i++) {
    json_t *item = convert(l, yaml_document_get_node(l->doc, *i), depth + 1);
    if (item == NULL) {
      json_decref(arr);
      return NULL;
    }
    json_array_append_new(arr, item);
  }
  return arr;
}

json_t *yaml_to_json(const char *text, size_t len, char *err, size_t err_len) {
  yaml_parser_t parser;
  yaml_document_t doc;
  snprintf(err, err_len, "cannot start the YAML parser");
  if (!yaml_parser_initialize(&parser))
    return NULL;
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  json_t *out = NULL;
  if (!yaml_parser_load(&parser, &doc)) {
    snprintf(err, err_len, "line %zu: %s", parser.problem_mark.line + 1,
             parser.problem ? parser.problem : "unreadable YAML");
  } else {
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    struct load l = {&doc, err, err_len};
    if (root == NULL)
      snprintf(err, err_len, "an empty document");
    else
      out = convert(&l, root, 0);
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&parser);
  return out;
}

static json_t *document;

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 1 << 20, used = 0;
  char *buf = malloc(cap);
  for (size_t n; buf != NULL && (n = fread(buf + used, 1, cap - used, f)) > 0;)
    if ((used += n) == cap)
      buf = realloc(buf, cap *= 2);
  fclose(f);
  *len = used;
  return buf;
}

const json_t *spec_document(void) {
  if (document != NULL)
    return document;
  size_t len = 0;
  char *text = read_file(OPORA_SOURCE_DIR "/openapi.yaml", &len);
  if (text == NULL)
    fail_msg("cannot read openapi.yaml");
  char err[256];
  document = yaml_to_json(text, len, err, sizeof err);
  free(text);
  if (document == NULL)
    fail_msg("openapi.yaml: %s", err);
  return document;
}

/* One JSON Pointer token (~1 is '/', ~0 is '~'), into buf. */
static const char *pointer_token(const char *from, char *buf, size_t len,
                                 const char **next) {
  size_t n = 0;
  const char *p = from;
  for (; *p != '\0' && *p != '/' && n + 1 < len; p++) {
    if (p[0] == '~' && (p[1] == '0' || p[1] == '1'))
      buf[n++] = *++p == '0' ? '~' : '/';
    else
      buf[n++] = *p;
  }
  buf[n] = '\0';
  *next = p;
  return buf;
}

static const json_t *pointer_get(const char *ref) {
  if (strncmp(ref, "#/", 2) != 0)
    return NULL;
  const json_t *node = spec_document();
  for (const char *p = ref + 1; node != NULL && *p == '/';) {
    char token[256];
    pointer_token(p + 1, token, sizeof token, &p);
    node = json_object_get(node, token);
  }
  return node;
}

const json_t *spec_deref(const json_t *node) {
  for (int hops = 0; node != NULL && hops < 32; hops++) {
    const char *ref = json_string_value(json_object_get(node, "$ref"));
    if (ref == NULL)
      return node;
    node = pointer_get(ref);
  }
  return NULL;
}

const json_t *spec_operation(const char *method, const char *path) {
  char lower[16];
  size_t i = 0;
  for (; method[i] != '\0' && i + 1 < sizeof lower; i++)
    lower[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] + 32
                                                           : method[i]);
  lower[i] = '\0';
  const json_t *item =
      json_object_get(json_object_get(spec_document(), "paths"), path);
  return json_object_get(item, lower);
}

const json_t *spec_parameter(const json_t *operation, const char *in,
                             const char *name) {
  const json_t *p;
  size_t i;
  json_array_foreach(json_object_get(operation, "parameters"), i, p) {
    const json_t *param = spec_deref(p);
    const char *pin = json_string_value(json_object_get(param, "in"));
    const char *pname = json_string_value(json_object_get(param, "name"));
    if (pin != NULL && pname != NULL && strcmp(pin, in) == 0 &&
        strcmp(pname, name) == 0)
      return param;
  }
  return NULL;
}
