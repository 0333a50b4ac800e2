// Wire driver of the TypeScript client generated from tests/specs/wire.yaml
// (tests/wire.rs copies it next to the generated client, compiles it with
// the pinned strict tsc and runs it on Node). It runs the runtime's
// serializer over the style table, calls every operation against origin A,
// and prints one `REPORT <json>` line; tests/wire.rs checks the report and
// the requests both origins recorded.

import { createClient } from "../generated/wire/typescript/index.js";
import { serializeParam, type ParamSpec } from "../generated/wire/typescript/client.js";

// Node globals, declared here so the driver needs no @types/node.
declare const process: { env: Record<string, string | undefined> };

interface Row {
  in: ParamSpec["in"];
  name: string;
  style: ParamSpec["style"];
  explode: boolean;
  value: unknown;
}

const A = process.env["WIRE_A"] ?? "";
const rows = JSON.parse(process.env["WIRE_STYLES"] ?? "[]") as Row[];
const styles = rows.map((row) => serializeParam(row, row.value) ?? null);

const api = createClient({
  baseUrl: A,
  auth: { token: "t0k", apiKey: { value: "k3y" }, session: {} },
  headers: { "X-Custom": "mine" },
});

const steps: Record<string, unknown> = {};

// Sets the session cookies first, so later unsafe calls carry them.
const ids: number[] = [];
for await (const item of api.items.listAll()) ids.push(item.id);
steps["items"] = ids;

await api.styles.retrieve({
  path: { plain: ["a b", "c"], label: ["x", "y"], matrix: { R: 1, G: 2 } },
  query: { form: ["p", "q"], csv: ["p", "q"], space: ["p", "q"], pipe: ["p", "q"], deep: { R: 1 }, to: [9, 10] },
  headers: { "X-Colors": ["blue", "black"] },
  cookies: { flavour: "vanilla bean" },
});
await api.media.retrieve();
await api.media.vendorRetrieve();
await api.media.searchList();

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]);
// A bare blob without a type, and a caller header that must not win.
await api.files.uploadCreate(
  { body: { title: "bare", file: new Blob([png]) } },
  { headers: { "Content-Type": "application/json" } },
);
await api.files.uploadCreate({ body: { title: "named", file: { blob: new Blob([png]), filename: "cover.jpg" } } });
await api.files.uploadCreate({ body: { title: "file", file: new File([png], "pic.gif") } });
// A binary body goes as the document's media type, whatever the Blob's own
// type; a range (`*/*`) takes the Blob's type.
await api.files.rawUpdate({ body: new Blob(["plain"], { type: "text/plain" }) });
await api.files.anythingUpdate({ body: new Blob([png], { type: "image/png" }) });

const exported = await api.files.exportRetrieve();
steps["export"] = Array.from(new Uint8Array(await exported.arrayBuffer()), (b) => b.toString(16).padStart(2, "0")).join("");

await api.items.hopCreate({ body: { ok: true } });
await api.items.awayCreate({ body: { ok: true } });

console.log(`REPORT ${JSON.stringify({ styles, steps })}`);
