//! `apigend watch`: the daemon loop, and `apigend regen`, its client.
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
//! finish (a run still obtaining its spec has written nothing and is simply
//! abandoned), and exit 0; a second SIGINT exits at once.
//!
//! Errors come in two tiers (STYLE rule 12): [`DaemonError`] (bad config at
//! start, the lock held, the watcher or socket failing) ends the process
//! non-zero so a supervisor restarts it; a failing run (bad spec, failing or
//! hanging spec command, unreachable URL) is logged with its cause, recorded
//! in the status file, and the loop goes on with the last good output in
//! place.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};

use crate::config::{self, Config};
use crate::obtain::warm::Warm;
use crate::output;
use crate::pipeline::{self, Outcome, RunError, RunReport};
use crate::spec::PieceCache;
use crate::status::{
    ErrorRecord, GroupStatus, InstanceLock, LockError, RunSummary, RuntimePaths, State, Status,
    unix_now,
};
use crate::watch::{Batch, Debouncer, Plan, Source, SpecEvent, Trigger, WatchError};

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
    /// Another daemon runs for this config.
    #[error(
        "{config}: another apigend daemon{} is already watching this project; stop it first, or ask it to regenerate with `apigend regen`",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Locked {
        /// The config file.
        config: String,
        /// The holder, if known.
        pid: Option<u32>,
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
    // A run abandoned at shutdown may still be blocked in its spec command;
    // do not wait for it (it has written nothing).
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
    Done { report: RunReport, before: HashMap<PathBuf, String> },
    Failed(RunError),
    Abandoned,
}

struct Job {
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
}

struct Daemon {
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
    /// The warm schema worker that runs `spec.command` when `spec.warm` is
    /// on; its processes die with the daemon.
    warm: Arc<Warm>,
}

async fn run_daemon(config_path: &Path) -> Result<(), DaemonError> {
    let cfg = config::load(config_path)?;
    let paths = RuntimePaths::for_config(&cfg.file).map_err(DaemonError::Runtime)?;
    let _lock = match InstanceLock::try_acquire(&paths) {
        Ok(l) => l,
        Err(LockError::Held(pid)) => {
            return Err(DaemonError::Locked { config: cfg.file.display().to_string(), pid });
        }
        Err(LockError::Io(e)) => return Err(DaemonError::Runtime(e)),
    };
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
    };
    let mut d = Daemon {
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
        warm: Warm::new(),
    };
    d.write_status();
    // The synthetic "everything changed" event (watchexec's kickstart).
    let now = Instant::now();
    d.debouncer
        .push(Trigger::Now { reason: "startup".into(), groups: Vec::new(), ticket: None }, now);

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
                    std::process::exit(130);
                }
                d.on_stop("SIGINT");
            }
            _ = sighup.recv() => d.reload(),
        }
        if d.source.rescan_needed.swap(false, Ordering::AcqRel) {
            d.debouncer.push(
                Trigger::Rescan("too many file events at once; some were not recorded".into()),
                Instant::now(),
            );
        }
    }
    // A run abandoned in its spec command leaves the worker busy: kill it
    // without waiting for the run.
    d.warm.stop();
    d.status.state = State::Stopped;
    d.write_status();
    for (_, w) in d.waiters.drain() {
        let _ = w.send(Reply { error: Some("the daemon is stopping".into()), ..Reply::default() });
    }
    let _ = std::fs::remove_file(&d.paths.socket);
    tracing::info!("stopped");
    Ok(())
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
        if req.cmd != "regen" {
            let _ = reply.send(Reply {
                error: Some(format!(
                    "unknown request `{}`; this daemon understands `regen`",
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
                // Nothing was written yet: leave the run behind.
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
        // What the worker preloaded (settings, virtualenv) may have changed
        // in ways its file stamps cannot see: start it afresh.
        self.warm.request_restart();
        let result = config::load(&self.config_path).map_err(|e| e.to_string()).and_then(|cfg| {
            // The same plan as at start: our runtime files may sit inside a
            // watched tree, and the status written after each run must not
            // look like a change.
            let plan = plan_for(&cfg, &self.paths).map_err(|e| e.to_string())?;
            let source = Source::start(&plan, self.events_tx.clone()).map_err(|e| e.to_string())?;
            Ok((cfg, source))
        });
        match result {
            Ok((cfg, source)) => {
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
        tracing::info!(run = number, trigger = %trigger, "run started");
        let cfg = Arc::clone(&self.cfg);
        let phase = Arc::new(AtomicU8::new(OBTAINING));
        let job_phase = Arc::clone(&phase);
        let pieces = Arc::clone(&self.pieces);
        let warm = Arc::clone(&self.warm);
        let handle =
            tokio::task::spawn_blocking(move || run_job(&cfg, &only, &job_phase, &pieces, &warm));
        self.job = Some(Job { number, batch, trigger, started: Instant::now(), phase, handle });
        self.status.state = State::Generating;
        self.write_status();
        sd_notify(&format!("STATUS=generating (run #{number})"));
    }

    /// Drops paths whose bytes are what we last saw.
    fn gate(&mut self, batch: &mut Batch) {
        gate(&mut self.ledger, batch, file_hash);
    }

    fn on_job_done(&mut self, outcome: Result<JobOutcome, tokio::task::JoinError>) {
        let Some(job) = self.job.take() else { return };
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
            Ok(JobOutcome::Done { report, before }) => {
                self.record_report(&report, &before, &mut summary)
            }
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
        summary: &mut RunSummary,
    ) {
        for w in &report.warnings {
            tracing::warn!(run = summary.number, "{w}");
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
    warm: &Warm,
) -> JobOutcome {
    let groups = match pipeline::select_groups(cfg, only) {
        Ok(g) => g,
        Err(e) => return JobOutcome::Failed(e),
    };
    let loaded = match pipeline::load_api_cached(cfg, Some(pieces), Some(warm)) {
        Ok(x) => x,
        Err(e) => return JobOutcome::Failed(e),
    };
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
    JobOutcome::Done { report, before }
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

/// `apigend regen`: asks the running daemon for a run (and with `wait`,
/// waits for its result); without a daemon, runs once in this process.
///
/// # Errors
/// The config cannot be loaded, or the daemon cannot be reached although it
/// holds the lock.
pub fn regen(config_path: &Path, groups: &[String], wait: bool) -> Result<ExitCode, String> {
    use std::io::{BufRead as _, Write as _};
    let paths = RuntimePaths::for_config(config_path)?;
    match std::os::unix::net::UnixStream::connect(&paths.socket) {
        Ok(mut stream) => {
            let req = Request { cmd: "regen".into(), groups: groups.to_vec(), wait };
            let mut line = serde_json::to_vec(&req).map_err(|e| e.to_string())?;
            line.push(b'\n');
            let io = |e: std::io::Error| {
                format!("{}: talking to the daemon: {e}", paths.socket.display())
            };
            stream.write_all(&line).map_err(io)?;
            let mut answer = String::new();
            std::io::BufReader::new(stream).read_line(&mut answer).map_err(io)?;
            let reply: Reply = serde_json::from_str(&answer).map_err(|e| {
                format!("{}: unreadable answer from the daemon: {e}", paths.socket.display())
            })?;
            if let Some(run) = &reply.run {
                println!(
                    "run #{}: {}; written [{}], up to date [{}]{}",
                    run.number,
                    run.result,
                    run.written.join(", "),
                    run.up_to_date.join(", "),
                    if run.failed.is_empty() {
                        String::new()
                    } else {
                        format!(", failed [{}]", run.failed.join(", "))
                    }
                );
            } else if reply.queued {
                println!(
                    "queued; the daemon regenerates shortly (`apigend status` shows the result)"
                );
            }
            match reply.error {
                Some(e) => Err(e),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Err(_) => one_shot(config_path, &paths, groups),
    }
}

/// No daemon answers: regenerate here, under the daemon's lock so a daemon
/// starting meanwhile cannot write the same output at the same time.
fn one_shot(
    config_path: &Path,
    paths: &RuntimePaths,
    groups: &[String],
) -> Result<ExitCode, String> {
    let cfg = config::load(config_path).map_err(|e| e.to_string())?;
    let _lock = match InstanceLock::try_acquire(paths) {
        Ok(l) => l,
        Err(LockError::Held(pid)) => {
            return Err(format!(
                "{}: a daemon{} holds the lock but does not answer on {}; it may be starting, try again",
                cfg.file.display(),
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
                paths.socket.display()
            ));
        }
        Err(LockError::Io(e)) => return Err(e),
    };
    tracing::info!("no daemon is running; generating once");
    let report = pipeline::run(&cfg, groups, "regen").map_err(|e| e.to_string())?;
    for j in &report.jobs {
        let what = format!("{}/{}", j.group, j.language.as_str());
        match &j.outcome {
            Outcome::UpToDate => println!("{what}: up to date"),
            Outcome::Written(s) => println!(
                "{what}: {} written, {} unchanged, {} removed",
                s.written.len(),
                s.unchanged,
                s.deleted.len()
            ),
            Outcome::Failed(e) => eprintln!("apigend: {what}: {e}"),
        }
    }
    Ok(if report.failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
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
