/* UTF-8 checks shared by input readers and answer writers (include/utf8.h). */
#include "utf8.h"

unsigned utf8_decode(const unsigned char *s, size_t *len) {
  unsigned c = s[0];
  size_t n;
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  if (c >= 0xc2 && c <= 0xdf)
    n = 2, c &= 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, c &= 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, c &= 0x07;
  else
    n = 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      n = 0;
      break;
    }
    c = (c << 6) | (s[i] & 0x3fu);
  }
  if (n == 0 || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
      (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
    *len = 1;
    return 0;
  }
  *len = n;
  return c;
}

void utf8_make_valid(char *s) {
  unsigned char *u = (unsigned char *)s;
  while (*u) {
    size_t len;
    if (utf8_decode(u, &len) == 0)
      *u = '?';
    u += len;
  }
}
