"""PostgreSQL stopped and started under load (docs/RELIABILITY.md); run by
tests/fault/db_outage.sh, which starts the private cluster this test owns:

    db_outage.py OPORA_BINARY PSQL WORKDIR

Environment: DATABASE_URL (the cluster's database over TCP), FAULT_STOP and
FAULT_START (shell commands that stop and start the cluster). Python's
standard library only; run with /usr/bin/python3.

Migrates the database, starts the server (8 threads), runs a bounded loop of
mixed reads and writes (each write a region with a code of its own) from 6
client threads, kills the server's backends after 0.75 s (no outage: they
are reconnected invisibly), stops PostgreSQL after 1.5 s, starts it again 2.5 s later,
and goes on for 2 s more. Every answer is logged in WORKDIR/answers.jsonl.
Checks, each printed when it fails:
- every answer before the stop is 2xx (killed backends are invisible);
- every answer is 2xx, or 503 application/problem+json with Retry-After;
  never a 500, never a request without an answer within 5 s;
- no 503 for a request sent 1 s or more after the cluster accepted
  connections again;
- every write answered 201 is in the database exactly once, and no region
  is there that the client did not send;
- the connection attempts during the outage (opora_db_connect_attempts_total)
  stay within what the backoff allows, and the server logged the outage
  once and its end once (not per request);
- /metrics reports the database down during the outage and up after it.
Prints the figures as one JSON line; exits 1 when a check failed.
"""
import http.client
import json
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time

THREADS = 8  # the server's
CLIENTS = 6
BEFORE, OUTAGE, AFTER = 1.5, 2.5, 2.0  # seconds
REQUEST_TIMEOUT = 5.0
RECOVERY = 1.0  # seconds after the database accepts connections again

problems = []


def fail(message):
    problems.append(message)
    print("db_outage: " + message, file=sys.stderr)


def psql(psql_bin, sql):
    out = subprocess.run(
        [psql_bin, os.environ["DATABASE_URL"], "-XtAq", "-v", "ON_ERROR_STOP=1",
         "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_token(psql_bin):
    token = "opora_" + secrets.token_urlsafe(32)[:43]
    psql(psql_bin,
         "WITH u AS (INSERT INTO users (login, full_name, role, scope_kind,"
         " password_hash) VALUES ('fault', 'Fault injection', 'admin',"
         " 'global', 'not a hash') RETURNING id)"
         " INSERT INTO auth_tokens (token_hash, user_id, expires_at)"
         f" SELECT sha256('{token}'::bytea), id, now() + interval '1 day'"
         " FROM u")
    return token


class Client:
    def __init__(self, port, token):
        self.port, self.token, self.conn = port, token, None

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict, body bytes); status is an error text when
        no answer came."""
        all_headers = {"Authorization": "Bearer " + self.token}
        all_headers.update(headers or {})
        if body is not None:
            all_headers["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            try:
                self.conn.request(method, path, body, all_headers)
                r = self.conn.getresponse()
                data = r.read()
                got = {k.lower(): v for k, v in r.getheaders()}
                if got.get("connection", "").lower() == "close":
                    self.close()
                return r.status, got, data
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as e:
                self.close()  # a kept-alive connection the server closed
                if attempt == 1:
                    return "error: " + repr(e), {}, b""
            except OSError as e:
                self.close()
                return "error: " + repr(e), {}, b""
        return "error: unreachable", {}, b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def metrics(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.split()
            values[name] = float(value)
    return values


def load(port, token, region_id, stop, answers, lock, worker):
    client = Client(port, token)
    rng = random.Random(worker)
    n = 0
    while not stop.is_set():
        n += 1
        if rng.random() < 0.3:
            code = f"f{worker}-{n}"
            method, path = "POST", "/api/v1/regions"
            body = {"code": code, "name": "Fault " + code}
            headers = {"Idempotency-Key": "fault-" + code}
        else:
            code, body, headers = None, None, None
            method = "GET"
            path = (f"/api/v1/regions/{region_id}" if n % 2
                    else "/api/v1/regions?limit=5")
        sent = time.monotonic()
        status, got, data = client.request(method, path, body, headers)
        answer = {"sent": sent, "took": time.monotonic() - sent,
                  "method": method, "path": path, "code": code,
                  "status": status,
                  "content_type": got.get("content-type"),
                  "retry_after": got.get("retry-after"),
                  "request_id": got.get("x-request-id")}
        if status == 503 or isinstance(status, str) or status >= 500:
            answer["body"] = data.decode(errors="replace")[:300]
        with lock:
            answers.append(answer)
        time.sleep(0.002)
    client.close()


def start_server(binary, workdir, port):
    env = dict(os.environ, OPORA_LISTEN=f"127.0.0.1:{port}",
               OPORA_THREADS=str(THREADS), OPORA_LOG_LEVEL="info")
    log = open(os.path.join(workdir, "server.log"), "wb")
    server = subprocess.Popen([binary, "serve"], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("db_outage: the server did not start (see server.log)")


def run_shell(variable):
    started = time.monotonic()
    subprocess.run(["bash", "-c", os.environ[variable]], check=True,
                   stdout=subprocess.DEVNULL)
    return started


def start_database(pg_isready):
    """Starts the cluster; returns when it first accepted connections (as
    pg_isready saw it, polled while the start command runs)."""
    start = subprocess.Popen(["bash", "-c", os.environ["FAULT_START"]],
                             stdout=subprocess.DEVNULL)
    port = os.environ["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0]
    ready = None
    deadline = time.monotonic() + 60
    while ready is None and time.monotonic() < deadline:
        if subprocess.run([pg_isready, "-q", "-h", "127.0.0.1", "-p", port,
                           "-t", "1"]).returncode == 0:
            ready = time.monotonic()
        else:
            time.sleep(0.01)
    if start.wait(timeout=60) != 0 or ready is None:
        raise SystemExit("db_outage: the database did not start again")
    return ready


def check_answers(answers, t_ready):
    statuses = {}
    for a in answers:
        statuses[str(a["status"])] = statuses.get(str(a["status"]), 0) + 1
        s = a["status"]
        if isinstance(s, str):
            fail(f"{a['method']} {a['path']}: no answer ({s}) after "
                 f"{a['took']:.2f} s")
        elif s == 503:
            if a["content_type"] != "application/problem+json":
                fail(f"503 with Content-Type {a['content_type']}")
            if not a["retry_after"]:
                fail(f"503 without Retry-After ({a['request_id']})")
        elif not 200 <= s < 300:
            fail(f"{a['method']} {a['path']}: {s} ({a['request_id']}): "
                 f"{a.get('body')}")
        if a["took"] > 2.0 and not isinstance(s, str):
            fail(f"{a['method']} {a['path']} took {a['took']:.2f} s")
    late = [a for a in answers
            if a["status"] == 503 and a["sent"] >= t_ready + RECOVERY]
    if late:
        fail(f"{len(late)} answers 503 more than {RECOVERY} s after the "
             f"database accepted connections (last sent "
             f"{late[-1]['sent'] - t_ready:.2f} s after)")
    back = [a["sent"] + a["took"] - t_ready for a in answers
            if a["sent"] >= t_ready and isinstance(a["status"], int)
            and 200 <= a["status"] < 300]
    last_503 = max((a["sent"] + a["took"] - t_ready for a in answers
                    if a["status"] == 503), default=None)
    if not back:
        fail("no 2xx answer after the database came back")
    return statuses, (min(back) if back else None), last_503


def check_writes(psql_bin, answers):
    stored = {}
    for line in psql(psql_bin, "SELECT code, count(*) FROM regions WHERE"
                     " code LIKE 'f%' GROUP BY code").split():
        code, count = line.split("|")
        stored[code] = int(count)
    sent = {a["code"] for a in answers if a["code"]}
    ok = [a["code"] for a in answers
          if a["code"] and isinstance(a["status"], int)
          and 200 <= a["status"] < 300]
    for code in ok:
        if stored.get(code, 0) != 1:
            fail(f"write {code} answered 2xx is stored "
                 f"{stored.get(code, 0)} times")
    for code, count in stored.items():
        if code not in sent or count != 1:
            fail(f"region {code} stored {count} times, sent "
                 f"{'yes' if code in sent else 'no'}")
    unanswered_stored = len(set(stored) - set(ok))
    return len(ok), unanswered_stored


def check_log(workdir, backends_killed):
    """The database lines the server logged outside requests: the outage
    and its end, once each; besides them the document cache's listener
    says once per break of its connection (a killed backend, the outage)
    that it reads from the database meanwhile."""
    lines, listener = [], []
    with open(os.path.join(workdir, "server.log"), errors="replace") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            msg = entry.get("msg", "")
            if "request_id" in entry or "database" not in msg:
                continue
            (listener if msg.startswith("document cache:") else lines).append(msg)
    if len(lines) != 2:
        fail(f"the server logged {len(lines)} database lines, not 2 (the "
             f"outage and its end); first: {lines[:3]}")
    if len(listener) > backends_killed + 1:
        fail(f"the document cache logged {len(listener)} breaks of its "
             f"connection, more than the {backends_killed} backends killed "
             f"and the outage")
    return len(lines)


def main():
    binary, psql_bin, workdir = sys.argv[1:4]
    subprocess.run([binary, "migrate"], check=True, stdout=subprocess.DEVNULL)
    token = admin_token(psql_bin)
    port = free_port()
    server = start_server(binary, workdir, port)
    client = Client(port, token)
    status, _, data = client.request("POST", "/api/v1/regions",
                                     {"code": "r-read", "name": "Read"})
    client.close()
    if status != 201:
        raise SystemExit(f"db_outage: creating the read region: {status}")
    region_id = json.loads(data)["id"]

    answers, lock, stop = [], threading.Lock(), threading.Event()
    workers = [threading.Thread(target=load, daemon=True, args=(
        port, token, region_id, stop, answers, lock, w)) for w in range(CLIENTS)]
    try:
        before = metrics(port)
        for w in workers:
            w.start()
        time.sleep(BEFORE / 2)
        killed = psql(psql_bin, "SELECT count(pg_terminate_backend(pid)) FROM"
                      " pg_stat_activity WHERE application_name = 'opora'")
        time.sleep(BEFORE / 2)
        t_stop = run_shell("FAULT_STOP")
        time.sleep(OUTAGE / 2)
        during = metrics(port)
        time.sleep(max(0.0, t_stop + OUTAGE - time.monotonic()))
        t_ready = start_database(
            os.path.join(os.path.dirname(psql_bin), "pg_isready"))
        time.sleep(AFTER)
        stop.set()
        for w in workers:
            w.join(timeout=2 * REQUEST_TIMEOUT)
        after = metrics(port)
    finally:
        stop.set()
        if server.poll() is not None:
            print(f"db_outage: the server exited ({server.returncode})",
                  file=sys.stderr)
        server.send_signal(signal.SIGTERM)
        if server.wait(timeout=30) != 0:
            fail(f"the server exited {server.returncode} (see server.log)")

    with open(os.path.join(workdir, "answers.jsonl"), "w") as f:
        for a in sorted(answers, key=lambda a: a["sent"]):
            f.write(json.dumps(a) + "\n")
    statuses, recovery, last_503 = check_answers(answers, t_ready)
    early = [a for a in answers if a["sent"] + a["took"] < t_stop
             and a["status"] != 200 and a["status"] != 201]
    if early:
        fail(f"{len(early)} answers not 2xx before the outage, when only "
             f"backends were killed: {early[0]}")
    writes_ok, other_stored = check_writes(psql_bin, answers)
    log_lines = check_log(workdir, int(killed))

    outage = t_ready - t_stop
    attempts = None
    name = "opora_db_connect_attempts_total"
    if name not in after:
        fail(f"/metrics has no {name}")
    else:
        attempts = after[name] - before[name]
        # Each thread's reconnects when the database goes and comes back,
        # and the probes: intervals of at least half of 50, 100, ... 800 ms.
        bound = 2 * THREADS + 6 + 3 * math.ceil(outage)
        if attempts > bound:
            fail(f"{attempts:.0f} connection attempts in a {outage:.1f} s "
                 f"outage; the backoff allows {bound}")
    if during.get("opora_db_up") != 0 or after.get("opora_db_up") != 1:
        fail(f"opora_db_up was {during.get('opora_db_up')} during the outage"
             f" and {after.get('opora_db_up')} after it (expected 0, 1)")
    if not during.get("opora_db_outage_seconds", 0) > 0:
        fail("opora_db_outage_seconds was not positive during the outage")
    refused = (after.get("opora_db_refused_total", 0)
               - before.get("opora_db_refused_total", 0))
    if statuses.get("503", 0) == 0 or refused == 0:
        fail(f"{statuses.get('503', 0)} answers 503, {refused:.0f} refused "
             "by the outage state: the outage was not seen")

    took_503 = sorted(a["took"] for a in answers if a["status"] == 503)
    p99_503 = took_503[int(len(took_503) * 0.99)] if took_503 else None
    print(json.dumps({
        "requests": len(answers), "statuses": statuses,
        "backends_killed": int(killed),
        "outage_s": round(outage, 2), "connect_attempts": attempts,
        "refused": refused,
        "p99_503_ms": None if p99_503 is None else round(p99_503 * 1000, 1),
        "first_2xx_after_ready_s": None if recovery is None
        else round(recovery, 3),
        "last_503_after_ready_s": None if last_503 is None
        else round(last_503, 3),
        "writes_2xx": writes_ok, "writes_stored_without_2xx": other_stored,
        "database_log_lines": log_lines}))
    if problems:
        print(f"db_outage: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
