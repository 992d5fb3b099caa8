#!/usr/bin/env bash
# The run command: installs what is missing, builds build/, starts a private
# PostgreSQL (unless DATABASE_URL is set), migrates, loads the demo data and
# serves the API. Arguments go to `opora serve` (e.g. --listen 127.0.0.1:9090);
# so do the OPORA_* environment variables.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPORA_ROOT"

install_missing "${OPORA_RUN_PACKAGES[@]}"
build build
start_private_pg

say "applying migrations"
build/opora migrate
say "loading the demo data (the first time: three years of results pushed, ~10 s)"
# The first load makes 60 pushes, each logging a line at info: warnings only.
OPORA_LOG_LEVEL=${OPORA_LOG_LEVEL:-warn} build/opora demo-data

# The address the server will listen on: --listen from the arguments, else
# OPORA_LISTEN, else the default; a wildcard host is reached on loopback.
listen=${OPORA_LISTEN:-127.0.0.1:8080}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
  --listen=*) listen=${args[i]#--listen=} ;;
  --listen) listen=${args[i + 1]:-$listen} ;;
  esac
done
host=${listen%:*}
port=${listen##*:}
case $host in
'' | 0.0.0.0 | '*') host=127.0.0.1 ;;
'[::]' | '::') host='[::1]' ;;
esac
base="http://$host:$port"

# A school id that exists (the demo data's first school).
school_id=$(psql "$DATABASE_URL" -XtAq -c 'SELECT min(id) FROM schools' 2>/dev/null || true)
[[ $school_id =~ ^[0-9]+$ ]] || school_id=1

cat <<EOF

opora: starting the server on $base (Ctrl-C stops it).
Every /api/v1 route needs a token. Demo accounts (DEMO ONLY; password
opora-demo): admin, vladimir-admin, kovrov-uo (municipal), kovrov-curator,
melekhovo-school, rcoi-ingest, vladimir-reader. From another terminal:

  TOKEN=\$(curl -s -X POST $base/api/v1/auth/login -H 'Content-Type: application/json' \\
    -d '{"login": "admin", "password": "opora-demo"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  curl -s $base/api/v1/me -H "Authorization: Bearer \$TOKEN"
  curl -s $base/api/v1/schools/$school_id -H "Authorization: Bearer \$TOKEN"
  curl -s '$base/api/v1/schools?category=SHNOR&year=2024&limit=5' -H "Authorization: Bearer \$TOKEN"
  curl -s $base/ready

The API documentation in a browser: $base/api/v1/docs (Authorize with a token).

EOF
if ((OPORA_PG_PRIVATE)); then
  say "the private PostgreSQL keeps running after the server stops; stop it with:"
  say "  bash -c '. scripts/lib.sh && stop_private_pg'"
fi

exec build/opora serve "$@"
