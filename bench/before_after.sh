#!/usr/bin/env bash
# Two builds measured one after the other in one run (issue 18): the read
# path (bench/run.sh), the school reads with writes mixed in
# (bench/doc_cache.sh) and the push (bench/push.sh) of a build before a change
# and of one after it, each against its own database filled with the same
# bench data; prints the results of each, before then after.
#
#   bench/before_after.sh BEFORE_BIN BEFORE_DATABASE_URL AFTER_BIN AFTER_DATABASE_URL [run|doc_cache|push|all]
#
# e.g. a worktree of the commit before at ../before, built like the checkout:
#   git worktree add --detach ../before <commit>
#   cmake -S ../before -B ../before/build-bench -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   cmake --build ../before/build-bench --target opora
#   bench/before_after.sh ../before/build-bench/opora postgresql://.../opora_before \
#     build/opora postgresql://.../opora_after
# Each database is migrated by its own binary (bench/generate). Every figure
# of bench/run.sh and bench/push.sh is printed with its command; the outputs
# stay in BENCH_OUT (default a new /tmp/opora-before-after.* folder).
# Environment: as bench/run.sh and bench/push.sh (BENCH_DURATION,
# BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_ROWS, ...).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
[ $# -ge 4 ] || {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
before_bin=$(realpath "$1") before_db=$2 after_bin=$(realpath "$3") after_db=$4
what=${5:-all}
out=${BENCH_OUT:-$(mktemp -d /tmp/opora-before-after.XXXXXX)}
mkdir -p "$out"

one() { # script label bin db
  local log=$out/$2-$1.txt
  echo "== bench/$1.sh, $2: OPORA_BIN=$3" >&2
  OPORA_BIN=$3 DATABASE_URL=$4 BENCH_OUT=$out/$2-$1 "bench/$1.sh" >"$log" 2>&1 ||
    echo "bench/$1.sh failed for $2 (see $log)" >&2
  sed -n '/^== results/,$p' "$log"
}

for script in run doc_cache push; do
  [ "$what" = all ] || [ "$what" = "$script" ] || continue
  one "$script" before "$before_bin" "$before_db"
  one "$script" after "$after_bin" "$after_db"
done | tee "$out/results.txt"

echo "outputs: $out"
