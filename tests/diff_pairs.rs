//! The diff report on real pairs of consecutive API versions.
//!
//! The pairs live in `../shared/pairs/<name>/` (1–13 MB each, too large to
//! copy into the repo). When a pair is absent (a clone without the shared
//! data) the checks that need it skip and say so ([`crate::util::shared_dir`]:
//! on stderr and in `scripts/test.sh`'s closing summary); with
//! `APIGEND_REQUIRE_SHARED=1` (the project's CI) that is a failure. The two
//! small drf-spectacular pairs are copied under `tests/diff_pairs/`
//! (provenance in `tests/diff_pairs/sources.tsv`) and always run.
//!
//! Expectations come from reading each pair's `summary.txt`,
//! `peer-optic.txt` and the documents, not from snapshotting this engine's
//! output: the asserts below, and `tests/diff_pairs/expect/<pair>.txt`
//! (rules that must appear, false positives that must not). Every pair
//! also proves that each finding's `source` resolves in its document and
//! that no two findings share a fingerprint.

use std::path::{Path, PathBuf};
use std::time::Instant;

use apigend::diff::{self, Finding, Options, Report};

/// A pair under `../shared/pairs`, or `None` after recording the skip
/// ([`crate::util::shared_dir`]).
fn shared_pair(name: &str) -> Option<PathBuf> {
    crate::util::shared_dir(&format!("pairs/{name}"))
}

/// Every pair with an expectations file; each has a test below that calls
/// [`check_pair`].
const EXPECTED_PAIRS: &[&str] = &[
    "authentik-765219b-to-413fc20",
    "cvat-2.31.0-to-2.32.0",
    "drfsp-fields-oas30-to-oas31",
    "drfsp-versioning-accept-v1-to-v2",
    "github-octokit-22.0.0-to-23.0.0",
    "inventree-488-to-490",
    "inventree-523-to-525",
    "stripe-2019-05-23-to-2019-05-31",
];

#[test]
fn every_expectations_file_names_a_checked_pair() {
    let dir = crate::util::crate_root().join("tests/diff_pairs/expect");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read tests/diff_pairs/expect")
        .filter_map(|e| {
            let name = e.expect("dir entry").file_name().to_string_lossy().into_owned();
            name.strip_suffix(".txt").map(str::to_string)
        })
        .collect();
    names.sort();
    assert_eq!(names, EXPECTED_PAIRS, "tests/diff_pairs/expect and EXPECTED_PAIRS differ");
    let shared = crate::util::crate_root().join("../shared/pairs");
    if let Ok(entries) = std::fs::read_dir(&shared) {
        for e in entries.flatten().filter(|e| e.path().is_dir()) {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(names.contains(&name), "{name}: a shared pair without expectations");
        }
    }
}

/// A document as plain JSON, as its file has it.
fn raw(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_yaml_ng::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

/// The pair's expectations, every `source` resolving in its document, and
/// unique fingerprints.
fn check_pair(name: &str, dir: &Path, r: &Report) {
    use std::collections::HashMap;
    let mut failures = Vec::new();
    let expect_path =
        crate::util::crate_root().join("tests/diff_pairs/expect").join(format!("{name}.txt"));
    let expect = std::fs::read_to_string(&expect_path)
        .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
    for line in expect.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut words = line.splitn(3, ' ');
        let (verb, rule) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let place = words.next();
        let matching: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| rule == "*" || f.rule_id == rule)
            .filter(|f| {
                place.is_none_or(|p| {
                    format!(
                        "{} {}",
                        f.method.as_deref().unwrap_or("-"),
                        f.path.as_deref().unwrap_or("-")
                    ) == p
                })
            })
            .collect();
        match verb {
            "must" if matching.is_empty() => failures.push(format!("missing: {line}")),
            "never" if !matching.is_empty() => failures.push(format!(
                "false positive: {line}: {}",
                diff::report::plain_message(matching[0])
            )),
            "must" | "never" => {}
            _ => failures.push(format!("{}: bad line {line:?}", expect_path.display())),
        }
    }
    let base = raw(&file_in(dir, "base"));
    let revision = raw(&file_in(dir, "revision"));
    let mut unresolved = 0;
    for f in &r.findings {
        let doc = match f.side {
            diff::Side::Base => &base,
            diff::Side::Revision => &revision,
        };
        if doc.pointer(&f.source).is_none() {
            unresolved += 1;
            if unresolved <= 10 {
                failures.push(format!(
                    "source {} does not resolve in the {}: {} {:?} {:?}",
                    f.source,
                    f.side.as_str(),
                    f.rule_id,
                    f.method,
                    f.path
                ));
            }
        }
    }
    let mut seen: HashMap<String, &Finding> = HashMap::new();
    for f in &r.findings {
        if let Some(other) = seen.insert(f.fingerprint(), f) {
            failures.push(format!(
                "fingerprint {} shared: {} {:?} {} and {} {:?} {}",
                f.fingerprint(),
                other.rule_id,
                other.path,
                other.pointer,
                f.rule_id,
                f.path,
                f.pointer
            ));
        }
    }
    let causes = r.causes();
    eprintln!(
        "{name}: {} findings ({:?}), {} causes, {unresolved} unresolved sources",
        r.findings.len(),
        r.counts(),
        causes.len()
    );
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

fn local_pair(name: &str) -> PathBuf {
    crate::util::crate_root().join("tests/diff_pairs").join(name)
}

fn file_in(dir: &Path, stem: &str) -> PathBuf {
    for ext in ["yaml", "yml", "json"] {
        let p = dir.join(format!("{stem}.{ext}"));
        if p.is_file() {
            return p;
        }
    }
    panic!("{}: no {stem}.yaml/.yml/.json", dir.display());
}

fn no_files(p: &str) -> Result<Vec<u8>, String> {
    Err(format!("no file {p}"))
}

fn load(path: &Path) -> openapiv3::OpenAPI {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    apigend::spec::parse_typed(&bytes, &path.display().to_string(), &no_files)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Compares a pair folder's base and revision (today fixed for sunsets).
fn report(dir: &Path) -> Report {
    let t = Instant::now();
    let old = load(&file_in(dir, "base"));
    let new = load(&file_in(dir, "revision"));
    let parsed = t.elapsed();
    let r = diff::compare_with(&old, &new, &Options { today: Some("2026-01-01"), only_rule: None });
    eprintln!(
        "{}: parse {parsed:?}, diff {:?}, {} findings",
        dir.display(),
        t.elapsed() - parsed,
        r.findings.len()
    );
    r
}

/// The findings of one rule, as `METHOD path` (or `-`) plus the args.
fn of<'a>(r: &'a Report, rule: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.rule_id == rule).collect()
}

fn endpoints(r: &Report, rule: &str) -> Vec<String> {
    let mut v: Vec<String> = of(r, rule)
        .iter()
        .map(|f| {
            format!("{} {}", f.method.as_deref().unwrap_or("-"), f.path.as_deref().unwrap_or("-"))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn has(r: &Report, rule: &str, method: &str, path: &str, arg: (&str, &str)) -> bool {
    of(r, rule).iter().any(|f| {
        f.method.as_deref() == Some(method)
            && f.path.as_deref() == Some(path)
            && f.get(arg.0) == Some(arg.1)
    })
}

/// InvenTree API 488 → 490: `/api/user/{profile,roles,token}/` moved to
/// `/api/user/me/...` with no deprecation, and the writeOnly `remote_image`
/// dropped from Company, Part and their Patched forms.
#[test]
fn inventree_488_to_490() {
    let Some(dir) = shared_pair("inventree-488-to-490") else { return };
    let r = report(&dir);
    check_pair("inventree-488-to-490", &dir, &r);
    assert_eq!(
        endpoints(&r, "api-path-removed-without-deprecation"),
        [
            "GET /api/user/profile/",
            "GET /api/user/roles/",
            "GET /api/user/token/",
            "PATCH /api/user/profile/",
            "PUT /api/user/profile/",
        ]
    );
    assert!(of(&r, "api-removed-without-deprecation").is_empty(), "the whole paths went");
    assert_eq!(endpoints(&r, "endpoint-added").len(), 5);
    assert!(endpoints(&r, "endpoint-added").contains(&"PATCH /api/user/me/profile/".to_string()));
    // writeOnly: a request change only, once per endpoint (its three media
    // types merged into one finding).
    assert!(has(
        &r,
        "request-property-removed",
        "POST",
        "/api/company/",
        ("property", "remote_image")
    ));
    assert!(has(
        &r,
        "request-property-removed",
        "PATCH",
        "/api/part/{id}/",
        ("component", "PatchedPart")
    ));
    let post_company: Vec<_> = of(&r, "request-property-removed")
        .into_iter()
        .filter(|f| {
            f.method.as_deref() == Some("POST") && f.path.as_deref() == Some("/api/company/")
        })
        .collect();
    assert_eq!(post_company.len(), 1);
    assert!(post_company[0].get("media").unwrap().contains("multipart/form-data"));
    assert!(
        !r.findings.iter().any(|f| f.rule_id.starts_with("response-")),
        "a diff that ignores writeOnly reports a response property removal"
    );
}

/// InvenTree API 523 → 525: 53 URL/e-mail fields become
/// `oneOf: [string(uri), string(maxLength 0)]` (widening: breaks readers,
/// not writers), PO line `total_price` becomes a nullable optional decimal
/// string, `image` of CompanyBrief/PartThumb becomes nullable and optional,
/// two `ordering` values go.
#[test]
fn inventree_523_to_525() {
    let Some(dir) = shared_pair("inventree-523-to-525") else { return };
    let r = report(&dir);
    check_pair("inventree-523-to-525", &dir, &r);
    let ordering = of(&r, "request-parameter-enum-value-removed");
    assert_eq!(ordering.len(), 1);
    assert_eq!(ordering[0].path.as_deref(), Some("/api/order/po-line/"));
    assert_eq!(ordering[0].get("param"), Some("ordering"));
    let values = ordering[0].get("values").unwrap();
    assert!(values.contains("-total_price") && values.contains("total_price"), "{values}");

    let price = of(&r, "response-property-type-changed")
        .into_iter()
        .find(|f| {
            f.method.as_deref() == Some("GET")
                && f.path.as_deref() == Some("/api/order/po-line/{id}/")
        })
        .expect("total_price type change on GET /api/order/po-line/{id}/");
    assert_eq!(price.get("property"), Some("total_price"));
    assert_eq!((price.get("from"), price.get("to")), (Some("number"), Some("string(decimal)")));
    assert!(has(
        &r,
        "response-property-became-optional",
        "GET",
        "/api/order/po-line/{id}/",
        ("property", "total_price")
    ));
    assert!(has(
        &r,
        "response-property-became-nullable",
        "GET",
        "/api/order/po-line/{id}/",
        ("property", "total_price")
    ));

    for rule in ["response-property-became-optional", "response-property-became-nullable"] {
        let components: std::collections::BTreeSet<_> =
            of(&r, rule).iter().filter_map(|f| f.get("component")).collect();
        assert!(
            components.contains("CompanyBrief") && components.contains("PartThumb"),
            "{rule}: {components:?}"
        );
    }
    assert!(has(
        &r,
        "response-property-one-of-added",
        "GET",
        "/api/company/{id}/",
        ("property", "website")
    ));
    assert!(has(
        &r,
        "response-property-one-of-added",
        "GET",
        "/api/company/{id}/",
        ("property", "email")
    ));
    // Requests may now send a blank string: widening a request is no break.
    for rule in ["request-property-type-changed", "request-property-one-of-removed"] {
        assert!(of(&r, rule).is_empty(), "{rule} on a widened request");
    }
}

/// authentik 765219b → 413fc20: six `set_icon`/`set_background` endpoints
/// removed, readOnly `icon`/`background` fields become writable and
/// optional, `FlowSet.background` removed, two enum values added.
#[test]
fn authentik_765219b_to_413fc20() {
    let Some(dir) = shared_pair("authentik-765219b-to-413fc20") else { return };
    let r = report(&dir);
    check_pair("authentik-765219b-to-413fc20", &dir, &r);
    assert_eq!(
        endpoints(&r, "api-path-removed-without-deprecation"),
        [
            "POST /core/applications/{slug}/set_icon/",
            "POST /core/applications/{slug}/set_icon_url/",
            "POST /flows/instances/{slug}/set_background/",
            "POST /flows/instances/{slug}/set_background_url/",
            "POST /sources/all/{slug}/set_icon/",
            "POST /sources/all/{slug}/set_icon_url/",
        ]
    );
    assert!(has(
        &r,
        "response-required-property-removed",
        "GET",
        "/flows/bindings/{fsb_uuid}/",
        ("property", "stage_obj.flow_set[].background")
    ));
    assert!(has(
        &r,
        "response-property-became-optional",
        "GET",
        "/sources/all/{slug}/",
        ("property", "icon")
    ));
    assert!(has(
        &r,
        "response-property-became-optional",
        "GET",
        "/core/applications/{slug}/",
        ("property", "meta_icon")
    ));
    assert!(has(
        &r,
        "response-property-enum-value-added",
        "GET",
        "/policies/event_matcher/",
        ("values", "authentik.admin.files")
    ));
    assert!(endpoints(&r, "endpoint-added").contains(&"POST /admin/file/".to_string()));
    assert!(
        of(&r, "api-schema-removed").iter().any(|f| f.get("schema") == Some("FilePathRequest"))
    );
}

/// CVAT 2.31.0 → 2.32.0: old export/backup and analytics endpoints removed,
/// `use_default_location` removed, `rq_id` required, `action=download`
/// gone, 201/202 statuses removed, and a response narrowed from the
/// `AnnotationsRead` union to its `LabeledData` branch.
#[test]
fn cvat_2_31_to_2_32() {
    let Some(dir) = shared_pair("cvat-2.31.0-to-2.32.0") else { return };
    let r = report(&dir);
    check_pair("cvat-2.31.0-to-2.32.0", &dir, &r);
    assert_eq!(
        endpoints(&r, "api-path-removed-without-deprecation"),
        [
            "GET /api/analytics/reports",
            "GET /api/jobs/{id}/dataset",
            "GET /api/projects/{id}/annotations",
            "GET /api/projects/{id}/backup",
            "GET /api/tasks/{id}/backup",
            "GET /api/tasks/{id}/dataset",
            "POST /api/analytics/reports",
        ]
    );
    assert!(has(
        &r,
        "request-parameter-became-required",
        "GET",
        "/api/projects/{id}/dataset/",
        ("param", "rq_id")
    ));
    assert!(has(
        &r,
        "request-parameter-enum-value-removed",
        "GET",
        "/api/projects/{id}/dataset/",
        ("values", "download")
    ));
    assert_eq!(
        endpoints(&r, "request-parameter-removed"),
        [
            "GET /api/jobs/{id}/annotations/",
            "GET /api/projects/{id}/dataset/",
            "GET /api/tasks/{id}/annotations/",
        ]
    );
    for status in ["200", "201", "202"] {
        assert!(has(
            &r,
            "response-success-status-removed",
            "GET",
            "/api/projects/{id}/dataset/",
            ("status", status)
        ));
    }
    assert!(has(
        &r,
        "response-success-status-removed",
        "GET",
        "/api/jobs/{id}/annotations/",
        ("status", "202")
    ));
    assert_eq!(endpoints(&r, "endpoint-deprecated"), ["GET /api/projects/{id}/dataset/"]);
    // Narrowing a response to one branch of its union breaks no reader.
    assert!(
        !r.findings.iter().any(|f| f.path.as_deref() == Some("/api/jobs/{id}/annotations/")
            && f.get("status") == Some("200")),
        "AnnotationsRead → LabeledData reported as breaking"
    );
}

/// Stripe 2019-05-23 → 05-31: `customer_balance_transactions` renamed to
/// `balance_transactions` (4 operations), query `percentage` of
/// `GET /v1/tax_rates` removed, a new optional `created` filter, and the
/// terminal readers' `status` filter restricted to `offline`/`online`.
#[test]
fn stripe_2019_05_23_to_05_31() {
    let Some(dir) = shared_pair("stripe-2019-05-23-to-2019-05-31") else { return };
    let r = report(&dir);
    check_pair("stripe-2019-05-23-to-2019-05-31", &dir, &r);
    let removed = endpoints(&r, "api-path-removed-without-deprecation");
    assert_eq!(removed.len(), 4);
    assert!(removed.iter().all(|e| e.contains("/customer_balance_transactions")), "{removed:?}");
    let added = endpoints(&r, "endpoint-added");
    assert_eq!(added.len(), 4);
    assert!(added.iter().all(|e| e.contains("/balance_transactions")), "{added:?}");
    assert_eq!(endpoints(&r, "request-parameter-removed"), ["GET /v1/tax_rates"]);
    assert!(has(&r, "request-parameter-removed", "GET", "/v1/tax_rates", ("param", "percentage")));
    assert!(has(
        &r,
        "new-optional-request-parameter",
        "GET",
        "/v1/issuing/settlements",
        ("param", "created")
    ));
    assert!(has(
        &r,
        "request-parameter-became-enum",
        "GET",
        "/v1/terminal/readers",
        ("param", "status")
    ));
    // Address fields that stop being required in requests relax the contract.
    assert!(of(&r, "request-property-became-required").is_empty());
}

/// drf-spectacular's AcceptHeaderVersioning fixture, v1 → v2: media types
/// match without their `version=` parameter, so the report names the real
/// change, `id` integer → string(uuid), on both endpoints.
#[test]
fn drf_spectacular_accept_header_versioning() {
    let dir = local_pair("drfsp-versioning-accept-v1-to-v2");
    let r = report(&dir);
    check_pair("drfsp-versioning-accept-v1-to-v2", &dir, &r);
    assert!(has(&r, "response-property-type-changed", "GET", "/x/", ("property", "[].id")));
    assert!(has(&r, "response-property-type-changed", "GET", "/x/{id}/", ("property", "id")));
    let f = &of(&r, "response-property-type-changed")[0];
    assert_eq!((f.get("from"), f.get("to")), (Some("integer"), Some("string(uuid)")));
    assert!(of(&r, "response-media-type-removed").is_empty());
    assert_eq!(r.max_level(), Some(diff::Level::Err));
}

/// drf-spectacular's every-field fixture rendered as OAS 3.0.3 and as 3.1.0:
/// the same API in two spellings, so no finding at all.
#[test]
fn drf_spectacular_oas30_vs_oas31_is_no_change() {
    let dir = local_pair("drfsp-fields-oas30-to-oas31");
    let r = report(&dir);
    check_pair("drfsp-fields-oas30-to-oas31", &dir, &r);
    assert!(r.is_empty(), "{:#?}", r.findings);
}

/// GitHub's REST description in @octokit/openapi 22.0.0 → 23.0.0 (12 MB):
/// 40 operations removed (17 after deprecation), a media type renamed,
/// 6 Classroom operations deprecated, and format-only `integer` →
/// `integer(int64)` parameter changes that are not type changes.
#[test]
fn github_octokit_22_to_23() {
    let Some(dir) = shared_pair("github-octokit-22.0.0-to-23.0.0") else { return };
    let r = report(&dir);
    check_pair("github-octokit-22.0.0-to-23.0.0", &dir, &r);
    let removed = of(&r, "api-path-removed-without-deprecation").len()
        + of(&r, "api-removed-without-deprecation").len()
        + of(&r, "api-path-removed-with-deprecation").len()
        + of(&r, "api-removed-with-deprecation").len();
    assert_eq!(removed, 40);
    // The legacy `/teams/{team_id}/...` discussion endpoints and tag
    // protection were deprecated before they went: INFO, still SDK-breaking.
    let deprecated = endpoints(&r, "api-path-removed-with-deprecation");
    assert_eq!(deprecated.len(), 17);
    assert!(deprecated.contains(&"GET /teams/{team_id}/discussions".to_string()));
    assert!(deprecated.contains(&"GET /repos/{owner}/{repo}/tags/protection".to_string()));
    assert!(
        endpoints(&r, "api-path-removed-without-deprecation")
            .contains(&"GET /orgs/{org}/teams/{team_slug}/discussions".to_string())
    );
    assert_eq!(endpoints(&r, "endpoint-added").len(), 155);
    assert!(has(
        &r,
        "response-media-type-removed",
        "GET",
        "/repos/{owner}/{repo}/code-scanning/analyses/{analysis_id}",
        ("media", "application/json+sarif")
    ));
    assert!(has(
        &r,
        "response-optional-property-removed",
        "GET",
        "/rate_limit",
        ("property", "resources.code_scanning_upload")
    ));
    assert!(has(
        &r,
        "response-optional-property-removed",
        "GET",
        "/app/installations/{installation_id}",
        ("property", "permissions.team_discussions")
    ));
    assert_eq!(endpoints(&r, "endpoint-deprecated").len(), 6);
    assert!(
        endpoints(&r, "endpoint-deprecated")
            .iter()
            .all(|e| e.contains("/assignments") || e.contains("/classrooms"))
    );
    assert!(
        of(&r, "request-parameter-type-changed").is_empty(),
        "integer → integer(int64) is no type change"
    );
}

/// `apigend diff` on a pair gives the same findings as the report, and
/// `--fail-on` maps to the exit status.
#[test]
fn diff_command_matches_the_report() {
    use apigend::diff::cli::{Format, run_diff_command};
    let dir = local_pair("drfsp-versioning-accept-v1-to-v2");
    let (old, new) = (dir.join("base.yml"), dir.join("revision.yml"));
    let r = report(&dir);
    let out = run_diff_command(&old, &new, Format::Json, Some(diff::Level::Err)).unwrap();
    assert!(out.failed);
    let json: serde_json::Value = serde_json::from_str(&out.text).unwrap();
    let got: Vec<(String, String)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["id"].as_str().unwrap().to_string(), c["fingerprint"].as_str().unwrap().to_string())
        })
        .collect();
    let want: Vec<(String, String)> =
        r.findings.iter().map(|f| (f.rule_id.to_string(), f.fingerprint())).collect();
    assert_eq!(got, want);
    let text = run_diff_command(&old, &new, Format::Text, None).unwrap();
    assert!(!text.failed);
    assert!(text.text.contains("response-property-type-changed"), "{}", text.text);
    let md = run_diff_command(&new, &new, Format::Markdown, Some(diff::Level::Info)).unwrap();
    assert!(!md.failed && md.text.contains("No API changes"), "{}", md.text);
    let e = run_diff_command(&dir.join("missing.yml"), &new, Format::Text, None).unwrap_err();
    assert!(e.contains("missing.yml") && e.contains("cannot read"), "{e}");
}

/// The three renderings of one small pair, as goldens
/// (`EXPECTORATE=overwrite` to update), and `report.json` valid against the
/// shipped `docs/report.schema.json`.
#[test]
fn rendered_reports_match_goldens_and_the_json_schema() {
    use apigend::diff::report::{Labels, render_json, render_markdown, render_text};
    use std::collections::BTreeMap;
    let name = "drfsp-versioning-accept-v1-to-v2";
    let r = report(&local_pair(name));
    let file = |s: &str| -> BTreeMap<String, String> {
        [("x/typescript/models.ts".to_string(), s.to_string())].into()
    };
    // A diff line holding a code fence: the Markdown fence must outgrow it.
    let files = apigend::diff::textdiff::file_changes(
        &file("export type X = {\n  id: number;\n};\n"),
        &file("export type X = {\n  id: string;\n};\n// ```\n"),
        "000001-v1",
        "000002-v2",
    );
    let labels = Labels { title: "x", base: "000001-v1", revision: "000002-v2" };
    let json = render_json(&r, &labels, &files);
    let golden = |f: &str| format!("tests/diff_pairs/{name}/{f}");
    expectorate::assert_contents(golden("report.json"), &json);
    expectorate::assert_contents(golden("REPORT.md"), &render_markdown(&r, &labels, &files));
    expectorate::assert_contents(golden("report.txt"), &render_text(&r, &labels, &files));
    assert_valid(&json);
    if let Some(dir) = shared_pair("cvat-2.31.0-to-2.32.0") {
        assert_valid(&render_json(&report(&dir), &labels, &[]));
    }
}

/// `--format github`: one annotation per ERR/WARN cause, pointing at the
/// line of the spec where the change is, then the verdict; the step summary
/// is appended, never overwritten.
#[test]
fn github_format_annotates_each_cause_at_its_line() {
    use apigend::diff::report::{Context, Format, Labels, SpecFile, render};
    let name = "drfsp-versioning-accept-v1-to-v2";
    let dir = local_pair(name);
    let r = report(&dir);
    let base = std::fs::read_to_string(dir.join("base.yml")).unwrap();
    let revision = std::fs::read_to_string(dir.join("revision.yml")).unwrap();
    let ctx = Context {
        labels: Labels { title: "x", base: "base.yml", revision: "revision.yml" },
        files: &[],
        base: Some(SpecFile { path: "specs/base.yml", text: &base }),
        revision: Some(SpecFile { path: "specs/revision.yml", text: &revision }),
    };
    let out = render(&r, Format::Github, &ctx);
    expectorate::assert_contents(format!("tests/diff_pairs/{name}/report.github.txt"), &out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        r.causes().iter().filter(|c| c.first().level != diff::Level::Info).count() + 1
    );
    let error = lines[0];
    assert!(error.starts_with("::error file=specs/revision.yml,line="), "{error}");
    let line: usize = error["::error file=specs/revision.yml,line=".len()..]
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(revision.lines().nth(line - 1).unwrap().trim_start().starts_with("id:"), "line {line}");
    assert!(lines[1].starts_with("::warning file=specs/base.yml,line="), "{}", lines[1]);
    assert!(lines.last().unwrap().contains("BREAKING"));

    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    apigend::diff::cli::append_to(&summary, "# report").unwrap();
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), "earlier step\n# report\n");
}

fn assert_valid(json: &str) {
    let schema_path = crate::util::crate_root().join("docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("docs/report.schema.json compiles");
    assert!(
        !validator.is_valid(&serde_json::json!({"schemaVersion": 1})),
        "the schema accepts anything"
    );
    let instance: serde_json::Value = serde_json::from_str(json).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(
        errors.is_empty(),
        "report.json does not match docs/report.schema.json:\n{}",
        errors.join("\n")
    );
}
