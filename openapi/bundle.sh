#!/usr/bin/env bash
# Bundles the spec's sources (openapi/openapi.yaml and openapi/paths/*.yaml)
# into the served, self-contained openapi.yaml at the repository root, with
# the Redocly CLI pinned in tools/openapi-lint (`npm ci` there).
#   openapi/bundle.sh          writes openapi.yaml
#   openapi/bundle.sh --check  fails when openapi.yaml is not the bundle of
#                              the sources (the ctest spec_bundle_is_fresh)
# Exits 77 (ctest's "skipped") when the CLI is not installed, unless
# OPORA_REQUIRE_OPENAPI_CLI=1 (scripts/test.sh, which installs it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli=$root/tools/openapi-lint/node_modules/.bin/redocly
check=0
case ${1:-} in
--check) check=1 ;;
'') ;;
*)
  echo "usage: openapi/bundle.sh [--check]" >&2
  exit 2
  ;;
esac

if [[ ! -x $cli ]] || ! command -v node >/dev/null; then
  echo "the Redocly CLI is not installed (cd tools/openapi-lint && npm ci):" \
    "openapi.yaml not compared with a bundle of openapi/" >&2
  [[ ${OPORA_REQUIRE_OPENAPI_CLI:-0} == 1 ]] && exit 1
  exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
if ! "$cli" bundle --config "$root/redocly.yaml" "$root/openapi/openapi.yaml" \
  -o "$tmp/openapi.yaml" >"$tmp/log" 2>&1; then
  cat "$tmp/log" >&2
  exit 1
fi

# JavaScript numbers are doubles: an integer literal beyond 2^53 (the int64
# bounds) comes out of the bundler rounded, 9223372036854775807 as
# 9223372036854776000. Each such literal of the sources is written back.
node - "$tmp/openapi.yaml" "$root"/openapi/openapi.yaml "$root"/openapi/paths/*.yaml <<'EOF'
const fs = require("fs");
const [bundle, ...sources] = process.argv.slice(2);
const literal = /(?<![\w.])\d{16,}(?![\w.])/g;
const back = new Map();
for (const file of sources)
  for (const [lit] of fs.readFileSync(file, "utf8").matchAll(literal)) {
    const rounded = String(Number(lit));
    if (rounded === lit) continue;
    if (back.has(rounded) && back.get(rounded) !== lit)
      throw new Error(`${lit} and ${back.get(rounded)} both bundle as ${rounded}`);
    back.set(rounded, lit);
  }
let text = fs.readFileSync(bundle, "utf8");
for (const [rounded, lit] of back)
  text = text.replace(new RegExp(`(?<![\\w.])${rounded}(?![\\w.])`, "g"), lit);
fs.writeFileSync(bundle, text);
EOF

# The first line stays `openapi: 3.1.0` (tests/api/test_ops.c reads it).
sed -i '1a # Bundled from openapi/ by openapi/bundle.sh: edit the sources there, not this file.' \
  "$tmp/openapi.yaml"

if ((check)); then
  if ! cmp -s "$tmp/openapi.yaml" "$root/openapi.yaml"; then
    diff -u "$root/openapi.yaml" "$tmp/openapi.yaml" | head -n 40 >&2 || true
    echo "openapi.yaml is not the bundle of openapi/: run openapi/bundle.sh" \
      "and commit the result" >&2
    exit 1
  fi
  echo "openapi.yaml is the bundle of openapi/"
else
  mv "$tmp/openapi.yaml" "$root/openapi.yaml"
  echo "wrote openapi.yaml"
fi
