//! The project's writer lock: one process at a time writes a project's
//! output (the daemon, `generate`, `archive restore`, `regen` run without a
//! daemon), whoever runs it and however it names the config.
//!
//! The lock is `<output_dir>/.apigend/lock`, an exclusive `flock(2)` the
//! kernel releases when its holder dies in any way. It lives with what it
//! protects: a config reached through a symlink, a hard link or another
//! copy of the path, from cron or ssh with another (or no)
//! `$XDG_RUNTIME_DIR`, or from a container sharing the checkout, still
//! finds the same file, because it writes the same output. (A lock keyed by
//! the config's path in the runtime directory saw none of these.) The
//! output directory is never watched, so taking the lock triggers nothing.
//! On a network file system `flock` may be local to one machine; two
//! machines writing one checkout are not guarded.
//!
//! The holder writes who it is into the file (pid, what, and for the daemon
//! its control socket and status file), so a second writer can say whom it
//! waits for, and hand its work to a daemon found there.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::output::STATE_DIR;

/// Who holds (or wants) the lock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Its pid.
    pub pid: u32,
    /// `daemon`, `generate`, `archive restore`, `regen`.
    pub what: String,
    /// The daemon's control socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket: Option<PathBuf>,
    /// The daemon's status file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PathBuf>,
}

impl Holder {
    /// This process, doing `what`.
    #[must_use]
    pub fn me(what: &str) -> Holder {
        Holder { pid: std::process::id(), what: what.into(), socket: None, status: None }
    }

    /// `the daemon (pid 12)`, `apigend generate (pid 12)`.
    #[must_use]
    pub fn describe(&self) -> String {
        if self.what == "daemon" {
            format!("the daemon (pid {})", self.pid)
        } else {
            format!("`apigend {}` (pid {})", self.what, self.pid)
        }
    }
}

/// The held lock; released on drop.
#[derive(Debug)]
pub struct ProjectLock {
    /// `None` where no lock file can be made because nothing can be
    /// written there at all (see [`ProjectLock::try_acquire`]).
    file: Option<File>,
    path: PathBuf,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it; who, when it said.
    Held(Option<Holder>),
    /// An I/O problem, described.
    Io(String),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held(Some(h)) => write!(f, "{} is writing this project", h.describe()),
            LockError::Held(None) => write!(f, "another apigend process is writing this project"),
            LockError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// The lock file of a config's project.
#[must_use]
pub fn path_of(cfg: &Config) -> PathBuf {
    cfg.output_dir.join(STATE_DIR).join("lock")
}

impl ProjectLock {
    /// Takes the lock without waiting (beyond a few short retries) and
    /// writes `me` into it.
    ///
    /// # Errors
    /// [`LockError::Held`] when another process has it.
    pub fn try_acquire(cfg: &Config, me: &Holder) -> Result<ProjectLock, LockError> {
        let path = path_of(cfg);
        let mut file = match open(&path) {
            Ok(f) => f,
            // A read-only file system: nobody can write the output, so
            // there is nothing to exclude; the run goes on and its commit
            // reports the file system, naming each output directory.
            // An existing lock file can still be locked read-only.
            Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
                let file = OpenOptions::new().read(true).open(&path).ok();
                if let Some(f) = &file
                    && !try_flock(f).unwrap_or(true)
                {
                    return Err(LockError::Held(None));
                }
                return Ok(ProjectLock { file, path });
            }
            Err(e) => {
                return Err(LockError::Io(format!(
                    "{}: cannot open the project lock: {e}",
                    path.display()
                )));
            }
        };
        let io = |e: std::io::Error| LockError::Io(format!("{}: {e}", path.display()));
        // `apigend status` takes the lock for an instant to see whether it
        // is held; a few short retries keep that from failing a writer that
        // starts at the same moment.
        let mut attempts = 0;
        while !try_flock(&file).map_err(io)? {
            attempts += 1;
            if attempts == 5 {
                return Err(LockError::Held(read_holder(&mut file)));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Who holds it is advice for the others; a full disk that cannot
        // take the line must not fail the run (its commit reports it).
        let mut line = serde_json::to_vec(me).unwrap_or_default();
        line.push(b'\n');
        let written =
            file.set_len(0).and_then(|()| file.rewind()).and_then(|_| file.write_all(&line));
        if let Err(e) = written {
            tracing::debug!("{}: cannot record the lock's holder: {e}", path.display());
        }
        Ok(ProjectLock { file: Some(file), path })
    }

    /// Takes the lock, waiting up to `max` while another process holds it.
    /// `waiting` is called with the holder at every attempt (every 100 ms)
    /// so the caller can say whom it waits for; when it returns `false` the
    /// wait ends with [`LockError::Held`] (e.g. the holder is a daemon,
    /// now answering, to hand the work to instead).
    ///
    /// # Errors
    /// Still held after `max`, or an I/O problem.
    pub fn acquire(
        cfg: &Config,
        me: &Holder,
        max: Duration,
        mut waiting: impl FnMut(Option<&Holder>) -> bool,
    ) -> Result<ProjectLock, LockError> {
        let start = Instant::now();
        loop {
            match ProjectLock::try_acquire(cfg, me) {
                Err(LockError::Held(h)) => {
                    if !waiting(h.as_ref()) {
                        return Err(LockError::Held(h));
                    }
                    if start.elapsed() >= max {
                        return Err(LockError::Held(h));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }

    /// Who holds the lock of `cfg` now; `None` when nobody does.
    #[must_use]
    pub fn holder(cfg: &Config) -> Option<Holder> {
        let mut file = OpenOptions::new().read(true).write(true).open(path_of(cfg)).ok()?;
        if try_flock(&file).unwrap_or(false) {
            // Free: closing the file releases it again.
            return None;
        }
        Some(read_holder(&mut file).unwrap_or_default())
    }

    /// True while the lock file at its path is still the one held: a
    /// project directory removed (and re-created) takes the lock file with
    /// it, and a writer starting there would take a new one.
    #[must_use]
    pub fn still_in_place(&self) -> bool {
        use std::os::unix::fs::MetadataExt as _;
        let Some(file) = &self.file else { return true };
        let (Ok(held), Ok(now)) = (file.metadata(), std::fs::metadata(&self.path)) else {
            return false;
        };
        held.dev() == now.dev() && held.ino() == now.ino()
    }

    /// The lock file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        // Closing the file releases the lock; emptying it first keeps a
        // later reader from naming a holder that is gone.
        if let Some(f) = &self.file {
            let _ = f.set_len(0);
        }
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut s = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut s).ok()?;
    serde_json::from_str(s.trim()).ok()
}

/// `flock(LOCK_EX | LOCK_NB)`: Ok(false) when another holder has it.
/// (`File::try_lock` needs Rust 1.89; our MSRV is 1.88.)
fn try_flock(file: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd as _;
    // SAFETY: flock(2) on a descriptor we own; no memory is shared.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        return Ok(false);
    }
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_in(dir: &Path) -> Config {
        std::fs::write(dir.join("spec.yaml"), "openapi: 3.0.3\n").unwrap();
        std::fs::write(
            dir.join("apigend.toml"),
            "[spec]\npath = \"spec.yaml\"\n\n[[groups]]\nname = \"api\"\napps = [\"*\"]\n",
        )
        .unwrap();
        crate::config::load(&dir.join("apigend.toml")).unwrap()
    }

    #[test]
    fn the_lock_is_exclusive_and_names_its_holder() {
        let d = tempfile::tempdir().unwrap();
        let cfg = config_in(d.path());
        let me = Holder::me("generate");
        let held = ProjectLock::try_acquire(&cfg, &me).unwrap();
        assert!(held.path().starts_with(&cfg.output_dir), "{}", held.path().display());
        assert_eq!(ProjectLock::holder(&cfg), Some(me.clone()));
        match ProjectLock::try_acquire(&cfg, &Holder::me("archive restore")) {
            Err(LockError::Held(h)) => assert_eq!(h, Some(me.clone())),
            other => panic!("expected Held, got {other:?}"),
        }
        let mut told = Vec::new();
        let r = ProjectLock::acquire(&cfg, &Holder::me("x"), Duration::from_millis(300), |h| {
            told.push(h.cloned());
            true
        });
        assert!(matches!(r, Err(LockError::Held(_))), "bounded wait");
        assert!(!told.is_empty() && told.iter().all(|h| *h == Some(me.clone())), "{told:?}");
        let r = ProjectLock::acquire(&cfg, &Holder::me("x"), Duration::from_secs(600), |_| false);
        assert!(matches!(r, Err(LockError::Held(Some(_)))), "the caller may stop waiting");
        assert!(held.still_in_place());
        drop(held);
        assert_eq!(ProjectLock::holder(&cfg), None);
        ProjectLock::try_acquire(&cfg, &Holder::me("generate")).unwrap();
    }

    #[test]
    fn a_lock_file_removed_with_its_directory_is_noticed() {
        let d = tempfile::tempdir().unwrap();
        let cfg = config_in(d.path());
        let held = ProjectLock::try_acquire(&cfg, &Holder::me("daemon")).unwrap();
        std::fs::remove_dir_all(&cfg.output_dir).unwrap();
        assert!(!held.still_in_place());
        // A new writer there takes a new lock file: the old holder must
        // know it no longer excludes anyone.
        let _other = ProjectLock::try_acquire(&cfg, &Holder::me("generate")).unwrap();
        assert!(!held.still_in_place());
    }
}
