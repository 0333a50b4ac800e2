//! The clients of the daemon: `apigend regen` and the hand-over of
//! `generate` and `archive restore` to a running daemon, and the project
//! lock as a one-shot writer takes it (hand over, or wait for the other
//! writer).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use super::{Reply, Request};
use crate::config::{self, Config};
use crate::lock::{Holder, LockError, ProjectLock};
use crate::pipeline::{self, Outcome};

/// The right to write a project, as a one-shot command gets it.
#[derive(Debug)]
pub enum Writer {
    /// This process holds the project lock (until dropped).
    Lock(ProjectLock),
    /// A daemon holds it and answers on this socket: hand the work over.
    Daemon(Holder, PathBuf),
}

/// How long a one-shot writer waits for another one beyond the other's
/// spec-command time-out (its generation and commit).
pub(super) const WRITER_WAIT_MARGIN: Duration = Duration::from_secs(120);

/// Takes the project lock for `what` (`generate`, `archive restore`,
/// `regen`): at once when free; by handing over when a daemon holds it and
/// answers; otherwise after waiting, bounded and saying for whom, for the
/// other writer to finish.
///
/// # Errors
/// The wait ran out, or the lock cannot be opened.
pub fn take_writer_lock(cfg: &Config, what: &str) -> Result<Writer, String> {
    let me = Holder::me(what);
    let max = cfg.spec.timeout + WRITER_WAIT_MARGIN;
    let mut daemon = None;
    let mut told: Option<Option<Holder>> = None;
    let got = ProjectLock::acquire(cfg, &me, max, |h| {
        if let Some(h) = h
            && h.what == "daemon"
            && let Some(sock) = &h.socket
            && std::os::unix::net::UnixStream::connect(sock).is_ok()
        {
            daemon = Some((h.clone(), sock.clone()));
            return false;
        }
        if told.as_ref() != Some(&h.cloned()) {
            let who = h.map_or_else(|| "another apigend process".into(), Holder::describe);
            tracing::warn!(
                holder = %who,
                lock = %crate::lock::path_of(cfg).display(),
                "{who} is writing this project; waiting up to {}s for it to finish",
                max.as_secs()
            );
            told = Some(h.cloned());
        }
        true
    });
    match got {
        Ok(l) => Ok(Writer::Lock(l)),
        Err(LockError::Held(_)) if daemon.is_some() => {
            let (h, sock) = daemon.unwrap_or_default();
            Ok(Writer::Daemon(h, sock))
        }
        Err(LockError::Held(h)) => Err(format!(
            "{}: gave up after {}s waiting for {} to finish writing this project; try again, or stop it",
            crate::lock::path_of(cfg).display(),
            max.as_secs(),
            h.map_or_else(|| "another apigend process".into(), |h| h.describe())
        )),
        Err(LockError::Io(e)) => Err(e),
    }
}

/// Sends one request to the daemon's socket and reads its reply.
fn ask(socket: &Path, req: &Request) -> Result<Reply, String> {
    use std::io::{BufRead as _, Write as _};
    let io = |e: std::io::Error| format!("{}: talking to the daemon: {e}", socket.display());
    let mut stream = std::os::unix::net::UnixStream::connect(socket).map_err(io)?;
    let mut line = serde_json::to_vec(req).map_err(|e| e.to_string())?;
    line.push(b'\n');
    stream.write_all(&line).map_err(io)?;
    let mut answer = String::new();
    std::io::BufReader::new(stream).read_line(&mut answer).map_err(io)?;
    serde_json::from_str(&answer)
        .map_err(|e| format!("{}: unreadable answer from the daemon: {e}", socket.display()))
}

/// `apigend regen`: asks the running daemon for a run (and with `wait`,
/// waits for its result); without a daemon, runs once in this process.
///
/// # Errors
/// The config cannot be loaded, or the daemon cannot be reached although it
/// holds the lock.
pub fn regen(config_path: &Path, groups: &[String], wait: bool) -> Result<ExitCode, String> {
    let cfg = config::load(config_path).map_err(|e| e.to_string())?;
    match take_writer_lock(&cfg, "regen")? {
        Writer::Daemon(_, socket) => regen_via(&socket, groups, wait),
        Writer::Lock(lock) => one_shot(&cfg, lock, groups),
    }
}

/// Asks the daemon on `socket` for a run and prints its result.
///
/// # Errors
/// The daemon cannot be reached, or the run failed.
pub fn regen_via(socket: &Path, groups: &[String], wait: bool) -> Result<ExitCode, String> {
    let req = Request { cmd: "regen".into(), groups: groups.to_vec(), wait, version: None };
    let reply = ask(socket, &req)?;
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
        println!("queued; the daemon regenerates shortly (`apigend status` shows the result)");
    }
    match reply.error {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Hands `archive restore` to the daemon on `socket`, which runs it
/// between runs and keeps the restored version as its baseline; returns
/// what the restore prints.
///
/// # Errors
/// The daemon cannot be reached, or the restore failed.
pub fn restore_via(socket: &Path, version: &str, groups: &[String]) -> Result<String, String> {
    let req = Request {
        cmd: "restore".into(),
        groups: groups.to_vec(),
        wait: true,
        version: Some(version.to_string()),
    };
    let reply = ask(socket, &req)?;
    match reply.error {
        Some(e) => Err(e),
        None => Ok(reply.text.unwrap_or_default()),
    }
}

/// No daemon answers: regenerate here, under the project lock.
fn one_shot(cfg: &Config, lock: ProjectLock, groups: &[String]) -> Result<ExitCode, String> {
    tracing::info!("no daemon is running; generating once");
    let report = pipeline::run(cfg, groups, "regen").map_err(|e| e.to_string())?;
    drop(lock);
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
            Outcome::Failed(e) => tracing::error!("{what}: {e}"),
        }
    }
    for c in &report.changes {
        c.log();
    }
    Ok(if report.failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
