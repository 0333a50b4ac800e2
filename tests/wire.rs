//! Both clients right on the wire: the TypeScript client (on Node), the
//! Python sync client and the async client, generated from
//! `tests/specs/wire.yaml`, drive two local HTTP origins that record every
//! request byte for byte.
//!
//! What it proves: every OpenAPI style serialises as the specification's
//! "Style Examples" table says, with the same bytes from both languages
//! (`tests/wire/styles.json`, run through each runtime's serializer);
//! parameters reach the wire in every location; header parameters OpenAPI
//! ignores are not asked for; `Accept` comes from the documented response
//! media types and `Content-Type` from the body, whatever the caller says;
//! uploads carry a file name; a JSON media type with a binary schema is a
//! download; and credentials never leave the base URL's origin, neither
//! through a `next` link nor through a redirect.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::util::{self, Languages, TempDir};

/// One request as an origin received it.
#[derive(Debug, Clone)]
struct Recorded {
    /// `A` (the base URL's origin) or `B` (another origin).
    origin: char,
    method: String,
    /// Path and query exactly as sent.
    target: String,
    /// Header names lower-cased, in arrival order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

type Log = Arc<Mutex<Vec<Recorded>>>;

/// The first bytes of a PNG file, then some text: what `/export/` answers.
const EXPORT: &[u8] = b"\x89PNG\r\n\x1a\nwire-export";

/// Headers that carry credentials, or that the caller configured: none may
/// reach origin B.
const CREDENTIALS: &[&str] =
    &["authorization", "x-api-key", "cookie", "x-csrftoken", "x-custom", "referer"];

/// Two origins on 127.0.0.1 (different ports) sharing one request log.
struct Origins {
    a: String,
    b: String,
    log: Log,
}

impl Origins {
    fn start() -> Origins {
        let la = TcpListener::bind("127.0.0.1:0").expect("bind origin A");
        let lb = TcpListener::bind("127.0.0.1:0").expect("bind origin B");
        let a = format!("http://{}", la.local_addr().unwrap());
        let b = format!("http://{}", lb.local_addr().unwrap());
        let log: Log = Arc::default();
        for (listener, origin) in [(la, 'A'), (lb, 'B')] {
            let (log, b) = (log.clone(), b.clone());
            // The threads end with the test process.
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (log, b) = (log.clone(), b.clone());
                    std::thread::spawn(move || {
                        let _ = serve(stream, origin, &b, &log);
                    });
                }
            });
        }
        Origins { a, b, log }
    }

    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

/// Reads one request, records it and answers it (`Connection: close`).
fn serve(stream: TcpStream, origin: char, b: &str, log: &Log) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let rec = Recorded { origin, method, target, headers, body };
    let path = rec.path().to_string();
    log.lock().unwrap().push(rec);

    let json = "application/json";
    let (status, extra, ctype, payload): (&str, Vec<String>, &str, Vec<u8>) = match (
        origin,
        path.as_str(),
    ) {
        ('A', "/items/") => (
            "200 OK",
            vec![
                "Set-Cookie: sessionid=s1; Path=/".into(),
                "Set-Cookie: csrftoken=c1; Path=/".into(),
            ],
            json,
            format!(
                r#"{{"count":2,"next":"{b}/items/?page=2","previous":null,"results":[{{"id":1}}]}}"#
            )
            .into_bytes(),
        ),
        ('B', "/items/") => (
            "200 OK",
            vec![],
            json,
            br#"{"count":2,"next":null,"previous":null,"results":[{"id":2}]}"#.to_vec(),
        ),
        ('A', "/hop/") => {
            ("307 Temporary Redirect", vec!["Location: /landing/hop/".into()], json, vec![])
        }
        ('A', "/away/") => {
            ("307 Temporary Redirect", vec![format!("Location: {b}/landing/away/")], json, vec![])
        }
        (_, "/export/") => ("200 OK", vec![], json, EXPORT.to_vec()),
        (_, "/media/vendor/") => {
            ("200 OK", vec![], "application/vnd.zeta+json", br#"{"ok":true}"#.to_vec())
        }
        _ => ("200 OK", vec![], json, br#"{"ok":true}"#.to_vec()),
    };
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
        payload.len()
    );
    for e in extra {
        out.push_str(&e);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut stream = stream;
    stream.write_all(out.as_bytes())?;
    stream.write_all(&payload)?;
    stream.flush()
}

/// What one driver printed on its last line: the serializer's output for
/// every row of the style table, and the values its calls returned.
struct DriverReport {
    styles: Vec<serde_json::Value>,
    steps: BTreeMap<String, serde_json::Value>,
}

fn parse_report(label: &str, stdout: &str) -> DriverReport {
    let last = stdout.lines().rev().find(|l| l.starts_with("REPORT ")).unwrap_or_else(|| {
        panic!("{label}: the driver printed no REPORT line:\n{stdout}");
    });
    let v: serde_json::Value =
        serde_json::from_str(&last["REPORT ".len()..]).expect("the REPORT line is JSON");
    DriverReport {
        styles: v["styles"].as_array().cloned().unwrap_or_default(),
        steps: v["steps"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    }
}

fn crate_path(rel: &str) -> PathBuf {
    util::crate_root().join(rel)
}

/// Generates the wire spec's clients under `dir/generated/wire`; returns
/// what `apigend` printed (its warnings).
fn generate(dir: &TempDir) -> String {
    let spec =
        dir.create("schema/wire.yaml", std::fs::read(crate_path("tests/specs/wire.yaml")).unwrap());
    let config =
        dir.create("apigend.toml", util::config_toml(&spec, "generated", "wire", Languages::BOTH));
    let out = util::run_apigend(
        dir.path(),
        ["generate".as_ref(), "--config".as_ref(), config.as_os_str()],
    );
    util::assert_success("apigend generate on tests/specs/wire.yaml", &out);
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn run(label: &str, cmd: &mut Command) -> String {
    let out = util::with_job_slot(|| cmd.output()).unwrap_or_else(|e| panic!("{label}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{label} failed ({}):\n{stdout}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Compiles the TypeScript driver with the generated client (strict tsc)
/// and returns the command that runs it.
fn typescript_driver(tools: &util::Tools, dir: &TempDir) -> Command {
    dir.create("driver/main.ts", std::fs::read(crate_path("tests/wire/main.ts")).unwrap());
    let tsconfig = serde_json::json!({
        "extends": util::strict_tsconfig(),
        "compilerOptions": { "types": [], "noEmit": false, "rootDir": ".", "outDir": "build" },
        "files": ["driver/main.ts"],
    });
    dir.create("tsconfig.json", tsconfig.to_string());
    run(
        "tsc (wire driver)",
        Command::new(&tools.tsc).arg("-p").arg(dir.path().join("tsconfig.json")),
    );
    dir.create("build/package.json", r#"{"type": "module"}"#);
    let mut cmd = Command::new("node");
    cmd.arg(dir.path().join("build/driver/main.js"));
    cmd
}

fn python_driver(tools: &util::Tools, dir: &TempDir, flavour: &str) -> Command {
    let mut cmd = Command::new(&tools.python);
    cmd.arg(crate_path("tests/wire/main.py"))
        .arg(flavour)
        .env("PYTHONPATH", dir.path().join("generated/wire/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

fn multipart_filenames(r: &Recorded) -> Vec<String> {
    let body = String::from_utf8_lossy(&r.body);
    body.split("filename=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(String::from)
        .collect()
}

/// Checks one client's requests and report; returns the failures.
fn check(
    label: &str,
    report: &DriverReport,
    reqs: &[Recorded],
    table: &[serde_json::Value],
) -> Vec<String> {
    let mut bad = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            bad.push(format!("{label}: {what}"));
        }
    };

    // The style table, row by row.
    expect(
        report.styles.len() == table.len(),
        format!("{} style rows, want {}", report.styles.len(), table.len()),
    );
    for (row, got) in table.iter().zip(&report.styles) {
        expect(
            *got == row["expected"],
            format!(
                "style `{}`: got {got}, want {}",
                row["case"].as_str().unwrap_or(""),
                row["expected"]
            ),
        );
    }

    let find = |origin: char, path: &str| -> Vec<&Recorded> {
        reqs.iter().filter(|r| r.origin == origin && r.path() == path).collect()
    };
    let one =
        |origin: char, path: &str| -> Option<&Recorded> { find(origin, path).into_iter().next() };

    // Every location and style through a generated operation.
    match one('A', find_styles_path(reqs).as_str()) {
        Some(r) => {
            expect(
                r.target
                    == "/styles/a%20b,c/.x.y/;matrix=R,1,G,2/?csv=p,q&deep%5BR%5D=1&form=p&form=q\
                        &pipe=p%7Cq&space=p%20q&to=%5B9%2C10%5D",
                format!("styles target {}", r.target),
            );
            expect(
                r.header("x-colors") == Some("blue,black"),
                format!("x-colors {:?}", r.header("x-colors")),
            );
            expect(
                r.header("cookie").is_some_and(|c| c.contains("flavour=vanilla%20bean")),
                format!("cookie {:?}", r.header("cookie")),
            );
            expect(
                r.header("accept") == Some("application/json"),
                format!("styles accept {:?}", r.header("accept")),
            );
            expect(
                r.header("content-type").is_none(),
                format!("GET with a content-type {:?}", r.header("content-type")),
            );
            expect(
                r.header("authorization") == Some("Token t0k"),
                format!("styles authorization {:?}", r.header("authorization")),
            );
        }
        None => expect(false, "no styles request".into()),
    }

    // Media types: application/json first, then +json in document order.
    expect(
        one('A', "/media/").and_then(|r| r.header("accept")) == Some("application/json"),
        format!("media accept {:?}", one('A', "/media/").and_then(|r| r.header("accept"))),
    );
    expect(
        one('A', "/media/vendor/").and_then(|r| r.header("accept"))
            == Some("application/vnd.zeta+json, application/problem+json"),
        format!("vendor accept {:?}", one('A', "/media/vendor/").and_then(|r| r.header("accept"))),
    );
    // The GET that documents a body is sent without one.
    match one('A', "/search/") {
        Some(r) => expect(
            r.body.is_empty() && r.method == "GET",
            format!("search sent {} body bytes", r.body.len()),
        ),
        None => expect(false, "no search request".into()),
    }

    // Uploads: a bare blob named from its bytes, a named blob, a file; the
    // caller's Content-Type never replaces the multipart boundary.
    let uploads = find('A', "/upload/");
    let names: Vec<String> = uploads.iter().flat_map(|r| multipart_filenames(r)).collect();
    expect(names == ["file.png", "cover.jpg", "pic.gif"], format!("upload file names {names:?}"));
    for r in &uploads {
        let ct = r.header("content-type").unwrap_or("");
        let boundary = ct.split("boundary=").nth(1).unwrap_or("\u{0}");
        expect(
            ct.starts_with("multipart/form-data; boundary=")
                && String::from_utf8_lossy(&r.body).contains(&format!("--{boundary}")),
            format!("upload content-type {ct:?}"),
        );
    }

    // A binary body: the document's media type, whatever the file's own
    // type says (a server answers 415 to another); a range (`*/*`) is
    // no `Content-Type`, the file's type fills it in.
    for (path, want) in [("/raw/", "application/octet-stream"), ("/anything/", "image/png")] {
        let sent = find('A', path);
        expect(!sent.is_empty(), format!("no {path} request"));
        for r in &sent {
            let ct = r.header("content-type");
            expect(ct == Some(want), format!("{path} content-type {ct:?}, want {want}"));
        }
    }

    // A JSON media type with a binary schema is a download, and a download
    // also accepts anything, at a low weight.
    expect(
        one('A', "/export/").and_then(|r| r.header("accept"))
            == Some("application/json, */*;q=0.1"),
        format!("export accept {:?}", one('A', "/export/").and_then(|r| r.header("accept"))),
    );
    expect(
        report.steps.get("export").and_then(|v| v.as_str()) == Some(&hex(EXPORT)),
        format!("export returned {:?}", report.steps.get("export")),
    );

    // Pagination: page 2 lives on origin B and gets no credentials.
    expect(
        report.steps.get("items") == Some(&serde_json::json!([1, 2])),
        format!("items {:?}", report.steps.get("items")),
    );
    for (origin, path, trusted) in [
        ('A', "/items/", true),
        ('B', "/items/", false),
        ('A', "/hop/", true),
        ('A', "/landing/hop/", true),
        ('A', "/away/", true),
        ('B', "/landing/away/", false),
    ] {
        let Some(r) = one(origin, path) else {
            expect(false, format!("no request to {origin}{path}"));
            continue;
        };
        let leaked: Vec<&str> =
            CREDENTIALS.iter().copied().filter(|h| r.header(h).is_some()).collect();
        if trusted {
            expect(
                r.header("authorization") == Some("Token t0k")
                    && r.header("x-api-key") == Some("k3y")
                    && r.header("x-custom") == Some("mine"),
                format!("{origin}{path} lacks credentials: {:?}", r.headers),
            );
        } else {
            expect(leaked.is_empty(), format!("{origin}{path} received {leaked:?}"));
        }
    }
    // After `/items/` set the session cookies, unsafe requests to A carry
    // the session and the CSRF header, also after a same-origin redirect;
    // a 307 keeps the method and the body.
    for path in ["/hop/", "/landing/hop/"] {
        if let Some(r) = one('A', path) {
            expect(
                r.header("cookie").is_some_and(|c| c.contains("sessionid=s1"))
                    && r.header("x-csrftoken") == Some("c1"),
                format!("A{path} without session: {:?}", r.headers),
            );
        }
    }
    for (origin, path) in [('A', "/landing/hop/"), ('B', "/landing/away/")] {
        if let Some(r) = one(origin, path) {
            expect(
                r.method == "POST" && r.body == br#"{"ok":true}"#,
                format!("{origin}{path}: {} with {:?}", r.method, String::from_utf8_lossy(&r.body)),
            );
        }
    }
    bad
}

fn find_styles_path(reqs: &[Recorded]) -> String {
    reqs.iter()
        .map(Recorded::path)
        .find(|p| p.starts_with("/styles/"))
        .unwrap_or("/styles/")
        .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
#[ignore = "needs node, tsc and python with httpx/pydantic; run scripts/test.sh"]
fn both_clients_say_on_the_wire_what_the_document_says() {
    let tools = util::tools();
    let dir = TempDir::new();
    let printed = generate(&dir);
    // A body on GET cannot be sent by `fetch`: the operation is generated
    // without it, with a warning naming it.
    assert!(
        printed.contains("GET /search/") && printed.contains("search_list"),
        "no warning about the body on GET /search/:\n{printed}"
    );

    let origins = Origins::start();
    let table_text = std::fs::read_to_string(crate_path("tests/wire/styles.json")).unwrap();
    let table: Vec<serde_json::Value> = serde_json::from_str(&table_text).unwrap();
    let mut drivers: Vec<(&str, Command)> = vec![
        ("typescript", typescript_driver(&tools, &dir)),
        ("python sync", python_driver(&tools, &dir, "sync")),
        ("python async", python_driver(&tools, &dir, "async")),
    ];
    let mut failures = Vec::new();
    for (label, cmd) in &mut drivers {
        cmd.env("WIRE_A", &origins.a).env("WIRE_B", &origins.b).env("WIRE_STYLES", &table_text);
        let stdout = run(label, cmd);
        let report = parse_report(label, &stdout);
        let reqs = origins.take();
        failures.extend(check(label, &report, &reqs, &table));
    }
    assert!(failures.is_empty(), "{} wire failures:\n{}", failures.len(), failures.join("\n"));
}
