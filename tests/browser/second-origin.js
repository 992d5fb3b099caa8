// The second origin's script (second-origin.html): calls the API the way a
// front end on another origin does and writes what it saw into the page.
// Every step with a JSON body or a token needs a preflight; ETag must be
// readable from script (Access-Control-Expose-Headers).
"use strict";

const params = new URLSearchParams(location.search);
const api = params.get("api");
const mode = params.get("mode");
document.getElementById("origin").textContent = location.origin;
document.getElementById("api").textContent = api;
document.getElementById("mode").textContent = mode;

function record(step, ok, detail) {
  const row = document.createElement("tr");
  row.dataset.step = step;
  row.dataset.ok = String(ok);
  for (const text of [step, ok ? "yes" : "NO", detail]) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  document.getElementById("steps").append(row);
}

async function step(name, body) {
  try {
    const [ok, detail] = await body();
    record(name, ok, detail);
    return ok;
  } catch (e) {
    record(name, false, `threw ${e.name}: ${e.message}`);
    return false;
  }
}

async function allowed() {
  let token = "";
  let school = null;
  let etag = "";
  const auth = () => ({ Authorization: `Bearer ${token}` });

  await step("login", async () => {
    const r = await fetch(`${api}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: "admin", password: "opora-demo" }),
    });
    const b = await r.json();
    token = b.access_token || "";
    return [r.status === 200 && token.startsWith("opora_"), `${r.status}, token ${token.slice(0, 10)}…`];
  });

  await step("list", async () => {
    const r = await fetch(`${api}/api/v1/schools?limit=3`, { headers: auth() });
    const b = await r.json();
    school = b.items && b.items[0];
    const id = r.headers.get("X-Request-Id");
    return [
      r.status === 200 && b.items.length === 3 && typeof b.next_cursor === "string" && !!id,
      `${r.status}, ${b.items && b.items.length} schools, next_cursor ${!!b.next_cursor}, X-Request-Id ${id}`,
    ];
  });

  await step("read", async () => {
    const r = await fetch(`${api}/api/v1/schools/${school.id}`, { headers: auth() });
    const b = await r.json();
    etag = r.headers.get("ETag") || "";
    return [r.status === 200 && etag === `"${b.version}"`, `${r.status}, ${b.short_name}, ETag ${etag}`];
  });

  const phone = `+7 000 ${Date.now() % 1000000}`;
  const oldEtag = etag;
  await step("patch", async () => {
    const r = await fetch(`${api}/api/v1/schools/${school.id}`, {
      method: "PATCH",
      headers: { ...auth(), "Content-Type": "application/json", "If-Match": etag },
      body: JSON.stringify({ phone }),
    });
    const b = await r.json();
    etag = r.headers.get("ETag") || "";
    return [
      r.status === 200 && b.phone === phone && etag !== "" && etag !== oldEtag,
      `${r.status}, phone ${b.phone}, ETag ${oldEtag} -> ${etag}`,
    ];
  });

  await step("stale-patch", async () => {
    const r = await fetch(`${api}/api/v1/schools/${school.id}`, {
      method: "PATCH",
      headers: { ...auth(), "Content-Type": "application/json", "If-Match": oldEtag },
      body: JSON.stringify({ phone: "+7 000 0" }),
    });
    const b = await r.json();
    return [r.status === 412 && b.code === "precondition_failed", `${r.status}, problem ${b.code}`];
  });

  // A file the page loaded without CORS (a stylesheet: no Origin sent) is
  // in the browser's cache when a script fetches it: the cached answer
  // must not stand in for the one this origin gets (Vary: Origin).
  await step("cached-then-cors", async () => {
    const url = `${api}/api/v1/docs/swagger-ui.css`;
    await new Promise((resolve, reject) => {
      const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: url });
      link.onload = resolve;
      link.onerror = () => reject(new Error("the stylesheet did not load"));
      document.head.append(link);
    });
    const r = await fetch(url);
    return [r.status === 200 && (await r.text()).length > 1000, `${r.status} from script after the stylesheet`];
  });

  await step("no-token", async () => {
    const r = await fetch(`${api}/api/v1/me`);
    const b = await r.json();
    return [r.status === 401 && b.code === "unauthorized", `${r.status}, problem ${b.code}`];
  });
}

// From an origin the server does not allow, the browser hides the answer:
// fetch rejects, with or without a preflight.
async function blocked() {
  for (const [name, init, path] of [
    ["blocked-simple-get", {}, "/health"],
    [
      "blocked-preflight",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ login: "admin", password: "opora-demo" }),
      },
      "/api/v1/auth/login",
    ],
  ]) {
    await step(name, async () => {
      try {
        const r = await fetch(`${api}${path}`, init);
        return [false, `answered ${r.status}: the browser let this origin read it`];
      } catch (e) {
        return [e instanceof TypeError, `fetch rejected: ${e.name}: ${e.message}`];
      }
    });
  }
}

(mode === "blocked" ? blocked() : allowed()).finally(() => {
  const done = document.createElement("p");
  done.id = "done";
  done.textContent = "done";
  document.body.append(done);
});
