# shellcheck shell=bash
# What the bench scripts share (sourced by bench/run.sh and
# bench/doc_cache.sh). Each expects DATABASE_URL and a die function.

# bench_token LOGIN ROLE: prints a fresh token of LOGIN, a user of the bench
# region with ROLE (made when missing), stored as the server stores tokens
# (SHA-256 of the text) and valid for a day.
bench_token() {
  local t
  t=opora_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)
  psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v token="$t" -v login="$1" -v role="$2" <<'SQL'
INSERT INTO users (login, full_name, role, scope_kind, region_id, password_hash)
SELECT :'login', 'Бенчмарк', :'role', 'region', r.id, 'no password: token only'
FROM regions r WHERE r.code = 'bench-52'
ON CONFLICT DO NOTHING;
INSERT INTO auth_tokens (token_hash, user_id, expires_at)
SELECT sha256(convert_to(:'token', 'UTF8')), u.id, now() + interval '1 day'
FROM users u WHERE u.login = :'login';
SQL
  echo "$t"
}

# bench_wait_ready BASE PID LOG: waits up to 10 s for BASE/ready to answer
# 200 from the server PID; dies with LOG's name when it does not.
bench_wait_ready() {
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/ready")" = 200 ] && return
    kill -0 "$2" 2>/dev/null || die "opora serve exited; its log: $3"
    sleep 0.1
  done
  die "$1/ready did not answer 200 within 10 s; the log: $3"
}
