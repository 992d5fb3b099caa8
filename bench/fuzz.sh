#!/usr/bin/env bash
# Fuzzing every parser for longer (issue 17; figures: docs/RELIABILITY.md,
# "Fuzzing"). Builds the libFuzzer targets (scripts/lib.sh build_fuzz:
# build-fuzz/, clang, ASan + UBSan) and runs them one at a time, each for
# SECONDS (default 600) on a copy of its seed corpus tests/fuzz/corpus_<name>/,
# which the run grows. The machine is shared: run it under `nice -n 19`.
#
#   nice -n 19 bench/fuzz.sh [--seconds N] [TARGET...]   # default: all
#
# Prints a Markdown table, one row per target: the seconds it ran,
# executions and executions per second, the coverage of the seeds alone and
# at the end (libFuzzer's cov: edges and ft: features), the corpus it ended
# with (inputs) and the peak RSS; then the exact command. A target that
# failed is marked FAILED with its input (build-fuzz/fuzz_<name>-crash-*).
# Logs and the grown corpora stay in BENCH_OUT (default a new
# /tmp/opora-fuzz.* folder).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

seconds=600
targets=()
while (($#)); do
  case $1 in
  --seconds) seconds=$2 && shift 2 ;;
  -h | --help) sed -n '2,16p' "$0" && exit 0 ;;
  *) targets+=("$1") && shift ;;
  esac
done
((${#targets[@]})) || targets=("${OPORA_FUZZ_TARGETS[@]}")
out=${BENCH_OUT:-$(mktemp -d /tmp/opora-fuzz.XXXXXX)}
mkdir -p "$out"

build_fuzz "${targets[@]}" >"$out/build.log" 2>&1 || die "build failed (log: $out/build.log)"

# "N M" of the last "cov: N ft: M" on the log's lines matching a pattern.
cov_of() {
  grep -E "$2" "$1" | grep -oE 'cov: [0-9]+ ft: [0-9]+' | tail -n 1 | sed -E 's/cov: ([0-9]+) ft: ([0-9]+)/\1 \2/'
}
stat_of() { grep -E "^stat::$2:" "$1" | awk '{print $2}'; }

say "fuzzing ${targets[*]} for ${seconds}s each; logs in $out"
printf '| target | seconds | executions | exec/s | cov/ft of the seeds | cov/ft at the end | corpus | peak RSS MB |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
failed=0
for name in "${targets[@]}"; do
  log=$out/fuzz-$name.log corpus=$out/corpus_$name
  mkdir -p "$corpus"
  started=$(date +%s)
  status=ok
  fuzz_one "$name" "$seconds" "$log" "$corpus" || status=FAILED
  took=$(($(date +%s) - started))
  read -r cov0 ft0 <<<"$(cov_of "$log" 'INITED')" || true
  read -r cov1 ft1 <<<"$(cov_of "$log" '^#[0-9]+')" || true
  row="| fuzz_$name | $took | $(stat_of "$log" number_of_executed_units) |"
  row+=" $(stat_of "$log" average_exec_per_sec) | ${cov0:-?}/${ft0:-?} | ${cov1:-?}/${ft1:-?} |"
  row+=" $(find "$corpus" -type f | wc -l) | $(stat_of "$log" peak_rss_mb) |"
  if [[ $status != ok ]]; then
    row+=" FAILED: $(grep -oE 'Test unit written to .*' "$log" | tail -n 1)"
    failed=1
  fi
  printf '%s\n' "$row"
done
printf '\nCommand: nice -n 19 bench/fuzz.sh --seconds %s %s (clang %s, %s)\n' "$seconds" \
  "${targets[*]}" "$(clang -dumpversion)" "$(date -u +%Y-%m-%d)"
exit "$failed"
