//! Publishing generated files: one output directory (a group's client in one
//! language) is committed atomically as a unit.
//!
//! Only the files whose bytes changed are staged, under
//! `<dir>/.apigend/staging/` (same file system, so renames are atomic), with
//! the new manifest. They are flushed to disk, then a journal listing every
//! rename and deletion is written and flushed: a complete journal on disk is
//! the commit point. The journal is then applied, the directories it changed
//! are flushed, and it is removed. A process killed before the commit point
//! leaves the old files (the next run discards the staging dir and any torn
//! journal); killed after it, the next run finishes the journal. Either way
//! every file is entirely old or entirely new, and the group ends up
//! consistent.
//!
//! Files whose bytes did not change are not staged or touched (their mtimes
//! stay), and only files this tool wrote before (listed in
//! `.apigend/manifest.json`) are ever deleted. A commit that changes nothing
//! writes nothing; one that only changes the manifest (a new fingerprint for
//! the same bytes) replaces it atomically without a journal.
//!
//! Everything the journal's renames and deletions need is checked before the
//! commit point ([`preflight`]): no file apigend did not write is replaced
//! (a path on disk that the old manifest does not list is the user's, unless
//! it already holds the new bytes or the commit adopts on purpose), no file
//! or foreign directory stands where a directory or a file must go, no
//! symlink inside the output directory is followed, and every directory that
//! gains or loses an entry is writable (a read-only mount, or an immutable
//! or root-owned generated directory, is caught here, not half-way through
//! the renames). A commit that fails before its commit point removes its
//! staging directory and leaves the old output whole.
//!
//! Should applying a journal still fail half-way (a fault the checks could
//! not foresee), it is rolled back: before the commit point every file the
//! journal replaces or deletes, and the manifest, got a hard link under
//! `.apigend/backup/` (no copy, no space), and they are put back while the
//! new files go; the journal is renamed `rollback.json` first, so a kill
//! during the roll-back is finished by the next recovery, not rolled
//! forward. Where that is not possible either (no backup: a file system
//! without hard links), recovery still does not wedge: it reports the path
//! once, marks the output stale in its manifest (keeping every path the
//! journal may have written as apigend's), and the next run regenerates it.
//!
//! Flushing is what a commit mostly waits for: it flushes exactly the files
//! and directories the journal relies on, never the whole file system unless
//! many files changed (see [`flush`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codegen::GeneratedFile;

/// The state directory inside an output directory.
pub const STATE_DIR: &str = ".apigend";
const MANIFEST: &str = "manifest.json";
const JOURNAL: &str = "journal.json";
const STAT_CACHE: &str = "stat.json";
const BACKUP: &str = "backup";
const ROLLBACK: &str = "rollback.json";
/// The old manifest's name under `backup/`: no generated path can take it,
/// since [`check_relative`] refuses a `.apigend` component.
const BACKUP_MANIFEST: &str = STATE_DIR;
const STAGING: &str = "staging";

/// Up to this many files and directories are flushed with one `fsync` each;
/// more with one `syncfs` (see [`flush`]).
const SYNC_EACH_MAX: usize = 16;

/// A failure to publish; the message names the path and the operation.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action}: {source}")]
pub struct OutputError {
    /// The file or directory.
    pub path: String,
    /// What was being done.
    pub action: &'static str,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

fn io_err<'p>(path: &'p Path, action: &'static str) -> impl FnOnce(io::Error) -> OutputError + 'p {
    move |source| OutputError { path: path.display().to_string(), action, source }
}

/// What was last committed to an output directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The fingerprint of the slice the files were generated from.
    pub fingerprint: String,
    /// Relative path → hex SHA-256 of the contents.
    pub files: BTreeMap<String, String>,
}

/// `.apigend/stat.json`: relative path → size, modification time
/// (nanoseconds since the epoch) and hash of each file as the last commit
/// left it, so [`is_up_to_date`] hashes only files whose size or mtime
/// moved. A cache apart from the manifest, which stays byte-for-byte the
/// same wherever and whenever it is generated: written after a commit,
/// never synced, and trusted only where its hash is the manifest's, so a
/// torn or stale one only costs hashing.
type StatCache = BTreeMap<String, (u64, i64, String)>;

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    /// Relative paths staged under `staging/`, to be renamed into place.
    write: Vec<String>,
    /// Relative paths to delete.
    delete: Vec<String>,
}

/// How a commit treats what it finds on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitOptions {
    /// Replace files the manifest does not list (taking over a folder that
    /// holds files apigend did not write, on purpose).
    pub adopt: bool,
}

/// What a commit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Files written (new or changed).
    pub written: Vec<String>,
    /// Files left alone because their bytes were equal.
    pub unchanged: usize,
    /// Files removed because the new output no longer has them.
    pub deleted: Vec<String>,
}

/// Hex SHA-256 of bytes.
#[must_use]
pub fn hash(bytes: &[u8]) -> String {
    crate::spec::hex(&Sha256::digest(bytes))
}

/// Reads the manifest of `dir`, if there is a valid one.
#[must_use]
pub fn read_manifest(dir: &Path) -> Option<Manifest> {
    let bytes = fs::read(dir.join(STATE_DIR).join(MANIFEST)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// True when `dir` holds exactly what `fingerprint` describes: the manifest
/// matches and every listed file is on disk with the recorded hash (a file
/// deleted or edited by hand makes the group stale).
#[must_use]
pub fn is_up_to_date(dir: &Path, fingerprint: &str) -> bool {
    let state = dir.join(STATE_DIR);
    if state.join(JOURNAL).exists() || state.join(ROLLBACK).exists() {
        return false;
    }
    let Some(m) = read_manifest(dir) else { return false };
    if m.fingerprint != fingerprint {
        return false;
    }
    let cache: StatCache = fs::read(dir.join(STATE_DIR).join(STAT_CACHE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    // A file with the size and mtime it was committed with is taken to hold
    // the committed bytes, the quick check of make and rsync: an edit that
    // keeps both (same size, same timestamp tick) is not seen. Anything
    // else is hashed.
    m.files.iter().all(|(p, h)| {
        let path = dir.join(p);
        cache
            .get(p)
            .is_some_and(|(size, mtime, ch)| ch == h && stat_of(&path) == Some((*size, *mtime)))
            || fs::read(&path).is_ok_and(|b| hash(&b) == *h)
    })
}

/// Size and modification time (nanoseconds since the epoch) of a regular
/// file.
fn stat_of(path: &Path) -> Option<(u64, i64)> {
    let m = fs::symlink_metadata(path).ok()?;
    if !m.is_file() {
        return None;
    }
    let t = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some((m.len(), i64::try_from(t.as_nanos()).ok()?))
}

/// Checks that a generated path stays inside its directory: relative, no
/// `..`, no root or prefix, no empty or state-directory components.
///
/// # Errors
/// A message naming the path.
pub fn check_relative(p: &str) -> Result<PathBuf, String> {
    let path = Path::new(p);
    if p.is_empty() || p.contains('\\') || p.contains('\0') {
        return Err(format!("refusing to write `{p}`: not a plain relative path"));
    }
    for c in path.components() {
        match c {
            Component::Normal(s) if s != STATE_DIR => {}
            _ => {
                return Err(format!(
                    "refusing to write `{p}`: it would leave the output directory"
                ));
            }
        }
    }
    Ok(path.to_path_buf())
}

/// Finishes or discards an interrupted commit in `dir`, and finishes an
/// interrupted roll-back.
///
/// # Errors
/// When the journal cannot be applied (e.g. permissions): it is rolled back
/// first (or `dir` marked stale), so the next call succeeds.
pub fn recover(dir: &Path) -> Result<(), OutputError> {
    let state = dir.join(STATE_DIR);
    let journal = state.join(JOURNAL);
    let rollback = state.join(ROLLBACK);
    // A roll-back cut short by a kill is finished first: rolling that
    // journal forward again would skip the files already put back.
    if let Ok(bytes) = fs::read(&rollback) {
        if let Ok(j) = serde_json::from_slice::<Journal>(&bytes)
            && roll_back(dir, &j).is_err()
        {
            give_up(dir, &j);
        }
        let _ = fs::remove_file(&rollback);
    }
    match fs::read(&journal) {
        Ok(bytes) => {
            if let Ok(j) = serde_json::from_slice::<Journal>(&bytes)
                && let Err(e) = apply(dir, &j)
            {
                return Err(undo(dir, &j, e));
            }
            // An unreadable journal is one cut short before the commit point
            // (see `publish`): nothing was applied, so dropping it (and the
            // staging directory below) keeps the old version.
            fs::remove_file(&journal).map_err(io_err(&journal, "remove journal"))?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&journal, "read journal")(e)),
    }
    for d in [state.join(STAGING), state.join(BACKUP)] {
        if fs::symlink_metadata(&d).is_ok() {
            fs::remove_dir_all(&d).map_err(io_err(&d, "remove staging directory"))?;
        }
    }
    Ok(())
}

/// A journal failed half-way through `apply` (a fault [`preflight`] could
/// not foresee): it becomes the roll-back journal (so a kill from here on
/// finishes the roll-back, not the commit), and the old files come back
/// from their hard-linked backups. Returns the error to report, saying
/// what became of the output.
fn undo(dir: &Path, j: &Journal, e: OutputError) -> OutputError {
    let state = dir.join(STATE_DIR);
    let rollback = state.join(ROLLBACK);
    let marked = fs::rename(state.join(JOURNAL), &rollback).is_ok();
    let whole = marked && roll_back(dir, j).is_ok();
    if whole {
        let _ = fs::remove_file(&rollback);
    } else {
        give_up(dir, j);
        let _ = fs::remove_file(&rollback);
    }
    let note = if whole {
        "rolled back: the old output is whole"
    } else {
        "could not roll back: the output is marked stale and the next run regenerates it"
    };
    OutputError {
        path: e.path,
        action: e.action,
        source: io::Error::new(e.source.kind(), format!("{} ({note})", e.source)),
    }
}

/// Puts back what a half-applied journal changed: each replaced or deleted
/// file from its backup, each new file removed, the old manifest back.
/// Idempotent, so a kill during it is finished by the next [`recover`].
fn roll_back(dir: &Path, j: &Journal) -> Result<(), OutputError> {
    let state = dir.join(STATE_DIR);
    let staging = state.join(STAGING);
    let backup = state.join(BACKUP);
    let saved_manifest = backup.join(BACKUP_MANIFEST);
    // What was there before: the backed-up manifest; else the one in place
    // while the staged one has not replaced it; else none (a first commit).
    let old = if fs::symlink_metadata(&saved_manifest).is_ok() {
        fs::read(&saved_manifest).ok().and_then(|b| serde_json::from_slice(&b).ok())
    } else if staging.join(MANIFEST).exists() {
        read_manifest(dir)
    } else {
        None
    }
    .unwrap_or_default();
    for p in j.write.iter().chain(&j.delete) {
        let Ok(rel) = check_relative(p) else { continue };
        let target = dir.join(&rel);
        let saved = backup.join(&rel);
        let moved_in = j.write.contains(p) && fs::symlink_metadata(staging.join(&rel)).is_err();
        let gone = j.delete.contains(p) && fs::symlink_metadata(&target).is_err();
        if fs::symlink_metadata(&saved).is_ok() {
            no_symlink_on_the_way(dir, &rel)?;
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(io_err(parent, "create directory"))?;
            }
            // A backup of a file never touched is the same inode: the
            // rename does nothing.
            fs::rename(&saved, &target).map_err(io_err(&target, "put back"))?;
        } else if (moved_in || gone) && old.files.contains_key(p) {
            return Err(in_the_way(&target, "was replaced or deleted and has no backup"));
        } else if moved_in && fs::symlink_metadata(&target).is_ok_and(|m| m.is_file()) {
            // New in this commit and already moved in: apigend's own file.
            fs::remove_file(&target).map_err(io_err(&target, "remove new file"))?;
            remove_empty_parents(dir, &rel);
        }
    }
    if fs::symlink_metadata(&saved_manifest).is_ok() {
        let to = state.join(MANIFEST);
        fs::rename(&saved_manifest, &to).map_err(io_err(&to, "put back"))?;
    }
    let _ = fs::remove_dir_all(&staging);
    let _ = fs::remove_dir_all(&backup);
    Ok(())
}

/// Before the commit point: a hard link under `backup/` to every file the
/// journal replaces or deletes, and to the manifest, so a journal that
/// fails half-way can be rolled back. Links cost no space and no copy; a
/// file that cannot be linked (a file system without hard links) is simply
/// not backed up, and a failed roll-back falls back to [`give_up`].
fn back_up(dir: &Path, journal: &Journal) {
    let state = dir.join(STATE_DIR);
    let backup = state.join(BACKUP);
    let _ = fs::remove_dir_all(&backup);
    let link = |from: &Path, rel: &Path| {
        let to = backup.join(rel);
        if fs::symlink_metadata(from).is_ok_and(|m| m.is_file()) {
            if let Some(parent) = to.parent() {
                let _ = fs::create_dir_all(parent);
            }
            let _ = fs::hard_link(from, &to);
        }
    };
    for p in journal.write.iter().chain(&journal.delete) {
        if let Ok(rel) = check_relative(p) {
            link(&dir.join(&rel), &rel);
        }
    }
    link(&state.join(MANIFEST), Path::new(BACKUP_MANIFEST));
}

/// A journal that can be neither applied nor rolled back: rather than fail
/// every later run at recovery, drop it and the
/// staging directory, and leave a manifest that makes the output stale (no
/// fingerprint) and lists, besides the old files, every path the journal
/// may have written, so the next commit may replace them. Best effort: this
/// runs when the file system already refused something.
fn give_up(dir: &Path, j: &Journal) {
    let state = dir.join(STATE_DIR);
    let mut m = read_manifest(dir).unwrap_or_default();
    m.fingerprint = String::new();
    for p in &j.write {
        m.files.entry(p.clone()).or_default();
    }
    if let Ok(bytes) = serde_json::to_vec_pretty(&m) {
        let _ = write_atomic(&state.join(MANIFEST), &bytes);
    }
    let _ = fs::remove_file(state.join(JOURNAL));
    let _ = fs::remove_dir_all(state.join(STAGING));
    let _ = fs::remove_dir_all(state.join(BACKUP));
}

/// Removes the staging directory of a commit that failed before its commit
/// point: on a full disk it holds the space the next attempt needs.
fn discard_staging(dir: &Path) {
    let _ = fs::remove_dir_all(dir.join(STATE_DIR).join(STAGING));
    let _ = fs::remove_dir_all(dir.join(STATE_DIR).join(BACKUP));
}

/// Deletes the stale files, moves the staged files into place, installs the
/// staged manifest, then syncs every directory it changed. Deletions come
/// first so a file of the old version may give way to a directory of the
/// new one (and the reverse). Idempotent: a
/// rename already done finds nothing staged and is skipped, so applying a
/// journal again after an interruption (or a power loss that undid the
/// journal's removal) is harmless.
fn apply(dir: &Path, j: &Journal) -> Result<(), OutputError> {
    let state = dir.join(STATE_DIR);
    let staging = state.join(STAGING);
    // Directories whose entries change: synced before the journal goes, so
    // the journal never outlives on disk the renames it describes.
    let mut changed = BTreeSet::new();
    for p in &j.delete {
        let Ok(rel) = check_relative(p) else { continue };
        let target = dir.join(&rel);
        no_symlink_on_the_way(dir, &rel)?;
        match fs::remove_file(&target) {
            Ok(()) => {
                let removed_up_to = remove_empty_parents(dir, &rel);
                changed.insert(dir.join(removed_up_to));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&target, "remove stale file")(e)),
        }
    }
    for p in &j.write {
        let Ok(rel) = check_relative(p) else { continue };
        let from = staging.join(&rel);
        let to = dir.join(&rel);
        if !from.exists() {
            continue; // moved before an earlier interruption
        }
        no_symlink_on_the_way(dir, &rel)?;
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent, "create directory"))?;
            changed.insert(parent.to_path_buf());
        }
        fs::rename(&from, &to).map_err(io_err(&to, "rename into place"))?;
    }
    let staged_manifest = staging.join(MANIFEST);
    if staged_manifest.exists() {
        let to = state.join(MANIFEST);
        fs::rename(&staged_manifest, &to).map_err(io_err(&to, "rename manifest"))?;
        changed.insert(state);
    }
    flush(&changed, dir)
}

/// Refuses a path under `dir` that goes through a symlink: creating its
/// directories or removing it would act outside the output directory.
fn no_symlink_on_the_way(dir: &Path, rel: &Path) -> Result<(), OutputError> {
    let mut cur = dir.to_path_buf();
    let mut parts = rel.components().peekable();
    while let Some(c) = parts.next() {
        if parts.peek().is_none() {
            break; // the file itself: a rename or removal acts on the link
        }
        cur.push(c);
        if fs::symlink_metadata(&cur).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(in_the_way(
                &cur,
                "is a symlink; apigend does not write or delete through symlinks inside an \
                 output directory: replace it with a directory or remove it",
            ));
        }
    }
    Ok(())
}

fn in_the_way(path: &Path, why: &str) -> OutputError {
    OutputError {
        path: path.display().to_string(),
        action: "checked before committing",
        source: io::Error::other(why.to_string()),
    }
}

/// Removes directories left empty by a deletion, up to (not including) `dir`.
/// Returns the deepest directory (relative to `dir`, empty for `dir` itself)
/// that still exists: the one whose entries the deletion changed.
fn remove_empty_parents<'r>(dir: &Path, rel: &'r Path) -> &'r Path {
    let mut cur = rel.parent();
    while let Some(p) = cur {
        if p.as_os_str().is_empty() || fs::remove_dir(dir.join(p)).is_err() {
            return p;
        }
        cur = p.parent();
    }
    Path::new("")
}

/// What a commit has to do once the changed files are staged.
#[derive(Debug)]
enum Change {
    /// Every file on disk already has its bytes and the manifest is current.
    Nothing,
    /// Only the manifest differs (a new fingerprint for the same bytes): one
    /// atomic file replacement, no journal.
    Manifest(Vec<u8>),
    /// Files to rename into place or delete, staged with the new manifest.
    Files(Journal),
}

/// Commits `files` as the complete new contents of `dir`, refusing to
/// replace files apigend did not write.
///
/// # Errors
/// As [`commit_with`].
pub fn commit(
    dir: &Path,
    files: &[GeneratedFile],
    fingerprint: &str,
) -> Result<CommitStats, OutputError> {
    commit_with(dir, files, fingerprint, CommitOptions::default())
}

/// Commits `files` as the complete new contents of `dir`.
///
/// # Errors
/// I/O failures, naming the path; a path that would leave `dir`; a file
/// apigend did not write in the way (unless `options.adopt`), a symlink
/// inside `dir`, a directory the renames cannot change. On error before the
/// commit point nothing in `dir` changed and no staging is left; after it,
/// the commit is rolled back (or, failing that, `dir` is marked stale), and
/// the error says which.
pub fn commit_with(
    dir: &Path,
    files: &[GeneratedFile],
    fingerprint: &str,
    options: CommitOptions,
) -> Result<CommitStats, OutputError> {
    let t = Instant::now();
    let (stats, change, cache) = stage(dir, files, fingerprint, options).inspect_err(|_| {
        discard_staging(dir);
    })?;
    let staged = t.elapsed();
    let mut synced = staged;
    match &change {
        Change::Nothing => {}
        Change::Manifest(bytes) => write_atomic(&dir.join(STATE_DIR).join(MANIFEST), bytes)?,
        Change::Files(journal) => {
            back_up(dir, journal);
            sync_staged(dir, journal)
                .inspect(|()| synced = t.elapsed())
                .and_then(|()| publish(dir, journal))
                .inspect_err(|_| discard_staging(dir))?;
            recover(dir)?;
        }
    }
    if !matches!(change, Change::Nothing)
        && let Ok(bytes) = serde_json::to_vec(&cache)
    {
        // A cache: not synced, and a failure to write it only costs hashing.
        let _ = fs::write(dir.join(STATE_DIR).join(STAT_CACHE), bytes);
    }
    tracing::debug!(
        dir = %dir.display(),
        written = stats.written.len(),
        unchanged = stats.unchanged,
        deleted = stats.deleted.len(),
        staged = ?staged,
        synced = ?synced - staged,
        published = ?t.elapsed() - synced,
        "committed"
    );
    Ok(stats)
}

/// Compares `files` with `dir`, checks that the commit can be applied
/// ([`preflight`]) and stages only the files whose bytes differ, unsynced;
/// nothing in `dir` outside the staging area changes. Recovers an
/// interrupted earlier commit first.
fn stage(
    dir: &Path,
    files: &[GeneratedFile],
    fingerprint: &str,
    options: CommitOptions,
) -> Result<(CommitStats, Change, StatCache), OutputError> {
    fs::create_dir_all(dir).map_err(io_err(dir, "create output directory"))?;
    let state = dir.join(STATE_DIR);
    if fs::symlink_metadata(&state).is_ok_and(|m| !m.is_dir()) {
        return Err(in_the_way(
            &state,
            "is not a directory (a file or a symlink); apigend keeps its manifest there: remove it",
        ));
    }
    recover(dir)?;
    let old = read_manifest(dir).unwrap_or_default();
    let staging = state.join(STAGING);

    let mut manifest = Manifest { fingerprint: fingerprint.to_string(), files: BTreeMap::new() };
    let mut cache = StatCache::new();
    let mut stats = CommitStats::default();
    let mut to_write = Vec::new();
    for f in files {
        let rel = check_relative(&f.path).map_err(|m| OutputError {
            path: dir.join(&f.path).display().to_string(),
            action: "check path",
            source: io::Error::new(io::ErrorKind::InvalidInput, m),
        })?;
        let bytes = f.contents.as_bytes();
        manifest.files.insert(f.path.clone(), hash(bytes));
        // Equal bytes are left alone, and become apigend's even when the
        // old manifest did not list them: they are exactly what it writes.
        if fs::symlink_metadata(dir.join(&rel)).is_ok_and(|m| m.is_file())
            && fs::read(dir.join(&rel)).is_ok_and(|old| old == bytes)
        {
            if let Some((size, mtime)) = stat_of(&dir.join(&rel)) {
                cache.insert(f.path.clone(), (size, mtime, hash(bytes)));
            }
            stats.unchanged += 1;
            continue;
        }
        to_write.push((rel, f));
        stats.written.push(f.path.clone());
    }
    // A directory where apigend once wrote a file is the user's now: it
    // leaves the manifest untouched.
    stats.deleted = old
        .files
        .keys()
        .filter(|p| {
            !manifest.files.contains_key(*p)
                && fs::symlink_metadata(dir.join(p)).is_ok_and(|m| !m.is_dir())
        })
        .cloned()
        .collect();
    preflight(dir, &old, &stats.written, &stats.deleted, options)?;
    for (rel, f) in &to_write {
        let staged = staging.join(rel);
        if let Some(parent) = staged.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent, "create staging directory"))?;
        }
        write_unsynced(&staged, f.contents.as_bytes())?;
        // A rename keeps the mtime: this is the file's once in place.
        if let Some((size, mtime)) = stat_of(&staged) {
            let h = manifest.files.get(&f.path).cloned().unwrap_or_default();
            cache.insert(f.path.clone(), (size, mtime, h));
        }
    }
    let mbytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    if stats.written.is_empty() && stats.deleted.is_empty() {
        let change = if old == manifest { Change::Nothing } else { Change::Manifest(mbytes) };
        return Ok((stats, change, cache));
    }
    fs::create_dir_all(&staging).map_err(io_err(&staging, "create staging directory"))?;
    write_unsynced(&staging.join(MANIFEST), &mbytes)?;
    let journal = Journal { write: stats.written.clone(), delete: stats.deleted.clone() };
    Ok((stats, Change::Files(journal), cache))
}

/// Checks, before the commit point, that every deletion and rename of a
/// commit can be applied, so a commit never stops half-way for a reason
/// that was on disk before it started:
///
/// - a path to write that exists and that the old manifest does not list
///   is the user's, and is not replaced unless `options.adopt`;
/// - the directories on the way to it are real directories: a symlink is
///   never followed, and a file is in the way unless this commit deletes
///   it (a file of the old version giving way to a directory);
/// - a directory where a file goes holds nothing but files this commit
///   deletes;
/// - every directory that gains or loses an entry is writable by this
///   process. `faccessat(2)` with the effective ids sees what stops root
///   too: a read-only mount (`EROFS`) and an immutable directory (`EPERM`).
fn preflight(
    dir: &Path,
    old: &Manifest,
    write: &[String],
    delete: &[String],
    options: CommitOptions,
) -> Result<(), OutputError> {
    let deleting: BTreeSet<&str> = delete.iter().map(String::as_str).collect();
    let mut changed: BTreeSet<PathBuf> = BTreeSet::from([dir.join(STATE_DIR)]);
    for rel in write {
        let relp = Path::new(rel);
        no_symlink_on_the_way(dir, relp)?;
        // The deepest directory on the way that exists: the one that gains
        // an entry (a new file, or the first new directory).
        let mut nearest = dir.to_path_buf();
        let mut way: Vec<&Path> =
            relp.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()).collect();
        way.reverse();
        for a in way {
            let p = dir.join(a);
            match fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => nearest = p,
                Ok(_) if deleting.contains(a.to_string_lossy().as_ref()) => {
                    nearest = dir.join(a.parent().unwrap_or(Path::new("")));
                    break;
                }
                Ok(_) => {
                    return Err(in_the_way(
                        &p,
                        &format!(
                            "is a file apigend did not write, where the new output needs a \
                             directory (for `{rel}`): move it away"
                        ),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(e) => return Err(io_err(&p, "check before committing")(e)),
            }
        }
        changed.insert(nearest);
        let target = dir.join(relp);
        match fs::symlink_metadata(&target) {
            Ok(m) if m.is_dir() => {
                if let Some(foreign) = first_foreign_under(dir, relp, &deleting) {
                    return Err(in_the_way(
                        &dir.join(foreign),
                        &format!(
                            "is in a directory where the new output needs the file `{rel}`, \
                             and apigend did not write it: move it away"
                        ),
                    ));
                }
            }
            Ok(_) if !old.files.contains_key(rel) && !options.adopt => {
                return Err(in_the_way(
                    &target,
                    &format!(
                        "apigend did not write this file (it is not in {}), so it does not \
                         replace it: move it away, or take the folder over on purpose with \
                         `apigend generate --adopt` (or `adopt = true` in the config)",
                        dir.join(STATE_DIR).join(MANIFEST).display()
                    ),
                ));
            }
            _ => {}
        }
    }
    for rel in delete {
        let relp = Path::new(rel);
        no_symlink_on_the_way(dir, relp)?;
        changed.insert(dir.join(relp.parent().unwrap_or(Path::new(""))));
    }
    for d in &changed {
        if d.exists() {
            writable(d).map_err(io_err(d, "not writable, so the new files cannot be put in it"))?;
        }
    }
    Ok(())
}

/// The first file under directory `rel` of `dir` (relative to `dir`) that is
/// not one of `deleting`, or `None` when deleting those empties it.
fn first_foreign_under(dir: &Path, rel: &Path, deleting: &BTreeSet<&str>) -> Option<PathBuf> {
    let mut stack = vec![rel.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(dir.join(&d)) else { return Some(d) };
        for e in rd.flatten() {
            let r = d.join(e.file_name());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(r);
            } else if !deleting.contains(r.to_string_lossy().as_ref()) {
                return Some(r);
            }
        }
    }
    None
}

/// Whether this process may change entries of directory `path`.
fn writable(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
        // SAFETY: `c` is a NUL-terminated path that outlives the call;
        // faccessat(2) only reads it.
        let r =
            unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), libc::W_OK, libc::AT_EACCESS) };
        if r == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Writes the journal: the commit point. It is written in place, not by
/// temp file and rename: a journal cut short by a crash is not valid JSON
/// (the closing brace comes last), and [`recover`] discards it with the
/// staging directory as if it had never been written. That saves the temp
/// file's flush, which the rename would have had to wait for. When this
/// returns `Ok` the journal and its directory entry are on disk, so from here
/// on a crash rolls forward.
fn publish(dir: &Path, journal: &Journal) -> Result<(), OutputError> {
    let state = dir.join(STATE_DIR);
    let path = state.join(JOURNAL);
    let jbytes = serde_json::to_vec(journal).unwrap_or_default();
    let written = fs::write(&path, &jbytes).map_err(io_err(&path, "write journal"));
    let result = written.and_then(|()| flush(&BTreeSet::from([path.clone(), state]), dir));
    if result.is_err() {
        // A commit that reports failure should not be rolled forward later:
        // take back a journal that may be complete but not on disk.
        let _ = fs::remove_file(&path);
    }
    result
}

fn write_unsynced(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    fs::write(path, bytes).map_err(io_err(path, "write file"))
}

/// Flushes everything the journal will refer to: the staged files, the
/// staged manifest and the directories that gained entries for them.
fn sync_staged(dir: &Path, journal: &Journal) -> Result<(), OutputError> {
    let state = dir.join(STATE_DIR);
    let staging = state.join(STAGING);
    // The staging directory is new in every commit (recovery removes it), so
    // its entry in the state directory is one of the changes to flush.
    let mut paths = BTreeSet::from([state.clone()]);
    if !state.join(MANIFEST).exists() {
        // A first commit: the state directory itself may be new too.
        paths.insert(dir.to_path_buf());
    }
    for p in journal.write.iter().map(String::as_str).chain([MANIFEST]) {
        let path = staging.join(p);
        paths.extend(
            path.ancestors().skip(1).take_while(|a| a.starts_with(&staging)).map(Path::to_path_buf),
        );
        paths.insert(path);
    }
    flush(&paths, dir)
}

/// Makes `paths` (files, and directories for their entries: new, renamed
/// and removed names) durable, `dir` being on the same file system.
///
/// A few paths (a usual save changes one or two files per language: four to
/// nine paths to flush per commit) are each `fsync`ed. Many (a first run
/// stages dozens of files) are flushed with one `syncfs(2)` where available,
/// which beats dozens of journal commits (GitHub's client: 380 ms of
/// one-by-one fsyncs against 30 ms of rendering). `syncfs` is not used for
/// everything because it writes back every dirty page of the whole file
/// system, other processes' included: with builds running beside the daemon
/// (40–600 MB dirty) it took 25–300 ms here, where the `fsync` of one small
/// file mostly took under 5 ms.
fn flush(paths: &BTreeSet<PathBuf>, dir: &Path) -> Result<(), OutputError> {
    if paths.len() > SYNC_EACH_MAX && syncfs(dir) {
        return Ok(());
    }
    sync_each(paths)
}

/// `syncfs(2)` of the file system holding `path`; false where unavailable or
/// when it fails, so the caller syncs file by file instead.
fn syncfs(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let Ok(d) = fs::File::open(path) else { return false };
        // SAFETY: syncfs(2) takes an open file descriptor, which `d` owns
        // for the duration of the call.
        unsafe { libc::syncfs(d.as_raw_fd()) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        false
    }
}

/// `fsync`s each path, one after another. Issuing them together from a
/// thread each was tried: the file system folds concurrent fsyncs into one
/// journal commit, but on a machine busy with other builds a new thread
/// waits for a CPU longer than the fsyncs take (commit medians of 20 ms
/// against 9 ms here). One after another, the first fsync commits the file
/// system journal and the rest mostly find their changes already in it.
fn sync_each(paths: &BTreeSet<PathBuf>) -> Result<(), OutputError> {
    paths.iter().try_for_each(|p| sync_path(p))
}

/// `fsync` of one file or directory. A directory that cannot be opened
/// (Windows, or no read permission) cannot be synced, and `EINVAL` means the
/// file system cannot sync that kind of object: nothing more can be done in
/// either case, as [`write_atomic`] already assumes.
fn sync_path(path: &Path) -> Result<(), OutputError> {
    let f = match fs::File::open(path) {
        Ok(f) => f,
        Err(_) if path.is_dir() => return Ok(()),
        Err(e) => return Err(io_err(path, "open to sync")(e)),
    };
    match f.sync_all() {
        Err(e) if e.kind() != io::ErrorKind::InvalidInput => Err(io_err(path, "sync")(e)),
        _ => Ok(()),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut f = fs::File::create(path).map_err(io_err(path, "create file"))?;
    f.write_all(bytes).map_err(io_err(path, "write file"))?;
    f.sync_all().map_err(io_err(path, "sync file"))?;
    Ok(())
}

/// Replaces `path` with `bytes` atomically: a synced temp file in the same
/// directory, renamed over the target, then the directory synced.
///
/// # Errors
/// I/O failures naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err(parent, "create directory"))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    write_synced(&tmp, bytes)?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_err(path, "rename into place")(e)
    })?;
    if let Ok(d) = fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<GeneratedFile> {
        list.iter().map(|(p, c)| GeneratedFile::new(*p, *c)).collect()
    }

    #[test]
    fn second_commit_touches_nothing_and_stale_files_go() {
        let d = tempfile::tempdir().unwrap();
        let s1 = commit(d.path(), &files(&[("a.ts", "a"), ("x/b.ts", "b")]), "f1").unwrap();
        assert_eq!(s1.written.len(), 2);
        let s2 = commit(d.path(), &files(&[("a.ts", "a"), ("x/b.ts", "b")]), "f1").unwrap();
        assert!(s2.written.is_empty() && s2.deleted.is_empty());
        fs::write(d.path().join("user.ts"), "mine").unwrap();
        let s3 = commit(d.path(), &files(&[("a.ts", "a2")]), "f2").unwrap();
        assert_eq!(s3.written, ["a.ts"]);
        assert_eq!(s3.deleted, ["x/b.ts"]);
        assert!(!d.path().join("x").exists(), "emptied directory is removed");
        assert!(d.path().join("user.ts").exists(), "files we did not write are kept");
        assert!(is_up_to_date(d.path(), "f2"));
        fs::write(d.path().join("a.ts"), "edited").unwrap();
        assert!(!is_up_to_date(d.path(), "f2"), "hand edits make the group stale");
    }

    #[test]
    fn paths_that_escape_are_refused() {
        for p in ["../x", "/etc/passwd", "a/../../b", ".apigend/manifest.json", "", "a\\b"] {
            assert!(check_relative(p).is_err(), "{p}");
        }
        let d = tempfile::tempdir().unwrap();
        let e = commit(d.path(), &files(&[("../evil", "x")]), "f").unwrap_err();
        assert!(e.to_string().contains("leave the output directory"), "{e}");
    }

    #[test]
    fn recovery_finishes_a_journaled_commit_and_discards_an_unjournaled_one() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(&[("a.ts", "old")]), "f1").unwrap();
        // Simulate a kill after the commit point, before apply.
        let staging = d.path().join(STATE_DIR).join("staging");
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("a.ts"), "new\n").unwrap();
        let j = Journal { write: vec!["a.ts".into()], delete: vec![] };
        fs::write(d.path().join(STATE_DIR).join("journal.json"), serde_json::to_vec(&j).unwrap())
            .unwrap();
        recover(d.path()).unwrap();
        assert_eq!(fs::read_to_string(d.path().join("a.ts")).unwrap(), "new\n");
        // A kill before the commit point: staging only.
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("a.ts"), "newer\n").unwrap();
        recover(d.path()).unwrap();
        assert_eq!(fs::read_to_string(d.path().join("a.ts")).unwrap(), "new\n");
        assert!(!staging.exists());
    }

    /// Every file under `dir` (state directory left out) with its contents.
    fn tree(dir: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if e.file_name() == STATE_DIR {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                    out.insert(rel, fs::read_to_string(&p).unwrap());
                }
            }
        }
        out
    }

    fn staged_paths(dir: &Path) -> Vec<String> {
        let staging = dir.join(STATE_DIR).join(STAGING);
        let mut out = Vec::new();
        let mut stack = vec![staging.clone()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    out.push(e.path().strip_prefix(&staging).unwrap().display().to_string());
                }
            }
        }
        out.sort();
        out
    }

    const OLD: &[(&str, &str)] = &[("a.ts", "a"), ("x/b.ts", "b"), ("x/y/c.ts", "c")];
    const NEW: &[(&str, &str)] = &[("a.ts", "a"), ("x/b.ts", "b"), ("x/y/c.ts", "c2")];

    /// One changed file of three: only it (and the manifest) is staged and
    /// journaled, so only it is written and flushed.
    #[test]
    fn only_changed_files_are_staged() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(OLD), "f1").unwrap();
        let (stats, change, _) =
            stage(d.path(), &files(NEW), "f2", CommitOptions::default()).unwrap();
        assert_eq!(stats.written, ["x/y/c.ts"]);
        assert_eq!(stats.unchanged, 2);
        assert_eq!(staged_paths(d.path()), ["manifest.json", "x/y/c.ts"]);
        let Change::Files(journal) = change else { panic!("{change:?}") };
        assert_eq!(journal.write, ["x/y/c.ts"]);
        assert!(journal.delete.is_empty());
    }

    /// Killed after staging and flushing, before the journal: the group is
    /// still entirely the old version, and the next commit (or recovery)
    /// discards the staging directory.
    #[test]
    fn a_crash_between_staging_and_the_journal_keeps_the_old_version() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(OLD), "f1").unwrap();
        let (_, change, _) = stage(d.path(), &files(NEW), "f2", CommitOptions::default()).unwrap();
        let Change::Files(journal) = change else { panic!("{change:?}") };
        sync_staged(d.path(), &journal).unwrap();
        // The process dies here.
        assert_eq!(tree(d.path()), tree_of(OLD));
        assert!(!is_up_to_date(d.path(), "f2"));
        recover(d.path()).unwrap();
        assert!(is_up_to_date(d.path(), "f1"), "recovery keeps the old version");
        assert!(!d.path().join(STATE_DIR).join(STAGING).exists());
        let s = commit(d.path(), &files(NEW), "f2").unwrap();
        assert_eq!(s.written, ["x/y/c.ts"]);
        assert_eq!(tree(d.path()), tree_of(NEW));
        assert!(is_up_to_date(d.path(), "f2"));
    }

    /// Killed while writing the journal: a torn journal does not parse, and
    /// recovery drops it with the staging directory, keeping the old version.
    #[test]
    fn a_torn_journal_counts_as_no_commit() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(OLD), "f1").unwrap();
        let (_, change, _) = stage(d.path(), &files(NEW), "f2", CommitOptions::default()).unwrap();
        let Change::Files(journal) = change else { panic!("{change:?}") };
        sync_staged(d.path(), &journal).unwrap();
        let whole = serde_json::to_vec(&journal).unwrap();
        let path = d.path().join(STATE_DIR).join(JOURNAL);
        for cut in [0, 1, whole.len() / 2, whole.len() - 1] {
            fs::write(&path, &whole[..cut]).unwrap();
            assert!(!is_up_to_date(d.path(), "f1"), "a journal left means not up to date");
            recover(d.path()).unwrap();
            assert!(!path.exists());
            assert!(is_up_to_date(d.path(), "f1"), "cut at {cut}");
            assert_eq!(tree(d.path()), tree_of(OLD));
        }
    }

    /// Killed after the commit point, before or while applying: recovery
    /// rolls forward to exactly the new version.
    #[test]
    fn a_crash_after_the_journal_rolls_forward() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(OLD), "f1").unwrap();
        let newer: &[(&str, &str)] = &[("a.ts", "a3"), ("x/y/c.ts", "c3"), ("z.ts", "z")];
        let (stats, change, _) =
            stage(d.path(), &files(newer), "f3", CommitOptions::default()).unwrap();
        assert_eq!(stats.deleted, ["x/b.ts"]);
        let Change::Files(journal) = change else { panic!("{change:?}") };
        sync_staged(d.path(), &journal).unwrap();
        publish(d.path(), &journal).unwrap();
        // Half applied: one rename done before the kill.
        fs::rename(d.path().join(STATE_DIR).join(STAGING).join("a.ts"), d.path().join("a.ts"))
            .unwrap();
        recover(d.path()).unwrap();
        assert_eq!(tree(d.path()), tree_of(newer));
        assert!(is_up_to_date(d.path(), "f3"));
        assert!(!d.path().join(STATE_DIR).join(JOURNAL).exists());
        assert!(!d.path().join(STATE_DIR).join(STAGING).exists());
        // Applying the same journal again (a power loss that undid its
        // removal) changes nothing.
        apply(d.path(), &journal).unwrap();
        assert_eq!(tree(d.path()), tree_of(newer));
        assert!(is_up_to_date(d.path(), "f3"));
    }

    /// Nothing changed: no staging directory, no journal, the manifest is
    /// not rewritten.
    #[test]
    fn a_commit_that_changes_nothing_writes_nothing() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(OLD), "f1").unwrap();
        let manifest = d.path().join(STATE_DIR).join(MANIFEST);
        let before = fs::metadata(&manifest).unwrap().modified().unwrap();
        let (stats, change, _) =
            stage(d.path(), &files(OLD), "f1", CommitOptions::default()).unwrap();
        assert!(matches!(change, Change::Nothing), "{change:?}");
        assert_eq!(stats.unchanged, 3);
        assert!(!d.path().join(STATE_DIR).join(STAGING).exists());
        commit(d.path(), &files(OLD), "f1").unwrap();
        assert_eq!(fs::metadata(&manifest).unwrap().modified().unwrap(), before);
    }

    /// Same bytes under a new fingerprint: only the manifest is replaced, no
    /// file is staged or touched.
    #[test]
    fn a_new_fingerprint_for_the_same_bytes_replaces_only_the_manifest() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(OLD), "f1").unwrap();
        let a = d.path().join("a.ts");
        let before = fs::metadata(&a).unwrap().modified().unwrap();
        let (_, change, _) = stage(d.path(), &files(OLD), "f2", CommitOptions::default()).unwrap();
        assert!(matches!(change, Change::Manifest(_)), "{change:?}");
        assert!(!d.path().join(STATE_DIR).join(STAGING).exists());
        let s = commit(d.path(), &files(OLD), "f2").unwrap();
        assert!(s.written.is_empty() && s.deleted.is_empty());
        assert!(is_up_to_date(d.path(), "f2"));
        assert_eq!(fs::metadata(&a).unwrap().modified().unwrap(), before);
    }

    /// Past the threshold the staged files are flushed with one `syncfs`:
    /// the commit is the same.
    #[test]
    fn a_commit_of_many_files_is_the_same() {
        let d = tempfile::tempdir().unwrap();
        let many: Vec<(String, String)> = (0..3 * SYNC_EACH_MAX)
            .map(|i| (format!("d{}/f{i}.ts", i % 7), format!("{i}")))
            .collect();
        let list: Vec<(&str, &str)> = many.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
        let s = commit(d.path(), &files(&list), "f1").unwrap();
        assert_eq!(s.written.len(), list.len());
        assert_eq!(tree(d.path()), tree_of(&list));
        assert!(is_up_to_date(d.path(), "f1"));
    }

    /// Issue 14: a file apigend did not write is never replaced: the commit
    /// fails naming it, before its commit point (no staging, no journal,
    /// the old output whole), unless the commit adopts on purpose. A file
    /// that already holds the new bytes is taken over quietly.
    #[test]
    fn a_file_apigend_did_not_write_is_never_replaced() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("index.ts"), "// mine\n").unwrap();
        fs::write(d.path().join("same.ts"), "same\n").unwrap();
        let new = files(&[("index.ts", "generated"), ("same.ts", "same"), ("x.ts", "x")]);
        let e = commit(d.path(), &new, "f1").unwrap_err();
        assert!(e.path.ends_with("index.ts"), "{e}");
        assert!(e.to_string().contains("apigend did not write this file"), "{e}");
        assert!(e.to_string().contains("--adopt"), "{e}");
        assert_eq!(fs::read_to_string(d.path().join("index.ts")).unwrap(), "// mine\n");
        assert!(!d.path().join("x.ts").exists());
        assert!(!d.path().join(STATE_DIR).join(STAGING).exists());
        assert!(!d.path().join(STATE_DIR).join(JOURNAL).exists());
        // A later version generating a path the user created since.
        let d2 = tempfile::tempdir().unwrap();
        commit(d2.path(), &files(&[("a.ts", "a")]), "f1").unwrap();
        fs::write(d2.path().join("b.ts"), "mine").unwrap();
        let e = commit(d2.path(), &files(&[("a.ts", "a2"), ("b.ts", "b")]), "f2").unwrap_err();
        assert!(e.path.ends_with("b.ts"), "{e}");
        assert_eq!(fs::read_to_string(d2.path().join("a.ts")).unwrap(), "a\n", "old output whole");
        assert!(is_up_to_date(d2.path(), "f1"));
        // Adopting on purpose.
        let s = commit_with(d.path(), &new, "f1", CommitOptions { adopt: true }).unwrap();
        assert_eq!(s.written, ["index.ts", "x.ts"]);
        assert_eq!(s.unchanged, 1);
        assert!(is_up_to_date(d.path(), "f1"));
    }

    /// Issue 14: a user's file where the new version needs a directory, a
    /// user's file inside a directory where it needs a file, and a symlink
    /// inside the output directory all fail the commit before its commit
    /// point, naming the path; a file of the old version gives way to a
    /// directory of the new one.
    #[test]
    fn what_the_renames_need_is_checked_before_the_commit_point() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(&[("a.ts", "a"), ("old", "o")]), "f1").unwrap();
        fs::write(d.path().join("users"), "mine").unwrap();
        let e =
            commit(d.path(), &files(&[("a.ts", "a2"), ("users/index.ts", "u")]), "f2").unwrap_err();
        assert!(e.path.ends_with("users") && e.to_string().contains("needs a directory"), "{e}");
        assert!(is_up_to_date(d.path(), "f1"));
        fs::remove_file(d.path().join("users")).unwrap();

        fs::create_dir_all(d.path().join("b.ts")).unwrap();
        fs::write(d.path().join("b.ts/notes.txt"), "mine").unwrap();
        let e = commit(d.path(), &files(&[("a.ts", "a2"), ("b.ts", "b")]), "f2").unwrap_err();
        assert!(e.path.ends_with("b.ts/notes.txt"), "{e}");
        assert!(is_up_to_date(d.path(), "f1"));
        fs::remove_dir_all(d.path().join("b.ts")).unwrap();

        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), d.path().join("models")).unwrap();
        let e =
            commit(d.path(), &files(&[("a.ts", "a2"), ("models/m.ts", "m")]), "f2").unwrap_err();
        assert!(e.path.ends_with("models") && e.to_string().contains("symlink"), "{e}");
        assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0, "wrote through it");
        fs::remove_file(d.path().join("models")).unwrap();

        // A generated file the user replaced with a directory of their own
        // is not deleted when the new version drops it.
        commit(d.path(), &files(&[("a.ts", "a"), ("old", "o"), ("gone.ts", "g")]), "f1").unwrap();
        fs::remove_file(d.path().join("gone.ts")).unwrap();
        fs::create_dir_all(d.path().join("gone.ts")).unwrap();
        fs::write(d.path().join("gone.ts/mine.txt"), "mine").unwrap();
        commit(d.path(), &files(&[("a.ts", "a"), ("old", "o")]), "f1b").unwrap();
        assert!(d.path().join("gone.ts/mine.txt").is_file());
        assert!(is_up_to_date(d.path(), "f1b"));
        fs::remove_dir_all(d.path().join("gone.ts")).unwrap();

        // `old` was apigend's: it becomes a directory.
        commit(d.path(), &files(&[("a.ts", "a2"), ("old/x.ts", "x")]), "f3").unwrap();
        assert!(is_up_to_date(d.path(), "f3"));
        // And back.
        commit(d.path(), &files(&[("a.ts", "a2"), ("old", "o")]), "f4").unwrap();
        assert!(is_up_to_date(d.path(), "f4"));
        assert!(!d.path().join(STATE_DIR).join(STAGING).exists());
    }

    /// Issue 14: a journal that cannot be applied does not wedge recovery:
    /// it fails once naming the path, then the output is stale and the
    /// next commit brings it up to date.
    #[test]
    fn a_journal_that_cannot_be_applied_does_not_wedge_recovery() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(&[("a.ts", "a"), ("b.ts", "b")]), "f1").unwrap();
        let (_, change, _) = stage(
            d.path(),
            &files(&[("a.ts", "a2"), ("c/x.ts", "x")]),
            "f2",
            CommitOptions::default(),
        )
        .unwrap();
        let Change::Files(journal) = change else { panic!("{change:?}") };
        publish(d.path(), &journal).unwrap();
        // After the commit point, something appears in the way; with no
        // backups to roll back from (see the next test for those).
        fs::write(d.path().join("c"), "in the way").unwrap();
        let e = recover(d.path()).unwrap_err();
        assert!(e.to_string().contains("/c"), "{e}");
        assert!(e.to_string().contains("marked stale"), "{e}");
        recover(d.path()).unwrap();
        assert!(!is_up_to_date(d.path(), "f1") && !is_up_to_date(d.path(), "f2"));
        fs::remove_file(d.path().join("c")).unwrap();
        commit(d.path(), &files(&[("a.ts", "a2"), ("c/x.ts", "x")]), "f2").unwrap();
        assert!(is_up_to_date(d.path(), "f2"));
        assert_eq!(tree(d.path()), tree_of(&[("a.ts", "a2"), ("c/x.ts", "x")]));
    }

    /// Issue 14: a journal that fails half-way (something the checks before
    /// the commit point could not see appears in the way) is rolled back
    /// from the hard-linked backups: replaced and deleted files come back,
    /// new ones go, and the old output is whole, with nothing left behind.
    #[test]
    fn a_journal_that_fails_half_way_is_rolled_back() {
        let d = tempfile::tempdir().unwrap();
        let old: &[(&str, &str)] = &[("a.ts", "a"), ("b.ts", "b"), ("x/y.ts", "y")];
        commit(d.path(), &files(old), "f1").unwrap();
        let new: &[(&str, &str)] = &[("a.ts", "a2"), ("n.ts", "n"), ("z/c.ts", "c")];
        let (_, change, _) = stage(d.path(), &files(new), "f2", CommitOptions::default()).unwrap();
        let Change::Files(journal) = change else { panic!("{change:?}") };
        back_up(d.path(), &journal);
        sync_staged(d.path(), &journal).unwrap();
        publish(d.path(), &journal).unwrap();
        // Deletions, `a.ts` and `n.ts` go through; `z/c.ts` cannot.
        fs::write(d.path().join("z"), "in the way").unwrap();
        let e = recover(d.path()).unwrap_err();
        assert!(e.to_string().contains("rolled back: the old output is whole"), "{e}");
        fs::remove_file(d.path().join("z")).unwrap();
        assert_eq!(tree(d.path()), tree_of(old));
        assert!(is_up_to_date(d.path(), "f1"));
        for left in [JOURNAL, ROLLBACK, STAGING, BACKUP] {
            assert!(!d.path().join(STATE_DIR).join(left).exists(), "{left} left");
        }
        // Killed during a roll-back: the next recovery finishes it.
        let (_, change, _) = stage(d.path(), &files(new), "f2", CommitOptions::default()).unwrap();
        let Change::Files(journal) = change else { panic!("{change:?}") };
        back_up(d.path(), &journal);
        publish(d.path(), &journal).unwrap();
        apply(d.path(), &journal).unwrap();
        let state = d.path().join(STATE_DIR);
        fs::rename(state.join(JOURNAL), state.join(ROLLBACK)).unwrap();
        recover(d.path()).unwrap();
        assert_eq!(tree(d.path()), tree_of(old));
        assert!(is_up_to_date(d.path(), "f1"));
        commit(d.path(), &files(new), "f2").unwrap();
        assert_eq!(tree(d.path()), tree_of(new));
        assert!(!state.join(BACKUP).exists());
    }

    /// Files with the size and mtime they were committed with are not read
    /// to decide that a group is up to date; a file whose mtime or size
    /// moved is hashed (same bytes: still up to date).
    #[test]
    fn up_to_date_hashes_only_files_whose_size_or_mtime_moved() {
        let d = tempfile::tempdir().unwrap();
        commit(d.path(), &files(&[("a.ts", "aaaa"), ("b.ts", "b")]), "f1").unwrap();
        let cache_path = d.path().join(STATE_DIR).join(STAT_CACHE);
        let cache =
            || -> StatCache { serde_json::from_slice(&fs::read(&cache_path).unwrap()).unwrap() };
        assert_eq!(cache().len(), 2);
        let first = cache();
        let a = d.path().join("a.ts");
        let committed = fs::metadata(&a).unwrap().modified().unwrap();
        // Same size, same mtime: trusted without reading.
        fs::write(&a, "AAAA\n").unwrap();
        fs::File::options().write(true).open(&a).unwrap().set_modified(committed).unwrap();
        assert!(is_up_to_date(d.path(), "f1"), "the quick check was not used");
        // The mtime moved: hashed.
        let later = committed + std::time::Duration::from_secs(5);
        fs::File::options().write(true).open(&a).unwrap().set_modified(later).unwrap();
        assert!(!is_up_to_date(d.path(), "f1"));
        // The bytes back, the mtime still moved: hashed and equal.
        fs::write(&a, "aaaa\n").unwrap();
        assert!(is_up_to_date(d.path(), "f1"));
        // Committed again with the same bytes: the cache follows the file.
        commit(d.path(), &files(&[("a.ts", "aaaa"), ("b.ts", "b")]), "f2").unwrap();
        let (size, mtime, h) = cache()["a.ts"].clone();
        assert_ne!(mtime, first["a.ts"].1);
        assert_eq!((size, mtime), stat_of(&a).unwrap());
        assert_eq!(h, read_manifest(d.path()).unwrap().files["a.ts"]);
        // A cache that lies about the hash is not trusted.
        let mut lying = cache();
        lying.get_mut("a.ts").unwrap().2 = "0".repeat(64);
        fs::write(&cache_path, serde_json::to_vec(&lying).unwrap()).unwrap();
        fs::write(&a, "AAAA\n").unwrap();
        fs::File::options()
            .write(true)
            .open(&a)
            .unwrap()
            .set_modified(
                std::time::UNIX_EPOCH
                    + std::time::Duration::from_nanos(u64::try_from(mtime).unwrap()),
            )
            .unwrap();
        assert!(!is_up_to_date(d.path(), "f2"), "a stale cache entry was trusted");
    }

    fn tree_of(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        files(list).into_iter().map(|f| (f.path, f.contents)).collect()
    }
}
