/* See harness.h. One server and one database per test binary; all state is
 * in `harness_state` (harness_internal.h). This file: small utilities, the
 * databases and the server process; harness_http.c: HTTP and text helpers;
 * harness_checks.c: assertions, fixtures and the shared checks. */
#include "harness_internal.h"

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

#define START_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 15000

struct harness_state harness_state;

/* --- small utilities ------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

char *harness_vfmt(const char *fmt, va_list ap) {
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

char *harness_fmt(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = harness_vfmt(f, ap);
  va_end(ap);
  return s;
}

/* Keeps s (malloc'd) in the ring and returns it. */
const char *harness_ring_keep(char *s) {
  unsigned i = harness_state.ring_next++ % RING;
  free(harness_state.ring[i]);
  harness_state.ring[i] = s;
  return s;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void print_log_tail(void) {
  if (!harness_state.log_path[0])
    return;
  FILE *f = fopen(harness_state.log_path, "r");
  if (!f)
    return;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  long from = size > 6000 ? size - 6000 : 0;
  fseek(f, from, SEEK_SET);
  fprintf(stderr, "---- server log %s (last %ld bytes) ----\n",
          harness_state.log_path, size - from);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    fwrite(buf, 1, n, stderr);
  fprintf(stderr, "---- end of server log ----\n");
  fclose(f);
}

static void kill_server(void) {
  if (harness_state.server > 0) {
    kill(harness_state.server, SIGKILL);
    waitpid(harness_state.server, NULL, 0);
    harness_state.server = 0;
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
    return harness_fmt("%s dbname=%s", url, db);
  const char *auth = scheme + 3;
  const char *end = auth + strcspn(auth, "/?");
  const char *rest = end;
  if (*rest == '/')
    rest += strcspn(rest, "?");
  return harness_fmt("%.*s/%s%s", (int)(end - url), url, db, rest);
}

static void quiet_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

static void admin_exec(const char *sql) {
  PGconn *c = PQconnectdb(harness_state.admin_url);
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
  char *sql = harness_vfmt(sql_fmt, ap);
  va_end(ap);
  admin_exec(sql);
  free(sql);
}

const char *db_name(void) {
  return harness_state.dbname;
}

static PGresult *db_query(const char *sql) {
  if (PQstatus(harness_state.db) != CONNECTION_OK)
    PQreset(harness_state.db);
  PGresult *res = PQexec(harness_state.db, sql);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    print_error("SQL failed: %s\n%s", sql, PQerrorMessage(harness_state.db));
    PQclear(res);
    fail();
  }
  return res;
}

long long db_count(const char *sql_fmt, ...) {
  va_list ap;
  va_start(ap, sql_fmt);
  char *sql = harness_vfmt(sql_fmt, ap);
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
  char *sql = harness_vfmt(sql_fmt, ap);
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
  char *sql = harness_vfmt(sql_fmt, ap);
  va_end(ap);
  PQclear(db_query(sql));
  free(sql);
}

static const char *const api_tables[] = {
    "regions",         "municipalities",  "schools",
    "school_statuses", "school_curators", "school_partnerships",
    "roadmaps",        "roadmap_items",   "roadmap_item_reports",
};

void file_write(const char *path, const char *bytes, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

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

void harness_fail_at(const char *file, int line) {
  if (harness_state.ctx)
    print_error("  (while checking: %s)\n", harness_state.ctx);
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
    harness_fail_at(file, line);
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
  int log = open(harness_state.log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log < 0)
    die("cannot open %s: %s", harness_state.log_path, strerror(errno));
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
    pause_ms(20);
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
  if (harness_state.server > 0) {
    fprintf(stderr,
            "harness: exiting with the server still running; "
            "killing it (log: %s)\n",
            harness_state.log_path);
    kill_server();
  }
}

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
      harness_state.name[n++] = *p;
  harness_state.name[n] = '\0';
  snprintf(harness_state.dbname, sizeof harness_state.dbname, "opora_t_%s_%ld",
           harness_state.name, (long)getpid());
  snprintf(harness_state.log_path, sizeof harness_state.log_path,
           "/tmp/opora-api-%s-%ld.log", harness_state.name, (long)getpid());
  unlink(harness_state.log_path);
  harness_state.admin_url = strdup(admin);
  harness_state.db_url = url_with_db(admin, harness_state.dbname);
  atexit(at_exit);

  db_admin_exec("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)",
                harness_state.dbname);
  db_admin_exec("CREATE DATABASE \"%s\"", harness_state.dbname);

  setenv("DATABASE_URL", harness_state.db_url, 1);
  setenv("OPORA_CORS_ORIGINS", HARNESS_ORIGIN, 1);
  char max_body[32];
  snprintf(max_body, sizeof max_body, "%d", HARNESS_MAX_BODY);
  setenv("OPORA_MAX_BODY", max_body, 1);

  char *migrate[] = {"opora", "migrate", NULL};
  int st = wait_for(spawn(migrate), 60000);
  if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    die("`opora migrate` failed (DATABASE_URL=%s)", harness_state.db_url);

  harness_state.db = PQconnectdb(harness_state.db_url);
  if (PQstatus(harness_state.db) != CONNECTION_OK)
    die("cannot connect to %s: %s", harness_state.db_url,
        PQerrorMessage(harness_state.db));
  PQclear(PQexec(harness_state.db, "SET client_min_messages = warning"));

  int port = free_port();
  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  snprintf(harness_state.base, sizeof harness_state.base, "http://127.0.0.1:%d",
           port);
  char *serve[] = {"opora",     "serve", "--listen", listen,
                   "--threads", "2",     NULL};
  harness_state.server = spawn(serve);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  harness_state.curl = curl_easy_init();
  long deadline = now_ms() + START_TIMEOUT_MS;
  for (;;) {
    int status;
    if (waitpid(harness_state.server, &status, WNOHANG) ==
        harness_state.server) {
      char why[64];
      describe_status(status, why, sizeof why);
      harness_state.server = 0;
      die("the server exited during start-up (%s)", why);
    }
    struct http_reply *r =
        harness_perform("GET", "/ready", NULL, 0, NULL, true);
    long code = r ? r->status : 0;
    http_reply_free(r);
    if (code == 200)
      break;
    if (now_ms() > deadline)
      die("GET /ready did not answer 200 within %d ms (last status %ld)",
          START_TIMEOUT_MS, code);
    pause_ms(50);
  }
  use_token(make_token("admin", "global", 0));
}

const char *run_opora(const char *args, int *status) {
  char *cmd = harness_fmt("'%s' %s 2>&1", OPORA_BINARY, args);
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
  return harness_ring_keep(out);
}

const char *server_log_path(void) {
  return harness_state.log_path;
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
  return harness_ring_keep(harness_fmt("%s", token));
}

long long make_user(const char *role, const char *scope_kind,
                    long long scope_id) {
  const char *login = harness_fmt("t-%s-%u", role, ++harness_state.users_made);
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
  if (harness_state.auth_header[0] != '\0')
    was = harness_ring_keep(harness_fmt(
        "%s", harness_state.auth_header + strlen("Authorization: Bearer ")));
  if (token == NULL)
    harness_state.auth_header[0] = '\0';
  else
    snprintf(harness_state.auth_header, sizeof harness_state.auth_header,
             "Authorization: Bearer %s", token);
  return was;
}

/* Stops the server and drops the database; keeps the server log when
 * anything failed. */
static int stop(bool tests_failed) {
  int failed = 0;
  for (unsigned i = 0; i < RING; i++) {
    free(harness_state.ring[i]);
    harness_state.ring[i] = NULL;
  }
  if (harness_state.curl)
    curl_easy_cleanup(harness_state.curl);
  harness_state.curl = NULL;
  curl_global_cleanup();
  PQfinish(harness_state.db);
  harness_state.db = NULL;

  if (harness_state.server > 0 || harness_state.server_reaped) {
    if (harness_state.server > 0 && !harness_state.term_sent)
      kill(harness_state.server, SIGTERM);
    int st = harness_state.server > 0
                 ? wait_for(harness_state.server, STOP_TIMEOUT_MS)
                 : harness_state.server_status;
    if (st == -1) {
      fprintf(stderr,
              "harness: FAIL: the server did not exit within %d ms "
              "of SIGTERM; killed\n",
              STOP_TIMEOUT_MS);
      kill_server();
      failed = 1;
    } else {
      harness_state.server = 0;
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
    fprintf(stderr, "harness: server log kept at %s\n", harness_state.log_path);
  else
    unlink(harness_state.log_path);

  db_admin_exec("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)",
                harness_state.dbname);
  free(harness_state.admin_url);
  free(harness_state.db_url);
  harness_state.admin_url = harness_state.db_url = NULL;
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

/* --- more servers on the same database ------------------------------------ */

#define MAX_SECOND 4
static struct {
  int port;
  pid_t pid;
} seconds[MAX_SECOND];

int use_server(int port) {
  int previous = server_port();
  snprintf(harness_state.base, sizeof harness_state.base, "http://127.0.0.1:%d",
           port);
  return previous;
}

int second_server_start(const char *const *env) {
  size_t slot = 0;
  while (slot < MAX_SECOND && seconds[slot].pid != 0)
    slot++;
  if (slot == MAX_SECOND)
    die("more than %d second servers", MAX_SECOND);
  int port = free_port();
  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  char *serve[] = {"opora",     "serve", "--listen", listen,
                   "--threads", "2",     NULL};
  char names[8][64];
  size_t n_env = 0;
  for (; env != NULL && env[n_env] != NULL && n_env < 8; n_env++) {
    size_t eq = strcspn(env[n_env], "=");
    snprintf(names[n_env], sizeof names[n_env], "%.*s", (int)eq, env[n_env]);
    setenv(names[n_env], env[n_env] + eq + (env[n_env][eq] ? 1 : 0), 1);
  }
  pid_t pid = spawn(serve);
  for (size_t i = 0; i < n_env; i++)
    unsetenv(names[i]);
  seconds[slot].port = port;
  seconds[slot].pid = pid;
  int first = use_server(port);
  long deadline = now_ms() + START_TIMEOUT_MS;
  for (long code = 0; code != 200;) {
    if (now_ms() > deadline)
      die("the second server did not get ready on port %d", port);
    pause_ms(50);
    struct http_reply *r =
        harness_perform("GET", "/ready", NULL, 0, NULL, true);
    code = r ? r->status : 0;
    http_reply_free(r);
  }
  use_server(first);
  return port;
}

void second_server_stop(int port) {
  for (size_t i = 0; i < MAX_SECOND; i++) {
    if (seconds[i].port != port || seconds[i].pid == 0)
      continue;
    kill(seconds[i].pid, SIGTERM);
    int st = wait_for(seconds[i].pid, STOP_TIMEOUT_MS);
    seconds[i].pid = 0;
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "harness: the second server on port %d ended badly\n",
              port);
      print_log_tail();
      fail();
    }
  }
}
