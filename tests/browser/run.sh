#!/usr/bin/env bash
# The ctest entry of the real-browser tests and the typed client's check:
#   tests/browser/run.sh browser OPORA_BINARY   (browser.mjs: docs page, CORS)
#   tests/browser/run.sh client OPORA_BINARY    (client-check.mjs)
# Exits 77 (ctest's "skipped") when node, this folder's node_modules
# (`npm ci` here) or, for the browser tests, Chromium is missing, unless
# OPORA_REQUIRE_BROWSER_TESTS=1 (scripts/test.sh, which installs them).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
what=${1:?usage: tests/browser/run.sh browser|client OPORA_BINARY}
binary=${2:?usage: tests/browser/run.sh browser|client OPORA_BINARY}
export OPORA_CHROMIUM=${OPORA_CHROMIUM:-/usr/bin/chromium}

missing=()
command -v node >/dev/null || missing+=("node (Debian's nodejs)")
[[ -f $here/node_modules/.package-lock.json ]] || missing+=("tests/browser/node_modules (cd tests/browser && npm ci)")
if [[ $what == browser && ! -x $OPORA_CHROMIUM ]]; then
  missing+=("$OPORA_CHROMIUM (Debian's chromium)")
fi
if ((${#missing[@]})); then
  echo "not installed: ${missing[*]}" >&2
  [[ ${OPORA_REQUIRE_BROWSER_TESTS:-0} == 1 ]] && exit 1
  exit 77
fi

case $what in
browser) exec node "$here/browser.mjs" "$binary" ;;
client) exec node "$here/client-check.mjs" "$binary" ;;
*)
  echo "usage: tests/browser/run.sh browser|client OPORA_BINARY" >&2
  exit 2
  ;;
esac
