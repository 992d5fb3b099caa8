#!/usr/bin/env bash
# The Debian package, checked from the outside (scripts/test.sh's deb check):
#   tests/package/check_deb.sh [BUILD_DIR]     (default: build, a release tree)
# Makes opora_<version>_<arch>.deb there with `cpack -G DEB`, then checks:
#   - its fields (dpkg-deb -I): name, the CMake project version, the
#     architecture, and Depends naming the package of every library the
#     binary links (found with ldd and dpkg -S, not listed here);
#   - its files (dpkg-deb -c): exactly the expected ones, owned by root,
#     with their modes; the conffile; maintainer scripts that pass sh -n;
#   - that opora.env names every setting src/core/config.c reads, and
#     nothing else;
#   - the unit with `systemd-analyze verify` (any message fails it) in a
#     root made of the package's files and this system's units, and its
#     exposure score (`systemd-analyze security --offline=true`) at most
#     OPORA_MAX_EXPOSURE (2.0).
# Needs dpkg-dev, file, systemd (scripts/lib.sh OPORA_TEST_PACKAGES).
set -euo pipefail
export LC_COLLATE=C # sort and comm agree, whatever the locale

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=${1:-build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
MAX_EXPOSURE=${OPORA_MAX_EXPOSURE:-2.0}

failures=0
fail() {
  printf 'check_deb: FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}
note() { printf 'check_deb: %s\n' "$*" >&2; }

# shellcheck source=tests/package/pkg_of.sh
. "$ROOT/tests/package/pkg_of.sh"

[[ -f $BUILD/CMakeCache.txt ]] || {
  note "no build tree in $BUILD (configure and build it first)"
  exit 1
}
for tool in cpack dpkg-deb dpkg-shlibdeps file systemd-analyze; do
  command -v "$tool" >/dev/null || {
    note "$tool is missing (dpkg-dev, file, systemd)"
    exit 1
  }
done

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb=$BUILD/opora_${version}_${arch}.deb
rm -f "$BUILD"/opora_*.deb
(cd "$BUILD" && cpack -G DEB >cpack.log 2>&1) || {
  tail -n 30 "$BUILD/cpack.log" >&2
  note "cpack -G DEB failed (log: $BUILD/cpack.log)"
  exit 1
}
[[ -f $deb ]] || {
  note "cpack made no $deb: $(ls "$BUILD"/*.deb 2>/dev/null)"
  exit 1
}
note "built ${deb#"$ROOT"/}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- control fields ----------------------------------------------------------

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == opora ]] || fail "Package is '$(field Package)', not opora"
[[ $(field Version) == "$version" ]] || fail "Version '$(field Version)' is not CMake's $version"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture '$(field Architecture)' is not $arch"
for f in Maintainer Description Section Priority; do
  [[ -n $(field "$f") ]] || fail "the $f field is empty"
done

# The package names in Depends (alternatives and versions dropped).
depends=$(field Depends | tr ',|' '\n' | sed 's/(.*//; s/ //g' | grep -v '^$' | sort -u)
# The package of every library the binary asks for by name (DT_NEEDED),
# found where the loader finds it.
needed=$(objdump -p "$BUILD/opora" | awk '$1 == "NEEDED" { print $2 }')
[[ -n $needed ]] || fail "objdump found no NEEDED libraries in $BUILD/opora"
for lib in $needed; do
  path=$(ldd "$BUILD/opora" | awk -v l="$lib" '$1 == l { print $3 }')
  [[ -n $path ]] || {
    fail "ldd does not resolve $lib"
    continue
  }
  pkg=$(pkg_of "$path") || pkg=
  if [[ -z $pkg ]]; then
    fail "no package provides $path ($lib)"
  elif ! grep -qxF "$pkg" <<<"$depends"; then
    fail "Depends lacks $pkg, which provides $lib: $(field Depends)"
  fi
done
# The ones the issue names, as a check of the check.
for pkg in libmicrohttpd12 libpq5 libjansson4 libsodium23 libxlsxwriter4 libc6 adduser; do
  grep -qxF "$pkg" <<<"$depends" || fail "Depends lacks $pkg: $(field Depends)"
done

# --- files -------------------------------------------------------------------

# Regular files: exactly these, with these modes; everything owned by root
# and nothing writable by others or set-id.
expected=$(
  cat <<'EOF'
-rw------- ./etc/opora/opora.env
-rw-r--r-- ./lib/systemd/system/opora.service
-rwxr-xr-x ./usr/bin/opora
-rw-r--r-- ./usr/share/doc/opora/README.Debian
-rw-r--r-- ./usr/share/doc/opora/copyright
EOF
)
listing=$(dpkg-deb -c "$deb")
files=$(awk '$1 !~ /^d/ { print $1, $6 }' <<<"$listing" | sort -k2)
[[ $files == "$expected" ]] || fail "the package's files differ from the expected ones:
$(diff <(echo "$expected") <(echo "$files") || true)"
awk '$2 != "root/root" { print }' <<<"$listing" | grep . && fail "entries not owned by root/root (above)"
awk '$1 ~ /^.{8}w/ || $1 ~ /[sS]/ { print }' <<<"$listing" | grep . &&
  fail "world-writable or set-id entries (above)"

mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
[[ $(cat "$tmp/control/conffiles" 2>/dev/null) == /etc/opora/opora.env ]] ||
  fail "conffiles is not exactly /etc/opora/opora.env: $(cat "$tmp/control/conffiles" 2>/dev/null)"
for script in postinst prerm postrm; do
  if [[ ! -x $tmp/control/$script ]]; then
    fail "maintainer script $script missing or not executable"
  elif ! sh -n "$tmp/control/$script"; then
    fail "maintainer script $script does not parse (sh -n)"
  fi
done
grep -q 'adduser --system --group --no-create-home --home /nonexistent' "$tmp/control/postinst" ||
  fail "postinst does not make the system user opora"
grep -q 'try-restart opora.service' "$tmp/control/postinst" ||
  fail "postinst does not restart the service after an upgrade (its migrate)"

# --- the settings file against config.c ----------------------------------------

mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root"
env_file=$tmp/root/etc/opora/opora.env
known=$(sed -n 's/^ *{"\(DATABASE_URL\|OPORA_[A-Z0-9_]*\)", "--.*/\1/p' "$ROOT/src/core/config.c" | sort -u)
[[ $(wc -l <<<"$known") -ge 20 ]] || fail "found only $(wc -l <<<"$known") settings in src/core/config.c"
named=$(sed -n 's/^#\{0,1\}\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$env_file" | sort -u)
missing=$(comm -23 <(echo "$known") <(echo "$named"))
stale=$(comm -13 <(echo "$known") <(echo "$named"))
[[ -z $missing ]] || fail "opora.env does not name: ${missing//$'\n'/ }"
[[ -z $stale ]] || fail "opora.env names settings config.c does not read: ${stale//$'\n'/ }"
grep -v '^#' "$env_file" | grep -q . && fail "opora.env sets something; every line should be a comment"

# --- the unit ----------------------------------------------------------------

unit=/lib/systemd/system/opora.service
for line in Type=notify User=opora Group=opora EnvironmentFile=/etc/opora/opora.env \
  'ExecStartPre=/usr/bin/opora migrate' 'ExecStart=/usr/bin/opora serve' Restart=on-failure \
  ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes; do
  grep -qxF "$line" "$tmp/root$unit" || fail "the unit lacks the line $line"
done
# The package's files where they are installed, and this system's units
# (targets, the journal) beside them.
mkdir -p "$tmp/root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$tmp/root/usr/lib/systemd/"
verify=$(cd "$tmp" && systemd-analyze verify --root="$tmp/root" "$unit" 2>&1) || {
  fail "systemd-analyze verify failed: $verify"
  verify=
}
[[ -z $verify ]] || fail "systemd-analyze verify complains: $verify"
security=$(cd "$tmp" && systemd-analyze security --offline=true --root="$tmp/root" "$unit" 2>&1) || true
score=$(sed -n 's/.*Overall exposure level for opora.service: \([0-9.]*\).*/\1/p' <<<"$security")
if [[ -z $score ]]; then
  fail "systemd-analyze security gave no score: $(tail -n 3 <<<"$security")"
elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
  fail "exposure $score is above $MAX_EXPOSURE:
$(grep '✗' <<<"$security")"
else
  note "unit verified; exposure level $score (at most $MAX_EXPOSURE)"
fi

if ((failures)); then
  note "$failures check(s) failed"
  exit 1
fi
note "opora_${version}_${arch}.deb: fields, files, conffile, scripts, settings and unit ok"
