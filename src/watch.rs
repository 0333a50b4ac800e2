//! Watching the backend for changes that can alter the spec: the
//! [`SpecEvent`] type, the watch [`Plan`] derived from the config, and the
//! public API the daemon uses.
//!
//! The layer is split in three (STYLE rule 10): [`source`] is the only
//! `notify` user and turns kernel events into [`SpecEvent`]s; [`filter`]
//! decides which paths matter; [`debounce`] is a pure state machine that
//! turns a stream of triggers into batches. This module owns no clock and
//! runs nothing; `daemon` does.
//!
//! notify alone, without notify-debouncer-full: that crate's value is
//! stitching renames into one event and deduplicating per path. We never
//! trust event kinds (research §2.9: "stat and hash"): a path that changed
//! in any way is a trigger, the debouncer deduplicates paths, and the
//! daemon's content gate drops triggers whose bytes did not change. A second
//! debouncing stage would only add its own timeout to every save's latency
//! and one more thread.

pub mod debounce;
pub mod filter;
pub mod source;

use std::path::{Path, PathBuf};

use crate::config::{Config, normalise};
use filter::{Filter, glob_set};

pub use debounce::{Batch, Debouncer, Trigger};
pub use source::Source;

/// What the source reports. Paths are absolute and filtered already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecEvent {
    /// The spec file or a file matching `watch.include` was created,
    /// written, removed or renamed.
    Changed(PathBuf),
    /// A wanted directory appeared (created, or renamed in): it needs
    /// watches, and its files may have changed the spec.
    DirAppeared(PathBuf),
    /// A watched directory disappeared.
    DirGone(PathBuf),
    /// Something changed on the way to a planned directory (the spec's
    /// directory or a `watch.paths` entry) that disappeared: seen in its
    /// nearest existing ancestor, which is watched in its stead. The daemon
    /// calls [`Source::restore`], which watches the directory again once it
    /// is back.
    Awaited(PathBuf),
    /// A `.gitignore` under a root changed: the watches are re-planned.
    IgnoreChanged(PathBuf),
    /// Events may have been lost (overflow, a watcher error, a full
    /// channel): regenerate everything.
    Rescan(String),
}

/// How changes are noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// inotify, FSEvents, kqueue or ReadDirectoryChanges.
    Native,
    /// Our own scan of every watched directory each second (network file
    /// systems, bind mounts, or `watch.poll = true`).
    Poll,
}

impl Backend {
    /// For logs and the status file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Native => "native",
            Backend::Poll => "poll",
        }
    }
}

/// What to tell a user whose inotify watch limit is exhausted.
pub const LIMIT_HELP: &str = "the inotify watch limit is reached (it is per user, shared with \
     your editor and dev server); raise it with `sudo sysctl fs.inotify.max_user_watches=524288` \
     (persist it in /etc/sysctl.d/), exclude big directories with `watch.exclude` or \
     `.gitignore`, or set `watch.poll = true`";

/// A watcher that cannot do its job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// A configured directory is missing or unusable.
    #[error("{path}: cannot watch `{key}`: {message}")]
    Path {
        /// The config key.
        key: &'static str,
        /// The directory.
        path: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The inotify watch limit.
    #[error("{path}: {LIMIT_HELP}")]
    Limit {
        /// Where it was hit.
        path: String,
    },
    /// Any other watcher failure.
    #[error("{path}: file watcher failed: {message}")]
    Other {
        /// Where, if known.
        path: String,
        /// notify's message.
        message: String,
    },
}

impl WatchError {
    /// Wraps a notify error, naming the path.
    #[must_use]
    pub fn from_notify(e: &notify::Error, path: Option<&Path>) -> WatchError {
        let path = path
            .or_else(|| e.paths.first().map(PathBuf::as_path))
            .map_or_else(|| "<watcher>".to_string(), |p| p.display().to_string());
        match &e.kind {
            notify::ErrorKind::MaxFilesWatch => WatchError::Limit { path },
            // ENOSPC from inotify_init means the instance limit.
            notify::ErrorKind::Io(io) if io.raw_os_error() == Some(28) => {
                WatchError::Limit { path }
            }
            _ => WatchError::Other { path, message: e.to_string() },
        }
    }
}

/// What to watch, derived from a config. Rebuilt on SIGHUP.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The directory of `spec.path`, watched non-recursively so the spec
    /// file is seen however it is saved.
    pub spec_dir: Option<PathBuf>,
    /// The path predicate (roots, ignores, globs).
    pub filter: Filter,
    /// `watch.poll`: `None` = decide per file system.
    pub poll: Option<bool>,
}

impl Plan {
    /// Resolves the config's watch settings.
    ///
    /// # Errors
    /// A missing spec directory or `watch.paths` entry, or a bad glob.
    pub fn from_config(cfg: &Config) -> Result<Plan, WatchError> {
        let existing_dir = |key: &'static str, p: &Path| -> Result<PathBuf, WatchError> {
            let fail =
                |message: String| WatchError::Path { key, path: p.display().to_string(), message };
            let c = p.canonicalize().map_err(|e| {
                fail(format!("{e} (create it, or fix the path in {})", cfg.file.display()))
            })?;
            if !c.is_dir() {
                return Err(fail("not a directory; watch directories, never single files".into()));
            }
            Ok(c)
        };
        let (spec_file, spec_dir) = match &cfg.spec.path {
            Some(p) => {
                let parent = p.parent().unwrap_or(Path::new("/"));
                let dir = existing_dir("spec.path", parent)?;
                let file = p.file_name().map(|n| dir.join(n));
                (file, Some(dir))
            }
            None => (None, None),
        };
        let mut roots = Vec::new();
        for p in &cfg.watch.paths {
            let c = existing_dir("watch.paths", p)?;
            if !roots.contains(&c) {
                roots.push(c);
            }
        }
        // Our own writes must never look like changes: the output, the
        // archive and every group's custom output directory.
        let mut ignored = vec![cfg.output_dir.clone()];
        ignored.extend(cfg.archive.as_ref().map(|a| a.dir.clone()));
        for g in &cfg.groups {
            ignored.push(g.typescript_output.clone());
            ignored.push(g.python_output.clone());
        }
        let ignored: Vec<PathBuf> =
            ignored.iter().map(|p| p.canonicalize().unwrap_or_else(|_| normalise(p))).collect();
        let bad_glob = |message: String| WatchError::Path {
            key: "watch.include",
            path: cfg.file.display().to_string(),
            message,
        };
        let include = glob_set("watch.include", &cfg.watch.include).map_err(bad_glob)?;
        let exclude = glob_set("watch.exclude", &cfg.watch.exclude).map_err(bad_glob)?;
        let mut filter =
            Filter::new(spec_file, roots.clone(), ignored, cfg.root.clone(), include, exclude);
        // `.gitignore` files above a root apply to it too, up to the
        // repository's top.
        for root in &roots {
            for dir in root.ancestors().skip(1) {
                if let Some(problem) = filter.add_gitignore(dir) {
                    tracing::warn!("{problem}");
                }
                if dir.join(".git").exists() {
                    break;
                }
            }
        }
        Ok(Plan { spec_dir, filter, poll: cfg.watch.poll })
    }

    /// Poll or not: as configured, else poll when a watched directory is on
    /// a file system whose changes inotify does not see (network mounts,
    /// FUSE and 9p shares such as Docker Desktop and WSL bind mounts).
    #[must_use]
    pub fn poll_decision(&self) -> bool {
        if let Some(p) = self.poll {
            return p;
        }
        let dirs = self.spec_dir.iter().chain(self.filter.roots());
        for d in dirs {
            if let Some(kind) = remote_fs(d) {
                tracing::info!(dir = %d.display(), fs = kind, "polling: inotify misses changes made on this file system");
                return true;
            }
        }
        false
    }
}

/// The name of the file system under `dir` when it is one inotify cannot
/// serve.
#[cfg(target_os = "linux")]
fn remote_fs(dir: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path and `st` is a plain C struct
    // that statfs(2) fills; it is only read after a 0 return.
    let st = unsafe {
        let mut st: libc::statfs = std::mem::zeroed();
        if libc::statfs(c.as_ptr(), &raw mut st) != 0 {
            return None;
        }
        st
    };
    // f_type's width differs between targets; the magics fit in 32 bits.
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation, clippy::unnecessary_cast)]
    let magic = (st.f_type as u64 & 0xFFFF_FFFF) as u32;
    Some(match magic {
        0x6969 => "nfs",
        0x517B => "smb",
        0xFF53_4D42 => "cifs",
        0xFE53_4D42 => "smb2",
        0x0102_1997 => "9p",
        0x6573_5546 => "fuse",
        0x7375_7245 => "coda",
        0x5346_414F => "afs",
        0x00C3_6400 => "ceph",
        0x786F_4256 => "vboxsf",
        0x7C7C_6673 => "prl_fs",
        _ => return None,
    })
}

/// Other systems: only `watch.poll = true` polls.
#[cfg(not(target_os = "linux"))]
fn remote_fs(_dir: &Path) -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inotify_limit_says_how_to_raise_it() {
        let e = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
        let msg = WatchError::from_notify(&e, Some(Path::new("/p/backend"))).to_string();
        assert!(msg.starts_with("/p/backend: the inotify watch limit"), "{msg}");
        assert!(msg.contains("sysctl fs.inotify.max_user_watches="), "{msg}");
        assert!(msg.contains("watch.poll = true"), "{msg}");
    }
}
