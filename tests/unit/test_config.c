/* Settings: defaults, environment, flags over environment, and a one-line
 * error naming the setting for every bad value. The environment is a fake
 * table, not the process environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "xlsx_out.h"

static const char *fake_env[32][2];

static void env_clear(void) {
  memset(fake_env, 0, sizeof fake_env);
}

static void env_set(const char *name, const char *value) {
  for (size_t i = 0; i < 32; i++)
    if (!fake_env[i][0] || strcmp(fake_env[i][0], name) == 0) {
      fake_env[i][0] = name;
      fake_env[i][1] = value;
      return;
    }
  fail();
}

static const char *env_get(const char *name) {
  for (size_t i = 0; i < 32 && fake_env[i][0]; i++)
    if (strcmp(fake_env[i][0], name) == 0)
      return fake_env[i][1];
  return NULL;
}

static int setup(void **state) {
  (void)state;
  env_clear();
  return 0;
}

/* Loads with argv (NULL-terminated) over the fake environment. */
static int load(struct config *cfg, char *err, const char *const *argv) {
  int argc = 0;
  while (argv && argv[argc])
    argc++;
  config_defaults(cfg);
  err[0] = '\0';
  return config_load(cfg, argc, (char **)argv, env_get, err, 256);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Asserts that loading fails with exactly `expected`. */
static void expect_error(const char *const *argv, const char *expected) {
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, argv), -1);
  assert_string_equal(err, expected);
  assert_null(strchr(err, '\n'));
}

static void test_defaults(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, NULL), 0);
  assert_string_equal(cfg.database_url, "postgresql:///opora");
  assert_string_equal(cfg.listen_host, "127.0.0.1");
  assert_int_equal(cfg.listen_port, 8080);
  assert_in_range(cfg.threads, 1, 256);
  assert_int_equal(cfg.max_body, 1024 * 1024);
  assert_int_equal(cfg.max_push_body, 2048ull * 1024 * 1024);
  assert_int_equal(cfg.log_level, LOG_INFO);
  assert_string_equal(cfg.cors_origins, "");
  assert_int_equal(cfg.max_connections, 1024);
  assert_int_equal(cfg.max_connections_per_ip, 256);
  assert_int_equal(cfg.connection_timeout, 30);
  assert_int_equal(cfg.header_timeout, 10);
  assert_int_equal(cfg.min_upload_rate, 1024);
  assert_int_equal(cfg.min_upload_window, 10);
  assert_int_equal(cfg.header_memory, 32 * 1024);
  assert_int_equal(cfg.statement_timeout_ms, 5000);
  assert_int_equal(cfg.push_statement_timeout_ms, 60000);
  assert_int_equal(cfg.push_batch_rows, 50000);
  assert_int_equal(cfg.shutdown_timeout, 10);
  assert_false(config_origin_allowed(&cfg, "https://a.ru"));
}

static void test_env(void **state) {
  (void)state;
  env_set("DATABASE_URL", "postgresql://u:p@db/opora");
  env_set("OPORA_LISTEN", "0.0.0.0:9000");
  env_set("OPORA_THREADS", "16");
  env_set("OPORA_MAX_BODY", "2M");
  env_set("OPORA_LOG_LEVEL", "debug");
  env_set("OPORA_CORS_ORIGINS", "https://app.example.ru");
  env_set("OPORA_MAX_CONNECTIONS", "100000");
  env_set("OPORA_MAX_CONNECTIONS_PER_IP", "0");
  env_set("OPORA_CONNECTION_TIMEOUT", "3600");
  env_set("OPORA_HEADER_MEMORY", "4k");
  env_set("OPORA_HEADER_TIMEOUT", "600");
  env_set("OPORA_MIN_UPLOAD_RATE", "0");
  env_set("OPORA_MIN_UPLOAD_WINDOW", "3600");
  env_set("OPORA_STATEMENT_TIMEOUT", "0");
  env_set("OPORA_PUSH_STATEMENT_TIMEOUT", "3600000");
  env_set("OPORA_PUSH_BATCH_ROWS", "1");
  env_set("OPORA_SHUTDOWN_TIMEOUT", "600");
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, NULL), 0);
  assert_string_equal(cfg.database_url, "postgresql://u:p@db/opora");
  assert_string_equal(cfg.listen_host, "0.0.0.0");
  assert_int_equal(cfg.listen_port, 9000);
  assert_int_equal(cfg.threads, 16);
  assert_int_equal(cfg.max_body, 2 * 1024 * 1024);
  assert_int_equal(cfg.log_level, LOG_DEBUG);
  assert_string_equal(cfg.cors_origins, "https://app.example.ru");
  assert_int_equal(cfg.max_connections, 100000);
  assert_int_equal(cfg.max_connections_per_ip, 0);
  assert_int_equal(cfg.connection_timeout, 3600);
  assert_int_equal(cfg.header_memory, 4096);
  assert_int_equal(cfg.header_timeout, 600);
  assert_int_equal(cfg.min_upload_rate, 0);
  assert_int_equal(cfg.min_upload_window, 3600);
  assert_int_equal(cfg.statement_timeout_ms, 0);
  assert_int_equal(cfg.push_statement_timeout_ms, 3600000);
  assert_int_equal(cfg.push_batch_rows, 1);
  assert_int_equal(cfg.shutdown_timeout, 600);
}

static void test_empty_env_is_unset(void **state) {
  (void)state;
  env_set("OPORA_THREADS", "");
  env_set("DATABASE_URL", "");
  env_set("OPORA_LISTEN", "");
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, NULL), 0);
  assert_string_equal(cfg.database_url, "postgresql:///opora");
  assert_int_equal(cfg.listen_port, 8080);
}

static void test_flags(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(
      load(&cfg, err,
           ARGS("--database-url", "postgresql:///x", "--listen", "[::1]:8443",
                "--threads=3", "--max-body", "64k", "--log-level=WARN",
                "--cors-origins", "*", "--max-connections=10",
                "--max-connections-per-ip", "5", "--connection-timeout=1",
                "--header-memory=1M", "--statement-timeout", "600000",
                "--shutdown-timeout=0", "--header-timeout=1",
                "--min-upload-rate", "2k", "--min-upload-window=1")),
      0);
  assert_string_equal(cfg.database_url, "postgresql:///x");
  assert_string_equal(cfg.listen_host, "::1");
  assert_int_equal(cfg.listen_port, 8443);
  assert_int_equal(cfg.threads, 3);
  assert_int_equal(cfg.max_body, 64 * 1024);
  assert_int_equal(cfg.log_level, LOG_WARN);
  assert_string_equal(cfg.cors_origins, "*");
  assert_int_equal(cfg.max_connections, 10);
  assert_int_equal(cfg.max_connections_per_ip, 5);
  assert_int_equal(cfg.connection_timeout, 1);
  assert_int_equal(cfg.header_memory, 1024 * 1024);
  assert_int_equal(cfg.header_timeout, 1);
  assert_int_equal(cfg.min_upload_rate, 2048);
  assert_int_equal(cfg.min_upload_window, 1);
  assert_int_equal(cfg.statement_timeout_ms, 600000);
  assert_int_equal(cfg.shutdown_timeout, 0);
}

static void test_flag_overrides_env(void **state) {
  (void)state;
  env_set("OPORA_THREADS", "8");
  env_set("OPORA_LISTEN", "10.0.0.1:80");
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, ARGS("--threads", "2")), 0);
  assert_int_equal(cfg.threads, 2);
  assert_string_equal(cfg.listen_host, "10.0.0.1"); /* env still applies */
  assert_int_equal(cfg.listen_port, 80);
  /* A flag also hides a bad variable it overrides. */
  env_set("OPORA_THREADS", "many");
  assert_int_equal(load(&cfg, err, ARGS("--threads=4")), 0);
  assert_int_equal(cfg.threads, 4);
  /* The last of a repeated flag wins. */
  assert_int_equal(load(&cfg, err, ARGS("--threads=4", "--threads", "5")), 0);
  assert_int_equal(cfg.threads, 5);
  /* An empty --cors-origins turns off CORS set in the environment. */
  env_clear();
  env_set("OPORA_CORS_ORIGINS", "https://a.ru");
  assert_int_equal(load(&cfg, err, ARGS("--cors-origins=")), 0);
  assert_string_equal(cfg.cors_origins, "");
}

static void test_bad_numbers(void **state) {
  (void)state;
  env_set("OPORA_THREADS", "abc");
  expect_error(NULL, "OPORA_THREADS: must be a whole number from 1 to 256, "
                     "got \"abc\"");
  const char *bad[] = {"0",  "257", "-1",  "+4",   " 4",
                       "4 ", "4x",  "1e2", "0x10", "99999999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    env_set("OPORA_THREADS", bad[i]);
    struct config cfg;
    char err[256];
    assert_int_equal(load(&cfg, err, NULL), -1);
    assert_memory_equal(err, "OPORA_THREADS: ", 15);
  }
  env_clear();
  expect_error(ARGS("--threads", "x"),
               "--threads: must be a whole number from 1 to 256, got \"x\"");
  expect_error(ARGS("--threads="),
               "--threads: must be a whole number from 1 to 256, got \"\"");
  expect_error(ARGS("--max-connections=0"),
               "--max-connections: must be a whole number from 1 to 100000, "
               "got \"0\"");
  expect_error(ARGS("--max-connections-per-ip=-1"),
               "--max-connections-per-ip: must be a whole number from 0 to "
               "100000, got \"-1\"");
  expect_error(ARGS("--connection-timeout=0"),
               "--connection-timeout: must be a whole number from 1 to 3600, "
               "got \"0\"");
  expect_error(ARGS("--statement-timeout=600001"),
               "--statement-timeout: must be a whole number from 0 to 600000, "
               "got \"600001\"");
  expect_error(ARGS("--shutdown-timeout=601"),
               "--shutdown-timeout: must be a whole number from 0 to 600, got "
               "\"601\"");
}

static void test_sizes(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, ARGS("--max-body=1024")), 0);
  assert_int_equal(cfg.max_body, 1024);
  assert_int_equal(load(&cfg, err, ARGS("--max-body=1k")), 0);
  assert_int_equal(cfg.max_body, 1024);
  assert_int_equal(load(&cfg, err, ARGS("--max-body=3K")), 0);
  assert_int_equal(cfg.max_body, 3 * 1024);
  assert_int_equal(load(&cfg, err, ARGS("--max-body=1024m")), 0);
  assert_int_equal(cfg.max_body, 1024u * 1024u * 1024u);
  assert_int_equal(load(&cfg, err, ARGS("--header-memory=4096")), 0);
  assert_int_equal(cfg.header_memory, 4096);
  /* A push's body may pass 4 GiB. */
  assert_int_equal(load(&cfg, err, ARGS("--max-push-body=8192M")), 0);
  assert_int_equal(cfg.max_push_body, 8192ull * 1024 * 1024);
  expect_error(ARGS("--max-push-body=1048577M"),
               "--max-push-body: must be a size from 1k to 1048576M bytes "
               "(k = KiB, M = MiB), got \"1048577M\"");

  const char *want = "--max-body: must be a size from 1k to 1024M bytes "
                     "(k = KiB, M = MiB), got \"%s\"";
  const char *bad[] = {"1023", "1025M", "1G",   "1kb", "k",
                       "1 k",  "-1k",   "1.5M", "",    "18014398509481984M"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char flag[64], expected[200];
    snprintf(flag, sizeof flag, "--max-body=%s", bad[i]);
    snprintf(expected, sizeof expected, want, bad[i]);
    expect_error(ARGS(flag), expected);
  }
  env_set("OPORA_HEADER_MEMORY", "2M");
  expect_error(NULL, "OPORA_HEADER_MEMORY: must be a size from 4k to 1M bytes "
                     "(k = KiB, M = MiB), got \"2M\"");
}

static void test_listen(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, ARGS("--listen=localhost:1")), 0);
  assert_string_equal(cfg.listen_host, "localhost");
  assert_int_equal(cfg.listen_port, 1);
  assert_int_equal(load(&cfg, err, ARGS("--listen=[::]:65535")), 0);
  assert_string_equal(cfg.listen_host, "::");
  assert_int_equal(cfg.listen_port, 65535);

  const char *bad[] = {"127.0.0.1",   "127.0.0.1:",      ":8080",
                       "127.0.0.1:0", "127.0.0.1:65536", "::1:8080",
                       "[::1]8080",   "[::1:8080",       "[nothost]:80",
                       "[]:80",       "a b:80",          "127.0.0.1:80x",
                       "host/x:80",   "127.0.0.1:-80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char flag[64], expected[200];
    snprintf(flag, sizeof flag, "--listen=%s", bad[i]);
    snprintf(expected, sizeof expected,
             "--listen: must be HOST:PORT or [IPv6]:PORT with a port from 1 "
             "to 65535, got \"%s\"",
             bad[i]);
    expect_error(ARGS(flag), expected);
  }
}

static void test_metrics_listen(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, ARGS("--listen=0.0.0.0:80")), 0);
  assert_int_equal(cfg.metrics_port, 0); /* by default on the main listener */
  assert_int_equal(
      load(&cfg, err,
           ARGS("--listen=0.0.0.0:80", "--metrics-listen=10.1.2.3:9100")),
      0);
  assert_string_equal(cfg.metrics_host, "10.1.2.3");
  assert_int_equal(cfg.metrics_port, 9100);
  assert_string_equal(cfg.listen_host, "0.0.0.0"); /* untouched */
  assert_int_equal(cfg.listen_port, 80);
  expect_error(ARGS("--metrics-listen=9100"),
               "--metrics-listen: must be HOST:PORT or [IPv6]:PORT with a port "
               "from 1 to 65535, got \"9100\"");
}

static void test_token_settings(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, ARGS("--threads=1")), 0);
  assert_int_equal(cfg.token_ttl, 28800);
  assert_int_equal(cfg.token_cache_ttl, 30);
  assert_int_equal(
      load(&cfg, err, ARGS("--token-ttl=3600", "--token-cache-ttl=0")), 0);
  assert_int_equal(cfg.token_ttl, 3600);
  assert_int_equal(cfg.token_cache_ttl, 0);
  assert_int_not_equal(load(&cfg, err, ARGS("--token-ttl=59")), 0);
  assert_int_not_equal(load(&cfg, err, ARGS("--token-cache-ttl=301")), 0);
}

static void test_keep_dashboards(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, ARGS("--threads=1")), 0);
  assert_int_equal(cfg.keep_dashboards, 1);
  assert_int_equal(load(&cfg, err, ARGS("--keep-dashboards=0")), 0);
  assert_int_equal(cfg.keep_dashboards, 0);
  assert_int_not_equal(load(&cfg, err, ARGS("--keep-dashboards=2")), 0);
}

/* Where workbooks are made: /tmp unless set; one where no file can be
 * made stops start-up with a line naming the setting. */
static void test_tmp_dir(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err, ARGS("--threads=1")), 0);
  assert_string_equal(cfg.tmp_dir, "/tmp");
  env_set("OPORA_TMP_DIR", "/var/tmp");
  assert_int_equal(load(&cfg, err, ARGS("--threads=1")), 0);
  assert_string_equal(cfg.tmp_dir, "/var/tmp");
  char why[1200];
  assert_false(xlsx_configure("/no/such/dir/for/opora", why, sizeof why));
  assert_non_null(strstr(why, "OPORA_TMP_DIR /no/such/dir/for/opora"));
  assert_true(xlsx_configure("/tmp", why, sizeof why));
}

static void test_log_level(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  static const char *const names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++) {
    env_set("OPORA_LOG_LEVEL", names[i]);
    assert_int_equal(load(&cfg, err, NULL), 0);
    assert_int_equal(cfg.log_level, (enum log_level)i);
  }
  env_set("OPORA_LOG_LEVEL", "verbose");
  expect_error(NULL, "OPORA_LOG_LEVEL: must be error, warn, info or debug, "
                     "got \"verbose\"");
}

static void test_database_url(void **state) {
  (void)state;
  /* The value is never quoted back: it may hold a password. */
  expect_error(ARGS("--database-url="),
               "--database-url: must be 1 to 1023 bytes long");
  char long_url[1100];
  memset(long_url, 'x', sizeof long_url - 1);
  long_url[sizeof long_url - 1] = '\0';
  env_set("DATABASE_URL", long_url);
  expect_error(NULL, "DATABASE_URL: must be 1 to 1023 bytes long");
}

static void test_flag_syntax(void **state) {
  (void)state;
  expect_error(ARGS("--thread=4"), "unknown flag \"--thread\" (see --help)");
  /* A mistyped flag's value is not quoted back: it may be a password. */
  expect_error(ARGS("--database_url=postgresql://u:secret@h/db"),
               "unknown flag \"--database_url\" (see --help)");
  expect_error(ARGS("--threadsx", "4"),
               "unknown flag \"--threadsx\" (see --help)");
  expect_error(ARGS("-t", "4"), "unknown flag \"-t\" (see --help)");
  expect_error(ARGS("--"), "unknown flag \"--\" (see --help)");
  expect_error(ARGS("serve"), "unexpected argument \"serve\" (see --help)");
  expect_error(ARGS("--threads"), "--threads: needs a value");
  expect_error(ARGS("--threads=2", "--listen"), "--listen: needs a value");
  /* A bad value is quoted on one line, however it looks. */
  expect_error(ARGS("--threads=1\n2"),
               "--threads: must be a whole number from 1 to 256, got \"1?2\"");
}

static void test_error_is_safe(void **state) {
  (void)state;
  struct config cfg;
  /* Defaults apply without config_defaults, as cfg may be uninitialized. */
  memset(&cfg, 0xa5, sizeof cfg);
  assert_int_equal(config_load(&cfg, 0, NULL, env_get, NULL, 0), 0);
  assert_string_equal(cfg.database_url, "postgresql:///opora");
  assert_int_equal(cfg.shutdown_timeout, 10);
  /* A failed load leaves cfg as it was. */
  const char *argv[] = {"--threads=7", "--listen=bad"};
  assert_int_equal(config_load(&cfg, 2, (char **)argv, env_get, NULL, 0), -1);
  assert_int_equal(cfg.listen_port, 8080);
  assert_int_not_equal(cfg.threads, 0);
  /* A long bad value is cut, the message stays bounded. */
  char big[500], err[64];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  const char *argv2[] = {"--log-level", big};
  assert_int_equal(config_load(&cfg, 2, (char **)argv2, env_get, err, 64), -1);
  assert_true(strlen(err) < 64);
  /* Cut on a character boundary. */
  char cyr[300] = "";
  for (int i = 0; i < 100; i++)
    strcat(cyr, "ж");
  char full[512];
  const char *argv3[] = {"--log-level", cyr};
  assert_int_equal(
      config_load(&cfg, 2, (char **)argv3, env_get, full, sizeof full), -1);
  const char *got = strstr(full, "got \"") + 5;
  assert_int_equal((strstr(got, "...") - got) % 2, 0);
}

static void test_origins(void **state) {
  (void)state;
  struct config cfg;
  char err[256];
  assert_int_equal(load(&cfg, err,
                        ARGS("--cors-origins", "https://app.example.ru, "
                                               "http://localhost:3000 ,"
                                               "http://[::1]:8080")),
                   0);
  assert_string_equal(cfg.cors_origins, "https://app.example.ru,"
                                        "http://localhost:3000,"
                                        "http://[::1]:8080");
  assert_true(config_origin_allowed(&cfg, "https://app.example.ru"));
  assert_true(config_origin_allowed(&cfg, "http://localhost:3000"));
  assert_true(config_origin_allowed(&cfg, "http://[::1]:8080"));
  assert_false(config_origin_allowed(&cfg, "https://app.example.r"));
  assert_false(config_origin_allowed(&cfg, "https://app.example.ru.evil"));
  assert_false(config_origin_allowed(&cfg, "http://app.example.ru"));
  assert_false(config_origin_allowed(&cfg, "http://localhost"));
  assert_false(config_origin_allowed(&cfg, "https://app.example.ru,"));
  assert_false(config_origin_allowed(&cfg, ""));
  assert_false(config_origin_allowed(&cfg, NULL));

  assert_int_equal(load(&cfg, err, ARGS("--cors-origins=*")), 0);
  assert_true(config_origin_allowed(&cfg, "https://anything.example"));
  assert_true(config_origin_allowed(&cfg, "null"));
  assert_false(config_origin_allowed(&cfg, ""));

  expect_error(ARGS("--cors-origins=https://a.ru/"),
               "--cors-origins: \"https://a.ru/\" is not an origin like "
               "https://app.example.ru (lowercase scheme://host[:port], no "
               "path) or *, got \"https://a.ru/\"");
  const char *bad[] = {"a.ru",           "ftp://a.ru",     "https://",
                       "https://a.ru/x", "https://A.ru",   "https://a ru",
                       "https://a.ru,",  ",https://a.ru",  "https://a.ru,,x",
                       "HTTPS://a.ru",   "https://a.ru?x", "https://:80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    env_set("OPORA_CORS_ORIGINS", bad[i]);
    assert_int_equal(load(&cfg, err, NULL), -1);
    assert_memory_equal(err, "OPORA_CORS_ORIGINS: \"", 21);
  }
  env_set("OPORA_CORS_ORIGINS", "https://a.ru,*");
  expect_error(NULL, "OPORA_CORS_ORIGINS: * allows any origin and cannot be "
                     "combined, got \"https://a.ru,*\"");
}

static void test_help_lists_every_setting(void **state) {
  (void)state;
  static const char *const names[] = {
      "DATABASE_URL",
      "--database-url",
      "OPORA_LISTEN",
      "--listen",
      "OPORA_THREADS",
      "--threads",
      "OPORA_MAX_BODY",
      "--max-body",
      "OPORA_MAX_PUSH_BODY",
      "--max-push-body",
      "OPORA_LOG_LEVEL",
      "--log-level",
      "OPORA_CORS_ORIGINS",
      "--cors-origins",
      "OPORA_MAX_CONNECTIONS ",
      "--max-connections ",
      "OPORA_MAX_CONNECTIONS_PER_IP",
      "--max-connections-per-ip",
      "OPORA_CONNECTION_TIMEOUT",
      "--connection-timeout",
      "OPORA_HEADER_MEMORY",
      "--header-memory",
      "OPORA_HEADER_TIMEOUT",
      "--header-timeout",
      "OPORA_MIN_UPLOAD_RATE",
      "--min-upload-rate",
      "OPORA_MIN_UPLOAD_WINDOW",
      "--min-upload-window",
      "OPORA_STATEMENT_TIMEOUT",
      "--statement-timeout",
      "OPORA_PUSH_STATEMENT_TIMEOUT",
      "--push-statement-timeout",
      "OPORA_PUSH_BATCH_ROWS",
      "--push-batch-rows",
      "OPORA_SHUTDOWN_TIMEOUT",
      "--shutdown-timeout",
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!strstr(config_help, names[i]))
      fail_msg("config_help does not mention %s", names[i]);
  }
  /* Every flag in the help is accepted (with a valid value). */
  struct config cfg;
  char err[256];
  for (size_t i = 1; i < sizeof names / sizeof names[0]; i += 2) {
    char flag[64];
    snprintf(flag, sizeof flag, "%s", names[i]);
    flag[strcspn(flag, " ")] = '\0';
    const char *value = strcmp(flag, "--listen") == 0         ? "h:1"
                        : strcmp(flag, "--log-level") == 0    ? "info"
                        : strcmp(flag, "--cors-origins") == 0 ? "*"
                        : strcmp(flag, "--database-url") == 0 ? "x"
                        : strstr(flag, "memory")              ? "8k"
                        : strstr(flag, "body")                ? "8k"
                                                              : "1";
    if (load(&cfg, err, ARGS(flag, value)) != 0)
      fail_msg("%s %s: %s", flag, value, err);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_defaults, setup),
      cmocka_unit_test_setup(test_env, setup),
      cmocka_unit_test_setup(test_empty_env_is_unset, setup),
      cmocka_unit_test_setup(test_flags, setup),
      cmocka_unit_test_setup(test_flag_overrides_env, setup),
      cmocka_unit_test_setup(test_bad_numbers, setup),
      cmocka_unit_test_setup(test_sizes, setup),
      cmocka_unit_test_setup(test_listen, setup),
      cmocka_unit_test_setup(test_metrics_listen, setup),
      cmocka_unit_test_setup(test_token_settings, setup),
      cmocka_unit_test_setup(test_keep_dashboards, setup),
      cmocka_unit_test_setup(test_tmp_dir, setup),
      cmocka_unit_test_setup(test_log_level, setup),
      cmocka_unit_test_setup(test_database_url, setup),
      cmocka_unit_test_setup(test_flag_syntax, setup),
      cmocka_unit_test_setup(test_error_is_safe, setup),
      cmocka_unit_test_setup(test_origins, setup),
      cmocka_unit_test_setup(test_help_lists_every_setting, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
