//! Attaching the diff report to a new archive version: each group's slice of
//! the spec is compared with the previous version's (`diff::compare`) and its
//! generated files are diffed line by line (`diff::textdiff`); the wording
//! and layout live in `diff::report`.
//!
//! `REPORT.md` holds every group, breaking changes first; `report.json`
//! (`docs/version-report.schema.json`) holds one `docs/report.schema.json`
//! report per group under `groups`, and each group directory gets its own
//! `report.json` too.

use std::collections::BTreeMap;

use crate::archive::{Archive, Attachments, NewVersion, OutputEntry, Version, VersionManifest};
use crate::diff::report::{self as wording, Labels};
use crate::diff::textdiff::{FileChange, file_changes};
use crate::diff::{Level, Options, Report, compare_with};

/// One group's comparison with the previous version.
#[derive(Debug)]
pub struct GroupReport {
    /// Group name.
    pub group: String,
    /// API findings.
    pub report: Report,
    /// Changed files (`<language>/<path>`).
    pub files: Vec<FileChange>,
}

/// Compares every changed group of `manifest` with `previous`.
#[must_use]
pub fn compare_groups(
    archive: &Archive,
    previous: Option<&Version>,
    manifest: &VersionManifest,
    new: &NewVersion,
) -> Vec<GroupReport> {
    let Some(prev) = previous else { return Vec::new() };
    // Sunset dates are judged against today, as `apigend diff` does.
    let today = crate::diff::cli::today();
    let options = Options { today: Some(&today), only_rule: None };
    let mut out = Vec::new();
    for (group, entry) in &manifest.groups {
        if !entry.changed && prev.manifest.groups.contains_key(group) {
            continue;
        }
        let prev_dir = archive.path_of(&prev.id).join(group);
        let pieces = crate::spec::PieceCache::new();
        let new_group = new.groups.get(group);
        let old_bytes = std::fs::read(prev_dir.join("slice.json")).ok();
        let new_bytes = new_group.map(|g| g.slice.as_bytes());
        // Only a slice that changed is typed and diffed: the same bytes
        // are the same API (outputs can still change, with the generator
        // or the group's config), and typing a slice is most of a diff.
        let report = match (old_bytes.as_deref(), new_bytes) {
            (Some(old), Some(new)) if old == new => {
                let version = info_version(new);
                Report {
                    base_version: version.clone(),
                    revision_version: version,
                    ..Report::default()
                }
            }
            // The two slices share most of their pieces: the new one reuses
            // the old one's typing of every piece whose text is the same.
            (old, Some(new)) => {
                match (old.and_then(|b| parse(b, Some(&pieces))), parse(new, Some(&pieces))) {
                    (Some(old), Some(new)) => compare_with(&old, &new, &options),
                    (None, Some(new)) => compare_with(&empty_like(&new), &new, &options),
                    _ => continue,
                }
            }
            (_, None) => continue,
        };
        // Only files whose hash differs are read and diffed; the manifests
        // say which.
        let old_outputs = prev.manifest.groups.get(group).map(|pg| &pg.outputs);
        let hash_in = |outputs: Option<&BTreeMap<String, OutputEntry>>, lang: &str, rel: &str| {
            outputs.and_then(|o| o.get(lang)).and_then(|o| o.files.get(rel)).cloned()
        };
        let mut old_files = BTreeMap::new();
        let mut new_files = BTreeMap::new();
        if let Some(outputs) = old_outputs {
            for (lang, o) in outputs {
                for (rel, hash) in &o.files {
                    if hash_in(Some(&entry.outputs), lang, rel).as_ref() == Some(hash) {
                        continue;
                    }
                    if let Ok(s) = std::fs::read_to_string(prev_dir.join(lang).join(rel)) {
                        old_files.insert(format!("{lang}/{rel}"), s);
                    }
                }
            }
        }
        if let Some(g) = new_group {
            for (lang, o) in &entry.outputs {
                let Some(dir) = g.outputs.get(lang) else { continue };
                for (rel, hash) in &o.files {
                    if hash_in(old_outputs, lang, rel).as_ref() == Some(hash) {
                        continue;
                    }
                    if let Ok(s) = std::fs::read_to_string(dir.join(rel)) {
                        new_files.insert(format!("{lang}/{rel}"), s);
                    }
                }
            }
        }
        let files = file_changes(&old_files, &new_files, &prev.id, &manifest.id);
        out.push(GroupReport { group: group.clone(), report, files });
    }
    out
}

/// `info.version` of a slice, read without typing the rest of it.
fn info_version(bytes: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Doc {
        info: Info,
    }
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(default)]
        version: String,
    }
    serde_json::from_slice::<Doc>(bytes).map(|d| d.info.version).unwrap_or_default()
}

fn parse(
    bytes: &[u8],
    pieces: Option<&std::sync::Arc<crate::spec::PieceCache>>,
) -> Option<openapiv3::OpenAPI> {
    let no_files = |_: &str| Err("slices have no file refs".into());
    crate::spec::read_cached(bytes.to_vec(), "slice.json", &no_files, pieces, |d| d.to_openapi())
        .map(|(_, api)| api)
        .ok()
}

/// A document with the same info and no operations: the base for a group
/// that did not exist in the previous version.
fn empty_like(doc: &openapiv3::OpenAPI) -> openapiv3::OpenAPI {
    openapiv3::OpenAPI {
        openapi: doc.openapi.clone(),
        info: doc.info.clone(),
        ..Default::default()
    }
}

/// One group's API change counts against the previous version, for the
/// run's log (after the per-group lines) and its JSON fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    /// Group name.
    pub group: String,
    /// Findings of level ERR.
    pub breaking: usize,
    /// Findings of level WARN.
    pub warnings: usize,
    /// Findings of level INFO.
    pub info: usize,
    /// Generated files that changed.
    pub files_changed: usize,
    /// `billing: 2 breaking, 1 warning, 5 info; 3 files changed`.
    pub line: String,
}

impl ChangeSummary {
    /// Logs it as one event whose counts are fields.
    pub fn log(&self) {
        tracing::info!(
            group = %self.group,
            breaking = self.breaking,
            warnings = self.warnings,
            info = self.info,
            files_changed = self.files_changed,
            "{}",
            self.line
        );
    }
}

/// The reports for a new version against `previous`, and its verdict; each
/// group's counts are added to `changes` (logging them is the caller's, so
/// they come after its per-group lines).
#[must_use]
pub fn attach(
    archive: &Archive,
    previous: Option<&Version>,
    manifest: &VersionManifest,
    new: &NewVersion,
    changes: &mut Vec<ChangeSummary>,
) -> (Attachments, Option<String>) {
    let reports = compare_groups(archive, previous, manifest, new);
    let mut attachments = Attachments::new();
    if reports.is_empty() {
        return (attachments, None);
    }
    let base = previous.map_or("-", |p| p.id.as_str());
    let mut md = format!("# API changes in {} (against {base})\n\n", manifest.id);
    let mut json_groups = Vec::new();
    let mut verdict: Option<Level> = None;
    for r in &reports {
        let labels = Labels { title: &r.group, base, revision: &manifest.id };
        let c = r.report.counts();
        changes.push(ChangeSummary {
            group: r.group.clone(),
            breaking: c.error,
            warnings: c.warning,
            info: c.info,
            files_changed: r.files.len(),
            line: wording::summary_line(&r.group, &r.report, r.files.len()),
        });
        md.push_str(&wording::render_markdown(&r.report, &labels, &r.files));
        md.push('\n');
        let json = wording::render_json(&r.report, &labels, &r.files);
        attachments.insert(format!("{}/report.json", r.group), json.clone());
        let report: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        json_groups.push(serde_json::json!({ "group": r.group, "report": report }));
        verdict = verdict.max(r.report.max_level());
    }
    attachments.insert("REPORT.md".into(), md);
    let top = serde_json::json!({ "version": manifest.id, "base": base, "groups": json_groups });
    let top = serde_json::to_string_pretty(&top).unwrap_or_default() + "\n";
    attachments.insert("report.json".into(), top);
    (attachments, verdict.map(|l| l.as_str().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::NewGroup;
    use crate::codegen::GeneratedFile;
    use crate::output;

    /// Issue 15: a group whose slice is byte-for-byte the previous one is
    /// not typed or diffed (its slice here is JSON but not OpenAPI, so
    /// typing it would drop the group from the report), and only files
    /// whose hash changed are read and diffed (the unchanged one is even
    /// gone from the previous version, which would show as added if read).
    #[test]
    fn only_changed_slices_are_typed_and_only_changed_files_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out/g/typescript");
        let archive = Archive { dir: tmp.path().join("archive"), max_versions: 10 };
        let slice = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "7"}, "paths": 5}"#;
        let new = |spec: &str| NewVersion {
            trigger: "test".into(),
            spec_hash: spec.into(),
            groups: [(
                "g".to_string(),
                NewGroup {
                    slice: slice.into(),
                    outputs: [("typescript".to_string(), dir.clone())].into(),
                },
            )]
            .into(),
        };
        let commit = |x: &str, fp: &str| {
            let files = [GeneratedFile::new("x.ts", x), GeneratedFile::new("y.ts", "same\n")];
            output::commit(&dir, &files, fp).unwrap();
        };
        let at = |s: i64| chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap();
        commit("one\n", "f1");
        let first = new("s1");
        let id = archive.record(&first, at(0), |_, _| (Attachments::new(), None)).unwrap().unwrap();
        std::fs::remove_file(archive.path_of(&id).join("g/typescript/y.ts")).unwrap();

        commit("two\n", "f2");
        let second = new("s2");
        let mut reports = Vec::new();
        archive
            .record(&second, at(1), |prev, manifest| {
                reports = compare_groups(&archive, prev, manifest, &second);
                (Attachments::new(), None)
            })
            .unwrap()
            .unwrap();
        assert_eq!(reports.len(), 1, "the group with an unchanged slice is still reported");
        let r = &reports[0];
        assert!(r.report.findings.is_empty());
        assert_eq!(
            (r.report.base_version.as_str(), r.report.revision_version.as_str()),
            ("7", "7")
        );
        let files: Vec<&str> = r.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(files, ["typescript/x.ts"]);
    }
}
