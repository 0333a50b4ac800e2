//! The version archive: every generation that changed some output is kept as
//! a complete, restorable version of all groups and languages.
//!
//! Layout: `<dir>/<YYYY-MM-DD_HH-MM-SS>[-N]/` holding `manifest.json`,
//! `<group>/slice.json` (the group's slice of the spec), and
//! `<group>/<language>/<files>`; `REPORT.md` and `report.json` when a report
//! is attached. A version is built under `.tmp-*` and renamed into place, so
//! it is visible only once complete; files equal to the previous version's
//! are hard links to it (a copy where links are not possible), so an
//! unchanged group costs almost no disk (its files and its `slice.json`).
//! Rotation renames a version to `.trash-*` before deleting it, so no
//! half-removed version is ever listed; [`Archive::clean_leftovers`] removes
//! what a killed process left behind, and a version that fails half-way is
//! removed at once.
//!
//! Versions are ordered by `seq` in their manifest, one more than the
//! newest's, never by their id or time: a clock set back must not make the
//! new version the oldest (and the first one rotation removes). The id keeps
//! the time for people.
//!
//! A full disk: at the limit, the oldest version goes before the new one is
//! written, so keeping `max_versions` versions never needs room for one
//! more.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::output::{self, check_relative};

/// A failure in the archive, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action}: {source}")]
pub struct ArchiveError {
    /// The file or directory.
    pub path: String,
    /// What was being done.
    pub action: String,
    /// The cause.
    #[source]
    pub source: io::Error,
}

fn err(path: &Path, action: impl Into<String>) -> impl FnOnce(io::Error) -> ArchiveError {
    let path = path.display().to_string();
    let action = action.into();
    move |source| ArchiveError { path, action, source }
}

/// `manifest.json` of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionManifest {
    /// `apigend <version>`.
    pub tool_version: String,
    /// The version's directory name.
    pub id: String,
    /// When it was made, RFC 3339 UTC.
    pub created: String,
    /// What caused it: `generate`, `watch: <path>`, `restore <id>`.
    pub trigger: String,
    /// Hex SHA-256 of the spec bytes.
    pub spec_hash: String,
    /// Per group.
    pub groups: BTreeMap<String, GroupEntry>,
    /// Highest finding level of the attached report (`ERR`, `WARN`, `INFO`),
    /// `None` when the API did not change or there was no previous version.
    #[serde(default)]
    pub verdict: Option<String>,
    /// Position in the archive: one more than the newest version's when it
    /// was made. Versions written before it existed have 0 and sort by id.
    #[serde(default)]
    pub seq: u64,
}

/// One group in a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    /// Its output differs from the previous version's.
    pub changed: bool,
    /// Per language (`typescript`, `python`).
    pub outputs: BTreeMap<String, OutputEntry>,
}

/// One (group, language) output in a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputEntry {
    /// The fingerprint it was generated from.
    pub fingerprint: String,
    /// Relative path → hex SHA-256.
    pub files: BTreeMap<String, String>,
}

/// What the caller hands over to record a version.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// `generate`, `watch: backend/users/views.py`, …
    pub trigger: String,
    /// Hex SHA-256 of the spec.
    pub spec_hash: String,
    /// Per group: its slice of the spec and its outputs (language → output
    /// directory whose `.apigend/manifest.json` lists the files).
    pub groups: BTreeMap<String, NewGroup>,
}

/// One group of a [`NewVersion`].
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// The group's slice of the spec (pretty JSON).
    pub slice: String,
    /// Language → output directory.
    pub outputs: BTreeMap<String, PathBuf>,
}

/// Extra files attached to a version (the reports), by name.
pub type Attachments = BTreeMap<String, String>;

/// An archive directory.
#[derive(Debug, Clone)]
pub struct Archive {
    /// Its root.
    pub dir: PathBuf,
    /// Versions kept.
    pub max_versions: usize,
}

/// A complete version on disk.
#[derive(Debug, Clone)]
pub struct Version {
    /// Directory name.
    pub id: String,
    /// Its manifest.
    pub manifest: VersionManifest,
}

impl Archive {
    /// Removes `.tmp-*` and `.trash-*` left by a killed process.
    ///
    /// # Errors
    /// When a leftover cannot be removed.
    pub fn clean_leftovers(&self) -> Result<(), ArchiveError> {
        let Ok(rd) = fs::read_dir(&self.dir) else { return Ok(()) };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") || name.starts_with(".trash-") {
                fs::remove_dir_all(e.path()).map_err(err(&e.path(), "remove leftover"))?;
            }
        }
        Ok(())
    }

    /// True when the outputs on disk (group → language → directory) differ
    /// from the newest version's, or there is no version yet: a run that was
    /// killed after committing but before archiving is caught up this way.
    #[must_use]
    pub fn needs_version(&self, outputs: &BTreeMap<String, BTreeMap<String, PathBuf>>) -> bool {
        let Some(latest) = self.latest() else { return true };
        if !latest.manifest.groups.keys().eq(outputs.keys()) {
            return true;
        }
        outputs.iter().any(|(group, langs)| {
            let Some(entry) = latest.manifest.groups.get(group) else { return true };
            !entry.outputs.keys().eq(langs.keys())
                || langs.iter().any(|(lang, dir)| {
                    let m = output::read_manifest(dir).unwrap_or_default();
                    entry
                        .outputs
                        .get(lang)
                        .is_none_or(|o| o.fingerprint != m.fingerprint || o.files != m.files)
                })
        })
    }

    /// Complete versions, oldest first.
    #[must_use]
    pub fn versions(&self) -> Vec<Version> {
        let Ok(rd) = fs::read_dir(&self.dir) else { return Vec::new() };
        let mut out: Vec<Version> = rd
            .flatten()
            .filter_map(|e| {
                let id = e.file_name().to_string_lossy().into_owned();
                parse_id(&id)?;
                let bytes = fs::read(e.path().join("manifest.json")).ok()?;
                let manifest = serde_json::from_slice(&bytes).ok()?;
                Some(Version { id, manifest })
            })
            .collect();
        out.sort_by_key(|v| (v.manifest.seq, parse_id(&v.id)));
        out
    }

    /// The newest complete version.
    #[must_use]
    pub fn latest(&self) -> Option<Version> {
        self.versions().pop()
    }

    /// The directory of version `id`.
    #[must_use]
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Records a new version unless every output equals the newest version's.
    /// `attach` is called with the previous version (if any) and the new
    /// manifest, and returns the reports to store beside it and the verdict.
    /// Returns the new version's id, or `None` when nothing changed.
    ///
    /// # Errors
    /// I/O failures; the partial version is left as `.tmp-*` for cleanup and
    /// never listed.
    pub fn record(
        &self,
        new: &NewVersion,
        now: chrono::DateTime<chrono::Utc>,
        attach: impl FnOnce(Option<&Version>, &VersionManifest) -> (Attachments, Option<String>),
    ) -> Result<Option<String>, ArchiveError> {
        fs::create_dir_all(&self.dir).map_err(err(&self.dir, "create archive directory"))?;
        self.clean_leftovers()?;
        let versions = self.versions();
        let previous = versions.last().cloned();
        let mut groups = BTreeMap::new();
        for (name, g) in &new.groups {
            let mut outputs = BTreeMap::new();
            for (lang, dir) in &g.outputs {
                let m = output::read_manifest(dir).unwrap_or_default();
                outputs.insert(
                    lang.clone(),
                    OutputEntry { fingerprint: m.fingerprint, files: m.files },
                );
            }
            let changed = previous
                .as_ref()
                .and_then(|p| p.manifest.groups.get(name))
                .is_none_or(|pg| pg.outputs != outputs);
            groups.insert(name.clone(), GroupEntry { changed, outputs });
        }
        let same_groups = previous.as_ref().is_some_and(|p| {
            p.manifest.groups.keys().eq(groups.keys()) && p.manifest.spec_hash == new.spec_hash
        });
        if same_groups && groups.values().all(|g| !g.changed) {
            return Ok(None);
        }
        // Room first. The previous version stays whatever the limit: the
        // new one links to its files and is compared with it.
        self.rotate_to(self.max_versions.saturating_sub(1).max(1))?;
        let seq = versions.iter().map(|v| v.manifest.seq).max().unwrap_or(0) + 1;
        let id = self.fresh_id(now);
        let mut manifest = VersionManifest {
            tool_version: concat!("apigend ", env!("CARGO_PKG_VERSION")).to_string(),
            id: id.clone(),
            created: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            trigger: new.trigger.clone(),
            spec_hash: new.spec_hash.clone(),
            groups,
            verdict: None,
            seq,
        };
        let tmp = self.dir.join(format!(".tmp-{id}-{}", std::process::id()));
        if let Err(e) = self.build(&tmp, new, previous.as_ref(), &mut manifest, attach) {
            // A partial version holds space (on a full disk, the space the
            // next commit needs): it goes now, not at the next run.
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        let final_dir = self.dir.join(&id);
        // The rename makes the version visible, complete.
        if let Err(e) = fs::rename(&tmp, &final_dir) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(err(&final_dir, "publish version")(e));
        }
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        // Only `max_versions = 1` has one to remove here. The version is
        // recorded either way: a failure to remove an old one is the next
        // run's to retry, not this run's error.
        if let Err(e) = self.rotate() {
            tracing::warn!("archive: {e}");
        }
        Ok(Some(id))
    }

    /// Writes the files of a new version into `tmp`: each group's slice and
    /// outputs (hard links to `previous` where the bytes are the same), the
    /// attachments and the manifest.
    fn build(
        &self,
        tmp: &Path,
        new: &NewVersion,
        previous: Option<&Version>,
        manifest: &mut VersionManifest,
        attach: impl FnOnce(Option<&Version>, &VersionManifest) -> (Attachments, Option<String>),
    ) -> Result<(), ArchiveError> {
        fs::create_dir_all(tmp).map_err(err(tmp, "create version directory"))?;
        for (name, g) in &new.groups {
            let gdir = tmp.join(name);
            fs::create_dir_all(&gdir).map_err(err(&gdir, "create group directory"))?;
            let prev_slice = previous.map(|p| self.dir.join(&p.id).join(name).join("slice.json"));
            link_or_write(prev_slice.as_deref(), &gdir.join("slice.json"), g.slice.as_bytes())?;
            let Some(entry) = manifest.groups.get(name) else { continue };
            for (lang, out) in &entry.outputs {
                let Some(src_dir) = g.outputs.get(lang) else { continue };
                for (rel, hash) in &out.files {
                    let Ok(relp) = check_relative(rel) else { continue };
                    let target = gdir.join(lang).join(&relp);
                    if let Some(parent) = target.parent() {
                        fs::create_dir_all(parent).map_err(err(parent, "create directory"))?;
                    }
                    let prev_file = previous.and_then(|p| {
                        let pe = p.manifest.groups.get(name)?.outputs.get(lang)?;
                        (pe.files.get(rel) == Some(hash))
                            .then(|| self.dir.join(&p.id).join(name).join(lang).join(&relp))
                    });
                    // Share storage with the previous version when the bytes
                    // are the same; fall back to a copy (other file system,
                    // no link support).
                    if let Some(pf) = prev_file
                        && fs::hard_link(&pf, &target).is_ok()
                    {
                        continue;
                    }
                    let bytes = fs::read(src_dir.join(&relp))
                        .map_err(err(&src_dir.join(&relp), "read generated file"))?;
                    write_file(&target, &bytes)?;
                }
            }
        }
        let (attachments, verdict) = attach(previous, manifest);
        manifest.verdict = verdict;
        for (name, contents) in &attachments {
            write_file(&tmp.join(name), contents.as_bytes())?;
        }
        let mbytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        write_file(&tmp.join("manifest.json"), &mbytes)
    }

    /// Keeps the newest `max_versions` versions.
    ///
    /// # Errors
    /// When an old version cannot be removed.
    pub fn rotate(&self) -> Result<(), ArchiveError> {
        self.rotate_to(self.max_versions.max(1))
    }

    /// Keeps the newest `keep` versions.
    fn rotate_to(&self, keep: usize) -> Result<(), ArchiveError> {
        let versions = self.versions();
        let extra = versions.len().saturating_sub(keep);
        for v in versions.iter().take(extra) {
            let from = self.dir.join(&v.id);
            let trash = self.dir.join(format!(".trash-{}", v.id));
            // Gone from the listing in one step, then deleted at leisure.
            fs::rename(&from, &trash).map_err(err(&from, "retire old version"))?;
            fs::remove_dir_all(&trash).map_err(err(&trash, "remove old version"))?;
        }
        Ok(())
    }

    /// An id for `now` that no version has yet.
    fn fresh_id(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let base = now.format("%Y-%m-%d_%H-%M-%S").to_string();
        let taken = |id: &str| {
            self.dir.join(id).exists()
                || fs::read_dir(&self.dir).is_ok_and(|rd| {
                    rd.flatten().any(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        n.starts_with(".tmp-") && n[5..].starts_with(&format!("{id}-"))
                    })
                })
        };
        if !taken(&base) {
            return base;
        }
        (2..).map(|n| format!("{base}-{n}")).find(|id| !taken(id)).unwrap_or(base)
    }

    /// The files of one (group, language) output of a version, read back.
    ///
    /// # Errors
    /// A missing version or file.
    pub fn read_output(
        &self,
        version: &Version,
        group: &str,
        lang: &str,
    ) -> Result<Vec<crate::codegen::GeneratedFile>, ArchiveError> {
        let Some(entry) = version.manifest.groups.get(group).and_then(|g| g.outputs.get(lang))
        else {
            return Ok(Vec::new());
        };
        let base = self.dir.join(&version.id).join(group).join(lang);
        let mut files = Vec::with_capacity(entry.files.len());
        for rel in entry.files.keys() {
            let Ok(relp) = check_relative(rel) else { continue };
            let p = base.join(&relp);
            let bytes = fs::read(&p).map_err(err(&p, "read archived file"))?;
            let contents = String::from_utf8(bytes).map_err(|e| {
                err(&p, "read archived file")(io::Error::new(io::ErrorKind::InvalidData, e))
            })?;
            files.push(crate::codegen::GeneratedFile { path: rel.clone(), contents });
        }
        Ok(files)
    }
}

/// Writes `bytes` to `target`, as a hard link to `previous` when that file
/// holds the same bytes (sizes are compared before contents).
fn link_or_write(previous: Option<&Path>, target: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    if let Some(prev) = previous
        && fs::metadata(prev).is_ok_and(|m| m.len() == bytes.len() as u64)
        && fs::read(prev).is_ok_and(|b| b == bytes)
        && fs::hard_link(prev, target).is_ok()
    {
        return Ok(());
    }
    write_file(target, bytes)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    use std::io::Write as _;
    let mut f = fs::File::create(path).map_err(err(path, "create file"))?;
    f.write_all(bytes).map_err(err(path, "write file"))?;
    f.sync_all().map_err(err(path, "sync file"))?;
    Ok(())
}

/// Sort key of a version id (`YYYY-MM-DD_HH-MM-SS[-N]`), or `None` for
/// anything else in the directory.
fn parse_id(id: &str) -> Option<(String, u32)> {
    let (base, n) = match id.get(19..) {
        Some("") => (id, 1),
        Some(rest) => (id.get(..19)?, rest.strip_prefix('-')?.parse().ok()?),
        None => return None,
    };
    chrono::NaiveDateTime::parse_from_str(base, "%Y-%m-%d_%H-%M-%S").ok()?;
    Some((base.to_string(), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::GeneratedFile;
    use chrono::TimeZone as _;

    fn at(s: u32) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, s).unwrap()
    }

    struct Fixture {
        _tmp: tempfile::TempDir,
        out: PathBuf,
        archive: Archive,
    }

    fn fixture(max: usize) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let archive = Archive { dir: tmp.path().join("archive"), max_versions: max };
        Fixture { _tmp: tmp, out, archive }
    }

    fn publish(f: &Fixture, group: &str, files: &[(&str, &str)], fp: &str) -> PathBuf {
        let dir = f.out.join(group).join("typescript");
        let files: Vec<GeneratedFile> =
            files.iter().map(|(p, c)| GeneratedFile::new(*p, *c)).collect();
        output::commit(&dir, &files, fp).unwrap();
        dir
    }

    fn version(f: &Fixture, groups: &[(&str, PathBuf)], spec: &str) -> NewVersion {
        NewVersion {
            trigger: "test".into(),
            spec_hash: spec.into(),
            groups: groups
                .iter()
                .map(|(g, d)| {
                    let _ = f;
                    (
                        (*g).to_string(),
                        NewGroup {
                            slice: "{}".into(),
                            outputs: [("typescript".to_string(), d.clone())].into(),
                        },
                    )
                })
                .collect(),
        }
    }

    fn none(_: Option<&Version>, _: &VersionManifest) -> (Attachments, Option<String>) {
        (Attachments::new(), None)
    }

    #[test]
    fn unchanged_outputs_make_no_version_and_same_second_gets_a_suffix() {
        let f = fixture(10);
        let a = publish(&f, "a", &[("x.ts", "1")], "f1");
        let id1 = f.archive.record(&version(&f, &[("a", a.clone())], "s1"), at(0), none).unwrap();
        assert_eq!(id1.as_deref(), Some("2026-11-29_12-00-00"));
        assert_eq!(
            f.archive.record(&version(&f, &[("a", a.clone())], "s1"), at(0), none).unwrap(),
            None
        );
        publish(&f, "a", &[("x.ts", "2")], "f2");
        let id2 = f.archive.record(&version(&f, &[("a", a)], "s2"), at(0), none).unwrap();
        assert_eq!(id2.as_deref(), Some("2026-11-29_12-00-00-2"));
        let ids: Vec<String> = f.archive.versions().into_iter().map(|v| v.id).collect();
        assert_eq!(ids, ["2026-11-29_12-00-00", "2026-11-29_12-00-00-2"]);
    }

    #[test]
    fn unchanged_groups_share_storage_and_rotation_keeps_max() {
        use std::os::unix::fs::MetadataExt as _;
        let f = fixture(3);
        let a = publish(&f, "a", &[("x.ts", "same")], "fa");
        let b = publish(&f, "b", &[("y.ts", "0")], "fb0");
        for i in 0..5u32 {
            publish(&f, "b", &[("y.ts", &i.to_string())], &format!("fb{i}"));
            f.archive
                .record(
                    &version(&f, &[("a", a.clone()), ("b", b.clone())], &format!("s{i}")),
                    at(i),
                    none,
                )
                .unwrap()
                .unwrap();
        }
        let versions = f.archive.versions();
        assert_eq!(versions.len(), 3, "rotation keeps exactly max_versions");
        let last = &versions[2];
        let prev = &versions[1];
        let ino = |v: &Version| {
            fs::metadata(f.archive.path_of(&v.id).join("a/typescript/x.ts")).unwrap().ino()
        };
        assert_eq!(
            ino(last),
            ino(prev),
            "an unchanged file is a hard link to the previous version"
        );
        assert!(!last.manifest.groups["a"].changed);
        assert!(last.manifest.groups["b"].changed);
    }

    #[test]
    fn leftovers_are_invisible_and_cleaned() {
        let f = fixture(5);
        fs::create_dir_all(f.archive.dir.join(".tmp-2026-11-29_12-00-00-1")).unwrap();
        fs::create_dir_all(f.archive.dir.join(".trash-2026-11-29_11-00-00")).unwrap();
        fs::create_dir_all(f.archive.dir.join("2026-11-29_10-00-00")).unwrap(); // no manifest
        assert!(f.archive.versions().is_empty());
        f.archive.clean_leftovers().unwrap();
        assert!(!f.archive.dir.join(".tmp-2026-11-29_12-00-00-1").exists());
        assert!(!f.archive.dir.join(".trash-2026-11-29_11-00-00").exists());
    }

    /// Issue 14: a clock set back does not make the new version the
    /// oldest. Versions are ordered by their sequence number: each one
    /// recorded is the latest, survives rotation, and exists under the id
    /// returned.
    #[test]
    fn a_clock_set_back_still_makes_the_newest_version() {
        let f = fixture(2);
        let a = publish(&f, "a", &[("x.ts", "0")], "f0");
        for (i, s) in [30, 10, 5, 5].into_iter().enumerate() {
            publish(&f, "a", &[("x.ts", &i.to_string())], &format!("f{i}"));
            let v = version(&f, &[("a", a.clone())], &format!("s{i}"));
            let id = f.archive.record(&v, at(s), none).unwrap().unwrap();
            assert!(f.archive.path_of(&id).join("manifest.json").is_file(), "{id} was removed");
            assert_eq!(f.archive.latest().unwrap().id, id);
        }
        let ids: Vec<String> = f.archive.versions().into_iter().map(|v| v.id).collect();
        assert_eq!(ids, ["2026-11-29_12-00-05", "2026-11-29_12-00-05-2"]);
        let seqs: Vec<u64> = f.archive.versions().iter().map(|v| v.manifest.seq).collect();
        assert_eq!(seqs, [3, 4]);
    }

    /// Issue 14: a version whose slice did not change links the previous
    /// version's `slice.json` instead of writing it again.
    #[test]
    fn an_unchanged_slice_is_a_hard_link() {
        use std::os::unix::fs::MetadataExt as _;
        let f = fixture(5);
        let a = publish(&f, "a", &[("x.ts", "1")], "f1");
        let b = publish(&f, "b", &[("y.ts", "1")], "g1");
        let mut v = version(&f, &[("a", a.clone()), ("b", b.clone())], "s1");
        let first = f.archive.record(&v, at(0), none).unwrap().unwrap();
        publish(&f, "b", &[("y.ts", "2")], "g2");
        v.spec_hash = "s2".into();
        v.groups.get_mut("b").unwrap().slice = "{\"changed\": true}".into();
        let second = f.archive.record(&v, at(1), none).unwrap().unwrap();
        let ino = |id: &str, g: &str| {
            fs::metadata(f.archive.path_of(id).join(g).join("slice.json")).unwrap().ino()
        };
        assert_eq!(ino(&first, "a"), ino(&second, "a"), "unchanged slice not linked");
        assert_ne!(ino(&first, "b"), ino(&second, "b"));
        let b2 = fs::read_to_string(f.archive.path_of(&second).join("b/slice.json")).unwrap();
        assert_eq!(b2, "{\"changed\": true}");
    }

    /// Issue 14: at the limit the oldest version goes before the new one is
    /// written (keeping N versions needs no room for N+1), and a version
    /// that fails half-way leaves nothing behind.
    #[test]
    fn rotation_comes_first_and_a_failed_version_leaves_nothing() {
        let f = fixture(2);
        let a = publish(&f, "a", &[("x.ts", "0")], "f0");
        for i in 0..2u32 {
            publish(&f, "a", &[("x.ts", &i.to_string())], &format!("f{i}"));
            let v = version(&f, &[("a", a.clone())], &format!("s{i}"));
            f.archive.record(&v, at(i), none).unwrap().unwrap();
        }
        let seen = std::cell::Cell::new(0);
        publish(&f, "a", &[("x.ts", "2")], "f2");
        let v = version(&f, &[("a", a.clone())], "s2");
        f.archive
            .record(&v, at(2), |_, _| {
                seen.set(f.archive.versions().len());
                (Attachments::new(), None)
            })
            .unwrap()
            .unwrap();
        assert_eq!(seen.get(), 1, "versions on disk while the new one was written");
        assert_eq!(f.archive.versions().len(), 2);
        // A generated file gone from the output: the version cannot be made.
        publish(&f, "a", &[("x.ts", "3"), ("y.ts", "3")], "f3");
        fs::remove_file(a.join("y.ts")).unwrap();
        let v = version(&f, &[("a", a.clone())], "s3");
        let e = f.archive.record(&v, at(3), none).unwrap_err();
        assert!(e.to_string().contains("y.ts"), "{e}");
        let left: Vec<String> = fs::read_dir(&f.archive.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "partial version left: {left:?}");
    }

    #[test]
    fn ids_sort_numerically() {
        assert!(parse_id("2026-11-29_12-00-00-10") > parse_id("2026-11-29_12-00-00-2"));
        assert!(parse_id("2026-11-29_12-00-00") < parse_id("2026-11-29_12-00-00-2"));
        assert_eq!(parse_id("REPORT.md"), None);
    }
}
