/* Read-your-writes across requests (docs/SCALING.md): a write's answer
 * carries Opora-LSN, the position of its commit sealed with a key the
 * instances share (migration 0029), so that it tells the client nothing of
 * others' writes and cannot be forged; a read that sends it back is served
 * by a replica only once the replica has replayed that position
 * (src/db/db_route.c). The instance also remembers each caller's last write,
 * so that its own reads need no header. */
#ifndef OPORA_READ_AFTER_H
#define OPORA_READ_AFTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct request;

#define READ_AFTER_HEADER "Opora-LSN"
/* The header's text: "1" and base64url of nonce, sealed position, tag. */
#define READ_AFTER_TOKEN_MAX 72

/* Reads the request's Opora-LSN. False after answering 400 (not a token
 * this deployment issued). */
bool read_after_begin(struct request *rq);

/* The caller's last write on this instance (0: none or unknown). */
uint64_t read_after_caller_lsn(const struct request *rq);

/* Before a 2xx answer to a write is sent: its Opora-LSN header, and the
 * caller's position remembered. */
void read_after_answered(struct request *rq);

/* The sealing itself (exposed for the unit test): false when the key is
 * not at hand, or the text is not a token sealed with it. */
bool read_after_seal(uint64_t lsn, char out[READ_AFTER_TOKEN_MAX + 1]);
bool read_after_open(const char *text, uint64_t *lsn);
/* Sets the key (32 bytes): the unit test's, or the database's. */
void read_after_set_key(const unsigned char key[32]);

#endif
