#!/usr/bin/env bash
# PostgreSQL stopped and started under load: starts a private cluster of the
# test's own (a fresh directory; port $OPORA_FAULT_PG_PORT, or the first free
# one from 54347, outside the range of ephemeral ports the server's own
# connections take; the cluster of the other tests is never touched) and runs
# tests/fault/db_outage.py against the given server binary over TCP.
#   tests/fault/db_outage.sh [OPORA_BINARY]   (default: build/opora)
# Keeps its files (server.log, answers.jsonl) in build/fault-db-outage/.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

binary=$(realpath "${1:-$OPORA_ROOT/build/opora}")
[[ -x $binary ]] || die "db_outage: no server binary at $binary"
workdir=$OPORA_ROOT/build/fault-db-outage
rm -rf "$workdir"
mkdir -p "$workdir"

unset DATABASE_URL
OPORA_PG_DIR=$(mktemp -d /tmp/opora-fault-pg.XXXXXX)
OPORA_PG_PORT=${OPORA_FAULT_PG_PORT:-}
if [[ -z $OPORA_PG_PORT ]]; then
  for ((port = 54347; port < 54397; port++)); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      OPORA_PG_PORT=$port
      break
    fi
  done
fi
[[ -n $OPORA_PG_PORT ]] || die "db_outage: no free port in 54347-54396"
OPORA_PG_FAST=1
export OPORA_PG_DIR OPORA_PG_PORT OPORA_PG_FAST

finish() {
  stop_private_pg >/dev/null 2>&1 || true
  rm -rf "$OPORA_PG_DIR"
}
trap finish EXIT

start_private_pg 2>"$workdir/pg-start.log" ||
  die "db_outage: the private cluster did not start ($workdir/pg-start.log)"
_pg_layout
# The server reaches it over TCP, as a remote database would be reached.
export DATABASE_URL="postgresql://postgres@127.0.0.1:$_PG_PORT/opora"
lib=$OPORA_ROOT/scripts/lib.sh
export FAULT_STOP=". '$lib'; stop_private_pg 2>/dev/null"
export FAULT_START=". '$lib'; unset DATABASE_URL; start_private_pg 2>/dev/null"
/usr/bin/python3 "$OPORA_ROOT/tests/fault/db_outage.py" "$binary" \
  "$_PG_BIN/psql" "$workdir"
