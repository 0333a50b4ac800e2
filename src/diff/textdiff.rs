//! Line diffs of generated files between two archive versions, with
//! `similar` (unified format, three lines of context), labelled with the
//! version ids the caller passes, never temp paths.
//!
//! Pure: the caller reads the files; this only compares strings.

use std::collections::BTreeMap;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// Lines of context around each hunk.
const CONTEXT: usize = 3;

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Only the new version has it.
    Added,
    /// Only the old version had it.
    Removed,
    /// Both have it, with different contents.
    Modified,
}

impl FileStatus {
    /// `added`, `removed`, `modified`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Removed => "removed",
            FileStatus::Modified => "modified",
        }
    }
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path relative to the output root (`billing/typescript/models.ts`).
    pub path: String,
    /// Added, removed or modified.
    pub status: FileStatus,
    /// Lines added.
    pub added: usize,
    /// Lines removed.
    pub removed: usize,
    /// The unified diff, headers labelled `<old_label>/<path>` and
    /// `<new_label>/<path>`.
    pub diff: String,
}

/// The files whose contents differ between `old` and `new` (path →
/// contents), in path order. Unchanged files are left out.
#[must_use]
pub fn file_changes(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    old_label: &str,
    new_label: &str,
) -> Vec<FileChange> {
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut out = Vec::new();
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        if a == b {
            continue;
        }
        let status = match (a, b) {
            (None, _) => FileStatus::Added,
            (_, None) => FileStatus::Removed,
            _ => FileStatus::Modified,
        };
        let (a, b) = (a.map_or("", String::as_str), b.map_or("", String::as_str));
        let diff = TextDiff::from_lines(a, b);
        let (mut added, mut removed) = (0, 0);
        for c in diff.iter_all_changes() {
            match c.tag() {
                ChangeTag::Insert => added += 1,
                ChangeTag::Delete => removed += 1,
                ChangeTag::Equal => {}
            }
        }
        let text = diff
            .unified_diff()
            .context_radius(CONTEXT)
            .header(&format!("{old_label}/{path}"), &format!("{new_label}/{path}"))
            .to_string();
        out.push(FileChange { path: path.clone(), status, added, removed, diff: text });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        files.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
    }

    #[test]
    fn counts_and_labels() {
        let old = map(&[("a.ts", "x\ny\nz\n"), ("same.ts", "s\n"), ("gone.py", "g\n")]);
        let new = map(&[("a.ts", "x\nY\nz\nw\n"), ("same.ts", "s\n"), ("new.py", "n\n")]);
        let c = file_changes(&old, &new, "v1", "v2");
        let paths: Vec<_> =
            c.iter().map(|f| (f.path.as_str(), f.status, f.added, f.removed)).collect();
        assert_eq!(
            paths,
            vec![
                ("a.ts", FileStatus::Modified, 2, 1),
                ("gone.py", FileStatus::Removed, 0, 1),
                ("new.py", FileStatus::Added, 1, 0),
            ]
        );
        assert!(c[0].diff.starts_with("--- v1/a.ts\n+++ v2/a.ts\n@@"), "{}", c[0].diff);
    }
}
