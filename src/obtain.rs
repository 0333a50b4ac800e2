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

pub mod warm;

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

/// Runs the spec command if there is one (in the warm worker when given one
/// and `spec.warm` is on), then reads the file, or fetches the URL.
///
/// # Errors
/// See [`ObtainError`].
pub fn obtain(src: &SpecSource, warm: Option<&warm::Warm>) -> Result<Obtained, ObtainError> {
    if let Some(cmd) = &src.command {
        match warm.filter(|_| src.warm) {
            Some(w) => w.run(cmd, &src.cwd, src.timeout)?,
            None => run_command(cmd, &src.cwd, src.timeout)?,
        }
    }
    if let Some(url) = &src.url {
        return fetch_url(url, src.timeout);
    }
    let path = src.path.as_deref().unwrap_or(Path::new("openapi.yaml"));
    let bytes = std::fs::read(path)
        .map_err(|source| ObtainError::Read { path: path.display().to_string(), source })?;
    Ok(Obtained { bytes, origin: path.display().to_string() })
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
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // Its own process group, so a time-out kills what it spawned too
        // (manage.py may fork).
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
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
    let out = drain(child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>));
    let err = drain(child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= timeout => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(fail(format!("could not be waited for: {e}"), String::new())),
        }
    };
    let Some(status) = status else {
        kill_group(&mut child);
        let _ = child.wait();
        let output =
            format!("{}{}", out.join().unwrap_or_default(), err.join().unwrap_or_default());
        return Err(timed_out(argv, timeout, output));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    Err(failed(argv, status, format!("{stdout}{stderr}")))
}

/// The error of a command that exited unsuccessfully (shared with the warm
/// worker, whose failures must read exactly the same).
fn failed(argv: &[String], status: std::process::ExitStatus, output: String) -> ObtainError {
    ObtainError::Command {
        command: argv.join(" "),
        what: format!("failed ({status})"),
        stderr: output,
    }
}

/// The error of a command killed at its time-out.
fn timed_out(argv: &[String], timeout: Duration, output: String) -> ObtainError {
    ObtainError::Command {
        command: argv.join(" "),
        what: format!(
            "timed out after {}s and was killed (raise spec.command_timeout if it is just slow)",
            timeout.as_secs_f32()
        ),
        stderr: output,
    }
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created for this child; it has no memory-safety preconditions.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
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
    fn missing_program_is_named() {
        let argv = vec!["definitely-not-a-program-apigend".to_string()];
        let e = run_command(&argv, Path::new("."), Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().contains("could not start"), "{e}");
    }
}
