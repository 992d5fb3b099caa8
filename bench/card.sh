#!/usr/bin/env bash
# The school card under load (docs/PERFORMANCE.md, "The school card"): wrk
# with 8 connections GETs the cards of 2025 of 400 schools of the bench
# region in turn (every ШНОР school and a draw of the others) and prints
# requests/s and the latency percentiles; the target is p99 under 20 ms.
#
#   DATABASE_URL=postgresql://... bench/card.sh http://127.0.0.1:8080 "$TOKEN" [SECONDS]
#
# TOKEN: a token of a caller who sees the region (an admin or a reader of
# it). The data: bench/generate, bench/generate-assessments, then
# bench/generate-card. SECONDS: 15 by default. BENCH_CONNECTIONS: 8.
# Every card is asked once before the measure (each of the server's
# connections plans the statement once).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
base=$1 token=$2 seconds=${3:-15} conns=${BENCH_CONNECTIONS:-8}
paths_lua=$root/../shared/bench/paths.lua
[ -f "$paths_lua" ] || {
  echo "bench/card.sh: $paths_lua is missing (the checkout must sit next to shared/)" >&2
  exit 2
}
paths=$(mktemp)
trap 'rm -f "$paths"' EXIT
psql "$DATABASE_URL" -X -tA -c "
  SELECT '/api/v1/schools/' || s.id || '/card?year=2025' FROM schools s
  WHERE s.code LIKE 'bench-%' AND (EXISTS (SELECT 1 FROM school_statuses st
    WHERE st.school_id = s.id AND st.category = 'SHNOR')
    OR md5(s.code) < '2')
  ORDER BY md5(s.code) LIMIT 400" >"$paths"
echo "bench/card.sh: $(wc -l <"$paths") cards" >&2
while read -r p; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$p")
  [ "$code" = 200 ] || {
    echo "bench/card.sh: $p answered $code" >&2
    exit 1
  }
done <"$paths"
wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$paths_lua" "$base" -- "$paths" "$token"
