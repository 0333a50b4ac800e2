//! The warm schema worker: a Python process that has imported Django, DRF,
//! drf-spectacular and the settings module once, and forks a child per run
//! that executes `manage.py …` in-process (the bootstrap, `warm_worker.py`,
//! is shipped in the binary and says what it preloads and why).
//!
//! This module owns the worker's lifetime: it starts the worker on the first
//! run, restarts it when something it preloaded may have changed (a file of
//! a preloaded module, the settings module, the interpreter, the
//! virtualenv's site-packages or a requirements or lock file), when the
//! command or its directory changes, and on request (SIGHUP). It runs in its
//! own process group with its children, so a time-out or a stop kills them
//! all; if apigend dies, the worker sees end of file on its stdin and kills
//! its group itself. A worker that cannot start or dies falls back to a
//! plain run of the command, with one warning.
//!
//! Only the daemon uses it: a one-shot `apigend generate` runs the command
//! once, which preloading cannot make faster.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;

use super::process_group::{self, GroupChild};
use super::{ObtainError, program_in, run_command};

/// The bootstrap, run as `python -c <it> <manage.py> <args…>`.
const BOOTSTRAP: &str = include_str!("warm_worker.py");

/// How many consecutive failed starts or deaths turn the worker off until
/// the next SIGHUP or command change (each one costs a plain run's time on
/// top of the plain run that follows it).
const MAX_FAILURES: u32 = 2;

/// True when `argv` runs a Python interpreter on a Django `manage.py`, the
/// only command the worker can run in-process, and `fork` exists.
#[must_use]
pub fn fits(argv: &[String]) -> bool {
    let [program, script, ..] = argv else { return false };
    let name = |s: &str| Path::new(s).file_name().and_then(|n| n.to_str()).map(str::to_owned);
    let is_python = name(program).is_some_and(|n| {
        n.strip_prefix("python").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    });
    cfg!(unix) && is_python && name(script).as_deref() == Some("manage.py")
}

/// The worker of one daemon. Cheap to share; every method takes `&self`.
#[derive(Debug, Default)]
pub struct Warm {
    state: Mutex<State>,
    /// The worker's process group, readable without the lock so a stop
    /// never waits for a run in flight.
    pgid: AtomicI32,
    /// Set by SIGHUP: the next run starts a fresh worker.
    restart: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    worker: Option<Worker>,
    /// Failed starts and deaths since the last good answer.
    failures: u32,
    /// Why the worker is off (logged once), until a restart request or a
    /// different command.
    off: Option<(Key, String)>,
}

/// What a worker was started for; a run with another key restarts it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    program: String,
    script: String,
    cwd: PathBuf,
}

/// A file's modification time and size (`None`: absent).
type Stamp = Option<(SystemTime, u64)>;

fn stamp(p: &Path) -> Stamp {
    let m = std::fs::metadata(p).ok()?;
    Some((m.modified().ok()?, m.len()))
}

#[derive(Debug)]
struct Worker {
    key: Key,
    /// The worker, leader of its process group (registered, so the
    /// daemon's shutdown kills it with every other spec command).
    child: GroupChild,
    stdin: ChildStdin,
    lines: Receiver<String>,
    /// Every file whose change may make the preloaded modules stale, with
    /// its stamp when the worker learnt of it.
    watched: Vec<(PathBuf, Stamp)>,
    /// The end of the worker's own stderr, for the fallback warning.
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// The thread that reads it, joined once the worker is dead so the
    /// warning has its last words.
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

/// The worker's first line.
#[derive(Debug, Deserialize)]
struct Ready {
    ready: bool,
    #[serde(default)]
    watch: Vec<String>,
    #[serde(default)]
    skipped: Vec<String>,
}

/// The worker's answer to one run.
#[derive(Debug, Deserialize)]
struct Answer {
    /// The child's raw wait status.
    status: i32,
    stdout: String,
    stderr: String,
    /// Files of modules learnt since the last answer.
    #[serde(default)]
    watch: Vec<String>,
}

/// Why the worker could not serve a run (the run then goes plain).
enum Trouble {
    /// The run was served: here is its result.
    Served(Result<(), ObtainError>),
    /// The worker failed; say why, run plainly.
    Fallback(String),
}

impl Warm {
    /// A worker not started yet.
    #[must_use]
    pub fn new() -> Arc<Warm> {
        Arc::new(Warm::default())
    }

    /// Runs `argv` (a `python manage.py …` command, see [`fits`]) in a fork
    /// of the worker, with the same result as [`run_command`]: the same
    /// file written, the same error and output when it fails. Falls back to
    /// [`run_command`] when the worker cannot serve it.
    ///
    /// # Errors
    /// As [`run_command`].
    pub fn run(&self, argv: &[String], cwd: &Path, timeout: Duration) -> Result<(), ObtainError> {
        let start = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let [program, script, ..] = argv else { return run_command(argv, cwd, timeout) };
        let key = Key { program: program.clone(), script: script.clone(), cwd: cwd.to_path_buf() };
        if self.restart.swap(false, Ordering::AcqRel) {
            state.off = None;
            state.failures = 0;
            if state.worker.is_some() {
                tracing::info!("warm worker: restarting on request");
                self.stop_locked(&mut state);
            }
        }
        if state.off.as_ref().is_some_and(|(k, _)| *k != key) {
            state.off = None;
            state.failures = 0;
        }
        if let Some((_, why)) = &state.off {
            tracing::debug!("warm worker off ({why}); running the command plainly");
            return run_command(argv, cwd, timeout);
        }
        if let Some(w) = &mut state.worker {
            let why = if w.key == key { w.stale() } else { Some("the command changed".into()) };
            if let Some(why) = why {
                tracing::info!("warm worker: restarting, {why}");
                self.stop_locked(&mut state);
            }
        }
        match self.serve(&mut state, &key, argv, cwd, timeout, start) {
            Trouble::Served(result) => {
                state.failures = 0;
                result
            }
            Trouble::Fallback(why) => {
                self.stop_locked(&mut state);
                state.failures += 1;
                // One warning per streak: the first failure says why; the
                // next start is tried quietly, and a second failure turns
                // the worker off until SIGHUP.
                if state.failures == 1 {
                    tracing::warn!(
                        "warm worker: {why}; running the command plainly (set spec.warm = \
                         false to always do so)"
                    );
                } else {
                    tracing::debug!("warm worker: {why}; running the command plainly");
                }
                if state.failures >= MAX_FAILURES {
                    tracing::debug!("warm worker: off until the next SIGHUP");
                    state.off = Some((key, why));
                }
                run_command(argv, cwd, timeout.saturating_sub(start.elapsed()))
            }
        }
    }

    /// One run through the worker, starting it when there is none.
    fn serve(
        &self,
        state: &mut State,
        key: &Key,
        argv: &[String],
        cwd: &Path,
        timeout: Duration,
        start: Instant,
    ) -> Trouble {
        let left = || timeout.saturating_sub(start.elapsed());
        if state.worker.is_none() {
            match Worker::start(key, argv, left()) {
                Ok(w) => {
                    self.pgid.store(i32::try_from(w.child.id()).unwrap_or(0), Ordering::Release);
                    state.worker = Some(w);
                }
                Err(why) => return Trouble::Fallback(why),
            }
        }
        let Some(w) = state.worker.as_mut() else {
            return Trouble::Fallback("it did not start".into());
        };
        let request = serde_json::json!({ "argv": argv, "cwd": cwd });
        if let Err(e) = writeln!(w.stdin, "{request}").and_then(|()| w.stdin.flush()) {
            return Trouble::Fallback(format!("it stopped listening ({e}){}", w.last_words()));
        }
        let line = match w.lines.recv_timeout(left()) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                self.stop_locked(state);
                return Trouble::Served(Err(super::timed_out(argv, timeout, String::new())));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Trouble::Fallback(format!("it died during a run{}", w.last_words()));
            }
        };
        let answer: Answer = match serde_json::from_str(&line) {
            Ok(a) => a,
            Err(e) => return Trouble::Fallback(format!("it answered garbage ({e})")),
        };
        w.learn(answer.watch);
        let status = ExitStatus::from_raw(answer.status);
        if status.success() {
            return Trouble::Served(Ok(()));
        }
        let output = format!("{}{}", answer.stdout, answer.stderr);
        Trouble::Served(Err(super::failed(argv, status, output)))
    }

    /// The next run starts a fresh worker (SIGHUP).
    pub fn request_restart(&self) {
        self.restart.store(true, Ordering::Release);
    }

    /// Kills the worker and its children now, even while a run holds the
    /// worker (daemon stop).
    pub fn stop(&self) {
        let pgid = self.pgid.swap(0, Ordering::AcqRel);
        kill_group(pgid);
    }

    /// The worker's pid, if one runs.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        u32::try_from(self.pgid.load(Ordering::Acquire)).ok().filter(|p| *p != 0)
    }

    fn stop_locked(&self, state: &mut State) {
        self.pgid.store(0, Ordering::Release);
        if let Some(mut w) = state.worker.take() {
            let _ = w.child.kill();
        }
    }
}

/// SIGKILL to a process group (`pgid` 0: none).
fn kill_group(pgid: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // worker leads; it has no memory-safety preconditions.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

impl Worker {
    /// Spawns the worker and waits for its "ready" line.
    fn start(key: &Key, argv: &[String], timeout: Duration) -> Result<Worker, String> {
        let t = Instant::now();
        let mut cmd = Command::new(program_in(&key.program, &key.cwd));
        cmd.arg("-c")
            .arg(BOOTSTRAP)
            .args(&argv[1..])
            .current_dir(&key.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: killing it takes the children along.
        let mut child = process_group::spawn(&mut cmd).map_err(|e| {
            format!("`{}` could not start in {}: {e}", key.program, key.cwd.display())
        })?;
        let c = child.child_mut();
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (c.stdin.take(), c.stdout.take(), c.stderr.take())
        else {
            let _ = child.kill();
            return Err("its pipes could not be opened".into());
        };
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr_tail);
        let stderr_reader = std::thread::spawn(move || {
            // Bounded lines: a worker printing without newlines must not
            // grow this without end.
            for line in BufReader::new(stderr.take(64 << 20)).lines() {
                let Ok(line) = line else { break };
                tracing::debug!(target: "apigend::warm", "worker: {line}");
                let mut t = tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                t.push_back(line);
                if t.len() > 20 {
                    t.pop_front();
                }
            }
        });
        let mut worker = Worker {
            key: key.clone(),
            child,
            stdin,
            lines,
            watched: Vec::new(),
            stderr_tail,
            stderr_reader: Some(stderr_reader),
        };
        let ready = match worker.lines.recv_timeout(timeout) {
            Ok(line) => serde_json::from_str::<Ready>(&line).ok().filter(|r| r.ready),
            Err(_) => None,
        };
        let Some(ready) = ready else {
            return Err(format!("it did not start{}", worker.last_words()));
        };
        worker.learn(ready.watch);
        tracing::info!(
            pid = worker.child.id(),
            elapsed = ?t.elapsed(),
            watched = worker.watched.len(),
            "warm worker started"
        );
        if !ready.skipped.is_empty() {
            tracing::debug!(skipped = ?ready.skipped, "warm worker: modules left to each run");
        }
        Ok(worker)
    }

    /// Records the stamps of newly preloaded files.
    fn learn(&mut self, files: Vec<String>) {
        self.watched.extend(files.into_iter().map(PathBuf::from).map(|p| {
            let s = stamp(&p);
            (p, s)
        }));
    }

    /// What changed since the worker preloaded, if anything.
    fn stale(&mut self) -> Option<String> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(format!("it had exited ({status})"));
        }
        self.watched
            .iter()
            .find(|(p, s)| stamp(p) != *s)
            .map(|(p, _)| format!("{} changed", p.display()))
    }

    /// Kills the worker's group and returns the end of its stderr.
    fn last_words(&mut self) -> String {
        let _ = self.child.kill();
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let t = self.stderr_tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if t.is_empty() {
            return String::new();
        }
        format!("; its output ends with:\n  {}", t.iter().cloned().collect::<Vec<_>>().join("\n  "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_python_on_manage_py_only() {
        let v = |s: &[&str]| s.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        for ok in [
            &["python", "manage.py", "spectacular"][..],
            &["python3", "manage.py"],
            &["python3.12", "backend/manage.py", "spectacular", "--file", "x.yaml"],
            &["/srv/venv/bin/python", "/srv/app/manage.py"],
        ] {
            assert!(fits(&v(ok)), "{ok:?}");
        }
        for no in [
            &["python"][..],
            &["uv", "run", "python", "manage.py"],
            &["python", "-W", "ignore", "manage.py"],
            &["python", "scripts/schema.py"],
            &["pythonista", "manage.py"],
            &["sh", "-c", "python manage.py spectacular"],
        ] {
            assert!(!fits(&v(no)), "{no:?}");
        }
    }
}
