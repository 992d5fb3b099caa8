/* The API documentation in the browser: GET /api/v1/docs answers Swagger
 * UI's page over the served spec, and /api/v1/docs/{file} its files, all
 * compiled into the binary (src/docs_ui.h), so that nothing is fetched from
 * elsewhere at run time. */
#include <microhttpd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docs_ui.h"
#include "handlers.h"
#include "request.h"

#ifdef OPORA_NO_DOCS_UI
const struct docs_ui_asset docs_ui_assets[1];
const size_t docs_ui_assets_count = 0;
#endif

#define PAGE "index.html"

/* Swagger UI styles elements inline and draws its icons from data: URIs;
 * everything else comes from this server. */
static const char page_policy[] =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/* The page names each file with its content hash (?v=), for caches only. */
const struct jspec_field docs_file_params[] = {
    {.name = "v", .type = JS_STRING, .min = 1, .max = 64},
    {.name = NULL},
};

static const struct docs_ui_asset *asset_named(const char *name, size_t len) {
  for (size_t i = 0; i < docs_ui_assets_count; i++)
    if (strlen(docs_ui_assets[i].name) == len &&
        memcmp(docs_ui_assets[i].name, name, len) == 0)
      return &docs_ui_assets[i];
  return NULL;
}

static void reply_no_file(struct request *rq) {
  reply_problem(rq, ERR_NOT_FOUND,
                docs_ui_assets_count == 0
                    ? "this build has no docs UI (configured with "
                      "-DOPORA_DOCS_UI=OFF)"
                    : "the docs page has no such file");
}

/* Whether an Accept-Encoding value takes gzip: listed (or `*`) without
 * q=0. */
static bool takes_gzip(const char *accept) {
  for (const char *p = accept; p != NULL && *p != '\0';) {
    p += strspn(p, " \t,");
    size_t name = strcspn(p, " \t;,");
    const char *end = p + strcspn(p, ",");
    bool named = (name == 4 && strncasecmp(p, "gzip", 4) == 0) ||
                 (name == 1 && *p == '*');
    const char *q = p + name;
    bool refused = false;
    while ((q = strchr(q, ';')) != NULL && q < end) {
      q += 1 + strspn(q + 1, " \t");
      if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
        refused = strtod(q + 2, NULL) <= 0;
    }
    if (named && !refused)
      return true;
    p = end;
  }
  return false;
}

/* Whether If-None-Match names `etag` (or is `*`). */
static bool not_modified(struct request *rq, const char *etag) {
  const char *h = request_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH);
  if (h == NULL)
    return false;
  for (const char *p = h; *p != '\0';) {
    p += strspn(p, " \t,");
    if (strncmp(p, "W/", 2) == 0)
      p += 2;
    size_t n = strcspn(p, " \t,");
    if ((n == 1 && *p == '*') ||
        (n == strlen(etag) && strncmp(p, etag, n) == 0))
      return true;
    p += n;
  }
  return false;
}

static void serve(struct request *rq, const struct docs_ui_asset *a,
                  const char *cache_control) {
  bool gzip = a->gzip != NULL &&
              takes_gzip(request_header(rq, MHD_HTTP_HEADER_ACCEPT_ENCODING));
  const char *etag = gzip ? a->gzip_etag : a->etag;
  if (not_modified(rq, etag)) {
    reply_empty(rq, MHD_HTTP_NOT_MODIFIED);
  } else if (gzip) {
    reply_static(rq, 200, a->content_type, a->gzip, a->gzip_size);
    reply_header(rq, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
  } else {
    reply_static(rq, 200, a->content_type, a->data, a->size);
  }
  reply_header(rq, MHD_HTTP_HEADER_ETAG, etag);
  reply_header(rq, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
  reply_header(rq, "X-Content-Type-Options", "nosniff");
  if (a->gzip != NULL)
    reply_header(rq, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
}

void docs_page_get(struct request *rq) {
  const struct docs_ui_asset *page = asset_named(PAGE, strlen(PAGE));
  if (page == NULL) {
    reply_no_file(rq);
    return;
  }
  /* The page names its files by content (?v=<etag>): it is asked again
   * each time, they are kept. */
  serve(rq, page, "no-cache");
  reply_header(rq, "Content-Security-Policy", page_policy);
  reply_header(rq, "Referrer-Policy", "no-referrer");
}

void docs_file_get(struct request *rq) {
  json_t *query = request_query_checked(rq, docs_file_params);
  if (query == NULL)
    return; /* answered 400 */
  json_decref(query);
  const char *name;
  size_t len;
  const struct docs_ui_asset *a = NULL;
  if (request_param_raw(rq, "file", &name, &len) &&
      !(len == strlen(PAGE) && memcmp(name, PAGE, len) == 0))
    a = asset_named(name, len);
  if (a == NULL) {
    reply_no_file(rq);
    return;
  }
  serve(rq, a, "public, max-age=31536000, immutable");
}
