/* UTF-8 checks shared by the readers of input and the writers of answers:
 * every text an answer or a record quotes from input must be valid UTF-8
 * (Jansson refuses anything else, and so does PostgreSQL). */
#ifndef OPORA_UTF8_H
#define OPORA_UTF8_H

#include <stddef.h>

/* The code point of the UTF-8 sequence at s (NUL-terminated), its length in
 * *len; 0 with *len 1 for a byte that starts no valid sequence (overlong
 * forms and surrogates included). */
unsigned utf8_decode(const unsigned char *s, size_t *len);

/* Makes s valid UTF-8 in place: each byte of an invalid sequence becomes
 * '?'. */
void utf8_make_valid(char *s);

#endif
