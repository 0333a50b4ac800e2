//! `apigend watch`: the daemon loop (its clients are in `daemon/client.rs`).
//!
//! One tokio task (a current-thread runtime) owns all state: the config,
//! the watcher, the debouncer, the content ledger and the status. Runs go
//! to `spawn_blocking` (the pipeline is synchronous and parallel inside), so
//! the loop keeps answering signals and the control socket while a run is in
//! flight. The clock is read here and only here (STYLE rule 10).
//!
//! Lifecycle (STYLE rule 11): a synthetic "startup" request brings every
//! group up to date; then batches from the debouncer become runs, at most one
//! at a time, with everything that arrives meanwhile queued into exactly one
//! follow-up. A rescan or overflow regenerates everything (fingerprints keep
//! that cheap). SIGHUP swaps the config, keeping the old one when the new one
//! is invalid. SIGTERM/SIGINT stop taking batches, let a commit in flight
//! finish (a run still obtaining its spec has written nothing and is
//! abandoned, its spec command's process group killed), and exit 0; a
//! second SIGINT exits at once.
//!
//! The daemon holds the project lock (`lock`) for its life; `generate`,
//! `regen` and `archive restore` find its socket there and hand their work
//! over. A restore runs as a job between runs, and the groups it restored
//! are left alone until their slice changes.
//!
//! Errors come in two tiers (STYLE rule 12): [`DaemonError`] (bad config at
//! start, the lock held, the watcher or socket failing) ends the process
//! non-zero so a supervisor restarts it; a failing run (bad spec, failing or
//! hanging spec command, unreachable URL) is logged with its cause, recorded
//! in the status file, and the loop goes on with the last good output in
//! place.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};

use crate::config::{self, Config};
use crate::lock::{Holder, LockError, ProjectLock};
use crate::obtain;
use crate::output;
use crate::pipeline::{self, Outcome, RunError, RunReport};
use crate::spec::PieceCache;
use crate::status::{ErrorRecord, GroupStatus, RunSummary, RuntimePaths, State, Status, unix_now};
use crate::watch::{Batch, Debouncer, Plan, Source, SpecEvent, Trigger, WatchError};

mod client;
use client::WRITER_WAIT_MARGIN;
pub use client::{Writer, regen, regen_via, restore_via, take_writer_lock};

/// Room for this many events between the watcher thread and the loop; past
/// it the source sets its rescan flag instead of dropping events.
const EVENT_CAPACITY: usize = 4096;

/// A problem that stops the daemon (exit non-zero, so systemd or launchd
/// restarts it or the user sees it at once).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// The config cannot be used at start.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// Another process holds the project lock.
    #[error(
        "{config}: {holder} already holds this project's lock ({lock}), so another apigend daemon is already watching this project, or a one-shot run is writing it; stop it first, or ask the daemon to regenerate with `apigend regen`"
    )]
    Locked {
        /// The config file.
        config: String,
        /// Who holds it, described.
        holder: String,
        /// The lock file.
        lock: String,
    },
    /// The project directory was removed and re-created under the daemon.
    #[error(
        "{dir}: the project directory was removed and re-created (a fresh clone?); exiting so the service manager starts apigend again on what is there now"
    )]
    ProjectReplaced {
        /// The config file's directory.
        dir: String,
    },
    /// The watcher cannot start.
    #[error(transparent)]
    Watch(#[from] WatchError),
    /// Runtime files, the socket, signals or the async runtime.
    #[error("{0}")]
    Runtime(String),
}

/// Runs the daemon until SIGTERM or SIGINT.
///
/// # Errors
/// See [`DaemonError`].
pub fn watch(config_path: &Path) -> Result<(), DaemonError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DaemonError::Runtime(format!("cannot start the async runtime: {e}")))?;
    let result = rt.block_on(run_daemon(config_path));
    // A run abandoned at shutdown may still be blocked in its spec command:
    // kill the command's whole process group (nothing of it may outlive the
    // daemon and write the spec later), and do not wait for the run's
    // thread (it has written nothing).
    obtain::process_group::kill_all();
    rt.shutdown_background();
    result
}

/// The phases of a run, shared with its blocking thread so shutdown can
/// tell "nothing written yet" from "commit in flight" without a race.
const OBTAINING: u8 = 0;
const COMMITTING: u8 = 1;
const ABANDONED: u8 = 2;

/// What a run's thread hands back.
enum JobOutcome {
    Done {
        report: RunReport,
        before: HashMap<PathBuf, String>,
        /// Groups left at their restored version.
        kept: Vec<String>,
        /// The document's dangling `$ref` warnings.
        dangling: BTreeSet<String>,
    },
    Failed(RunError),
    /// The document has dangling `$ref`s the last good one did not have:
    /// likely a save read half-written. Nothing was written.
    Suspect {
        /// The document's hash (the same bytes again are taken as meant).
        hash: String,
        /// The new dangling refs.
        new: Vec<String>,
    },
    /// An `archive restore` handed over by the CLI: its text or error.
    Restored(Result<String, String>),
    Abandoned,
}

/// What a run must respect from the daemon's memory of earlier runs.
#[derive(Clone, Default)]
struct Guard {
    /// Output dirs holding a restored version → the fingerprint of their
    /// slice when it was restored. Such a group is left alone until its
    /// slice changes or a request names it.
    pinned: BTreeMap<PathBuf, String>,
    /// Dangling `$ref` warnings of the last generated document (`None`
    /// before the first).
    dangling: Option<BTreeSet<String>>,
    /// The hash of a document already refused as half-written once.
    suspect: Option<String>,
}

/// An `archive restore` waiting for its turn.
struct RestoreRequest {
    version: String,
    groups: Vec<String>,
    reply: oneshot::Sender<Reply>,
}

struct Job {
    /// The restore this job is, with its reply; `None` for a run.
    restore: Option<(RestoreRequest, Vec<String>)>,
    number: u64,
    batch: Batch,
    trigger: String,
    started: Instant,
    phase: Arc<AtomicU8>,
    handle: tokio::task::JoinHandle<JobOutcome>,
}

/// A control request (`apigend regen`), one JSON line on the socket.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    cmd: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    wait: bool,
    /// `restore`: the archive version.
    #[serde(default)]
    version: Option<String>,
}

/// The answer: queued, or the result of the run that covered the request.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    queued: bool,
    #[serde(default)]
    run: Option<RunSummary>,
    #[serde(default)]
    error: Option<String>,
    /// What a handed-over command prints (`restore`).
    #[serde(default)]
    text: Option<String>,
}

struct Daemon {
    /// The project lock, held for the daemon's life.
    lock: ProjectLock,
    holder: Holder,
    /// The config file's directory and its identity at start: a fresh clone
    /// in its place is a new project (see [`Daemon::check_ground`]).
    project_dir: PathBuf,
    project_id: Option<(u64, u64)>,
    project_gone: bool,
    /// Per output dir, the fingerprint of the slice the last run saw.
    fingerprints: HashMap<PathBuf, String>,
    guard: Guard,
    restores: VecDeque<RestoreRequest>,
    config_path: PathBuf,
    cfg: Arc<Config>,
    paths: RuntimePaths,
    source: Source,
    events_tx: mpsc::Sender<SpecEvent>,
    debouncer: Debouncer,
    /// Content gate: the hash of each trigger file as last seen (`None`:
    /// absent). A trigger whose bytes did not change is dropped, which also
    /// stops the spec command's own write of the spec file from triggering
    /// another run. Ordered so that a directory's entries are one range
    /// (see [`forget_tree`]).
    ledger: BTreeMap<PathBuf, Option<String>>,
    status: Status,
    job: Option<Job>,
    runs: u64,
    next_ticket: u64,
    waiters: HashMap<u64, oneshot::Sender<Reply>>,
    stopping: bool,
    ready_sent: bool,
    /// Typed pieces of the last good document, so a run types only what the
    /// save changed (`spec::PieceCache`).
    pieces: Arc<PieceCache>,
}

async fn run_daemon(config_path: &Path) -> Result<(), DaemonError> {
    let cfg = config::load(config_path)?;
    let paths = RuntimePaths::for_config(&cfg.file).map_err(DaemonError::Runtime)?;
    paths.create().map_err(DaemonError::Runtime)?;
    let holder = Holder {
        socket: Some(paths.socket.clone()),
        status: Some(paths.status.clone()),
        ..Holder::me("daemon")
    };
    // Another daemon: refuse at once. A one-shot writer (`generate` from
    // cron): wait for it, as `generate` would.
    let mut told = None;
    let wait = cfg.spec.timeout + WRITER_WAIT_MARGIN;
    let lock = ProjectLock::acquire(&cfg, &holder, wait, |h| {
        if h.is_some_and(|h| h.what == "daemon") {
            return false;
        }
        if told.as_ref() != Some(&h.cloned()) {
            let who = h.map_or_else(|| "another apigend process".into(), Holder::describe);
            tracing::warn!(
                "{who} is writing this project; waiting up to {}s for it to finish",
                wait.as_secs()
            );
            told = Some(h.cloned());
        }
        true
    });
    let lock = match lock {
        Ok(l) => l,
        Err(LockError::Held(h)) => {
            return Err(DaemonError::Locked {
                config: cfg.file.display().to_string(),
                holder: h.map_or_else(|| "another apigend process".into(), |h| h.describe()),
                lock: crate::lock::path_of(&cfg).display().to_string(),
            });
        }
        Err(LockError::Io(e)) => return Err(DaemonError::Runtime(e)),
    };
    // The config's directory, absolute (`--config apigend.toml` gives a
    // bare file name).
    let project_dir = cfg
        .file
        .canonicalize()
        .ok()
        .and_then(|f| f.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| cfg.root.clone());
    let project_id = dir_identity(&project_dir);
    // We hold the lock, so a socket file left behind is stale.
    let _ = std::fs::remove_file(&paths.socket);
    let listener = UnixListener::bind(&paths.socket).map_err(|e| {
        DaemonError::Runtime(format!(
            "{}: cannot listen for `apigend regen`: {e}",
            paths.socket.display()
        ))
    })?;
    let sig = |kind: SignalKind, name: &str| {
        signal(kind)
            .map_err(|e| DaemonError::Runtime(format!("cannot install the {name} handler: {e}")))
    };
    let mut sigterm = sig(SignalKind::terminate(), "SIGTERM")?;
    let mut sigint = sig(SignalKind::interrupt(), "SIGINT")?;
    let mut sighup = sig(SignalKind::hangup(), "SIGHUP")?;

    let (events_tx, mut events_rx) = mpsc::channel(EVENT_CAPACITY);
    let source = Source::start(&plan_for(&cfg, &paths)?, events_tx.clone())?;
    tracing::info!(
        config = %cfg.file.display(),
        backend = source.backend().as_str(),
        directories = source.watch_count(),
        "watching"
    );
    let (ctl_tx, mut ctl_rx) = mpsc::channel::<(Request, oneshot::Sender<Reply>)>(64);
    let status = Status {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        config: cfg.file.display().to_string(),
        state: State::Starting,
        backend: source.backend().as_str().to_string(),
        watched_dirs: source.watch_count(),
        socket: paths.socket.display().to_string(),
        started_at: unix_now(),
        runs: 0,
        last_run: None,
        groups: BTreeMap::new(),
        last_error: None,
        past_errors: Vec::new(),
    };
    let mut d = Daemon {
        lock,
        holder,
        project_dir,
        project_id,
        project_gone: false,
        fingerprints: HashMap::new(),
        guard: Guard::default(),
        restores: VecDeque::new(),
        config_path: config_path.to_path_buf(),
        debouncer: Debouncer::for_window(cfg.watch.debounce),
        cfg: Arc::new(cfg),
        paths,
        source,
        events_tx,
        ledger: BTreeMap::new(),
        status,
        job: None,
        runs: 0,
        next_ticket: 1,
        waiters: HashMap::new(),
        stopping: false,
        ready_sent: false,
        pieces: PieceCache::new(),
    };
    d.write_status();
    // The synthetic "everything changed" event (watchexec's kickstart).
    let now = Instant::now();
    d.debouncer
        .push(Trigger::Now { reason: "startup".into(), groups: Vec::new(), ticket: None }, now);

    let mut ground = tokio::time::interval(GROUND_CHECK);
    ground.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        d.maybe_start_run();
        if d.stopping && d.job.is_none() {
            break;
        }
        let deadline = d.debouncer.next_deadline().map(tokio::time::Instant::from_std);
        tokio::select! {
            Some(ev) = events_rx.recv() => d.on_event(ev),
            () = sleep_until(deadline), if deadline.is_some() => {}
            outcome = join(&mut d.job) => d.on_job_done(outcome),
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(serve_client(stream, ctl_tx.clone()));
                }
            }
            Some((req, reply)) = ctl_rx.recv() => d.on_request(req, reply),
            _ = sigterm.recv() => d.on_stop("SIGTERM"),
            _ = sigint.recv() => {
                if d.stopping {
                    tracing::warn!("second SIGINT: exiting at once (an interrupted commit is finished on the next start)");
                    obtain::process_group::kill_all();
                    std::process::exit(130);
                }
                d.on_stop("SIGINT");
            }
            _ = sighup.recv() => d.reload(),
            _ = ground.tick() => {
                if let Err(e) = d.check_ground() {
                    d.status.state = State::Error;
                    d.status.last_error =
                        Some(ErrorRecord { run: 0, at: unix_now(), message: e.to_string() });
                    d.write_status();
                    let _ = std::fs::remove_file(&d.paths.socket);
                    return Err(e);
                }
            }
        }
        if d.source.rescan_needed.swap(false, Ordering::AcqRel) {
            d.debouncer.push(
                Trigger::Rescan("too many file events at once; some were not recorded".into()),
                Instant::now(),
            );
        }
    }
    d.status.state = State::Stopped;
    d.write_status();
    for (_, w) in d.waiters.drain() {
        let _ = w.send(Reply { error: Some("the daemon is stopping".into()), ..Reply::default() });
    }
    let _ = std::fs::remove_file(&d.paths.socket);
    tracing::info!("stopped");
    Ok(())
}

/// How often the daemon checks that its project is still the one it
/// started on.
const GROUND_CHECK: Duration = Duration::from_secs(1);

/// (device, inode) of a directory; `None` when it is gone.
fn dir_identity(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(dir).ok().filter(std::fs::Metadata::is_dir).map(|m| (m.dev(), m.ino()))
}

/// The watch plan of a config, never covering our own runtime files.
fn plan_for(cfg: &Config, paths: &RuntimePaths) -> Result<Plan, WatchError> {
    let mut plan = Plan::from_config(cfg)?;
    plan.filter.ignore_dir(paths.dir.clone());
    Ok(plan)
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Waits for the job in flight; pending forever when there is none.
async fn join(job: &mut Option<Job>) -> Result<JobOutcome, tokio::task::JoinError> {
    match job {
        Some(j) => (&mut j.handle).await,
        None => std::future::pending().await,
    }
}

impl Daemon {
    fn on_event(&mut self, ev: SpecEvent) {
        let now = Instant::now();
        match ev {
            SpecEvent::Changed(p) => {
                tracing::debug!(path = %p.display(), "changed");
                self.debouncer.push(Trigger::Path(p), now);
            }
            SpecEvent::DirAppeared(p) => {
                forget_tree(&mut self.ledger, &p);
                match self.source.add_tree(&p) {
                    Ok(0) => {}
                    Ok(_) => self.debouncer.push(Trigger::Path(p), now),
                    Err(e) => {
                        tracing::warn!("{e}");
                        self.debouncer.push(Trigger::Rescan(e.to_string()), now);
                    }
                }
            }
            SpecEvent::DirGone(p) => {
                forget_tree(&mut self.ledger, &p);
                self.source.forget_tree(&p);
                self.debouncer.push(Trigger::Path(p), now);
                self.restore_watches(now);
            }
            SpecEvent::Awaited(_) => self.restore_watches(now),
            SpecEvent::IgnoreChanged(p) => {
                tracing::info!(path = %p.display(), "ignore rules changed; re-planning watches");
                if let Err(e) = self.replan() {
                    tracing::error!("{e}; keeping the previous watches");
                }
            }
            SpecEvent::Rescan(why) => {
                tracing::warn!("{why}; regenerating everything");
                self.debouncer.push(Trigger::Rescan(why), now);
            }
        }
    }

    /// Watches the spec's directory or a `watch.paths` root again once it
    /// is back after going away; what it holds now was never seen, so
    /// everything is regenerated (one run, however many files came back).
    fn restore_watches(&mut self, now: Instant) {
        match self.source.restore() {
            Ok(back) if back.is_empty() => {}
            Ok(back) => {
                let dirs: Vec<String> = back.iter().map(|d| d.display().to_string()).collect();
                let dirs = dirs.join(", ");
                tracing::info!(dirs = %dirs, "watched directory back; watching it again");
                self.status.watched_dirs = self.source.watch_count();
                self.debouncer.push(Trigger::Rescan(format!("{dirs} is back")), now);
            }
            Err(e) => {
                tracing::warn!("{e}");
                self.debouncer.push(Trigger::Rescan(e.to_string()), now);
            }
        }
    }

    /// Rebuilds the watcher from the current config.
    fn replan(&mut self) -> Result<(), WatchError> {
        let plan = plan_for(&self.cfg, &self.paths)?;
        self.source = Source::start(&plan, self.events_tx.clone())?;
        self.status.backend = self.source.backend().as_str().to_string();
        self.status.watched_dirs = self.source.watch_count();
        Ok(())
    }

    fn on_request(&mut self, req: Request, reply: oneshot::Sender<Reply>) {
        if req.cmd == "restore" && !self.stopping {
            let Some(version) = req.version else {
                let _ = reply.send(Reply {
                    error: Some("a restore request needs a version".into()),
                    ..Reply::default()
                });
                return;
            };
            self.restores.push_back(RestoreRequest { version, groups: req.groups, reply });
            return;
        }
        if req.cmd != "regen" && req.cmd != "restore" {
            let _ = reply.send(Reply {
                error: Some(format!(
                    "unknown request `{}`; this daemon understands `regen` and `restore`",
                    req.cmd
                )),
                ..Reply::default()
            });
            return;
        }
        if let Err(e) = pipeline::select_groups(&self.cfg, &req.groups) {
            let _ = reply.send(Reply { error: Some(e.to_string()), ..Reply::default() });
            return;
        }
        if self.stopping {
            let _ = reply
                .send(Reply { error: Some("the daemon is stopping".into()), ..Reply::default() });
            return;
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let reason = if req.groups.is_empty() {
            "regen request".to_string()
        } else {
            format!("regen request ({})", req.groups.join(", "))
        };
        self.debouncer.push(
            Trigger::Now { reason, groups: req.groups, ticket: Some(ticket) },
            Instant::now(),
        );
        if req.wait {
            self.waiters.insert(ticket, reply);
        } else {
            let _ = reply.send(Reply { ok: true, queued: true, ..Reply::default() });
        }
    }

    fn on_stop(&mut self, signal: &str) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        sd_notify("STOPPING=1");
        match &self.job {
            Some(job)
                if job
                    .phase
                    .compare_exchange(OBTAINING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok() =>
            {
                // Nothing was written yet: leave the run behind, and kill
                // its spec command's process group now rather than at exit.
                obtain::process_group::kill_all();
                tracing::info!(
                    run = job.number,
                    "{signal}: stopping; the run in flight had written nothing and is abandoned"
                );
                self.job = None;
            }
            Some(job) => {
                tracing::info!(run = job.number, "{signal}: stopping after the commit in flight");
            }
            None => tracing::info!("{signal}: stopping"),
        }
    }

    /// SIGHUP: load the config again; keep the old one if the new one (or
    /// its watch plan) is invalid. Wrapped in systemd's reload protocol.
    fn reload(&mut self) {
        sd_notify(&format!("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec()));
        tracing::info!(config = %self.config_path.display(), "SIGHUP: reloading the config");
        let result = config::load(&self.config_path).map_err(|e| e.to_string()).and_then(|cfg| {
            // The same plan as at start: our runtime files may sit inside a
            // watched tree, and the status written after each run must not
            // look like a change.
            let plan = plan_for(&cfg, &self.paths).map_err(|e| e.to_string())?;
            let source = Source::start(&plan, self.events_tx.clone()).map_err(|e| e.to_string())?;
            // A new output_dir moves the project lock: take the new one
            // before letting go of the old.
            let lock = if crate::lock::path_of(&cfg) == self.lock.path() {
                None
            } else {
                Some(ProjectLock::try_acquire(&cfg, &self.holder).map_err(|e| e.to_string())?)
            };
            Ok((cfg, source, lock))
        });
        match result {
            Ok((cfg, source, lock)) => {
                if let Some(lock) = lock {
                    self.lock = lock;
                }
                if self.status.last_error.as_ref().is_some_and(|e| e.run == 0) {
                    self.status.last_error = None;
                }
                self.debouncer.set_windows(cfg.watch.debounce);
                self.cfg = Arc::new(cfg);
                self.source = source;
                self.status.backend = self.source.backend().as_str().to_string();
                self.status.watched_dirs = self.source.watch_count();
                tracing::info!(
                    directories = self.source.watch_count(),
                    "config reloaded; regenerating what it changed"
                );
                self.debouncer.push(Trigger::Rescan("config reloaded".into()), Instant::now());
            }
            Err(e) => {
                tracing::error!("config reload failed, keeping the previous config: {e}");
                self.status.last_error = Some(ErrorRecord {
                    run: 0,
                    at: unix_now(),
                    message: format!("config reload failed, kept the previous config: {e}"),
                });
                self.write_status();
            }
        }
        sd_notify(&format!("READY=1\nSTATUS={}", self.status_line()));
    }

    /// Takes a due batch, passes it through the content gate and starts its
    /// run.
    fn maybe_start_run(&mut self) {
        if self.stopping || self.job.is_some() {
            return;
        }
        if let Some(r) = self.restores.pop_front() {
            self.start_restore(r);
            return;
        }
        let Some(mut batch) = self.debouncer.take_ready(Instant::now()) else { return };
        self.gate(&mut batch);
        if batch.is_empty() {
            tracing::debug!("changes without new content; nothing to do");
            self.debouncer.finished();
            return;
        }
        self.runs += 1;
        let number = self.runs;
        let trigger = describe(&batch, &self.cfg.root);
        let only: Vec<String> = batch.groups.iter().flatten().cloned().collect();
        if !batch.requests.is_empty() {
            // Asked for by name (`regen`, `generate`): a restored version
            // of those groups gives way to the spec.
            let cfg = Arc::clone(&self.cfg);
            for g in cfg.groups.iter().filter(|g| only.is_empty() || only.contains(&g.name)) {
                self.guard.pinned.remove(&g.typescript_output);
                self.guard.pinned.remove(&g.python_output);
            }
        }
        tracing::info!(run = number, trigger = %trigger, "run started");
        let cfg = Arc::clone(&self.cfg);
        let phase = Arc::new(AtomicU8::new(OBTAINING));
        let job_phase = Arc::clone(&phase);
        let pieces = Arc::clone(&self.pieces);
        let guard = self.guard.clone();
        let handle =
            tokio::task::spawn_blocking(move || run_job(&cfg, &only, &job_phase, &pieces, &guard));
        self.job = Some(Job {
            restore: None,
            number,
            batch,
            trigger,
            started: Instant::now(),
            phase,
            handle,
        });
        self.status.state = State::Generating;
        self.write_status();
        sd_notify(&format!("STATUS=generating (run #{number})"));
    }

    /// Runs an `archive restore` handed over by the CLI, as a job (so it
    /// never overlaps a run), committing from the start: shutdown waits for
    /// it.
    fn start_restore(&mut self, r: RestoreRequest) {
        let number = self.runs;
        let trigger = format!("archive restore {}", r.version);
        tracing::info!(version = %r.version, groups = %r.groups.join(","), "restoring (asked by `apigend archive restore`)");
        let cfg = Arc::clone(&self.cfg);
        let (version, only) = (r.version.clone(), r.groups.clone());
        let restored: Vec<String> = cfg
            .groups
            .iter()
            .filter(|g| only.is_empty() || only.contains(&g.name))
            .map(|g| g.name.clone())
            .collect();
        let handle = tokio::task::spawn_blocking(move || {
            JobOutcome::Restored(crate::commands::archive_restore(&cfg, &version, &only))
        });
        self.job = Some(Job {
            restore: Some((r, restored)),
            number,
            batch: Batch::default(),
            trigger,
            started: Instant::now(),
            phase: Arc::new(AtomicU8::new(COMMITTING)),
            handle,
        });
        self.status.state = State::Generating;
        self.write_status();
    }

    /// The restore is done: its groups keep the restored version until
    /// their slice changes (the daemon's baseline is now what was restored,
    /// not what the spec generates), and the CLI gets its text.
    fn on_restore_done(
        &mut self,
        (req, groups): (RestoreRequest, Vec<String>),
        outcome: Result<JobOutcome, tokio::task::JoinError>,
    ) {
        let result = match outcome {
            Ok(JobOutcome::Restored(r)) => r,
            Ok(_) => Err("internal error: a restore job ran something else".into()),
            Err(e) => Err(format!("internal error in the restore (please report): {e}")),
        };
        let reply = match result {
            Ok(text) => {
                let cfg = Arc::clone(&self.cfg);
                for g in cfg.groups.iter().filter(|g| groups.contains(&g.name)) {
                    for dir in [&g.typescript_output, &g.python_output] {
                        if let Some(fp) = self.fingerprints.get(dir) {
                            self.guard.pinned.insert(dir.clone(), fp.clone());
                        }
                    }
                    self.status.groups.insert(
                        g.name.clone(),
                        GroupStatus {
                            run: self.runs,
                            at: unix_now(),
                            result: "restored".into(),
                            why: vec![format!(
                                "{}; kept until its slice changes or `apigend regen` names it",
                                req.version
                            )],
                        },
                    );
                }
                tracing::info!(version = %req.version, groups = %groups.join(","), "restored; these groups keep it until their slice changes");
                Reply { ok: true, text: Some(text), ..Reply::default() }
            }
            Err(e) => {
                tracing::error!(version = %req.version, "restore failed: {e}");
                Reply { error: Some(e), ..Reply::default() }
            }
        };
        self.status.state =
            if self.status.last_error.is_some() { State::Error } else { State::Idle };
        self.write_status();
        let _ = req.reply.send(reply);
    }

    /// The project is still the one the daemon started on: its directory
    /// removed and re-created (a fresh clone) is a new project, which the
    /// service manager should start a new daemon on; an output directory
    /// removed took the lock file along, so it is taken again.
    fn check_ground(&mut self) -> Result<(), DaemonError> {
        match dir_identity(&self.project_dir) {
            None => {
                if !self.project_gone {
                    self.project_gone = true;
                    tracing::warn!(dir = %self.project_dir.display(), "the project directory is gone; waiting for it to come back");
                }
                return Ok(());
            }
            Some(id) if Some(id) != self.project_id => {
                return Err(DaemonError::ProjectReplaced {
                    dir: self.project_dir.display().to_string(),
                });
            }
            Some(_) => self.project_gone = false,
        }
        if !self.lock.still_in_place() {
            match ProjectLock::try_acquire(&self.cfg, &self.holder) {
                Ok(l) => {
                    tracing::warn!(lock = %l.path().display(), "the project lock file was removed (with the output directory?); took it again");
                    self.lock = l;
                }
                Err(LockError::Held(h)) => {
                    return Err(DaemonError::Locked {
                        config: self.cfg.file.display().to_string(),
                        holder: h
                            .map_or_else(|| "another apigend process".into(), |h| h.describe()),
                        lock: crate::lock::path_of(&self.cfg).display().to_string(),
                    });
                }
                Err(LockError::Io(e)) => {
                    tracing::warn!(
                        "the project lock file was removed and cannot be re-created yet: {e}"
                    );
                }
            }
        }
        Ok(())
    }

    /// Drops paths whose bytes are what we last saw.
    fn gate(&mut self, batch: &mut Batch) {
        gate(&mut self.ledger, batch, file_hash);
    }

    fn on_job_done(&mut self, outcome: Result<JobOutcome, tokio::task::JoinError>) {
        let Some(mut job) = self.job.take() else { return };
        if let Some(r) = job.restore.take() {
            self.on_restore_done(r, outcome);
            return;
        }
        self.debouncer.finished();
        release_memory();
        let duration_ms = u64::try_from(job.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut summary = RunSummary {
            number: job.number,
            trigger: job.trigger.clone(),
            finished_at: unix_now(),
            duration_ms,
            ..RunSummary::default()
        };
        match outcome {
            Ok(JobOutcome::Done { report, before, kept, dangling }) => {
                self.guard.dangling = Some(dangling);
                self.guard.suspect = None;
                for j in &report.jobs {
                    self.guard.pinned.remove(&j.dir);
                    self.fingerprints.insert(j.dir.clone(), j.fingerprint.clone());
                }
                self.record_report(&report, &before, &kept, &mut summary);
            }
            Ok(JobOutcome::Suspect { hash, new }) => {
                tracing::warn!(
                    run = job.number,
                    "the spec has dangling $refs the last generated one did not have ({}): likely a save read half-written; nothing generated, reading it again after the debounce",
                    new.join(", ")
                );
                self.guard.suspect = Some(hash);
                self.debouncer.push(
                    Trigger::Rescan("the spec looked half-written; reading it again".into()),
                    Instant::now(),
                );
                summary.result = "deferred".into();
                tracing::info!(run = job.number, result = "deferred", duration_ms, trigger = %job.trigger, "run finished");
                for t in &job.batch.tickets {
                    if let Some(w) = self.waiters.remove(t) {
                        let _ = w.send(Reply {
                            run: Some(summary.clone()),
                            error: Some("the spec looked half-written (new dangling $refs); the daemon reads it again shortly".into()),
                            ..Reply::default()
                        });
                    }
                }
                self.status.state =
                    if self.status.last_error.is_some() { State::Error } else { State::Idle };
                self.write_status();
                return;
            }
            Ok(JobOutcome::Restored(_)) => return,
            Ok(JobOutcome::Failed(e)) => {
                summary.result = "error".into();
                summary.error = Some(e.to_string());
            }
            Ok(JobOutcome::Abandoned) => return,
            Err(e) => {
                summary.result = "error".into();
                summary.error = Some(format!("internal error in the run (please report): {e}"));
            }
        }
        if let Some(err) = &summary.error {
            // The cause, then what it means for the user.
            tracing::error!(run = job.number, "{err}");
            tracing::warn!(
                run = job.number,
                "the last good output is kept; fix the cause and save again"
            );
            self.status.last_error = Some(ErrorRecord {
                run: job.number,
                at: summary.finished_at,
                message: err.clone(),
            });
        } else {
            self.status.resolve_run_error();
        }
        self.status.runs = self.runs;
        self.status.state = if summary.result == "ok" { State::Idle } else { State::Error };
        self.status.last_run = Some(summary.clone());
        self.write_status();
        // Logged after the status file is written, so whoever sees the line
        // finds the status up to date.
        tracing::info!(
            run = job.number,
            result = %summary.result,
            written = %summary.written.join(","),
            up_to_date = %summary.up_to_date.join(","),
            failed = %summary.failed.join(","),
            duration_ms,
            trigger = %job.trigger,
            "run finished"
        );
        sd_notify(&format!("STATUS={}", self.status_line()));
        if !self.ready_sent {
            // Ready once the watches exist and the startup run is done.
            self.ready_sent = true;
            sd_notify("READY=1");
        }
        for t in &job.batch.tickets {
            if let Some(w) = self.waiters.remove(t) {
                let _ = w.send(Reply {
                    ok: summary.result == "ok",
                    run: Some(summary.clone()),
                    error: summary.error.clone(),
                    ..Reply::default()
                });
            }
        }
    }

    /// Logs each group's outcome with its reason and fills the summary and
    /// the status.
    fn record_report(
        &mut self,
        report: &RunReport,
        before: &HashMap<PathBuf, String>,
        kept: &[String],
        summary: &mut RunSummary,
    ) {
        for w in &report.warnings {
            tracing::warn!(run = summary.number, "{w}");
        }
        if let Some(e) = &report.archive_error {
            tracing::warn!(run = summary.number, "archive: {e}");
        }
        if !report.unassigned_apps.is_empty() {
            tracing::warn!(
                run = summary.number,
                "operations of these apps are in no group: {} (add them to a group's `apps`, or \"*\")",
                report.unassigned_apps.join(", ")
            );
        }
        // The spec file's bytes as this run read them: its own rewrite by
        // the spec command is then not a change.
        if let Some(p) = &self.cfg.spec.path {
            let key = p.canonicalize().unwrap_or_else(|_| p.clone());
            self.ledger.insert(key, Some(report.spec_hash.clone()));
        }
        let mut groups: BTreeMap<String, GroupStatus> = BTreeMap::new();
        for j in &report.jobs {
            let lang = j.language.as_str();
            let g = groups.entry(j.group.clone()).or_insert_with(|| GroupStatus {
                run: summary.number,
                at: summary.finished_at,
                result: "up to date".into(),
                why: Vec::new(),
            });
            match &j.outcome {
                Outcome::UpToDate => {
                    tracing::info!(run = summary.number, group = %j.group, language = lang, "skipped: slice unchanged");
                }
                Outcome::Written(stats) => {
                    let why = why_written(before.get(&j.dir), &j.fingerprint);
                    tracing::info!(
                        run = summary.number,
                        group = %j.group,
                        language = lang,
                        written = stats.written.len(),
                        unchanged = stats.unchanged,
                        removed = stats.deleted.len(),
                        "regenerated: {why}"
                    );
                    if g.result != "failed" {
                        g.result = "written".into();
                    }
                    g.why.push(format!("{lang}: {why}"));
                }
                Outcome::Failed(e) => {
                    tracing::error!(run = summary.number, group = %j.group, language = lang, "{e}");
                    g.result = "failed".into();
                    g.why.push(format!("{lang}: {e}"));
                }
            }
        }
        for name in kept {
            tracing::info!(run = summary.number, group = %name, "kept: the restored version stays until its slice changes");
            groups.insert(
                name.clone(),
                GroupStatus {
                    run: summary.number,
                    at: summary.finished_at,
                    result: "restored".into(),
                    why: vec!["kept the restored version: its slice has not changed since".into()],
                },
            );
        }
        // The API changes against the previous archive version, after the
        // per-group lines.
        for c in &report.changes {
            tracing::info!(
                run = summary.number,
                group = %c.group,
                breaking = c.breaking,
                warnings = c.warnings,
                info = c.info,
                files_changed = c.files_changed,
                "{}",
                c.line
            );
        }
        for (name, g) in groups {
            match g.result.as_str() {
                "written" => summary.written.push(name.clone()),
                "failed" => summary.failed.push(name.clone()),
                _ => summary.up_to_date.push(name.clone()),
            }
            self.status.groups.insert(name, g);
        }
        if summary.failed.is_empty() {
            summary.result = "ok".into();
        } else {
            summary.result = "failed".into();
            summary.error = Some(format!(
                "generating {} failed; their previous output is kept",
                summary.failed.join(", ")
            ));
        }
    }

    fn status_line(&self) -> String {
        match &self.status.last_run {
            Some(r) => format!(
                "{} · run #{} {}: written [{}] up to date [{}]{}",
                self.status.state.as_str(),
                r.number,
                r.result,
                r.written.join(", "),
                r.up_to_date.join(", "),
                r.error.as_ref().map(|e| format!(" · {}", first_line(e))).unwrap_or_default()
            ),
            None => self.status.state.as_str().to_string(),
        }
    }

    fn write_status(&mut self) {
        if let Err(e) = self.status.write(&self.paths.status) {
            tracing::warn!("cannot write the status file: {e}");
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The run itself, on a blocking thread: obtain and parse, then (unless
/// shutdown abandoned us meanwhile) generate and commit.
fn run_job(
    cfg: &Config,
    only: &[String],
    phase: &AtomicU8,
    pieces: &Arc<PieceCache>,
    guard: &Guard,
) -> JobOutcome {
    let mut groups = match pipeline::select_groups(cfg, only) {
        Ok(g) => g,
        Err(e) => return JobOutcome::Failed(e),
    };
    let loaded = match pipeline::load_api_cached(cfg, Some(pieces)) {
        Ok(x) => x,
        Err(e) => return JobOutcome::Failed(e),
    };
    // A save read half-written still parses when it stops between two
    // entries: what gives it away is `$ref`s to what the rest of the file
    // would have defined. The same bytes on the retry are what the user
    // meant (a real dangling ref), and generate with their warnings.
    let dangling: BTreeSet<String> =
        loaded.warnings.iter().filter(|w| w.starts_with("dangling ")).cloned().collect();
    if let Some(known) = &guard.dangling {
        let new: Vec<String> = dangling.difference(known).cloned().collect();
        if !new.is_empty() && guard.suspect.as_deref() != Some(loaded.doc.hash.as_str()) {
            return JobOutcome::Suspect { hash: loaded.doc.hash.clone(), new };
        }
    }
    // Groups at a restored version whose slice is what it was at the
    // restore stay as they are.
    let mut kept = Vec::new();
    if !guard.pinned.is_empty() {
        let planned = pipeline::plan(cfg, &groups, &loaded.api);
        groups.retain(|g| {
            let mine: Vec<_> = planned.iter().filter(|p| p.spec.name == g.name).collect();
            let keep = !mine.is_empty()
                && mine.iter().all(|p| guard.pinned.get(&p.dir) == Some(&p.fingerprint));
            if keep {
                kept.push(g.name.clone());
            }
            !keep
        });
    }
    if phase.compare_exchange(OBTAINING, COMMITTING, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return JobOutcome::Abandoned;
    }
    // Fingerprints on disk before the run, to say why a group changed.
    let mut before = HashMap::new();
    for g in &groups {
        for (on, dir) in [(cfg.typescript, &g.typescript_output), (cfg.python, &g.python_output)] {
            if let Some(m) = on.then(|| output::read_manifest(dir)).flatten() {
                before.insert(dir.clone(), m.fingerprint);
            }
        }
    }
    let report = pipeline::run_loaded(cfg, &groups, loaded, "watch");
    // The run's text and IR are freed; this blocking thread's heap held
    // them: give it back to the OS (the typed pieces stay in `pieces`).
    collect_this_thread();
    JobOutcome::Done { report, before, kept, dangling }
}

/// The hash of the regular file at `p`; `None` when there is none (gone,
/// unreadable, or not a regular file).
fn file_hash(p: &Path) -> Option<String> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    // Opening a FIFO waits for a writer, and this runs on the loop's one
    // thread: the daemon would hang, deaf to saves and even SIGTERM.
    // O_NONBLOCK makes that open return at once and changes nothing for a
    // regular file, the only kind read.
    let mut f =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(p).ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).ok()?;
    Some(output::hash(&bytes))
}

/// Forgets what the content gate saw at and below a directory that was
/// moved in or out. A move gives one event for the directory and none for
/// the files it brings or takes along, so nothing recorded there tells what
/// is there now: the directory's path must pass the gate even when it looks
/// the same as last time (gone, back, gone again: a directory has no bytes
/// to compare), and so must a file that comes back under it with the bytes
/// it had before the move.
/// Drops the batch's paths whose content (`hash_of`) is what the ledger last
/// saw, and records the others. A batch that asks for a rescan (events were
/// lost: an overflow, watches being rebuilt) first empties the ledger: a file
/// changed during the gap and changed back would otherwise look unchanged
/// at its next save, and that save would be dropped.
fn gate(
    ledger: &mut BTreeMap<PathBuf, Option<String>>,
    batch: &mut Batch,
    hash_of: impl Fn(&Path) -> Option<String>,
) {
    if !batch.rescan.is_empty() {
        ledger.clear();
    }
    batch.paths.retain(|p| {
        let now = hash_of(p);
        match ledger.get(p) {
            Some(seen) if *seen == now => false,
            _ => {
                ledger.insert(p.clone(), now);
                true
            }
        }
    });
}

fn forget_tree(ledger: &mut BTreeMap<PathBuf, Option<String>>, dir: &Path) {
    // Paths order component by component, so everything below `dir`
    // directly follows it.
    let below: Vec<PathBuf> = ledger
        .range::<Path, _>((Bound::Included(dir), Bound::Unbounded))
        .map(|(p, _)| p)
        .take_while(|p| p.starts_with(dir))
        .cloned()
        .collect();
    for p in below {
        ledger.remove(&p);
    }
}

fn why_written(old: Option<&String>, new: &str) -> String {
    let short = |s: &str| s.chars().take(12).collect::<String>();
    match old {
        None => "no previous output".into(),
        Some(o) if o != new => format!("slice changed (fingerprint {} → {})", short(o), short(new)),
        Some(_) => "files on disk differed from the last commit (edited or incomplete)".into(),
    }
}

/// A short human description of what triggered a batch.
fn describe(batch: &Batch, root: &Path) -> String {
    let mut parts: Vec<String> = batch.requests.clone();
    parts.extend(batch.rescan.iter().map(|r| format!("rescan: {r}")));
    let shown: Vec<String> = batch
        .paths
        .iter()
        .take(3)
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    if !shown.is_empty() {
        let more = batch.paths.len().saturating_sub(shown.len());
        let mut s = shown.join(", ");
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        parts.push(s);
    }
    parts.join("; ")
}

/// One control connection: a request line in, a reply line out.
async fn serve_client(stream: UnixStream, ctl: mpsc::Sender<(Request, oneshot::Sender<Reply>)>) {
    let (r, mut w) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(r);
    let read = tokio::time::timeout(Duration::from_secs(10), reader.read_line(&mut line));
    let reply = match read.await {
        Ok(Ok(_)) => match serde_json::from_str::<Request>(&line) {
            Ok(req) => {
                let (tx, rx) = oneshot::channel();
                if ctl.send((req, tx)).await.is_err() {
                    Reply { error: Some("the daemon is stopping".into()), ..Reply::default() }
                } else {
                    rx.await.unwrap_or_else(|_| Reply {
                        error: Some("the daemon is stopping".into()),
                        ..Reply::default()
                    })
                }
            }
            Err(e) => Reply { error: Some(format!("bad request: {e}")), ..Reply::default() },
        },
        _ => return,
    };
    let mut out = serde_json::to_vec(&reply).unwrap_or_default();
    out.push(b'\n');
    let _ = w.write_all(&out).await;
}

/// Sends a datagram to systemd's notify socket when there is one
/// (`Type=notify`); a no-op elsewhere (a terminal, launchd).
fn sd_notify(state: &str) {
    #[cfg(target_os = "linux")]
    {
        use std::os::linux::net::SocketAddrExt as _;
        use std::os::unix::net::{SocketAddr, UnixDatagram};
        let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return };
        let bytes = path.as_encoded_bytes();
        // `@name` is an abstract socket.
        let addr = match bytes.strip_prefix(b"@") {
            Some(name) => SocketAddr::from_abstract_name(name),
            None => SocketAddr::from_pathname(&path),
        };
        let sent = addr.and_then(|addr| {
            let sock = UnixDatagram::unbound()?;
            sock.send_to_addr(state.as_bytes(), &addr)
        });
        if let Err(e) = sent {
            tracing::debug!("sd_notify: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = state;
}

/// Hands the run's freed memory back to the OS. A run on a large spec
/// allocates tens of MiB spread over the worker threads' heaps, which the
/// allocator would otherwise keep cached for the daemon's idle life.
fn release_memory() {
    // mimalloc keeps a heap per thread: the generation ran on rayon's
    // workers, so each of them lets go of its own pages.
    rayon::broadcast(|_| collect_this_thread());
    collect_this_thread();
}

/// Returns the calling thread's cached free pages to the OS.
fn collect_this_thread() {
    // SAFETY: mi_collect(3) only frees mimalloc's cached pages (the global
    // allocator, see lib.rs); it has no preconditions.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// CLOCK_MONOTONIC in microseconds, as systemd's reload protocol wants.
fn monotonic_usec() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime(2) writes into the timespec we own.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &raw mut ts);
    }
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000
        + u64::try_from(ts.tv_nsec).unwrap_or(0) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rescan_forgets_what_the_gate_saw_before_the_lost_events() {
        let p = PathBuf::from("/p/backend/models.py");
        let hash = |_: &Path| Some("v1".to_string());
        let mut ledger = BTreeMap::new();
        let batch_of = |rescan: bool| {
            let mut b = Batch::default();
            b.paths = [p.clone()].into();
            if rescan {
                b.rescan.push("overflow".into());
            }
            b
        };
        let mut first = batch_of(false);
        gate(&mut ledger, &mut first, hash);
        assert_eq!(first.paths.len(), 1, "first sight passes");
        let mut same = batch_of(false);
        gate(&mut ledger, &mut same, hash);
        assert!(same.paths.is_empty(), "unchanged bytes are dropped");
        // Events were lost (the file may have changed and changed back):
        // the ledger is emptied, so the rescan's paths and the next save
        // pass again.
        ledger.insert(PathBuf::from("/p/backend/other.py"), Some("x".into()));
        let mut rescan = batch_of(true);
        gate(&mut ledger, &mut rescan, hash);
        assert_eq!(rescan.paths.len(), 1);
        assert_eq!(ledger.len(), 1, "only what the rescan batch saw is remembered");
    }

    #[test]
    fn forget_tree_forgets_the_directory_and_below_it_only() {
        let mut ledger: BTreeMap<PathBuf, Option<String>> = [
            "/p/backend/manage.py",
            "/p/backend/shop",
            "/p/backend/shop/models.py",
            "/p/backend/shop/api/views.py",
            "/p/backend/shop.py",
            "/p/backend/shop2/models.py",
            "/p/backend/shopping/models.py",
        ]
        .into_iter()
        .map(|p| (PathBuf::from(p), Some("h".to_string())))
        .collect();
        forget_tree(&mut ledger, Path::new("/p/backend/shop"));
        let left: Vec<&str> = ledger.keys().filter_map(|p| p.to_str()).collect();
        assert_eq!(
            left,
            [
                "/p/backend/manage.py",
                "/p/backend/shop.py",
                "/p/backend/shop2/models.py",
                "/p/backend/shopping/models.py"
            ]
        );
    }
}
