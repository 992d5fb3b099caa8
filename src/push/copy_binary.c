/* PostgreSQL's binary COPY format (src/push/copy_binary.h). */
#include "copy_binary.h"

#include <string.h>

#define INT2_OID 21 /* pg_type.oid of smallint: an array names its type */

static char *be(char *at, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--)
    *at++ = (char)(uint8_t)(v >> (8 * i));
  return at;
}

char *copy_bin_header(char *at) {
  static const char signature[11] = {'P',  'G',    'C',  'O',  'P', 'Y',
                                     '\n', '\377', '\r', '\n', '\0'};
  memcpy(at, signature, sizeof signature);
  at = be(at + sizeof signature, 0, 4); /* flags: no OIDs */
  return be(at, 0, 4);                  /* no header extension */
}

char *copy_bin_trailer(char *at) {
  return be(at, 0xffff, 2);
}

char *copy_bin_tuple(char *at, int fields) {
  return be(at, (uint16_t)fields, 2);
}

char *copy_bin_null(char *at) {
  return be(at, 0xffffffffu, 4);
}

char *copy_bin_int2(char *at, int v) {
  return be(be(at, 2, 4), (uint16_t)(int16_t)v, 2);
}

char *copy_bin_int4(char *at, int32_t v) {
  return be(be(at, 4, 4), (uint32_t)v, 4);
}

char *copy_bin_int8(char *at, int64_t v) {
  return be(be(at, 8, 4), (uint64_t)v, 8);
}

char *copy_bin_bytes(char *at, const void *data, size_t n) {
  at = be(at, (uint32_t)n, 4);
  memcpy(at, data, n);
  return at + n;
}

char *copy_bin_int2_array(char *at, const int *v, size_t n) {
  at = be(at, (uint32_t)(COPY_BIN_INT2_ARRAY_BYTES(n) - 4), 4);
  at = be(at, 1, 4);        /* dimensions */
  at = be(at, 0, 4);        /* no NULL elements */
  at = be(at, INT2_OID, 4); /* element type */
  at = be(at, n, 4);        /* the dimension's length */
  at = be(at, 1, 4);        /* and lower bound */
  for (size_t i = 0; i < n; i++)
    at = copy_bin_int2(at, v[i]);
  return at;
}
