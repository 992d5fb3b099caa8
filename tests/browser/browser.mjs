// Real-browser tests: headless Chromium (Debian's, through playwright-core)
// against a throwaway Opora with demo data (stack.mjs).
//   1. the docs page (/api/v1/docs): Swagger UI lists the operations, with no
//      page error, console error or failed request; Authorize with a token,
//      then "Try it out" on GET /api/v1/me answers 200 with the login;
//   2. a page on a second origin (a static server here, allowed by
//      OPORA_CORS_ORIGINS) logs in, lists and reads schools, patches one
//      with If-Match and reads the ETags (second-origin.js); the same page
//      on origins not in the list is refused by the browser.
// Screenshots go to OPORA_BROWSER_ARTIFACTS (build/test-artifacts/browser).
//   node tests/browser/browser.mjs OPORA_BINARY
import { createServer } from "node:http";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { fail, freePort, logTail, startStack } from "./stack.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.argv[2];
const artifacts = process.env.OPORA_BROWSER_ARTIFACTS || join(here, "../../build/test-artifacts/browser");
const chromiumPath = process.env.OPORA_CHROMIUM || "/usr/bin/chromium";
// Without the background-networking flags Chromium keeps calling home.
const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const TIMEOUT_MS = 60000;

let checks = 0;
function check(ok, what) {
  checks++;
  if (ok) console.log(`ok ${checks} - ${what}`);
  else fail(`${what}`);
  return ok;
}

// The second origin: the page and its script, nothing else.
function staticServer() {
  const files = {
    "/second-origin.html": ["text/html; charset=utf-8", readFileSync(join(here, "second-origin.html"))],
    "/second-origin.js": ["text/javascript; charset=utf-8", readFileSync(join(here, "second-origin.js"))],
  };
  return createServer((req, res) => {
    const file = files[new URL(req.url, "http://x").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": file[0], "Cache-Control": "no-store" }).end(file[1]);
  });
}

async function listen(server) {
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return port;
}

// Page errors, console errors and failed requests (4xx/5xx included) seen
// by a page, as lines.
function watch(page) {
  const troubles = [];
  page.on("pageerror", (e) => troubles.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") troubles.push(`console error: ${m.text()}`);
  });
  page.on("requestfailed", (r) => troubles.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) troubles.push(`${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return troubles;
}

// The preflights Chromium sends for a page (CDP reports them as OPTIONS
// requests), as "METHOD path" of the request they precede.
async function watchPreflights(context, page) {
  const seen = [];
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (e) => {
    if (e.request.method !== "OPTIONS") return;
    const h = Object.fromEntries(Object.entries(e.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    seen.push(`${h["access-control-request-method"]} ${new URL(e.request.url).pathname}`);
  });
  return seen;
}

async function login(base) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login: "admin", password: "opora-demo" }),
  });
  if (r.status !== 200) throw new Error(`login answered ${r.status}`);
  return (await r.json()).access_token;
}

// The page starts with its tags closed; opens each in turn, adds the ids of
// the operations it shows to `seen` (operations-<tag>-<operationId>) and
// closes it again. Answers the number of tags.
async function openEachTag(page, seen) {
  const headers = page.locator("h3.opblock-tag");
  const tags = await headers.count();
  for (let i = 0; i < tags; i++) {
    const header = headers.nth(i);
    await header.scrollIntoViewIfNeeded();
    await header.click();
    const section = page.locator(".opblock-tag-section").nth(i);
    await section.locator(".opblock").first().waitFor({ timeout: TIMEOUT_MS });
    for (const id of await section.locator(".opblock").evaluateAll((els) => els.map((e) => e.id))) seen.add(id);
    await header.click();
  }
  return tags;
}

async function testDocs(context, base) {
  const page = await context.newPage();
  const troubles = watch(page);
  const answer = await page.goto(`${base}/api/v1/docs`, { waitUntil: "load" });
  check(answer && answer.status() === 200, `GET /api/v1/docs answers 200 (got ${answer && answer.status()})`);
  const rendered = await page
    .locator("h3.opblock-tag")
    .first()
    .waitFor({ timeout: TIMEOUT_MS })
    .then(() => true, () => false);
  check(rendered, "Swagger UI renders the spec's tags");
  await page.screenshot({ path: join(artifacts, "docs.png") });

  // Every operation of the spec is listed under its tag.
  const spec = await (await fetch(`${base}/api/v1/openapi.yaml`)).text();
  const operations = spec.match(/^ {6}operationId: /gm)?.length ?? 0;
  const seen = new Set();
  const tags = rendered ? await openEachTag(page, seen).catch(() => 0) : 0;
  check(tags > 10, `Swagger UI shows the tags (saw ${tags})`);
  check(operations > 50 && seen.size >= operations, `Swagger UI lists all ${operations} operations (saw ${seen.size})`);
  for (const id of ["operations-Auth-getMe", "operations-Schools-listSchools", "operations-Assessments-pushAssessmentResults"])
    check(seen.has(id), `${id} is listed`);

  // A deep link opens its operation.
  const linked = await context.newPage();
  const linkTroubles = watch(linked);
  await linked.goto(`${base}/api/v1/docs#/Schools/listSchools`, { waitUntil: "load" });
  const opened = await linked
    .locator("#operations-Schools-listSchools .opblock-body")
    .waitFor({ timeout: TIMEOUT_MS })
    .then(() => true, () => false);
  check(opened, "the deep link #/Schools/listSchools opens that operation");
  troubles.push(...linkTroubles);
  await linked.close();

  // Authorize with a bearer token, then Try it out on GET /api/v1/me.
  try {
    const token = await login(base);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator(".auth-wrapper button.authorize").click();
    const bearer = page.locator(".modal-ux .auth-container").filter({ hasText: "bearerAuth" });
    await bearer.locator("input").fill(token);
    await bearer.locator("button.authorize").click();
    await page.locator(".modal-ux button.btn-done").first().click();
    const me = page.locator("#operations-Auth-getMe");
    await page.locator("#operations-tag-Auth").click();
    await me.locator(".opblock-summary").first().click();
    await me.locator("button.try-out__btn").click();
    await me.locator("button.execute").click();
    const status = me.locator(".live-responses-table tr.response .response-col_status").first();
    await status.waitFor({ timeout: TIMEOUT_MS });
    const code = (await status.innerText()).trim();
    const body = await me.locator(".live-responses-table tr.response .response-col_description").first().innerText();
    check(code === "200", `Try it out on GET /api/v1/me with the token answers 200 (got ${code})`);
    check(body.includes('"login": "admin"'), "its response panel shows the login");
    // The request and the answer in view (the block is taller than it).
    await me.locator(".live-responses-table").evaluate((e) => e.scrollIntoView({ block: "center" }));
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(artifacts, "docs-try-it-out.png") });
  } catch (e) {
    await page.screenshot({ path: join(artifacts, "docs-try-it-out-failed.png") });
    check(false, `Authorize and Try it out on GET /api/v1/me: ${e.message.split("\n")[0]}`);
  }
  check(troubles.length === 0, `the docs page had no error${troubles.length ? `:\n  ${troubles.join("\n  ")}` : ""}`);
  await page.close();
}

async function runPage(context, url, shot) {
  const page = await context.newPage();
  const troubles = watch(page);
  const preflights = await watchPreflights(context, page);
  await page.goto(url);
  await page.locator("#done").waitFor({ timeout: TIMEOUT_MS });
  const steps = await page.$$eval("[data-step]", (rows) =>
    rows.map((r) => ({ step: r.dataset.step, ok: r.dataset.ok === "true", detail: r.cells[2].textContent })),
  );
  await page.screenshot({ path: join(artifacts, shot), fullPage: true });
  await page.close();
  return { steps, troubles, preflights };
}

function checkSteps(where, steps, expected) {
  check(
    steps.map((s) => s.step).join(",") === expected.join(","),
    `${where}: the page ran ${expected.join(", ")} (ran ${steps.map((s) => s.step).join(", ")})`,
  );
  for (const s of steps) check(s.ok, `${where}: ${s.step}: ${s.detail}`);
}

async function testSecondOrigin(context, base, allowedPort, otherPort) {
  const page = (origin, mode) =>
    `${origin}/second-origin.html?api=${encodeURIComponent(base)}&mode=${mode}`;
  const allowed = `http://127.0.0.1:${allowedPort}`;
  const a = await runPage(context, page(allowed, "allowed"), "second-origin.png");
  checkSteps(allowed, a.steps, ["login", "list", "read", "patch", "stale-patch", "cached-then-cors", "no-token"]);
  // The 401 and 412 the page asked for show as such in the console too.
  const unexpected = a.troubles.filter((t) => !/^(401|412): |status of (401|412) /.test(t));
  check(unexpected.length === 0, `${allowed}: no error but the 401 and 412 asked for${
    unexpected.length ? `:\n  ${unexpected.join("\n  ")}` : ""}`);
  for (const p of ["POST /api/v1/auth/login", "GET /api/v1/schools", "PATCH /api/v1/schools/"])
    check(a.preflights.some((s) => s.startsWith(p)), `${allowed}: a preflight preceded ${p} (saw ${a.preflights.join("; ")})`);

  // Another port is another origin, and so is localhost for 127.0.0.1.
  for (const [origin, shot] of [
    [`http://127.0.0.1:${otherPort}`, "second-origin-blocked.png"],
    [`http://localhost:${allowedPort}`, "second-origin-localhost-blocked.png"],
  ]) {
    const b = await runPage(context, page(origin, "blocked"), shot);
    checkSteps(origin, b.steps, ["blocked-simple-get", "blocked-preflight"]);
    check(b.troubles.some((t) => /CORS|Access-Control/i.test(t)), `${origin}: the browser reported the CORS refusal`);
  }
}

async function main() {
  if (!binary) throw new Error("usage: node tests/browser/browser.mjs OPORA_BINARY");
  mkdirSync(artifacts, { recursive: true });
  for (const f of readdirSync(artifacts)) if (f.endsWith(".png")) rmSync(join(artifacts, f));
  const origins = [staticServer(), staticServer()];
  const allowedPort = await listen(origins[0]);
  const otherPort = await listen(origins[1]);
  const logPath = join(artifacts, "server.log");
  const stack = await startStack({
    binary,
    name: "browser",
    corsOrigins: `http://127.0.0.1:${allowedPort}`,
    logPath,
  });
  let browser = null;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    context.setDefaultTimeout(TIMEOUT_MS);
    await testDocs(context, stack.base);
    await testSecondOrigin(context, stack.base, allowedPort, otherPort);
  } finally {
    if (browser) await browser.close();
    for (const s of origins) s.close();
    await stack.stop();
  }
  if (process.exitCode) console.error(`server log tail (${logPath}):\n${logTail(logPath)}`);
  console.log(`${checks} checks; screenshots in ${artifacts}`);
}

main().catch((e) => {
  fail(e.stack || e.message);
  process.exit(1);
});
