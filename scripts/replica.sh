#!/usr/bin/env bash
# Starts or stops the streaming replica that scripts/lib.sh
# start_private_replica made; OPORA_TEST_REPLICA_CTL is this script with its
# first two arguments, so that the tests run `$OPORA_TEST_REPLICA_CTL stop`:
#   scripts/replica.sh DATA LOG stop     stops it (pg_ctl stop -m fast)
#   scripts/replica.sh DATA LOG start    starts it and returns once it
#                                        accepts connections (60 s at most)
# As root, the replica runs as the user postgres.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 3)) || die "usage: scripts/replica.sh DATA LOG start|stop"
data=$1
log=$2
_PG_BIN=$(_pg_bindir)
[[ -f $data/standby.signal ]] || die "$data is not a replica (no standby.signal)"
case $3 in
start) _pg_replica_start "$data" "$log" || die "the replica in $data did not start (log: $log)" ;;
stop) _pg_replica_stop "$data" || die "could not stop the replica in $data" ;;
*) die "usage: scripts/replica.sh DATA LOG start|stop" ;;
esac
