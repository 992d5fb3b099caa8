#!/usr/bin/env bash
# The test command: installs what is missing, builds build/ and build-asan/
# (AddressSanitizer + UndefinedBehaviorSanitizer), starts a private PostgreSQL
# and a streaming replica of it (scripts/lib.sh start_private_replica; fails
# when the replica cannot be made) unless DATABASE_URL is set: then that
# server's URL is the tests' admin URL too, and the replica is
# OPORA_TEST_REPLICA_URL if given (none otherwise: the replica tests skip).
# Then it runs every check: clang-format, the OpenAPI linter (on the spec's
# sources in openapi/ and on openapi.yaml, their bundle), all ctest tests
# (among them that openapi.yaml is that bundle, and headless Chromium on the
# docs page and on a page of another origin, and the typed TypeScript client
# against the spec: tests/browser), the unit and API tests
# again under the sanitizers, 5 seconds of
# fuzzing each parser (libFuzzer, scripts/lib.sh run_fuzz_briefly),
# PostgreSQL stopped and started under load (tests/fault/db_outage.sh, on the
# release build and a cluster of its own), `docker-compose config`, the
# Debian package (built, checked, installed and purged: tests/package/) and
# what can be checked of the Docker image without building it. Stops the
# replica and the PostgreSQL it started; exits non-zero when anything failed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPORA_ROOT"

JOBS=${OPORA_JOBS:-2}
# check_openapi installs the Redocly CLI before ctest runs: the bundle check
# (spec_bundle_is_fresh) then fails rather than skips without it.
export OPORA_REQUIRE_OPENAPI_CLI=1
# check_browser_deps installs tests/browser's packages (chromium is among the
# test packages): the ctest tests of label browser then fail rather than skip.
export OPORA_REQUIRE_BROWSER_TESTS=1
TEST_TIMEOUT=${OPORA_TEST_TIMEOUT:-600} # seconds per ctest test

install_missing "${OPORA_TEST_PACKAGES[@]}"
build build
build build-asan -DOPORA_SANITIZE=ON

cleanup() {
  if [[ ${OPORA_PG_REPLICA_STARTED:-0} == 1 || ${OPORA_PG_STARTED:-0} == 1 ]]; then
    stop_private_replica || true
  fi
  if [[ ${OPORA_PG_STARTED:-0} == 1 ]]; then stop_private_pg || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${DATABASE_URL:-} ]]; then
  export OPORA_TEST_ADMIN_URL=${OPORA_TEST_ADMIN_URL:-$DATABASE_URL}
fi
OPORA_PG_FAST=1 # test data is disposable: skip fsync in a cluster we start
start_private_pg
start_private_replica

# Each check is a function returning 0 (ok), 2 (skipped) or anything else
# (failed). set -e does not apply inside them (they run left of `||`), so each
# command's status is checked explicitly.
results=()
failed=0
run_check() {
  local name=$1 rc=0
  shift
  say "=== $name"
  "$@" || rc=$?
  case $rc in
  0) results+=("$name ok") ;;
  2) results+=("$name skipped") ;;
  *)
    results+=("$name FAILED")
    failed=1
    say "$name FAILED"
    ;;
  esac
  return 0
}

check_format() {
  local -a files=()
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files, and new ones not ignored (so a check before the first
    # commit sees them too).
    mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h')
  else
    mapfile -d '' files < <(find src include tests bench -name '*.[ch]' -print0 2>/dev/null)
  fi
  if ((${#files[@]} == 0)); then
    say "no C sources found"
    return 1
  fi
  local f
  local -a bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if ((${#bad[@]} > 0)); then
    clang-format --dry-run -Werror "${bad[@]}" 2>&1 | head -n 40
    say "not clang-formatted (${#bad[@]} of ${#files[@]} files): ${bad[*]}"
    say "fix with: clang-format -i ${bad[*]}"
    return 1
  fi
  say "clang-format: ${#files[@]} files ok"
}

check_openapi() {
  local dir=$OPORA_ROOT/tools/openapi-lint
  if [[ ! -f $dir/package.json || ! -f $dir/package-lock.json ]]; then
    say "tools/openapi-lint/package.json or package-lock.json is missing"
    return 1
  fi
  if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund) || return 1
  fi
  export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
  local -a config=()
  if [[ -f redocly.yaml ]]; then config=(--config redocly.yaml); fi
  # The sources (openapi/) and their committed bundle, the served spec.
  "$dir/node_modules/.bin/redocly" lint "${config[@]}" openapi/openapi.yaml openapi.yaml
}

# The packages of tests/browser (playwright-core, openapi-typescript,
# typescript; npm ci) for the ctest tests browser_docs_and_cors (headless
# Chromium: the docs page, CORS from a second origin; screenshots in
# build/test-artifacts/browser/) and typescript_client (the typed client).
check_browser_deps() {
  local dir=$OPORA_ROOT/tests/browser
  if [[ ! -f $dir/package.json || ! -f $dir/package-lock.json ]]; then
    say "tests/browser/package.json or package-lock.json is missing"
    return 1
  fi
  if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund) || return 1
  fi
  [[ -x /usr/bin/chromium ]] || {
    say "/usr/bin/chromium is missing (Debian's chromium package)"
    return 1
  }
}

check_ctest() {
  ctest --test-dir build --output-on-failure --no-tests=error -j "$JOBS" --timeout "$TEST_TIMEOUT"
}

check_ctest_asan() {
  local -a env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
  if [[ -f $OPORA_ROOT/tests/lsan.supp ]]; then
    env+=("LSAN_OPTIONS=suppressions=$OPORA_ROOT/tests/lsan.supp:print_suppressions=0")
  fi
  env "${env[@]}" ctest --test-dir build-asan --output-on-failure --no-tests=error \
    -L 'unit|api' -j "$JOBS" --timeout "$TEST_TIMEOUT"
}

# PostgreSQL stopped under load: 503s meanwhile, service back within 1 s,
# every write answered 2xx stored once, connection attempts bounded.
check_db_outage() {
  "$OPORA_ROOT/tests/fault/db_outage.sh" "$OPORA_ROOT/build/opora"
}

# docker-compose.yml read by Debian's docker-compose (installed above), as
# `docker compose up` would: required, not skipped.
check_compose() {
  command -v docker-compose >/dev/null 2>&1 || {
    say "docker-compose is not installed"
    return 1
  }
  docker-compose -f docker-compose.yml config -q
}

# The Debian package from build/ (tests/package/check_deb.sh): fields,
# files, conffile, scripts, opora.env against config.c, systemd-analyze
# verify of the unit.
check_deb() {
  "$OPORA_ROOT/tests/package/check_deb.sh" build
}

# That package installed, run as the user opora against a test database,
# and purged (tests/package/install_deb.sh; skipped when not root or when
# opora is installed on this machine already).
check_deb_install() {
  local -a debs
  debs=("$OPORA_ROOT"/build/opora_*.deb)
  [[ -f ${debs[0]} ]] || {
    say "no build/opora_*.deb: the deb check did not make it"
    return 1
  }
  "$OPORA_ROOT/tests/package/install_deb.sh" "${debs[0]}"
}

# The Dockerfile without a container engine (tests/package/check_image.sh):
# the build stage installs every -dev package CMakeLists.txt needs, the
# runtime stage (the .deb) every library the binary loads.
check_image() {
  "$OPORA_ROOT/tests/package/check_image.sh" build Dockerfile
}

run_check format check_format
run_check openapi-lint check_openapi
run_check browser-deps check_browser_deps
run_check ctest check_ctest
run_check ctest-asan check_ctest_asan
# A short libFuzzer run of every parser: fails on any crash, leak or broken
# invariant.
run_check fuzz run_fuzz_briefly
run_check fault-db-outage check_db_outage
run_check compose-config check_compose
run_check deb check_deb
run_check deb-install check_deb_install
run_check docker-image check_image

summary=$(IFS=,; echo "${results[*]}")
if ((failed)); then
  say "test summary: FAILED (${summary//,/, })"
  exit 1
fi
say "test summary: all checks passed (${summary//,/, })"
