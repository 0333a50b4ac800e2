// The Prism test's TypeScript driver: runs the calls of a plan (written by
// tests/prism.rs) through a generated TypeScript client compiled to
// JavaScript, against Prism's mock server, and writes one result per call.
//
//   node driver.mjs <client index.js> <plan.json> <base URL> <results.json>
//
// Which app property and method serve an operation is found by calling
// every method once with a transport that only records the request it is
// given (method and path template), so the driver never re-implements the
// generator's naming rules.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [indexJs, planPath, baseUrl, outPath] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planPath, "utf8"));
const api = await import(pathToFileURL(indexJs).href);

// The status and `sl-violations` header (Prism's list of what it found
// wrong with the request) of the last response.
let last = null;
const recordingFetch = async (input, init) => {
  const response = await fetch(input, init);
  last = { status: response.status, violations: response.headers.get("sl-violations") };
  return response;
};
const auth = { token: plan.auth.token, tokenPrefix: plan.auth.tokenPrefix };
if (plan.auth.apiKeyHeader !== null) auth.apiKey = { header: plan.auth.apiKeyHeader, value: plan.auth.apiKey };
const cookie = Object.entries(plan.auth.cookies).map(([k, v]) => `${k}=${v}`).join("; ");
const client = api.createClient({
  baseUrl,
  auth,
  headers: cookie === "" ? {} : { Cookie: cookie },
  fetch: recordingFetch,
});

// --- discovery: "METHOD /path/{name}/" -> [app property, method] ----------
const MARK = "\u0001";
const table = new Map();
for (const appProp of Object.keys(client)) {
  const app = client[appProp];
  if (app === null || typeof app !== "object" || !("_apigendTransport" in app)) continue;
  const proto = Object.getPrototypeOf(app);
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === "constructor" || typeof proto[name] !== "function") continue;
    let seen = null;
    const transport = new Proxy({}, {
      get: () => (spec) => {
        seen = spec;
        return Promise.resolve(undefined);
      },
    });
    const stub = Object.create(app, { _apigendTransport: { value: transport } });
    const group = new Proxy({}, { get: (_, key) => (typeof key === "string" ? MARK + key + MARK : undefined) });
    const request = new Proxy({}, { get: (_, key) => (key === "body" ? undefined : group) });
    try {
      const r = proto[name].call(stub, request, {});
      if (r !== null && typeof r === "object" && typeof r.then === "function") await r.catch(() => {});
    } catch {
      // A method that needs more than the recording stub gives is not a
      // plain operation (the pagination iterators).
    }
    if (seen !== null && typeof seen.path === "string") {
      const template = seen.path.replace(/%01(.*?)%01/g, (_, k) => "{" + decodeURIComponent(k) + "}");
      table.set(`${seen.method} ${template}`, [appProp, name]);
    }
  }
}

// --- values: the plan's JSON with file markers turned into `File`s -------
function toJs(value) {
  if (Array.isArray(value)) return value.map(toJs);
  if (value !== null && typeof value === "object") {
    if (typeof value["$binary"] === "string") {
      return new File([new TextEncoder().encode("hello\n")], value["$binary"], { type: "text/plain" });
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJs(v)]));
  }
  return value;
}

const GROUPS = { path: "path", query: "query", header: "headers", cookie: "cookies" };
const results = [];
for (const call of plan.calls) {
  const entry = table.get(`${call.method} ${call.path}`);
  if (entry === undefined) {
    results.push({ id: call.id, outcome: "missing", detail: "no method of the client sends this request" });
    continue;
  }
  const request = {};
  for (const p of call.params) {
    const group = GROUPS[p.in];
    request[group] ??= {};
    request[group][p.name] = toJs(p.value);
  }
  if (call.body !== null) request.body = toJs(call.body);
  last = null;
  const base = { id: call.id, flavour: "typescript" };
  try {
    await client[entry[0]][entry[1]](request, { signal: AbortSignal.timeout(60_000) });
    results.push({ ...base, outcome: "ok", ...last });
  } catch (e) {
    if (e instanceof api.ApiError) {
      results.push({ ...base, outcome: "api_error", ...last, detail: JSON.stringify(e.body) });
    } else {
      results.push({ ...base, outcome: "client_error", ...last, detail: String(e?.stack ?? e) });
    }
  }
}
writeFileSync(outPath, JSON.stringify({ flavour: "typescript", results }, null, 1));
