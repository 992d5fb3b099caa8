/* Counters are plain atomics indexed by route and status: observing a request
 * takes no lock, and /metrics reads a consistent-enough snapshot. */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_guard.h"
#include "db.h"
#include "doc_cache.h"
#include "kept.h"
#include "push.h"
#include "router.h"

#define MAX_ROUTES 128

static const unsigned tracked_status[] = {200, 201, 204, 304, 400, 401,
                                          403, 404, 405, 409, 412, 413,
                                          415, 422, 428, 429, 500, 503};
#define N_STATUS (sizeof tracked_status / sizeof tracked_status[0])
#define OTHER_STATUS N_STATUS

/* Upper bounds in seconds; the last bucket is +Inf. */
static const double bucket_bounds[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define N_BUCKETS (sizeof bucket_bounds / sizeof bucket_bounds[0] + 1)

struct route_metrics {
  atomic_ulong by_status[N_STATUS + 1];
  atomic_ulong buckets[N_BUCKETS];
  atomic_ulong duration_us_sum;
};

static struct route_metrics per_route[MAX_ROUTES + 1];

static size_t status_index(unsigned status) {
  for (size_t i = 0; i < N_STATUS; i++)
    if (tracked_status[i] == status)
      return i;
  return OTHER_STATUS;
}

void metrics_observe(size_t route_index, unsigned status,
                     uint64_t duration_ns) {
  if (route_index > MAX_ROUTES || route_index > routes_count)
    route_index = routes_count < MAX_ROUTES ? routes_count : MAX_ROUTES;
  struct route_metrics *m = &per_route[route_index];
  atomic_fetch_add_explicit(&m->by_status[status_index(status)], 1,
                            memory_order_relaxed);
  double seconds = (double)duration_ns / 1e9;
  size_t b = 0;
  while (b < N_BUCKETS - 1 && seconds > bucket_bounds[b])
    b++;
  atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&m->duration_us_sum, duration_ns / 1000,
                            memory_order_relaxed);
}

struct text {
  char *buf;
  size_t len, cap;
};

static void append(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void append(struct text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
      return;
    if ((size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    t->cap = t->cap * 2 + (size_t)n;
    char *grown = realloc(t->buf, t->cap);
    if (grown == NULL)
      abort();
    t->buf = grown;
  }
}

static void route_label(size_t i, char *buf, size_t len) {
  if (i < routes_count)
    snprintf(buf, len, "route=\"%s\",method=\"%s\"", routes[i].path,
             http_method_name(routes[i].method));
  else
    snprintf(buf, len, "route=\"unmatched\",method=\"\"");
}

static void render_requests(struct text *t, size_t n_routes) {
  append(t, "# HELP opora_http_requests_total HTTP requests answered.\n"
            "# TYPE opora_http_requests_total counter\n");
  char label[256];
  for (size_t i = 0; i <= n_routes; i++) {
    route_label(i, label, sizeof label);
    for (size_t s = 0; s <= N_STATUS; s++) {
      unsigned long v = atomic_load(&per_route[i].by_status[s]);
      if (v == 0)
        continue;
      if (s < N_STATUS)
        append(t, "opora_http_requests_total{%s,status=\"%u\"} %lu\n", label,
               tracked_status[s], v);
      else
        append(t, "opora_http_requests_total{%s,status=\"other\"} %lu\n", label,
               v);
    }
  }
}

static void render_latency(struct text *t, size_t n_routes) {
  append(t, "# HELP opora_http_request_duration_seconds Time to answer.\n"
            "# TYPE opora_http_request_duration_seconds histogram\n");
  char label[256];
  for (size_t i = 0; i <= n_routes; i++) {
    unsigned long count = 0;
    for (size_t b = 0; b < N_BUCKETS; b++)
      count += atomic_load(&per_route[i].buckets[b]);
    if (count == 0)
      continue;
    route_label(i, label, sizeof label);
    unsigned long cumulative = 0;
    for (size_t b = 0; b < N_BUCKETS; b++) {
      cumulative += atomic_load(&per_route[i].buckets[b]);
      if (b < N_BUCKETS - 1)
        append(t,
               "opora_http_request_duration_seconds_bucket{%s,le=\"%g\"} "
               "%lu\n",
               label, bucket_bounds[b], cumulative);
      else
        append(t,
               "opora_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} "
               "%lu\n",
               label, cumulative);
    }
    append(t, "opora_http_request_duration_seconds_sum{%s} %.6f\n", label,
           (double)atomic_load(&per_route[i].duration_us_sum) / 1e6);
    append(t, "opora_http_request_duration_seconds_count{%s} %lu\n", label,
           count);
  }
}

/* The database's outage state (src/db/db_outage.c). */
static void render_outage(struct text *t) {
  append(t,
         "# HELP opora_db_up Whether the database is reachable (0 during an "
         "outage).\n"
         "# TYPE opora_db_up gauge\nopora_db_up %d\n"
         "# HELP opora_db_outage_seconds How long the current outage has "
         "lasted (0 when up).\n"
         "# TYPE opora_db_outage_seconds gauge\nopora_db_outage_seconds %.3f\n"
         "# HELP opora_db_connect_attempts_total Database connection "
         "attempts.\n"
         "# TYPE opora_db_connect_attempts_total counter\n"
         "opora_db_connect_attempts_total %llu\n"
         "# HELP opora_db_refused_total Requests refused because the "
         "database was down.\n"
         "# TYPE opora_db_refused_total counter\nopora_db_refused_total %llu\n",
         db_up() ? 1 : 0, db_outage_seconds(), db_connect_attempts(),
         db_refused_count());
}

/* Where reads went (src/db/db_route.c): per target, and the replicas' state. */
static void render_routing(struct text *t) {
  int n = db_replica_count();
  struct db_route_counts c;
  db_route_counts(&c);
  append(t,
         "# HELP opora_db_reads_total Requests whose reads went to a "
         "database target (primary, or replica N).\n"
         "# TYPE opora_db_reads_total counter\n"
         "opora_db_reads_total{target=\"primary\"} %llu\n",
         c.reads[DB_PRIMARY]);
  for (int r = 1; r <= n; r++)
    append(t, "opora_db_reads_total{target=\"replica%d\"} %llu\n", r,
           c.reads[r]);
  if (n == 0)
    return;
  append(t, "# HELP opora_db_replica_up Whether a replica is reachable.\n"
            "# TYPE opora_db_replica_up gauge\n");
  for (int r = 1; r <= n; r++)
    append(t, "opora_db_replica_up{target=\"replica%d\"} %d\n", r,
           db_target_up(r) ? 1 : 0);
  append(t, "# HELP opora_db_replica_replayed_lsn A replica's replay "
            "position as last seen (bytes of WAL).\n"
            "# TYPE opora_db_replica_replayed_lsn gauge\n");
  for (int r = 1; r <= n; r++)
    append(t, "opora_db_replica_replayed_lsn{target=\"replica%d\"} %llu\n", r,
           (unsigned long long)c.replayed[r]);
  append(t,
         "# HELP opora_db_replay_waits_total Reads that waited for a "
         "replica to replay a write they must see.\n"
         "# TYPE opora_db_replay_waits_total counter\n"
         "opora_db_replay_waits_total %llu\n"
         "# HELP opora_db_replay_waited_out_total Of those, reads that then "
         "went to the primary.\n"
         "# TYPE opora_db_replay_waited_out_total counter\n"
         "opora_db_replay_waited_out_total %llu\n"
         "# HELP opora_db_read_fallbacks_total Reads moved from a replica "
         "to the primary by a failure.\n"
         "# TYPE opora_db_read_fallbacks_total counter\n"
         "opora_db_read_fallbacks_total %llu\n",
         c.waits, c.waited_out, c.fallbacks);
}

/* The school document cache (src/core/doc_cache.c). */
static void render_doc_cache(struct text *t) {
  struct doc_cache_counts c;
  doc_cache_counts(&c);
  append(t,
         "# HELP opora_doc_cache_hits_total School documents answered from "
         "the document cache.\n"
         "# TYPE opora_doc_cache_hits_total counter\n"
         "opora_doc_cache_hits_total %llu\n"
         "# HELP opora_doc_cache_misses_total School documents asked of the "
         "cache and read from the database.\n"
         "# TYPE opora_doc_cache_misses_total counter\n"
         "opora_doc_cache_misses_total %llu\n"
         "# HELP opora_doc_cache_invalidations_total Invalidations applied "
         "(a school, a municipality's schools, or all).\n"
         "# TYPE opora_doc_cache_invalidations_total counter\n"
         "opora_doc_cache_invalidations_total %llu\n"
         "# HELP opora_doc_cache_evictions_total Documents dropped for the "
         "memory bound.\n"
         "# TYPE opora_doc_cache_evictions_total counter\n"
         "opora_doc_cache_evictions_total %llu\n"
         "# HELP opora_doc_cache_bytes Bytes the kept documents take.\n"
         "# TYPE opora_doc_cache_bytes gauge\nopora_doc_cache_bytes %zu\n"
         "# HELP opora_doc_cache_entries Documents kept.\n"
         "# TYPE opora_doc_cache_entries gauge\nopora_doc_cache_entries %zu\n"
         "# HELP opora_doc_cache_listening Whether the cache hears the "
         "database's invalidations (0: it is bypassed).\n"
         "# TYPE opora_doc_cache_listening gauge\n"
         "opora_doc_cache_listening %d\n",
         c.hits, c.misses, c.invalidations, c.evictions, c.bytes, c.entries,
         c.listening ? 1 : 0);
}

/* The pushes of assessment results (src/push/push_progress.c). */
static void render_pushes(struct text *t) {
  struct push_counts c;
  push_counts(&c);
  append(t,
         "# HELP opora_pushes_total Pushes of assessment results ended, by "
         "outcome (failed: ended without their record: 4xx, 5xx, client "
         "gone).\n"
         "# TYPE opora_pushes_total counter\n"
         "opora_pushes_total{outcome=\"committed\"} %llu\n"
         "opora_pushes_total{outcome=\"rejected\"} %llu\n"
         "opora_pushes_total{outcome=\"dry_run\"} %llu\n"
         "opora_pushes_total{outcome=\"failed\"} %llu\n"
         "# HELP opora_push_rows_total Rows of pushes: received and rejected "
         "as they come, accepted (received less rejected) when their push "
         "ends.\n"
         "# TYPE opora_push_rows_total counter\n"
         "opora_push_rows_total{kind=\"received\"} %llu\n"
         "opora_push_rows_total{kind=\"accepted\"} %llu\n"
         "opora_push_rows_total{kind=\"rejected\"} %llu\n"
         "# HELP opora_pushes_running Pushes running now.\n"
         "# TYPE opora_pushes_running gauge\nopora_pushes_running %ld\n",
         c.committed, c.rejected, c.dry_run, c.failed, c.rows_received,
         c.rows_accepted, c.rows_rejected, c.running);
}

char *metrics_render(size_t *len) {
  struct text t = {.buf = malloc(8192), .len = 0, .cap = 8192};
  if (t.buf == NULL)
    abort();
  size_t n_routes = routes_count < MAX_ROUTES ? routes_count : MAX_ROUTES;
  render_requests(&t, n_routes);
  render_latency(&t, n_routes);
  append(&t,
         "# HELP opora_db_connections Open database connections.\n"
         "# TYPE opora_db_connections gauge\nopora_db_connections %ld\n"
         "# HELP opora_db_errors_total Failed database statements.\n"
         "# TYPE opora_db_errors_total counter\nopora_db_errors_total %llu\n",
         db_open_connections(), db_error_count());
  struct conn_guard_counts c;
  conn_guard_counts(&c);
  append(&t,
         "# HELP opora_connections_open Open connections on the main "
         "listener.\n"
         "# TYPE opora_connections_open gauge\nopora_connections_open %llu\n"
         "# HELP opora_connections_cut_total Connections cut for a request "
         "head late or a body too slow (answered 408).\n"
         "# TYPE opora_connections_cut_total counter\n"
         "opora_connections_cut_total{reason=\"late_head\"} %llu\n"
         "opora_connections_cut_total{reason=\"slow_body\"} %llu\n"
         "# HELP opora_connections_refused_total Connections refused at the "
         "connection caps (answered 503).\n"
         "# TYPE opora_connections_refused_total counter\n"
         "opora_connections_refused_total %llu\n",
         c.open, c.late_head, c.slow_body, c.refused);
  render_outage(&t);
  render_routing(&t);
  unsigned long long hits, misses;
  size_t bytes;
  kept_counts(&hits, &misses, &bytes);
  append(&t,
         "# HELP opora_kept_lookups_total Lookups of kept answers (school "
         "cards, dashboards) by result.\n"
         "# TYPE opora_kept_lookups_total counter\n"
         "opora_kept_lookups_total{result=\"hit\"} %llu\n"
         "opora_kept_lookups_total{result=\"miss\"} %llu\n"
         "# HELP opora_kept_bytes Bytes of kept answers.\n"
         "# TYPE opora_kept_bytes gauge\nopora_kept_bytes %zu\n",
         hits, misses, bytes);
  render_doc_cache(&t);
  render_pushes(&t);
  *len = t.len;
  return t.buf;
}
