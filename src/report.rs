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

use crate::archive::{Archive, Attachments, NewVersion, Version, VersionManifest};
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
        let old_slice = std::fs::read(prev_dir.join("slice.json")).ok().and_then(|b| parse(&b));
        let new_slice = new.groups.get(group).and_then(|g| parse(g.slice.as_bytes()));
        let report = match (old_slice, new_slice) {
            (Some(old), Some(new)) => compare_with(&old, &new, &options),
            (None, Some(new)) => compare_with(&empty_like(&new), &new, &options),
            _ => continue,
        };
        let mut old_files = BTreeMap::new();
        let mut new_files = BTreeMap::new();
        if let Some(pg) = prev.manifest.groups.get(group) {
            for (lang, o) in &pg.outputs {
                for rel in o.files.keys() {
                    if let Ok(s) = std::fs::read_to_string(prev_dir.join(lang).join(rel)) {
                        old_files.insert(format!("{lang}/{rel}"), s);
                    }
                }
            }
        }
        if let Some(g) = new.groups.get(group) {
            for (lang, o) in &entry.outputs {
                let Some(dir) = g.outputs.get(lang) else { continue };
                for rel in o.files.keys() {
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

fn parse(bytes: &[u8]) -> Option<openapiv3::OpenAPI> {
    crate::spec::parse_typed(bytes, "slice.json", &|_| Err("slices have no file refs".into())).ok()
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
