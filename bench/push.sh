#!/usr/bin/env bash
# The assessment push benchmark (issue 6; figures: docs/PERFORMANCE.md,
# "Assessment push (issue 6)"). Pushes ВПР 2025 Математика 5 класс results in
# the ФИС ОКО Ф1 layout (bench/generate-results) and compares the push with
# the floor: psql \copy of the same file into a bare table.
#
#   DATABASE_URL=postgresql://... bench/push.sh [--rows N] [--schools N]
#                                               [--rounds N] [--floor-only]
#   bench/push.sh --sample-rss PID [SECONDS]   # the RSS sampler alone
#
# 1. Data: bench/generate (the bench region bench-52 and schools
#    bench-00001 .. bench-02000; migrates when needed), then
#    bench/generate-results writes the push file (default 1,000,000 rows over
#    1,500 schools) with the schools' names from the database, and the
#    instrument's JSON next to it.
# 2. Floor: `psql -c '\copy ... FROM file (FORMAT csv, DELIMITER ';',
#    HEADER true)'` into a fresh table with one column per file column (text
#    for codes, names and class; integer for the variant, task scores,
#    primary score and marks; no keys), ROUNDS rounds, wall clock around
#    psql; best and median. Then the same into a table with a primary key on
#    the participant code (reported separately). A CHECKPOINT before every
#    round, of the floor and of the push.
# 3. Push: starts `opora serve` on 127.0.0.1:18081 (--threads $(nproc),
#    --log-level info to a file; a streamed push has no body limit), makes
#    an ingest client of the bench region (`opora client add`; on later runs
#    its secret is renewed in the database) and gets a token
#    (client_credentials), creates the instrument (POST /api/v1/assessments;
#    on 409 finds it with GET /api/v1/assessments?kind=VPR&year=2025&grade=5&
#    subject_code=math), then ROUNDS times: empties the instrument (its
#    results, school statistics and pushes, in SQL), CHECKPOINT, pushes the
#    file with curl into the empty instrument, sampling the server's VmRSS
#    every 100 ms. Then once more, the same file again: the re-push, every
#    row unchanged (target >= 0.5 x the floor); then a correction of 10,000
#    rows (4,000 changed, 3,000 new, 3,000 unchanged; target < 1 s).
# 4. Prints rows/s of floor and push, push/floor (target >= 0.5), the
#    server's RSS before, at its peak and the growth (target < 32 MB), VmHWM,
#    the answers' counts, and the exact commands; everything also goes to
#    BENCH_OUT.
#
# Environment: DATABASE_URL (required), OPORA_BIN (default build/opora),
# BENCH_OUT (default a new /tmp/opora-push-bench.* folder, kept), BENCH_ROWS
# (1000000), BENCH_SCHOOLS (1500), BENCH_ROUNDS (3), BENCH_PUSH_QUERY (the
# push's query string, default mode=strict),
# BENCH_SERVE_ARGS (more arguments for `opora serve`, split on spaces).
# Options override the environment. --floor-only measures the data and the
# floor and starts no server. Needs psql, curl, jq and awk. The floor tables
# (bench_push_floor, bench_push_floor_pk) are dropped at the end. Emptying
# the instrument between rounds TRUNCATEs assessment_results when it holds no
# other instrument's rows, and DELETEs them otherwise.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
die() {
  echo "bench/push.sh: $*" >&2
  exit 2
}
usage() {
  sed -n '/^#   DATABASE_URL=postgresql/,/^#   bench\/push.sh --sample-rss/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The RSS sampler: "epoch_ms VmRSS_kB VmHWM_kB" every 100 ms until PID
# exits or the sampler is killed. Bash builtins only (one `sleep` a sample).
rss_sample() { # pid
  local pid=$1 k v rest rss hwm
  while [ -r "/proc/$pid/status" ]; do
    rss='' hwm=''
    while read -r k v rest; do
      case $k in
      VmRSS:) rss=$v ;;
      VmHWM:) hwm=$v ;;
      esac
    done <"/proc/$pid/status" 2>/dev/null || break
    [ -n "$rss" ] || break # a zombie has no VmRSS
    local now=${EPOCHREALTIME/[.,]/}
    echo "$((now / 1000)) $rss $hwm"
    sleep 0.1
  done
}
# VmRSS or VmHWM of a process now, in kB.
proc_kb() { # pid field
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}
# Samples file -> "samples peak_kB max_hwm_kB".
rss_summary() { # file
  awk 'NF >= 2 {n++; if ($2 > p) p = $2; if ($3 > h) h = $3} END {printf "%d %d %d\n", n, p, h}' "$1"
}
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

rows=${BENCH_ROWS:-1000000}
schools=${BENCH_SCHOOLS:-1500}
rounds=${BENCH_ROUNDS:-3}
floor_only=
while [ $# -gt 0 ]; do
  case $1 in
  --rows | --schools | --rounds)
    [ $# -ge 2 ] || die "$1 needs a value"
    { [[ $2 =~ ^[0-9]{1,9}$ ]] && [ "$((10#$2))" -gt 0 ]; } || die "$1 must be a whole number above 0, not '$2'"
    case $1 in
    --rows) rows=$((10#$2)) ;;
    --schools) schools=$((10#$2)) ;;
    --rounds) rounds=$((10#$2)) ;;
    esac
    shift 2
    ;;
  --floor-only)
    floor_only=1
    shift
    ;;
  --sample-rss)
    { [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]]; } || die "--sample-rss needs a process id"
    [ -r "/proc/$2/status" ] || die "--sample-rss: no process $2"
    secs=${3:-2}
    [[ $secs =~ ^[0-9]+$ ]] || die "--sample-rss: SECONDS must be a whole number, not '$secs'"
    samples=$(mktemp /tmp/opora-rss.XXXXXX)
    rss_sample "$2" >"$samples" &
    sampler=$!
    sleep "$secs"
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    read -r n peak hwm < <(rss_summary "$samples")
    echo "pid $2: $n samples in ${secs}s; VmRSS first $(mb "$(awk 'NR == 1 {print $2}' "$samples")") MB, peak $(mb "$peak") MB; VmHWM $(mb "$hwm") MB; samples: $samples"
    exit 0
    ;;
  -h | --help) usage ;;
  *) die "unknown argument '$1' (--help lists the options)" ;;
  esac
done
for v in rows schools rounds; do
  { [[ ${!v} =~ ^[0-9]{1,9}$ ]] && [ "$((10#${!v}))" -gt 0 ]; } || die "BENCH_${v^^} must be a whole number above 0, not '${!v}'"
  printf -v "$v" '%d' "$((10#${!v}))"
done
[ "$schools" -le 2000 ] || die "--schools must be at most 2000: bench/generate makes bench-00001 .. bench-02000"
[ "$rows" -ge "$schools" ] || die "--rows ($rows) must be at least --schools ($schools)"

cd "$root"
[ -n "${DATABASE_URL:-}" ] ||
  die "DATABASE_URL is not set: the database to benchmark against (it is filled with benchmark data), e.g. postgresql://postgres@/opora_bench?host=/tmp/bench-pg&port=55450"
export DATABASE_URL
opora=${OPORA_BIN:-build/opora}
[ -x "$opora" ] || die "$opora is not an executable: build it first (cmake --build build), or set OPORA_BIN"
opora=$(realpath "$opora")
export OPORA_BIN=$opora
for tool in psql curl jq awk; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done
psql_() { PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_ -tAc 'SELECT 1' >/dev/null || die "cannot connect to DATABASE_URL"

listen=127.0.0.1:18081
base=http://$listen
api=$base/api/v1
if [ -z "$floor_only" ] && curl -s -o /dev/null --max-time 2 "$base/"; then
  die "something already listens on $listen: stop it first"
fi
out=${BENCH_OUT:-$(mktemp -d /tmp/opora-push-bench.XXXXXX)}
mkdir -p "$out"
out=$(realpath "$out")
report=$out/results.txt
: >"$report"
say() { echo "$*" | tee -a "$report"; }

server_pid=
sampler_pid=
cleanup() {
  if [ -n "$sampler_pid" ]; then
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=
  fi
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
  psql_ -c 'DROP TABLE IF EXISTS bench_push_floor, bench_push_floor_pk' 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "== data ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
bench/generate >"$out/generate.txt"
region_id=$(psql_ -tAc "SELECT id FROM regions WHERE code = 'bench-52'")
[ -n "$region_id" ] || die "bench/generate made no region bench-52"
have=$(psql_ -tAc "SELECT count(*) FROM schools WHERE code ~ '^bench-[0-9]{5}\$' AND substr(code, 7)::int <= $schools")
[ "$have" = "$schools" ] || die "the database holds $have of the schools bench-00001 .. bench-$(printf %05d "$schools")"
names=$out/school-names.txt
psql_ -tA -F';' -c "SELECT s.code, m.name, coalesce(s.short_name, s.full_name) FROM schools s JOIN municipalities m ON m.id = s.municipality_id WHERE s.code ~ '^bench-[0-9]{5}\$' ORDER BY s.code" >"$names"
file=$out/results-$rows.csv
gen_cmd=(bench/generate-results --rows "$rows" --schools "$schools" --names "$names" --output "$file")
"${gen_cmd[@]}" 2>&1 | tee -a "$report"
instrument_json=$file.assessment.json
bytes=$(wc -c <"$file")
say "file: $file ($bytes bytes, $rows rows); command: ${gen_cmd[*]}"

# --- the floor ---------------------------------------------------------------
# One column per file column, in the file's order.
n_cols=$(awk -F';' 'NR == 1 {print NF; exit}' "$file")
n_tasks=$((n_cols - 9))
[ "$n_tasks" -ge 1 ] || die "the file's header has $n_cols columns: expected 6 + tasks + 3"
cols='oo text, municipality text, school_name text, participant_code text COLLATE "C", class_name text, variant integer'
for t in $(seq "$n_tasks"); do cols+=", t$t integer"; done
cols+=', primary_score integer, mark integer, journal_mark integer'
copy_opts="(FORMAT csv, DELIMITER ';', HEADER true, ENCODING 'UTF8')"
psql_ -c 'CHECKPOINT' 2>/dev/null || echo "bench/push.sh: CHECKPOINT failed (not a superuser?); going on without" >&2
checkpoint() { psql_ -c 'CHECKPOINT' 2>/dev/null || true; }

# Times ROUNDS runs of \copy into TABLE, made fresh each round with DDL.
# Prints the seconds of each round, one a line.
floor_rounds() { # table ddl
  local table=$1 ddl=$2 i t0 t1
  for i in $(seq "$rounds"); do
    psql_ -c "DROP TABLE IF EXISTS $table" -c "CREATE TABLE $table ($ddl)"
    checkpoint
    t0=$(date +%s.%N)
    psql_ -c "\\copy $table FROM '$file' $copy_opts"
    t1=$(date +%s.%N)
    local n
    n=$(psql_ -tAc "SELECT count(*) FROM $table")
    [ "$n" = "$rows" ] || die "\\copy into $table loaded $n rows, not $rows"
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
  done
}
# "best median" of seconds, one a line.
best_median() {
  sort -n | awk '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f\n", v[1], m}'
}
rps() { awk -v n="$rows" -v s="$1" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}'; }

say "== floor: psql \\copy into a table without keys ($rounds rounds)"
floor_cmd="psql \"\$DATABASE_URL\" -X -q -v ON_ERROR_STOP=1 -c \"\\copy bench_push_floor FROM '$file' $copy_opts\""
floor_times=$(floor_rounds bench_push_floor "$cols")
read -r floor_best floor_median < <(best_median <<<"$floor_times")
say "rounds (s): $(tr '\n' ' ' <<<"$floor_times")"
say "floor: best ${floor_best}s = $(rps "$floor_best") rows/s, median ${floor_median}s = $(rps "$floor_median") rows/s"
say "table: CREATE TABLE bench_push_floor ($cols)"
say "command: $floor_cmd"
table_mb=$(psql_ -tAc "SELECT round(pg_total_relation_size('bench_push_floor') / 1048576.0, 1)")
say "table size: $table_mb MB"

say "== floor with a primary key on the participant code ($rounds rounds)"
floor_pk_times=$(floor_rounds bench_push_floor_pk "${cols/participant_code text COLLATE \"C\"/participant_code text COLLATE \"C\" PRIMARY KEY}")
read -r pk_best pk_median < <(best_median <<<"$floor_pk_times")
say "rounds (s): $(tr '\n' ' ' <<<"$floor_pk_times")"
say "floor_pk: best ${pk_best}s = $(rps "$pk_best") rows/s, median ${pk_median}s = $(rps "$pk_median") rows/s"
say "command: ${floor_cmd//bench_push_floor/bench_push_floor_pk} (participant_code text COLLATE \"C\" PRIMARY KEY)"
psql_ -c 'DROP TABLE IF EXISTS bench_push_floor, bench_push_floor_pk'

if [ -n "$floor_only" ]; then
  say "== --floor-only: no push measured; everything is in $out"
  exit 0
fi

# --- the server, a token, the instrument -------------------------------------
say "== server"
log=$out/opora.log
# shellcheck disable=SC2206 # BENCH_SERVE_ARGS is split on spaces on purpose
serve=("$opora" serve --listen "$listen" --threads "$(nproc)" --log-level info ${BENCH_SERVE_ARGS:-})
"${serve[@]}" 2>"$log" &
server_pid=$!
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ready")" = 200 ] && break
  kill -0 "$server_pid" 2>/dev/null || die "opora serve exited; its log: $log"
  sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ready")" = 200 ] ||
  die "$base/ready did not answer 200 within 10 s; the log: $log"
say "opora serve (pid $server_pid): ${serve[*]} 2>$log"

# An ingest client of the bench region. `opora client add` prints its secret
# once; when the client exists from an earlier run, a new secret is set in
# the database as the server keeps it (SHA-256 of the text).
client_id=bench-push-ingest
secret=
if [ "$(psql_ -tAc "SELECT count(*) FROM clients WHERE client_id = '$client_id'")" = 0 ]; then
  add_out=$("$opora" client add --client-id "$client_id" --role ingest --scope "region:$region_id" \
    --description 'bench/push.sh: pushes of the push benchmark')
  secret=$(sed -n 's/.*secret (shown once): //p' <<<"$add_out")
  say "client: $opora client add --client-id $client_id --role ingest --scope region:$region_id"
fi
if [ -z "$secret" ]; then
  secret=bench-$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  psql_ -v secret="$secret" -v cid="$client_id" -v rid="$region_id" <<'SQL'
UPDATE clients SET secret_hash = sha256(convert_to(:'secret', 'UTF8')), active = true,
  role = 'ingest', scope_kind = 'region', region_id = :rid, municipality_id = NULL, school_id = NULL
WHERE client_id = :'cid';
SQL
  say "client: $client_id exists; a new secret set in the database"
fi
token_body=$(curl -sS -X POST "$api/auth/token" -u "$client_id:$secret" -d grant_type=client_credentials)
token=$(jq -r '.access_token // empty' <<<"$token_body" 2>/dev/null || true)
[ -n "$token" ] || die "POST /api/v1/auth/token gave no access_token: $token_body"
auth=(-H "Authorization: Bearer $token")

# The instrument: created, or found when it exists (409).
inst_status=$(curl -sS -o "$out/instrument.json" -w '%{http_code}' -X POST "$api/assessments" "${auth[@]}" \
  -H 'Content-Type: application/json' --data-binary "@$instrument_json")
case $inst_status in
201 | 200) assessment_id=$(jq -r '.id' "$out/instrument.json") ;;
409)
  curl -sS -o "$out/instrument-list.json" "${auth[@]}" \
    "$api/assessments?kind=VPR&year=2025&grade=5&subject_code=math"
  assessment_id=$(jq -r '[(.items // .data // .)[] | select((.variant_set // "") == "")][0].id // empty' "$out/instrument-list.json")
  ;;
*) die "POST /api/v1/assessments answered $inst_status: $(head -c 2000 "$out/instrument.json")" ;;
esac
[[ ${assessment_id:-} =~ ^[0-9]+$ ]] || die "no instrument id (POST answered $inst_status; see $out/instrument*.json)"
curl -sS -o "$out/instrument.json" "${auth[@]}" "$api/assessments/$assessment_id"
# An instrument left by an earlier run with other boundaries would reject rows.
for f in max_primary_score mark3_from mark4_from mark5_from; do
  want=$(jq -r ".$f" "$instrument_json")
  got=$(jq -r ".$f // empty" "$out/instrument.json" 2>/dev/null || true)
  [ -z "$got" ] || [ "$got" = "$want" ] ||
    die "instrument $assessment_id has $f = $got, the file wants $want: delete the instrument, or use another database"
done
say "instrument: $assessment_id (POST /api/v1/assessments answered $inst_status)"

# Empties the instrument: its results, per-school statistics and pushes.
empty_instrument() {
  local others
  others=$(psql_ -tAc "SELECT count(*) FROM (SELECT 1 FROM assessment_school_stats WHERE assessment_id <> $assessment_id LIMIT 1) x")
  if [ "$others" = 0 ]; then
    psql_ -c 'TRUNCATE assessment_results'
  else
    psql_ -c "DELETE FROM assessment_results WHERE assessment_id = $assessment_id" -c 'VACUUM ANALYZE assessment_results'
  fi
  psql_ -c "DELETE FROM assessment_school_stats WHERE assessment_id = $assessment_id" \
    -c "DELETE FROM imports WHERE assessment_id = $assessment_id"
}

query=${BENCH_PUSH_QUERY-mode=strict}
push_url=$api/assessments/$assessment_id/results${query:+?$query}
# One push: prints "seconds status received inserted updated unchanged
# rejected duration_ms baseline_kB peak_kB hwm_kB samples" and keeps the
# answer in $out/push-NAME.json, the RSS samples in $out/rss-NAME.txt.
push_once() { # name [file]
  local name=$1 src=${2:-$file} body=$out/push-$1.json samples=$out/rss-$1.txt
  local base_kb curl_out status secs n peak hwm counts
  checkpoint
  base_kb=$(proc_kb "$server_pid" VmRSS)
  rss_sample "$server_pid" >"$samples" &
  sampler_pid=$!
  curl_out=$(curl -sS -o "$body" -w '%{http_code} %{time_total}' -X POST "$push_url" "${auth[@]}" \
    -H 'Content-Type: text/csv; charset=utf-8' -H "Idempotency-Key: bench-push-$name-$(date +%s%N)" \
    -H "Expect:" -T "$src") || curl_out="000 0"
  sleep 0.15 # one more sample after the answer
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
  hwm=$(proc_kb "$server_pid" VmHWM)
  read -r status secs <<<"$curl_out"
  read -r n peak _ < <(rss_summary "$samples")
  [ "$peak" -ge "$base_kb" ] || peak=$base_kb
  counts=$(jq -r '[.. | objects | select(has("received") or has("inserted"))][0] // {}
    | [.received, .inserted, .updated, .unchanged, .rejected, .duration_ms] | map(. // "?") | @tsv' "$body" 2>/dev/null ||
    echo '? ? ? ? ? ?')
  echo "$secs $status $counts $base_kb $peak $hwm $n"
}
push_cmd="curl -sS -X POST '$push_url' -H 'Authorization: Bearer <token>' -H 'Content-Type: text/csv; charset=utf-8' -H 'Idempotency-Key: <unique>' -H 'Expect:' -T $file -w '%{http_code} %{time_total}'"

say "== push into an empty instrument ($rounds rounds)"
push_times=
first_base=
max_peak=0
failed=0
for i in $(seq "$rounds"); do
  empty_instrument
  read -r secs status received inserted updated unchanged rejected dur base_kb peak hwm n < <(push_once "first-$i")
  [ -n "$first_base" ] || first_base=$base_kb
  [ "$peak" -le "$max_peak" ] || max_peak=$peak
  say "round $i: HTTP $status in ${secs}s = $(rps "$secs") rows/s; received=$received inserted=$inserted updated=$updated unchanged=$unchanged rejected=$rejected duration_ms=$dur"
  say "  RSS: before $(mb "$base_kb") MB, peak $(mb "$peak") MB (growth $(mb $((peak - base_kb))) MB, $n samples), VmHWM $(mb "$hwm") MB"
  say "  answer: $(head -c 1500 "$out/push-first-$i.json")"
  if [[ $status != 2?? ]]; then
    failed=$((failed + 1))
  else
    push_times+="$secs"$'\n'
    [ "$inserted" = "$rows" ] || say "  WARNING: inserted=$inserted, expected $rows"
  fi
done

say "== re-push: the same file again, every row unchanged (once)"
read -r re_secs re_status re_received re_inserted re_updated re_unchanged re_rejected re_dur re_base re_peak re_hwm re_n < <(push_once repush)
say "re-push: HTTP $re_status in ${re_secs}s = $(rps "$re_secs") rows/s; received=$re_received inserted=$re_inserted updated=$re_updated unchanged=$re_unchanged rejected=$re_rejected duration_ms=$re_dur"
say "  RSS: before $(mb "$re_base") MB, peak $(mb "$re_peak") MB (growth $(mb $((re_peak - re_base))) MB, $re_n samples), VmHWM $(mb "$re_hwm") MB"
say "  answer: $(head -c 1500 "$out/push-repush.json")"
[[ $re_status == 2?? ]] || failed=$((failed + 1))
[ "$re_unchanged" = "$rows" ] || say "  WARNING: unchanged=$re_unchanged, expected $rows"
end_kb=$(proc_kb "$server_pid" VmRSS)

# The correction: the file's first 4,000 rows with another journal mark,
# 3,000 rows as new participants (their codes prefixed with N), 3,000 as
# they are.
corr_summary="correction: not measured (needs --rows of at least 10,001)"
if [ "$rows" -gt 10000 ]; then
  say "== correction: 10,000 rows (4,000 changed, 3,000 new, 3,000 unchanged) into the instrument holding $rows (once)"
  corr=$out/correction.csv
  {
    head -n 1 "$file"
    awk -F';' -v OFS=';' 'NR > 1 && NR <= 4001 { $NF = ($NF == 5 ? 4 : 5); print }' "$file"
    awk -F';' -v OFS=';' 'NR > 4001 && NR <= 7001 { $4 = "N" $4; print }' "$file"
    awk 'NR > 7001 && NR <= 10001' "$file"
  } >"$corr"
  read -r co_secs co_status _ co_inserted co_updated co_unchanged co_rejected co_dur _ < <(push_once correction "$corr")
  corr_summary="correction (10,000 rows into $rows): ${co_secs}s (target < 1 s: $(awk -v s="$co_secs" 'BEGIN {print (s < 1 ? "met" : "NOT met")}')), HTTP $co_status, inserted=$co_inserted updated=$co_updated unchanged=$co_unchanged rejected=$co_rejected duration_ms=$co_dur"
  say "$corr_summary"
  [[ $co_status == 2?? ]] || failed=$((failed + 1))
  [ "$co_inserted $co_updated $co_unchanged" = "3000 4000 3000" ] || say "  WARNING: expected inserted=3000 updated=4000 unchanged=3000"
fi

cleanup
logged=$(grep -c '"status":' "$log" || true)
not2xx=$(grep '"status":' "$log" | grep -vc '"status":2[0-9][0-9],' || true)

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
  echo
  echo "== results ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, ${cpu:-unknown CPU}; $rows rows, $bytes bytes)"
  echo "floor (\\copy, no keys):       best $(rps "$floor_best") rows/s (${floor_best}s), median $(rps "$floor_median") rows/s (${floor_median}s)"
  echo "floor_pk (\\copy, primary key): best $(rps "$pk_best") rows/s (${pk_best}s), median $(rps "$pk_median") rows/s (${pk_median}s)"
  if [ -n "$push_times" ]; then
    read -r push_best push_median < <(best_median <<<"${push_times%$'\n'}")
    echo "push (first, empty instrument): best $(rps "$push_best") rows/s (${push_best}s), median $(rps "$push_median") rows/s (${push_median}s)"
    awk -v p="$push_median" -v f="$floor_median" -v pb="$push_best" -v fb="$floor_best" -v pk="$pk_median" 'BEGIN {
      r = f / p
      printf "push/floor (medians): %.2f (target >= 0.5: %s); best/best %.2f; push/floor_pk (medians) %.2f\n", r, (r >= 0.5 ? "met" : "NOT met"), fb / pb, pk / p }'
  else
    echo "push (first): no round answered 2xx"
  fi
  growth=$((max_peak - first_base))
  echo "server RSS: baseline $(mb "$first_base") MB before the first push, peak $(mb "$max_peak") MB over the first pushes, growth $(mb "$growth") MB (target < 32 MB: $([ "$growth" -lt 32768 ] && echo met || echo NOT met)); after the re-push $(mb "$end_kb") MB"
  echo "re-push (every row unchanged): $(rps "$re_secs") rows/s (${re_secs}s), HTTP $re_status, unchanged=$re_unchanged; RSS growth $(mb $((re_peak - re_base))) MB"
  awk -v p="$re_secs" -v f="$floor_median" 'BEGIN { r = (p > 0 ? f / p : 0)
    printf "re-push/floor (floor median): %.2f (target >= 0.5: %s)\n", r, (r >= 0.5 ? "met" : "NOT met") }'
  echo "$corr_summary"
  echo "server log: $logged requests, $not2xx not 2xx ($log)"
  echo "commands:"
  echo "  ${gen_cmd[*]}"
  echo "  $floor_cmd   (x$rounds, fresh table each round; and into bench_push_floor_pk)"
  echo "  ${serve[*]} 2>$log"
  echo "  $push_cmd   (x$rounds into the emptied instrument, then once more: the re-push)"
  echo "output: $out"
} | tee -a "$report"
if [ "$failed" != 0 ]; then
  echo "bench/push.sh: $failed pushes were not answered 2xx (answers in $out/push-*.json, log $log): the push figures are not valid" >&2
  exit 1
fi
