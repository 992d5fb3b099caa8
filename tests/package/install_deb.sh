#!/usr/bin/env bash
# The Debian package installed for real, then purged (scripts/test.sh's
# deb-install check):
#   tests/package/install_deb.sh DEB
# As root, on a machine where opora is not installed: installs DEB with
# apt-get (its dependencies must be installed already: no download), checks
# the user opora, the files' modes and the unit (`systemd-analyze verify` at
# the real paths), then runs /usr/bin/opora migrate and serve as the user
# opora with the installed opora.env plus a test database (a copy, so the
# conffile is not touched) and asks /ready and /health; then SIGTERM, and
# purges the package, drops the database and removes the user and group if
# this script made them. Without systemd running as PID 1 the service itself
# is not started: the unit's sandbox is not exercised here.
# Reads OPORA_TEST_ADMIN_URL (a role that may create databases; the server
# connects over TCP to 127.0.0.1 on its port). Exit 2: skipped (not root, or
# opora already installed: it is left alone).
set -euo pipefail

deb=${1:?usage: install_deb.sh DEB}
[[ $deb == /* ]] || deb=$PWD/$deb
note() { printf 'install_deb: %s\n' "$*" >&2; }
die() {
  note "FAIL: $*"
  exit 1
}

if ((EUID != 0)); then
  note "not root: the package is not installed (skipped)"
  exit 2
fi
if [[ $(dpkg-query -W -f='${db:Status-Abbrev}' opora 2>/dev/null) != "" &&
  $(dpkg-query -W -f='${db:Status-Abbrev}' opora 2>/dev/null) != "un " ]]; then
  note "a package opora is installed on this machine already: left alone (skipped)"
  exit 2
fi
: "${OPORA_TEST_ADMIN_URL:?set OPORA_TEST_ADMIN_URL}"

user_existed=0
group_existed=0
getent passwd opora >/dev/null && user_existed=1
getent group opora >/dev/null && group_existed=1
db=opora_pkg_$$
installed=0
server=
tmp=$(mktemp -d)
cleanup() {
  set +e
  if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server"
  fi
  psql "$OPORA_TEST_ADMIN_URL" -XqA -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  if ((installed)) && dpkg-query -W opora >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=120 opora \
      >"$tmp/purge.log" 2>&1 || {
      cat "$tmp/purge.log" >&2
      note "apt-get purge opora failed"
    }
  fi
  if ((!user_existed)) && getent passwd opora >/dev/null; then
    deluser --system opora >"$tmp/deluser.log" 2>&1 || cat "$tmp/deluser.log" >&2
  fi
  if ((!group_existed)) && getent group opora >/dev/null; then
    delgroup --system opora >"$tmp/deluser.log" 2>&1 || cat "$tmp/deluser.log" >&2
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- install -------------------------------------------------------------------

installed=1 # from here on, purge on exit, whatever happened
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o DPkg::Lock::Timeout=120 "$deb" >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log" >&2
  die "apt-get install $deb failed (its dependencies must be installed already)"
}
note "installed $(dpkg-query -W -f='${Package} ${Version}' opora)"

IFS=: read -r _ _ uid gid _ home shell < <(getent passwd opora) || die "no user opora after install"
((uid < 1000)) || die "opora is not a system user (uid $uid)"
[[ $(getent group opora | cut -d: -f3) == "$gid" ]] || die "opora's primary group is not opora"
[[ $home == /nonexistent && ! -e /nonexistent ]] || die "opora's home is $home"
[[ $shell == */nologin || $shell == /bin/false ]] || die "opora can log in ($shell)"
[[ $(stat -c '%a %U %G' /etc/opora/opora.env) == "600 root root" ]] ||
  die "/etc/opora/opora.env is $(stat -c '%a %U %G' /etc/opora/opora.env)"
[[ $(stat -c '%a %U' /usr/bin/opora) == "755 root" ]] || die "/usr/bin/opora is $(stat -c '%a %U' /usr/bin/opora)"
verify=$(cd "$tmp" && systemd-analyze verify /lib/systemd/system/opora.service 2>&1) ||
  die "systemd-analyze verify of the installed unit failed: $verify"
[[ -z $verify ]] || die "systemd-analyze verify complains about the installed unit: $verify"
# `opora version` prints "opora VERSION (schema N)".
/usr/bin/opora version | grep -q "^opora $(dpkg-query -W -f='${Version}' opora) (schema [0-9]*)$" ||
  die "opora version is not the package's: $(/usr/bin/opora version)"

# --- run it as the service would ---------------------------------------------

port=$(psql "$OPORA_TEST_ADMIN_URL" -XtAq -c 'SHOW port') || die "cannot reach $OPORA_TEST_ADMIN_URL"
role=$(psql "$OPORA_TEST_ADMIN_URL" -XtAq -c 'SELECT current_user')
psql "$OPORA_TEST_ADMIN_URL" -XqA -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null ||
  die "cannot create the database $db"
listen_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env_file=$tmp/opora.env
cp /etc/opora/opora.env "$env_file"
{
  echo "DATABASE_URL=postgresql://$role@127.0.0.1:$port/$db"
  echo "OPORA_LISTEN=127.0.0.1:$listen_port"
  echo "OPORA_THREADS=2"
} >>"$env_file"

# as_opora CMD...: execs CMD as the user opora with the settings of
# env_file, as systemd gives them (read as root, then the user dropped). Run
# it in a subshell: `(as_opora ...) &` leaves $! the server's own pid.
as_opora() {
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
  cd /
  exec setpriv --reuid=opora --regid=opora --init-groups --no-new-privs "$@"
}

(as_opora /usr/bin/opora migrate) >"$tmp/migrate.log" 2>&1 || {
  cat "$tmp/migrate.log" >&2
  die "opora migrate as the user opora failed"
}
(as_opora /usr/bin/opora serve) 2>"$tmp/serve.log" &
server=$!
ready=
for ((i = 0; i < 150; i++)); do
  ready=$(curl -fsS "http://127.0.0.1:$listen_port/ready" 2>/dev/null) && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.2
done
[[ $ready == *'"status":"ready"'* ]] || {
  cat "$tmp/serve.log" >&2
  die "/ready did not answer ready: $ready"
}
[[ $(ps -o user= -p "$server") == opora ]] || die "the server runs as $(ps -o user= -p "$server"), not opora"
curl -fsS "http://127.0.0.1:$listen_port/health" | grep -q '"status":"ok"' || die "/health is not ok"
kill -TERM "$server"
rc=0
wait "$server" || rc=$?
server=
((rc == 0)) || {
  cat "$tmp/serve.log" >&2
  die "opora serve exited with $rc after SIGTERM"
}
note "as the user opora: migrate, serve, /ready ($ready), /health and SIGTERM ok"
