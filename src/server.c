/* The request path, in the order a request takes it:
 *   on_request (first call)  -> request_begin: id, route, CORS; a streaming
 *                               route's auth_check and on_body_open (a
 *                               refusal is sent before its body)
 *   on_request (body chunks) -> body_take: bounded buffer or stream consumer
 *                               (up to --max-push-body)
 *   on_request (last call)   -> dispatch: 404/405/OPTIONS, auth_check
 *                               (401/403/404), JSON parse, handler,
 *                               common headers, queue
 *   on_completed             -> log line, metrics, free
 * Handlers run on libmicrohttpd's pool threads; each thread owns its database
 * connection (src/db/db.c), so nothing on this path takes a lock. */
#include "server.h"
#include "xlsx_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conn_guard.h"
#include "db.h"
#include "doc_cache.h"
#include "handlers.h"
#include "json_text.h"
#include "kept.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "push.h"
#include "read_after.h"
#include "request.h"
#include "sd_notify.h"

static const struct config *cfg;
static atomic_long in_flight;
static atomic_bool stopping;
static atomic_ullong request_counter;
static unsigned long long request_id_seed;

static const char cors_allow_headers[] =
    "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, "
    "Opora-LSN, X-Request-Id";
static const char cors_expose_headers[] =
    "ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed, "
    "Content-Disposition, Opora-LSN";

/* A client's X-Request-Id is kept when it is short and plain, so it can be
 * followed across systems; otherwise we make one. */
static bool request_id_sane(const char *id) {
  size_t n = 0;
  for (; id[n] != '\0'; n++) {
    char c = id[n];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok || n >= REQUEST_ID_MAX)
      return false;
  }
  return n > 0;
}

/* splitmix64 of a counter: unique per process, unguessable enough to not
 * collide across instances. */
void server_request_id(char *out, size_t len) {
  unsigned long long z =
      request_id_seed +
      atomic_fetch_add(&request_counter, 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  snprintf(out, len, "%016llx", z);
}

static void request_id_assign(struct request *rq) {
  const char *given = request_header(rq, "X-Request-Id");
  if (given != NULL && request_id_sane(given))
    strcpy(rq->id, given);
  else
    server_request_id(rq->id, sizeof rq->id);
}

static enum MHD_Result add_length(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value) {
  (void)kind;
  *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
  return MHD_YES;
}

/* The request head's size, near enough: its line, headers and query. The
 * library is given room for twice OPORA_HEADER_MEMORY, so that a head over
 * it reaches us and gets a 431 problem; one over that room gets the
 * library's own 431 page. */
static bool head_too_large(struct request *rq) {
  size_t n = strlen(rq->method_text) + strlen(rq->path) + 12;
  MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, add_length, &n);
  MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_length, &n);
  if (n <= cfg->header_memory)
    return false;
  char detail[96];
  snprintf(detail, sizeof detail, "the request head is over %zu bytes",
           cfg->header_memory);
  reply_problem(rq, ERR_HEADERS_TOO_LARGE, detail);
  return true;
}

/* With a separate metrics listener, /metrics is served there only, and
 * that listener serves nothing but /metrics and /health. */
static void route_for_listener(struct request *rq, bool metrics_listener) {
  const struct route *r = rq->match.route;
  bool metrics_route = r != NULL && r->handler == metrics_get;
  bool health_route = r != NULL && r->handler == health_get;
  bool refused = metrics_listener ? !(metrics_route || health_route)
                                  : metrics_route && cfg->metrics_port != 0;
  if (refused)
    memset(&rq->match, 0, sizeof rq->match); /* 404, as for no route */
}

static struct request *request_begin(struct MHD_Connection *conn,
                                     const char *url, const char *method,
                                     bool metrics_listener) {
  struct request *rq = calloc(1, sizeof *rq);
  if (rq == NULL)
    return NULL;
  atomic_fetch_add(&in_flight, 1);
  rq->conn = conn;
  rq->started_ns = clock_ns();
  rq->method_text = method;
  rq->method = http_method_parse(method);
  rq->path = url;
  request_id_assign(rq);
  router_match(routes, routes_count, rq->method, url, &rq->match);
  route_for_listener(rq, metrics_listener);
  const char *origin = request_header(rq, "Origin");
  if (origin != NULL && config_origin_allowed(cfg, origin))
    rq->allowed_origin = origin;
  return rq;
}

/* application/json (or merge-patch+json for PATCH), in UTF-8: a charset
 * parameter, if any, must say so. */
/* How much of a refused body is read and dropped to answer it properly. */
static uint64_t drop_limit(void) {
  uint64_t four_bodies = 4 * (uint64_t)cfg->max_body;
  return four_bodies > (16u << 20) ? four_bodies : (16u << 20);
}

static bool content_type_is_json(const char *ct) {
  if (ct == NULL)
    return false;
  static const char *const accepted[] = {"application/json",
                                         "application/merge-patch+json"};
  for (size_t i = 0; i < 2; i++) {
    size_t n = strlen(accepted[i]);
    if (strncasecmp(ct, accepted[i], n) != 0)
      continue;
    const char *rest = ct + n;
    while (*rest == ' ')
      rest++;
    if (*rest == '\0')
      return true;
    if (*rest++ != ';')
      return false;
    while (*rest == ' ')
      rest++;
    return strncasecmp(rest, "charset=", 8) == 0 &&
           (strcasecmp(rest + 8, "utf-8") == 0 ||
            strcasecmp(rest + 8, "\"utf-8\"") == 0);
  }
  return false;
}

/* The largest body the route takes: streamed bodies have their own. */
static uint64_t body_limit(const struct request *rq) {
  return (rq->match.route->flags & ROUTE_BODY_STREAM) ? cfg->max_push_body
                                                      : cfg->max_body;
}

static void reply_too_large(struct request *rq) {
  char detail[96];
  snprintf(detail, sizeof detail, "the request body is over %llu bytes",
           (unsigned long long)body_limit(rq));
  reply_problem(rq, ERR_PAYLOAD_TOO_LARGE, detail);
}

/* Checks a body-taking route's headers before any byte of the body is read:
 * 415 and 413 need not wait for the body. */
static bool body_headers_acceptable(struct request *rq) {
  const char *ct = request_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
  if ((rq->match.route->flags & ROUTE_BODY_JSON) && !content_type_is_json(ct)) {
    reply_problem(rq, ERR_UNSUPPORTED_MEDIA_TYPE,
                  "send the body as application/json");
    return false;
  }
  /* A streamed body's consumer checks its type. */
  const char *cl = request_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl != NULL && strtoull(cl, NULL, 10) > body_limit(rq)) {
    reply_too_large(rq);
    return false;
  }
  return true;
}

/* Appends a chunk to the bounded body buffer; false once over the limit. */
static bool body_buffer(struct request *rq, const char *data, size_t len) {
  if (len > cfg->max_body - rq->body_len)
    return false;
  if (rq->body_len + len + 1 > rq->body_cap) {
    size_t cap = rq->body_cap ? rq->body_cap : 4096;
    while (cap < rq->body_len + len + 1)
      cap *= 2;
    char *grown = realloc(rq->body, cap);
    if (grown == NULL)
      abort();
    rq->body = grown;
    rq->body_cap = cap;
  }
  memcpy(rq->body + rq->body_len, data, len);
  rq->body_len += len;
  rq->body[rq->body_len] = '\0';
  return true;
}

/* Ends a streamed body's consumer at once: its transaction is rolled back
 * now, not after the rest of the body has been drained. */
static void stream_close(struct request *rq) {
  if (rq->stream_free != NULL)
    rq->stream_free(rq->stream_state);
  rq->stream_free = NULL;
  rq->stream_state = NULL;
}

/* Hands a chunk to the stream consumer, up to the ceiling; false once the
 * body is refused (413, or the consumer answered). */
static bool stream_take(struct request *rq, const char *data, size_t len) {
  bool ok;
  if (len > cfg->max_push_body - rq->body_streamed) {
    reply_too_large(rq);
    ok = false;
  } else {
    rq->body_streamed += len;
    ok = rq->match.route->on_body_chunk(rq, data, len);
  }
  if (!ok)
    stream_close(rq);
  return ok;
}

/* A streamed body is consumed as it arrives, so its caller, its consumer
 * and then its announced length are settled first: a refusal (401, 403,
 * 404, 400, 415, 409, 413) goes out at once, without reading the body. */
static bool stream_begin(struct request *rq) {
  if (!auth_check(rq) || !rq->match.route->on_body_open(rq))
    return false;
  if (body_headers_acceptable(rq))
    return true;
  stream_close(rq);
  return false;
}

static bool body_take(struct request *rq, const char *data, size_t len) {
  const struct route *r = rq->match.route;
  if (r == NULL ||
      !(r->flags & (ROUTE_BODY_JSON | ROUTE_BODY_STREAM | ROUTE_BODY_RAW)))
    return true; /* a body where none is expected is ignored */
  if (r->flags & ROUTE_BODY_STREAM)
    return stream_take(rq, data, len);
  if (!body_buffer(rq, data, len)) {
    reply_too_large(rq);
    return false;
  }
  return true;
}

/* The body of a JSON route: one object, strict UTF-8, no duplicate keys
 * (src/core/json_text.c). */
static bool body_parse(struct request *rq) {
  if (rq->body_len == 0) {
    reply_problem(rq, ERR_INVALID_JSON, "the request needs a JSON body");
    return false;
  }
  struct json_text_fault fault;
  rq->json = json_text_load(rq->body, rq->body_len, &fault);
  if (rq->json == NULL) {
    if (fault.errors != NULL)
      reply_validation_steal(rq, fault.errors);
    else
      reply_problem(rq, ERR_INVALID_JSON, fault.detail);
    return false;
  }
  if (!json_is_object(rq->json)) {
    reply_problem(rq, ERR_INVALID_JSON, "the body must be a JSON object");
    return false;
  }
  return true;
}

static void reply_no_route(struct request *rq) {
  char allow[96];
  router_allow_header(rq->match.allowed, allow, sizeof allow);
  if (rq->match.allowed == 0) {
    reply_problem(rq, ERR_NOT_FOUND, "no resource at this path");
  } else if (rq->method == HTTP_OPTIONS) {
    reply_empty(rq, MHD_HTTP_NO_CONTENT);
    reply_header(rq, MHD_HTTP_HEADER_ALLOW, allow);
    if (rq->allowed_origin != NULL) {
      reply_header(rq, "Access-Control-Allow-Methods", allow);
      reply_header(rq, "Access-Control-Allow-Headers", cors_allow_headers);
      reply_header(rq, "Access-Control-Max-Age", "600");
    }
  } else {
    reply_problem(rq, ERR_METHOD_NOT_ALLOWED,
                  "this path does not accept that method");
    reply_header(rq, MHD_HTTP_HEADER_ALLOW, allow);
  }
}

static void add_common_headers(struct request *rq) {
  reply_header(rq, "X-Request-Id", rq->id);
  read_after_answered(rq);
  if (rq->allowed_origin != NULL) {
    reply_header(rq, "Access-Control-Allow-Origin", rq->allowed_origin);
    reply_header(rq, "Access-Control-Expose-Headers", cors_expose_headers);
  }
  /* With origins configured every answer depends on Origin, the ones made
   * without it too: a browser must not reuse those for a script. */
  if (cfg->cors_origins[0] != '\0')
    reply_header(rq, "Vary", "Origin");
  if (atomic_load(&stopping))
    reply_header(rq, MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result send_reply(struct request *rq) {
  conn_guard_answering(rq->conn);
  if (rq->response == NULL) /* a handler that forgot to answer is a bug */
    reply_problem(rq, ERR_INTERNAL, NULL);
  add_common_headers(rq);
  enum MHD_Result ret = MHD_queue_response(rq->conn, rq->status, rq->response);
  rq->queued = true;
  MHD_destroy_response(rq->response);
  rq->response = NULL;
  return ret;
}

static void dispatch(struct request *rq) {
  conn_guard_answering(rq->conn); /* the handler's time is the server's */
  const struct route *r = rq->match.route;
  if (r == NULL) {
    reply_no_route(rq);
    return;
  }
  if (!(r->flags & ROUTE_BODY_STREAM) && !auth_check(rq))
    return; /* a streaming route was checked before its body */
  /* Opora-LSN concerns reads only: writes run on the primary. */
  if ((rq->method & (HTTP_GET | HTTP_HEAD)) && !read_after_begin(rq))
    return;
  if ((r->flags & ROUTE_BODY_JSON) && !body_parse(rq))
    return;
  r->handler(rq);
}

/* A NUL (%00) in the path or a query value would cut it short unseen
 * ("/schools/1%00" read as school 1): the unescaping notes the connection
 * whose request holds one, and its first call answers 400. The note is the
 * thread's: a connection's request line is unescaped, then handled, by the
 * same pool thread. */
static _Thread_local struct MHD_Connection *nul_seen;

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s) {
  (void)cls;
  for (const char *p = s; (p = strchr(p, '%')) != NULL; p++)
    if (p[1] == '0' && p[2] == '0')
      nul_seen = conn;
  return MHD_http_unescape(s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_size, void **req_cls) {
  (void)version;
  struct request *rq = *req_cls;
  if (rq == NULL) {
    rq = request_begin(conn, url, method, cls != NULL);
    if (rq == NULL) {
      nul_seen = NULL;
      return MHD_NO;
    }
    *req_cls = rq;
    conn_guard_head_done(conn, rq->id);
    if (head_too_large(rq))
      return send_reply(rq); /* 431, and the connection closes */
    if (nul_seen == conn) {
      nul_seen = NULL;
      reply_problem(rq, ERR_BAD_REQUEST,
                    "the path or a query value holds a NUL character (%00)");
      return MHD_YES; /* answered on the next call */
    }
    /* Answering on this first call would make libmicrohttpd close the
     * connection; a route without a body is answered on the next call,
     * which keeps the connection alive. */
    const struct route *r = rq->match.route;
    bool takes_body =
        r != NULL &&
        (r->flags & (ROUTE_BODY_JSON | ROUTE_BODY_STREAM | ROUTE_BODY_RAW));
    if (takes_body && (r->flags & ROUTE_BODY_STREAM))
      return stream_begin(rq) ? MHD_YES : send_reply(rq);
    if (takes_body && !body_headers_acceptable(rq))
      return send_reply(rq); /* 415 or 413 before reading the body */
    return MHD_YES;
  }
  if (*upload_size > 0) {
    /* libmicrohttpd 0.9.75 will not queue a response in the middle of an
     * upload: once the body is refused (413, or a stream consumer said
     * stop), the rest is read and dropped, and the answer goes out on the
     * last call. Reading stays bounded: nothing more is kept, and past
     * drop_limit() the connection is hung up, streamed or not. */
    conn_guard_body_begin(conn, *upload_size);
    if (rq->status == 0)
      (void)body_take(rq, upload_data, *upload_size);
    else if ((rq->body_dropped += *upload_size) > drop_limit())
      return MHD_NO; /* too much to drain for a polite answer: hang up */
    conn_guard_body_end(conn);
    *upload_size = 0;
    return MHD_YES;
  }
  if (rq->queued)
    return MHD_YES;
  if (rq->status != 0)
    return send_reply(rq);
  dispatch(rq);
  return send_reply(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode why) {
  (void)cls;
  struct request *rq = *req_cls;
  conn_guard_request_done(conn); /* the next head's deadline */
  if (rq == NULL)
    return;
  uint64_t duration = clock_ns() - rq->started_ns;
  if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK && rq->status == 0)
    rq->status = conn_guard_was_cut(conn) ? 408  /* too slow: cut */
                                          : 499; /* the client went away */
  log_request(rq, duration);
  size_t route_index = rq->match.route != NULL
                           ? (size_t)(rq->match.route - routes)
                           : routes_count;
  metrics_observe(route_index, rq->status, duration);
  stream_close(rq);
  if (rq->response != NULL)
    MHD_destroy_response(rq->response);
  json_decref(rq->json);
  free(rq->body);
  free(rq);
  *req_cls = NULL;
  atomic_fetch_sub(&in_flight, 1);
}

/* The configured host as a socket address ("localhost", "::1", "0.0.0.0"). */
static int listen_address(const char *host, unsigned short port,
                          struct sockaddr_storage *addr) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE};
  struct addrinfo *found = NULL;
  if (getaddrinfo(host, NULL, &hints, &found) != 0 || !found)
    return -1;
  memcpy(addr, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (addr->ss_family == AF_INET6)
    ((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
  else
    ((struct sockaddr_in *)addr)->sin_port = htons(port);
  return 0;
}

/* The main listener: its connections come from src/conn_guard.c, which
 * accepts them, applies the caps and the deadlines, and hands them over.
 * poll, not epoll: see start_metrics_daemon. Twice the head limit of
 * memory, so that a head over the limit reaches head_too_large. */
static struct MHD_Daemon *start_main_daemon(void) {
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                   MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
  return MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE,
      cfg->threads, MHD_OPTION_CONNECTION_LIMIT, conn_guard_library_limit(cfg),
      MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, 2 * cfg->header_memory,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
      MHD_OPTION_NOTIFY_CONNECTION, conn_guard_notify, NULL,
      MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
}

/* The metrics listener: one thread, few connections, answered by the same
 * request path, accepted by libmicrohttpd itself. */
static struct MHD_Daemon *start_metrics_daemon(void) {
  struct sockaddr_storage addr;
  if (listen_address(cfg->metrics_host, cfg->metrics_port, &addr) != 0) {
    log_msg(LOG_ERROR, "cannot use listen address %s", cfg->metrics_host);
    return NULL;
  }
  /* poll, not epoll: with epoll, MHD_quiesce_daemon (0.9.75) takes the
   * listener out of each pool thread's epoll set while that thread may do
   * the same, and the loser aborts the process ("Failed to remove listen FD
   * from epoll set"); with poll it only signals the threads. */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                   MHD_USE_ITC | MHD_USE_ERROR_LOG;
  if (addr.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  return MHD_start_daemon(
      flags, cfg->metrics_port, NULL, NULL, on_request, &cfg,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
      MHD_OPTION_THREAD_POOL_SIZE, 1u, MHD_OPTION_CONNECTION_LIMIT, 64u,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip,
      MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, 2 * cfg->header_memory,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
      MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
}

/* Stop accepting, let requests in flight finish (bounded), then stop. */
static void drain_and_stop(struct MHD_Daemon *daemon) {
  atomic_store(&stopping, true);
  conn_guard_stop_accepting(); /* new connections are refused from now on */
  uint64_t deadline =
      clock_ns() + (uint64_t)cfg->shutdown_timeout * 1000000000u;
  while (atomic_load(&in_flight) > 0 && clock_ns() < deadline) {
    struct timespec pause = {0, 10 * 1000000};
    nanosleep(&pause, NULL);
  }
  long left = atomic_load(&in_flight);
  if (left > 0)
    log_msg(LOG_WARN, "stopping with %ld requests still in flight", left);
  MHD_stop_daemon(daemon);
  conn_guard_stop();
}

/* The statements' declarations against the schema, when the database can
 * be asked now: a release whose SQL drifted from its declarations refuses
 * to start rather than answer 500 later. A database not reachable or not
 * migrated yet is checked by the first request's statements instead. */
static bool statements_match(void) {
  PGconn *conn = PQconnectdb(cfg->database_url);
  bool ok = true;
  if (PQstatus(conn) == CONNECTION_OK &&
      migrate_pending(conn, migrations, migrations_count) == 0) {
    char err[2048];
    int differ = db_check_statements(conn, err, sizeof err);
    if (differ != 0) {
      log_msg(LOG_ERROR, "statements differ from their declarations: %s", err);
      ok = false;
    }
  }
  PQfinish(conn);
  return ok;
}

/* Tells systemd (Type=notify) the state, with a status line naming the
 * listener. Ready means listening: a database outage after that is answered
 * 503 and shown by /ready, not by the unit's state. */
static void notify_state(const char *state, const char *doing) {
  char text[512];
  snprintf(text, sizeof text, "%s\nSTATUS=%s on %s:%u", state, doing,
           cfg->listen_host, cfg->listen_port);
  sd_notify_send(text);
}

int server_run(const struct config *config) {
  cfg = config;
  if (getrandom(&request_id_seed, sizeof request_id_seed, 0) < 0)
    request_id_seed =
        (unsigned long long)time(NULL) ^ (unsigned long long)getpid();
  db_configure(cfg);
  token_cache_configure(cfg->token_cache_ttl);
  kept_keys_configure(cfg->keep_dashboards != 0);
  doc_cache_configure(cfg->doc_cache_bytes);
  auth_configure(cfg->token_ttl);
  push_configure(cfg->push_statement_timeout_ms, cfg->push_batch_rows,
                 cfg->push_key_bits, cfg->connection_timeout);
  if (!secrets_init()) {
    log_msg(LOG_ERROR, "cannot initialise the random number generator");
    return 1;
  }
  if (!statements_match())
    return 1;
  char tmp_err[1200];
  if (!xlsx_configure(cfg->tmp_dir, tmp_err, sizeof tmp_err)) {
    log_msg(LOG_ERROR, "%s", tmp_err);
    return 1;
  }

  /* Signals are taken by sigwait below, never by a pool thread. */
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, NULL);
  signal(SIGPIPE, SIG_IGN);
  if (!doc_listen_start()) {
    log_msg(LOG_ERROR, "cannot start the document cache's listener");
    return 1;
  }

  if (!conn_guard_listen(cfg)) {
    log_msg(LOG_ERROR, "cannot listen on %s:%u: %s", cfg->listen_host,
            cfg->listen_port, strerror(errno));
    doc_listen_stop();
    return 1;
  }
  struct MHD_Daemon *daemon = start_main_daemon();
  if (daemon == NULL || !conn_guard_start(daemon)) {
    log_msg(LOG_ERROR, "cannot start serving on %s:%u", cfg->listen_host,
            cfg->listen_port);
    if (daemon != NULL)
      MHD_stop_daemon(daemon);
    conn_guard_stop();
    doc_listen_stop();
    return 1;
  }
  struct MHD_Daemon *metrics = NULL;
  if (cfg->metrics_port != 0 && (metrics = start_metrics_daemon()) == NULL) {
    log_msg(LOG_ERROR, "cannot listen on %s:%u for metrics: %s",
            cfg->metrics_host, cfg->metrics_port, strerror(errno));
    drain_and_stop(daemon);
    doc_listen_stop();
    return 1;
  }
  log_msg(LOG_INFO, "opora %s serving on %s:%u with %u threads", OPORA_VERSION,
          cfg->listen_host, cfg->listen_port, cfg->threads);
  if (metrics != NULL)
    log_msg(LOG_INFO, "metrics on %s:%u", cfg->metrics_host, cfg->metrics_port);
  notify_state("READY=1", "serving");
  int sig = 0;
  sigwait(&signals, &sig);
  log_msg(LOG_INFO, "received %s, stopping",
          sig == SIGTERM ? "SIGTERM" : "SIGINT");
  notify_state("STOPPING=1", "stopping: finishing the requests in flight");
  drain_and_stop(daemon);
  if (metrics != NULL)
    MHD_stop_daemon(metrics);
  doc_listen_stop();
  db_close_all();
  log_msg(LOG_INFO, "stopped");
  return 0;
}
