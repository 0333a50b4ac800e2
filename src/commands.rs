//! The one-shot commands around the archive: `archive list|show|restore` and
//! `check`. Each returns the text to print and whether it succeeded; `cli`
//! prints and maps to exit codes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::archive::{Archive, NewGroup, NewVersion, Version};
use crate::config::Config;
use crate::diff::report as wording;
use crate::diff::{Level, compare};
use crate::output;
use crate::pipeline;
use crate::slice::spec_slice;

fn open_archive(cfg: &Config) -> Result<Archive, String> {
    let a = cfg.archive.as_ref().ok_or_else(|| {
        format!("{}: the archive is disabled (`archive.enabled = false`)", cfg.file.display())
    })?;
    Ok(Archive { dir: a.dir.clone(), max_versions: a.max_versions })
}

fn find(archive: &Archive, id: &str) -> Result<Version, String> {
    let versions = archive.versions();
    if id == "latest"
        && let Some(v) = versions.last()
    {
        return Ok(v.clone());
    }
    versions.into_iter().find(|v| v.id == id).ok_or_else(|| {
        format!(
            "{}: no archive version `{id}`; `apigend archive list` shows the versions",
            archive.dir.display()
        )
    })
}

/// `apigend archive list`: one line per version, newest last.
///
/// # Errors
/// When the archive is disabled.
pub fn archive_list(cfg: &Config) -> Result<String, String> {
    let archive = open_archive(cfg)?;
    let versions = archive.versions();
    if versions.is_empty() {
        return Ok(format!("no versions in {} yet\n", archive.dir.display()));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<20} {:<8} {:<30} TRIGGER",
        "VERSION", "CREATED", "VERDICT", "CHANGED"
    );
    for v in versions {
        let m = &v.manifest;
        let changed: Vec<&str> =
            m.groups.iter().filter(|(_, g)| g.changed).map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(
            out,
            "{:<24} {:<20} {:<8} {:<30} {}",
            v.id,
            m.created,
            m.verdict.as_deref().unwrap_or("-"),
            if changed.is_empty() { "-".to_string() } else { changed.join(",") },
            m.trigger
        );
    }
    Ok(out)
}

/// `apigend archive show VERSION`: the version's report (or its manifest
/// when it has none, e.g. the first version).
///
/// # Errors
/// An unknown version.
pub fn archive_show(cfg: &Config, id: &str) -> Result<String, String> {
    let archive = open_archive(cfg)?;
    let v = find(&archive, id)?;
    let dir = archive.path_of(&v.id);
    if let Ok(report) = std::fs::read_to_string(dir.join("REPORT.md")) {
        return Ok(report);
    }
    std::fs::read_to_string(dir.join("manifest.json"))
        .map_err(|e| format!("{}: cannot read manifest: {e}", dir.display()))
}

/// `apigend archive restore VERSION [--groups]`: puts that version's files
/// back in the output directories (each directory committed atomically) and
/// records the restore as a new version.
///
/// # Errors
/// An unknown version or group, or an I/O failure.
pub fn archive_restore(cfg: &Config, id: &str, only: &[String]) -> Result<String, String> {
    let archive = open_archive(cfg)?;
    archive.clean_leftovers().map_err(|e| e.to_string())?;
    let v = find(&archive, id)?;
    for g in only {
        if !v.manifest.groups.contains_key(g) {
            let known: Vec<&str> = v.manifest.groups.keys().map(String::as_str).collect();
            return Err(format!(
                "version {} has no group `{g}`; it has: {}",
                v.id,
                known.join(", ")
            ));
        }
    }
    let latest = archive.latest();
    let mut out = String::new();
    let mut groups = BTreeMap::new();
    for g in &cfg.groups {
        let restore_this =
            v.manifest.groups.contains_key(&g.name) && (only.is_empty() || only.contains(&g.name));
        let source = if restore_this { Some(&v) } else { latest.as_ref() };
        let mut outputs = BTreeMap::new();
        for (lang, dir) in [("typescript", &g.typescript_output), ("python", &g.python_output)] {
            if restore_this
                && let Some(entry) =
                    v.manifest.groups.get(&g.name).and_then(|e| e.outputs.get(lang))
            {
                let files = archive.read_output(&v, &g.name, lang).map_err(|e| e.to_string())?;
                let options = output::CommitOptions { adopt: cfg.adopt };
                let stats = output::commit_with(dir, &files, &entry.fingerprint, options)
                    .map_err(|e| e.to_string())?;
                let _ = writeln!(
                    out,
                    "{}/{lang}: restored from {} ({} written, {} unchanged, {} removed)",
                    g.name,
                    v.id,
                    stats.written.len(),
                    stats.unchanged,
                    stats.deleted.len()
                );
            }
            if dir.join(output::STATE_DIR).exists() {
                outputs.insert(lang.to_string(), dir.clone());
            }
        }
        let slice = source
            .and_then(|s| {
                std::fs::read_to_string(archive.path_of(&s.id).join(&g.name).join("slice.json"))
                    .ok()
            })
            .unwrap_or_else(|| "{}".into());
        groups.insert(g.name.clone(), NewGroup { slice, outputs });
    }
    let new = NewVersion {
        trigger: format!("restore {}", v.id),
        spec_hash: v.manifest.spec_hash.clone(),
        groups,
    };
    let mut changes = Vec::new();
    let recorded = archive
        .record(&new, chrono::Utc::now(), |prev, manifest| {
            crate::report::attach(&archive, prev, manifest, &new, &mut changes)
        })
        .map_err(|e| e.to_string())?;
    for c in &changes {
        let _ = writeln!(out, "{}", c.line);
    }
    if let Some(id) = recorded {
        let _ = writeln!(out, "recorded the restore as version {id}");
    }
    Ok(out)
}

/// `apigend check`: is the committed output what the spec generates now,
/// and (with `fail_on`) did the API change at or above that level against
/// the newest archive version? Returns the text and `true` when all is well.
///
/// # Errors
/// A config or spec that cannot be loaded.
pub fn check(cfg: &Config, fail_on: Option<Level>) -> Result<(String, bool), String> {
    let loaded = pipeline::load_api(cfg).map_err(|e| e.to_string())?;
    let groups: Vec<&crate::config::Group> = cfg.groups.iter().collect();
    let mut out = String::new();
    let mut ok = true;
    for p in pipeline::plan(cfg, &groups, &loaded.api) {
        let what = format!("{}/{}", p.spec.name, p.language.as_str());
        if output::is_up_to_date(&p.dir, &p.fingerprint) {
            let _ = writeln!(out, "{what}: up to date");
        } else {
            ok = false;
            let _ = writeln!(
                out,
                "{what}: stale ({} does not match the spec; run `apigend generate`)",
                p.dir.display()
            );
        }
    }
    if let Some(threshold) = fail_on {
        let archive = open_archive(cfg)?;
        let Some(latest) = archive.latest() else {
            let _ =
                writeln!(out, "no archive version to compare with; run `apigend generate` first");
            return Ok((out, ok));
        };
        for g in &cfg.groups {
            let Ok(bytes) =
                std::fs::read(archive.path_of(&latest.id).join(&g.name).join("slice.json"))
            else {
                continue;
            };
            let ops = pipeline::group_operations(&loaded.ops, g);
            let new_slice = serde_json::to_vec(&spec_slice(&loaded.doc, &ops)).unwrap_or_default();
            let parse =
                |b: &[u8]| crate::spec::parse_typed(b, "slice.json", &|_| Err(String::new()));
            let (Ok(old), Ok(new)) = (parse(&bytes), parse(&new_slice)) else { continue };
            let report = compare(&old, &new);
            let _ = writeln!(out, "{}", wording::summary_line(&g.name, &report, 0));
            if report.max_level().is_some_and(|m| m >= threshold) {
                ok = false;
                let labels = wording::Labels { title: &g.name, base: &latest.id, revision: "spec" };
                out.push_str(&wording::render_text(&report, &labels, &[]));
            }
        }
    }
    Ok((out, ok))
}
