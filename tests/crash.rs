//! Crash safety: `apigend generate` killed with SIGKILL at many moments while
//! it generates, commits and archives. Every generated file is always
//! entirely one version or the other; after the next run the output is exactly
//! the current spec's; the archive only ever lists complete versions.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{TempDir, apigend_bin, crate_root, run_apigend};

/// Relative path → contents of every file under `dir`, state directories
/// (`.apigend`) and the archive left out.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".apigend" || name == "archive" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

const CONFIG: &str = r#"output_dir = "out"
[spec]
path = "openapi.yaml"
[archive]
dir = "archive"
max_versions = 3
[[groups]]
name = "core"
apps = ["accounts", "catalog"]
[[groups]]
name = "billing"
apps = ["billing*"]
"#;

/// Two versions of the example shop spec that differ in both groups.
fn specs() -> (String, String) {
    let a = std::fs::read_to_string(crate_root().join("example/openapi.yaml")).unwrap();
    let b = a
        .replace("name: {type: string, maxLength: 80}", "label: {type: string, maxLength: 80}")
        .replace("issued: {type: string, format: date}", "issued_on: {type: string, format: date}")
        .replace("last4: {type: string}", "last4: {type: string}\n        brand: {type: string}");
    assert_ne!(a, b);
    (a, b)
}

fn reference(spec: &str) -> BTreeMap<String, Vec<u8>> {
    let t = TempDir::new();
    t.create("openapi.yaml", spec);
    t.create("apigend.toml", CONFIG.replace("[archive]", "[archive]\nenabled = false"));
    let out = run_apigend(t.path(), ["generate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    files(&t.path().join("out"))
}

/// Every listed version has a manifest and every file it lists, with the
/// recorded hash; no other directory looks like a version.
fn assert_archive_complete(archive: &Path) {
    let Ok(rd) = std::fs::read_dir(archive) else { return };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // .tmp-* / .trash-*: never listed, cleaned on the next run
        }
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(e.path().join("manifest.json"))
                .unwrap_or_else(|_| panic!("version {name} is listed without a manifest")),
        )
        .unwrap();
        for (group, g) in m["groups"].as_object().unwrap() {
            for (lang, o) in g["outputs"].as_object().unwrap() {
                for (rel, hash) in o["files"].as_object().unwrap() {
                    let p = e.path().join(group).join(lang).join(rel);
                    let bytes = std::fs::read(&p)
                        .unwrap_or_else(|_| panic!("version {name} lacks {}", p.display()));
                    assert_eq!(
                        apigend::output::hash(&bytes),
                        hash.as_str().unwrap(),
                        "{} differs from its manifest",
                        p.display()
                    );
                }
            }
        }
    }
}

#[test]
fn sigkill_at_random_moments_never_leaves_half_written_output() {
    let (a, b) = specs();
    let (ref_a, ref_b) = (reference(&a), reference(&b));
    let t = TempDir::new();
    t.create("apigend.toml", CONFIG);
    t.create("openapi.yaml", &a);
    assert!(run_apigend(t.path(), ["generate"]).status.success());

    // A fixed-seed LCG: the same kill schedule every run, spread over the
    // whole generate → commit → archive window.
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % 60_000
    };
    let mut killed_mid_run = 0;
    for i in 0..100 {
        let (spec, reference) = if i % 2 == 0 { (&b, &ref_b) } else { (&a, &ref_a) };
        t.create("openapi.yaml", spec);
        let mut child = Command::new(apigend_bin())
            .arg("generate")
            .current_dir(t.path())
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(next()));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        // Right after the kill: each file is entirely A's or entirely B's.
        for (rel, bytes) in files(&t.path().join("out")) {
            assert!(
                ref_a.get(&rel) == Some(&bytes) || ref_b.get(&rel) == Some(&bytes),
                "iteration {i}: {rel} is neither version"
            );
        }
        assert_archive_complete(&t.path().join("archive"));

        // The next start finishes or discards the interrupted commit.
        let out = run_apigend(t.path(), ["generate"]);
        assert!(out.status.success(), "iteration {i}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            &files(&t.path().join("out")),
            reference,
            "iteration {i}: output is not the spec's"
        );
        assert_archive_complete(&t.path().join("archive"));
        let leftovers: Vec<String> = std::fs::read_dir(t.path().join("archive"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "iteration {i}: leftovers {leftovers:?}");
    }
    // The schedule must actually hit running processes, or this proves
    // nothing.
    assert!(killed_mid_run >= 30, "only {killed_mid_run} of 100 kills hit a running process");
}
