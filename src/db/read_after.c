/* Opora-LSN: sealing write positions, and the callers' last writes
 * (include/read_after.h). */
#include "read_after.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "request.h"

#define SEALED_LEN (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 8)
#define CALLER_SLOTS 4096u

static unsigned char key[crypto_secretbox_KEYBYTES];
static atomic_bool key_ready;
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;

/* Callers' last write positions by a hash of (kind, id): two callers that
 * share a slot only make each other read the primary a little more often,
 * never read older data. */
static _Atomic uint64_t callers[CALLER_SLOTS];

void read_after_set_key(const unsigned char new_key[32]) {
  pthread_mutex_lock(&key_lock);
  memcpy(key, new_key, sizeof key);
  atomic_store(&key_ready, true);
  pthread_mutex_unlock(&key_lock);
}

/* The shared key, read once from the primary (under the lock: the key is
 * written once, before key_ready says it may be read). */
static bool key_load(void) {
  if (atomic_load(&key_ready))
    return true;
  pthread_mutex_lock(&key_lock);
  bool ok = atomic_load(&key_ready);
  PGconn *pg = ok ? NULL : db_connection();
  PGresult *r =
      pg == NULL
          ? NULL
          : db_call_on(pg, STMT_SERVER_KEY,
                       (const struct db_arg[]){{"name", "read_after"}, DB_END},
                       NULL, NULL, NULL);
  size_t len = 0;
  if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
      strncmp(PQgetvalue(r, 0, 0), "\\x", 2) == 0 &&
      sodium_hex2bin(key, sizeof key, PQgetvalue(r, 0, 0) + 2,
                     (size_t)PQgetlength(r, 0, 0) - 2, NULL, &len, NULL) == 0 &&
      len == sizeof key) {
    atomic_store(&key_ready, true);
    ok = true;
  } else if (pg != NULL) {
    log_msg(LOG_WARN, "the read_after key cannot be read (migration 0029?)");
  }
  PQclear(r);
  pthread_mutex_unlock(&key_lock);
  return ok;
}

bool read_after_seal(uint64_t lsn, char out[READ_AFTER_TOKEN_MAX + 1]) {
  if (!atomic_load(&key_ready))
    return false;
  unsigned char plain[8], sealed[SEALED_LEN];
  for (int i = 0; i < 8; i++)
    plain[i] = (unsigned char)(lsn >> (56 - 8 * i));
  randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, plain,
                        sizeof plain, sealed, key);
  out[0] = '1';
  sodium_bin2base64(out + 1, READ_AFTER_TOKEN_MAX, sealed, sizeof sealed,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return true;
}

bool read_after_open(const char *text, uint64_t *lsn) {
  unsigned char sealed[SEALED_LEN], plain[8];
  size_t len = 0;
  if (!atomic_load(&key_ready) || text[0] != '1' ||
      strlen(text) > READ_AFTER_TOKEN_MAX ||
      sodium_base642bin(sealed, sizeof sealed, text + 1, strlen(text + 1), NULL,
                        &len, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len != sizeof sealed ||
      crypto_secretbox_open_easy(plain, sealed + crypto_secretbox_NONCEBYTES,
                                 sizeof sealed - crypto_secretbox_NONCEBYTES,
                                 sealed, key) != 0)
    return false;
  *lsn = 0;
  for (int i = 0; i < 8; i++)
    *lsn = *lsn << 8 | plain[i];
  return true;
}

bool read_after_begin(struct request *rq) {
  const char *text = request_header(rq, READ_AFTER_HEADER);
  if (text == NULL)
    return true;
  if (!key_load()) {
    rq->read_after_lsn = UINT64_MAX; /* cannot tell: read the primary */
    return true;
  }
  if (!read_after_open(text, &rq->read_after_lsn)) {
    reply_problem_at(rq, ERR_BAD_REQUEST, "header." READ_AFTER_HEADER,
                     "must be the value of this header from an earlier "
                     "answer of this API, as it was sent");
    return false;
  }
  return true;
}

static _Atomic uint64_t *caller_slot(const struct request *rq) {
  uint64_t h = (uint64_t)rq->principal.id * 0x9e3779b97f4a7c15ull +
               (uint64_t)rq->principal.kind;
  return &callers[(h ^ (h >> 29)) % CALLER_SLOTS];
}

uint64_t read_after_caller_lsn(const struct request *rq) {
  return rq->authenticated ? atomic_load(caller_slot(rq)) : 0;
}

void read_after_answered(struct request *rq) {
  if (rq->status < 200 || rq->status >= 300 || rq->method == HTTP_GET ||
      rq->method == HTTP_HEAD || rq->method == HTTP_OPTIONS)
    return;
  uint64_t lsn = rq->commit_lsn;
  /* Committed outside db_txn (a push on its own connection, a single
   * statement): the primary's position now. */
  if (lsn == 0 && rq->db_primary_used)
    lsn = db_lsn_of(DB_PRIMARY, STMT_WAL_INSERT_LSN);
  if (lsn == 0)
    return;
  if (rq->authenticated) {
    _Atomic uint64_t *slot = caller_slot(rq);
    uint64_t seen = atomic_load(slot);
    while (lsn > seen && !atomic_compare_exchange_weak(slot, &seen, lsn))
      ;
  }
  char token[READ_AFTER_TOKEN_MAX + 1];
  if (key_load() && read_after_seal(lsn, token))
    reply_header(rq, READ_AFTER_HEADER, token);
}
