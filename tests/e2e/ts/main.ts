// End-to-end driver of the generated TypeScript clients (groups `core` and
// `files`) against the real Django backend in ../backend. Written against
// docs/clients.md only. run.sh compiles it with the pinned tsc and runs it
// with Node; the base URL comes from APIGEND_E2E_BASE_URL.
//
// Every behaviour is one `step`: it prints `PASS ts <name>: <what was seen>`
// or `FAIL ts <name>: <why>`, and the process exits 1 when any step failed.

import { ApiError, API_INFO, createClient } from "../.out/openapi/core/typescript/index.js";
import {
  ApiError as FilesApiError,
  createClient as createFilesClient,
} from "../.out/openapi/files/typescript/index.js";

// Node globals, declared here so the driver needs no @types/node.
declare const process: {
  env: Record<string, string | undefined>;
  exitCode: number | undefined;
};

const BASE_URL = process.env["APIGEND_E2E_BASE_URL"] ?? "http://127.0.0.1:8000";
const LABEL = process.env["APIGEND_E2E_LABEL"] ?? "ts";
const RUN = (process.env["APIGEND_E2E_RUN_ID"] ?? String(Date.now())).replace(/[^A-Za-z0-9]/g, "");
const PREFIX = `ts${RUN}`;
const PASSWORD = "correct-horse-battery";

class AssertionFailed extends Error {}

function assert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new AssertionFailed(message);
}

function eq<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}

let passed = 0;
let failed = 0;

async function step(name: string, fn: () => Promise<string>): Promise<void> {
  try {
    const seen = await fn();
    passed += 1;
    console.log(`PASS ${LABEL} ${name}: ${seen}`);
  } catch (e) {
    failed += 1;
    const why = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    console.log(`FAIL ${LABEL} ${name}: ${why}`);
    if (!(e instanceof AssertionFailed) && e instanceof Error && e.stack) {
      console.log(e.stack.split("\n").slice(1, 6).join("\n"));
    }
  }
}

/** Runs `fn`, which must throw an ApiError of `ApiClass` with `status`. */
async function expectApiError<E extends { status: number }>(
  ApiClass: abstract new (...args: never[]) => E,
  status: number,
  fn: () => Promise<unknown>,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof ApiClass) {
      assert(e.status === status, `expected HTTP ${status}, got ApiError with status ${e.status}`);
      return e;
    }
    throw new AssertionFailed(`expected ApiError(${status}), got ${String(e)}`);
  }
  throw new AssertionFailed(`expected ApiError(${status}), but the call succeeded`);
}

function detailOf(body: unknown): string {
  if (typeof body === "object" && body !== null && "detail" in body) {
    const d = (body as { detail: unknown }).detail;
    return typeof d === "string" ? d : JSON.stringify(d);
  }
  return JSON.stringify(body);
}

/** A fetch that records every request it sends (method and URL). */
function recordingFetch(log: string[]): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    log.push(`${method} ${url}`);
    return globalThis.fetch(input, init);
  };
}

// Bytes 0..255 twice plus a CR LF and a NUL-heavy tail: anything a naive
// text round trip would mangle.
function testBytes(): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(600);
  for (let i = 0; i < 512; i += 1) out[i] = i % 256;
  out.set([13, 10, 0, 0, 255, 254, 13, 10], 512);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function main(): Promise<void> {
  console.log(`${LABEL}: driving ${API_INFO.title} ${API_INFO.version} at ${BASE_URL}, run ${PREFIX}`);
  // A trailing slash on the base URL is tolerated.
  const anon = createClient({ baseUrl: `${BASE_URL}/` });
  const username = `${PREFIX}_user`;
  let token = "";

  await step("api-info", async () => {
    eq(API_INFO.title, "Core API", "API_INFO.title (from the group config)");
    eq(API_INFO.version, "2.0.0", "API_INFO.version (from the group config)");
    return `API_INFO = ${JSON.stringify(API_INFO)}`;
  });

  await step("register-write-only-password", async () => {
    const user = await anon.accounts.registerCreate({
      body: { username, email: `${username}@example.org`, password: PASSWORD },
    });
    eq(user.username, username, "registered username");
    assert(typeof user.id === "number" && user.id > 0, `user id is a positive number, got ${user.id}`);
    assert(!("password" in user), "the write-only password must not come back");
    return `user #${user.id} ${user.username}, no password in the response`;
  });

  await step("token-login", async () => {
    const t = await anon.accounts.tokenCreate({ body: { username, password: PASSWORD } });
    assert(typeof t.token === "string" && t.token.length === 40, `a 40-char DRF token, got ${JSON.stringify(t.token)}`);
    token = t.token;
    return "got a 40-char token";
  });

  // The token as an async getter, read before every request.
  const api = createClient({ baseUrl: BASE_URL, auth: { token: async () => Promise.resolve(token) } });

  await step("auth-401-without-credentials", async () => {
    const e = await expectApiError(ApiError, 401, () => anon.accounts.profileRetrieve());
    assert(e.body !== undefined, "the 401 carries a parsed body");
    assert(detailOf(e.body).includes("credentials were not provided"), `401 detail, got ${detailOf(e.body)}`);
    const e2 = await expectApiError(ApiError, 401, () =>
      anon.library.booksCreate({ body: { title: "nope", price: "1.00" } }),
    );
    return `GET profile and POST books → 401 ${JSON.stringify(e.body)} / ${e2.status}`;
  });

  await step("auth-token-succeeds", async () => {
    const p = await api.accounts.profileRetrieve();
    eq(p.user.username, username, "profile.user.username (read-only nested)");
    eq(p.display_name, null, "profile.display_name (nullable, unset)");
    eq(p.theme, "system", "profile.theme (TextChoices default)");
    return `profile of ${p.user.username}, theme ${p.theme}, display_name null`;
  });

  let authorId = 0;
  let bookId = 0;
  await step("create", async () => {
    const author = await api.library.authorsCreate({ body: { name: `${PREFIX} Ursula`, born: "1929-10-21" } });
    authorId = author.id;
    eq(author.born, "1929-10-21", "author.born (date)");
    const book = await api.library.booksCreate({
      body: {
        title: `${PREFIX} Earthsea`,
        price: "12.50",
        status: "draft",
        rating: 5,
        cover: "hardcover",
        published_on: "1968-11-01",
        metadata: { tags: ["fantasy", "classic"], pages: 183, nested: { ok: true } },
        author_id: author.id,
      },
    });
    bookId = book.id;
    assert(book.id > 0, "book id is positive");
    eq(book.title, `${PREFIX} Earthsea`, "book.title");
    eq(book.price, "12.50", "book.price (decimal as string)");
    eq(book.status, "draft", "book.status (TextChoices)");
    eq(book.rating, 5, "book.rating (IntegerChoices)");
    eq(book.cover, "hardcover", "book.cover (nullable choices)");
    eq(book.published_on, "1968-11-01", "book.published_on (date)");
    eq(book.metadata, { tags: ["fantasy", "classic"], pages: 183, nested: { ok: true } }, "book.metadata (JSONField)");
    eq(book.author?.name, `${PREFIX} Ursula`, "book.author.name (read-only nested serializer)");
    eq(book.owner, username, "book.owner");
    assert(!Number.isNaN(Date.parse(book.created_at)), `created_at is a date-time, got ${book.created_at}`);
    assert(!("author_id" in book), "write-only author_id must not come back");
    return `book #${book.id} with nested author #${author.id}, price ${book.price}, metadata round-tripped`;
  });

  await step("validation-400-field-errors", async () => {
    const e = await expectApiError(ApiError, 400, () =>
      api.library.booksCreate({ body: { title: "forbidden", price: "-1.00" } }),
    );
    const fe = e.fieldErrors();
    eq(fe["title"], ["This title is not allowed."], "fieldErrors().title");
    eq(fe["price"], ["Price must not be negative."], "fieldErrors().price");
    eq(e.body, { title: ["This title is not allowed."], price: ["Price must not be negative."] }, "ApiError.body");
    const e2 = await expectApiError(ApiError, 400, () =>
      anon.accounts.registerCreate({ body: { username, password: "short" } }),
    );
    eq(Object.keys(e2.fieldErrors()).sort(), ["password", "username"], "register field errors");
    return `fieldErrors() = ${JSON.stringify(fe)}`;
  });

  const TOTAL = 12;
  const ids: number[] = [];
  await step("create-many", async () => {
    for (let i = 0; i < TOTAL - 1; i += 1) {
      const b = await api.library.booksCreate({
        body: { title: `${PREFIX} Volume ${String(i).padStart(2, "0")}`, price: `${i + 1}.25`, rating: (1 + (i % 5)) as 1 | 2 | 3 | 4 | 5 },
      });
      ids.push(b.id);
    }
    ids.unshift(bookId);
    eq(new Set(ids).size, TOTAL, "distinct ids");
    return `${TOTAL} books in all`;
  });

  await step("detail-action", async () => {
    eq(ids.length, TOTAL, "books from create-many");
    const published: number[] = [];
    for (const id of ids.slice(0, 4)) {
      const b = await api.library.booksPublishCreate({ path: { id } });
      eq(b.status, "published", `status after publish of #${id}`);
      published.push(b.id);
    }
    return `POST …/{id}/publish/ on ${published.length} books → status "published"`;
  });

  await step("list-filter-search-ordering", async () => {
    const page = await anon.library.booksList({ query: { search: PREFIX, status: "published" } });
    eq(page.count, 4, "count of published books of this run");
    assert(page.results.every((b) => b.status === "published"), "every result is published");
    const drafts = await anon.library.booksList({ query: { search: PREFIX, status: "draft", page_size: 50 } });
    eq(drafts.count, TOTAL - 4, "count of draft books of this run");
    const ordered = await anon.library.booksList({ query: { search: PREFIX, ordering: "-price", page_size: 3 } });
    const prices = ordered.results.map((b) => Number(b.price));
    eq(prices, [...prices].sort((a, b) => b - a), "prices ordered by -price");
    eq(ordered.results[0]?.title, `${PREFIX} Earthsea`, "most expensive first");
    const byAuthor = await anon.library.booksList({ query: { author: authorId } });
    eq(byAuthor.results.map((b) => b.id), [bookId], "filter by author id");
    return `status=published → ${page.count}, status=draft → ${drafts.count}, -price → ${prices.join(",")}`;
  });

  await step("pagination-iterator", async () => {
    const log: string[] = [];
    const counting = createClient({ baseUrl: BASE_URL, fetch: recordingFetch(log) });
    const first = await counting.library.booksList({ query: { search: PREFIX } });
    eq(first.count, TOTAL, "count");
    eq(first.results.length, 5, "page size");
    assert(first.next !== null && first.next !== undefined, "page 1 has a next link");
    log.length = 0;
    const seen: number[] = [];
    for await (const b of counting.library.booksListAll({ query: { search: PREFIX } })) {
      seen.push(b.id);
    }
    eq(seen, ids, "every item once, in id order, across pages");
    assert(log.length >= 3, `at least 3 page requests, saw ${log.length}: ${log.join(" | ")}`);
    assert(log.every((l) => l.startsWith("GET ") && l.includes("search=")), `every page keeps the filter: ${log.join(" | ")}`);
    return `booksListAll yielded ${seen.length} items over ${log.length} requests`;
  });

  await step("text-response", async () => {
    const csv = await anon.library.booksExportRetrieve({ query: { search: PREFIX } });
    assert(typeof csv === "string", `a string, got ${typeof csv}`);
    const lines = csv.trimEnd().split("\n");
    eq(lines[0], "id,title,price", "CSV header");
    eq(lines.length, 1 + TOTAL, "one CSV row per book of this run");
    eq(lines[1], `${bookId},${PREFIX} Earthsea,12.50`, "first row");
    return `text/csv body of ${lines.length} lines as a string`;
  });

  await step("wire-encoding", async () => {
    const word = "Le Guin & co? #1 é 100%";
    const r = await anon.library.echoRetrieve(
      { path: { word }, query: { tag: ["a b", "c&d", "é"] }, headers: { "X-Trace": "trace-1" } },
      { headers: { "X-Extra": "extra-2" } },
    );
    eq(r.word, word, "path parameter after URL decoding on the server");
    eq(r.tags, ["a b", "c&d", "é"], "repeated query parameter");
    eq(r.query.split("&").filter((kv) => kv.startsWith("tag=")).length, 3, `tag repeated in ${r.query}`);
    eq(r.trace, "trace-1", "header parameter");
    eq(r.extra, "extra-2", "CallOptions.headers");
    return `path ${JSON.stringify(word)} round-tripped; query ${r.query}`;
  });

  await step("retrieve", async () => {
    const b = await anon.library.booksRetrieve({ path: { id: bookId } });
    eq(b.id, bookId, "id");
    eq(b.title, `${PREFIX} Earthsea`, "title");
    eq(b.status, "published", "status (after the action)");
    eq(b.author?.id, authorId, "author.id");
    return `#${b.id} "${b.title}" by ${b.author?.name ?? "?"}`;
  });

  await step("partial-update", async () => {
    const b = await api.library.booksPartialUpdate({
      path: { id: bookId },
      body: { title: `${PREFIX} A Wizard of Earthsea`, cover: null, published_on: null },
    });
    eq(b.title, `${PREFIX} A Wizard of Earthsea`, "patched title");
    eq(b.cover, null, "cover set to null");
    eq(b.published_on, null, "published_on set to null");
    eq(b.price, "12.50", "price untouched by PATCH");
    eq(b.rating, 5, "rating untouched by PATCH");
    const again = await anon.library.booksRetrieve({ path: { id: bookId } });
    eq(again.title, b.title, "persisted title");
    const p = await api.accounts.profilePartialUpdate({ body: { display_name: "Ged", theme: "dark" } });
    eq([p.display_name, p.theme, p.bio], ["Ged", "dark", ""], "profile after PATCH");
    return `PATCH title/cover/published_on; price ${b.price} kept; profile theme ${p.theme}`;
  });

  await step("polymorphic-oneof", async () => {
    const items = await anon.library.feedList({ query: { search: PREFIX } });
    const kinds: string[] = [];
    let books = 0;
    let authors = 0;
    for (const item of items) {
      kinds.push(item.kind);
      if (item.kind === "book") {
        books += 1;
        assert(typeof item.title === "string" && typeof item.price === "string", "book item fields");
      } else {
        authors += 1;
        assert(typeof item.name === "string" && typeof item.book_count === "number", "author item fields");
        eq(item.book_count, 1, "author.book_count");
      }
    }
    eq([authors, books], [1, TOTAL], "one author and every book of this run");
    return `${items.length} feed items narrowed by kind (${authors} author, ${books} books)`;
  });

  const files = createFilesClient({ baseUrl: BASE_URL, auth: { token } });
  let attachmentId = 0;
  const bytes = testBytes();
  await step("upload-multipart", async () => {
    const a = await files.media.attachmentsUploadCreate({
      body: {
        file: new File([bytes], `${PREFIX}.bin`, { type: "application/x-e2e" }),
        description: "binary blob",
        tags: ["one", "two"],
      },
    });
    attachmentId = a.id;
    eq(a.size, bytes.length, "stored size");
    eq(a.filename, `${PREFIX}.bin`, "stored filename");
    eq(a.content_type, "application/x-e2e", "content type of the part");
    eq(a.description, "binary blob [one,two]", "description with repeated tags field");
    return `attachment #${a.id}, ${a.size} bytes, ${a.filename}`;
  });

  await step("download-binary", async () => {
    const blob = await files.media.attachmentsDownloadRetrieve({ path: { id: attachmentId } });
    assert(blob instanceof Blob, `a Blob, got ${typeof blob}`);
    const got = new Uint8Array(await blob.arrayBuffer());
    assert(sameBytes(got, bytes), `downloaded ${got.length} bytes differ from the ${bytes.length} uploaded`);
    const listed: number[] = [];
    for await (const a of files.media.attachmentsListAll()) listed.push(a.id);
    eq(listed, [attachmentId], "the user's attachments");
    return `${got.length} bytes back, byte-identical`;
  });

  // A 2x1 PNG. DRF's ImageField rejects a file name without an image
  // extension: a bare Blob is named from its bytes, `{ blob, filename }`
  // names it.
  const png = Uint8Array.from(
    ("89504e470d0a1a0a0000000d49484452000000020000000108020000007b40e8dd" +
      "0000000f49444154789c63fccfc0c0c0c0000006080101cb4776750000000049454e44ae426082").match(/../g) ?? [],
    (h) => parseInt(h, 16),
  );
  await step("upload-image-named", async () => {
    const bare = await files.media.attachmentsImageCreate({ body: { image: new Blob([png]) } });
    eq([bare.name, bare.width, bare.height], ["image.png", 2, 1], "a bare Blob");
    const named = await files.media.attachmentsImageCreate({ body: { image: { blob: new Blob([png]), filename: "cover.png" } } });
    eq(named.name, "cover.png", "{ blob, filename }");
    return `ImageField accepted ${bare.name} and ${named.name}`;
  });

  await step("files-401-without-credentials", async () => {
    const anonFiles = createFilesClient({ baseUrl: BASE_URL });
    const e = await expectApiError(FilesApiError, 401, () =>
      anonFiles.media.attachmentsDownloadRetrieve({ path: { id: attachmentId } }),
    );
    return `download without token → ${e.status}`;
  });

  await step("session-csrf", async () => {
    // The server enforces CSRF: a raw request with the session cookie but no
    // X-CSRFToken is refused. This proves the client's success below is due
    // to it sending the token.
    const raw = await fetch(`${BASE_URL}/api/accounts/login/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    eq(raw.status, 200, "raw login status");
    const cookie = raw.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    assert(cookie.includes("sessionid=") && cookie.includes("csrftoken="), `login sets session and csrf cookies: ${cookie}`);
    const noCsrf = await fetch(`${BASE_URL}/api/accounts/profile/`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify({ bio: "x" }),
    });
    eq(noCsrf.status, 403, "PATCH with session but without X-CSRFToken");

    const session = createClient({ baseUrl: BASE_URL, auth: { session: {} } });
    await expectApiError(ApiError, 401, () => session.accounts.profileRetrieve());
    const me = await session.accounts.loginCreate({ body: { username, password: PASSWORD } });
    eq(me.username, username, "login response");
    const p = await session.accounts.profileRetrieve();
    eq(p.user.username, username, "profile via session cookie");
    const patched = await session.accounts.profilePartialUpdate({ body: { bio: "Archmage of Roke" } });
    eq(patched.bio, "Archmage of Roke", "PATCH via session + CSRF");
    const b = await session.library.booksCreate({ body: { title: `${PREFIX} session book`, price: "3.00" } });
    eq(b.owner, username, "book created via session is owned by the user");
    await session.library.booksDestroy({ path: { id: b.id } });
    await session.accounts.logoutCreate();
    await expectApiError(ApiError, 401, () => session.accounts.profileRetrieve());
    return "raw PATCH without CSRF → 403; client login → GET, PATCH, POST, DELETE, logout all pass; 401 after logout";
  });

  await step("abort-signal", async () => {
    const ctl = new AbortController();
    ctl.abort();
    try {
      await anon.library.booksRetrieve({ path: { id: bookId } }, { signal: ctl.signal });
    } catch (e) {
      assert(!(e instanceof ApiError), "an abort is not an ApiError");
      assert(e instanceof Error && e.name === "AbortError", `AbortError, got ${String(e)}`);
      return "aborted call rejected with AbortError";
    }
    throw new AssertionFailed("an aborted call succeeded");
  });

  await step("delete-then-404", async () => {
    const r = await api.library.booksDestroy({ path: { id: bookId } });
    eq(r, undefined, "DELETE returns void");
    const e = await expectApiError(ApiError, 404, () => anon.library.booksRetrieve({ path: { id: bookId } }));
    eq(detailOf(e.body), "No Book matches the given query.", "404 body.detail");
    // Python's field_errors() gives {} for a `detail` body; TypeScript's keeps
    // `detail` as a key by design (askama_templates/typescript/client.ts). Only
    // what both agree on is checked: no field of the model shows up.
    const fe = e.fieldErrors();
    assert(!("title" in fe) && !("price" in fe), `no field errors on a 404, got ${JSON.stringify(fe)}`);
    await files.media.attachmentsDestroy({ path: { id: attachmentId } });
    const e2 = await expectApiError(FilesApiError, 404, () =>
      files.media.attachmentsRetrieve({ path: { id: attachmentId } }),
    );
    for (const id of ids.slice(1)) await api.library.booksDestroy({ path: { id } });
    const left = await anon.library.booksList({ query: { search: PREFIX } });
    eq(left.count, 0, "no books of this run left");
    return `deleted; retrieve → ApiError ${e.status} ${JSON.stringify(e.body)}, attachment → ${e2.status}`;
  });

  await step("not-found-404", async () => {
    const e = await expectApiError(ApiError, 404, () => anon.library.authorsRetrieve({ path: { id: 987654321 } }));
    eq(e.statusText.length > 0, true, "statusText set");
    assert(e.headers.get("content-type")?.includes("application/json") === true, "headers carried");
    await api.library.authorsDestroy({ path: { id: authorId } });
    return `authors/987654321 → ApiError ${e.status} ${e.statusText}`;
  });

  console.log(`${LABEL}: ${passed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.log(`FAIL ${LABEL} driver crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
