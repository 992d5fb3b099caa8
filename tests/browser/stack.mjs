// A throwaway Opora for the browser and client tests: a fresh database
// (created through OPORA_TEST_ADMIN_URL with psql, dropped at the end),
// `opora migrate` and `opora demo-data` on it, and `opora serve` on a free
// port. stop() ends the server and drops the database; it is safe to call
// twice and is called on SIGINT/SIGTERM too.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";

const START_TIMEOUT_MS = 30000;

export function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
}

// The admin URL with its database replaced by `db` (as tests/api/harness.c).
function urlWithDb(url, db) {
  const scheme = url.indexOf("://");
  if (scheme < 0) return `${url} dbname=${db}`;
  const auth = scheme + 3;
  let end = auth;
  while (end < url.length && url[end] !== "/" && url[end] !== "?") end++;
  let rest = end;
  if (url[rest] === "/") while (rest < url.length && url[rest] !== "?") rest++;
  return `${url.slice(0, end)}/${db}${url.slice(rest)}`;
}

function psql(adminUrl, sql) {
  const r = spawnSync("psql", [adminUrl, "-XqA", "-v", "ON_ERROR_STOP=1", "-c", sql], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(binary, args, env, what) {
  const r = spawnSync(binary, args, { env, encoding: "utf8", timeout: 120000 });
  if (r.status !== 0)
    throw new Error(`${what} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Starts it all. opts: binary, name (a word for the database), corsOrigins,
// logPath. Answers { base, databaseUrl, stop }.
export async function startStack({ binary, name, corsOrigins, logPath }) {
  const admin = process.env.OPORA_TEST_ADMIN_URL;
  if (!admin) throw new Error("OPORA_TEST_ADMIN_URL is not set (a libpq URL of a role that may CREATE DATABASE)");
  const db = `opora_t_${name}_${process.pid}`;
  const databaseUrl = urlWithDb(admin, db);
  let server = null;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await Promise.race([exited, sleep(15000)]);
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    }
    try {
      psql(admin, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    } catch (e) {
      console.error(`could not drop ${db}: ${e.message}`);
    }
  };
  for (const sig of ["SIGINT", "SIGTERM"])
    process.once(sig, () => stop().finally(() => process.exit(130)));

  psql(admin, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  psql(admin, `CREATE DATABASE "${db}"`);
  try {
    const env = { ...process.env, DATABASE_URL: databaseUrl, OPORA_LOG_LEVEL: "warn" };
    delete env.OPORA_CORS_ORIGINS;
    run(binary, ["migrate"], env, "opora migrate");
    run(binary, ["demo-data"], env, "opora demo-data");

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const log = createWriteStream(logPath);
    await new Promise((resolve) => log.once("open", resolve));
    server = spawn(binary, ["serve", "--listen", `127.0.0.1:${port}`, "--threads", "2"], {
      env: { ...env, OPORA_CORS_ORIGINS: corsOrigins },
      stdio: ["ignore", log, log],
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null)
        throw new Error(`opora serve exited during start-up (log: ${logPath})`);
      const status = await fetch(`${base}/ready`).then((r) => r.status, () => 0);
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`GET /ready did not answer 200 (log: ${logPath})`);
      await sleep(100);
    }
    return { base, databaseUrl, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export function logTail(path, lines = 30) {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
