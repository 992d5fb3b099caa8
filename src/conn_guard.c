/* The main listener's accept path and its watchdog (see conn_guard.h).
 *
 * libmicrohttpd 0.9.75 times connections by idleness only, and stops
 * accepting at its connection limit, so clients wait in the backlog. Here
 * one thread accepts, refuses over the caps with a canned 503, and hands
 * the rest over with MHD_add_connection. Each connection has a record,
 * found by its socket (a table indexed by descriptor, filled at accept and
 * emptied by libmicrohttpd's close notification, which comes before it
 * closes the socket). A watchdog thread looks at every record a few times
 * a second and cuts a late head or a slow body: a canned 408, then
 * shutdown() (not close(): the socket stays libmicrohttpd's), which makes
 * libmicrohttpd end the request (its on_completed sees an error, and a
 * push rolls back) and close the connection. The mutex is taken at
 * connect, close and by the watchdog; the request path only stores
 * atomics. */
#include "conn_guard.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "request.h"
#include "server.h"

#define NS 1000000000ull
#define WATCH_PERIOD_NS (200 * 1000000ull)
#define LINGER_MAX 256
#define LINGER_NS NS /* how long a refused socket is drained before close */
#define MHD_LIMIT_MARGIN 64
/* Connections by address, for the per-address cap. */
#define ADDR_BUCKETS 4096

enum phase { PHASE_HEAD, PHASE_BODY, PHASE_ANSWER };
enum cut { CUT_NONE, CUT_LATE_HEAD, CUT_SLOW_BODY };

struct guarded {
  struct guarded *prev, *next;           /* every open connection */
  struct guarded *addr_prev, *addr_next; /* those of one address bucket */
  int fd;
  struct sockaddr_storage addr;
  /* Written by the request path. */
  atomic_int phase;
  atomic_ullong head_deadline_ns;
  atomic_ullong body_bytes;
  atomic_uint body_round; /* bumped at each head_done */
  atomic_bool busy;       /* the server is taking a chunk */
  atomic_int cut;
  _Atomic char request_id[REQUEST_ID_MAX + 1]; /* of the request in its body */
  /* The watchdog's own. */
  unsigned seen_round;
  uint64_t mark_ns, mark_bytes;
};

struct lingering {
  int fd;
  uint64_t until_ns;
};

static struct {
  const struct config *cfg;
  struct MHD_Daemon *daemon;
  int listener;
  pthread_t acceptor, watchdog;
  bool threads_started;
  atomic_bool stopping;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  struct guarded *head; /* every open connection */
  struct guarded **by_fd;
  size_t by_fd_len;
  struct guarded *by_addr[ADDR_BUCKETS];
  unsigned long long open;
  struct lingering linger[LINGER_MAX];
  size_t n_linger;
  atomic_ullong late_head, slow_body, refused;
} g = {.listener = -1,
       .lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* --- canned answers -------------------------------------------------- */

/* A complete HTTP/1.1 problem+json answer that closes the connection;
 * caller frees. */
static char *canned_answer(enum error_id err, const char *detail,
                           const char *id, const char *extra_header,
                           size_t *len) {
  json_t *p = problem_build(err, detail, id, NULL);
  char *body = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(p);
  if (body == NULL)
    return NULL;
  const struct error_info *info = error_info(err);
  const char *fmt = "HTTP/1.1 %u %s\r\n"
                    "Content-Type: application/problem+json\r\n"
                    "Content-Length: %zu\r\n"
                    "%s"
                    "X-Request-Id: %s\r\n"
                    "Connection: close\r\n\r\n%s";
  size_t cap = strlen(fmt) + strlen(info->title) + strlen(extra_header) +
               strlen(id) + 2 * strlen(body) + 64;
  char *out = malloc(cap);
  int n = out == NULL ? -1
                      : snprintf(out, cap, fmt, info->status, info->title,
                                 strlen(body), extra_header, id, body);
  free(body);
  if (n < 0 || (size_t)n >= cap) {
    free(out);
    return NULL;
  }
  *len = (size_t)n;
  return out;
}

/* Best effort, never blocking: a client that does not read loses it. */
static void send_canned(int fd, enum error_id err, const char *detail,
                        const char *id, const char *extra_header) {
  char made[REQUEST_ID_MAX + 1];
  if (id == NULL) {
    server_request_id(made, sizeof made);
    id = made;
  }
  size_t len = 0;
  char *text = canned_answer(err, detail, id, extra_header, &len);
  if (text != NULL && send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    log_msg(LOG_DEBUG, "canned %u not sent: %s", error_info(err)->status,
            strerror(errno));
  free(text);
}

/* Reads and drops what the client sent; true at its end of stream. */
static bool drain(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0)
      return true;
    if (n < 0)
      return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }
}

/* A refused socket is closed once its client has stopped sending (or after
 * LINGER_NS): closing with unread input would reset the connection and
 * could throw the answer away before the client reads it. */
static void linger_add_locked(int fd) {
  if (drain(fd) || g.n_linger == LINGER_MAX) {
    close(fd);
    return;
  }
  g.linger[g.n_linger++] = (struct lingering){fd, now_ns() + LINGER_NS};
}

static void linger_sweep_locked(uint64_t now) {
  for (size_t i = 0; i < g.n_linger;) {
    if (drain(g.linger[i].fd) || now >= g.linger[i].until_ns) {
      close(g.linger[i].fd);
      g.linger[i] = g.linger[--g.n_linger];
    } else {
      i++;
    }
  }
}

/* --- accepting ----------------------------------------------------------- */

static bool same_address(const struct sockaddr_storage *a,
                         const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family)
    return false;
  if (a->ss_family == AF_INET)
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
           ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  if (a->ss_family == AF_INET6)
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr,
                  sizeof(struct in6_addr)) == 0;
  return false;
}

static size_t address_bucket(const struct sockaddr_storage *a) {
  const unsigned char *b = NULL;
  size_t n = 0, h = 2166136261u;
  if (a->ss_family == AF_INET) {
    b = (const unsigned char *)&((const struct sockaddr_in *)a)->sin_addr;
    n = 4;
  } else if (a->ss_family == AF_INET6) {
    b = (const unsigned char *)&((const struct sockaddr_in6 *)a)->sin6_addr;
    n = 16;
  }
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 16777619u; /* FNV-1a */
  return h % ADDR_BUCKETS;
}

/* Which cap, if any, the new connection would exceed. */
static const char *cap_exceeded_locked(int fd,
                                       const struct sockaddr_storage *addr) {
  if (g.open >= g.cfg->max_connections || (size_t)fd >= g.by_fd_len)
    return "the server has as many connections as it takes; retry shortly";
  unsigned per_ip = g.cfg->max_connections_per_ip, n = 0;
  if (per_ip == 0)
    return NULL;
  for (struct guarded *c = g.by_addr[address_bucket(addr)]; c != NULL;
       c = c->addr_next)
    if (same_address(&c->addr, addr) && ++n >= per_ip)
      return "your address has as many connections as it may open; close "
             "one or retry shortly";
  return NULL;
}

static void record_unlink_locked(struct guarded *c) {
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    g.head = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  if (c->addr_prev != NULL)
    c->addr_prev->addr_next = c->addr_next;
  else
    g.by_addr[address_bucket(&c->addr)] = c->addr_next;
  if (c->addr_next != NULL)
    c->addr_next->addr_prev = c->addr_prev;
  if (g.by_fd[c->fd] == c)
    g.by_fd[c->fd] = NULL;
  g.open--;
}

static void admit(int fd, const struct sockaddr_storage *addr,
                  socklen_t addr_len) {
  pthread_mutex_lock(&g.lock);
  const char *full = cap_exceeded_locked(fd, addr);
  struct guarded *c = full == NULL ? calloc(1, sizeof *c) : NULL;
  if (c == NULL) {
    atomic_fetch_add(&g.refused, 1);
    send_canned(fd, ERR_SERVER_BUSY, full ? full : "out of memory", NULL,
                "Retry-After: 1\r\n");
    shutdown(fd, SHUT_WR);
    linger_add_locked(fd);
    pthread_mutex_unlock(&g.lock);
    return;
  }
  c->fd = fd;
  c->addr = *addr;
  atomic_init(&c->head_deadline_ns,
              now_ns() + (uint64_t)g.cfg->header_timeout * NS);
  c->next = g.head;
  if (g.head != NULL)
    g.head->prev = c;
  g.head = c;
  struct guarded **bucket = &g.by_addr[address_bucket(addr)];
  c->addr_next = *bucket;
  if (*bucket != NULL)
    (*bucket)->addr_prev = c;
  *bucket = c;
  g.by_fd[fd] = c;
  g.open++;
  pthread_mutex_unlock(&g.lock);
  if (MHD_add_connection(g.daemon, fd, (const struct sockaddr *)addr,
                         addr_len) == MHD_YES)
    return;
  /* The socket is closed; its record goes unless the close notification
   * took it already. */
  pthread_mutex_lock(&g.lock);
  if (g.by_fd[fd] == c) {
    record_unlink_locked(c);
    free(c);
  }
  pthread_mutex_unlock(&g.lock);
}

static void *accept_loop(void *arg) {
  (void)arg;
  while (!atomic_load(&g.stopping)) {
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    int fd = accept(g.listener, (struct sockaddr *)&addr, &len);
    if (fd >= 0) {
      admit(fd, &addr, len);
      continue;
    }
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
        errno == ENOMEM) {
      /* Out of descriptors: wait for some to close rather than spin. */
      struct timespec pause = {0, 10 * 1000000};
      nanosleep(&pause, NULL);
    } else if (errno == EINVAL || errno == EBADF) {
      break; /* the listener was shut down */
    }
  }
  return NULL;
}

bool conn_guard_listen(const struct config *cfg) {
  g.cfg = cfg;
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE};
  struct addrinfo *found = NULL;
  char port[8];
  snprintf(port, sizeof port, "%u", cfg->listen_port);
  if (getaddrinfo(cfg->listen_host, port, &hints, &found) != 0 || !found) {
    errno = EADDRNOTAVAIL;
    return false;
  }
  int fd = socket(found->ai_family, SOCK_STREAM, 0);
  int one = 1;
  bool ok = fd >= 0 &&
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, found->ai_addr, found->ai_addrlen) == 0 &&
            listen(fd, SOMAXCONN) == 0;
  int saved = errno;
  freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0)
      close(fd);
    errno = saved;
    return false;
  }
  g.listener = fd;
  /* Descriptors beyond the open-files limit cannot exist. */
  struct rlimit lim = {0};
  getrlimit(RLIMIT_NOFILE, &lim);
  g.by_fd_len = lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > (1u << 20)
                    ? (1u << 20)
                    : (size_t)lim.rlim_cur;
  g.by_fd = calloc(g.by_fd_len, sizeof *g.by_fd);
  return g.by_fd != NULL;
}

/* The connection limit to give libmicrohttpd: above ours, so that it never
 * refuses silently while our count and its own differ by a close. */
unsigned conn_guard_library_limit(const struct config *cfg) {
  return cfg->max_connections + MHD_LIMIT_MARGIN;
}

/* --- the watchdog ------------------------------------------------------ */

static void cut_locked(struct guarded *c, enum cut why) {
  int expected = CUT_NONE;
  if (!atomic_compare_exchange_strong(&c->cut, &expected, (int)why))
    return;
  atomic_fetch_add(why == CUT_LATE_HEAD ? &g.late_head : &g.slow_body, 1);
  if (why == CUT_LATE_HEAD) {
    send_canned(c->fd, ERR_REQUEST_TIMEOUT,
                "the request head did not arrive in time", NULL, "");
  } else { /* the request has its id, and the log line will show it */
    char id[REQUEST_ID_MAX + 1];
    for (size_t i = 0; i < sizeof id; i++)
      id[i] = atomic_load_explicit(&c->request_id[i], memory_order_relaxed);
    id[REQUEST_ID_MAX] = '\0';
    send_canned(c->fd, ERR_REQUEST_TIMEOUT,
                "the request body arrives too slowly", id, "");
  }
  shutdown(c->fd, SHUT_RDWR);
}

/* A body is slow when, over a whole window in which the server was not
 * busy with it, fewer bytes came than the minimum rate asks. */
static void check_body(struct guarded *c, uint64_t now) {
  uint64_t rate = g.cfg->min_upload_rate;
  uint64_t window = (uint64_t)g.cfg->min_upload_window * NS;
  uint64_t bytes = atomic_load(&c->body_bytes);
  unsigned round = atomic_load(&c->body_round);
  if (rate == 0)
    return;
  if (round != c->seen_round || atomic_load(&c->busy)) {
    c->seen_round = round;
    c->mark_ns = now;
    c->mark_bytes = bytes;
    return;
  }
  if (now - c->mark_ns < window)
    return;
  if (bytes - c->mark_bytes < rate * g.cfg->min_upload_window) {
    cut_locked(c, CUT_SLOW_BODY);
    return;
  }
  c->mark_ns = now;
  c->mark_bytes = bytes;
}

static void watch_once(void) {
  uint64_t now = now_ns();
  pthread_mutex_lock(&g.lock);
  for (struct guarded *c = g.head; c != NULL; c = c->next) {
    if (atomic_load(&c->cut) != CUT_NONE)
      continue;
    int phase = atomic_load(&c->phase);
    if (phase == PHASE_HEAD && now > atomic_load(&c->head_deadline_ns))
      cut_locked(c, CUT_LATE_HEAD);
    else if (phase == PHASE_BODY)
      check_body(c, now);
  }
  linger_sweep_locked(now);
  pthread_mutex_unlock(&g.lock);
}

static void *watch_loop(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g.lock);
  while (!atomic_load(&g.stopping)) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)WATCH_PERIOD_NS;
    if (until.tv_nsec >= (long)NS) {
      until.tv_sec++;
      until.tv_nsec -= (long)NS;
    }
    pthread_cond_timedwait(&g.wake, &g.lock, &until);
    pthread_mutex_unlock(&g.lock);
    watch_once();
    pthread_mutex_lock(&g.lock);
  }
  pthread_mutex_unlock(&g.lock);
  return NULL;
}

bool conn_guard_start(struct MHD_Daemon *daemon) {
  g.daemon = daemon;
  if (pthread_create(&g.watchdog, NULL, watch_loop, NULL) != 0)
    return false;
  if (pthread_create(&g.acceptor, NULL, accept_loop, NULL) != 0) {
    atomic_store(&g.stopping, true);
    pthread_cond_signal(&g.wake);
    pthread_join(g.watchdog, NULL);
    return false;
  }
  g.threads_started = true;
  return true;
}

void conn_guard_stop_accepting(void) {
  if (g.listener < 0)
    return;
  atomic_store(&g.stopping, true);
  shutdown(g.listener, SHUT_RDWR); /* wakes accept(); connects are refused */
  if (g.threads_started)
    pthread_join(g.acceptor, NULL);
  close(g.listener);
  g.listener = -1;
}

void conn_guard_stop(void) {
  conn_guard_stop_accepting();
  if (g.threads_started) {
    pthread_mutex_lock(&g.lock);
    pthread_cond_signal(&g.wake);
    pthread_mutex_unlock(&g.lock);
    pthread_join(g.watchdog, NULL);
    g.threads_started = false;
  }
  pthread_mutex_lock(&g.lock);
  linger_sweep_locked(UINT64_MAX);
  while (g.head != NULL) { /* none once the daemon stopped */
    struct guarded *c = g.head;
    record_unlink_locked(c);
    free(c);
  }
  pthread_mutex_unlock(&g.lock);
  free(g.by_fd);
  g.by_fd = NULL;
  g.by_fd_len = 0;
}

/* --- libmicrohttpd's notifications and the request path ---------------- */

void conn_guard_notify(void *cls, struct MHD_Connection *conn,
                       void **socket_context,
                       enum MHD_ConnectionNotificationCode code) {
  (void)cls;
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  int fd = info != NULL ? info->connect_fd : -1;
  pthread_mutex_lock(&g.lock);
  struct guarded *c = *socket_context;
  if (c == NULL && fd >= 0 && (size_t)fd < g.by_fd_len)
    c = g.by_fd[fd];
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    *socket_context = c;
  } else if (c != NULL) {
    record_unlink_locked(c);
    free(c);
    *socket_context = NULL;
  }
  pthread_mutex_unlock(&g.lock);
}

static struct guarded *guarded_of(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info != NULL ? info->socket_context : NULL;
}

void conn_guard_head_done(struct MHD_Connection *conn, const char *request_id) {
  struct guarded *c = guarded_of(conn);
  if (c == NULL)
    return;
  size_t i = 0;
  for (; request_id[i] != '\0' && i < REQUEST_ID_MAX; i++)
    atomic_store_explicit(&c->request_id[i], request_id[i],
                          memory_order_relaxed);
  atomic_store_explicit(&c->request_id[i], '\0', memory_order_relaxed);
  atomic_store(&c->body_bytes, 0);
  atomic_fetch_add(&c->body_round, 1);
  atomic_store(&c->phase, PHASE_BODY);
}

void conn_guard_body_begin(struct MHD_Connection *conn, size_t n) {
  struct guarded *c = guarded_of(conn);
  if (c == NULL)
    return;
  atomic_store(&c->busy, true);
  atomic_fetch_add(&c->body_bytes, n);
}

void conn_guard_body_end(struct MHD_Connection *conn) {
  struct guarded *c = guarded_of(conn);
  if (c != NULL)
    atomic_store(&c->busy, false);
}

void conn_guard_answering(struct MHD_Connection *conn) {
  struct guarded *c = guarded_of(conn);
  if (c != NULL)
    atomic_store(&c->phase, PHASE_ANSWER);
}

void conn_guard_request_done(struct MHD_Connection *conn) {
  struct guarded *c = guarded_of(conn);
  if (c == NULL)
    return;
  uint64_t allowance =
      (uint64_t)(g.cfg->connection_timeout + g.cfg->header_timeout) * NS;
  atomic_store(&c->head_deadline_ns, now_ns() + allowance);
  atomic_store(&c->phase, PHASE_HEAD);
}

bool conn_guard_was_cut(struct MHD_Connection *conn) {
  struct guarded *c = guarded_of(conn);
  return c != NULL && atomic_load(&c->cut) != CUT_NONE;
}

void conn_guard_counts(struct conn_guard_counts *out) {
  pthread_mutex_lock(&g.lock);
  out->open = g.open;
  pthread_mutex_unlock(&g.lock);
  out->late_head = atomic_load(&g.late_head);
  out->slow_body = atomic_load(&g.slow_body);
  out->refused = atomic_load(&g.refused);
}
