//! Which paths matter: a fast synchronous predicate over paths, with no I/O
//! beyond what the caller asks for.
//!
//! [`Filter::accepts`] says whether a changed file should trigger a run: the
//! spec file always does; any other file must sit under a watched root, not
//! be editor debris or inside a VCS, virtualenv, cache, output or archive
//! directory, match `watch.include`, not match `watch.exclude`, and not be
//! ignored by a `.gitignore`. [`Filter::wants_dir`] says whether a directory
//! gets a watch at all, so ignored trees (node_modules, the output) cost no
//! inotify watch and can never feed back into the daemon (research §2.5,
//! §2.6).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::Match;
use ignore::gitignore::Gitignore;

/// Directory names never watched, wherever they are: VCS metadata,
/// virtualenvs, tool caches, editor settings and our own state. Generated
/// clients are often committed, so `.gitignore` cannot be trusted to hide
/// the output; that is handled by [`Filter`]'s ignored directories.
pub const IGNORED_DIR_NAMES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    "_darcs",
    ".pijul",
    ".fossil-settings",
    ".jj",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".direnv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".idea",
    ".vscode",
    ".apigend",
];

/// True for names editors and tools use for temporary, backup, swap and lock
/// files (research §2.1): saving through them must not look like a second
/// change, and reading them can fail (emacs locks are dangling symlinks).
#[must_use]
pub fn is_editor_debris(name: &str) -> bool {
    // vim probes whether it may write a directory with `4913`, then 5036,
    // 5159, … (+123): all-digit names.
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    // emacs: lock `.#name`, autosave `#name#`; many editors: backup `name~`.
    if name.starts_with(".#") || (name.len() > 1 && name.starts_with('#') && name.ends_with('#')) {
        return true;
    }
    if name.ends_with('~') {
        return true;
    }
    // vim swap files: `.name.swp`, `.swo`, … `.swa`, and `.swpx`.
    if name.starts_with('.')
        && let Some((_, ext)) = name.rsplit_once('.')
    {
        let b = ext.as_bytes();
        let swap = |x: &[u8]| x.len() == 3 && x.starts_with(b"sw") && x[2].is_ascii_lowercase();
        if swap(b) || (b.len() == 4 && b[3] == b'x' && swap(&b[..3])) {
            return true;
        }
    }
    const SUFFIXES: &[&str] = &[
        "___jb_tmp___", // JetBrains safe write: the new contents
        "___jb_old___", // JetBrains safe write: the previous file
        "___jb_bak___",
        ".vsctmp",   // VS Code atomic save
        ".kate-swp", // Kate
        ".crswap",   // Chromium's File System Access API
        ".tmp",      // write-then-rename by many tools, our own included
        ".swp",
        ".pyc",
        ".pyo",
    ];
    SUFFIXES.iter().any(|s| name.ends_with(s)) || name == ".DS_Store"
}

/// A `.gitignore` and the directory it governs.
#[derive(Debug, Clone)]
struct IgnoreFile {
    dir: PathBuf,
    matcher: Gitignore,
}

/// The path predicate. Cheap to query; rebuilt when the config or a
/// `.gitignore` changes.
#[derive(Debug, Clone)]
pub struct Filter {
    spec_file: Option<PathBuf>,
    roots: Vec<PathBuf>,
    ignored_dirs: Vec<PathBuf>,
    base: PathBuf,
    include: GlobSet,
    exclude: GlobSet,
    /// Deepest directory first, so a nested file overrides its parents.
    gitignores: Vec<IgnoreFile>,
}

/// Compiles path globs with `*` stopping at `/` (shell and gitignore
/// meaning), so `**/*.py` is every Python file and `*.py` only top-level
/// ones.
///
/// # Errors
/// A bad pattern, named.
pub fn glob_set(key: &str, globs: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("`{key}`: bad pattern `{g}`: {e}"))?;
        b.add(glob);
    }
    b.build().map_err(|e| format!("`{key}`: {e}"))
}

impl Filter {
    /// A filter over `roots` (recursively watched trees), with `base` as the
    /// directory globs are relative to (the config file's).
    #[must_use]
    pub fn new(
        spec_file: Option<PathBuf>,
        roots: Vec<PathBuf>,
        ignored_dirs: Vec<PathBuf>,
        base: PathBuf,
        include: GlobSet,
        exclude: GlobSet,
    ) -> Filter {
        Filter { spec_file, roots, ignored_dirs, base, include, exclude, gitignores: Vec::new() }
    }

    /// Adds the `.gitignore` in `dir` (if any). Returns its parse problem,
    /// if it has one, for the log; the readable lines still apply.
    pub fn add_gitignore(&mut self, dir: &Path) -> Option<String> {
        let file = dir.join(".gitignore");
        if !file.is_file() || self.gitignores.iter().any(|g| g.dir == dir) {
            return None;
        }
        let (matcher, err) = Gitignore::new(&file);
        self.gitignores.push(IgnoreFile { dir: dir.to_path_buf(), matcher });
        // Deepest first: a nested `.gitignore` (including its `!negations`)
        // takes precedence over its ancestors, as in git.
        self.gitignores.sort_by_key(|g| std::cmp::Reverse(g.dir.components().count()));
        err.map(|e| format!("{}: {e}", file.display()))
    }

    /// The recursively watched roots.
    #[must_use]
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// True when `path` is the spec file.
    #[must_use]
    pub fn is_spec(&self, path: &Path) -> bool {
        self.spec_file.as_deref() == Some(path)
    }

    /// True when `path` is a `.gitignore` under a root: its change re-plans
    /// the watches rather than triggering a run.
    #[must_use]
    pub fn is_gitignore(&self, path: &Path) -> bool {
        path.file_name() == Some(OsStr::new(".gitignore")) && self.root_of(path).is_some()
    }

    fn root_of(&self, path: &Path) -> Option<&Path> {
        self.roots.iter().map(PathBuf::as_path).find(|r| path.starts_with(r))
    }

    /// Shared by files and directories: under a root, no ignored directory
    /// on the way, not in the output or archive, not gitignored.
    fn allowed(&self, path: &Path, is_dir: bool) -> bool {
        let Some(root) = self.root_of(path) else { return false };
        let Ok(inside) = path.strip_prefix(root) else { return false };
        let mut comps = inside.components().peekable();
        while let Some(c) = comps.next() {
            let name = c.as_os_str().to_string_lossy();
            // Every component but a file's own name is a directory.
            let dir_component = comps.peek().is_some() || is_dir;
            if dir_component && IGNORED_DIR_NAMES.contains(&name.as_ref()) {
                return false;
            }
        }
        if self.ignored_dirs.iter().any(|d| path.starts_with(d)) {
            return false;
        }
        !self.gitignored(path, is_dir)
    }

    fn gitignored(&self, path: &Path, is_dir: bool) -> bool {
        for g in &self.gitignores {
            let Ok(rel) = path.strip_prefix(&g.dir) else { continue };
            if rel.as_os_str().is_empty() {
                continue;
            }
            match g.matcher.matched_path_or_any_parents(rel, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }

    /// Does a change of this file (created, written, removed, renamed) ask
    /// for a run?
    #[must_use]
    pub fn accepts(&self, path: &Path) -> bool {
        if self.is_spec(path) {
            return true;
        }
        let Some(name) = path.file_name().map(OsStr::to_string_lossy) else { return false };
        if is_editor_debris(&name) || !self.allowed(path, false) {
            return false;
        }
        let rel = path
            .strip_prefix(&self.base)
            .ok()
            .or_else(|| self.root_of(path).and_then(|r| path.strip_prefix(r).ok()))
            .unwrap_or(path);
        self.include.is_match(rel) && !self.exclude.is_match(rel)
    }

    /// Should this directory be watched (and walked)? Also false for a
    /// virtualenv under any name (it has a `pyvenv.cfg`).
    #[must_use]
    pub fn wants_dir(&self, dir: &Path) -> bool {
        self.allowed(dir, true) && !dir.join("pyvenv.cfg").exists()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(root: &Path, include: &[&str], exclude: &[&str]) -> Filter {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        Filter::new(
            Some(root.join("schema/openapi.yaml")),
            vec![root.join("backend")],
            vec![root.join("openapi"), root.join("backend/generated")],
            root.to_path_buf(),
            glob_set("include", &s(include)).unwrap(),
            glob_set("exclude", &s(exclude)).unwrap(),
        )
    }

    #[test]
    fn editor_debris_is_recognised() {
        for name in [
            "4913",
            "5036",
            ".models.py.swp",
            ".models.py.swx",
            ".models.py.swpx",
            "models.py~",
            ".#models.py",
            "#models.py#",
            "models.py___jb_tmp___",
            "models.py___jb_old___",
            "models.py___jb_bak___",
            "models.py.vsctmp",
            ".DS_Store",
            "models.cpython-311.pyc",
            ".openapi.yaml.123.tmp",
        ] {
            assert!(is_editor_debris(name), "{name}");
        }
        for name in ["models.py", "openapi.yaml", "v2.py", ".env", "#", "swp.py", "a.b.sw"] {
            assert!(!is_editor_debris(name), "{name}");
        }
    }

    #[test]
    fn include_exclude_and_built_in_ignores() {
        let r = Path::new("/p");
        let f = filter(r, &["**/*.py"], &["**/migrations/**"]);
        assert!(f.accepts(&r.join("schema/openapi.yaml")), "the spec always triggers");
        assert!(!f.accepts(&r.join("schema/other.yaml")), "the spec's neighbours do not");
        assert!(f.accepts(&r.join("backend/shop/models.py")));
        assert!(f.accepts(&r.join("backend/manage.py")));
        assert!(!f.accepts(&r.join("backend/shop/README.md")), "not included");
        assert!(!f.accepts(&r.join("backend/shop/migrations/0001_initial.py")), "excluded");
        assert!(!f.accepts(&r.join("backend/.venv/lib/site.py")));
        assert!(!f.accepts(&r.join("backend/node_modules/x/a.py")));
        assert!(!f.accepts(&r.join("backend/shop/__pycache__/models.py")));
        assert!(!f.accepts(&r.join("backend/.git/hooks/x.py")));
        assert!(!f.accepts(&r.join("backend/generated/client.py")), "an output dir");
        assert!(!f.accepts(&r.join("backend/shop/.models.py.swp")));
        assert!(!f.accepts(&r.join("elsewhere/models.py")), "outside the roots");
        assert!(f.wants_dir(&r.join("backend/shop")));
        assert!(!f.wants_dir(&r.join("backend/node_modules")));
        assert!(!f.wants_dir(&r.join("backend/generated/sub")));
        assert!(!f.wants_dir(&r.join("openapi")));
    }

    #[test]
    fn gitignore_nested_anchored_and_negated() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        let w = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        // Top level: a plain name, an anchored pattern and a directory.
        w("backend/.gitignore", "local_settings.py\n/scratch.py\nbuild/\n");
        // Nested: everything in `vendor/` except `keep.py` (watchexec#578:
        // a `*` in a subdirectory must not swallow the parent's rules).
        w("backend/vendor/.gitignore", "*\n!keep.py\n");
        let mut f = filter(&root, &["**/*.py"], &[]);
        assert!(f.add_gitignore(&root.join("backend")).is_none());
        assert!(f.add_gitignore(&root.join("backend/vendor")).is_none());
        let b = root.join("backend");
        assert!(!f.accepts(&b.join("local_settings.py")));
        assert!(!f.accepts(&b.join("shop/local_settings.py")), "unanchored matches deeper");
        assert!(!f.accepts(&b.join("scratch.py")), "anchored at its directory");
        assert!(f.accepts(&b.join("shop/scratch.py")), "anchored does not match deeper");
        assert!(!f.accepts(&b.join("build/x.py")));
        assert!(!f.wants_dir(&b.join("build")));
        assert!(!f.accepts(&b.join("vendor/lib.py")));
        assert!(f.accepts(&b.join("vendor/keep.py")), "negation in the nested file");
        assert!(f.accepts(&b.join("shop/models.py")), "the nested `*` stays local");
    }
}
