//! Child processes that live in a process group of their own and never
//! outlive their use: the group is killed as a whole on a time-out, on
//! drop, on daemon shutdown ([`kill_all`]), and its stragglers are killed
//! once the leader exits.
//!
//! A spec command is usually a wrapper (`sh -c`, `uv run`, `manage.py`
//! under autoreload) whose real work happens in a child or grandchild;
//! killing only the direct child leaves that work running, writing the spec
//! after the daemon is gone and holding the output pipes open. A process
//! that calls `setsid(2)` leaves the group and escapes this; under systemd
//! `KillMode=mixed` catches it through the cgroup.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Process groups of the children alive now (their leaders' pids).
static LIVE: Mutex<Vec<i32>> = Mutex::new(Vec::new());
/// Set by [`kill_all`]: no new group may start after shutdown began.
static STOPPING: AtomicBool = AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<i32>> {
    LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A child that leads its own process group.
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    pgid: i32,
    reaped: bool,
}

/// Spawns `cmd` as the leader of a new process group and records the group
/// so [`kill_all`] reaches it.
///
/// # Errors
/// The spawn failed, or shutdown has begun (`ErrorKind::Interrupted`).
pub fn spawn(cmd: &mut Command) -> io::Result<GroupChild> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
    }
    // Spawned under the registry's lock, so a concurrent `kill_all` either
    // sees this group or has already refused it.
    let mut groups = live();
    if STOPPING.load(Ordering::Acquire) {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "apigend is shutting down"));
    }
    let child = cmd.spawn()?;
    let pgid = i32::try_from(child.id()).unwrap_or(0);
    groups.push(pgid);
    Ok(GroupChild { child, pgid, reaped: false })
}

/// Sends SIGKILL to every live group and refuses new ones: the daemon is
/// stopping and nothing started for it may survive it.
pub fn kill_all() {
    STOPPING.store(true, Ordering::Release);
    for &pgid in live().iter() {
        signal_group(pgid);
    }
}

fn signal_group(pgid: i32) {
    #[cfg(unix)]
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals a process group we
        // created; it has no memory-safety preconditions. The leader is
        // not reaped yet (see `reap`), so the id cannot have been reused.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pgid;
}

impl GroupChild {
    /// The leader's pid (also the group id).
    #[must_use]
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The child, e.g. to take its pipes. Do not wait on it directly: use
    /// [`GroupChild::try_wait`], which kills the stragglers first.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The leader's exit status once it has exited (the rest of its group is
    /// killed then), `None` while it runs.
    ///
    /// # Errors
    /// Waiting failed.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.reaped {
            return self.child.try_wait();
        }
        if !leader_exited(&mut self.child)? {
            return Ok(None);
        }
        self.reap().map(Some)
    }

    /// Kills the whole group and reaps the leader.
    ///
    /// # Errors
    /// Waiting failed.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        if self.reaped {
            return self.child.wait();
        }
        self.reap()
    }

    /// Kills what is left of the group, forgets it, then reaps the leader:
    /// until then its pid (the group id) stays taken, so the signal cannot
    /// hit a stranger.
    fn reap(&mut self) -> io::Result<ExitStatus> {
        signal_group(self.pgid);
        live().retain(|&g| g != self.pgid);
        let status = self.child.wait();
        self.reaped = true;
        status
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.reap();
        }
    }
}

/// True once the leader has exited, without reaping it (`WNOWAIT`).
#[cfg(target_os = "linux")]
fn leader_exited(child: &mut Child) -> io::Result<bool> {
    let pid: libc::id_t = child.id();
    // SAFETY: an all-zero siginfo_t is a valid value; waitid(2) writes into
    // the one we own.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above; P_PID names our own child.
    let r = unsafe {
        libc::waitid(libc::P_PID, pid, &raw mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT)
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: waitid filled `info` (si_pid is 0 when nothing has exited).
    Ok(unsafe { info.si_pid() } != 0)
}

/// Elsewhere: reaping tells; the group is then killed right after, which
/// leaves a tiny window in which its id could be reused.
#[cfg(not(target_os = "linux"))]
fn leader_exited(child: &mut Child) -> io::Result<bool> {
    child.try_wait().map(|s| s.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn alive(pid: i32) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid, 0) == 0 }
    }

    fn wait_gone(pid: i32) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            // A killed grandchild is reparented and reaped by init; until
            // then it is a zombie, which `kill 0` still finds.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if !alive(pid) || stat.contains(") Z ") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn grandchild_pid(file: &std::path::Path) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(pid) =
                std::fs::read_to_string(file).ok().and_then(|s| s.trim().parse().ok())
            {
                return pid;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no grandchild pid");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_leader_that_exits_takes_its_stragglers_along() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("grandchild");
        let script = format!("sleep 300 & echo $! > {}; exit 0", pidfile.display());
        let mut c = spawn(Command::new("sh").args(["-c", &script])).unwrap();
        let status = loop {
            if let Some(s) = c.try_wait().unwrap() {
                break s;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(status.success());
        assert!(wait_gone(grandchild_pid(&pidfile)), "the background sleep survived");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn dropping_kills_the_whole_group() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("grandchild");
        let script = format!("sleep 300 & echo $! > {}; sleep 300", pidfile.display());
        let c = spawn(Command::new("sh").args(["-c", &script])).unwrap();
        let leader = i32::try_from(c.id()).unwrap();
        let grandchild = grandchild_pid(&pidfile);
        drop(c);
        assert!(wait_gone(leader) && wait_gone(grandchild), "a process of the group survived");
    }
}
