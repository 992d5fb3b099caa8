/* Route matching. Every template is compared with the path, not just until
 * the first hit, because a 405 must list the methods of all routes sharing
 * the path. No allocation: captures point into the path and the template. */
#include "router.h"

#include <string.h>

/* Also the order of the Allow header. */
static const struct {
  enum http_method method;
  const char *name;
} methods[] = {
    {HTTP_GET, "GET"},         {HTTP_HEAD, "HEAD"},   {HTTP_POST, "POST"},
    {HTTP_PUT, "PUT"},         {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"},
    {HTTP_OPTIONS, "OPTIONS"},
};

#define N_METHODS (sizeof methods / sizeof methods[0])

/* Method names are case-sensitive (RFC 9110 9.1). */
enum http_method http_method_parse(const char *method) {
  for (size_t i = 0; method && i < N_METHODS; i++)
    if (strcmp(method, methods[i].name) == 0)
      return methods[i].method;
  return HTTP_OTHER;
}

const char *http_method_name(enum http_method m) {
  for (size_t i = 0; i < N_METHODS; i++)
    if (methods[i].method == m)
      return methods[i].name;
  return "OTHER";
}

/* A {param} must fill a whole template segment; it matches one non-empty
 * path segment. A template with more than ROUTE_MAX_PARAMS never matches. */
static bool match_template(const char *t, const char *p,
                           struct route_match *cap) {
  cap->n_params = 0;
  for (;;) {
    while (*t == *p && *t != '{' && *t != '\0')
      t++, p++;
    if (*t != '{')
      return *t == '\0' && *p == '\0';
    const char *name = ++t, *value = p;
    while (*t != '}' && *t != '\0')
      t++;
    while (*p != '/' && *p != '\0')
      p++;
    if (*t != '}' || p == value || cap->n_params == ROUTE_MAX_PARAMS)
      return false;
    size_t i = cap->n_params++;
    cap->names[i] = name;
    cap->names_len[i] = (size_t)(t - name);
    cap->values_start[i] = value;
    cap->values_len[i] = (size_t)(p - value);
    t++;
  }
}

/* HEAD is served by the GET route, and OPTIONS (CORS preflight) by the
 * server itself for any routed path. */
static unsigned implied_methods(unsigned allowed) {
  if (allowed & HTTP_GET)
    allowed |= HTTP_HEAD;
  if (allowed)
    allowed |= HTTP_OPTIONS;
  return allowed;
}

/* The first route in table order wins. A route declared for HEAD itself
 * beats the GET fallback. */
bool router_match(const struct route *table, size_t n, enum http_method m,
                  const char *path, struct route_match *out) {
  struct route_match exact = {0}, as_get = {0}, cap = {0};
  unsigned allowed = 0;
  const char *last = NULL;
  bool hit = false;
  for (size_t i = 0; path && i < n; i++) {
    const struct route *r = &table[i];
    /* Rows for one path with several methods usually share the template
     * (merged string literals): reuse the last result instead of matching. */
    if (r->path != last)
      hit = match_template(r->path, path, &cap);
    last = r->path;
    if (!hit)
      continue;
    allowed |= r->method;
    if (r->method == m && !exact.route) {
      exact = cap;
      exact.route = r;
    } else if (m == HTTP_HEAD && r->method == HTTP_GET && !as_get.route) {
      as_get = cap;
      as_get.route = r;
    }
  }
  *out = exact.route ? exact : as_get;
  out->allowed = implied_methods(allowed);
  return out->route != NULL;
}

void router_allow_header(unsigned allowed, char *buf, size_t len) {
  size_t used = 0;
  if (!buf || len == 0)
    return;
  buf[0] = '\0';
  for (size_t i = 0; i < N_METHODS; i++) {
    if (!(allowed & methods[i].method))
      continue;
    size_t sep = used ? 2 : 0, n = strlen(methods[i].name);
    if (used + sep + n >= len)
      return; /* whole names only */
    memcpy(buf + used, ", ", sep);
    memcpy(buf + used + sep, methods[i].name, n + 1);
    used += sep + n;
  }
}
