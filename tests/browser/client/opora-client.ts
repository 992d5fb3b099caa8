// A small typed client of the Opora API, its types generated from
// openapi.yaml by openapi-typescript (tests/browser/client-check.mjs makes
// generated/opora-api.d.ts). Every request and answer body, query and header
// set below is the spec's type, so a change of the spec that breaks a
// client breaks this file's type check. Runs in browsers and in node >= 18.
import type { components, paths } from "../generated/opora-api.js";

type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

// The parts of an operation of `paths`.
type JsonBody<Op> = Op extends { requestBody: { content: { "application/json": infer B } } } ? B : never;
type Answer<Op, S extends number> = Op extends {
  responses: { [K in S]: { content: { "application/json": infer R } } };
}
  ? R
  : never;
type Query<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type HeaderParams<Op> = Op extends { parameters: { header?: infer H } } ? NonNullable<H> : never;

type Login = paths["/api/v1/auth/login"]["post"];
type ListSchools = paths["/api/v1/schools"]["get"];
type GetSchool = paths["/api/v1/schools/{id}"]["get"];
type UpdateSchool = paths["/api/v1/schools/{id}"]["patch"];
type ListAssessments = paths["/api/v1/assessments"]["get"];
type PushResults = paths["/api/v1/assessments/{id}/results"]["post"];

export type School = Answer<ListSchools, 200>["items"][number];
export type SchoolDetail = Answer<GetSchool, 200>;
export type SchoolPatch = JsonBody<UpdateSchool>;
export type Assessment = Answer<ListAssessments, 200>["items"][number];
export type PushResult = Answer<PushResults, 201>;

// A document with the ETag it was read with (If-Match of the next write).
export interface Tagged<T> {
  body: T;
  etag: string;
}

// A problem+json answer (RFC 9457) as an exception.
export class OporaError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.code}: ${problem.detail}`);
  }
}

type Scalar = string | number | boolean;

export class OporaClient {
  constructor(
    readonly base: string,
    public token = "",
  ) {}

  // POST /api/v1/auth/login: keeps the token for the next calls.
  async login(credentials: JsonBody<Login>): Promise<Answer<Login, 200>> {
    const answer = await this.call<Answer<Login, 200>>("POST", "/api/v1/auth/login", {
      json: credentials,
    });
    this.token = answer.body.access_token;
    return answer.body;
  }

  // GET /api/v1/schools, page after page (next_cursor) until the last, or
  // `pages` pages.
  async *schools(query: Omit<Query<ListSchools>, "cursor"> = {}, pages = Infinity): AsyncGenerator<School[]> {
    let cursor: Query<ListSchools>["cursor"];
    for (let n = 0; n < pages; n++) {
      const q: Query<ListSchools> = { ...query, ...(cursor ? { cursor } : {}) };
      const page = await this.call<Answer<ListSchools, 200>>("GET", "/api/v1/schools", { query: q });
      yield page.body.items;
      if (page.body.next_cursor === null) return;
      cursor = page.body.next_cursor;
    }
  }

  // GET /api/v1/schools/{id}, with its ETag.
  async school(id: GetSchool["parameters"]["path"]["id"]): Promise<Tagged<SchoolDetail>> {
    return this.call<SchoolDetail>("GET", `/api/v1/schools/${id}`);
  }

  // PATCH /api/v1/schools/{id} based on the version `etag` (412 when stale).
  async updateSchool(
    id: UpdateSchool["parameters"]["path"]["id"],
    etag: string,
    patch: SchoolPatch,
  ): Promise<Tagged<Answer<UpdateSchool, 200>>> {
    const headers: HeaderParams<UpdateSchool> = { "If-Match": etag };
    return this.call<Answer<UpdateSchool, 200>>("PATCH", `/api/v1/schools/${id}`, { json: patch, headers });
  }

  // GET /api/v1/assessments: the first page of instruments (ВПР, ОГЭ, ЕГЭ).
  async assessments(query: Omit<Query<ListAssessments>, "cursor"> = {}): Promise<Assessment[]> {
    const page = await this.call<Answer<ListAssessments, 200>>("GET", "/api/v1/assessments", { query });
    return page.body.items;
  }

  // POST /api/v1/assessments/{id}/results: a CSV body of participants'
  // results. The same Idempotency-Key again answers the first push's result.
  async pushResults(
    assessmentId: PushResults["parameters"]["path"]["id"],
    csv: PushResults["requestBody"]["content"]["text/csv"],
    idempotencyKey: NonNullable<HeaderParams<PushResults>["Idempotency-Key"]>,
    query: Query<PushResults> = { mode: "strict" },
  ): Promise<{ body: PushResult; replayed: boolean }> {
    const headers: HeaderParams<PushResults> = { "Idempotency-Key": idempotencyKey };
    const answer = await this.call<PushResult>("POST", `/api/v1/assessments/${assessmentId}/results`, {
      query,
      headers,
      body: csv,
      type: "text/csv; charset=utf-8",
    });
    return { body: answer.body, replayed: answer.headers.get("Idempotent-Replayed") === "true" };
  }

  private async call<T>(
    method: string,
    path: string,
    opts: {
      query?: { [name: string]: Scalar | undefined };
      headers?: { [name: string]: string | undefined };
      json?: unknown;
      body?: string;
      type?: string;
    } = {},
  ): Promise<Tagged<T> & { headers: Headers }> {
    const url = new URL(path, this.base);
    for (const [name, value] of Object.entries(opts.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { Accept: "application/json" };
    for (const [name, value] of Object.entries(opts.headers ?? {})) if (value !== undefined) headers[name] = value;
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let body = opts.body;
    if (opts.json !== undefined) body = JSON.stringify(opts.json);
    if (body !== undefined) headers["Content-Type"] = opts.type ?? "application/json";
    const r = await fetch(url, { method, headers, body: body ?? null });
    const text = await r.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!r.ok) throw new OporaError(r.status, parsed as Problem);
    return { body: parsed as T, etag: r.headers.get("ETag") ?? "", headers: r.headers };
  }
}
