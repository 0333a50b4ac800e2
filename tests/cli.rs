//! `apigend generate` as a user runs it: determinism, untouched mtimes on a
//! second run, only the changed group rewritten, and clear errors that leave
//! the existing output alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use crate::util::{TempDir, run_apigend};

const SPEC: &str = r"openapi: 3.0.3
info: {title: Shop, version: 1.0.0}
paths:
  /api/users/:
    get:
      operationId: users_list
      tags: [users]
      responses:
        '200':
          description: ''
          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/User'}}}}
  /api/orders/:
    get:
      operationId: orders_list
      tags: [orders]
      responses:
        '200':
          description: ''
          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Order'}}}}
components:
  schemas:
    User:
      type: object
      required: [id]
      properties: {id: {type: integer}, name: {type: string}}
    Order:
      type: object
      required: [id]
      properties: {id: {type: integer}, total: {type: string, format: decimal}}
";

const CONFIG: &str = r#"output_dir = "out"
[spec]
path = "openapi.yaml"
[archive]
enabled = false
[[groups]]
name = "core"
apps = ["users"]
[[groups]]
name = "shop"
apps = ["orders"]
"#;

fn project() -> TempDir {
    let t = TempDir::new();
    t.create("openapi.yaml", SPEC);
    t.create("apigend.toml", CONFIG);
    t
}

/// Relative path → (bytes, mtime) of every file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                // The project lock: every writer takes it and writes who it
                // is into it; it is apigend's state, not output.
                if rel == ".apigend/lock" {
                    continue;
                }
                let meta = std::fs::metadata(&p).unwrap();
                out.insert(rel, (std::fs::read(&p).unwrap(), meta.modified().unwrap()));
            }
        }
    }
    out
}

fn generate(t: &TempDir) -> std::process::Output {
    run_apigend(t.path(), ["generate", "--config", "apigend.toml"])
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn second_run_is_byte_identical_and_touches_no_file() {
    let t = project();
    let first = generate(&t);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&t.path().join("out"));
    assert!(before.keys().any(|k| k.starts_with("core/typescript/")), "{before:?}");
    assert!(before.keys().any(|k| k.starts_with("shop/python/shop/")), "{before:?}");
    // Coarse file-system clocks must be able to show a change.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = generate(&t);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(before, snapshot(&t.path().join("out")), "second run changed bytes or mtimes");
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
}

#[test]
fn output_is_the_same_in_another_directory() {
    let (a, b) = (project(), project());
    assert!(generate(&a).status.success());
    assert!(generate(&b).status.success());
    // `.apigend/stat.json` caches each file's mtime (a quick check before
    // hashing); it is bookkeeping of this copy, not output.
    let strip = |m: BTreeMap<String, (Vec<u8>, SystemTime)>| -> BTreeMap<String, Vec<u8>> {
        m.into_iter()
            .filter(|(k, _)| !k.ends_with(".apigend/stat.json"))
            .map(|(k, (bytes, _))| (k, bytes))
            .collect()
    };
    assert_eq!(strip(snapshot(&a.path().join("out"))), strip(snapshot(&b.path().join("out"))));
}

#[test]
fn changing_one_app_rewrites_only_its_group() {
    let t = project();
    assert!(generate(&t).status.success());
    let before = snapshot(&t.path().join("out"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    t.create(
        "openapi.yaml",
        SPEC.replace("total: {type: string, format: decimal}", "total: {type: number}"),
    );
    let out = generate(&t);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = snapshot(&t.path().join("out"));
    for (k, v) in &before {
        if k.starts_with("core/") {
            assert_eq!(Some(v), after.get(k), "{k} of the unchanged group moved");
        }
    }
    let changed: Vec<&String> =
        after.iter().filter(|(k, v)| before.get(*k) != Some(*v)).map(|(k, _)| k).collect();
    assert!(changed.iter().all(|k| k.starts_with("shop/")), "{changed:?}");
    assert!(changed.iter().any(|k| k.ends_with("models.ts")), "{changed:?}");
}

#[test]
fn bad_inputs_fail_clearly_and_keep_the_output() {
    let t = project();
    assert!(generate(&t).status.success());
    let good = snapshot(&t.path().join("out"));
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "malformed YAML",
            "openapi.yaml",
            "openapi: 3.0.3\ninfo: [\n",
            &["openapi.yaml", "invalid YAML", "line"],
        ),
        (
            "not OpenAPI",
            "openapi.yaml",
            "{\"hello\": \"world\"}",
            &["openapi.yaml", "not an OpenAPI document"],
        ),
        (
            // A bad piece is tolerated (tests/tolerance.rs); a bad level
            // of the document is not.
            "wrong shape",
            "openapi.yaml",
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: 7\n",
            &["openapi.yaml", "/paths"],
        ),
        (
            "bad config key",
            "apigend.toml",
            "output_dir = \"out\"\n[spec]\npth = \"x\"\n",
            &["apigend.toml", "pth"],
        ),
        (
            "bad config value",
            "apigend.toml",
            "[spec]\npath = \"openapi.yaml\"\n[watch]\ndebounce = \"soon\"\n",
            &["apigend.toml", "watch.debounce"],
        ),
    ];
    for (what, file, contents, needles) in cases {
        let keep = std::fs::read(t.path().join(file)).unwrap();
        t.create(file, contents);
        let out = generate(&t);
        let err = stderr(&out);
        assert!(!out.status.success(), "{what}: exit 0");
        for n in *needles {
            assert!(err.contains(n), "{what}: `{n}` not in: {err}");
        }
        assert!(err.lines().count() <= 6, "{what}: not one paragraph: {err}");
        assert_eq!(good, snapshot(&t.path().join("out")), "{what}: output changed");
        t.create(file, keep);
    }
    std::fs::remove_file(t.path().join("openapi.yaml")).unwrap();
    let out = generate(&t);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("openapi.yaml: cannot read spec"), "{}", stderr(&out));
    assert_eq!(good, snapshot(&t.path().join("out")));
}

#[test]
fn unknown_group_lists_the_known_ones() {
    let t = project();
    let out = run_apigend(t.path(), ["generate", "--groups", "core,nope"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("unknown group `nope`") && err.contains("core, shop"), "{err}");
    assert!(!t.path().join("out").exists(), "nothing may be written");
}

#[test]
fn groups_flag_limits_the_run() {
    let t = project();
    let out = run_apigend(t.path(), ["generate", "--groups", "shop"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(t.path().join("out/shop/typescript/index.ts").exists());
    assert!(!t.path().join("out/core").exists());
}

#[test]
fn failing_spec_command_is_reported_with_its_output() {
    let t = project();
    assert!(generate(&t).status.success());
    let good = snapshot(&t.path().join("out"));
    t.create(
        "apigend.toml",
        CONFIG.replace(
            "path = \"openapi.yaml\"",
            "path = \"openapi.yaml\"\ncommand = [\"sh\", \"-c\", \"echo 'ImportError: no module named shop' >&2; exit 1\"]",
        ),
    );
    let out = generate(&t);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("spec command") && err.contains("ImportError"), "{err}");
    assert_eq!(good, snapshot(&t.path().join("out")));
}
