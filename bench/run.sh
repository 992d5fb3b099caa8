#!/usr/bin/env bash
# The read-path benchmark (figures: docs/PERFORMANCE.md). Every request
# carries a bearer token of a reader of the bench region.
#
#   DATABASE_URL=postgresql://... bench/run.sh
#
# 1. bench/generate fills the database (1 region, 40 municipalities, 2,000
#    schools, 100 roadmaps of 60 items; migrates it first when needed).
# 2. Starts `opora serve` on 127.0.0.1:18080 with --threads $(nproc), logging
#    at info level to a file and metrics on (they always are), and waits for
#    /ready.
# 3. GET /api/v1/schools/{id} over all generated ids: the shared harness
#    ../shared/bench/compare.sh (next to the checkout) measures Opora, the floor
#    (bare libmicrohttpd + libpq) and the peer (fastify + pg) in one run and
#    prints server_rps, floor_rps, peer_rps, vs_floor and vs_peer.
# 4. GET /api/v1/schools?municipality=<id>&limit=50 over the 40 generated
#    municipalities: compare.sh again (the floor and the peer answer such a
#    page too, without auth or scope).
# 5. GET /api/v1/roadmaps/{id}?include=items over the 100 generated roadmaps
#    (60 items each, with due dates and overdue flags): wrk, requests/s.
# 6. GET /api/v1/indicators/{code}/aggregate over 30 indicators x 5 school
#    years of 2,000 schools, and GET /api/v1/monitoring/campaigns/{id}/
#    completeness of a campaign of 2,000 schools: requests/s and p99, at
#    BENCH_CONNECTIONS and at BENCH_DASHBOARD_CONNECTIONS (8).
# Builds nothing: it runs OPORA_BIN (default build/opora in the checkout).
# The server inherits the environment: OPORA_DATABASE_READ_URL set, it reads
# from those replicas (bench/replica.sh runs it so).
#
# Environment: DATABASE_URL (required), OPORA_BIN, BENCH_DURATION (seconds per
# measurement, 8), BENCH_ROUNDS (compare.sh rounds, 3), BENCH_CONNECTIONS (32),
# BENCH_OUT (folder for the paths files, the outputs and the server log;
# default a new /tmp/opora-bench.* folder, kept). Needs psql, curl, wrk, cc, node and npm
# (compare.sh runs `npm ci` for the peer).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
die() {
  echo "bench/run.sh: $*" >&2
  exit 2
}
# shellcheck source=bench/lib.sh
. bench/lib.sh

[ -n "${DATABASE_URL:-}" ] ||
  die "DATABASE_URL is not set: the database to benchmark against (it is filled with benchmark data), e.g. postgresql://postgres@127.0.0.1:5432/opora_bench"
export DATABASE_URL

# The shared harness lives next to the checkout, not in it.
compare=../shared/bench/compare.sh
paths_lua=../shared/bench/paths.lua
if [ ! -f "$compare" ] || [ ! -f "$paths_lua" ]; then
  die "the shared harness is missing: expected $root/$compare and $root/$paths_lua (the checkout must sit next to shared/)"
fi

opora=${OPORA_BIN:-build/opora}
[ -x "$opora" ] || die "$opora is not an executable: build it first (cmake --build build), or set OPORA_BIN"
opora=$(realpath "$opora")
export OPORA_BIN=$opora
for tool in psql curl wrk cc node npm; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done

duration=${BENCH_DURATION:-8}
rounds=${BENCH_ROUNDS:-3}
conns=${BENCH_CONNECTIONS:-32}
threads=$(nproc)
listen=127.0.0.1:18080
base=http://$listen
out=${BENCH_OUT:-$(mktemp -d /tmp/opora-bench.XXXXXX)}
mkdir -p "$out"
out=$(realpath "$out")

if curl -s -o /dev/null --max-time 2 "$base/"; then
  die "something already listens on $listen: stop it first"
fi

echo "== data"
bench/generate

detail_paths=$out/schools.paths
list_paths=$out/schools-by-municipality.paths
psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -tA -c \
  "SELECT '/api/v1/schools/' || id FROM schools WHERE code ~ '^bench-[0-9]{5}\$' ORDER BY id" >"$detail_paths"
psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -tA -c \
  "SELECT '/api/v1/schools?municipality=' || id || '&limit=50' FROM municipalities WHERE code ~ '^bench-m[0-9]{2}\$' ORDER BY id" >"$list_paths"
roadmap_paths=$out/roadmaps.paths
psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -tA -c \
  "SELECT '/api/v1/roadmaps/' || r.id || '?include=items' FROM roadmaps r JOIN schools s ON s.id = r.owner_school_id WHERE s.code ~ '^bench-[0-9]{5}\$' ORDER BY r.id" >"$roadmap_paths"
aggregate_paths=$out/aggregates.paths
psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -tA -c \
  "SELECT '/api/v1/indicators/' || ci.indicator_code || '/aggregate?period=' || replace(p, '/', '%2F') || '&group_by=municipality' FROM campaign_indicators ci JOIN campaigns c ON c.id = ci.campaign_id JOIN regions r ON r.id = c.region_id AND r.code = 'bench-52' CROSS JOIN unnest(ARRAY['2020/21','2021/22','2022/23','2023/24','2024/25']) p ORDER BY 1" >"$aggregate_paths"
completeness_paths=$out/completeness.paths
psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -tA -c \
  "SELECT '/api/v1/monitoring/campaigns/' || c.id || '/completeness?limit=50' || q FROM campaigns c JOIN regions r ON r.id = c.region_id AND r.code = 'bench-52' CROSS JOIN unnest(ARRAY['', '&state=missing']) q" >"$completeness_paths"
echo "paths: $(wc -l <"$detail_paths") in $detail_paths, $(wc -l <"$list_paths") in $list_paths, $(wc -l <"$roadmap_paths") in $roadmap_paths, $(wc -l <"$aggregate_paths") in $aggregate_paths, $(wc -l <"$completeness_paths") in $completeness_paths"

# Every request carries a token, as real callers' do: a reader of the bench
# region (its scope check runs in every statement), with a fresh token made
# in the database as the server would make it (SHA-256 of the text).
token=$(bench_token bench-reader reader)

echo "== server"
log=$out/opora.log
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM
serve=("$opora" serve --listen "$listen" --threads "$threads" --log-level info)
"${serve[@]}" 2>"$log" &
server_pid=$!
bench_wait_ready "$base" "$server_pid" "$log"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")" = 200 ] || die "$base/metrics is not answering"
first_list=$(head -n1 "$list_paths")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$first_list")" = 200 ] ||
  die "$base$first_list did not answer 200 with the bench token"
echo "opora serve (pid $server_pid): ${serve[*]} 2>$log"

echo "== GET /api/v1/schools/{id}: Opora vs floor vs peer (${rounds} rounds of ${duration}s, ${conns} connections)"
compare_cmd=("$compare" --url "$base" --paths "$detail_paths" --token "$token"
  --duration "$duration" --rounds "$rounds" --connections "$conns")
"${compare_cmd[@]}" | tee "$out/compare.txt" || die "compare.sh failed: ${compare_cmd[*]}"
compare_out=$(cat "$out/compare.txt")

echo "== GET /api/v1/schools?municipality=<id>&limit=50: Opora vs floor vs peer (${rounds} rounds of ${duration}s, ${conns} connections)"
# The floor and the peer answer such a page too (the first 50 schools of the
# municipality by name), without auth or scope: Opora checks both.
list_cmd=("$compare" --url "$base" --paths "$list_paths" --token "$token"
  --duration "$duration" --rounds "$rounds" --connections "$conns")
"${list_cmd[@]}" | tee "$out/list.txt" || die "compare.sh failed: ${list_cmd[*]}"
list_out=$(cat "$out/list.txt")

echo "== GET /api/v1/roadmaps/{id}?include=items, 60 items with overdue flags (${duration}s, ${conns} connections)"
roadmap_cmd=(wrk -t2 -c"$conns" -d"${duration}s" -s "$paths_lua" "$base" -- "$roadmap_paths" "$token")
"${roadmap_cmd[@]}" | tee "$out/roadmaps.txt" || die "wrk failed: ${roadmap_cmd[*]}"
roadmap_out=$(cat "$out/roadmaps.txt")
roadmap_rps=$(awk '/Requests\/sec/ {print $2}' <<<"$roadmap_out")
roadmap_latency=$(awk '/Latency/ {print $2; exit}' <<<"$roadmap_out")
roadmap_errors=$(awk '/Non-2xx|Socket errors/' <<<"$roadmap_out")

# wrk --latency: requests/s and the 99th percentile of latency.
measure_latency() { # name paths connections
  local cmd=(wrk -t2 -c"$3" -d"${duration}s" --latency -s "$paths_lua" "$base" -- "$2" "$token")
  echo "== $1 (${duration}s, $3 connections)"
  "${cmd[@]}" | tee "$out/$1.txt" || die "wrk failed: ${cmd[*]}"
  printf '%s' "${cmd[*]/$token/<token>}" >"$out/$1.cmd"
}
# The dashboards at the bench's connections and at 8 (issue 18's p99 target).
dash_conns=${BENCH_DASHBOARD_CONNECTIONS:-8}
measure_latency aggregate "$aggregate_paths" "$conns"
measure_latency aggregate-c"$dash_conns" "$aggregate_paths" "$dash_conns"
measure_latency completeness "$completeness_paths" "$conns"
measure_latency completeness-c"$dash_conns" "$completeness_paths" "$dash_conns"
latency_line() { # name
  local f=$out/$1.txt
  echo "  ${1}_rps=$(awk '/Requests\/sec/ {print $2}' "$f") p99=$(awk '$1 == "99%" {print $2}' "$f")$(awk '/Non-2xx|Socket errors/ {printf " (%s)", $0}' "$f")"
  echo "  command: $(cat "$out/$1.cmd")"
}

stop_server
# Every request is logged: a database failure in the middle of a measurement
# would show up here as non-2xx answers, which wrk alone does not report.
logged=$(grep -c '"status":' "$log" || true)
failed=$(grep '"status":' "$log" | grep -vc '"status":2[0-9][0-9],' || true)

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
cat <<EOF

== results ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, ${cpu:-unknown CPU})
GET /api/v1/schools/{id}, 2,000 ids:
  $(tail -n1 <<<"$compare_out")
  command: DATABASE_URL=... ${compare_cmd[*]/$token/<token>}
GET /api/v1/schools?municipality=<id>&limit=50, 40 municipalities (the floor and the peer without auth or scope):
  $(tail -n1 <<<"$list_out")
  command: DATABASE_URL=... ${list_cmd[*]/$token/<token>}
GET /api/v1/roadmaps/{id}?include=items, 100 roadmaps of 60 items:
  roadmap_rps=${roadmap_rps:-?} mean_latency=${roadmap_latency:-?}${roadmap_errors:+ ($roadmap_errors)}
  command: ${roadmap_cmd[*]/$token/<token>}
GET /api/v1/indicators/{code}/aggregate?period=&group_by=municipality, 30 indicators x 5 years over 2,000 schools:
$(latency_line aggregate)
$(latency_line aggregate-c"$dash_conns")
GET /api/v1/monitoring/campaigns/{id}/completeness?limit=50 (and &state=missing), 2,000 schools:
$(latency_line completeness)
$(latency_line completeness-c"$dash_conns")
server: ${serve[*]} 2>$log${OPORA_DATABASE_READ_URL:+ (reads from OPORA_DATABASE_READ_URL=$OPORA_DATABASE_READ_URL)}
  (logging at info level to that file: $logged requests logged, $failed of them not 2xx; metrics on)
EOF
if [ "$failed" != 0 ]; then
  echo "bench/run.sh: $failed requests were not answered 2xx (see $log): the figures above are not valid" >&2
  exit 1
fi
