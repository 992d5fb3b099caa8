#!/usr/bin/env bash
# The run command: installs what is missing, builds build/, starts a private
# PostgreSQL (unless DATABASE_URL is set), migrates, loads the demo data and
# serves the API. Arguments go to `opora serve` (e.g. --listen 127.0.0.1:9090);
# so do the OPORA_* environment variables. Without OPORA_CORS_ORIGINS or
# --cors-origins, the usual front-end development origins are allowed.
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

# CORS: the front end's usual development servers (Vite, Create React App
# and Next.js, Angular, Expo) may call the demo from a browser, unless
# OPORA_CORS_ORIGINS or --cors-origins says otherwise. `opora serve` itself
# allows no origin unless told (production stays explicit).
dev_origins=http://localhost:5173,http://127.0.0.1:5173,http://localhost:3000,http://127.0.0.1:3000
dev_origins+=,http://localhost:4200,http://127.0.0.1:4200,http://localhost:8081,http://127.0.0.1:8081
cors_from_args=0
for arg in "$@"; do
  [[ $arg == --cors-origins || $arg == --cors-origins=* ]] && cors_from_args=1
done
if ((cors_from_args)); then
  cors_note="as given by --cors-origins"
elif [[ -n ${OPORA_CORS_ORIGINS:-} ]]; then
  cors_note="OPORA_CORS_ORIGINS=$OPORA_CORS_ORIGINS"
else
  export OPORA_CORS_ORIGINS=$dev_origins
  cors_note="the development defaults: ${dev_origins//,/ }
  (set OPORA_CORS_ORIGINS or pass --cors-origins LIST to change them; an empty --cors-origins= allows none)"
fi

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
Browsers on other origins may call the API (CORS): $cors_note

EOF
if ((OPORA_PG_PRIVATE)); then
  say "the private PostgreSQL keeps running after the server stops; stop it with:"
  say "  bash -c '. scripts/lib.sh && stop_private_pg'"
fi

exec build/opora serve "$@"
