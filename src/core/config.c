/* Settings. Each has an environment variable and a flag; a given flag wins
 * and its variable is then not even checked. An empty variable counts as
 * unset. Values are checked strictly, so a typo stops start-up instead of
 * running with a surprise. */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define KIB 1024ull
#define MIB (1024ull * 1024ull)
#define GIB (1024ull * 1024ull * 1024ull)
#define ECHO_MAX 80 /* bytes of a bad value quoted back */

enum kind { K_TEXT, K_URLS, K_LISTEN, K_UINT, K_BYTES, K_LEVEL, K_ORIGINS };

struct setting {
  const char *env, *flag;
  enum kind kind;
  size_t offset, size; /* the field in struct config */
  unsigned long long min, max;
  bool secret; /* never quoted back: may hold a password */
};

#define AT(field)                                                              \
  offsetof(struct config, field), sizeof(((struct config *)0)->field)

static const struct setting settings[] = {
    {"DATABASE_URL", "--database-url", K_TEXT, AT(database_url), 0, 0, true},
    {"OPORA_DATABASE_READ_URL", "--database-read-url", K_URLS, AT(read_urls), 0,
     0, true},
    {"OPORA_READ_WAIT_MS", "--read-wait-ms", K_UINT, AT(read_wait_ms), 0, 10000,
     false},
    {"OPORA_LISTEN", "--listen", K_LISTEN, AT(listen_host), 0, 0, false},
    {"OPORA_METRICS_LISTEN", "--metrics-listen", K_LISTEN, AT(metrics_host), 0,
     0, false},
    {"OPORA_THREADS", "--threads", K_UINT, AT(threads), 1, 256, false},
    {"OPORA_MAX_BODY", "--max-body", K_BYTES, AT(max_body), KIB, GIB, false},
    {"OPORA_MAX_PUSH_BODY", "--max-push-body", K_BYTES, AT(max_push_body), KIB,
     1024 * GIB, false},
    {"OPORA_LOG_LEVEL", "--log-level", K_LEVEL, AT(log_level), 0, 0, false},
    {"OPORA_CORS_ORIGINS", "--cors-origins", K_ORIGINS, AT(cors_origins), 0, 0,
     false},
    {"OPORA_MAX_CONNECTIONS", "--max-connections", K_UINT, AT(max_connections),
     1, 100000, false},
    {"OPORA_MAX_CONNECTIONS_PER_IP", "--max-connections-per-ip", K_UINT,
     AT(max_connections_per_ip), 0, 100000, false},
    {"OPORA_CONNECTION_TIMEOUT", "--connection-timeout", K_UINT,
     AT(connection_timeout), 1, 3600, false},
    {"OPORA_HEADER_MEMORY", "--header-memory", K_BYTES, AT(header_memory),
     4 * KIB, MIB, false},
    {"OPORA_HEADER_TIMEOUT", "--header-timeout", K_UINT, AT(header_timeout), 1,
     600, false},
    {"OPORA_MIN_UPLOAD_RATE", "--min-upload-rate", K_BYTES, AT(min_upload_rate),
     0, GIB, false},
    {"OPORA_MIN_UPLOAD_WINDOW", "--min-upload-window", K_UINT,
     AT(min_upload_window), 1, 3600, false},
    {"OPORA_STATEMENT_TIMEOUT", "--statement-timeout", K_UINT,
     AT(statement_timeout_ms), 0, 600000, false},
    {"OPORA_PUSH_STATEMENT_TIMEOUT", "--push-statement-timeout", K_UINT,
     AT(push_statement_timeout_ms), 0, 3600000, false},
    {"OPORA_PUSH_BATCH_ROWS", "--push-batch-rows", K_UINT, AT(push_batch_rows),
     1, 1000000, false},
    {"OPORA_PUSH_KEY_BITS", "--push-key-bits", K_UINT, AT(push_key_bits), 1, 32,
     false},
    {"OPORA_SHUTDOWN_TIMEOUT", "--shutdown-timeout", K_UINT,
     AT(shutdown_timeout), 0, 600, false},
    {"OPORA_TOKEN_TTL", "--token-ttl", K_UINT, AT(token_ttl), 60, 2592000,
     false},
    {"OPORA_TOKEN_CACHE_TTL", "--token-cache-ttl", K_UINT, AT(token_cache_ttl),
     0, 300, false},
    {"OPORA_KEEP_DASHBOARDS", "--keep-dashboards", K_UINT, AT(keep_dashboards),
     0, 1, false},
    {"OPORA_DOC_CACHE_BYTES", "--doc-cache-bytes", K_BYTES, AT(doc_cache_bytes),
     0, GIB, false},
    {"OPORA_TMP_DIR", "--tmp-dir", K_TEXT, AT(tmp_dir), 0, 0, false},
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

const char config_help[] =
    "Settings (a flag overrides its environment variable):\n"
    "  DATABASE_URL / --database-url URL\n"
    "      PostgreSQL connection string (default postgresql:///opora)\n"
    "  OPORA_DATABASE_READ_URL / --database-read-url URLS\n"
    "      streaming replicas that GET requests read from, as\n"
    "      postgresql:// URLs separated by spaces, at most 8 (default none:\n"
    "      everything on DATABASE_URL)\n"
    "  OPORA_READ_WAIT_MS / --read-wait-ms MILLISECONDS\n"
    "      how long a read that must see a write (Opora-LSN, or the\n"
    "      caller's own last write) waits for a replica's replay before it\n"
    "      reads from the primary, 0 to 10000 (default 100)\n"
    "  OPORA_LISTEN / --listen HOST:PORT\n"
    "      address to listen on; [IPv6]:PORT for IPv6 (default "
    "127.0.0.1:8080)\n"
    "  OPORA_METRICS_LISTEN / --metrics-listen HOST:PORT\n"
    "      serve /metrics (and /health) only on this address, e.g. an\n"
    "      internal interface (default: /metrics on the main listener)\n"
    "  OPORA_THREADS / --threads N\n"
    "      worker threads, 1 to 256 (default: the number of online CPUs)\n"
    "  OPORA_MAX_BODY / --max-body BYTES\n"
    "      largest request body, 1k to 1024M (default 1M)\n"
    "  OPORA_MAX_PUSH_BODY / --max-push-body BYTES\n"
    "      largest body of a results push (streamed), 1k to 1048576M\n"
    "      (default 2048M); over it the push is rolled back (413)\n"
    "  OPORA_LOG_LEVEL / --log-level LEVEL\n"
    "      error, warn, info or debug (default info)\n"
    "  OPORA_CORS_ORIGINS / --cors-origins LIST\n"
    "      comma-separated origins allowed to call the API from a browser,\n"
    "      e.g. https://app.example.ru, or * for any (default none)\n"
    "  OPORA_MAX_CONNECTIONS / --max-connections N\n"
    "      open connections, 1 to 100000 (default 1024)\n"
    "  OPORA_MAX_CONNECTIONS_PER_IP / --max-connections-per-ip N\n"
    "      open connections from one address, 0 = unlimited (default 256)\n"
    "  OPORA_CONNECTION_TIMEOUT / --connection-timeout SECONDS\n"
    "      idle time before a connection closes, 1 to 3600 (default 30)\n"
    "  OPORA_HEADER_MEMORY / --header-memory BYTES\n"
    "      largest request head (request line and headers), 4k to 1M\n"
    "      (default 32k); a larger one is answered 431\n"
    "  OPORA_HEADER_TIMEOUT / --header-timeout SECONDS\n"
    "      time for a request head to arrive, 1 to 600 (default 10); on a\n"
    "      kept-alive connection counted from the end of the previous\n"
    "      request plus the idle timeout\n"
    "  OPORA_MIN_UPLOAD_RATE / --min-upload-rate BYTES\n"
    "      a request body slower than this per second, over the window\n"
    "      below, is cut; 0 = no minimum, up to 1024M (default 1k)\n"
    "  OPORA_MIN_UPLOAD_WINDOW / --min-upload-window SECONDS\n"
    "      the window of that rate, 1 to 3600 (default 10)\n"
    "  OPORA_STATEMENT_TIMEOUT / --statement-timeout MILLISECONDS\n"
    "      longest SQL statement, 0 = none, up to 600000 (default 5000)\n"
    "  OPORA_PUSH_STATEMENT_TIMEOUT / --push-statement-timeout MILLISECONDS\n"
    "      longest SQL statement of a results push (all but the COPY that\n"
    "      takes the upload as it comes), 0 = none, up to 3600000 (default\n"
    "      60000); one over it answers 503, nothing written\n"
    "  OPORA_PUSH_BATCH_ROWS / --push-batch-rows N\n"
    "      rows of a push that may meet stored ones, merged at a time,\n"
    "      1 to 1000000 (default 50000)\n"
    "  OPORA_PUSH_KEY_BITS / --push-key-bits N\n"
    "      bits of the keys a push keeps per stored participant, 1 to 32\n"
    "      (default 32); fewer only to test codes that share a key\n"
    "  OPORA_SHUTDOWN_TIMEOUT / --shutdown-timeout SECONDS\n"
    "      time for requests in flight at shutdown, 0 to 600 (default 10)\n"
    "  OPORA_TOKEN_TTL / --token-ttl SECONDS\n"
    "      lifetime of a person's token, 60 to 2592000 (default 28800);\n"
    "      machine clients' tokens live at most 3600\n"
    "  OPORA_TOKEN_CACHE_TTL / --token-cache-ttl SECONDS\n"
    "      how long a verified token is trusted without the database, 0 to\n"
    "      300 (default 30): revocation reaches other instances within it\n"
    "  OPORA_KEEP_DASHBOARDS / --keep-dashboards 0|1\n"
    "      1 (default): indicator aggregates, campaign completeness and\n"
    "      roadmaps are kept in memory while their change numbers hold; 0:\n"
    "      computed on every request\n"
    "  OPORA_DOC_CACHE_BYTES / --doc-cache-bytes BYTES\n"
    "      memory for answered school documents (GET /schools/{id} without\n"
    "      a database round trip), 0 = off, up to 1024M (default 32M);\n"
    "      other instances' writes reach it by LISTEN/NOTIFY\n"
    "  OPORA_TMP_DIR / --tmp-dir DIR\n"
    "      a writable directory for the Excel tables being made (default\n"
    "      /tmp); checked at start\n"
    "Sizes take a k or M suffix (KiB, MiB). Flags take --flag VALUE or\n"
    "--flag=VALUE. An empty variable counts as unset.\n";

static unsigned online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1u : n > 256 ? 256u : (unsigned)n;
}

void config_defaults(struct config *cfg) {
  *cfg = (struct config){0};
  strcpy(cfg->database_url, "postgresql:///opora");
  cfg->read_wait_ms = 100;
  strcpy(cfg->listen_host, "127.0.0.1");
  cfg->listen_port = 8080;
  cfg->threads = online_cpus();
  cfg->max_body = MIB;
  cfg->max_push_body = 2 * GIB;
  cfg->log_level = LOG_INFO;
  cfg->max_connections = 1024;
  cfg->max_connections_per_ip = 256;
  cfg->connection_timeout = 30;
  cfg->header_memory = 32 * KIB;
  cfg->header_timeout = 10;
  cfg->min_upload_rate = KIB;
  cfg->min_upload_window = 10;
  cfg->statement_timeout_ms = 5000;
  cfg->push_statement_timeout_ms = 60000;
  cfg->push_batch_rows = 50000;
  cfg->push_key_bits = 32;
  cfg->shutdown_timeout = 10;
  cfg->token_ttl = 28800;
  cfg->token_cache_ttl = 30;
  cfg->keep_dashboards = 1;
  cfg->doc_cache_bytes = 32 * MIB;
  strcpy(cfg->tmp_dir, "/tmp");
}

/* --- numbers ----------------------------------------------------------- */

/* Leading decimal digits, refusing none and overflow; returns the rest. */
static const char *digits(const char *s, unsigned long long *out) {
  const char *start = s;
  *out = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    unsigned d = (unsigned)(*s - '0');
    if (*out > (ULLONG_MAX - d) / 10)
      return NULL;
    *out = *out * 10 + d;
  }
  return s == start ? NULL : s;
}

static bool parse_uint(const char *s, unsigned long long *out) {
  const char *rest = digits(s, out);
  return rest && *rest == '\0';
}

/* Digits with an optional k/K (KiB) or m/M (MiB) suffix. */
static bool parse_bytes(const char *s, unsigned long long *out) {
  const char *rest = digits(s, out);
  unsigned long long unit = 1;
  if (!rest)
    return false;
  if (*rest == 'k' || *rest == 'K')
    unit = KIB;
  else if (*rest == 'm' || *rest == 'M')
    unit = MIB;
  if (unit > 1)
    rest++;
  if (*rest != '\0' || *out > ULLONG_MAX / unit)
    return false;
  *out *= unit;
  return true;
}

/* "1M", "32k" or plain bytes, whichever is exact. */
static void format_bytes(unsigned long long n, char *buf, size_t len) {
  if (n >= MIB && n % MIB == 0)
    snprintf(buf, len, "%lluM", n / MIB);
  else if (n >= KIB && n % KIB == 0)
    snprintf(buf, len, "%lluk", n / KIB);
  else
    snprintf(buf, len, "%llu", n);
}

/* --- listen address ---------------------------------------------------- */

static bool is_hostname(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '-'))
      return false;
  }
  return n > 0;
}

/* HOST:PORT or [IPv6]:PORT; the brackets are not kept. */
/* HOST:PORT or [IPv6]:PORT into host (of host_size bytes) and *port_out. */
static bool parse_listen(const char *v, char *host_out, size_t host_size,
                         unsigned short *port_out) {
  const char *host = v, *colon;
  size_t n;
  char buf[256];
  unsigned long long port;
  if (*v == '[') {
    const char *close = strchr(v, ']');
    host = v + 1;
    n = close ? (size_t)(close - host) : 0;
    colon = close ? close + 1 : NULL;
  } else {
    colon = strchr(v, ':');
    n = colon ? (size_t)(colon - v) : 0;
  }
  if (!colon || *colon != ':' || n == 0 || n >= sizeof buf || n >= host_size ||
      !parse_uint(colon + 1, &port) || port < 1 || port > 65535)
    return false;
  memcpy(buf, host, n);
  buf[n] = '\0';
  unsigned char addr[16];
  if (*v == '[' ? inet_pton(AF_INET6, buf, addr) != 1 : !is_hostname(buf, n))
    return false;
  memcpy(host_out, buf, n + 1);
  *port_out = (unsigned short)port;
  return true;
}

/* --- CORS origins ------------------------------------------------------ */

/* Browsers send Origin as lowercase scheme://host[:port] with no path, and
 * the match is exact, so anything else here could never match. */
static bool is_origin(const char *s, size_t n) {
  size_t scheme = strncmp(s, "https://", 8) == 0  ? 8
                  : strncmp(s, "http://", 7) == 0 ? 7
                                                  : 0;
  if (scheme == 0 || n <= scheme || s[scheme] == ':')
    return false;
  for (size_t i = scheme; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-' || c == ':' || c == '[' || c == ']'))
      return false;
  }
  return true;
}

/* Validates one list item and appends it to out after a comma. */
static bool add_origin(const char *item, size_t n, char *out, size_t *used,
                       size_t cap, char *why, size_t why_len) {
  bool star = n == 1 && *item == '*';
  size_t sep = *used > 0;
  if (!star && !is_origin(item, n)) {
    snprintf(why, why_len,
             "\"%.*s\" is not an origin like https://app.example.ru "
             "(lowercase scheme://host[:port], no path) or *",
             (int)(n > ECHO_MAX ? ECHO_MAX : n), item);
    return false;
  }
  if (*used + sep + n >= cap) {
    snprintf(why, why_len, "is longer than %zu bytes", cap - 1);
    return false;
  }
  memcpy(out + *used, ",", sep);
  memcpy(out + *used + sep, item, n);
  *used += sep + n;
  out[*used] = '\0';
  return true;
}

/* Stores the list without the spaces around its commas. An empty value
 * (possible only from a flag) turns CORS off. */
static bool parse_origins(struct config *cfg, const char *v, char *why,
                          size_t why_len) {
  char out[sizeof cfg->cors_origins] = "";
  size_t used = 0, items = 0;
  for (const char *item = v; *v; item++) {
    size_t n = strcspn(item, ",");
    const char *end = item + n;
    while (n > 0 && (*item == ' ' || *item == '\t'))
      item++, n--;
    while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
      n--;
    if (!add_origin(item, n, out, &used, sizeof out, why, why_len))
      return false;
    items++;
    if (!*end)
      break;
    item = end; /* the loop steps over the comma */
  }
  if (items > 1 && strchr(out, '*')) {
    snprintf(why, why_len, "* allows any origin and cannot be combined");
    return false;
  }
  memcpy(cfg->cors_origins, out, used + 1);
  return true;
}

bool config_origin_allowed(const struct config *cfg, const char *origin) {
  const char *list = cfg->cors_origins;
  if (!origin || !*origin || !*list)
    return false;
  if (strcmp(list, "*") == 0)
    return true;
  size_t len = strlen(origin);
  for (const char *item = list; *item;) {
    size_t n = strcspn(item, ",");
    if (n == len && memcmp(item, origin, n) == 0)
      return true;
    item += item[n] ? n + 1 : n;
  }
  return false;
}

/* Replicas: postgresql:// (or postgres://) URLs separated by spaces, kept
 * one by one; each fits a connection string's buffer. Nothing of a URL is
 * quoted back: it may hold a password. */
static bool parse_urls(struct config *cfg, const char *v, char *why,
                       size_t why_len) {
  unsigned n = 0;
  for (const char *p = v + strspn(v, " \t\n"); *p;) {
    size_t len = strcspn(p, " \t\n");
    bool url = strncmp(p, "postgresql://", 13) == 0 ||
               strncmp(p, "postgres://", 11) == 0;
    if (!url || len >= sizeof cfg->read_urls[0]) {
      snprintf(why, why_len,
               "URL %u must be a postgresql:// URL under %zu bytes (URLs are "
               "separated by spaces)",
               n + 1, sizeof cfg->read_urls[0]);
      return false;
    }
    if (n == CONFIG_READ_URLS_MAX) {
      snprintf(why, why_len, "names more than %d replicas",
               CONFIG_READ_URLS_MAX);
      return false;
    }
    snprintf(cfg->read_urls[n++], sizeof cfg->read_urls[0], "%.*s", (int)len,
             p);
    p += len;
    p += strspn(p, " \t\n");
  }
  cfg->n_read_urls = n;
  return true;
}

/* --- applying one setting ---------------------------------------------- */

static bool parse_level(const char *v, enum log_level *out) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  static const enum log_level levels[] = {LOG_ERROR, LOG_WARN, LOG_INFO,
                                          LOG_DEBUG};
  for (size_t i = 0; i < 4; i++)
    if (strcasecmp(v, names[i]) == 0) {
      *out = levels[i];
      return true;
    }
  return false;
}

static bool apply_number(const struct setting *s, struct config *cfg,
                         const char *v, char *why, size_t why_len) {
  unsigned long long x;
  char *field = (char *)cfg + s->offset;
  if (s->kind == K_UINT) {
    if (!parse_uint(v, &x) || x < s->min || x > s->max) {
      snprintf(why, why_len, "must be a whole number from %llu to %llu", s->min,
               s->max);
      return false;
    }
    *(unsigned *)(void *)field = (unsigned)x;
    return true;
  }
  if (!parse_bytes(v, &x) || x < s->min || x > s->max) {
    char lo[32], hi[32];
    format_bytes(s->min, lo, sizeof lo);
    format_bytes(s->max, hi, sizeof hi);
    snprintf(why, why_len,
             "must be a size from %s to %s bytes (k = KiB, M = MiB)", lo, hi);
    return false;
  }
  *(size_t *)(void *)field = (size_t)x;
  return true;
}

static bool apply(const struct setting *s, struct config *cfg, const char *v,
                  char *why, size_t why_len) {
  switch (s->kind) {
  case K_TEXT:
    if (*v && strlen(v) < s->size) {
      strcpy((char *)cfg + s->offset, v);
      return true;
    }
    snprintf(why, why_len, "must be 1 to %zu bytes long", s->size - 1);
    return false;
  case K_LISTEN:
    if (s->offset == offsetof(struct config, metrics_host)
            ? parse_listen(v, cfg->metrics_host, sizeof cfg->metrics_host,
                           &cfg->metrics_port)
            : parse_listen(v, cfg->listen_host, sizeof cfg->listen_host,
                           &cfg->listen_port))
      return true;
    snprintf(why, why_len,
             "must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535");
    return false;
  case K_URLS:
    return parse_urls(cfg, v, why, why_len);
  case K_UINT:
  case K_BYTES:
    return apply_number(s, cfg, v, why, why_len);
  case K_LEVEL:
    if (parse_level(v, &cfg->log_level))
      return true;
    snprintf(why, why_len, "must be error, warn, info or debug");
    return false;
  case K_ORIGINS:
    return parse_origins(cfg, v, why, why_len);
  }
  return false;
}

/* --- loading ----------------------------------------------------------- */

/* Quotes a value back on one line: control bytes become '?', long values
 * are cut at a character boundary. */
static void echo(const char *v, char *buf, size_t len) {
  size_t n = 0;
  for (; v[n] && n < ECHO_MAX && n + 1 < len; n++)
    buf[n] = (unsigned char)v[n] < 0x20 || v[n] == 0x7f ? '?' : v[n];
  if (v[n] && n > 0) {
    while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
      n--;
    snprintf(buf + n, len - n, "...");
    return;
  }
  buf[n] = '\0';
}

static const struct setting *find_flag(const char *arg, size_t n) {
  for (size_t i = 0; i < N_SETTINGS; i++)
    if (strlen(settings[i].flag) == n && strncmp(settings[i].flag, arg, n) == 0)
      return &settings[i];
  return NULL;
}

/* Collects flag values by setting; a repeated flag keeps its last value. */
static int scan_flags(int argc, char **argv, const char **values, char *err,
                      size_t err_len) {
  char shown[ECHO_MAX + 4];
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i], *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct setting *s =
        strncmp(arg, "--", 2) == 0 ? find_flag(arg, n) : NULL;
    echo(arg, shown, sizeof shown);
    if (n < strlen(shown))
      shown[n] = '\0'; /* the value may be a secret */
    if (!s) {
      snprintf(err, err_len, "%s \"%s\" (see --help)",
               *arg == '-' ? "unknown flag" : "unexpected argument", shown);
      return -1;
    }
    if (!eq && i + 1 >= argc) {
      snprintf(err, err_len, "%s: needs a value", s->flag);
      return -1;
    }
    values[s - settings] = eq ? eq + 1 : argv[++i];
  }
  return 0;
}

static void report(const struct setting *s, const char *name, const char *v,
                   const char *why, char *err, size_t err_len) {
  char shown[ECHO_MAX + 4];
  echo(v, shown, sizeof shown);
  if (s->secret)
    snprintf(err, err_len, "%s: %s", name, why);
  else
    snprintf(err, err_len, "%s: %s, got \"%s\"", name, why, shown);
}

/* Starts from the defaults, so cfg may be uninitialized; it is written only
 * on success. */
int config_load(struct config *cfg, int argc, char **argv,
                config_getenv_fn getenv_fn, char *err, size_t err_len) {
  const char *flags[N_SETTINGS] = {0};
  char scratch[1], why[256];
  if (!err || err_len == 0) {
    err = scratch;
    err_len = sizeof scratch;
  }
  if (scan_flags(argc, argv, flags, err, err_len) != 0)
    return -1;
  struct config next;
  config_defaults(&next);
  for (size_t i = 0; i < N_SETTINGS; i++) {
    const struct setting *s = &settings[i];
    const char *v = flags[i], *name = s->flag;
    if (!v) {
      v = getenv_fn ? getenv_fn(s->env) : NULL;
      name = s->env;
    }
    if (!v || (!*v && name == s->env))
      continue;
    if (!apply(s, &next, v, why, sizeof why)) {
      report(s, name, v, why, err, err_len);
      return -1;
    }
  }
  *cfg = next;
  return 0;
}
