//! Obtaining the spec's bytes: read a file, run the command that writes it,
//! or fetch it from a running dev server.
//!
//! This is shell code: it runs processes and does I/O, with timeouts, and
//! turns every failure into a [`ObtainError`] that says what failed and
//! carries the command's stderr.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::SpecSource;

pub mod process_group;

/// Why the spec could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ObtainError {
    /// The spec file cannot be read.
    #[error("{path}: cannot read spec: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The spec command failed, timed out or could not start.
    #[error("spec command `{command}` {what}{}", stderr_tail(.stderr))]
    Command {
        /// The command line, for the message.
        command: String,
        /// `exited with status 1`, `timed out after 120s`, …
        what: String,
        /// The last lines of its stderr (and stdout).
        stderr: String,
    },
    /// The dev server did not answer with a document.
    #[error("{url}: cannot fetch spec: {message}")]
    Fetch {
        /// The URL.
        url: String,
        /// What went wrong on the last attempt.
        message: String,
    },
}

fn stderr_tail(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        return String::new();
    }
    let lines: Vec<&str> = s.lines().collect();
    let tail = &lines[lines.len().saturating_sub(20)..];
    format!("; its output ends with:\n  {}", tail.join("\n  "))
}

/// The bytes of the spec and where they came from (for messages).
#[derive(Debug, Clone)]
pub struct Obtained {
    /// The document's bytes.
    pub bytes: Vec<u8>,
    /// The file path or URL.
    pub origin: String,
}

/// Runs the spec command if there is one, then reads the file, or fetches
/// the URL.
///
/// # Errors
/// See [`ObtainError`].
pub fn obtain(src: &SpecSource) -> Result<Obtained, ObtainError> {
    if let Some(cmd) = &src.command {
        run_command(cmd, &src.cwd, src.timeout)?;
    }
    if let Some(url) = &src.url {
        return fetch_url(url, src.timeout);
    }
    let path = src.path.as_deref().unwrap_or(Path::new("openapi.yaml"));
    let bytes = read_file(path, MAX_SPEC_BYTES, src.timeout)
        .map_err(|source| ObtainError::Read { path: path.display().to_string(), source })?;
    Ok(Obtained { bytes, origin: path.display().to_string() })
}

/// How often a file seen changing while it was read is read again before
/// giving up (the daemon tries again at the writer's next event anyway).
const STABLE_READ_ATTEMPTS: u32 = 5;
/// A file modified this recently may still be being written.
const HOT: Duration = Duration::from_secs(1);
/// How long a hot file must stay unchanged after it was read.
const SETTLE: Duration = Duration::from_millis(20);

/// Reads a regular file whole, at most `cap` bytes, within `timeout`, and
/// only when it did not change while being read.
///
/// A FIFO or a device at the path is refused without blocking (opening a
/// FIFO waits for a writer; reading a device may never end). A file whose
/// identity, size or modification time differs after the read from before
/// it, or whose length is not what was read, was being written: what was
/// read may be a prefix of a save, so it is read again after a pause.
/// The read runs on its own thread so a hung file system (a stale NFS
/// mount) costs a time-out, not the caller.
///
/// # Errors
/// Not a regular file, larger than `cap`, unreadable, still changing
/// after several attempts, or not read within `timeout`.
pub fn read_file(path: &Path, cap: u64, timeout: Duration) -> std::io::Result<Vec<u8>> {
    let owned = path.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new().name("apigend-read".into()).spawn(move || {
        let _ = tx.send(read_stable(&owned, cap));
    })?;
    match rx.recv_timeout(timeout) {
        Ok(r) => r,
        // The thread stays blocked in the kernel; it holds nothing but
        // its own buffer.
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "not read within {}s (a hung file system?); raise spec.command_timeout if it is just slow",
                timeout.as_secs_f32()
            ),
        )),
    }
}

/// What tells two states of a file apart without reading it.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: Option<std::time::SystemTime>,
}

impl Identity {
    fn of(m: &std::fs::Metadata) -> Identity {
        use std::os::unix::fs::MetadataExt as _;
        Identity { dev: m.dev(), ino: m.ino(), len: m.len(), mtime: m.modified().ok() }
    }
}

/// The file, read again from its start, holds exactly `bytes`.
fn reads_the_same(f: &mut std::fs::File, bytes: &[u8], cap: u64) -> bool {
    use std::io::Seek as _;
    let mut again = Vec::with_capacity(bytes.len());
    f.rewind().is_ok()
        && f.by_ref().take(cap.saturating_add(1)).read_to_end(&mut again).is_ok()
        && again == bytes
}

fn read_stable(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut attempt = 0;
    loop {
        attempt += 1;
        // O_NONBLOCK: opening a FIFO returns at once instead of waiting for
        // a writer; for a regular file it changes nothing.
        let mut f =
            std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
        let before = f.metadata()?;
        if !before.is_file() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "not a regular file (a FIFO, socket or device?); point spec.path at a file",
            ));
        }
        if before.len() > cap {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("{} bytes, more than the {cap} apigend reads", before.len()),
            ));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(before.len()).unwrap_or(0));
        f.by_ref().take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > cap {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("grew past the {cap} bytes apigend reads"),
            ));
        }
        let was = Identity::of(&before);
        // A file modified within the last second may be a save in progress
        // that merely paused between two writes while we read: give it a
        // moment to show another write before trusting what was read.
        let hot = was.mtime.and_then(|t| t.elapsed().ok()).is_none_or(|age| age < HOT);
        if hot {
            std::thread::sleep(SETTLE);
        }
        let same = |m: std::io::Result<std::fs::Metadata>| m.is_ok_and(|m| Identity::of(&m) == was);
        // The open file, and whatever the path names now (a save renamed
        // over it replaces it). A hot file is also read a second time and
        // must read the same: a rewrite of the same size within the file
        // system's mtime granularity (a second on HFS+, two on FAT) changes
        // no metadata.
        let stable = u64::try_from(bytes.len()).is_ok_and(|n| n == was.len)
            && same(f.metadata())
            && same(std::fs::metadata(path))
            && (!hot || reads_the_same(&mut f, &bytes, cap));
        if stable {
            return Ok(bytes);
        }
        if attempt >= STABLE_READ_ATTEMPTS {
            return Err(Error::new(
                ErrorKind::Interrupted,
                "it kept changing while being read (a save in progress?); it is read again at its next change",
            ));
        }
        std::thread::sleep(Duration::from_millis(50) * attempt);
    }
}

/// Largest spec accepted from a command's file or a URL; beyond it the
/// source is more likely broken than an API.
pub const MAX_SPEC_BYTES: u64 = 256 * 1024 * 1024;

/// Runs `argv` in `cwd`, killing it (and its process group) after `timeout`.
///
/// # Errors
/// Spawn failures, non-zero exits and time-outs, with its output.
pub fn run_command(argv: &[String], cwd: &Path, timeout: Duration) -> Result<(), ObtainError> {
    let shown = argv.join(" ");
    let fail = |what: String, stderr: String| ObtainError::Command {
        command: shown.clone(),
        what,
        stderr,
    };
    let Some((program, args)) = argv.split_first() else {
        return Err(fail("is empty".into(), String::new()));
    };
    // A relative program path with a slash (`.venv/bin/python`) means the
    // one in the command's working directory, as in a shell there; std
    // leaves that ambiguous (parent's or child's directory).
    let program = if program.contains('/') && Path::new(program).is_relative() {
        cwd.join(program).into_os_string()
    } else {
        program.into()
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a time-out or the daemon's shutdown kills
    // what it spawned too (manage.py may fork).
    let mut child = process_group::spawn(&mut cmd)
        .map_err(|e| fail(format!("could not start in {}: {e}", cwd.display()), String::new()))?;
    // Drain both pipes on threads so a chatty command cannot block on a full
    // pipe while we wait for it.
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.by_ref().take(1 << 20).read_to_end(&mut buf);
                let _ = std::io::copy(&mut r, &mut std::io::sink());
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(
        child.child_mut().stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let err = drain(
        child.child_mut().stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let start = Instant::now();
    // `try_wait` kills what the leader leaves running when it exits, so
    // the pipes close and the drains end.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= timeout => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(fail(format!("could not be waited for: {e}"), String::new())),
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let output =
            format!("{}{}", out.join().unwrap_or_default(), err.join().unwrap_or_default());
        return Err(fail(
            format!(
                "timed out after {}s and was killed (raise spec.command_timeout if it is just slow)",
                timeout.as_secs_f32()
            ),
            output,
        ));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    Err(fail(format!("failed ({status})"), format!("{stdout}{stderr}")))
}

/// Fetches the spec from a dev server, retrying while it restarts (connection
/// refused, 5xx) until `timeout`.
///
/// # Errors
/// The last failure when time is up, or a 4xx at once.
pub fn fetch_url(url: &str, timeout: Duration) -> Result<Obtained, ObtainError> {
    let fail = |message: String| ObtainError::Fetch { url: url.to_string(), message };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout.min(Duration::from_secs(60))))
        .http_status_as_error(false)
        .build()
        .into();
    let start = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        let attempt = agent.get(url).header("Accept", "application/json, application/yaml").call();
        let last = match attempt {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if (200..300).contains(&status) {
                    let mut bytes = Vec::new();
                    let read =
                        resp.body_mut().as_reader().take(MAX_SPEC_BYTES).read_to_end(&mut bytes);
                    return match read {
                        Ok(_) => Ok(Obtained { bytes, origin: url.to_string() }),
                        Err(e) => Err(fail(format!("reading the body failed: {e}"))),
                    };
                }
                if (400..500).contains(&status) {
                    return Err(fail(format!("the server answered {status}; check spec.url")));
                }
                format!("the server answered {status}")
            }
            Err(e) => e.to_string(),
        };
        if start.elapsed() + delay > timeout {
            return Err(fail(format!("{last} (gave up after {}s)", start.elapsed().as_secs())));
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_command_reports_its_stderr() {
        let argv: Vec<String> =
            ["sh", "-c", "echo boom >&2; exit 3"].iter().map(|s| (*s).to_string()).collect();
        let e = run_command(&argv, Path::new("."), Duration::from_secs(10)).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("failed") && s.contains("boom"), "{s}");
    }

    #[test]
    fn hanging_command_is_killed() {
        let argv: Vec<String> = ["sh", "-c", "sleep 30"].iter().map(|s| (*s).to_string()).collect();
        let e = run_command(&argv, Path::new("."), Duration::from_millis(200)).unwrap_err();
        assert!(e.to_string().contains("timed out"), "{e}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_time_out_kills_the_grandchild_too() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("grandchild");
        let script = format!("sleep 300 & echo $! > {}; sleep 300", pidfile.display());
        let argv: Vec<String> = vec!["sh".into(), "-c".into(), script];
        let e = run_command(&argv, d.path(), Duration::from_millis(500)).unwrap_err();
        assert!(e.to_string().contains("timed out"), "{e}");
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        let start = Instant::now();
        loop {
            // SAFETY: signal 0 only checks that the process exists.
            let exists = unsafe { libc::kill(pid, 0) } == 0;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if !exists || stat.contains(") Z ") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "the grandchild survived");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        use std::os::unix::ffi::OsStrExt as _;
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("openapi.yaml");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: mkfifo(3) with a NUL-terminated path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_file(&fifo, MAX_SPEC_BYTES, Duration::from_secs(60)).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn the_size_cap_applies_to_plain_reads() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("openapi.yaml");
        std::fs::write(&p, vec![b'x'; 101]).unwrap();
        let e = read_file(&p, 100, Duration::from_secs(60)).unwrap_err();
        assert!(e.to_string().contains("more than the 100"), "{e}");
        assert_eq!(read_file(&p, 101, Duration::from_secs(60)).unwrap().len(), 101);
    }

    #[test]
    fn a_file_that_keeps_changing_is_not_returned() {
        use std::io::Write as _;
        use std::sync::atomic::{AtomicBool, Ordering};
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("openapi.yaml");
        std::fs::write(&p, "openapi: 3.0.3\n").unwrap();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let writer = {
            let (p, stop) = (p.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    // No pause: every read overlaps a write.
                    f.write_all(b"# more\n").unwrap();
                }
            })
        };
        let r = read_file(&p, MAX_SPEC_BYTES, Duration::from_secs(60));
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
        let e = r.unwrap_err();
        assert!(e.to_string().contains("kept changing"), "{e}");
        // Once the writer is done, the whole file is read.
        let whole = std::fs::read(&p).unwrap();
        assert_eq!(read_file(&p, MAX_SPEC_BYTES, Duration::from_secs(60)).unwrap(), whole);
    }

    #[test]
    fn a_relative_program_path_is_found_in_the_commands_directory() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join(".venv/bin")).unwrap();
        let script = d.path().join(".venv/bin/python");
        std::fs::write(&script, "#!/bin/sh\necho ran > ran.txt\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let argv = vec![".venv/bin/python".to_string()];
        run_command(&argv, d.path(), Duration::from_secs(30)).unwrap();
        assert!(d.path().join("ran.txt").exists());
    }

    #[test]
    fn missing_program_is_named() {
        let argv = vec!["definitely-not-a-program-apigend".to_string()];
        let e = run_command(&argv, Path::new("."), Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().contains("could not start"), "{e}");
    }
}
