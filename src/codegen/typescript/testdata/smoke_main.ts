// Runtime smoke test of the generated TypeScript client (the sample IR of
// tests.rs) against smoke_server.mjs, run by `runtime_smoke_under_node`.
// Prints one line per behaviour and exits 1 when any failed.
import { ApiError, createClient } from "./gen/index.js";
// @ts-expect-error -- plain JS module without types
import { start } from "../smoke_server.mjs";
declare const process: { exitCode: number | undefined };
const srv = await start();
const base = `http://127.0.0.1:${srv.address().port}`;
let fails = 0;
function check(cond: boolean, what: string): void { console.log(`${cond ? "ok  " : "FAIL"} ${what}`); if (!cond) fails++; }
const api = createClient({ baseUrl: base + "/", auth: { token: async () => "T0K", apiKey: { value: "K3Y" } } });

const u = await api.users.retrieve({ path: { id: 5, "weird key": "a/b c?d" } }) as unknown as { id: number; weird: string; auth: string; key: string };
check(u.weird === "a/b c?d" && u.id === 5, `path params encoded: ${JSON.stringify(u)}`);
check(u.auth === "Token T0K" && u.key === "K3Y", "token prefix from spec + api key header");

const page = await api.users.list({ query: { ids: [1, 2], page: 1 }, headers: { "X-Trace": "tr" } }) as unknown as { seen: { ids: string[]; trace: string } };
check(JSON.stringify(page.seen) === '{"ids":["1,2"],"trace":"tr"}', `comma query + header: ${JSON.stringify(page.seen)}`);
const all: number[] = [];
for await (const user of api.users.listAll2({ query: { ids: [3] } })) all.push(user.id);
check(all.join() === "1,2,3,4,5,6,7", `pagination absolute+relative next: ${all}`);

const created = await api.users.create({ body: { email: "a@b", avatar: new File([new Uint8Array([1, 2, 3])], "a.bin"), tags: ["x", "y"] } }) as unknown as { ct: string; hasAvatar: boolean; tags: number };
check(created.ct === "multipart/form-data" && created.hasAvatar && created.tags === 2, `multipart: ${JSON.stringify(created)}`);

try { await api.users.retrieve({ path: { id: 400, "weird key": "x" } }); check(false, "400 throws"); }
catch (e) {
  check(e instanceof ApiError && e.status === 400, "ApiError 400");
  if (e instanceof ApiError) check(JSON.stringify(e.fieldErrors()) === '{"email":["Enter a valid email."],"address.city":["Required."],"non_field_errors":["Bad."]}', `fieldErrors ${JSON.stringify(e.fieldErrors())}`);
}
try { await api.health.upload({ body: new Blob(["abc"]) }); } catch (e) { check(false, String(e)); }
const raw = await api.health.upload({ body: new Blob(["abcd"]) }) as { len: number; ct: string };
check(raw.len === 4 && raw.ct === "application/octet-stream", `binary body ${JSON.stringify(raw)}`);
check((await api.health.ping()) === "pong", "text response");
const blob = await api.users.constructor2();
check(blob instanceof Blob && blob.size === 4, "binary response as Blob");

// Session + CSRF via the in-memory jar.
const sess = createClient({ baseUrl: base, auth: { session: {} } });
try { await sess.users.delete_({ path: { id: 1 } }); check(false, "delete without cookies must fail"); } catch (e) { check(e instanceof ApiError && e.status === 403, "403 without session"); }
await sess.users.listAll();
await sess.users.delete_({ path: { id: 1 } });
check(true, "DELETE with jar cookies + X-CSRFToken");
try { await sess.users.delete_({ path: { id: 1 } }); check(false, "session cleared"); } catch (e) { check(e instanceof ApiError && e.status === 403, "Max-Age=0 removed sessionid"); }

const ctl = new AbortController();
const p = api.users.retrieve({ path: { id: "slow" as unknown as number, "weird key": "x" } }, { signal: ctl.signal });
ctl.abort();
try { await p; check(false, "abort"); } catch (e) { check(!(e instanceof ApiError) && e instanceof Error && e.name === "AbortError", `abort: ${String(e)}`); }
try { await createClient({ baseUrl: base }).users.listAll2({ query: {} }).next(); } catch (e) { check(false, String(e)); }
srv.close();
console.log(fails === 0 ? "ALL OK" : `${fails} failures`);
process.exitCode = fails === 0 ? 0 : 1;
