/* Problem codes, generated from include/errors.def. */
#ifndef OPORA_ERRORS_H
#define OPORA_ERRORS_H

enum error_id {
#define ERR(id, status, code, title) ERR_##id,
#include "errors.def"
#undef ERR
  ERR_COUNT
};

struct error_info {
  unsigned status;
  const char *code;
  const char *title;
};

const struct error_info *error_info(enum error_id id);

#endif
