// The typed client against the spec and a live server:
//   1. generates TypeScript types from openapi.yaml (openapi-typescript)
//      into generated/opora-api.d.ts and type-checks client/*.ts against
//      them (tsc, strict; generated/dist gets the JavaScript);
//   2. spec changes that break clients (a field renamed, a header dropped,
//      a push answer changed) each make that type check fail;
//   3. runs the compiled client (client/run-client.ts) against a throwaway
//      Opora with the demo data (stack.mjs).
//   node tests/browser/client-check.mjs OPORA_BINARY
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fail, logTail, startStack } from "./stack.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const spec = join(here, "../../openapi.yaml");
const bin = (name) => join(here, "node_modules/.bin", name);
const binary = process.argv[2];

let checks = 0;
function check(ok, what) {
  checks++;
  if (ok) console.log(`ok ${checks} - ${what}`);
  else fail(what);
  return ok;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ?? ""}` };
}

function generate(specPath, out) {
  return run(process.execPath, [bin("openapi-typescript"), specPath, "-o", out]);
}

// The block of `text` from the line `start` to the next line indented 4
// spaces or less (the rest of a schema, or of an operation from its
// operationId on), changed by `change`; throws when
// `start` is missing or the change changes nothing, so a mutation that no
// longer applies is a failure of this test, not a pass.
function mutateBlock(text, start, change) {
  const at = text.indexOf(`\n${start}\n`);
  if (at < 0) throw new Error(`mutation: "${start.trim()}" not in openapi.yaml`);
  const next = /\n {0,4}\S/g;
  next.lastIndex = at + start.length + 2;
  const end = next.exec(text)?.index ?? text.length;
  const block = text.slice(at, end);
  const changed = change(block);
  if (changed === block) throw new Error(`mutation of "${start.trim()}" changed nothing`);
  return text.slice(0, at) + changed + text.slice(end);
}

// Spec changes a client would break on, and a word tsc's message must name.
const mutations = [
  {
    what: "SchoolList renames next_cursor",
    expect: "next_cursor",
    apply: (t) => mutateBlock(t, "    SchoolList:", (b) => b.replaceAll("next_cursor", "next_page")),
  },
  {
    what: "LoginRequest renames password",
    expect: "password",
    apply: (t) => mutateBlock(t, "    LoginRequest:", (b) => b.replaceAll("password", "passphrase")),
  },
  {
    what: "updateSchool no longer takes If-Match",
    expect: "If-Match",
    apply: (t) =>
      mutateBlock(t, "      operationId: updateSchool", (b) =>
        b.replace("        - $ref: '#/components/parameters/IfMatch'\n", ""),
      ),
  },
  {
    what: "PushResult renames import_id",
    expect: "import_id",
    apply: (t) => mutateBlock(t, "    PushResult:", (b) => b.replaceAll("import_id", "id")),
  },
  {
    what: "the push no longer takes text/csv",
    expect: "text/csv",
    apply: (t) =>
      mutateBlock(t, "      operationId: pushAssessmentResults", (b) => b.replace("          text/csv:", "          text/x-csv:")),
  },
];

function typeCheck() {
  const gen = generate(spec, join(here, "generated/opora-api.d.ts"));
  if (!check(gen.ok, "openapi-typescript generates generated/opora-api.d.ts from openapi.yaml")) {
    console.error(gen.out);
    return false;
  }
  const tsc = run(process.execPath, [bin("tsc"), "-p", join(here, "tsconfig.json")]);
  if (!check(tsc.ok, "client/opora-client.ts and client/run-client.ts type-check against it (tsc, strict)")) {
    console.error(tsc.out);
    return false;
  }
  return true;
}

// Each mutation in a scratch copy: the spec changed, types generated again,
// the same sources and tsconfig; tsc must fail and name the change.
function mutationsBreakTheClient() {
  const text = readFileSync(spec, "utf8");
  const scratch = mkdtempSync(join(tmpdir(), "opora-client-"));
  try {
    mkdirSync(join(scratch, "client"));
    mkdirSync(join(scratch, "generated"));
    for (const f of ["client/opora-client.ts", "client/run-client.ts", "tsconfig.json"])
      copyFileSync(join(here, f), join(scratch, f));
    for (const m of mutations) {
      writeFileSync(join(scratch, "openapi.yaml"), m.apply(text));
      const gen = generate(join(scratch, "openapi.yaml"), join(scratch, "generated/opora-api.d.ts"));
      const tsc = gen.ok ? run(process.execPath, [bin("tsc"), "-p", join(scratch, "tsconfig.json"), "--noEmit"]) : gen;
      const named = tsc.out.includes(m.expect);
      check(gen.ok && !tsc.ok && named, `a spec where ${m.what} fails the client's type check${
        tsc.ok ? " (it passed)" : named ? "" : `: ${tsc.out.slice(0, 600)}`}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function runAgainstServer() {
  const artifacts = process.env.OPORA_BROWSER_ARTIFACTS || join(here, "../../build/test-artifacts/browser");
  mkdirSync(artifacts, { recursive: true });
  const logPath = join(artifacts, "client-server.log");
  const stack = await startStack({ binary, name: "tsclient", corsOrigins: "", logPath });
  try {
    const r = run(process.execPath, [join(here, "generated/dist/client/run-client.js"), stack.base]);
    process.stdout.write(r.out);
    if (!check(r.ok, "the compiled client works against a live server")) console.error(logTail(logPath));
  } finally {
    await stack.stop();
  }
}

async function main() {
  if (!binary) throw new Error("usage: node tests/browser/client-check.mjs OPORA_BINARY");
  if (!typeCheck()) return;
  mutationsBreakTheClient();
  await runAgainstServer();
  console.log(`${checks} checks`);
}

main().catch((e) => {
  fail(e.stack || e.message);
  process.exit(1);
});
