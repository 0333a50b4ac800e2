//! The spec as of a git revision, for `apigend check --base REF`: read
//! `spec.path` from the revision when git tracks it there, or else build it
//! the way a run does ([`super::obtain`]: run `spec.command`, read the file)
//! in a temporary `git worktree` of that revision, removed afterwards.
//!
//! This is shell code: it runs `git` (the command-line tool, as CI checkouts
//! have it) and the spec command. It never writes to the user's work tree:
//! the worktree lives in a temporary directory and is unregistered and
//! deleted however the build ends.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{ObtainError, obtain};
use crate::config::SpecSource;

/// Why the spec at a revision could not be had.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` failed (not a repository, unknown revision, no git at all).
    #[error("git {args}: {message}")]
    Git {
        /// The arguments, for the message.
        args: String,
        /// What git said, or why it could not start.
        message: String,
    },
    /// The config has no way to build the spec at another revision.
    #[error("{0}")]
    Unsupported(String),
    /// The spec command or the file failed inside the temporary worktree.
    #[error("building the spec at {rev} in a temporary worktree: {source}")]
    Build {
        /// The revision as given.
        rev: String,
        /// What failed.
        #[source]
        source: ObtainError,
    },
}

/// The base spec obtained at a revision, and how.
#[derive(Debug, Clone)]
pub struct AtRevision {
    /// The document's bytes.
    pub bytes: Vec<u8>,
    /// The revision's full commit id.
    pub commit: String,
    /// How the spec was had, for the report: `openapi.yaml read from git`,
    /// or `built by `…` in a temporary worktree`.
    pub how: String,
    /// Where relative `$ref`s resolve: the spec file's directory at the
    /// revision (in git, or in the worktree, kept until this is dropped).
    refs: Refs,
}

#[derive(Debug, Clone)]
enum Refs {
    /// `git show <commit>:<dir>/<rel>`, in the repository at `top`.
    Git { top: PathBuf, dir: PathBuf },
    /// Files beside the spec in the temporary worktree, which lives (and
    /// is removed) with this value.
    Worktree { dir: PathBuf, _worktree: std::sync::Arc<Worktree> },
}

impl AtRevision {
    /// The bytes of a file that the spec references by the relative path
    /// `rel`, as it was at the revision.
    ///
    /// # Errors
    /// A message naming the file when it did not exist there.
    pub fn fetch(&self, rel: &str) -> Result<Vec<u8>, String> {
        match &self.refs {
            Refs::Git { top, dir } => {
                let path = crate::config::normalise(&dir.join(rel));
                show(top, &self.commit, &path).map_err(|e| e.to_string())
            }
            Refs::Worktree { dir, .. } => {
                let path = dir.join(rel);
                std::fs::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
            }
        }
    }
}

/// Runs git in `dir` and returns its stdout.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out =
        Command::new("git").arg("-C").arg(dir).args(args).stdin(Stdio::null()).output().map_err(
            |e| GitError::Git {
                args: args.join(" "),
                message: format!("could not run git: {e} (is git installed and on PATH?)"),
            },
        )?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(GitError::Git {
        args: args.join(" "),
        message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// The file `rel` (relative to the top of the repository) at `commit`.
fn show(top: &Path, commit: &str, rel: &Path) -> Result<Vec<u8>, GitError> {
    git(top, &["show", &format!("{commit}:{}", slashed(rel))])
}

/// A relative path as git spells it in `<rev>:<path>`, on every platform.
fn slashed(rel: &Path) -> String {
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The work tree of the repository that holds `dir`, and the full commit id
/// of `rev` in it.
///
/// # Errors
/// `dir` is not in a git work tree, or `rev` names no commit there.
pub fn resolve(dir: &Path, rev: &str) -> Result<(PathBuf, String), GitError> {
    let top = PathBuf::from(text(&git(dir, &["rev-parse", "--show-toplevel"])?));
    let commit = text(
        &git(&top, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")]).map_err(
            |e| match e {
                GitError::Git { args, message } if message.is_empty() => GitError::Git {
                    args,
                    message: format!(
                        "`{rev}` is not a commit of the repository at {} (in CI, fetch the \
                     history: actions/checkout with `fetch-depth: 0`, or `git fetch origin \
                     <branch>`)",
                        top.display()
                    ),
                },
                other => other,
            },
        )?,
    );
    Ok((top, commit))
}

/// `path` relative to `top`, both made absolute and free of symlinks first
/// (a temp dir under a symlinked `/tmp` must still be inside its repo).
fn relative_to(top: &Path, path: &Path) -> Option<PathBuf> {
    let top = top.canonicalize().ok()?;
    // The file itself may not exist (spec.command writes it, and the work
    // tree may be clean): resolve its directory instead.
    let dir = path.parent()?.canonicalize().ok()?;
    let rel = dir.strip_prefix(&top).ok()?.join(path.file_name()?);
    Some(rel)
}

/// The spec of `src` as of `rev`, in the repository that holds `src`'s
/// files.
///
/// `spec.path` tracked at `rev` is read from git; otherwise `spec.command`
/// runs in a temporary worktree of `rev`. A spec that only comes from
/// `spec.url` has no past to read.
///
/// # Errors
/// See [`GitError`].
pub fn obtain_at(src: &SpecSource, rev: &str) -> Result<AtRevision, GitError> {
    let Some(path) = &src.path else {
        return Err(GitError::Unsupported(format!(
            "--base {rev}: the spec comes from spec.url, which cannot be fetched as it was at \
             a git revision; compare with a file instead (--base FILE), or set spec.path and \
             spec.command so apigend can build it"
        )));
    };
    let (top, commit) = resolve(&src.cwd, rev)?;
    let Some(rel) = relative_to(&top, path) else {
        return Err(GitError::Unsupported(format!(
            "--base {rev}: spec.path {} is outside the repository at {}",
            path.display(),
            top.display()
        )));
    };
    let tracked =
        !git(&top, &["ls-tree", "--name-only", &commit, "--", &slashed(&rel)])?.is_empty();
    if tracked {
        let bytes = show(&top, &commit, &rel)?;
        let dir = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok(AtRevision {
            bytes,
            commit,
            how: format!("{} as committed at {rev}", slashed(&rel)),
            refs: Refs::Git { top, dir },
        });
    }
    let Some(command) = &src.command else {
        return Err(GitError::Unsupported(format!(
            "--base {rev}: spec.path {} is not tracked by git at {rev} and there is no \
             spec.command to build it; commit the spec, set spec.command, or compare with a \
             file (--base FILE)",
            slashed(&rel)
        )));
    };
    // The command runs where it runs in the work tree: spec.cwd, moved into
    // the worktree. Run anywhere else, it would write the user's own files.
    let rel_cwd = top
        .canonicalize()
        .ok()
        .zip(src.cwd.canonicalize().ok())
        .and_then(|(top, cwd)| cwd.strip_prefix(&top).ok().map(Path::to_path_buf))
        .ok_or_else(|| {
            GitError::Unsupported(format!(
                "--base {rev}: spec.cwd {} is outside the repository at {}, so spec.command \
                 cannot run in a worktree of it; compare with a file instead (--base FILE)",
                src.cwd.display(),
                top.display()
            ))
        })?;
    let worktree = Worktree::add(&top, &commit)?;
    let cwd = worktree.dir.join(rel_cwd);
    // A program named by a relative path (`.venv/bin/python`) is usually an
    // untracked virtualenv that the worktree does not have: use the work
    // tree's own, so the base is built with the same interpreter.
    let mut command = command.clone();
    if let Some(program) = command.first_mut()
        && program.contains('/')
        && !Path::new(program.as_str()).is_absolute()
        && !cwd.join(program.as_str()).exists()
        && src.cwd.join(program.as_str()).exists()
    {
        *program = src.cwd.join(program.as_str()).to_string_lossy().into_owned();
    }
    let inside = SpecSource {
        path: Some(worktree.dir.join(&rel)),
        command: Some(command.clone()),
        cwd,
        timeout: src.timeout,
        url: None,
        // A one-off build at the base revision: a worker would be started
        // for one run and thrown away.
        warm: false,
    };
    let build = |source| GitError::Build { rev: rev.to_string(), source };
    let got = obtain(&inside, None).map_err(build)?;
    let dir = worktree.dir.join(rel.parent().unwrap_or(Path::new("")));
    Ok(AtRevision {
        bytes: got.bytes,
        commit,
        how: format!("built at {rev} by `{}` in a temporary git worktree", command.join(" ")),
        refs: Refs::Worktree { dir, _worktree: std::sync::Arc::new(worktree) },
    })
}

/// A detached worktree of a commit in a temporary directory; unregistered
/// and deleted on drop.
#[derive(Debug)]
struct Worktree {
    top: PathBuf,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Worktree {
    fn add(top: &Path, commit: &str) -> Result<Worktree, GitError> {
        let tmp = tempfile::Builder::new().prefix("apigend-base-").tempdir().map_err(|e| {
            GitError::Git {
                args: "worktree add".into(),
                message: format!("cannot create a temporary directory: {e}"),
            }
        })?;
        let dir = tmp.path().join("worktree");
        let dir_arg = dir.to_string_lossy().into_owned();
        git(top, &["worktree", "add", "--detach", "--quiet", &dir_arg, commit])?;
        Ok(Worktree { top: top.to_path_buf(), dir, _tmp: tmp })
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        if let Err(e) = git(&self.top, &["worktree", "remove", "--force", &dir]) {
            tracing::warn!("could not remove the temporary worktree {dir}: {e}");
        }
        // The directory goes with `_tmp`; prune forgets it even if `remove`
        // failed half-way.
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = git(&self.top, &["worktree", "prune"]);
    }
}
