//! The daemon's state on disk: where its runtime files live (status file,
//! control socket), and the status file that `apigend status` prints.
//!
//! Runtime files live in `$XDG_RUNTIME_DIR/apigend/<key>/` (user-owned,
//! 0700, gone at logout), or `<temp>/apigend-<uid>/<key>/` without it, where
//! `<key>` hashes the canonical config path; a socket path must stay short
//! (108 bytes), so not in the project. Other commands find them through the
//! project lock (`lock::Holder`), whatever their own runtime directory;
//! this path is the fallback when no daemon holds it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::output;

/// The runtime files of one project.
#[derive(Debug, Clone)]
pub struct RuntimePaths {
    /// The canonical config file they belong to.
    pub config: PathBuf,
    /// Their directory.
    pub dir: PathBuf,
    /// `status.json`.
    pub status: PathBuf,
    /// The control socket (`apigend regen`).
    pub socket: PathBuf,
}

impl RuntimePaths {
    /// The runtime paths for a config file (which must exist).
    ///
    /// # Errors
    /// The config file cannot be resolved.
    pub fn for_config(config: &Path) -> Result<RuntimePaths, String> {
        let config = config.canonicalize().map_err(|e| {
            format!(
                "{}: cannot resolve config: {e} (pass --config with the right path)",
                config.display()
            )
        })?;
        let key = output::hash(config.as_os_str().as_encoded_bytes());
        let base = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
            Some(d) if d.is_absolute() && d.is_dir() => d.join("apigend"),
            _ => std::env::temp_dir().join(format!("apigend-{}", uid())),
        };
        let dir = base.join(&key[..16]);
        Ok(RuntimePaths {
            status: dir.join("status.json"),
            socket: dir.join("daemon.sock"),
            config,
            dir,
        })
    }

    /// Creates the directory, private to the user.
    ///
    /// # Errors
    /// It cannot be created.
    pub fn create(&self) -> Result<(), String> {
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            b.mode(0o700);
        }
        b.create(&self.dir).map_err(|e| {
            format!("{}: cannot create the daemon's runtime directory: {e}", self.dir.display())
        })
    }
}

fn uid() -> u32 {
    #[cfg(unix)]
    {
        // SAFETY: getuid(2) cannot fail and has no preconditions.
        unsafe { libc::getuid() }
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// The daemon's overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Loading, locking, installing watches.
    Starting,
    /// Waiting for changes; the last run succeeded.
    Idle,
    /// A run is in flight.
    Generating,
    /// The last run failed (bad spec, failing command); the last good
    /// output is in place.
    Error,
    /// The daemon exited cleanly.
    Stopped,
}

impl State {
    /// For messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Idle => "idle",
            State::Generating => "generating",
            State::Error => "error",
            State::Stopped => "stopped",
        }
    }
}

/// One finished run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Run number, from 1 since the daemon started.
    pub number: u64,
    /// What asked for it.
    pub trigger: String,
    /// Unix seconds.
    pub finished_at: u64,
    /// How long it took.
    pub duration_ms: u64,
    /// `ok`, `failed` (some group failed) or `error` (no spec).
    pub result: String,
    /// Groups with a language rewritten.
    pub written: Vec<String>,
    /// Groups already up to date.
    pub up_to_date: Vec<String>,
    /// Groups that failed.
    pub failed: Vec<String>,
    /// The error, when `result` is not `ok`.
    pub error: Option<String>,
}

/// The last run that touched a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStatus {
    /// Run number.
    pub run: u64,
    /// Unix seconds.
    pub at: u64,
    /// `written`, `up to date` or `failed`.
    pub result: String,
    /// Why, per language (`typescript: slice changed …`).
    pub why: Vec<String>,
}

/// The last error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRecord {
    /// Run number (0: not a run, e.g. a config reload).
    pub run: u64,
    /// Unix seconds.
    pub at: u64,
    /// The message.
    pub message: String,
}

/// `status.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The daemon's pid.
    pub pid: u32,
    /// apigend's version.
    pub version: String,
    /// The config file.
    pub config: String,
    /// Overall state.
    pub state: State,
    /// `native` or `poll`.
    pub backend: String,
    /// Directories watched.
    pub watched_dirs: usize,
    /// The control socket.
    pub socket: String,
    /// Unix seconds.
    pub started_at: u64,
    /// Runs so far.
    pub runs: u64,
    /// The latest run.
    pub last_run: Option<RunSummary>,
    /// Per group, the latest run's outcome.
    pub groups: BTreeMap<String, GroupStatus>,
    /// The current error: the last run failed, or the last reload did.
    /// A successful run moves a run's error to `past_errors`.
    pub last_error: Option<ErrorRecord>,
    /// Errors a later run resolved, newest last (at most
    /// [`PAST_ERRORS`]).
    #[serde(default)]
    pub past_errors: Vec<ErrorRecord>,
}

/// How many resolved errors the status keeps.
pub const PAST_ERRORS: usize = 10;

/// Unix seconds now.
#[must_use]
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn when(secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

impl Status {
    /// A run succeeded: a run's error is history now (a failed reload
    /// stays current: the old config is still in use).
    pub fn resolve_run_error(&mut self) {
        if self.last_error.as_ref().is_some_and(|e| e.run != 0)
            && let Some(e) = self.last_error.take()
        {
            self.past_errors.push(e);
            let extra = self.past_errors.len().saturating_sub(PAST_ERRORS);
            self.past_errors.drain(..extra);
        }
    }

    /// Writes the file atomically (readers never see half of it).
    ///
    /// # Errors
    /// I/O, naming the path.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        output::write_atomic(path, &bytes).map_err(|e| e.to_string())
    }

    /// Reads a status file.
    ///
    /// # Errors
    /// Missing or unreadable, naming the path.
    pub fn read(path: &Path) -> Result<Status, String> {
        let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a status file: {e}", path.display()))
    }

    /// The human rendering of `apigend status`.
    #[must_use]
    pub fn render(&self, running: bool) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        if running {
            let _ = writeln!(s, "daemon: running (pid {}), {}", self.pid, self.state.as_str());
        } else {
            let _ = writeln!(
                s,
                "daemon: not running (last seen as pid {}, {})",
                self.pid,
                self.state.as_str()
            );
        }
        let _ = writeln!(s, "config: {}", self.config);
        let _ = writeln!(
            s,
            "watching: {} directories ({}), since {}",
            self.watched_dirs,
            self.backend,
            when(self.started_at)
        );
        match &self.last_run {
            Some(r) => {
                let _ = writeln!(
                    s,
                    "last run: #{} at {} ({}), {} in {} ms",
                    r.number,
                    when(r.finished_at),
                    r.trigger,
                    r.result,
                    r.duration_ms
                );
            }
            None => {
                let _ = writeln!(s, "last run: none yet");
            }
        }
        if !self.groups.is_empty() {
            let _ = writeln!(s, "groups:");
            let width = self.groups.keys().map(String::len).max().unwrap_or(0);
            for (name, g) in &self.groups {
                let _ = writeln!(
                    s,
                    "  {name:width$}  {:10}  run #{} at {}{}",
                    g.result,
                    g.run,
                    when(g.at),
                    if g.why.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", g.why.join("; "))
                    }
                );
            }
        }
        let line = |e: &ErrorRecord| {
            let run = if e.run == 0 { String::new() } else { format!("run #{}, ", e.run) };
            format!("{run}{}: {}", when(e.at), e.message)
        };
        if let Some(e) = &self.last_error {
            let _ = writeln!(s, "last error: {}", line(e));
        }
        if let Some(e) = self.past_errors.last() {
            let _ = writeln!(
                s,
                "resolved errors: {} (latest: {})",
                self.past_errors.len(),
                first_line(&line(e))
            );
        }
        s
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// `apigend status`: prints the daemon's state. Exit code 0 when a daemon
/// is running, 3 when not (as `systemctl status` does).
///
/// # Errors
/// The config path cannot be resolved.
pub fn print(config: &Path) -> Result<ExitCode, String> {
    let paths = RuntimePaths::for_config(config)?;
    // The daemon that holds the project lock says where its status file
    // is, whatever runtime directory it (or this command) has.
    let daemon = crate::config::load(config)
        .ok()
        .and_then(|cfg| crate::lock::ProjectLock::holder(&cfg))
        .filter(|h| h.what == "daemon");
    let running = daemon.is_some();
    let status = daemon.and_then(|h| h.status).unwrap_or_else(|| paths.status.clone());
    match Status::read(&status) {
        Ok(st) => {
            print!("{}", st.render(running));
            Ok(if running { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        Err(_) if running => {
            println!("daemon: running, starting up (no status yet)");
            Ok(ExitCode::SUCCESS)
        }
        Err(_) => {
            println!(
                "daemon: not running for {} (start it with `apigend watch`)",
                paths.config.display()
            );
            Ok(ExitCode::from(3))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips() {
        let d = tempfile::tempdir().unwrap();
        let st = Status {
            pid: 7,
            version: "0.1.0".into(),
            config: "/p/apigend.toml".into(),
            state: State::Error,
            backend: "native".into(),
            watched_dirs: 3,
            socket: "/run/x.sock".into(),
            started_at: 1,
            runs: 2,
            last_run: Some(RunSummary { number: 2, result: "error".into(), ..Default::default() }),
            groups: BTreeMap::from([("core".into(), GroupStatus::default())]),
            last_error: Some(ErrorRecord { run: 2, at: 5, message: "boom".into() }),
            past_errors: Vec::new(),
        };
        let p = d.path().join("status.json");
        st.write(&p).unwrap();
        assert_eq!(Status::read(&p).unwrap(), st);
        let text = st.render(true);
        assert!(
            text.contains("running (pid 7), error") && text.contains("last error: run #2"),
            "{text}"
        );
    }

    #[test]
    fn a_successful_run_moves_the_error_to_history() {
        let mut st = Status {
            pid: 7,
            version: "0.1.0".into(),
            config: "/p/apigend.toml".into(),
            state: State::Idle,
            backend: "native".into(),
            watched_dirs: 3,
            socket: "/run/x.sock".into(),
            started_at: 1,
            runs: 3,
            last_run: None,
            groups: BTreeMap::new(),
            last_error: Some(ErrorRecord { run: 2, at: 5, message: "boom".into() }),
            past_errors: Vec::new(),
        };
        st.resolve_run_error();
        assert_eq!(st.last_error, None);
        let text = st.render(true);
        assert!(!text.contains("last error:"), "{text}");
        assert!(text.contains("resolved errors: 1 (latest: run #2"), "{text}");
        // A failed reload is still current after a run: its config is not
        // in use.
        st.last_error = Some(ErrorRecord { run: 0, at: 6, message: "bad config".into() });
        st.resolve_run_error();
        assert!(st.last_error.is_some());
    }
}
