# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it, don't run it:
#   . scripts/lib.sh
# Functions: install_missing PKG..., docs_ui_assets, build DIR [CMAKE_ARGS...],
#            build_fuzz [TARGET...], fuzz_one NAME SECONDS LOG [CORPUS],
#            run_fuzz_briefly [SECONDS], start_private_pg, stop_private_pg,
#            start_private_replica, stop_private_replica, say, die.
set -euo pipefail

OPORA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# What the run command needs (the tests are configured by default, so cmocka,
# libcurl and libyaml are needed to configure the build tree too; nodejs and
# npm install the docs page's Swagger UI, which the build embeds), and what
# the test command needs on top. postgresql-contrib-15 (pg_trgm) is provided by
# postgresql-15 on Debian 12.
OPORA_RUN_PACKAGES=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev
  libpq-dev libsodium-dev libxlsxwriter-dev libcmocka-dev libcurl4-openssl-dev libyaml-dev postgresql-15
  postgresql-contrib-15 curl ca-certificates nodejs npm)
# shellcheck disable=SC2034 # used by scripts/test.sh
# clang and libclang-rt-14-dev (the libFuzzer runtime) build the fuzz targets;
# python3-yaml and python3-jsonschema check the API tests' answers against
# openapi.yaml (tests/api/check_answers.py, run with /usr/bin/python3);
# python3-openpyxl reads the Excel tables back (tests/api/check_xlsx.py);
# chromium is the browser of tests/browser (the docs page, CORS).
# dpkg-dev and file: cpack's dpkg-shlibdeps, for the Debian package; systemd:
# systemd-analyze verifies its unit; docker-compose validates
# docker-compose.yml (tests/package/).
OPORA_TEST_PACKAGES=("${OPORA_RUN_PACKAGES[@]}" clang-format git
  clang libclang-rt-14-dev python3-yaml python3-jsonschema python3-openpyxl chromium
  dpkg-dev file systemd docker-compose)

say() { printf 'opora: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# --- packages ----------------------------------------------------------------

# Names of installed packages and of the virtual packages they provide, one a
# line (so "npm" counts as present when a nodejs build that bundles it is
# installed, and postgresql-contrib-15 when postgresql-15 is).
_installed_packages() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' 2>/dev/null |
    awk -F'|' '$1 ~ /^ii/ {
      print $2
      n = split($3, p, /, */)
      for (i = 1; i <= n; i++) { sub(/[ (].*/, "", p[i]); if (p[i] != "") print p[i] }
    }'
}

# install_missing PKG...: apt-get installs only the packages that are missing;
# does nothing (not even apt-get update) when all are present.
install_missing() {
  command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: these scripts expect Debian 12"
  local have pkg
  local -a missing=() sudo=()
  have=$(_installed_packages)
  for pkg in "$@"; do
    grep -qxF -- "$pkg" <<<"$have" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    say "all required packages are installed"
    return 0
  fi
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      die "missing packages and neither root nor sudo: as root, run: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  say "installing missing packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"
}

# --- build -------------------------------------------------------------------

# docs_ui_assets: installs the pinned Swagger UI of tools/docs-ui (npm ci)
# when its node_modules is missing or older than the lock file; the build
# embeds it (GET /api/v1/docs). Install scripts are skipped: the package
# needs none.
docs_ui_assets() {
  local dir=$OPORA_ROOT/tools/docs-ui
  if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    say "installing Swagger UI for the docs page (npm ci in tools/docs-ui)"
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts) ||
      die "npm ci in tools/docs-ui failed"
  fi
}

# build DIR [CMAKE_ARGS...]: configures (RelWithDebInfo, Unix Makefiles) and
# builds DIR (relative paths are relative to the project root).
build() {
  local dir=${1:?build: DIR missing}
  shift
  docs_ui_assets
  [[ $dir == /* ]] || dir=$OPORA_ROOT/$dir
  say "building in ${dir#"$OPORA_ROOT"/} $*"
  cmake -S "$OPORA_ROOT" -B "$dir" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" ||
    die "cmake configure of $dir failed"
  cmake --build "$dir" -j "${OPORA_JOBS:-2}" || die "build in $dir failed"
}

# --- fuzzing -----------------------------------------------------------------

# The libFuzzer targets: tests/fuzz/fuzz_<name>.c, each with its seed corpus
# tests/fuzz/corpus_<name>/ (as in CMakeLists.txt's OPORA_FUZZ_TARGETS).
OPORA_FUZZ_TARGETS=(results_csv results_json json_spec schedule formula cursor request
  roadmap_csv)

# build_fuzz [TARGET...]: builds the targets (all by default) in build-fuzz/
# (CC=clang, -DOPORA_FUZZ=ON, the tests not configured).
build_fuzz() {
  local dir=$OPORA_ROOT/build-fuzz names=("$@")
  ((${#names[@]})) || names=("${OPORA_FUZZ_TARGETS[@]}")
  CC=clang cmake -S "$OPORA_ROOT" -B "$dir" -G "Unix Makefiles" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPORA_FUZZ=ON -DOPORA_TESTS=OFF -DOPORA_DOCS_UI=OFF \
    >/dev/null || return 1
  cmake --build "$dir" -j "${OPORA_JOBS:-2}" --target "${names[@]/#/fuzz_}"
}

# fuzz_one NAME SECONDS LOG [CORPUS]: runs build-fuzz/fuzz_NAME for SECONDS
# on CORPUS (default: a throwaway copy of its seed corpus), libFuzzer's
# output and final stats into LOG. Non-zero when it found a crash, a leak, a
# timeout (an input taking over 20 s) or a broken invariant; the input is
# left as build-fuzz/fuzz_NAME-crash-* (or -leak-, -timeout-).
fuzz_one() {
  local name=$1 seconds=$2 log=$3 corpus=${4:-} dir=$OPORA_ROOT/build-fuzz rc=0 tmp=
  if [[ -z $corpus ]]; then
    tmp=$(mktemp -d) || return 1
    corpus=$tmp
  fi
  cp "$OPORA_ROOT/tests/fuzz/corpus_$name"/* "$corpus"/ || rc=1
  if ((rc == 0)); then
    "$dir/fuzz_$name" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=1024 \
      -print_final_stats=1 -artifact_prefix="$dir/fuzz_$name-" "$corpus" >"$log" 2>&1 || rc=1
  fi
  [[ -z $tmp ]] || rm -rf "$tmp"
  return "$rc"
}

# run_fuzz_briefly [SECONDS]: builds every target and runs each for SECONDS
# ($OPORA_FUZZ_SECONDS, 5) on a copy of its seed corpus, one at a time;
# logs in build-fuzz/fuzz-<name>.log. Returns 1 when the build fails or any
# target fails (the failing log's tail is printed).
run_fuzz_briefly() {
  local seconds=${1:-${OPORA_FUZZ_SECONDS:-5}} dir=$OPORA_ROOT/build-fuzz name log failed=0
  build_fuzz "${OPORA_FUZZ_TARGETS[@]}" || return 1
  say "fuzzing ${#OPORA_FUZZ_TARGETS[@]} parsers for ${seconds}s each"
  for name in "${OPORA_FUZZ_TARGETS[@]}"; do
    log=$dir/fuzz-$name.log
    if fuzz_one "$name" "$seconds" "$log"; then
      say "fuzz_$name: $(grep -E '^stat::number_of_executed_units' "$log" | cut -d' ' -f2) runs," \
        "$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)"
    else
      tail -n 60 "$log" >&2 2>/dev/null
      say "fuzz_$name failed (log: build-fuzz/fuzz-$name.log; input: build-fuzz/fuzz_$name-*)"
      failed=1
    fi
  done
  return "$failed"
}

# --- private PostgreSQL --------------------------------------------------------
#
# A throwaway cluster for development and tests: <repo>/.pgdata/{data,run,
# postgres.log} (or /tmp/opora-pg-<hash>/ when the user postgres cannot reach
# the repository, or $OPORA_PG_DIR when set), port $OPORA_PG_PORT (54329),
# listening on its unix socket and 127.0.0.1 only, trust authentication,
# superuser "postgres". With OPORA_PG_FAST=1 (scripts/test.sh) it trades
# durability for speed (fsync off): test data is thrown away anyway. Otherwise
# it is durable, as a 2xx on a write promises.
# Run as root, the cluster runs as the user postgres (initdb refuses root).

_pg_hash() { printf '%s' "$OPORA_ROOT" | sha256sum | cut -c1-12; }

# The user the cluster runs as.
_pg_user() {
  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 ||
      die "running as root, the private PostgreSQL needs the user 'postgres' (from the postgresql-15 package)"
    echo postgres
  else
    id -un
  fi
}

# _as_pg CMD...: runs CMD as the cluster's user, from / (so that a working
# directory it cannot enter causes no warnings).
_as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

_pg_bindir() {
  local d
  if [[ -n ${OPORA_PG_BINDIR:-} ]]; then
    echo "$OPORA_PG_BINDIR"
    return
  fi
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x $d/initdb && -x $d/pg_ctl ]]; then
      echo "$d"
      return
    fi
  done
  d=$(command -v initdb 2>/dev/null) || die "PostgreSQL server programs (initdb, pg_ctl) not found: install postgresql-15"
  dirname "$d"
}

# Sets _PG_BASE, _PG_DATA, _PG_LOG, _PG_SOCK, _PG_PORT, _PG_BIN.
_pg_layout() {
  local hash
  hash=$(_pg_hash)
  _PG_BIN=$(_pg_bindir)
  _PG_PORT=${OPORA_PG_PORT:-54329}
  if ! [[ $_PG_PORT =~ ^[0-9]{1,5}$ ]] || ((_PG_PORT == 0 || _PG_PORT > 65535)); then
    die "OPORA_PG_PORT must be a TCP port number, got '$_PG_PORT'"
  fi
  if [[ -n ${OPORA_PG_DIR:-} ]]; then
    _PG_BASE=$OPORA_PG_DIR
  else
    _PG_BASE=$OPORA_ROOT/.pgdata
    if ((EUID == 0)) && ! runuser -u postgres -- test -x "$OPORA_ROOT" 2>/dev/null; then
      _PG_BASE=/tmp/opora-pg-$hash
      say "the user postgres cannot reach $OPORA_ROOT; the private PostgreSQL lives in $_PG_BASE instead"
    fi
  fi
  _PG_DATA=$_PG_BASE/data
  _PG_LOG=$_PG_BASE/postgres.log
  _PG_SOCK=$_PG_BASE/run
  # A unix socket path ("<dir>/.s.PGSQL.<port>") may not exceed 107 bytes.
  local sock_file=$_PG_SOCK/.s.PGSQL.$_PG_PORT
  if ((${#sock_file} > 107)); then
    _PG_SOCK=/tmp/opora-pg-$EUID-$hash
    say "socket path under $_PG_BASE is too long for a unix socket; using $_PG_SOCK"
  fi
}

_pg_running() { _as_pg "$_PG_BIN/pg_ctl" status -D "$_PG_DATA" >/dev/null 2>&1; }

# mkdir + chown to the cluster's user, mode 0700.
_pg_mkdir() {
  local dir=$1 user
  user=$(_pg_user)
  mkdir -p "$dir"
  if ((EUID == 0)); then chown "$user:" "$dir"; fi
  chmod 0700 "$dir"
}

# Percent-encodes $1 for a URL query value.
_urlencode() {
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
    [A-Za-z0-9/._~-]) out+=$c ;;
    *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# Quotes $1 as a postgresql.conf string.
_pg_conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# start_private_pg: starts (or reuses) the private cluster unless DATABASE_URL
# is set; exports DATABASE_URL (database opora) and OPORA_TEST_ADMIN_URL
# (database postgres, superuser). Sets OPORA_PG_PRIVATE=1 when the private
# cluster is in use, and OPORA_PG_STARTED=1 when this call started it.
start_private_pg() {
  OPORA_PG_STARTED=0
  OPORA_PG_PRIVATE=0
  if [[ -n ${DATABASE_URL:-} ]]; then
    say "DATABASE_URL is set: using that database, no private PostgreSQL"
    return 0
  fi
  _pg_layout
  local user
  user=$(_pg_user)

  if _pg_running; then
    # Reuse it, on whatever port and socket directory it was started with.
    local pidfile=$_PG_DATA/postmaster.pid running_port running_sock
    running_port=$(sed -n 4p "$pidfile")
    running_sock=$(sed -n 5p "$pidfile")
    if [[ -n $running_port && $running_port != "$_PG_PORT" ]]; then
      say "the private PostgreSQL already runs on port $running_port (not $_PG_PORT); using it"
    fi
    _PG_PORT=${running_port:-$_PG_PORT}
    _PG_SOCK=${running_sock:-$_PG_SOCK}
    say "reusing the private PostgreSQL already running in $_PG_DATA"
  else
    _pg_mkdir "$_PG_BASE"
    if [[ ! -s $_PG_DATA/PG_VERSION ]]; then
      say "creating a private PostgreSQL cluster in $_PG_DATA (user $user)"
      _pg_mkdir "$_PG_DATA"
      _as_pg "$_PG_BIN/initdb" -D "$_PG_DATA" -E UTF8 --locale=C.UTF-8 -U postgres \
        --auth=trust >"$_PG_BASE/initdb.log" 2>&1 ||
        {
          cat "$_PG_BASE/initdb.log" >&2
          die "initdb failed (log above)"
        }
      echo "include_if_exists = 'opora.conf'" | _as_pg tee -a "$_PG_DATA/postgresql.conf" >/dev/null
    fi
    _pg_mkdir "$_PG_SOCK"
    {
      echo "# Written by scripts/lib.sh at every start of the private cluster."
      echo "port = $_PG_PORT"
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = $(_pg_conf_quote "$_PG_SOCK")"
      if [[ ${OPORA_PG_FAST:-0} == 1 ]]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
      echo "max_connections = 200"
    } | _as_pg tee "$_PG_DATA/opora.conf" >/dev/null
    say "starting the private PostgreSQL on port $_PG_PORT (log: $_PG_LOG)"
    if ! _as_pg "$_PG_BIN/pg_ctl" start -D "$_PG_DATA" -l "$_PG_LOG" -w -t 60 >/dev/null; then
      tail -n 20 "$_PG_LOG" >&2 || true
      die "the private PostgreSQL did not start (last lines of $_PG_LOG above; is port $_PG_PORT taken? set OPORA_PG_PORT)"
    fi
    OPORA_PG_STARTED=1
  fi
  OPORA_PG_PRIVATE=1

  local query
  query="host=$(_urlencode "$_PG_SOCK")&port=$_PG_PORT"
  DATABASE_URL="postgresql://postgres@/opora?$query"
  OPORA_TEST_ADMIN_URL="postgresql://postgres@/postgres?$query"
  export DATABASE_URL OPORA_TEST_ADMIN_URL OPORA_PG_STARTED OPORA_PG_PRIVATE

  local exists
  exists=$("$_PG_BIN/psql" "$OPORA_TEST_ADMIN_URL" -XtAq -v ON_ERROR_STOP=1 \
    -c "SELECT 1 FROM pg_database WHERE datname = 'opora'") ||
    die "cannot connect to the private PostgreSQL ($OPORA_TEST_ADMIN_URL)"
  if [[ $exists != 1 ]]; then
    "$_PG_BIN/psql" "$OPORA_TEST_ADMIN_URL" -XqA -v ON_ERROR_STOP=1 -c 'CREATE DATABASE opora' ||
      die "cannot create the database opora"
    say "created the database opora"
  fi
  say "DATABASE_URL=$DATABASE_URL"
}

# stop_private_pg: stops the private cluster if it runs (data are kept).
stop_private_pg() {
  _pg_layout
  if [[ ! -d $_PG_DATA ]] || ! _pg_running; then
    say "the private PostgreSQL is not running"
    return 0
  fi
  _as_pg "$_PG_BIN/pg_ctl" stop -D "$_PG_DATA" -m fast -w -t 60 >/dev/null ||
    die "could not stop the private PostgreSQL in $_PG_DATA"
  say "stopped the private PostgreSQL in $_PG_DATA"
}

# --- streaming replica of the private PostgreSQL -------------------------------
#
# A hot standby of the private cluster (pg_basebackup -R over its unix socket,
# with the physical replication slot opora_replica so that a replica stopped a
# while still finds its WAL): <base>/replica (data), <base>/replica-run
# (socket), <base>/replica.log, port $OPORA_PG_REPLICA_PORT (default the
# primary's port + 1, or the next free one). scripts/replica.sh starts and
# stops it (OPORA_TEST_REPLICA_CTL).

# Sets _PGR_DATA, _PGR_LOG, _PGR_SOCK, _PGR_PORT (after _pg_layout).
_pg_replica_layout() {
  _PGR_DATA=$_PG_BASE/replica
  _PGR_LOG=$_PG_BASE/replica.log
  _PGR_SOCK=$_PG_BASE/replica-run
  _PGR_PORT=${OPORA_PG_REPLICA_PORT:-$((_PG_PORT + 1))}
  if ! [[ $_PGR_PORT =~ ^[0-9]{1,5}$ ]] || ((_PGR_PORT == 0 || _PGR_PORT > 65535)); then
    die "OPORA_PG_REPLICA_PORT must be a TCP port number, got '$_PGR_PORT'"
  fi
  local sock_file=$_PGR_SOCK/.s.PGSQL.$_PGR_PORT
  if ((${#sock_file} > 107)); then
    _PGR_SOCK=/tmp/opora-pg-$EUID-$(_pg_hash)-replica
  fi
}

# _pg_sysid DATA: the cluster's system identifier (pg_controldata).
_pg_sysid() {
  _as_pg "$_PG_BIN/pg_controldata" -D "$1" 2>/dev/null |
    sed -n 's/^Database system identifier: *//p' || true
}

# _pg_pid_line DATA N: line N of DATA/postmaster.pid (4: port, 5: socket dir).
_pg_pid_line() { _as_pg sed -n "$2p" "$1/postmaster.pid" 2>/dev/null; }

# _pg_url SOCK PORT DB: a libpq URL as superuser postgres over the socket.
_pg_url() { printf 'postgresql://postgres@/%s?host=%s&port=%s' "$3" "$(_urlencode "$1")" "$2"; }

# _pg_replica_start DATA LOG: starts the replica in DATA (when it is not
# running) and waits up to 60 s until it accepts connections.
_pg_replica_start() {
  local data=$1 log=$2 url i
  if ! _as_pg "$_PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    _as_pg "$_PG_BIN/pg_ctl" start -D "$data" -l "$log" -w -t 60 >/dev/null || return 1
  fi
  url=$(_pg_url "$(_pg_pid_line "$data" 5)" "$(_pg_pid_line "$data" 4)" postgres)
  for ((i = 0; i < 600; i++)); do
    "$_PG_BIN/psql" "$url" -XtAq -c 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# _pg_replica_stop DATA: stops the replica in DATA (fast) if it runs.
_pg_replica_stop() {
  if _as_pg "$_PG_BIN/pg_ctl" status -D "$1" >/dev/null 2>&1; then
    _as_pg "$_PG_BIN/pg_ctl" stop -D "$1" -m fast -w -t 60 >/dev/null
  fi
}

# _pg_replica_streaming URL SECONDS: waits until the replica at URL is in
# recovery and the primary (OPORA_TEST_ADMIN_URL) streams to it. (The
# replica's own pg_stat_wal_receiver says "streaming" even while its
# connection attempts fail.)
_pg_replica_streaming() {
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    if [[ $("$_PG_BIN/psql" "$1" -XtAq -c 'SELECT pg_is_in_recovery()' 2>/dev/null) == t &&
      $("$_PG_BIN/psql" "$OPORA_TEST_ADMIN_URL" -XtAq -c "SELECT count(*) FROM pg_stat_replication
        WHERE application_name = 'opora_replica' AND state = 'streaming'" 2>/dev/null) == 1 ]]; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# _port_taken PORT: something accepts connections on 127.0.0.1:PORT.
_port_taken() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# A taken replica port: without OPORA_PG_REPLICA_PORT, the next free one of
# the 20 that follow (a shared machine may run another cluster there).
_pg_replica_free_port() {
  _port_taken "$_PGR_PORT" || return 0
  [[ -z ${OPORA_PG_REPLICA_PORT:-} ]] || die "port $_PGR_PORT (OPORA_PG_REPLICA_PORT) is taken"
  local p
  for ((p = _PGR_PORT + 1; p <= _PGR_PORT + 20 && p <= 65535; p++)); do
    if ((p != _PG_PORT)) && ! _port_taken "$p"; then
      say "port $_PGR_PORT is taken: the replica uses $p (OPORA_PG_REPLICA_PORT chooses)"
      _PGR_PORT=$p
      return 0
    fi
  done
  die "ports $_PGR_PORT to $((p - 1)) are taken: set OPORA_PG_REPLICA_PORT"
}

# Writes the replica's own settings (its copy of the primary's opora.conf
# names the primary's port and socket). max_connections must not be below
# the primary's for a hot standby.
_pg_replica_conf() {
  local max_conn
  max_conn=$("$_PG_BIN/psql" "$OPORA_TEST_ADMIN_URL" -XtAq -c 'SHOW max_connections') ||
    die "cannot read max_connections of the private PostgreSQL"
  {
    echo "# Written by scripts/lib.sh at every start of the private replica."
    echo "port = $_PGR_PORT"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = $(_pg_conf_quote "$_PGR_SOCK")"
    echo "hot_standby = on"
    echo "hot_standby_feedback = on"
    if [[ ${OPORA_PG_FAST:-0} == 1 ]]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
    echo "max_connections = $max_conn"
  } | _as_pg tee "$_PGR_DATA/opora.conf" >/dev/null
}

# Wipes the replica and makes it again from a base backup of the primary.
_pg_replica_rebuild() {
  _pg_replica_stop "$_PGR_DATA" || die "could not stop the replica in $_PGR_DATA"
  rm -rf "$_PGR_DATA"
  _pg_mkdir "$_PGR_DATA"
  # The old slot goes too (its walsender may take a moment to leave it).
  local i left=1
  for ((i = 0; i < 100 && left > 0; i++)); do
    "$_PG_BIN/psql" "$OPORA_TEST_ADMIN_URL" -XtAq -v ON_ERROR_STOP=1 -c \
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
       WHERE slot_name = 'opora_replica' AND NOT active" >/dev/null ||
      die "cannot drop the old replication slot opora_replica"
    left=$("$_PG_BIN/psql" "$OPORA_TEST_ADMIN_URL" -XtAq -v ON_ERROR_STOP=1 -c \
      "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'opora_replica'") ||
      die "cannot read the replication slots of the private PostgreSQL"
    ((left == 0)) || sleep 0.1
  done
  ((left == 0)) || die "the replication slot opora_replica of the private PostgreSQL stays in use"
  say "making a streaming replica of the private PostgreSQL in $_PGR_DATA (pg_basebackup)"
  _as_pg "$_PG_BIN/pg_basebackup" -D "$_PGR_DATA" -R -X stream -C -S opora_replica \
    -c fast -d "host=$_PG_SOCK port=$_PG_PORT user=postgres application_name=opora_replica" \
    >"$_PG_BASE/basebackup.log" 2>&1 ||
    {
      cat "$_PG_BASE/basebackup.log" >&2
      die "pg_basebackup of the private PostgreSQL failed (log above)"
    }
}

# start_private_replica: starts (or reuses, or makes) the streaming replica of
# the private cluster that start_private_pg started; exports
# OPORA_TEST_REPLICA_URL (database postgres, superuser) and
# OPORA_TEST_REPLICA_CTL (`$OPORA_TEST_REPLICA_CTL stop|start`). Remakes it
# when it belongs to another cluster (system identifier), cannot start or
# does not stream. Sets OPORA_PG_REPLICA_STARTED=1 when this call started it.
# Without the private cluster (DATABASE_URL given) there is no replica unless
# OPORA_TEST_REPLICA_URL is given too.
start_private_replica() {
  OPORA_PG_REPLICA_STARTED=0
  if [[ ${OPORA_PG_PRIVATE:-0} != 1 ]]; then
    if [[ -n ${OPORA_TEST_REPLICA_URL:-} ]]; then
      say "using the replica OPORA_TEST_REPLICA_URL=$OPORA_TEST_REPLICA_URL"
    else
      say "DATABASE_URL is set and OPORA_TEST_REPLICA_URL is not: no replica (the replica tests skip)"
    fi
    return 0
  fi
  _pg_replica_layout
  local primary_id replica_id made=0 url
  primary_id=$(_pg_sysid "$_PG_DATA")
  [[ -n $primary_id ]] || die "cannot read the system identifier of $_PG_DATA (pg_controldata)"
  replica_id=$(_pg_sysid "$_PGR_DATA")
  if [[ $replica_id != "$primary_id" || ! -f $_PGR_DATA/standby.signal ]]; then
    [[ -z $replica_id ]] || say "the replica in $_PGR_DATA is not one of $_PG_DATA: making it again"
    _pg_replica_rebuild
    made=1
  fi
  while :; do
    if _as_pg "$_PG_BIN/pg_ctl" status -D "$_PGR_DATA" >/dev/null 2>&1; then
      say "reusing the replica already running in $_PGR_DATA"
    else
      _pg_replica_free_port
      _pg_mkdir "$_PGR_SOCK"
      _pg_replica_conf
      say "starting the replica on port $_PGR_PORT (log: $_PGR_LOG)"
      if _pg_replica_start "$_PGR_DATA" "$_PGR_LOG"; then
        OPORA_PG_REPLICA_STARTED=1
      elif ((made)); then
        tail -n 20 "$_PGR_LOG" >&2 || true
        die "the replica did not start (last lines of $_PGR_LOG above; is port $_PGR_PORT taken? set OPORA_PG_REPLICA_PORT)"
      else
        say "the replica in $_PGR_DATA does not start: making it again"
        _pg_replica_rebuild
        made=1
        continue
      fi
    fi
    url=$(_pg_url "$(_pg_pid_line "$_PGR_DATA" 5)" "$(_pg_pid_line "$_PGR_DATA" 4)" postgres)
    _pg_replica_streaming "$url" 30 && break
    if ((made)); then
      tail -n 20 "$_PGR_LOG" >&2 || true
      die "the replica does not stream from the primary (last lines of $_PGR_LOG above)"
    fi
    say "the replica in $_PGR_DATA does not stream from the primary: making it again"
    _pg_replica_rebuild
    made=1
  done
  OPORA_TEST_REPLICA_URL=$url
  OPORA_TEST_REPLICA_CTL=$(printf '%q ' bash "$OPORA_ROOT/scripts/replica.sh" "$_PGR_DATA" "$_PGR_LOG")
  OPORA_TEST_REPLICA_CTL=${OPORA_TEST_REPLICA_CTL% }
  export OPORA_TEST_REPLICA_URL OPORA_TEST_REPLICA_CTL OPORA_PG_REPLICA_STARTED
  say "OPORA_TEST_REPLICA_URL=$OPORA_TEST_REPLICA_URL"
}

# stop_private_replica: stops the private cluster's replica if it runs (its
# data and replication slot are kept).
stop_private_replica() {
  _pg_layout
  _pg_replica_layout
  if [[ ! -d $_PGR_DATA ]] || ! _as_pg "$_PG_BIN/pg_ctl" status -D "$_PGR_DATA" >/dev/null 2>&1; then
    say "the replica is not running"
    return 0
  fi
  _pg_replica_stop "$_PGR_DATA" || die "could not stop the replica in $_PGR_DATA"
  say "stopped the replica in $_PGR_DATA"
}
