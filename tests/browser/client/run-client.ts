// Runs opora-client.ts against a live server with the demo data
// (tests/browser/client-check.mjs): login, two pages of schools, a read and
// a patch with If-Match (and a stale one), then a push of a small CSV of
// results with an Idempotency-Key, and the same push again (replayed).
//   node generated/dist/client/run-client.js http://127.0.0.1:PORT
import { OporaClient, OporaError, type Assessment } from "./opora-client.js";

declare const process: { argv: string[]; exitCode?: number };

let checks = 0;
function check(ok: boolean, what: string): void {
  checks++;
  if (ok) console.log(`ok ${checks} - ${what}`);
  else {
    console.error(`FAIL: ${what}`);
    process.exitCode = 1;
  }
}

// A CSV of `n` participants of school `code` for the instrument `a`: every
// task's score, their sum and the mark it gives.
function resultsCsv(a: Assessment, code: string, n: number): string {
  const tasks = a.tasks ?? [];
  const lines = [["school_code", "participant_code", ...tasks.map((t) => `task_${t.number}`), "primary_score", "mark"]];
  for (let i = 1; i <= n; i++) {
    const scores = tasks.map((t, k) => (i + k) % (t.max_score + 1));
    const primary = scores.reduce((x, y) => x + y, 0);
    const mark = primary >= (a.mark5_from ?? Infinity) ? 5 : primary >= (a.mark4_from ?? Infinity) ? 4 : primary >= (a.mark3_from ?? Infinity) ? 3 : 2;
    lines.push([code, `ts-client-${i}`, ...scores.map(String), String(primary), String(mark)]);
  }
  return lines.map((l) => l.join(",")).join("\r\n") + "\r\n";
}

async function main(base: string): Promise<void> {
  const admin = new OporaClient(base);
  const me = await admin.login({ login: "admin", password: "opora-demo" });
  check(me.user?.login === "admin", `login: ${me.token_type} token for ${me.user?.login}`);

  const pages: number[][] = [];
  for await (const page of admin.schools({ limit: 2 }, 2)) pages.push(page.map((s) => s.id));
  const ids = pages.flat();
  const first = ids[0];
  if (first === undefined) throw new Error("no school in the demo data");
  check(pages.length === 2 && ids.length === 4 && new Set(ids).size === 4, `two pages of schools by cursor: ${pages.join(" | ")}`);

  const read = await admin.school(first);
  check(read.etag === `"${read.body.version}"`, `read school ${read.body.id}: ETag ${read.etag}`);
  const phone = `+7 000 ${Date.now() % 100000}`;
  const patched = await admin.updateSchool(read.body.id, read.etag, { phone });
  check(patched.body.phone === phone && patched.etag !== read.etag, `patch with If-Match ${read.etag}: ETag ${patched.etag}`);
  try {
    await admin.updateSchool(read.body.id, read.etag, { phone: null });
    check(false, "a stale If-Match is refused");
  } catch (e) {
    check(e instanceof OporaError && e.status === 412 && e.problem.code === "precondition_failed", `a stale If-Match is refused: ${e}`);
  }

  const ingest = new OporaClient(base);
  const who = await ingest.login({ login: "rcoi-ingest", password: "opora-demo" });
  const scope = who.user?.scope;
  if (!scope || scope.kind !== "region") throw new Error("rcoi-ingest has no region scope");
  let school = "";
  for await (const page of admin.schools({ region: scope.id, limit: 1 }, 1)) school = page[0]?.code ?? "";
  const [vpr] = await ingest.assessments({ kind: "VPR", limit: 1 });
  if (!school || !vpr) throw new Error("no school or ВПР instrument in the demo data");
  const csv = resultsCsv(vpr, school, 3);
  const key = `ts-client-${Date.now()}`;
  const pushed = await ingest.pushResults(vpr.id, csv, key);
  check(pushed.body.outcome === "committed" && pushed.body.received === 3 && !pushed.replayed,
    `push of 3 rows to assessment ${vpr.id} (school ${school}): ${pushed.body.outcome}, import ${pushed.body.import_id}`);
  const again = await ingest.pushResults(vpr.id, csv, key);
  check(again.replayed && again.body.import_id === pushed.body.import_id, `the same Idempotency-Key replays import ${again.body.import_id}`);
  console.log(`${checks} checks`);
}

main(process.argv[2] ?? "http://127.0.0.1:8080").catch((e: unknown) => {
  console.error(`FAIL: ${e instanceof Error ? e.stack : String(e)}`);
  process.exitCode = 1;
});
