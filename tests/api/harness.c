/* See harness.h. One server and one database per test binary; all state is
 * in the file-level `h`. */
#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RING 32
#define START_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 15000

static struct {
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
} h;

static void reply_fail(const struct http_reply *r, const char *file, int line,
                       const char *why, ...)
    __attribute__((format(printf, 4, 5)));

/* --- small utilities ------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *vfmt(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    die("bad format %s", fmt);
  char *s = malloc((size_t)n + 1);
  if (!s)
    die("out of memory");
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = vfmt(f, ap);
  va_end(ap);
  return s;
}

/* Keeps s (malloc'd) in the ring and returns it. */
static const char *ring_keep(char *s) {
  unsigned i = h.ring_next++ % RING;
  free(h.ring[i]);
  h.ring[i] = s;
  return s;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void print_log_tail(void) {
  if (!h.log_path[0])
    return;
  FILE *f = fopen(h.log_path, "r");
  if (!f)
    return;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  long from = size > 6000 ? size - 6000 : 0;
  fseek(f, from, SEEK_SET);
  fprintf(stderr, "---- server log %s (last %ld bytes) ----\n", h.log_path,
          size - from);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    fwrite(buf, 1, n, stderr);
  fprintf(stderr, "---- end of server log ----\n");
  fclose(f);
}

static void kill_server(void) {
  if (h.server > 0) {
    kill(h.server, SIGKILL);
    waitpid(h.server, NULL, 0);
    h.server = 0;
  }
}

static void die(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  fprintf(stderr, "harness: ");
  vfprintf(stderr, f, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  print_log_tail();
  kill_server();
  exit(1);
}

/* --- databases ------------------------------------------------------------ */

/* The admin URL with its database replaced by `db`. */
static char *url_with_db(const char *url, const char *db) {
  const char *scheme = strstr(url, "://");
  if (!scheme) /* keyword=value conninfo: a later dbname wins */
    return fmt("%s dbname=%s", url, db);
  const char *auth = scheme + 3;
  const char *end = auth + strcspn(auth, "/?");
  const char *rest = end;
  if (*rest == '/')
    rest += strcspn(rest, "?");
  return fmt("%.*s/%s%s", (int)(end - url), url, db, rest);
}

static void quiet_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

static void admin_exec(const char *sql) {
  PGconn *c = PQconnectdb(h.admin_url);
  PQsetNoticeProcessor(c, quiet_notice, NULL);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(stderr, "harness: cannot connect to OPORA_TEST_ADMIN_URL: %s",
            PQerrorMessage(c));
    PQfinish(c);
    die("is PostgreSQL running?");
  }
  PGresult *res = PQexec(c, sql);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
    PQclear(res);
    PQfinish(c);
    die("admin statement failed");
  }
  PQclear(res);
  PQfinish(c);
}

void db_admin_exec(const char *sql_fmt, ...) {
  va_list ap;
  va_start(ap, sql_fmt);
  char *sql = vfmt(sql_fmt, ap);
  va_end(ap);
  admin_exec(sql);
  free(sql);
}

const char *db_name(void) {
  return h.dbname;
}

static PGresult *db_query(const char *sql) {
  if (PQstatus(h.db) != CONNECTION_OK)
    PQreset(h.db);
  PGresult *res = PQexec(h.db, sql);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    print_error("SQL failed: %s\n%s", sql, PQerrorMessage(h.db));
    PQclear(res);
    fail();
  }
  return res;
}

long long db_count(const char *sql_fmt, ...) {
  va_list ap;
  va_start(ap, sql_fmt);
  char *sql = vfmt(sql_fmt, ap);
  va_end(ap);
  PGresult *res = db_query(sql);
  if (PQntuples(res) < 1 || PQnfields(res) < 1 || PQgetisnull(res, 0, 0)) {
    print_error("SQL returned no value: %s\n", sql);
    PQclear(res);
    free(sql);
    fail();
  }
  long long v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  free(sql);
  return v;
}

char *db_text(const char *sql_fmt, ...) {
  va_list ap;
  va_start(ap, sql_fmt);
  char *sql = vfmt(sql_fmt, ap);
  va_end(ap);
  PGresult *res = db_query(sql);
  char *v = strdup(
      PQntuples(res) > 0 && PQnfields(res) > 0 ? PQgetvalue(res, 0, 0) : "");
  PQclear(res);
  free(sql);
  return v;
}

void db_exec(const char *sql_fmt, ...) {
  va_list ap;
  va_start(ap, sql_fmt);
  char *sql = vfmt(sql_fmt, ap);
  va_end(ap);
  PQclear(db_query(sql));
  free(sql);
}

static const char *const api_tables[] = {
    "regions",         "municipalities",  "schools",
    "school_statuses", "school_curators", "school_partnerships",
};

char *db_fingerprint(void) {
  char sql[2048] = "SELECT concat_ws(' | '";
  for (size_t i = 0; i < sizeof api_tables / sizeof api_tables[0]; i++) {
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used,
             ", (SELECT '%s ' || count(*) || ' ' || "
             "coalesce(md5(string_agg(t::text, ',' ORDER BY t.id)), '-') "
             "FROM %s t)",
             api_tables[i], api_tables[i]);
  }
  strcat(sql, ")");
  PGresult *res = db_query(sql);
  char *fp = strdup(PQgetvalue(res, 0, 0));
  PQclear(res);
  return fp;
}

static void fail_at(const char *file, int line) {
  if (h.ctx)
    print_error("  (while checking: %s)\n", h.ctx);
  _fail(file, line);
}

void assert_db_unchanged_at(char *before, const char *file, int line) {
  char *after = db_fingerprint();
  bool same = strcmp(before, after) == 0;
  if (!same)
    print_error("database changed by a rejected request:\n  before: %s\n"
                "  after:  %s\n",
                before, after);
  free(after);
  free(before);
  if (!same)
    fail_at(file, line);
}

/* --- the server process --------------------------------------------------- */

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    die("cannot find a free port: %s", strerror(errno));
  close(fd);
  return ntohs(a.sin_port);
}

/* Starts OPORA_BINARY with args; stdout and stderr go to the log file. */
static pid_t spawn(char *const argv[]) {
  int log = open(h.log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log < 0)
    die("cannot open %s: %s", h.log_path, strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    die("fork: %s", strerror(errno));
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(log, 1);
    dup2(log, 2);
    execv(OPORA_BINARY, argv);
    fprintf(stderr, "exec %s: %s\n", OPORA_BINARY, strerror(errno));
    _exit(127);
  }
  close(log);
  return pid;
}

/* Waits up to timeout_ms; returns the wait status or -1 on timeout. */
static int wait_for(pid_t pid, long timeout_ms) {
  long deadline = now_ms() + timeout_ms;
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    if (r < 0)
      return -1;
    if (now_ms() > deadline)
      return -1;
    sleep_ms(20);
  }
}

static void describe_status(int status, char *buf, size_t len) {
  if (WIFEXITED(status))
    snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
  else
    snprintf(buf, len, "wait status %d", status);
}

static void at_exit(void) {
  if (h.server > 0) {
    fprintf(stderr,
            "harness: exiting with the server still running; "
            "killing it (log: %s)\n",
            h.log_path);
    kill_server();
  }
}

static struct http_reply *perform(const char *method, const char *path,
                                  const char *body, size_t len,
                                  const char *const *headers, bool quiet);

void harness_start(const char *name) {
  const char *admin = getenv("OPORA_TEST_ADMIN_URL");
  if (!admin || !*admin) {
    fprintf(stderr,
            "harness: OPORA_TEST_ADMIN_URL is not set. It must be a libpq URL "
            "of a role that may CREATE DATABASE, e.g.\n"
            "  OPORA_TEST_ADMIN_URL='postgresql://postgres@/"
            "postgres?host=/tmp/pg&port=5432'\n");
    exit(1);
  }
  const char *filter = getenv("OPORA_TEST_FILTER");
  if (filter && *filter)
    cmocka_set_test_filter(filter);

  size_t n = 0;
  for (const char *p = name; *p && n < 20; p++)
    if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
      h.name[n++] = *p;
  h.name[n] = '\0';
  snprintf(h.dbname, sizeof h.dbname, "opora_t_%s_%ld", h.name, (long)getpid());
  snprintf(h.log_path, sizeof h.log_path, "/tmp/opora-api-%s-%ld.log", h.name,
           (long)getpid());
  unlink(h.log_path);
  h.admin_url = strdup(admin);
  h.db_url = url_with_db(admin, h.dbname);
  atexit(at_exit);

  db_admin_exec("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", h.dbname);
  db_admin_exec("CREATE DATABASE \"%s\"", h.dbname);

  setenv("DATABASE_URL", h.db_url, 1);
  setenv("OPORA_CORS_ORIGINS", HARNESS_ORIGIN, 1);
  char max_body[32];
  snprintf(max_body, sizeof max_body, "%d", HARNESS_MAX_BODY);
  setenv("OPORA_MAX_BODY", max_body, 1);

  char *migrate[] = {"opora", "migrate", NULL};
  int st = wait_for(spawn(migrate), 60000);
  if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    die("`opora migrate` failed (DATABASE_URL=%s)", h.db_url);

  h.db = PQconnectdb(h.db_url);
  if (PQstatus(h.db) != CONNECTION_OK)
    die("cannot connect to %s: %s", h.db_url, PQerrorMessage(h.db));
  PQclear(PQexec(h.db, "SET client_min_messages = warning"));

  int port = free_port();
  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  snprintf(h.base, sizeof h.base, "http://127.0.0.1:%d", port);
  char *serve[] = {"opora",     "serve", "--listen", listen,
                   "--threads", "2",     NULL};
  h.server = spawn(serve);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  h.curl = curl_easy_init();
  long deadline = now_ms() + START_TIMEOUT_MS;
  for (;;) {
    int status;
    if (waitpid(h.server, &status, WNOHANG) == h.server) {
      char why[64];
      describe_status(status, why, sizeof why);
      h.server = 0;
      die("the server exited during start-up (%s)", why);
    }
    struct http_reply *r = perform("GET", "/ready", NULL, 0, NULL, true);
    long code = r ? r->status : 0;
    http_reply_free(r);
    if (code == 200)
      break;
    if (now_ms() > deadline)
      die("GET /ready did not answer 200 within %d ms (last status %ld)",
          START_TIMEOUT_MS, code);
    sleep_ms(50);
  }
  use_token(make_token("admin", "global", 0));
}

const char *run_opora(const char *args, int *status) {
  char *cmd = fmt("'%s' %s 2>&1", OPORA_BINARY, args);
  fflush(NULL);
  FILE *p = popen(cmd, "r");
  free(cmd);
  if (p == NULL)
    die("cannot run opora %s", args);
  char *out = calloc(1, 4096);
  size_t n = fread(out, 1, 4095, p);
  out[n] = '\0';
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return ring_keep(out);
}

const char *server_log_path(void) {
  return h.log_path;
}

/* A token the server would issue: "opora_" and 43 base64url characters. */
static void random_token(char out[50]) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char bytes[43];
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes)
    die("cannot read /dev/urandom");
  close(fd);
  memcpy(out, "opora_", 6);
  for (size_t i = 0; i < sizeof bytes; i++)
    out[6 + i] = alphabet[bytes[i] % 64];
  out[49] = '\0';
}

const char *token_for_user(long long user_id) {
  char token[50];
  random_token(token);
  db_exec("INSERT INTO auth_tokens (token_hash, user_id, expires_at)"
          " VALUES (sha256('%s'::bytea), %lld, now() + interval '1 day')",
          token, user_id);
  return ring_keep(fmt("%s", token));
}

long long make_user(const char *role, const char *scope_kind,
                    long long scope_id) {
  const char *login = fmt("t-%s-%u", role, ++h.users_made);
  long long id = db_count(
      "INSERT INTO users (login, full_name, role, scope_kind, region_id,"
      " municipality_id, school_id, password_hash)"
      " SELECT '%s', 'Тестовый пользователь', '%s', '%s',"
      " account_region(jsonb_build_object('kind', '%s', 'id', %lld)),"
      " account_scope_id(jsonb_build_object('kind', '%s', 'id', %lld),"
      "   'municipality'),"
      " account_scope_id(jsonb_build_object('kind', '%s', 'id', %lld),"
      "   'school'), 'not a hash: no password logs in' RETURNING id",
      login, role, scope_kind, scope_kind, scope_id, scope_kind, scope_id,
      scope_kind, scope_id);
  free((char *)login);
  return id;
}

const char *make_token(const char *role, const char *scope_kind,
                       long long scope_id) {
  return token_for_user(make_user(role, scope_kind, scope_id));
}

const char *use_token(const char *token) {
  const char *was = NULL;
  if (h.auth_header[0] != '\0')
    was =
        ring_keep(fmt("%s", h.auth_header + strlen("Authorization: Bearer ")));
  if (token == NULL)
    h.auth_header[0] = '\0';
  else
    snprintf(h.auth_header, sizeof h.auth_header, "Authorization: Bearer %s",
             token);
  return was;
}

/* Stops the server and drops the database; keeps the server log when
 * anything failed. */
static int stop(bool tests_failed) {
  int failed = 0;
  for (unsigned i = 0; i < RING; i++) {
    free(h.ring[i]);
    h.ring[i] = NULL;
  }
  if (h.curl)
    curl_easy_cleanup(h.curl);
  h.curl = NULL;
  curl_global_cleanup();
  PQfinish(h.db);
  h.db = NULL;

  if (h.server > 0 || h.server_reaped) {
    if (h.server > 0 && !h.term_sent)
      kill(h.server, SIGTERM);
    int st =
        h.server > 0 ? wait_for(h.server, STOP_TIMEOUT_MS) : h.server_status;
    if (st == -1) {
      fprintf(stderr,
              "harness: FAIL: the server did not exit within %d ms "
              "of SIGTERM; killed\n",
              STOP_TIMEOUT_MS);
      kill_server();
      failed = 1;
    } else {
      h.server = 0;
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char why[64];
        describe_status(st, why, sizeof why);
        fprintf(stderr,
                "harness: FAIL: the server ended with %s after SIGTERM "
                "(a sanitizer report makes the status non-zero)\n",
                why);
        failed = 1;
      }
    }
  }
  if (failed)
    print_log_tail();
  if (failed || tests_failed)
    fprintf(stderr, "harness: server log kept at %s\n", h.log_path);
  else
    unlink(h.log_path);

  db_admin_exec("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", h.dbname);
  free(h.admin_url);
  free(h.db_url);
  h.admin_url = h.db_url = NULL;
  return failed;
}

int harness_stop(void) {
  return stop(false);
}

int harness_finish(int failed_tests) {
  int stop_failed = stop(failed_tests != 0);
  if (failed_tests != 0 || stop_failed != 0) {
    fflush(NULL);
    _exit(1);
  }
  return 0;
}

/* --- HTTP ------------------------------------------------------------------
 */

static size_t on_body(char *data, size_t size, size_t n, void *userdata) {
  struct http_reply *r = userdata;
  size_t add = size * n;
  char *p = realloc(r->body, r->len + add + 1);
  if (!p)
    return 0;
  memcpy(p + r->len, data, add);
  r->len += add;
  p[r->len] = '\0';
  r->body = p;
  return add;
}

static void clear_headers(struct http_reply *r) {
  for (size_t i = 0; i < r->n_headers; i++) {
    free(r->names[i]);
    free(r->values[i]);
  }
  free(r->names);
  free(r->values);
  r->names = r->values = NULL;
  r->n_headers = 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata) {
  struct http_reply *r = userdata;
  size_t len = size * n;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    clear_headers(r); /* a new response (after 100 Continue) */
    return len;
  }
  const char *colon = memchr(data, ':', len);
  if (!colon)
    return len;
  const char *v = colon + 1, *end = data + len;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  r->names = realloc(r->names, (r->n_headers + 1) * sizeof *r->names);
  r->values = realloc(r->values, (r->n_headers + 1) * sizeof *r->values);
  r->names[r->n_headers] = strndup(data, (size_t)(colon - data));
  r->values[r->n_headers] = strndup(v, (size_t)(end - v));
  r->n_headers++;
  return len;
}

const char *http_header(const struct http_reply *r, const char *name) {
  for (size_t i = 0; r && i < r->n_headers; i++)
    if (strcasecmp(r->names[i], name) == 0)
      return r->values[i];
  return NULL;
}

int header_has_token(const struct http_reply *r, const char *name,
                     const char *token) {
  const char *v = http_header(r, name);
  size_t tlen = strlen(token);
  while (v && *v) {
    v += strspn(v, " ,\t");
    size_t n = strcspn(v, ",");
    size_t m = n;
    while (m > 0 && (v[m - 1] == ' ' || v[m - 1] == '\t'))
      m--;
    if (m == tlen && strncasecmp(v, token, tlen) == 0)
      return 1;
    v += n;
  }
  return 0;
}

static bool has_header(const char *const *headers, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; headers && headers[i]; i++)
    if (strncasecmp(headers[i], name, n) == 0 && headers[i][n] == ':')
      return true;
  return false;
}

static struct http_reply *perform(const char *method, const char *path,
                                  const char *body, size_t len,
                                  const char *const *headers, bool quiet) {
  struct http_reply *r = calloc(1, sizeof *r);
  snprintf(r->method, sizeof r->method, "%s", method);
  r->path = strdup(path);
  char *url = fmt("%s%s", h.base, path);

  CURL *c = h.curl;
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (strcmp(method, "GET") != 0)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  struct curl_slist *hl = NULL;
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (!has_header(headers, "Content-Type"))
      hl = curl_slist_append(hl, "Content-Type: application/json");
  }
  for (size_t i = 0; headers && headers[i]; i++)
    hl = curl_slist_append(hl, headers[i]);
  if (h.auth_header[0] != '\0' && !has_header(headers, "Authorization"))
    hl = curl_slist_append(hl, h.auth_header);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hl);
  free(url);
  if (rc != CURLE_OK) {
    if (!quiet)
      print_error("%s %s: %s\n", method, path, curl_easy_strerror(rc));
    http_reply_free(r);
    if (quiet)
      return NULL;
    fail_at(__FILE__, __LINE__);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  if (!r->body)
    r->body = calloc(1, 1);
  r->content_type = http_header(r, "Content-Type");
  r->etag = http_header(r, "ETag");
  r->location = http_header(r, "Location");
  r->allow = http_header(r, "Allow");
  r->request_id = http_header(r, "X-Request-Id");
  if (r->len > 0 && r->content_type && strstr(r->content_type, "json"))
    r->json = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL);
  return r;
}

struct http_reply *http_request_n(const char *method, const char *path,
                                  const char *body, size_t len,
                                  const char *const *headers) {
  return perform(method, path, body, len, headers, false);
}

struct http_reply *http_request(const char *method, const char *path,
                                const char *body, const char *const *headers) {
  return perform(method, path, body, body ? strlen(body) : 0, headers, false);
}

struct http_reply *http_get(const char *path_fmt, ...) {
  va_list ap;
  va_start(ap, path_fmt);
  char *path = vfmt(path_fmt, ap);
  va_end(ap);
  struct http_reply *r = http_request("GET", path, NULL, NULL);
  free(path);
  return r;
}

struct http_reply *http_post(const char *path, const char *body) {
  return http_request("POST", path, body, NULL);
}

static struct http_reply *with_if_match(const char *method, const char *path,
                                        const char *etag, const char *body) {
  char line[128];
  const char *headers[] = {line, NULL};
  snprintf(line, sizeof line, "If-Match: %s", etag ? etag : "");
  return http_request(method, path, body, etag ? headers : NULL);
}

struct http_reply *http_patch(const char *path, const char *etag,
                              const char *body) {
  return with_if_match("PATCH", path, etag, body);
}

struct http_reply *http_delete(const char *path, const char *etag) {
  return with_if_match("DELETE", path, etag, NULL);
}

void http_reply_free(struct http_reply *r) {
  if (!r)
    return;
  clear_headers(r);
  json_decref(r->json);
  free(r->body);
  free(r->path);
  free(r);
}

/* memmem, which C11 lacks. */
static const char *find_bytes(const char *hay, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(hay + i, needle, n) == 0)
      return hay + i;
  return NULL;
}

int raw_send(const char *request, size_t request_len) {
  int port = atoi(strrchr(h.base, ':') + 1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0)
    return -1;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  struct timeval tv = {20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  /* The caller's token goes after the request line, as for curl. */
  const char *line_end = find_bytes(request, request_len, "\r\n");
  char *with_auth = NULL;
  if (h.auth_header[0] != '\0' && line_end != NULL &&
      find_bytes(request, request_len, "\r\nAuthorization:") == NULL) {
    size_t head = (size_t)(line_end - request) + 2,
           extra = strlen(h.auth_header);
    with_auth = malloc(request_len + extra + 2);
    memcpy(with_auth, request, head);
    memcpy(with_auth + head, h.auth_header, extra);
    memcpy(with_auth + head + extra, "\r\n", 2);
    memcpy(with_auth + head + extra + 2, request + head, request_len - head);
    request = with_auth;
    request_len += extra + 2;
  }
  for (size_t off = 0; off < request_len;) {
    ssize_t n = send(fd, request + off, request_len - off, MSG_NOSIGNAL);
    if (n <= 0)
      break; /* the server may answer early and close */
    off += (size_t)n;
  }
  free(with_auth);
  return fd;
}

char *raw_read(int fd, size_t *len) {
  size_t cap = 4096, used = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (cap - used < 2048)
      buf = realloc(buf, cap *= 2);
    ssize_t n = recv(fd, buf + used, cap - used - 1, 0);
    if (n <= 0)
      break;
    used += (size_t)n;
  }
  close(fd);
  buf[used] = '\0';
  *len = used;
  return buf;
}

char *raw_http(const char *request, size_t request_len, size_t *len) {
  int fd = raw_send(request, request_len);
  if (fd < 0) {
    print_error("raw_http: connect: %s\n", strerror(errno));
    fail();
  }
  return raw_read(fd, len);
}

void server_signal(int sig) {
  if (h.server > 0) {
    kill(h.server, sig);
    if (sig == SIGTERM)
      h.term_sent = true;
  }
}

int server_running(void) {
  int status;
  if (h.server <= 0)
    return 0;
  if (waitpid(h.server, &status, WNOHANG) != h.server)
    return 1;
  h.server = 0;
  h.server_status = status;
  h.server_reaped = true;
  return 0;
}

char *ids_of(const json_t *items) {
  size_t cap = 64, used = 0;
  char *s = calloc(1, cap);
  json_t *item;
  size_t i;
  json_array_foreach(items, i, item) {
    char one[32];
    int n = snprintf(one, sizeof one, "%s%lld", i ? "," : "", jint(item, "id"));
    while (used + (size_t)n + 1 > cap)
      s = realloc(s, cap *= 2);
    memcpy(s + used, one, (size_t)n + 1);
    used += (size_t)n;
  }
  return s;
}

json_t *list_all(const char *path_in, int limit) {
  char *path = strdup(path_in); /* path_in may be a ring buffer */
  json_t *all = json_array();
  char *cursor = NULL;
  const char *sep = strchr(path, '?') ? "&" : "?";
  for (int page = 0;; page++) {
    struct http_reply *r = cursor ? http_get("%s%slimit=%d&cursor=%s", path,
                                             sep, limit, esc(cursor))
                                  : http_get("%s%slimit=%d", path, sep, limit);
    free(cursor);
    cursor = NULL;
    assert_status(r, 200);
    json_t *items = json_object_get(r->json, "items");
    json_t *next = json_object_get(r->json, "next_cursor");
    if (!json_is_array(items) || !(json_is_null(next) || json_is_string(next)))
      reply_fail(r, __FILE__, __LINE__,
                 "expected {items: [...], next_cursor: string|null}");
    if (json_array_size(items) > (size_t)limit)
      reply_fail(r, __FILE__, __LINE__, "page has more than %d items", limit);
    json_t *item;
    size_t i;
    json_array_foreach(items, i, item) {
      json_t *seen;
      size_t j;
      json_array_foreach(all, j, seen) {
        if (jint(seen, "id") == jint(item, "id"))
          reply_fail(r, __FILE__, __LINE__, "id %lld seen on an earlier page",
                     jint(item, "id"));
      }
      json_array_append(all, item);
    }
    if (json_is_string(next) && page > 10000)
      reply_fail(r, __FILE__, __LINE__, "paging does not end");
    if (json_is_string(next)) {
      if (json_array_size(items) == 0)
        reply_fail(r, __FILE__, __LINE__, "empty page with a next_cursor");
      cursor = strdup(json_string_value(next));
    }
    http_reply_free(r);
    if (!cursor) {
      free(path);
      return all;
    }
  }
}

/* --- text helpers ----------------------------------------------------------
 */

const char *J(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = vfmt(f, ap);
  va_end(ap);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  return ring_keep(s);
}

const char *esc(const char *s) {
  char *e = curl_easy_escape(h.curl, s, 0);
  char *copy = strdup(e);
  curl_free(e);
  return ring_keep(copy);
}

const char *uniq(const char *prefix) {
  return ring_keep(fmt("%s-%u", prefix, ++h.uniq_next));
}

long long jint(const json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? json_integer_value(v) : 0;
}

const char *jstr(const json_t *obj, const char *key) {
  return json_string_value(json_object_get(obj, key));
}

/* --- assertions ------------------------------------------------------------
 */

static void print_reply(const struct http_reply *r) {
  print_error("  %s %s -> %ld %s\n  X-Request-Id: %s\n  body: %.*s%s\n",
              r->method, r->path, r->status,
              r->content_type ? r->content_type : "(no content type)",
              r->request_id ? r->request_id : "(none)",
              (int)(r->len > 1500 ? 1500 : r->len), r->body,
              r->len > 1500 ? "..." : "");
}

static void reply_fail(const struct http_reply *r, const char *file, int line,
                       const char *why, ...) {
  va_list ap;
  va_start(ap, why);
  char *msg = vfmt(why, ap);
  va_end(ap);
  print_error("%s\n", msg);
  free(msg);
  print_reply(r);
  fail_at(file, line);
}

void assert_status_at(const struct http_reply *r, long status, const char *file,
                      int line) {
  if (r->status != status)
    reply_fail(r, file, line, "expected status %ld, got %ld", status,
               r->status);
}

void assert_problem_at(const struct http_reply *r, long status,
                       const char *code, const char *file, int line) {
  assert_status_at(r, status, file, line);
  if (!r->content_type ||
      strncmp(r->content_type, "application/problem+json", 24) != 0)
    reply_fail(r, file, line, "expected Content-Type application/problem+json");
  if (!json_is_object(r->json))
    reply_fail(r, file, line, "problem body is not a JSON object");
  const char *got = jstr(r->json, "code");
  if (!got || strcmp(got, code) != 0)
    reply_fail(r, file, line, "expected problem code %s, got %s", code,
               got ? got : "(none)");
  char type[128];
  snprintf(type, sizeof type, "urn:opora:problem:%s", code);
  const char *t = jstr(r->json, "type");
  if (!t || strcmp(t, type) != 0)
    reply_fail(r, file, line, "expected type %s", type);
  if (jint(r->json, "status") != status)
    reply_fail(r, file, line, "problem status member is not %ld", status);
  if (!jstr(r->json, "title") || !jstr(r->json, "detail"))
    reply_fail(r, file, line, "problem lacks title or detail");
  const char *rid = jstr(r->json, "request_id");
  if (!rid || !r->request_id || strcmp(rid, r->request_id) != 0)
    reply_fail(r, file, line,
               "problem request_id differs from the X-Request-Id header");
}

static bool has_error_path(const struct http_reply *r, const char *path) {
  json_t *errors = json_object_get(r->json, "errors"), *e;
  size_t i;
  json_array_foreach(errors, i, e) {
    const char *p = jstr(e, "path");
    if (p && strcmp(p, path) == 0)
      return true;
  }
  return false;
}

void assert_error_path_at(const struct http_reply *r, const char *path,
                          const char *file, int line) {
  if (!has_error_path(r, path))
    reply_fail(r, file, line, "expected an error with path %s", path);
}

void assert_error_count_at(const struct http_reply *r, size_t n,
                           const char *file, int line) {
  json_t *errors = json_object_get(r->json, "errors");
  if (!json_is_array(errors) || json_array_size(errors) != n)
    reply_fail(r, file, line, "expected %zu errors", n);
  json_t *e;
  size_t i;
  json_array_foreach(errors, i, e) {
    if (!jstr(e, "path") || !jstr(e, "message"))
      reply_fail(r, file, line, "errors[%zu] lacks path or message", i);
  }
}

/* The validation problem must name exactly the n paths. */
static void assert_paths(const struct http_reply *r, const char *const *paths,
                         size_t n, const char *file, int line) {
  assert_problem_at(r, 400, "validation_failed", file, line);
  for (size_t i = 0; i < n; i++)
    assert_error_path_at(r, paths[i], file, line);
  assert_error_count_at(r, n, file, line);
}

void assert_validation_at(const struct http_reply *r, const char *file,
                          int line, ...) {
  const char *paths[32];
  size_t n = 0;
  va_list ap;
  va_start(ap, line);
  for (const char *p; n < 32 && (p = va_arg(ap, const char *)) != NULL;)
    paths[n++] = p;
  va_end(ap);
  assert_paths(r, paths, n, file, line);
}

void assert_json_int_at(const json_t *obj, const char *key, long long want,
                        const char *file, int line) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_integer(v) || json_integer_value(v) != want) {
    char *dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    print_error("expected %s = %lld in %s\n", key, want,
                dump ? dump : "(null)");
    free(dump);
    fail_at(file, line);
  }
}

void assert_json_str_at(const json_t *obj, const char *key, const char *want,
                        const char *file, int line) {
  const char *v = jstr(obj, key);
  if (!v || strcmp(v, want) != 0) {
    char *dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    print_error("expected %s = \"%s\" in %s\n", key, want,
                dump ? dump : "(null)");
    free(dump);
    fail_at(file, line);
  }
}

void assert_json_null_at(const json_t *obj, const char *key, const char *file,
                         int line) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_null(v)) {
    char *dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    print_error("expected %s = null (present) in %s\n", key,
                dump ? dump : "(null)");
    free(dump);
    fail_at(file, line);
  }
}

/* --- fixtures --------------------------------------------------------------
 */

long long api_create(const char *path, const char *body) {
  struct http_reply *r = http_post(path, body);
  assert_status(r, 201);
  long long id = jint(r->json, "id");
  if (id <= 0)
    reply_fail(r, __FILE__, __LINE__, "created resource has no id");
  char *tail = fmt("/%lld", id);
  size_t lt = strlen(tail), ll = r->location ? strlen(r->location) : 0;
  if (ll < lt || strcmp(r->location + ll - lt, tail) != 0)
    reply_fail(r, __FILE__, __LINE__, "Location does not end with %s", tail);
  free(tail);
  if (!r->etag || strcmp(r->etag, "\"1\"") != 0)
    reply_fail(r, __FILE__, __LINE__, "expected ETag \"1\"");
  http_reply_free(r);
  return id;
}

long long create_region(const char *code, const char *name) {
  return api_create("/api/v1/regions",
                    J("{'code':'%s','name':'%s'}", code, name));
}

long long create_municipality(long long region_id, const char *code,
                              const char *name) {
  return api_create(
      "/api/v1/municipalities",
      J("{'region_id':%lld,'code':'%s','name':'%s'}", region_id, code, name));
}

long long create_school(long long municipality_id, const char *code,
                        const char *short_name) {
  return api_create("/api/v1/schools",
                    J("{'municipality_id':%lld,'code':'%s','full_name':'%s',"
                      "'short_name':'%s','type':'SOSH','locality':'RURAL'}",
                      municipality_id, code ? code : uniq("school"), short_name,
                      short_name));
}

long long create_status(long long school_id, const char *category, int year) {
  char path[64];
  snprintf(path, sizeof path, "/api/v1/schools/%lld/statuses", school_id);
  return api_create(path, J("{'category':'%s','school_year':%d,"
                            "'basis':'приказ № 653-осн от 30.12.2020',"
                            "'included_on':'%d-09-01'}",
                            category, year, year));
}

struct territory kovrov(void) {
  static struct territory t;
  if (!t.region_id) {
    t.region_id = create_region("33", "Владимирская область");
    t.municipality_id =
        create_municipality(t.region_id, "33-kovrov", "Ковровский район");
  }
  return t;
}

char *etag_of(const char *path) {
  struct http_reply *r = http_get("%s", path);
  assert_status(r, 200);
  if (!r->etag)
    reply_fail(r, __FILE__, __LINE__, "no ETag");
  char *e = strdup(r->etag);
  http_reply_free(r);
  return e;
}

/* --- shared checks ---------------------------------------------------------
 */

static const char *const *if_match_headers(const char *etag, char *line,
                                           size_t len, const char **list) {
  snprintf(line, len, "If-Match: %s", etag ? etag : "");
  list[0] = etag ? line : NULL;
  list[1] = NULL;
  return list;
}

static void expect_problem(const char *ctx, const char *method,
                           const char *path, const char *body, size_t len,
                           const char *const *headers, long status,
                           const char *code, const char *file, int line) {
  h.ctx = ctx;
  char *before = db_fingerprint();
  struct http_reply *r = http_request_n(method, path, body, len, headers);
  assert_problem_at(r, status, code, file, line);
  http_reply_free(r);
  assert_db_unchanged_at(before, file, line);
  h.ctx = NULL;
}

/* A copy of the JSON object text `obj` with `member` ("\"k\":v,") inserted
 * after its opening brace. */
static char *insert_member(const char *obj, const char *member) {
  const char *brace = strchr(obj, '{');
  return fmt("%.*s%s%s", (int)(brace - obj + 1), obj, member, brace + 1);
}

void check_bad_bodies_at(const char *method, const char *path, const char *etag,
                         const char *valid_body, const char *const *required,
                         const char *file, int line) {
  char im[128];
  const char *list[2];
  const char *const *hdr = if_match_headers(etag, im, sizeof im, list);
  json_t *valid = json_loads(valid_body, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(valid) || json_object_size(valid) == 0) {
    print_error("check_bad_bodies: valid_body is not a non-empty object\n");
    _fail(file, line);
  }
  size_t vlen = strlen(valid_body);

  /* Body shape: 400 invalid_json. */
  expect_problem("truncated JSON", method, path, valid_body, vlen - 1, hdr, 400,
                 "invalid_json", file, line);
  char *array = fmt("[%s]", valid_body);
  expect_problem("top-level array", method, path, array, strlen(array), hdr,
                 400, "invalid_json", file, line);
  free(array);
  static const char *const scalars[] = {
      "\"text\"", "42", "null", "true", "{\"a\":1} {\"b\":2}", "{\"a\":1,}"};
  for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
    expect_problem(scalars[i], method, path, scalars[i], strlen(scalars[i]),
                   hdr, 400, "invalid_json", file, line);
  expect_problem("empty body", method, path, "", 0, hdr, 400, "invalid_json",
                 file, line);

  static const char *const bad_utf8[] = {
      "\"zz\":\"ab\xff\",",           /* not UTF-8 at all */
      "\"zz\":\"\xC3\x28\",",         /* bad continuation byte */
      "\"zz\":\"\xC0\xAF\",",         /* overlong '/' */
      "\"zz\":\"\xED\xA0\x80\",",     /* UTF-16 surrogate */
      "\"zz\":\"\xF4\x90\x80\x80\",", /* beyond U+10FFFF */
      "\"\xD0\":\"truncated key\",",  /* cut multi-byte sequence */
  };
  for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
    char *b = insert_member(valid_body, bad_utf8[i]);
    expect_problem("invalid UTF-8", method, path, b, strlen(b), hdr, 400,
                   "invalid_json", file, line);
    free(b);
  }

  const char *first_key = json_object_iter_key(json_object_iter(valid));
  char *first_val =
      json_dumps(json_object_get(valid, first_key), JSON_ENCODE_ANY);
  char *dup_member = fmt("\"%s\":%s,", first_key, first_val);
  char *dup = insert_member(valid_body, dup_member);
  expect_problem("duplicate key", method, path, dup, strlen(dup), hdr, 400,
                 "invalid_json", file, line);
  free(dup);
  free(dup_member);
  free(first_val);

  /* Media type: 415. */
  static const char *const types[] = {
      "Content-Type: text/plain", "Content-Type: application/xml",
      "Content-Type: application/x-www-form-urlencoded", "Content-Type:"};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    const char *th[] = {types[i], etag ? im : NULL, NULL};
    expect_problem(types[i], method, path, valid_body, vlen, th, 415,
                   "unsupported_media_type", file, line);
  }

  /* Fields: 400 validation_failed naming each bad field. */
  char *before = db_fingerprint();
  h.ctx = "unknown field";
  char *unknown = insert_member(valid_body, "\"zz_unknown\":1,");
  struct http_reply *r = http_request(method, path, unknown, hdr);
  assert_validation_at(r, file, line, "$.zz_unknown", (const char *)0);
  http_reply_free(r);
  free(unknown);

  h.ctx = "a wrong type for every field at once";
  json_t *wrong = json_object();
  const char *paths[64];
  char *owned[64];
  size_t n = 0;
  const char *key;
  json_t *value;
  json_object_foreach(valid, key, value) {
    json_t *bad;
    if (json_is_string(value))
      bad = json_integer(12345);
    else if (json_is_null(value))
      continue;
    else if (json_is_array(value) || json_is_object(value))
      bad = json_string("x");
    else
      bad = json_string("12"); /* numbers and booleans */
    json_object_set_new(wrong, key, bad);
    if (n < 64) {
      owned[n] = fmt("$.%s", key);
      paths[n] = owned[n];
      n++;
    }
  }
  char *wrong_text = json_dumps(wrong, JSON_COMPACT);
  r = http_request(method, path, wrong_text, hdr);
  assert_paths(r, paths, n, file, line);
  http_reply_free(r);
  free(wrong_text);
  json_decref(wrong);
  for (size_t i = 0; i < n; i++)
    free(owned[i]);

  h.ctx = "empty object";
  r = http_request(method, path, "{}", hdr);
  if (required) {
    n = 0;
    for (size_t i = 0; required[i] && n < 64; i++) {
      owned[n] = fmt("$.%s", required[i]);
      paths[n] = owned[n];
      n++;
    }
    assert_paths(r, paths, n, file, line);
    for (size_t i = 0; i < n; i++)
      free(owned[i]);
  } else {
    assert_problem_at(r, 400, "validation_failed", file, line);
  }
  http_reply_free(r);
  assert_db_unchanged_at(before, file, line);
  json_decref(valid);
  h.ctx = NULL;
}

void check_bad_ids_at(const char *method, const char *path_fmt,
                      const char *param, const char *etag, const char *body,
                      const char *file, int line) {
  static const char *const bad[] = {"abc", "0",     "-1",
                                    "1.5", "12abc", "99999999999999999999"};
  char im[128];
  const char *list[2];
  const char *const *hdr = if_match_headers(etag, im, sizeof im, list);
  char *want = fmt("path.%s", param);
  char *before = db_fingerprint();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    h.ctx = bad[i];
    char *path = fmt(path_fmt, bad[i]);
    struct http_reply *r = http_request(method, path, body, hdr);
    assert_problem_at(r, 400, "validation_failed", file, line);
    assert_error_path_at(r, want, file, line);
    http_reply_free(r);
    free(path);
  }
  h.ctx = "999999";
  char *path = fmt(path_fmt, "999999");
  struct http_reply *r = http_request(method, path, body, hdr);
  assert_problem_at(r, 404, "not_found", file, line);
  http_reply_free(r);
  free(path);
  free(want);
  assert_db_unchanged_at(before, file, line);
  h.ctx = NULL;
}

void check_if_match_at(const char *method, const char *path, const char *body,
                       const char *file, int line) {
  size_t len = body ? strlen(body) : 0;
  expect_problem("no If-Match", method, path, body, len, NULL, 428,
                 "precondition_required", file, line);
  const char *stale[] = {"If-Match: \"999999\"", NULL};
  expect_problem("stale If-Match", method, path, body, len, stale, 412,
                 "precondition_failed", file, line);
  const char *star[] = {"If-Match: *", NULL};
  expect_problem("If-Match: *", method, path, body, len, star, 412,
                 "precondition_failed", file, line);
}
