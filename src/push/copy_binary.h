/* PostgreSQL's binary COPY format (COPY ... FROM STDIN (FORMAT binary)):
 * the server reads each value as it is sent instead of parsing text. Each
 * function writes at `at`, which the caller has room at (the sizes below),
 * and returns where the next write goes. Big-endian throughout; a field is
 * its length (int32, -1 for NULL) and its bytes. Only the types the push
 * writes: integer, bigint, smallint, text, bytea and smallint[]. */
#ifndef OPORA_COPY_BINARY_H
#define OPORA_COPY_BINARY_H

#include <stddef.h>
#include <stdint.h>

#define COPY_BIN_HEADER_BYTES 19 /* signature, flags, header extension */
#define COPY_BIN_TRAILER_BYTES 2
/* A smallint[] of n elements, as a field (its length included). */
#define COPY_BIN_INT2_ARRAY_BYTES(n) (4 + 20 + 6 * (size_t)(n))

char *copy_bin_header(char *at);
/* The end of the data: a tuple of -1 fields. */
char *copy_bin_trailer(char *at);
/* A tuple begins: its number of fields (int16). */
char *copy_bin_tuple(char *at, int fields);
char *copy_bin_null(char *at);            /* 4 bytes */
char *copy_bin_int2(char *at, int v);     /* 6 bytes */
char *copy_bin_int4(char *at, int32_t v); /* 8 bytes */
char *copy_bin_int8(char *at, int64_t v); /* 12 bytes */
/* text (UTF-8, as the connection's encoding) or bytea: 4 + n bytes. */
char *copy_bin_bytes(char *at, const void *data, size_t n);
/* A one-dimensional smallint[] (no NULL elements; lower bound 1). */
char *copy_bin_int2_array(char *at, const int *v, size_t n);

#endif
