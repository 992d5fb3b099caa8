#!/usr/bin/env bash
# The soak (issue 17; docs/RELIABILITY.md, "Soak"): DURATION seconds of mixed
# traffic at half the measured capacity, one row of figures a minute, and a
# verdict.
#
#   DATABASE_URL=postgresql://... bench/soak.sh            # 30 minutes
#   DATABASE_URL=postgresql://... DURATION=120 bench/soak.sh
#
# 1. Data: `opora migrate`, then `opora demo-data` when the demo accounts
#    are missing (5 regions, 315 schools, roadmaps, monitoring, three years
#    of assessment results; the demo password logs the accounts in). The
#    soak changes the demo data it writes to (items' statuses, schools'
#    phones, item reports, pushed results): use a database for benchmarks.
# 2. Starts `opora serve` on 127.0.0.1:18084 (--threads $(nproc), info log
#    to a file), or uses SOAK_URL and SOAK_PID, a server already running
#    (its process is read in /proc, so it must run on this machine).
# 3. The targets (bench/soak.lua reads them): lists (schools, by
#    municipality, ШНОР, municipalities, assessments, risk summary, roadmaps,
#    overdue items, campaigns), school cards of 2024 and 2025, indicators
#    (the catalogue, a school's values, aggregates), roadmaps with their
#    items, items and their reports. Every read is asked once first; those
#    not answered 200 are left out (a card of a year without data is 404),
#    and the counts are printed. The cards are those of the 225 schools of
#    the other regions, which the soak does not change: a changed card is
#    kept anew under its new ETag (src/core/kept.c, at most 1,024 cards and
#    32 MB), so cards that kept changing would fill that cache for a long
#    time and the RSS criterion would count the filling (some 16 MB of
#    16 kB cards) as growth; unchanged, the 450 cards are kept within the
#    first minute. Each wrk thread asks its own share of the cards, half of
#    them again with If-None-Match (304s).
#    Writes (12 % of requests): PATCH of an item's status and of a school's
#    phone with If-Match, POST of an item report. Logins: LOGINS_PER_MINUTE
#    a minute through the demo accounts.
# 4. Capacity: CAPACITY_SECONDS of the same mix as fast as the server
#    answers (wrk, CONNECTIONS connections, one a thread); the soak runs at
#    FRACTION of it (or at SOAK_RATE requests/s when set: no measurement).
# 5. Every INTERVAL seconds (a minute): a results push (PUSH_ROWS rows of
#    ВПР over the 90 schools of the demo region 33, made by
#    bench/generate-results, two versions alternating so that every push
#    updates rows; the ingest client of the demo; a fresh token each time),
#    and a row: requests, errors, p50 and p99 of the minute (wrk), the push's
#    answer and time; the server's VmRSS (lowest and highest) and open file
#    descriptors (most), sampled every second, and the database's
#    connections (pg_stat_activity, most), every 5 seconds. The lowest RSS
#    is judged: a login's Argon2id takes 64 MB for itself while it runs.
# 6. Prints the table and the verdict, and writes them to SOAK_OUT
#    (table.md: Markdown for docs/RELIABILITY.md; rows.tsv; each minute's
#    wrk output, samples and push answer): RSS growth after warm-up
#    (WARMUP seconds: the lowest RSS of the last row against that of the
#    last warm-up row) < 5 %, 0 errors, p99 flat (the median p99 of the last
#    10 rows within 1.5x the median of the first 5 rows after warm-up).
#    Exits 1 when a criterion fails, 2 when the soak could not run.
#
# Errors: answers other than 2xx/3xx, except 409 (counted apart), wrk's
# socket errors and timeouts, and pushes not answered 2xx. A 412 is an error:
# each wrk thread owns its items and schools, so its ETags are exact.
#
# Environment: DATABASE_URL (required), OPORA_BIN (build/opora), DURATION
# (1800), INTERVAL (60), WARMUP (300; half the run when the run is not
# longer), CONNECTIONS (8), CAPACITY_SECONDS (20), FRACTION (0.5), SOAK_RATE,
# LOGINS_PER_MINUTE (12), PUSH_ROWS (10000), DEMO_PASSWORD (opora-demo),
# DEMO_CLIENT_SECRET (the demo's), SKIP (read kinds to leave out, e.g.
# "card"), SOAK_URL and SOAK_PID, SOAK_OUT (default a new /tmp/opora-soak.*
# folder, kept). Needs psql, curl, jq, wrk (with LuaJIT) and awk. Build a
# release tree first: cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
die() {
  echo "bench/soak.sh: $*" >&2
  exit 2
}
whole() { # name value min
  { [[ $2 =~ ^[0-9]{1,9}$ ]] && [ "$((10#$2))" -ge "$3" ]; } || die "$1 must be a whole number of at least $3, not '$2'"
}

[ -n "${DATABASE_URL:-}" ] ||
  die "DATABASE_URL is not set: the database to soak (demo data is loaded into it), e.g. postgresql://postgres@/opora_soak?host=/tmp&port=5432"
export DATABASE_URL
duration=${DURATION:-1800}
interval=${INTERVAL:-60}
warmup=${WARMUP:-300}
conns=${CONNECTIONS:-8}
cap_secs=${CAPACITY_SECONDS:-20}
fraction=${FRACTION:-0.5}
logins_pm=${LOGINS_PER_MINUTE:-12}
push_rows=${PUSH_ROWS:-10000}
password=${DEMO_PASSWORD:-opora-demo}
whole DURATION "$duration" 1
whole INTERVAL "$interval" 5
whole WARMUP "$warmup" 0
whole CONNECTIONS "$conns" 1
whole CAPACITY_SECONDS "$cap_secs" 5
whole LOGINS_PER_MINUTE "$logins_pm" 0
whole PUSH_ROWS "$push_rows" 90
{ [[ $fraction =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] && awk -v f="$fraction" 'BEGIN {exit !(f > 0)}'; } ||
  die "FRACTION must be above 0 and at most 1, not '$fraction'"
[ -z "${SOAK_RATE:-}" ] || whole SOAK_RATE "$SOAK_RATE" 1
rows=$((duration / interval))
[ "$rows" -ge 1 ] || die "DURATION ($duration) is shorter than INTERVAL ($interval)"
# Warm-up rows: WARMUP, or half the run when the run is not longer.
warm_rows=$((warmup / interval))
[ "$warm_rows" -lt "$rows" ] || warm_rows=$((rows / 2))

opora=${OPORA_BIN:-build/opora}
[ -x "$opora" ] || die "$opora is not an executable: build it first (cmake --build build), or set OPORA_BIN"
opora=$(realpath "$opora")
for tool in psql curl jq wrk awk; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done
psql_() { PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_ -tAc 'SELECT 1' >/dev/null || die "cannot connect to DATABASE_URL"

out=${SOAK_OUT:-$(mktemp -d /tmp/opora-soak.XXXXXX)}
mkdir -p "$out"
out=$(realpath "$out")
report=$out/results.txt
: >"$report"
say() { echo "$*" | tee -a "$report"; }

server_pid=
bg_pids=()
cleanup() {
  local p
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bg_pids=()
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "== data ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
"$opora" migrate >"$out/migrate.txt" 2>&1 || die "opora migrate failed: $out/migrate.txt"
if [ "$(psql_ -tAc "SELECT count(*) FROM users WHERE login IN ('admin', 'vladimir-reader')")" != 2 ]; then
  "$opora" demo-data >"$out/demo-data.txt" 2>&1 || die "opora demo-data failed: $out/demo-data.txt"
  say "demo data loaded"
fi
region_id=$(psql_ -tAc "SELECT id FROM regions WHERE code = '33'")
[ -n "$region_id" ] || die "the demo region 33 is missing"

say "== server"
if [ -n "${SOAK_URL:-}" ]; then
  { [[ ${SOAK_PID:-} =~ ^[0-9]+$ ]] && [ -r "/proc/$SOAK_PID/status" ]; } ||
    die "SOAK_URL needs SOAK_PID, the process id of that server on this machine"
  base=${SOAK_URL%/}
  pid=$SOAK_PID
  log=
  say "using the server at $base (pid $pid)"
else
  listen=127.0.0.1:18084
  base=http://$listen
  if curl -s -o /dev/null --max-time 2 "$base/"; then
    die "something already listens on $listen: stop it first"
  fi
  log=$out/opora.log
  serve=("$opora" serve --listen "$listen" --threads "$(nproc)" --log-level info)
  "${serve[@]}" 2>"$log" &
  server_pid=$!
  pid=$server_pid
  say "opora serve (pid $pid): ${serve[*]} 2>$log"
fi
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ready")" = 200 ] && break
  kill -0 "$pid" 2>/dev/null || die "the server exited${log:+; its log: $log}"
  sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ready")" = 200 ] || die "$base/ready did not answer 200 within 10 s"
api=$base/api/v1

login() { # login -> token
  local body
  body=$(curl -sS -X POST "$api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"login\": \"$1\", \"password\": \"$password\"}")
  jq -r '.access_token // empty' <<<"$body" 2>/dev/null | grep . ||
    die "the demo account $1 cannot log in with DEMO_PASSWORD: $body"
}
reader_token=$(login vladimir-reader)
admin_token=$(login admin)

# --- the targets ---------------------------------------------------------------
say "== targets"
candidates=$out/candidates.txt
psql_ -tA -v rid="$region_id" >"$candidates" <<'SQL'
SELECT 'get list R /api/v1/schools?limit=50'
UNION ALL SELECT 'get list R /api/v1/schools?category=SHNOR&year=2024'
UNION ALL SELECT 'get list R /api/v1/municipalities'
UNION ALL SELECT 'get list R /api/v1/assessments?year=2025&limit=50'
UNION ALL SELECT 'get list R /api/v1/risk-profiles/summary?year=2024'
UNION ALL SELECT 'get list A /api/v1/roadmaps?limit=50'
UNION ALL SELECT 'get list A /api/v1/roadmap-items?overdue=true&limit=20'
UNION ALL SELECT 'get list A /api/v1/monitoring/campaigns'
UNION ALL SELECT 'get list R /api/v1/schools?municipality=' || id || '&limit=50'
  FROM municipalities WHERE region_id = :rid
UNION ALL SELECT 'get card A /api/v1/schools/' || s.id || '/card?year=' || y
  FROM schools s JOIN municipalities m ON m.id = s.municipality_id AND m.region_id <> :rid
  CROSS JOIN (VALUES (2024), (2025)) v(y)
UNION ALL SELECT 'get indicators R /api/v1/indicators'
UNION ALL SELECT 'get indicators R /api/v1/schools/' || s.id || '/indicators'
  FROM schools s JOIN municipalities m ON m.id = s.municipality_id AND m.region_id = :rid
UNION ALL SELECT DISTINCT 'get indicators R /api/v1/indicators/' || v.indicator_code || '/aggregate?period='
    || replace(v.period, '/', '%2F') || '&group_by=municipality'
  FROM indicator_values v JOIN schools s ON s.id = v.school_id
  JOIN municipalities m ON m.id = s.municipality_id AND m.region_id = :rid
UNION ALL SELECT 'get roadmap A /api/v1/roadmaps/' || id || '?include=items' FROM roadmaps
UNION ALL SELECT 'get roadmap A /api/v1/roadmap-items/' || id FROM roadmap_items
UNION ALL SELECT 'get roadmap A /api/v1/roadmap-items/' || i.id || '/reports'
  FROM roadmap_items i JOIN roadmaps r ON r.id = i.roadmap_id AND r.status IN ('approved', 'in_progress')
UNION ALL SELECT 'item ' || i.id
  FROM roadmap_items i JOIN roadmaps r ON r.id = i.roadmap_id AND r.status IN ('approved', 'in_progress')
  WHERE i.status IN ('planned', 'in_progress')
UNION ALL SELECT 'school ' || s.id
  FROM schools s JOIN municipalities m ON m.id = s.municipality_id AND m.region_id = :rid
UNION ALL SELECT 'login ' || login FROM users WHERE active AND login IN
  ('admin', 'vladimir-admin', 'kovrov-uo', 'kovrov-curator', 'melekhovo-school', 'rcoi-ingest', 'vladimir-reader')
SQL
# Every read once: those answered 200 stay in the plan.
plan=$out/plan.txt
: >"$plan"
dropped=0
while read -r kind cat tok path; do
  if [ "$kind" != get ]; then
    echo "$kind $cat" >>"$plan"
    continue
  fi
  case " ${SKIP:-} " in *" $cat "*) continue ;; esac
  [ "$tok" = A ] && t=$admin_token || t=$reader_token
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$base$path")
  case $code in
  200) echo "$kind $cat $tok $path" >>"$plan" ;;
  404) dropped=$((dropped + 1)) ;;
  *) die "GET $path answered $code" ;;
  esac
done <"$candidates"
for cat in list card indicators roadmap; do
  n=$(grep -c "^get $cat " "$plan" || true)
  [ "$n" -gt 0 ] || [[ " ${SKIP:-} " == *" $cat "* ]] || die "no $cat read answered 200 (see $candidates)"
  say "reads ($cat): $n"
done
say "left out (404): $dropped; items: $(grep -c '^item ' "$plan" || true); schools: $(grep -c '^school ' "$plan" || true); logins: $(grep -c '^login ' "$plan" || true)"

# --- the push ------------------------------------------------------------------
# Two versions of one wave over the region's schools (seeds 1 and 2): each
# push changes the rows the one before wrote.
say "== push files"
n_schools=$(psql_ -tAc "SELECT count(*) FROM schools s JOIN municipalities m ON m.id = s.municipality_id WHERE m.region_id = $region_id")
names=$out/school-names.txt
psql_ -tA -F';' -c "SELECT 'bench-' || lpad(row_number() OVER (ORDER BY s.code)::text, 5, '0'), s.code, m.name,
    coalesce(s.short_name, s.full_name)
  FROM schools s JOIN municipalities m ON m.id = s.municipality_id WHERE m.region_id = $region_id ORDER BY s.code" >"$names"
for v in 1 2; do
  bench/generate-results --rows "$push_rows" --schools "$n_schools" --seed "$v" \
    --names <(cut -d';' -f1,3,4 "$names") --output "$out/push-$v.raw.csv" 2>"$out/push-$v.generate.txt" ||
    die "bench/generate-results failed: $out/push-$v.generate.txt"
  # The bench codes become the schools' codes.
  awk -F';' -v OFS=';' 'NR == FNR {code[$1] = $2; next} FNR > 1 && ($1 in code) {$1 = code[$1]} {print}' \
    "$names" "$out/push-$v.raw.csv" >"$out/push-$v.csv"
done
jq '.variant_set = "soak"' "$out/push-1.raw.csv.assessment.json" >"$out/instrument.json"
say "push: $push_rows rows over $n_schools schools: $out/push-1.csv, $out/push-2.csv (bench/generate-results --seed 1, 2)"

client_id=rcoi-vladimir
client_secret=${DEMO_CLIENT_SECRET:-demo-secret-rcoi-vladimir-not-for-production}
client_token() {
  local body
  body=$(curl -sS -X POST "$api/auth/token" -u "$client_id:$client_secret" -d grant_type=client_credentials) || return 1
  jq -r '.access_token // empty' <<<"$body" 2>/dev/null | grep .
}
ctoken=$(client_token) || die "the demo client $client_id got no token (DEMO_CLIENT_SECRET?)"
status=$(curl -sS -o "$out/instrument-answer.json" -w '%{http_code}' -X POST "$api/assessments" \
  -H "Authorization: Bearer $ctoken" -H 'Content-Type: application/json' --data-binary "@$out/instrument.json")
case $status in
200 | 201) assessment_id=$(jq -r .id "$out/instrument-answer.json") ;;
409)
  curl -sS -o "$out/instrument-list.json" -H "Authorization: Bearer $ctoken" \
    "$api/assessments?kind=VPR&year=2025&grade=5&subject_code=math"
  assessment_id=$(jq -r '[.items[] | select(.variant_set == "soak")][0].id // empty' "$out/instrument-list.json")
  ;;
*) die "POST /api/v1/assessments answered $status: $(head -c 1000 "$out/instrument-answer.json")" ;;
esac
[[ ${assessment_id:-} =~ ^[0-9]+$ ]] || die "no instrument (POST answered $status; see $out/instrument-*.json)"
say "instrument: $assessment_id (VPR 2025, 5 класс, math, variant_set soak)"

# One push: writes "HTTP_STATUS SECONDS" to the file given.
push_once() { # n status_file
  local file=$out/push-$(($1 % 2 + 1)).csv token code
  if ! token=$(client_token); then
    echo "000 0" >"$2"
    return
  fi
  code=$(curl -sS -o "$out/push-answer-$1.json" -w '%{http_code} %{time_total}' -X POST \
    "$api/assessments/$assessment_id/results?mode=strict" -H "Authorization: Bearer $token" \
    -H 'Content-Type: text/csv; charset=utf-8' -H "Idempotency-Key: soak-$$-$1" \
    --data-binary "@$file" 2>>"$out/push-errors.txt") || code="000 0"
  echo "$code" >"$2"
}
push_once 0 "$out/push-0.status"
read -r code secs <"$out/push-0.status"
[[ $code == 2?? ]] || die "the first push answered $code: $(head -c 1000 "$out/push-answer-0.json")"
say "first push: HTTP $code in ${secs}s: $(jq -c '[.. | objects | select(has("inserted"))][0] // .' "$out/push-answer-0.json" | head -c 300)"

# --- load ----------------------------------------------------------------------
lua=$root/bench/soak.lua
# wrk for SECONDS at RATE (0: unthrottled) into FILE; its SOAK line -> stdout.
load() { # seconds rate file
  wrk -t"$conns" -c"$conns" -d"$1s" --timeout 10s -s "$lua" "$base" -- \
    "$plan" "$reader_token" "$admin_token" "$2" "$logins_pm" "$password" "$conns" >"$3" 2>&1 || true
  grep '^SOAK ' "$3" || echo "SOAK requests=0 seconds=0 http_errors=0 socket_errors=1 p99_ms=0 errors_seen=wrk-failed:$3"
}
field() { # line key
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

if [ -n "${SOAK_RATE:-}" ]; then
  rate=$SOAK_RATE
  say "== capacity: not measured; SOAK_RATE=$rate requests/s"
else
  say "== capacity: ${cap_secs}s of the mix as fast as answered ($conns connections)"
  line=$(load "$cap_secs" 0 "$out/capacity.txt")
  say "$line"
  cap=$(awk -v n="$(field "$line" requests)" -v s="$(field "$line" seconds)" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}')
  [ "$cap" -gt 0 ] || die "the capacity run answered nothing: $out/capacity.txt"
  rate=$(awk -v c="$cap" -v f="$fraction" 'BEGIN {r = int(c * f + 0.5); print (r < 1 ? 1 : r)}')
  say "capacity: $cap requests/s; the soak runs at $rate requests/s (FRACTION=$fraction)"
fi

mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Every second until killed: "VmRSS_kB fds pg_connections" (the database's
# connections every 5th second, "-" between).
sampler() {
  local i=0 fds pgc
  while [ -r "/proc/$pid/status" ]; do
    fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    pgc=-
    if [ $((i % 5)) = 0 ]; then
      pgc=$(psql_ -tAc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
        AND pid <> pg_backend_pid() AND backend_type = 'client backend'" 2>/dev/null || echo -)
    fi
    echo "$(kb "$pid" VmRSS) $fds $pgc"
    i=$((i + 1))
    sleep 1
  done
}
# Samples file -> "rss_min rss_max fds_max pg_max".
sample_summary() {
  awk '$1 > 0 {if (!n++ || $1 < lo) lo = $1; if ($1 > hi) hi = $1; if ($2 > fd) fd = $2}
    $3 != "-" && $3 > pg {pg = $3} END {printf "%d %d %d %d\n", lo, hi, fd, pg}' "$1"
}

say "== soak: $rows rows of ${interval}s at $rate requests/s, warm-up $warm_rows rows ($(date -u '+%H:%M:%S UTC'))"
table=$out/rows.tsv
printf 'row\trequests\trps\terrors\tconflicts\tnot_modified\tp50_ms\tp99_ms\tpush\tpush_s\trss_min_kB\tfds_max\tpg_conns_max\trss_max_kB\n' >"$table"
printf '%4s %9s %7s %6s %8s %5s %7s %8s %8s %5s %7s\n' row requests req/s errors p99_ms push push_s RSS_min RSS_max fds pg_conn | tee -a "$report"
for m in $(seq "$rows"); do
  push_once "$m" "$out/push-$m.status" &
  push_pid=$!
  load "$interval" "$rate" "$out/wrk-$m.txt" >"$out/soak-$m.line" &
  load_pid=$!
  sampler >"$out/samples-$m.txt" &
  sampler_pid=$!
  bg_pids=("$push_pid" "$load_pid" "$sampler_pid")
  wait "$load_pid" || true
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  read -r rss rss_max fds pgc < <(sample_summary "$out/samples-$m.txt")
  wait "$push_pid" || true
  line=$(cat "$out/soak-$m.line")
  read -r pcode psecs <"$out/push-$m.status"
  n=$(field "$line" requests)
  errs=$(($(field "$line" http_errors) + $(field "$line" socket_errors)))
  [[ $pcode == 2?? ]] || errs=$((errs + 1))
  rps=$(awk -v n="$n" -v s="$(field "$line" seconds)" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}')
  p99=$(field "$line" p99_ms)
  printf '%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n' "$m" "$n" "$rps" "$errs" "$(field "$line" conflicts)" \
    "$(field "$line" not_modified)" "$(field "$line" p50_ms)" "$p99" "$pcode" "$psecs" "$rss" "$fds" "$pgc" "$rss_max" >>"$table"
  printf '%4d %9d %7d %6d %8s %5s %7.2f %8.1f %8.1f %5d %7d\n' "$m" "$n" "$rps" "$errs" "$p99" "$pcode" "$psecs" \
    "$(mb "$rss")" "$(mb "$rss_max")" "$fds" "$pgc" | tee -a "$report"
  seen=$(field "$line" errors_seen)
  [ "$seen" = - ] || [ -z "$seen" ] || echo "  row $m errors: $seen" | tee -a "$report"
  bg_pids=()
  if ! kill -0 "$pid" 2>/dev/null; then
    say "the server (pid $pid) is gone after row $m${log:+; its log: $log}"
    printf '%d\t0\t0\t1\t0\t0\t0\t0\t000\t0\t0\t0\t0\t0\n' "$((m + 1))" >>"$table"
    break
  fi
done
cleanup
logged=0 failed5xx=0
if [ -n "$log" ]; then
  logged=$(grep -c '"status":' "$log" || true)
  failed5xx=$(grep -c '"status":5[0-9][0-9],' "$log" || true)
fi

# --- verdict -------------------------------------------------------------------
# RSS: the last row against the last warm-up row; p99: the median of the last
# 10 rows against the median of the first 5 after warm-up.
verdict=$(awk -F'\t' -v w="$warm_rows" -v iv="$interval" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  NR > 1 { n++; req[n] = $2; err[n] = $4; p99[n] = $8; rss[n] = $11; fd[n] = $12; pg[n] = $13; hi[n] = $14 }
  END {
    b = (w >= 1 ? w : 1)
    for (i = 1; i <= n; i++) {
      errors += err[i]; requests += req[i]
      if (i > w) { post_req += req[i]; if (hi[i] > peak) peak = hi[i] } }
    growth = rss[b] > 0 ? (rss[n] - rss[b]) * 100 / rss[b] : 0
    k = 0; for (i = w + 1; i <= n && i <= w + 5; i++) first[++k] = p99[i]; p_first = median(first, k)
    k = 0; for (i = (n - 9 > w + 1 ? n - 9 : w + 1); i <= n; i++) last[++k] = p99[i]; p_last = median(last, k)
    ratio = p_first > 0 ? p_last / p_first : 0
    ok_rss = growth < 5; ok_err = errors == 0; ok_p99 = ratio <= 1.5
    printf "RSS (the lowest of each row): %.1f MB after warm-up (row %d), %.1f MB at the end (row %d): growth %+.2f %% (< 5 %%: %s); highest after warm-up %.1f MB\n",
      rss[b] / 1024, b, rss[n] / 1024, n, growth, ok_rss ? "met" : "NOT met", peak / 1024
    printf "errors: %d in %d requests and %d pushes (0: %s)\n", errors, requests, n, ok_err ? "met" : "NOT met"
    printf "p99: median %.2f ms of the first rows after warm-up, %.2f ms of the last rows: %.2fx (<= 1.5x: %s)\n",
      p_first, p_last, ratio, ok_p99 ? "met" : "NOT met"
    printf "open file descriptors (the most of each row): %d after warm-up, %d at the end; PostgreSQL connections: %d after warm-up, %d at the end\n",
      fd[b], fd[n], pg[b], pg[n]
    printf "rate: %.0f requests/s on average after warm-up\n", (n > w ? post_req / (n - w) / iv : 0)
    printf "VERDICT %s\n", (ok_rss && ok_err && ok_p99) ? "pass" : "FAIL"
  }' "$table")

# Markdown for docs/RELIABILITY.md.
md=$out/table.md
{
  unit=minute
  [ "$interval" = 60 ] || unit="row (${interval}s)"
  echo "| $unit | requests | req/s | errors | p99 ms | push | RSS MB (low–high) | fds | PG conns |"
  echo "|---:|---:|---:|---:|---:|---|---:|---:|---:|"
  awk -F'\t' -v w="$warm_rows" 'NR > 1 {
    printf "| %s%s | %s | %s | %s | %s | %s in %.2f s | %.1f–%.1f | %s | %s |\n", $1, ($1 <= w ? " (warm-up)" : ""),
      $2, $3, $4, $8, $9, $10, $11 / 1024, $14 / 1024, $12, $13 }' "$table"
  echo
  grep -v '^VERDICT' <<<"$verdict" | sed 's/^/- /'
} >"$md"

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
  echo
  echo "== results ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, ${cpu:-unknown CPU}; $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "load: $rate requests/s${cap:+ (FRACTION=$fraction of the measured $cap)}, $conns connections, $logins_pm logins a minute, a push of $push_rows rows every ${interval}s; $rows rows of ${interval}s, warm-up $warm_rows rows"
  echo "$verdict" | grep -v '^VERDICT'
  [ -z "$log" ] || echo "server log: $logged requests logged, $failed5xx answered 5xx ($log)"
  echo "command: DURATION=$duration INTERVAL=$interval WARMUP=$warmup CONNECTIONS=$conns FRACTION=$fraction${SOAK_RATE:+ SOAK_RATE=$SOAK_RATE}${SKIP:+ SKIP=\"$SKIP\"} LOGINS_PER_MINUTE=$logins_pm PUSH_ROWS=$push_rows bench/soak.sh"
  echo "output: $out (table.md: the table in Markdown)"
} | tee -a "$report"
grep -q '^VERDICT pass' <<<"$verdict" || {
  echo "bench/soak.sh: a criterion is not met (see $report)" >&2
  exit 1
}
echo "bench/soak.sh: every criterion met"
