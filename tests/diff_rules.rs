//! Every diff rule alone on its own base/revision pair
//! (`tests/diff_cases/<rule-id>/`), the `no-change*` cases (nothing to
//! report) and the `all-rules-*` cases (exactly these findings, no false
//! break beside them) with every rule on, and the registry itself (oasdiff's `singleCheckConfig` and
//! `rule_symmetry_test.go`, ripgrep's `longs_no_duplicates`).
//!
//! `expected.txt` starts with `# proves: <one sentence>`; the other lines
//! are the findings, one per line, as `LEVEL rule-id METHOD path: message`.
//! `EXPECTORATE=overwrite cargo test diff_rules` rewrites them (keeping the
//! comment); review the change like code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use apigend::diff::{self, Options, Report, rules};

fn cases_dir() -> PathBuf {
    crate::util::crate_root().join("tests/diff_cases")
}

fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("read tests/diff_cases")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn no_files(p: &str) -> Result<Vec<u8>, String> {
    Err(format!("no file {p}"))
}

fn load(path: &Path) -> openapiv3::OpenAPI {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    apigend::spec::parse_typed(&bytes, &path.display().to_string(), &no_files)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One line per finding, the form `expected.txt` holds.
pub fn finding_lines(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| {
            let place = match (&f.method, &f.path) {
                (Some(m), Some(p)) => format!("{m} {p}"),
                _ => "-".to_string(),
            };
            let sdk = if f.sdk_breaking { " [sdk]" } else { "" };
            format!(
                "{} {} {place}: {}{sdk}",
                f.level.as_str(),
                f.rule_id,
                diff::report::plain_message(f)
            )
        })
        .collect()
}

/// Runs one case directory: `only` restricts to one rule.
fn run_case(name: &str, only: Option<&str>) -> Option<String> {
    let dir = cases_dir().join(name);
    let old = load(&dir.join("base.yaml"));
    let new = load(&dir.join("revision.yaml"));
    // A fixed "today" so the sunset rules are deterministic.
    let opts = Options { today: Some("2026-01-01"), only_rule: only };
    let report = diff::compare_with(&old, &new, &opts);
    let lines = finding_lines(&report);
    if only.is_some() && lines.is_empty() {
        return Some(format!("{name}: the case does not trigger its rule"));
    }
    let expected_path = dir.join("expected.txt");
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    let comments: Vec<&str> = expected.lines().filter(|l| l.starts_with('#')).collect();
    if !comments.iter().any(|c| c.starts_with("# proves: ")) {
        return Some(format!("{name}: expected.txt lacks its `# proves: ` line"));
    }
    let want: Vec<&str> =
        expected.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    if want == lines {
        return None;
    }
    if std::env::var("EXPECTORATE").as_deref() == Ok("overwrite") {
        let mut out = comments.join("\n");
        out.push('\n');
        for l in &lines {
            out.push_str(l);
            out.push('\n');
        }
        std::fs::write(&expected_path, out).expect("write expected.txt");
        return None;
    }
    Some(format!(
        "{name}: findings differ\n--- expected\n{}\n--- actual\n{}\n",
        want.join("\n"),
        lines.join("\n")
    ))
}

#[test]
fn each_rule_alone_on_its_case() {
    let ids: BTreeSet<&str> = rules::registry().iter().map(|r| r.id).collect();
    let failures: Vec<String> = case_names()
        .iter()
        .filter(|n| ids.contains(n.as_str()))
        .filter_map(|n| run_case(n, Some(n)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_change_cases_have_no_findings_with_every_rule_on() {
    let failures: Vec<String> = case_names()
        .iter()
        .filter(|n| n.starts_with("no-change"))
        .filter_map(|n| run_case(n, None))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for n in case_names().iter().filter(|n| n.starts_with("no-change")) {
        let text = std::fs::read_to_string(cases_dir().join(n).join("expected.txt")).unwrap();
        assert!(text.lines().all(|l| l.starts_with('#')), "{n}: a no-change case expects nothing");
    }
}

#[test]
fn all_rules_cases_report_exactly_their_findings() {
    let names: Vec<String> =
        case_names().into_iter().filter(|n| n.starts_with("all-rules-")).collect();
    assert!(names.len() >= 5, "the all-rules cases are missing: {names:?}");
    let failures: Vec<String> = names.iter().filter_map(|n| run_case(n, None)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_ids_are_unique_and_kebab_case() {
    let reg = rules::registry();
    let mut seen = BTreeSet::new();
    for r in &reg {
        assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
        let kebab = !r.id.is_empty()
            && r.id.split('-').all(|w| {
                !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        assert!(kebab, "rule id {} is not kebab-case", r.id);
    }
    // At least the rows of research §1.7 (families split into one rule per id).
    assert!(reg.len() >= 36, "only {} rules", reg.len());
}

#[test]
fn every_rule_has_a_case_and_every_case_names_a_rule() {
    let ids: BTreeSet<&str> = rules::registry().iter().map(|r| r.id).collect();
    let cases = case_names();
    for id in &ids {
        assert!(cases.iter().any(|c| c == id), "rule {id} has no tests/diff_cases/{id}/");
    }
    for c in &cases {
        assert!(
            ids.contains(c.as_str()) || c.starts_with("no-change") || c.starts_with("all-rules-"),
            "tests/diff_cases/{c}/ names no rule"
        );
        for f in ["base.yaml", "revision.yaml", "expected.txt"] {
            assert!(cases_dir().join(c).join(f).is_file(), "tests/diff_cases/{c}/{f} is missing");
        }
    }
    assert!(cases.iter().any(|c| c == "no-change"), "the no-change case is missing");
}

#[test]
fn findings_are_sorted_by_level_then_endpoint_then_rule() {
    let parse =
        |y: &str| apigend::spec::parse_typed(y.as_bytes(), "inline.yaml", &no_files).unwrap();
    let old = parse(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /b:\n    get: {tags: [x], responses: {'200': {description: ok}}}\n  /a:\n    get: {responses: {'200': {description: ok}}}\n    delete: {responses: {'204': {description: ok}}}\n",
    );
    let new = parse(
        "openapi: 3.0.3\ninfo: {title: t, version: '2'}\npaths:\n  /b:\n    get: {tags: [x, y], responses: {'200': {description: ok}}}\n    put: {responses: {'200': {description: ok}}}\n  /a:\n    get: {responses: {'200': {description: ok}}}\n",
    );
    let r = diff::compare(&old, &new);
    let got: Vec<(&str, String)> =
        r.findings.iter().map(|f| (f.rule_id, f.endpoint_key().unwrap_or_default())).collect();
    assert_eq!(
        got,
        vec![
            ("api-removed-without-deprecation", "DELETE /a".to_string()),
            ("api-tag-added", "GET /b".to_string()),
            ("endpoint-added", "PUT /b".to_string()),
        ]
    );
    assert_eq!(r.max_level(), Some(diff::Level::Err));
    let c = r.counts();
    assert_eq!((c.error, c.warning, c.info, c.sdk_breaking), (1, 1, 1, 2));
}
