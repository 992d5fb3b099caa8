/* Settings: environment variables, overridden by command-line flags. */
#ifndef OPORA_CONFIG_H
#define OPORA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

#define CONFIG_READ_URLS_MAX 8

struct config {
  char database_url[1024];
  /* Streaming replicas for reads (OPORA_DATABASE_READ_URL, URLs separated
   * by spaces), one by one. */
  char read_urls[CONFIG_READ_URLS_MAX][1024];
  unsigned n_read_urls;
  unsigned read_wait_ms; /* a read's wait for a replica's replay */
  char listen_host[256];
  unsigned short listen_port;
  /* A separate listener for /metrics (and /health); port 0 = none, and then
   * /metrics is served on the main listener. */
  char metrics_host[256];
  unsigned short metrics_port;
  unsigned threads;
  size_t max_body;      /* bytes */
  size_t max_push_body; /* bytes of a streamed body (a bulk push) */
  enum log_level log_level;
  char cors_origins[2048]; /* comma-separated; "*" for any */
  unsigned max_connections;
  unsigned max_connections_per_ip;
  unsigned connection_timeout; /* seconds idle before a connection closes */
  size_t header_memory;        /* bytes of a request head (431 beyond) */
  unsigned header_timeout;     /* seconds for a request head to arrive */
  size_t min_upload_rate;      /* bytes/s a body must keep up; 0 = any */
  unsigned min_upload_window;  /* seconds over which that rate is taken */
  unsigned statement_timeout_ms;
  unsigned push_statement_timeout_ms; /* each statement of a push but its
                                         streamed COPY; 0 = none */
  unsigned push_batch_rows;  /* rows a push merges with stored ones at once */
  unsigned push_key_bits;    /* of the stored map's keys: 32 but in tests */
  unsigned shutdown_timeout; /* seconds to let requests in flight finish */
  unsigned token_ttl;        /* seconds a person's token lives */
  unsigned token_cache_ttl;  /* seconds a verified token is trusted */
  unsigned keep_dashboards;  /* 1: aggregates and completeness are kept */
  size_t doc_cache_bytes;    /* school documents kept; 0 = none */
  char tmp_dir[1024];        /* where workbooks are written while made */
};

typedef const char *(*config_getenv_fn)(const char *name);

void config_defaults(struct config *cfg);

/* Fills cfg from the environment (getenv_fn, e.g. getenv) and then from the
 * flags argv[0..argc) (the subcommand's flags, not the program name).
 * Returns 0, or -1 with a one-line message naming the bad setting in err. */
int config_load(struct config *cfg, int argc, char **argv,
                config_getenv_fn getenv_fn, char *err, size_t err_len);

/* True when origin may call the API from a browser. */
bool config_origin_allowed(const struct config *cfg, const char *origin);

/* The help text listing every setting with its variable and flag. */
extern const char config_help[];

#endif
