/* The docs page's files, compiled into the binary by the build
 * (cmake/docs_ui.cmake: Swagger UI's assets from tools/docs-ui); none when
 * it was configured with -DOPORA_DOCS_UI=OFF. */
#ifndef OPORA_DOCS_UI_H
#define OPORA_DOCS_UI_H

#include <stddef.h>

struct docs_ui_asset {
  const char *name; /* as in /api/v1/docs/{file} */
  const char *content_type;
  const unsigned char *data;
  size_t size;
  const unsigned char *gzip; /* gzip'd copy, or NULL */
  size_t gzip_size;
  const char *etag, *gzip_etag; /* quoted, from the content's SHA-256 */
};

extern const struct docs_ui_asset docs_ui_assets[];
extern const size_t docs_ui_assets_count;

#endif
