#include "errors.h"

static const struct error_info errors[ERR_COUNT] = {
#define ERR(id, status_, code_, title_)                                        \
  [ERR_##id] = {.status = (status_), .code = (code_), .title = (title_)},
#include "errors.def"
#undef ERR
};

const struct error_info *error_info(enum error_id id) {
  return &errors[id < ERR_COUNT ? id : ERR_INTERNAL];
}
