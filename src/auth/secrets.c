/* Random tokens, secrets and passwords, and their hashes (libsodium).
 * Passwords are chosen by people: Argon2id, memory-hard. Tokens and client
 * secrets carry 256 random bits: SHA-256 is enough to store them. */
#include <sodium.h>
#include <string.h>

#include "auth.h"

bool secrets_init(void) {
  return sodium_init() >= 0;
}

static void random_base64url(char *out, size_t out_size) {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  sodium_bin2base64(out, out_size, bytes, sizeof bytes,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof bytes);
}

void secret_token(char out[TOKEN_TEXT_LEN + 1]) {
  memcpy(out, "opora_", 6);
  random_base64url(out + 6, SECRET_TEXT_LEN + 1);
}

void secret_random(char out[SECRET_TEXT_LEN + 1]) {
  random_base64url(out, SECRET_TEXT_LEN + 1);
}

void secret_password(char out[PASSWORD_TEXT_LEN + 1]) {
  /* No 0/O, 1/l/I: read aloud or copied from paper without mistakes. */
  static const char alphabet[] =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (size_t i = 0; i < PASSWORD_TEXT_LEN; i++)
    out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
  out[PASSWORD_TEXT_LEN] = '\0';
}

void secret_sha256_hex(const char *text, size_t len, char out[65]) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, (const unsigned char *)text, len);
  sodium_bin2hex(out, 65, digest, sizeof digest);
}

bool password_hash(const char *password, char out[PASSWORD_HASH_MAX]) {
  _Static_assert(crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX,
                 "PASSWORD_HASH_MAX too small");
  return crypto_pwhash_str(out, password, strlen(password),
                           crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

bool password_verify(const char *hash, const char *password) {
  return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}
