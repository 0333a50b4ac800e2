//! Names that collide with the languages and with the clients' own names
//! (`tests/names/colliding.yaml`: apps, operations, models, fields,
//! parameters and enum members named `annotations`, `typing`, `client`,
//! `models`, `__init__`, `constructor`, `then`, `None`, `true`…) generate,
//! pass strict `tsc` and `mypy --strict`, import, and call every operation
//! in both languages against a stub transport that records each request.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::{self, Languages, TempDir, run_apigend};

/// Operations in the spec: a POST and a GET per app.
const OPERATIONS: usize = 44;

/// Generates the spec into `dir/out/names/`.
fn generate(dir: &TempDir) {
    let spec = util::crate_root().join("tests/names/colliding.yaml");
    dir.create(
        "apigend.toml",
        util::config_toml_with_package(&spec, "out", "names", Languages::BOTH, Some("names")),
    );
    let out = run_apigend(dir.path(), ["generate"]);
    util::assert_success("apigend generate", &out);
}

/// Every operation of every app, found by reflection so no escaped name is
/// assumed; the stub `fetch` records method and URL. Then `await` on every
/// app object must not call anything: an app object with a `then` method
/// would be taken for a promise.
const TS_DRIVER: &str = r#"
import { createClient } from "./out/names/typescript/index.js";

const calls: string[] = [];
const stub = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  calls.push(`${init?.method ?? "GET"} ${String(input)}`);
  const body = init?.method === "GET" ? "[]" : "{}";
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
};
const client = createClient({ baseUrl: "http://api.test", fetch: stub });
type Call = (request: unknown) => Promise<unknown>;
for (const [appName, app] of Object.entries(client)) {
  const proto = Object.getPrototypeOf(app) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === "constructor") continue;
    const method = (app as Record<string, Call>)[name];
    if (typeof method !== "function") continue;
    await method.call(app, { path: { id: 1 }, query: { self: "s" }, body: {} });
    console.log(`called ${appName}.${name}`);
  }
  const before = calls.length;
  await (app as unknown);
  if (calls.length !== before) throw new Error(`awaiting ${appName} made a request`);
}
for (const c of calls) console.log(c);
"#;

/// The same through the sync and the async Python clients, with
/// `httpx.MockTransport`; bodies are the models built with no fields.
const PY_DRIVER: &str = r#"
import asyncio, inspect, sys, typing
import httpx
import names

calls = []
def handler(request: httpx.Request) -> httpx.Response:
    calls.append(f"{request.method} {request.url}")
    return httpx.Response(200, json=[] if request.method == "GET" else {})

def arguments(method):
    module = sys.modules[type(method.__self__).__module__]
    hints = typing.get_type_hints(method, vars(module))
    args = {}
    for p in inspect.signature(method).parameters.values():
        if p.name == "id":
            args["id"] = 1
        elif p.name == "body":
            args["body"] = hints["body"]()
        elif p.name == "self_":
            args["self_"] = "s"
    return args

def apps(client):
    return [(n, a) for n, a in vars(client).items() if not n.startswith("_")]

with names.Client("http://api.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))) as c:
    for app_name, app in apps(c):
        for name, method in inspect.getmembers(app, inspect.ismethod):
            if not name.startswith("_"):
                method(**arguments(method))
                print(f"called {app_name}.{name}")

async def run_async():
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with names.AsyncClient("http://api.test", http_client=http) as c:
        for app_name, app in apps(c):
            for name, method in inspect.getmembers(app, inspect.ismethod):
                if not name.startswith("_"):
                    await method(**arguments(method))
asyncio.run(run_async())
for c in calls:
    print(c)
"#;

#[test]
#[ignore = "needs node (tsc) and python (mypy, pydantic, httpx); run scripts/test.sh"]
fn colliding_names_generate_type_check_import_and_call() {
    let tools = util::tools();
    let dir = TempDir::new();
    generate(&dir);
    let ts_root = dir.path().join("out/names/typescript");
    let py_pkg = dir.path().join("out/names/python/names");

    util::tsc_check(&tools, &dir.path().join("tsc"), std::slice::from_ref(&ts_root))
        .unwrap_or_else(|e| panic!("{e}"));
    util::mypy_check(&tools, &dir.path().join("mypy"), std::slice::from_ref(&py_pkg))
        .unwrap_or_else(|e| panic!("{e}"));
    util::python_import_all(&tools, std::slice::from_ref(&py_pkg))
        .unwrap_or_else(|e| panic!("{e}"));

    let ts = run_typescript(&tools, dir.path());
    assert_calls("TypeScript", &ts, OPERATIONS);
    let py = run_python(&tools, dir.path());
    // Sync then async: each operation twice.
    assert_calls("Python", &py, 2 * OPERATIONS);
}

/// Each request line (`POST http://api.test/3/1/?self=s`) hits `/<n>/1/`,
/// every POST carries its query parameter, and there are `n` of them, one
/// per operation per client.
fn assert_calls(lang: &str, output: &str, n: usize) {
    let requests: Vec<&str> =
        output.lines().filter(|l| l.starts_with("POST ") || l.starts_with("GET ")).collect();
    assert_eq!(requests.len(), n, "{lang}: {n} requests expected:\n{output}");
    for r in &requests {
        let (method, url) = r.split_once(' ').unwrap();
        let path = url.strip_prefix("http://api.test/").unwrap_or_else(|| panic!("{lang}: {r}"));
        let (segments, query) = path.split_once('?').unwrap_or((path, ""));
        let mut parts = segments.split('/');
        let app = parts.next().unwrap();
        assert!(app.parse::<usize>().is_ok() && parts.next() == Some("1"), "{lang}: {r}");
        assert_eq!(method == "POST", query == "self=s", "{lang}: {r}");
    }
    for (method, count) in [("POST", n / 2), ("GET", n / 2)] {
        let seen = requests.iter().filter(|r| r.starts_with(method)).count();
        assert_eq!(seen, count, "{lang}: {method} requests:\n{output}");
    }
}

fn run_typescript(tools: &util::Tools, dir: &Path) -> String {
    fs::write(dir.join("main.ts"), TS_DRIVER).unwrap();
    let tsconfig = serde_json::json!({
        "extends": util::strict_tsconfig().to_string_lossy(),
        "compilerOptions": {"types": [], "noEmit": false, "outDir": "js", "rootDir": "."},
        "include": ["main.ts", "out/names/typescript/**/*.ts"],
    });
    fs::write(dir.join("tsconfig.json"), tsconfig.to_string()).unwrap();
    let out = Command::new(&tools.tsc).args(["-p", "tsconfig.json"]).current_dir(dir).output();
    util::assert_success("tsc (driver)", &out.unwrap());
    fs::write(dir.join("js/package.json"), r#"{"type": "module"}"#).unwrap();
    let out = Command::new("node").arg("js/main.js").current_dir(dir).output().unwrap();
    util::assert_success("node js/main.js", &out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_python(tools: &util::Tools, dir: &Path) -> String {
    let out = Command::new(&tools.python)
        .args(["-c", PY_DRIVER])
        .current_dir(dir.join("out/names/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONPATH")
        .output()
        .unwrap();
    util::assert_success("python driver", &out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}
