#!/usr/bin/env bash
# The school document cache beyond the read-only run of bench/run.sh
# (figures: docs/PERFORMANCE.md, "The school document cache"):
#  1. GET /api/v1/schools/{id} over the 2,000 bench schools with 1 request
#     in 20 a PATCH of one of them (bench/doc_cache_writes.lua);
#  2. GET over the same ids with a cache that holds fewer of them
#     (OPORA_DOC_CACHE_BYTES=$BENCH_SMALL_CACHE, default 256k: about 300
#     documents of the 2,000).
# Each prints requests/s, the wrk summary and the hit ratio from /metrics.
#
#   DATABASE_URL=postgresql://... bench/doc_cache.sh
#
# Fills the database as bench/run.sh does (bench/generate). Environment:
# DATABASE_URL (required), OPORA_BIN (default build/opora), BENCH_DURATION
# (seconds, 8), BENCH_CONNECTIONS (32), BENCH_SMALL_CACHE (256k), BENCH_OUT.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
die() {
  echo "bench/doc_cache.sh: $*" >&2
  exit 2
}
# shellcheck source=bench/lib.sh
. bench/lib.sh
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set"
export DATABASE_URL
paths_lua=../shared/bench/paths.lua
[ -f "$paths_lua" ] || die "the shared harness is missing: $root/$paths_lua"
opora=$(realpath "${OPORA_BIN:-build/opora}")
[ -x "$opora" ] || die "$opora is not an executable: build it first"
for tool in psql curl wrk; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done
duration=${BENCH_DURATION:-8}
conns=${BENCH_CONNECTIONS:-32}
small=${BENCH_SMALL_CACHE:-256k}
listen=127.0.0.1:18080
base=http://$listen
out=${BENCH_OUT:-$(mktemp -d /tmp/opora-bench-cache.XXXXXX)}
mkdir -p "$out"
if curl -s -o /dev/null --max-time 2 "$base/"; then
  die "something already listens on $listen: stop it first"
fi

echo "== data"
bench/generate
paths=$out/schools.paths
psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -tA -c \
  "SELECT '/api/v1/schools/' || id FROM schools WHERE code ~ '^bench-[0-9]{5}\$' ORDER BY id" >"$paths"

# A reader and an admin of the bench region, each with a fresh token.
reader=$(bench_token bench-reader reader)
writer=$(bench_token bench-writer admin)

server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT
start_server() { # cache bytes
  OPORA_DOC_CACHE_BYTES=$1 "$opora" serve --listen "$listen" \
    --threads "$(nproc)" --log-level warn 2>>"$out/opora.log" &
  server_pid=$!
  bench_wait_ready "$base" "$server_pid" "$out/opora.log"
}
metric() { curl -s "$base/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
hit_ratio() {
  local h m
  h=$(metric opora_doc_cache_hits_total)
  m=$(metric opora_doc_cache_misses_total)
  awk -v h="$h" -v m="$m" 'BEGIN {printf "hits=%d misses=%d hit_ratio=%.3f", h, m, (h + m) ? h / (h + m) : 0}'
}
run() { # name cache-bytes wrk-args...
  local name=$1 bytes=$2
  shift 2
  start_server "$bytes"
  echo "== $name (OPORA_DOC_CACHE_BYTES=$bytes, ${duration}s, $conns connections)"
  wrk -t2 -c"$conns" -d"${duration}s" --latency "$@" | tee "$out/$name.txt"
  echo "$name: rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.txt") $(hit_ratio)" | tee -a "$out/summary.txt"
  stop_server
}
: >"$out/summary.txt"
run writes-5pct 32M -s bench/doc_cache_writes.lua "$base" -- "$paths" "$reader" "$writer"
run small-cache "$small" -s "$paths_lua" "$base" -- "$paths" "$reader"
echo "== results (outputs in $out)"
cat "$out/summary.txt"
