//! The archive through the binary: restore brings back byte-identical files,
//! and each version's report agrees with `apigend diff` on the same pair.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::{TempDir, crate_root, run_apigend};

fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".apigend" || name == "archive" {
                continue;
            }
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

fn ok(what: &str, o: &std::process::Output) -> String {
    assert!(o.status.success(), "{what}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn versions(t: &TempDir) -> Vec<String> {
    let list = ok("archive list", &run_apigend(t.path(), ["archive", "list"]));
    list.lines().skip(1).filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect()
}

/// The example project (`example/openapi.yaml`) in two groups, `core` and
/// `billing`, with the archive on; and its spec.
fn example_project() -> (TempDir, String) {
    let t = TempDir::new();
    let spec = std::fs::read_to_string(crate_root().join("example/openapi.yaml")).unwrap();
    t.create("openapi.yaml", &spec);
    t.create(
        "apigend.toml",
        "[spec]\npath = \"openapi.yaml\"\n[[groups]]\nname = \"core\"\napps = [\"accounts\", \"catalog\"]\n[[groups]]\nname = \"billing\"\napps = [\"billing\"]\n",
    );
    (t, spec)
}

/// The example spec with a breaking change in each group.
fn changed_in_both_groups(spec: &str) -> String {
    spec.replace("name: {type: string, maxLength: 80}", "title: {type: string}")
        .replace("last4: {type: string}", "last4: {type: integer}")
}

#[test]
fn restore_brings_back_byte_identical_files_and_is_recorded() {
    let (t, spec) = example_project();
    ok("generate v1", &run_apigend(t.path(), ["generate"]));
    let v1_files = outputs(&t.path().join("openapi"));
    t.create("openapi.yaml", changed_in_both_groups(&spec));
    ok("generate v2", &run_apigend(t.path(), ["generate"]));
    assert_ne!(v1_files, outputs(&t.path().join("openapi")));
    let ids = versions(&t);
    assert_eq!(ids.len(), 2, "{ids:?}");

    let out = ok("restore", &run_apigend(t.path(), ["archive", "restore", &ids[0]]));
    assert!(out.contains("restored from"), "{out}");
    assert_eq!(v1_files, outputs(&t.path().join("openapi")), "restore is not byte-identical");
    let list = ok("archive list", &run_apigend(t.path(), ["archive", "list"]));
    assert!(list.contains(&format!("restore {}", ids[0])), "{list}");

    // Only one group, from the newest version back to v2's state.
    let ids = versions(&t);
    ok(
        "restore billing",
        &run_apigend(t.path(), ["archive", "restore", &ids[1], "--groups", "billing"]),
    );
    let now = outputs(&t.path().join("openapi"));
    for (k, v) in &v1_files {
        if k.starts_with("core/") {
            assert_eq!(now.get(k), Some(v), "{k}: a group that was not asked for moved");
        }
    }
    assert_ne!(
        now.iter().filter(|(k, _)| k.starts_with("billing/")).collect::<Vec<_>>(),
        v1_files.iter().filter(|(k, _)| k.starts_with("billing/")).collect::<Vec<_>>()
    );
    let bad = run_apigend(t.path(), ["archive", "restore", "1999-01-01_00-00-00"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("archive list"));
}

/// (rule id, fingerprint) of every finding in a report.json.
fn findings(json: &str) -> BTreeSet<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["id"].as_str().unwrap().to_string(), c["fingerprint"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn archive_report_and_apigend_diff_agree_on_real_pairs() {
    let pairs = crate_root().join("tests/diff_pairs");
    let mut checked = 0;
    for pair in ["drfsp-versioning-accept-v1-to-v2", "drfsp-fields-oas30-to-oas31"] {
        let (base, revision) =
            (pairs.join(pair).join("base.yml"), pairs.join(pair).join("revision.yml"));
        let t = TempDir::new();
        t.create("apigend.toml", "[spec]\npath = \"openapi.yml\"\n[languages]\npython = false\n[[groups]]\nname = \"all\"\napps = [\"*\"]\n");
        t.create("openapi.yml", std::fs::read(&base).unwrap());
        ok("generate base", &run_apigend(t.path(), ["generate"]));
        t.create("openapi.yml", std::fs::read(&revision).unwrap());
        ok("generate revision", &run_apigend(t.path(), ["generate"]));
        let diff = run_apigend(
            t.path(),
            [
                "diff".as_ref(),
                base.as_os_str(),
                revision.as_os_str(),
                "--format".as_ref(),
                "json".as_ref(),
            ],
        );
        let from_diff = findings(&ok("diff", &diff));
        let ids = versions(&t);
        let expected_versions = if from_diff.is_empty() { 1..=2 } else { 2..=2 };
        assert!(expected_versions.contains(&ids.len()), "{pair}: {ids:?}");
        if ids.len() == 2 {
            let report = std::fs::read_to_string(
                t.path().join("openapi/archive").join(&ids[1]).join("all/report.json"),
            )
            .unwrap();
            assert_eq!(
                findings(&report),
                from_diff,
                "{pair}: the archive report and apigend diff differ"
            );
        }
        if !from_diff.is_empty() {
            checked += 1;
        }
    }
    assert!(checked >= 1, "no pair had findings: this test proved nothing");
}

/// Serves the schemas' `$id`s (`https://apigend.invalid/<name>`) from
/// `docs/<name>`, so `$ref`s between them resolve without a network.
struct Docs;

impl jsonschema::Retrieve for Docs {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .as_str()
            .strip_prefix("https://apigend.invalid/")
            .ok_or_else(|| format!("{uri}: not one of apigend's schemas"))?;
        let text = std::fs::read_to_string(crate_root().join("docs").join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// Issue 14: the top-level `report.json` of an archive version validates
/// against the published `docs/version-report.schema.json` (whose groups'
/// reports are `docs/report.schema.json`), and so does each group's own
/// `report.json` against `docs/report.schema.json`.
#[test]
fn a_version_report_validates_against_the_published_schemas() {
    let (t, spec) = example_project();
    ok("generate v1", &run_apigend(t.path(), ["generate"]));
    t.create("openapi.yaml", changed_in_both_groups(&spec));
    ok("generate v2", &run_apigend(t.path(), ["generate"]));
    let ids = versions(&t);
    let version = t.path().join("openapi/archive").join(&ids[1]);

    let load = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(crate_root().join("docs").join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let report_schema = load("report.schema.json");
    let version_schema = jsonschema::options()
        .with_retriever(Docs)
        .build(&load("version-report.schema.json"))
        .expect("docs/version-report.schema.json compiles");
    let group_schema =
        jsonschema::validator_for(&report_schema).expect("docs/report.schema.json compiles");
    for (what, validator) in [("version", &version_schema), ("group", &group_schema)] {
        assert!(!validator.is_valid(&serde_json::json!({})), "{what}: the schema accepts anything");
    }
    let check = |validator: &jsonschema::Validator, path: &Path| {
        let instance: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}:\n{}", path.display(), errors.join("\n"));
        instance
    };
    let top = check(&version_schema, &version.join("report.json"));
    let groups: BTreeSet<&str> =
        top["groups"].as_array().unwrap().iter().map(|g| g["group"].as_str().unwrap()).collect();
    assert_eq!(groups, BTreeSet::from(["billing", "core"]));
    for g in groups {
        check(&group_schema, &version.join(g).join("report.json"));
    }
    // A group report in the wrong place is caught.
    let mut bad = top.clone();
    bad["groups"][0]["report"]["summary"] = serde_json::json!({});
    assert!(!version_schema.is_valid(&bad), "the groups' reports are not checked");
}
