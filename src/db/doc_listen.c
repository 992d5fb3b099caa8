/* The document cache's listener: a thread with its own connection that
 * LISTENs on opora_docs (migration 0027) and drops what each notification
 * names. Only while it listens does the cache serve and keep documents:
 * when it (re)connects it empties the cache first, since notifications
 * sent while nobody listened are lost. It connects as "opora-docs", again
 * at once after a loss, then with a backoff from 50 ms to 1 s (and not
 * while the database is known down: src/db/db_outage.c refuses for it). */
#include "doc_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 1000

static pthread_t thread;
static bool running;
static int stop_pipe[2] = {-1, -1};

/* Waits up to ms for input on fd (-1: none) or for the stop; true when
 * stopping. */
static bool wait_input(int fd, int ms, bool *readable) {
  struct pollfd p[2] = {{.fd = stop_pipe[0], .events = POLLIN},
                        {.fd = fd, .events = POLLIN}};
  int n = poll(p, fd >= 0 ? 2 : 1, ms);
  if (n < 0 && errno != EINTR)
    return true;
  *readable = n > 0 && fd >= 0 && p[1].revents != 0;
  return n > 0 && p[0].revents != 0;
}

static bool listen_on(PGconn *pg) {
  PGresult *r = PQexec(pg, "LISTEN opora_docs");
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  return ok;
}

/* Drops what each notification names until the connection breaks (false)
 * or the server stops (true). */
static bool hear(PGconn *pg) {
  for (;;) {
    bool readable = false;
    if (wait_input(PQsocket(pg), 10000, &readable))
      return true;
    if (!readable)
      continue;
    if (!PQconsumeInput(pg))
      return false;
    PGnotify *n;
    while ((n = PQnotifies(pg)) != NULL) {
      doc_cache_invalidate(n->extra);
      PQfreemem(n);
    }
    if (PQstatus(pg) != CONNECTION_OK)
      return false;
  }
}

static void *listen_main(void *arg) {
  (void)arg;
  int backoff = BACKOFF_FIRST_MS;
  for (;;) {
    PGconn *pg = db_connect_listener();
    if (pg != NULL && listen_on(pg)) {
      backoff = BACKOFF_FIRST_MS;
      doc_cache_set_listening(true);
      log_msg(LOG_DEBUG, "document cache: listening");
      bool stopping = hear(pg);
      doc_cache_set_listening(false);
      db_disconnect_own(pg);
      if (stopping)
        return NULL;
      log_msg(LOG_WARN, "document cache: the listening connection broke; "
                        "documents are read from the database until it is "
                        "back");
      continue;
    }
    db_disconnect_own(pg);
    bool readable;
    if (wait_input(-1, backoff, &readable))
      return NULL;
    backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
  }
}

bool doc_listen_start(void) {
  if (!doc_cache_on())
    return true;
  if (pipe(stop_pipe) != 0)
    return false;
  fcntl(stop_pipe[0], F_SETFD, FD_CLOEXEC);
  fcntl(stop_pipe[1], F_SETFD, FD_CLOEXEC);
  if (pthread_create(&thread, NULL, listen_main, NULL) != 0) {
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    return false;
  }
  running = true;
  return true;
}

void doc_listen_stop(void) {
  if (running) {
    ssize_t n = write(stop_pipe[1], "x", 1);
    (void)n;
    pthread_join(thread, NULL);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    running = false;
  }
  doc_cache_set_listening(false);
  doc_cache_flush();
}
