#!/usr/bin/env bash
# Times identification runs over one region: the median and the longest of
# N POSTs of each kind (ШНОР over 2 and 3 years, ШНСУ), one after another,
# over the data the server holds (docs/PERFORMANCE.md, "Identification").
#
#   bench/identification.sh http://127.0.0.1:8080 "$TOKEN" REGION_ID [N]
#
# TOKEN: an admin's token (POST /api/v1/auth/login). Each POST stores a run.
set -euo pipefail
base=$1 token=$2 region=$3 n=${4:-10}
for body in \
  "{\"kind\":\"low_results\",\"year\":2025,\"region_id\":$region}" \
  "{\"kind\":\"low_results\",\"year\":2025,\"region_id\":$region,\"parameters\":{\"years\":3}}" \
  "{\"kind\":\"unfavourable_context\",\"year\":2025,\"region_id\":$region}"; do
  for ((i = 0; i < n; i++)); do
    curl -s -o /dev/null -w "%{time_total}\n" -X POST "$base/api/v1/identification-runs" \
      -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body"
  done | sort -n | awk -v b="$body" '{a[NR]=$1} END {printf "median %.3f s, max %.3f s  %s\n", a[int((NR+1)/2)], a[NR], b}'
done
