#!/usr/bin/env bash
# What can be checked of the Docker image without building it (no container
# engine here; scripts/test.sh's image check):
#   tests/package/check_image.sh [BUILD_DIR [DOCKERFILE]]
#                                (default: build, Dockerfile)
# (a) every shared library `ldd BUILD_DIR/opora` lists (the libraries' own
#     libraries too) belongs (dpkg -S) to a package the runtime stage gets:
#     one it installs, the Debian package's dependencies when it installs
#     that package (opora_*.deb, made again by cpack), what those
#     depend on, or the base image's Essential packages;
# (b) the build stage installs the -dev package of every pkg_check_modules
#     and find_package of the top-level CMakeLists.txt (each mapped to its
#     package through the .pc file, library or header it is found by, then
#     dpkg -S), and the package of every tool the build runs (cmake, cpack,
#     dpkg-shlibdeps, file, strip, cc, make; npm and node when CMakeLists.txt
#     runs npm); it builds as scripts/lib.sh does and makes the package.
# "Gets" is computed with this system's dpkg database (tests/package/
# closure.py): the image is Debian 12 as this machine is. Needs a build tree
# configured with the same CMakeLists.txt.
set -euo pipefail
export LC_COLLATE=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=${1:-build}
DOCKERFILE=${2:-$ROOT/Dockerfile}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
CLOSURE=$ROOT/tests/package/closure.py

failures=0
fail() {
  printf 'check_image: FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}
note() { printf 'check_image: %s\n' "$*" >&2; }

[[ -x $BUILD/opora && -f $BUILD/CMakeCache.txt ]] || {
  note "no built $BUILD/opora"
  exit 1
}
[[ -f $DOCKERFILE ]] || {
  note "no $DOCKERFILE"
  exit 1
}

# shellcheck source=tests/package/pkg_of.sh
. "$ROOT/tests/package/pkg_of.sh"

# --- the Dockerfile's stages ---------------------------------------------------

# The instructions of stage N (1: the first, 0: the last), continuation lines
# joined, comments dropped.
stage() {
  awk -v want="$1" '
    /^[ \t]*#/ { next }
    { line = line $0 }
    /\\$/ { sub(/\\$/, "", line); next }
    { if (line ~ /^FROM /) n++; text[n] = text[n] line "\n"; line = "" }
    END { print text[want == 0 ? n : want] }' "$DOCKERFILE"
}
# The packages an instruction text installs with apt-get install (options
# dropped; a .deb path kept as written).
apt_installs() {
  grep -o 'apt-get install[^&;]*' | sed 's/^apt-get install//' | tr ' \t' '\n' |
    grep -v -e '^-' -e '^$' | sort -u
}
build_stage=$(stage 1)
runtime_stage=$(stage 0)
build_pkgs=$(apt_installs <<<"$build_stage")
runtime_pkgs=$(apt_installs <<<"$runtime_stage")
[[ $build_stage != "$runtime_stage" ]] || fail "the Dockerfile has a single stage"

# --- (b) the build stage -------------------------------------------------------

mapfile -t build_list <<<"$build_pkgs"
build_has=$("$CLOSURE" --essential "${build_list[@]}")
cmake_file=$ROOT/CMakeLists.txt
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
# Each module: "what (how found) -> file".
probes=()
# pkg_check_modules(PREFIX [REQUIRED|QUIET|IMPORTED_TARGET...] module...)
while read -r module; do
  dir=$(pkg-config --variable=pcfiledir "$module" 2>/dev/null) || dir=
  probes+=("pkg_check_modules $module|${dir:+$dir/$module.pc}")
done < <(tr '\n' ' ' <"$cmake_file" | grep -oE 'pkg_check_modules\([^)]*\)' |
  sed -E 's/pkg_check_modules\(\s*[A-Za-z0-9_]+//; s/\)//; s/\b(REQUIRED|QUIET|IMPORTED_TARGET|GLOBAL|NO_CMAKE_PATH|NO_CMAKE_ENVIRONMENT_PATH)\b//g' |
  tr ' ' '\n' | sed 's/[<>=].*//' | grep -v '^$')
while read -r name; do
  case $name in
  PkgConfig) file=$(cache PKG_CONFIG_EXECUTABLE) ;;
  PostgreSQL) file=$(cache PostgreSQL_LIBRARY_RELEASE) ;;
  Threads) # FindThreads compiles against pthread.h
    file=$(printf '#include <pthread.h>\n' | cc -M -x c - 2>/dev/null | tr ' \\' '\n' |
      grep '/pthread\.h$' | head -n 1) ;;
  *)
    fail "find_package($name): check_image.sh knows no file to find its package by; add one"
    continue
    ;;
  esac
  probes+=("find_package $name|$file")
done < <(grep -oE '^\s*find_package\(\s*[A-Za-z0-9_]+' "$cmake_file" | sed -E 's/.*\(\s*//' | sort -u)
tools=(cmake cpack dpkg-shlibdeps file strip cc make)
if grep -q 'npm' "$cmake_file"; then tools+=(npm node); fi
for tool in "${tools[@]}"; do
  probes+=("the tool $tool|$(command -v "$tool" || true)")
done
((${#probes[@]} >= 10)) || fail "found only ${#probes[@]} modules and tools in $cmake_file"
for probe in "${probes[@]}"; do
  what=${probe%%|*}
  file=${probe#*|}
  if [[ -z $file || ! -e $file ]]; then
    fail "$what: no file found to map it to a package (is it installed here?)"
    continue
  fi
  pkg=$(pkg_of "$file") || {
    fail "$what: no package holds $file"
    continue
  }
  grep -qxF "$pkg" <<<"$build_has" ||
    fail "$what: the build stage does not install $pkg (which holds $file)"
done
grep -q "scripts/lib.sh && build " <<<"$build_stage" ||
  fail "the build stage does not build with scripts/lib.sh's build"
grep -q 'cpack -G DEB' <<<"$build_stage" || fail "the build stage does not make the package (cpack -G DEB)"

# --- (a) the runtime stage -------------------------------------------------------

deb_in_runtime=$(grep -E 'opora_.*\.deb$' <<<"$runtime_pkgs" || true)
runtime_from=$(grep -vE '\.deb$' <<<"$runtime_pkgs" || true)
if [[ -n $deb_in_runtime ]]; then
  # Made afresh: an old package could name old dependencies.
  rm -f "$BUILD"/opora_*.deb
  (cd "$BUILD" && cpack -G DEB >cpack.log 2>&1) || {
    note "cpack -G DEB failed (log: $BUILD/cpack.log)"
    exit 1
  }
  debs=("$BUILD"/opora_*.deb)
  deb=${debs[0]}
  runtime_from+=$'\n'$(dpkg-deb -f "$deb" Depends Pre-Depends | sed 's/^[A-Za-z-]*: //' |
    tr ',' '\n' | sed 's/|.*//; s/(.*//; s/ //g')
else
  fail "the runtime stage does not install the package opora_*.deb"
fi
mapfile -t runtime_list <<<"$runtime_from"
runtime_has=$("$CLOSURE" --essential "${runtime_list[@]}")
libs=$(ldd "$BUILD/opora" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
[[ $(wc -l <<<"$libs") -ge 5 ]] || fail "ldd lists only: $libs"
for lib in $libs; do
  pkg=$(pkg_of "$lib") || {
    fail "no package holds $lib"
    continue
  }
  grep -qxF "$pkg" <<<"$runtime_has" || fail "the runtime stage does not get $pkg, which holds $lib"
done

if ((failures)); then
  note "$failures check(s) failed"
  exit 1
fi
note "build stage: ${#probes[@]} modules and tools have their packages; runtime stage:" \
  "all $(wc -l <<<"$libs") libraries of ldd have theirs"
