#!/usr/bin/env bash
# Reads on a streaming replica (issue 19): the read mix of bench/run.sh on
# the primary alone and with a replica, and the replica's lag under the push
# benchmark, on one machine.
#
#   DATABASE_URL=postgresql://... bench/replica.sh [--only read|push] [--keep]
#   DATABASE_URL=postgresql://... bench/replica.sh --setup
#   DATABASE_URL=postgresql://... bench/replica.sh --sample-lag SECONDS
#   DATABASE_URL=postgresql://... bench/replica.sh --stop
#
# 1. The replica: a hot standby of the cluster of DATABASE_URL, made with
#    `pg_basebackup -R -C -S opora_bench_replica` over BENCH_ADMIN_URL into
#    BENCH_REPLICA_DIR, port BENCH_REPLICA_PORT, socket directory
#    BENCH_REPLICA_DIR-run, log BENCH_REPLICA_DIR.log, running as
#    BENCH_PG_USER. It is reused when it is a replica of this cluster (same
#    system identifier) and the primary streams to it; made again otherwise.
#    Its physical slot keeps the WAL it needs while it runs.
# 2. The read mix: bench/run.sh twice, with the same settings: the server on
#    the primary alone (BENCH_OUT/primary), then with
#    OPORA_DATABASE_READ_URL=<the same database on the replica>
#    (BENCH_OUT/replica), after the replica has replayed everything. Prints
#    each workload's requests/s in both runs and the ratio, and the
#    transactions each database served during each run.
# 3. The lag: bench/push.sh --rounds 1 (BENCH_OUT/push; its server with the
#    replica too) while the primary's pg_stat_replication is sampled every
#    100 ms: bytes not yet replayed (pg_wal_lsn_diff(pg_current_wal_lsn(),
#    replay_lsn)) and replay_lag. Prints max, p50 and p99 of both over the
#    whole run and over each phase of push.sh. The replica reports its replay
#    position when WAL arrives and every second otherwise
#    (wal_receiver_status_interval = 1), so the bytes are up to a second old
#    once the primary stops writing.
# 4. Stops the replica and drops its slot, unless --keep (then both stay for
#    the next run; `--stop` later).
# --setup only makes (or reuses) the replica and leaves it running, printing
# its URL; --sample-lag samples the lag alone for SECONDS; --stop stops the
# replica and drops the slot (its data are kept for the next run).
#
# Environment: DATABASE_URL (required: the bench database on the primary);
# BENCH_ADMIN_URL (a superuser URL of the same cluster; default
# DATABASE_URL; its cluster must allow replication connections of that user:
# pg_hba.conf "replication" lines); BENCH_REPLICA_DIR (default "replica" next
# to the primary's data directory, e.g. /tmp/bench-pg/replica for
# /tmp/bench-pg/data); BENCH_REPLICA_PORT (the primary's port + 1);
# BENCH_PG_USER (the system user the replica runs as: the owner of the
# primary's data directory when run as root, else the caller);
# BENCH_PG_BINDIR (default /usr/lib/postgresql/<server major>/bin);
# BENCH_READ_URL (the replica's URL given to the server; default the
# database of DATABASE_URL on the replica, over its socket when DATABASE_URL
# uses a socket, else over 127.0.0.1); BENCH_OUT (default a new
# /tmp/opora-replica-bench.* folder, kept); and those of bench/run.sh and
# bench/push.sh, passed on. Run as root or as the cluster's user, on the
# cluster's machine. Needs psql, awk and what bench/run.sh and bench/push.sh
# need.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# For _urlencode; die is this script's own (below).
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
die() {
  echo "bench/replica.sh: $*" >&2
  exit 2
}
usage() {
  sed -n '/^#   DATABASE_URL=postgresql/,/^#   DATABASE_URL=.*--stop/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

slot=opora_bench_replica
mode=all
only=
keep=
lag_secs=
while [ $# -gt 0 ]; do
  case $1 in
  --only)
    { [ $# -ge 2 ] && [[ $2 == read || $2 == push ]]; } || die "--only needs read or push"
    only=$2
    shift 2
    ;;
  --keep)
    keep=1
    shift
    ;;
  --setup | --stop)
    mode=${1#--}
    shift
    ;;
  --sample-lag)
    { [ $# -ge 2 ] && [[ $2 =~ ^[0-9]{1,6}$ ]]; } || die "--sample-lag needs SECONDS (a whole number)"
    mode=sample-lag
    lag_secs=$((10#$2))
    shift 2
    ;;
  -h | --help) usage ;;
  *) die "unknown argument '$1' (--help lists the options)" ;;
  esac
done

[ -n "${DATABASE_URL:-}" ] ||
  die "DATABASE_URL is not set: the bench database on the primary, e.g. postgresql://postgres@/opora_bench?host=/tmp/bench-pg&port=55450"
export DATABASE_URL
admin_url=${BENCH_ADMIN_URL:-$DATABASE_URL}
command -v psql >/dev/null || die "psql is missing"
psql_() { psql "$admin_url" -X -q -v ON_ERROR_STOP=1 -tA "$@"; }

# --- the primary, and where the replica lives ---------------------------------
info=$(psql_ -F' ' -c "SELECT current_setting('data_directory'), current_setting('port'),
  current_setting('server_version_num')::int / 10000, system_identifier, usesuper
  FROM pg_control_system(), pg_user WHERE usename = current_user") ||
  die "cannot connect to BENCH_ADMIN_URL (default DATABASE_URL)"
read -r primary_data primary_port major primary_id superuser <<<"$info"
[ "$superuser" = t ] || die "BENCH_ADMIN_URL must name a superuser of the cluster (pg_basebackup, pg_stat_replication)"
bindir=${BENCH_PG_BINDIR:-/usr/lib/postgresql/$major/bin}
for tool in pg_ctl pg_basebackup pg_controldata; do
  [ -x "$bindir/$tool" ] || die "$bindir/$tool not found: set BENCH_PG_BINDIR"
done
replica=${BENCH_REPLICA_DIR:-$(dirname "$primary_data")/replica}
rport=${BENCH_REPLICA_PORT:-$((primary_port + 1))}
rsock=$replica-run
rlog=$replica.log
if [ "$(id -u)" = 0 ]; then
  pg_user=${BENCH_PG_USER:-$(stat -c %U "$primary_data" 2>/dev/null || echo postgres)}
else
  pg_user=${BENCH_PG_USER:-$(id -un)}
  [ "$pg_user" = "$(id -un)" ] || die "BENCH_PG_USER=$pg_user: run as root or as that user"
fi
# as_pg CMD...: CMD as the replica's user, from /.
as_pg() {
  if [ "$pg_user" = "$(id -un)" ]; then
    (cd / && "$@")
  else
    (cd / && runuser -u "$pg_user" -- "$@")
  fi
}
admin_user=$(psql_ -c 'SELECT current_user')
replica_admin_url="postgresql://$(_urlencode "$admin_user")@/postgres?host=$(_urlencode "$rsock")&port=$rport"

replica_running() { as_pg "$bindir/pg_ctl" status -D "$replica" >/dev/null 2>&1; }

# The walsender of the replica's slot, streaming.
streaming() {
  [ "$(psql_ -c "SELECT count(*) FROM pg_replication_slots s JOIN pg_stat_replication r
    ON r.pid = s.active_pid WHERE s.slot_name = '$slot' AND r.state = 'streaming'" 2>/dev/null)" = 1 ]
}
wait_streaming() { # seconds
  local deadline=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$deadline" ]; do
    streaming && return 0
    sleep 0.2
  done
  return 1
}

stop_replica() {
  if replica_running; then
    as_pg "$bindir/pg_ctl" stop -D "$replica" -m fast -w -t 60 >/dev/null || die "could not stop the replica in $replica"
    echo "stopped the replica in $replica"
  fi
}
# Drops the slot once its walsender has left it (10 s at most).
drop_slot() {
  local i
  for i in $(seq 100); do
    [ "$(psql_ -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'")" = 0 ] && return 0
    psql_ -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots
      WHERE slot_name = '$slot' AND NOT active" >/dev/null
    [ "$i" = 100 ] || sleep 0.1
  done
  die "the replication slot $slot stays in use"
}

# Starts the replica (made when missing); 1 when it does not start.
start_replica() {
  if (: </dev/tcp/127.0.0.1/"$rport") 2>/dev/null; then
    die "port $rport is taken: set BENCH_REPLICA_PORT"
  fi
  # A slot dropped by an earlier --stop: made again, holding WAL from now.
  psql_ -c "SELECT pg_create_physical_replication_slot('$slot', true)
    WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot')" >/dev/null
  mkdir -p "$rsock"
  [ "$(id -u)" != 0 ] || chown "$pg_user:" "$rsock"
  as_pg "$bindir/pg_ctl" start -D "$replica" -l "$rlog" -w -t 120 >/dev/null
}

make_replica() {
  stop_replica
  rm -rf "$replica"
  drop_slot
  mkdir -p "$replica"
  [ "$(id -u)" != 0 ] || chown "$pg_user:" "$replica"
  chmod 0700 "$replica"
  echo "making a replica of $primary_data in $replica (pg_basebackup; log $replica.basebackup.log)"
  local t0=$SECONDS
  as_pg "$bindir/pg_basebackup" -D "$replica" -R -X stream -C -S "$slot" -c fast -d "$admin_url" \
    >"$replica.basebackup.log" 2>&1 || {
    cat "$replica.basebackup.log" >&2
    die "pg_basebackup failed (log above)"
  }
  # The replica's own settings, after what -R wrote (the last one counts).
  {
    echo "# bench/replica.sh: the replica's own settings"
    echo "port = $rport"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$rsock'"
    echo "hot_standby = on"
    echo "hot_standby_feedback = on"
    echo "wal_receiver_status_interval = 1"
  } | as_pg tee -a "$replica/postgresql.auto.conf" >/dev/null
  echo "made in $((SECONDS - t0)) s ($(du -sh "$replica" | cut -f1))"
}

# Makes or reuses the replica; leaves it running and streaming.
setup_replica() {
  local rid made=0
  rid=$(as_pg "$bindir/pg_controldata" -D "$replica" 2>/dev/null | sed -n 's/^Database system identifier: *//p' || true)
  if [ "$rid" != "$primary_id" ] || [ ! -f "$replica/standby.signal" ]; then
    make_replica
    made=1
  fi
  while :; do
    if replica_running; then
      echo "reusing the replica running in $replica"
    elif ! start_replica; then
      [ "$made" = 0 ] || {
        tail -n 20 "$rlog" >&2
        die "the replica did not start (log above: $rlog)"
      }
      echo "the replica in $replica does not start: making it again"
      make_replica
      made=1
      continue
    fi
    wait_streaming 30 && break
    [ "$made" = 0 ] || {
      tail -n 20 "$rlog" >&2
      die "the primary does not stream to the replica (its log above: $rlog)"
    }
    echo "the primary does not stream to the replica in $replica: making it again"
    make_replica
    made=1
  done
  echo "replica: $replica, port $rport, log $rlog, streaming (slot $slot)"
}

# Waits (5 min at most) until the replica has replayed the primary's WAL of now.
wait_replayed() {
  local lsn i
  lsn=$(psql_ -c 'SELECT pg_current_wal_lsn()')
  for i in $(seq 3000); do
    [ "$(psql "$replica_admin_url" -XqtA -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null)" = t ] && return 0
    [ "$i" = 3000 ] || sleep 0.1
  done
  die "the replica did not replay up to $lsn within 5 minutes"
}

# The lag sampler: "epoch_ms bytes replay_lag_ms state" every 100 ms from the
# primary until killed; run it in the background ("- - gone" while no walsender streams to the slot;
# replay_lag is NULL, "-", once the replica has caught up and nothing new
# comes).
sample_lag() {
  # exec: the background job is psql itself, which a kill ends.
  exec psql "$admin_url" -XqtA -F' ' <<SQL
SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
  coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint::text, '-'),
  coalesce(round(extract(epoch FROM r.replay_lag) * 1000, 1)::text, '-'),
  coalesce(r.state, 'gone')
FROM (SELECT 1) one
LEFT JOIN pg_replication_slots s ON s.slot_name = '$slot'
LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid \watch 0.1
SQL
}

# Lag samples from stdin -> "n gone bytes_max bytes_p50 bytes_p99 lag_max_ms
# lag_p50_ms lag_p99_ms" (nearest rank; replay_lag "-" counts as 0; "gone"
# samples are only counted).
lag_summary() {
  local tmp n gone
  tmp=$(mktemp)
  cat >"$tmp"
  n=$(awk 'NF >= 4 && $4 != "gone"' "$tmp" | wc -l)
  gone=$(awk 'NF >= 4 && $4 == "gone"' "$tmp" | wc -l)
  echo "$n $gone $(awk 'NF >= 4 && $4 != "gone" {print $2 + 0}' "$tmp" | sort -n | max_p50_p99)" \
    "$(awk 'NF >= 4 && $4 != "gone" {print ($3 == "-" ? 0 : $3)}' "$tmp" | sort -g | max_p50_p99)"
  rm -f "$tmp"
}
# Sorted numbers from stdin -> "max p50 p99" (nearest rank), "- - -" if none.
max_p50_p99() {
  awk '{v[NR] = $1}
    function at(p,   k) { k = int(NR * p + 0.999999); return v[k < 1 ? 1 : k] }
    END { if (NR == 0) print "- - -"; else print v[NR], at(0.5), at(0.99) }'
}
lag_line() { # label "summary"
  local n gone bmax b50 b99 lmax l50 l99
  read -r n gone bmax b50 b99 lmax l50 l99 <<<"$2"
  printf '%-34s bytes max %s p50 %s p99 %s; replay_lag max %s p50 %s p99 %s ms (%s samples%s)\n' \
    "$1" "$(kib "$bmax")" "$(kib "$b50")" "$(kib "$b99")" "$lmax" "$l50" "$l99" "$n" \
    "$([ "$gone" = 0 ] || echo ", $gone without a streaming replica")"
}
kib() { awk -v b="$1" 'BEGIN {if (b == "-") print "-"; else printf "%.0f kB\n", b / 1024}'; }

case $mode in
stop)
  stop_replica
  drop_slot
  echo "replica stopped and slot $slot dropped (data kept in $replica)"
  exit 0
  ;;
setup)
  setup_replica
  echo "replica URL (superuser, database postgres): $replica_admin_url"
  echo "stop it with: bench/replica.sh --stop"
  exit 0
  ;;
sample-lag)
  streaming || die "no replica streams from the slot $slot: bench/replica.sh --setup first"
  samples=$(mktemp /tmp/opora-lag.XXXXXX)
  sample_lag >"$samples" &
  sampler=$!
  sleep "$lag_secs"
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  lag_line "lag over ${lag_secs}s:" "$(lag_summary <"$samples")"
  echo "samples: $samples"
  exit 0
  ;;
esac

# --- the benchmark ------------------------------------------------------------
out=${BENCH_OUT:-$(mktemp -d /tmp/opora-replica-bench.XXXXXX)}
mkdir -p "$out"
out=$(realpath "$out")
report=$out/results.txt
: >"$report"

sampler_pid=
cleanup() {
  if [ -n "$sampler_pid" ]; then
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=
  fi
  if [ -z "$keep" ]; then
    stop_replica || true
    drop_slot || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== replica ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
setup_replica
read -r db_user db_name db_addr < <(psql "$DATABASE_URL" -XqtA -F' ' -c \
  "SELECT current_user, current_database(), coalesce(host(inet_server_addr()), '')")
if [ -n "${BENCH_READ_URL:-}" ]; then
  read_url=$BENCH_READ_URL
elif [ -z "$db_addr" ]; then
  read_url="postgresql://$(_urlencode "$db_user")@/$(_urlencode "$db_name")?host=$(_urlencode "$rsock")&port=$rport"
else
  read_url="postgresql://$(_urlencode "$db_user")@127.0.0.1:$rport/$(_urlencode "$db_name")"
fi
psql "$read_url" -XqtA -c 'SELECT 1' >/dev/null || die "cannot read the bench database on the replica: $read_url"

# Transactions committed in the bench database: "primary replica".
xacts() {
  local q="SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
  echo "$(psql "$DATABASE_URL" -XqtA -c "$q") $(psql "$read_url" -XqtA -c "$q")"
}
# requests/s and p99 of one measurement of bench/run.sh in DIR.
rps_of() { # dir name
  local f=$1/$2.txt
  case $2 in
  compare | list) sed -n 's/.*server_rps=\([0-9.]*\).*/\1/p' "$f" | tail -n 1 ;;
  *) awk '/Requests\/sec/ {print $2}' "$f" ;;
  esac
}
p99_of() { awk '$1 == "99%" {print $2}' "$1/$2.txt" 2>/dev/null; }

if [ "$only" != push ]; then
  dash=${BENCH_DASHBOARD_CONNECTIONS:-8}
  declare -A xa xb
  for run in primary replica; do
    echo "== the read mix of bench/run.sh, $run"
    wait_replayed
    read -r p0 r0 < <(xacts)
    if [ "$run" = primary ]; then
      env -u OPORA_DATABASE_READ_URL BENCH_OUT="$out/$run" bench/run.sh 2>&1 | tee "$out/$run.txt" ||
        die "bench/run.sh failed on the primary alone (output: $out/$run.txt)"
    else
      OPORA_DATABASE_READ_URL=$read_url BENCH_OUT="$out/$run" bench/run.sh 2>&1 | tee "$out/$run.txt" ||
        die "bench/run.sh failed with the replica (output: $out/$run.txt)"
    fi
    read -r p1 r1 < <(xacts)
    xa[$run]=$((p1 - p0))
    xb[$run]=$((r1 - r0))
  done
  {
    echo
    echo "== the read mix: primary alone vs primary + replica ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, primary and replica on this machine)"
    printf '%-44s %14s %14s %7s\n' workload "primary (r/s)" "+replica (r/s)" ratio
    for m in "compare GET /schools/{id}" "list GET /schools?municipality=&limit=50" \
      "roadmaps GET /roadmaps/{id}?include=items" "aggregate GET /indicators/{code}/aggregate" \
      "aggregate-c$dash the same, $dash connections" "completeness GET /campaigns/{id}/completeness" \
      "completeness-c$dash the same, $dash connections"; do
      name=${m%% *}
      a=$(rps_of "$out/primary" "$name")
      b=$(rps_of "$out/replica" "$name")
      p99=
      if [ -n "$(p99_of "$out/primary" "$name")" ]; then
        p99=" (p99 $(p99_of "$out/primary" "$name") / $(p99_of "$out/replica" "$name"))"
      fi
      printf '%-44s %14s %14s %7s%s\n' "${m#* }" "${a:-?}" "${b:-?}" \
        "$(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN {if (a > 0 && b > 0) printf "%.2f", b / a; else print "?"}')" "$p99"
    done
    echo "transactions in the bench database during each run (primary / replica):" \
      "primary alone ${xa[primary]} / ${xb[primary]}, with the replica ${xa[replica]} / ${xb[replica]}"
    echo "the replica: OPORA_DATABASE_READ_URL=$read_url"
    echo "commands: BENCH_OUT=$out/primary bench/run.sh; OPORA_DATABASE_READ_URL=<replica> BENCH_OUT=$out/replica bench/run.sh"
  } | tee -a "$report"
fi

if [ "$only" != read ]; then
  echo "== the replica's lag under bench/push.sh --rounds 1"
  wait_replayed
  samples=$out/lag.txt
  console=$out/push-console.txt
  sample_lag >"$samples" &
  sampler_pid=$!
  push_rc=0
  # Each line of push.sh's output with the time it came (phases of the lag).
  OPORA_DATABASE_READ_URL=$read_url BENCH_OUT="$out/push" bench/push.sh --rounds 1 2>&1 |
    while IFS= read -r line; do
      now=${EPOCHREALTIME/[.,]/}
      echo "$((now / 1000)) $line" >>"$console"
      echo "$line"
    done || push_rc=$?
  sleep 1 # the replica catching up after the last write
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
  {
    echo
    echo "== the replica's lag under bench/push.sh --rounds 1 ($(date -u '+%Y-%m-%d %H:%M UTC'); sampled every 100 ms from the primary's pg_stat_replication)"
    lag_line "whole run:" "$(lag_summary <"$samples")"
    # Phases: from each "== " line of push.sh to the next.
    grep -E '^[0-9]+ == ' "$console" | while read -r t0 _ phase; do
      t1=$(awk -v t="$t0" '$2 == "==" && $1 > t {print $1; exit}' "$console")
      label=${phase%%:*}
      lag_line "${label%% (*}:" "$(awk -v a="$t0" -v b="${t1:-99999999999999}" '$1 >= a && $1 < b' "$samples" | lag_summary)"
    done
    grep -E '^push \(first' "$out/push/results.txt" 2>/dev/null || echo "push: see $out/push/results.txt"
    echo "samples: $samples (epoch_ms bytes replay_lag_ms state); push.sh's output with times: $console"
    echo "command: OPORA_DATABASE_READ_URL=<replica> BENCH_OUT=$out/push bench/push.sh --rounds 1"
  } | tee -a "$report"
  [ "$push_rc" = 0 ] || die "bench/push.sh failed (exit $push_rc; output: $console)"
fi
echo "output: $out (results: $report)"
