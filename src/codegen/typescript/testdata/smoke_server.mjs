// A tiny HTTP server mimicking the DRF behaviours the generated client must
// handle: pagination with absolute and relative `next`, multipart, field
// errors, session cookies with CSRF, binary and text bodies.
import http from "node:http";
const users = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, email: `u${i + 1}@x` }));
export function start() {
  return new Promise((resolve) => {
    const srv = http.createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, "http://localhost");
      const json = (status, obj, headers = {}) => {
        res.writeHead(status, { "Content-Type": "application/json", ...headers });
        res.end(JSON.stringify(obj));
      };
      const cookies = Object.fromEntries((req.headers.cookie ?? "").split(/;\s*/).filter(Boolean).map((c) => c.split("=")));
      if (url.pathname === "/api/users/" && req.method === "GET") {
        const page = Number(url.searchParams.get("page") ?? "1");
        const size = 3;
        const results = users.slice((page - 1) * size, page * size);
        const more = page * size < users.length;
        // page 1 -> absolute next, page 2 -> relative next
        const next = !more ? null : page === 1 ? `http://${req.headers.host}/api/users/?page=2&ids=${url.searchParams.get("ids")}` : `?page=${page + 1}`;
        return json(200, { count: users.length, next, results, seen: { ids: url.searchParams.getAll("ids"), trace: req.headers["x-trace"] ?? null } });
      }
      if (url.pathname === "/api/users/" && req.method === "POST") {
        const ct = req.headers["content-type"] ?? "";
        const text = body.toString("latin1");
        return json(201, { id: 99, email: "x", ct: ct.split(";")[0], raw: text.length, hasAvatar: text.includes('filename="a.bin"'), tags: (text.match(/name="tags"/g) ?? []).length });
      }
      if (url.pathname === "/api/users/all/") {
        res.setHeader("Set-Cookie", ["csrftoken=tok123; Path=/; SameSite=Lax", "sessionid=sess456; Path=/; HttpOnly; Expires=Wed, 21 Oct 2099 07:28:00 GMT"]);
        return json(200, []);
      }
      if (url.pathname.startsWith("/api/users/") && req.method === "DELETE") {
        if (cookies.sessionid !== "sess456" || req.headers["x-csrftoken"] !== cookies.csrftoken) return json(403, { detail: "CSRF Failed" });
        res.setHeader("Set-Cookie", "sessionid=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
        res.writeHead(204); return res.end();
      }
      if (url.pathname.startsWith("/api/users/") && req.method === "GET") {
        const [, , , id, weird] = url.pathname.split("/");
        if (id === "400") return json(400, { email: ["Enter a valid email."], address: { city: ["Required."] }, non_field_errors: ["Bad."] });
        if (id === "slow") { setTimeout(() => json(200, {}), 2000); return; }
        return json(200, { id: Number(id), weird: decodeURIComponent(weird), auth: req.headers.authorization ?? null, key: req.headers["x-api-key"] ?? null });
      }
      if (url.pathname === "/api/ping\"/" || url.pathname === "/api/ping%22/") { res.writeHead(200, { "Content-Type": "text/plain" }); return res.end("pong"); }
      if (url.pathname === "/api/raw/") return json(200, { len: body.length, ct: req.headers["content-type"] });
      if (url.pathname === "/api/ctor/") { res.writeHead(200, { "Content-Type": "application/octet-stream" }); return res.end(Buffer.from([0, 1, 2, 255])); }
      res.writeHead(500, { "Content-Type": "text/html" }); res.end("<h1>boom</h1>");
    });
    srv.listen(0, "127.0.0.1", () => resolve(srv));
  });
}
