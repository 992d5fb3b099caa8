#!/usr/bin/env bash
# Times identification over one region: the median and the longest of N
# calls of each, one after another, over the data the server holds
# (docs/PERFORMANCE.md, "Identification"): POST runs of each kind (ШНОР
# over 2 and 3 years, ШНСУ, resilient), then GET the partner proposals of
# the last ШНОР run over 2 years, with the default resilient model and
# with the last resilient run named.
#
#   bench/identification.sh http://127.0.0.1:8080 "$TOKEN" REGION_ID [N]
#
# TOKEN: an admin's token (POST /api/v1/auth/login). N: 5 by default.
# BENCH_WARMUP (2, the threads of `opora serve --threads 2`): calls made
# before the N timed ones, untimed: the first call on each of the server's
# connections also plans its statements and fills its caches. Each POST
# stores a run. A call answered other than 2xx stops the script.
set -euo pipefail
base=$1 token=$2 region=$3 n=${4:-5} warmup=${BENCH_WARMUP:-2}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# call METHOD PATH [BODY]: prints curl's time_total and the status; the
# answer is left in $out.
call() {
  local args=(-s -o "$out" -w '%{time_total} %{http_code}\n' -X "$1"
    "$base$2" -H "Authorization: Bearer $token")
  [ $# -gt 2 ] && args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}"
}

# measure LABEL METHOD PATH [BODY]: the warm-up calls, then N calls and
# their median and longest.
measure() {
  local label=$1 t code i
  shift
  for ((i = 0; i < warmup + n; i++)); do
    read -r t code < <(call "$@")
    if [[ $code != 2?? ]]; then
      echo "$label: HTTP $code: $(head -c 300 "$out")" >&2
      exit 1
    fi
    ((i < warmup)) || echo "$t"
  done | sort -n | awk -v l="$label" '{a[NR] = $1}
    END {printf "median %.3f s, max %.3f s  %s\n", a[int((NR + 1) / 2)], a[NR], l}'
}

# The id of the run the last answer is (answers are compact, "id" first).
last_id() { sed -n 's/^{"id":\([0-9]*\).*/\1/p' "$out"; }

runs=/api/v1/identification-runs
measure "ШНОР, 2 years" POST $runs \
  "{\"kind\":\"low_results\",\"year\":2025,\"region_id\":$region}"
low=$(last_id)
measure "ШНОР, 3 years" POST $runs \
  "{\"kind\":\"low_results\",\"year\":2025,\"region_id\":$region,\"parameters\":{\"years\":3}}"
measure "ШНСУ, 2 years" POST $runs \
  "{\"kind\":\"unfavourable_context\",\"year\":2025,\"region_id\":$region}"
measure "resilient, 2 years" POST $runs \
  "{\"kind\":\"resilient\",\"year\":2025,\"region_id\":$region}"
res=$(last_id)
measure "partner proposals of run $low, default model" GET \
  "$runs/$low/partner-proposals"
measure "partner proposals of run $low, resilient run $res" GET \
  "$runs/$low/partner-proposals?resilient_run=$res"
