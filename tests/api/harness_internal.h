/* What the harness's own files share (harness.c, harness_http.c,
 * harness_checks.c); tests include harness.h only. */
#ifndef OPORA_TEST_HARNESS_INTERNAL_H
#define OPORA_TEST_HARNESS_INTERNAL_H

#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#include "harness.h"

#define RING 32

struct harness_state {
  char name[40];
  char dbname[64];
  char *admin_url, *db_url;
  char log_path[256];
  char base[64];
  pid_t server;
  PGconn *db;
  CURL *curl;
  char *ring[RING];
  unsigned ring_next;
  unsigned uniq_next;
  const char *ctx;    /* what a shared check is doing, printed on failure */
  bool term_sent;     /* SIGTERM already sent by a test */
  bool server_reaped; /* server_running saw it exit with server_status */
  int server_status;
  char auth_header[96]; /* "Authorization: Bearer ..." or "" */
  unsigned users_made;
};

extern struct harness_state harness_state;

/* malloc'ed printf-style text (harness_fmt: harness.h). */
char *harness_vfmt(const char *f, va_list ap);
/* Keeps s (malloc'd) in the ring and returns it. */
const char *harness_ring_keep(char *s);
/* Fails the current test (after printing the context of a shared check). */
void harness_fail_at(const char *file, int line);
/* Prints the reply and why, then fails the current test. */
void harness_reply_fail(const struct http_reply *r, const char *file, int line,
                        const char *why, ...)
    __attribute__((format(printf, 4, 5)));
/* One HTTP exchange; quiet: NULL instead of failing when it cannot. */
struct http_reply *harness_perform(const char *method, const char *path,
                                   const char *body, size_t len,
                                   const char *const *headers, bool quiet);

#endif
