//! The warm schema worker (`apigend::obtain::warm`) on a copy of the real
//! Django + DRF + drf-spectacular backend of the end-to-end test: the same
//! bytes as a plain `python manage.py spectacular`, every edit seen, failures
//! reported as a plain run's, restarts when the settings change or on
//! request, a plain run when the worker cannot serve, and no process left
//! behind on a time-out, a stop or a crash of the daemon.
//!
//! Every test needs the pinned Python with Django (`tests/tools/.venv`) and
//! is ignored by a bare `cargo test`. No test asserts how fast anything is
//! (that is `bench/django.sh`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use apigend::obtain::warm::Warm;
use apigend::obtain::{ObtainError, run_command};
use serde_json::Value;

use crate::util::{self, TempDir, apigend_bin};

/// Long enough for a loaded CI machine; never a speed claim.
const PATIENCE: Duration = Duration::from_secs(120);

/// A copy of `tests/e2e/backend` in a temp dir, and its spec command.
struct Backend {
    dir: TempDir,
    python: PathBuf,
}

impl Backend {
    fn new() -> Backend {
        let dir = TempDir::new();
        copy_tree(&util::crate_root().join("tests/e2e/backend"), &dir.path().join("backend"));
        Backend { dir, python: util::tools().python }
    }

    fn cwd(&self) -> PathBuf {
        self.dir.path().join("backend")
    }

    /// `python manage.py spectacular --file <name>`, with `python` given.
    fn argv_with(&self, python: &Path, name: &str) -> Vec<String> {
        [python.to_str().unwrap(), "manage.py", "spectacular", "--file", name]
            .iter()
            .map(|s| (*s).to_string())
            .collect()
    }

    fn argv(&self, name: &str) -> Vec<String> {
        self.argv_with(&self.python, name)
    }

    /// The schema a plain run writes.
    fn plain(&self) -> Vec<u8> {
        run_command(&self.argv("plain.yaml"), &self.cwd(), PATIENCE).expect("plain run");
        self.read("plain.yaml")
    }

    /// The schema the worker writes.
    fn warm(&self, warm: &Warm) -> Vec<u8> {
        warm.run(&self.argv("warm.yaml"), &self.cwd(), PATIENCE).expect("warm run");
        self.read("warm.yaml")
    }

    fn read(&self, name: &str) -> Vec<u8> {
        let p = self.cwd().join(name);
        let bytes = fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        fs::remove_file(&p).unwrap();
        bytes
    }

    fn append(&self, rel: &str, text: &str) {
        let p = self.cwd().join(rel);
        let mut s = fs::read_to_string(&p).unwrap();
        s.push_str(text);
        fs::write(&p, s).unwrap();
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let p = self.cwd().join(rel);
        let s = fs::read_to_string(&p).unwrap();
        assert!(s.contains(from), "{rel} has no `{from}`");
        fs::write(&p, s.replacen(from, to, 1)).unwrap();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let name = e.file_name();
        if name == "__pycache__" || name == "openapi.yaml" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if e.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// A `python` that runs scripts with the real one but refuses `-c`: the
/// worker cannot start with it, a plain run works.
fn fake_python(real: &Path) -> (TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = TempDir::new();
    let fake = bin.create(
        "python",
        format!(
            "#!/bin/sh\nif [ \"$1\" = -c ]; then echo 'no warm worker here' >&2; exit 1; fi\n\
             exec '{}' \"$@\"\n",
            real.display()
        ),
    );
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    (bin, fake)
}

/// Live (not zombie) processes in process group `pgid`.
fn group_members(pgid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = fs::read_to_string(e.path().join("stat")) else { continue };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 2 && f[0] != "Z" && f[2] == pgid.to_string() {
            out.push(pid);
        }
    }
    out
}

fn wait_group_gone(pgid: u32, what: &str) {
    let start = Instant::now();
    while !group_members(pgid).is_empty() {
        assert!(
            start.elapsed() < PATIENCE,
            "{what}: the worker's processes {:?} are still alive",
            group_members(pgid)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The same bytes as a plain run, first from a fresh worker and then from
/// its forks, and an edit of the project's code is seen by the next fork
/// without restarting the worker: the project is never preloaded.
#[test]
#[ignore = "needs Django; run scripts/test.sh"]
fn warm_output_is_byte_identical_to_a_plain_run_and_sees_every_edit() {
    let b = Backend::new();
    let warm = Warm::new();
    let plain = b.plain();
    assert!(String::from_utf8_lossy(&plain).contains("openapi:"), "not a schema");
    assert_eq!(b.warm(&warm), plain, "first warm run differs from the plain run");
    let pid = warm.pid().expect("a worker runs");
    assert_eq!(b.warm(&warm), plain, "a forked run differs from the plain run");

    b.append(
        "library/serializers.py",
        "\nAuthorSerializer.__doc__ = \"Edited by the warm test.\"\n",
    );
    let plain = b.plain();
    assert!(String::from_utf8_lossy(&plain).contains("Edited by the warm test."));
    assert_eq!(b.warm(&warm), plain, "the edit is not seen, or seen differently");
    assert_eq!(warm.pid(), Some(pid), "an edit of the project's code must not restart the worker");
}

/// A syntax error, an exception and a non-zero exit in the project read as
/// the plain command's failure (the same status, the traceback from
/// manage.py to the same error); the worker survives them and serves the
/// fixed project.
#[test]
#[ignore = "needs Django; run scripts/test.sh"]
fn a_failing_child_reads_as_a_failing_command_and_the_worker_survives() {
    let b = Backend::new();
    let warm = Warm::new();
    let good = b.warm(&warm);
    let pid = warm.pid().expect("a worker runs");
    let views = fs::read_to_string(b.cwd().join("library/views.py")).unwrap();
    for (what, bad) in [
        ("syntax error", "\ndef broken(:\n"),
        ("exception", "\nraise RuntimeError('boom in library.views')\n"),
        ("exit status", "\nimport sys\nsys.exit(3)\n"),
    ] {
        fs::write(b.cwd().join("library/views.py"), format!("{views}{bad}")).unwrap();
        let plain = run_command(&b.argv("out.yaml"), &b.cwd(), PATIENCE).unwrap_err();
        let w = warm.run(&b.argv("out.yaml"), &b.cwd(), PATIENCE).unwrap_err();
        // The whole output, not only the tail the message shows.
        let parts = |e: &ObtainError| match e {
            ObtainError::Command { command, what, stderr } => {
                (command.clone(), what.clone(), stderr.clone())
            }
            other => panic!("{what}: not a command failure: {other}"),
        };
        let ((wc, ww, wo), (pc, pw, po)) = (parts(&w), parts(&plain));
        assert_eq!((wc, ww), (pc, pw), "{what}: the warm failure differs from the plain one");
        // Django keeps its system checks in a set, iterated in the order of
        // the functions' addresses, so a failure two checks reach can show
        // another path through Django's frames. Everything else is the
        // same: where the traceback starts (manage.py, no frame of the
        // worker's own), and the error with its location.
        let head = |o: &str| o.lines().take(5).collect::<Vec<_>>().join("\n");
        let tail = |o: &str| o.lines().rev().take(4).collect::<Vec<_>>().join("\n");
        assert_eq!(head(&wo), head(&po), "{what}: warm output:\n{wo}\nplain output:\n{po}");
        assert_eq!(tail(&wo), tail(&po), "{what}: warm output:\n{wo}\nplain output:\n{po}");
        assert!(!wo.contains("runpy") && !wo.contains("<string>"), "{what}: {wo}");
        assert!(plain.to_string().contains("failed ("), "{what}: {plain}");
        assert_eq!(warm.pid(), Some(pid), "{what}: the worker did not survive");
    }
    fs::write(b.cwd().join("library/views.py"), views).unwrap();
    assert_eq!(b.warm(&warm), good);
    assert_eq!(warm.pid(), Some(pid));
}

/// The settings module is preloaded, so a change to it starts a fresh
/// worker (and the change is in the output); so does a restart request
/// (the daemon's SIGHUP).
#[test]
#[ignore = "needs Django; run scripts/test.sh"]
fn the_worker_restarts_when_the_settings_change_and_on_request() {
    let b = Backend::new();
    let warm = Warm::new();
    b.warm(&warm);
    let first = warm.pid().expect("a worker runs");
    b.edit(
        "e2eproject/settings.py",
        "\"TITLE\": \"apigend e2e backend\"",
        "\"TITLE\": \"Renamed\"",
    );
    let renamed = b.warm(&warm);
    assert!(
        String::from_utf8_lossy(&renamed).contains("title: Renamed"),
        "settings change not seen"
    );
    assert_eq!(renamed, b.plain());
    let second = warm.pid().expect("a worker runs");
    assert_ne!(second, first, "a settings change must restart the worker");
    wait_group_gone(first, "the replaced worker");
    warm.request_restart();
    b.warm(&warm);
    let third = warm.pid().expect("a worker runs");
    assert_ne!(third, second, "a restart request must restart the worker");
    wait_group_gone(second, "the replaced worker");
    warm.stop();
    wait_group_gone(third, "a stopped worker");
}

/// A worker killed in the middle of a run (here by the project's own code,
/// which only does so under the worker) costs nothing but time: the run
/// goes plain and succeeds. A worker that cannot start at all (an
/// interpreter that refuses `-c`) falls back the same way.
#[test]
#[ignore = "needs Django; run scripts/test.sh"]
fn a_worker_that_dies_or_cannot_start_falls_back_to_a_plain_run() {
    let b = Backend::new();
    let warm = Warm::new();
    let good = b.warm(&warm);
    let pid = warm.pid().expect("a worker runs");
    b.append(
        "library/views.py",
        "\nimport os as _os, signal as _signal\n\
         _parent = open(f'/proc/{_os.getppid()}/cmdline', 'rb').read().split(b'\\0')\n\
         if len(_parent) > 1 and _parent[1] == b'-c':\n    _os.kill(_os.getppid(), _signal.SIGKILL)\n",
    );
    assert_eq!(b.warm(&warm), good, "the run did not fall back to a plain one");
    wait_group_gone(pid, "the killed worker");

    let (_bin, fake) = fake_python(&b.python);
    let warm = Warm::new();
    for _ in 0..3 {
        warm.run(&b.argv_with(&fake, "warm.yaml"), &b.cwd(), PATIENCE).expect("fallback run");
        assert_eq!(b.read("warm.yaml"), good);
        assert_eq!(warm.pid(), None, "no worker can run with this interpreter");
    }
}

/// A run past its time-out is killed with the worker and its child, and
/// reported as a plain command's time-out; the next run starts a new worker.
#[test]
#[ignore = "needs Django; run scripts/test.sh"]
fn a_timed_out_run_kills_the_worker_and_its_child() {
    let b = Backend::new();
    let warm = Warm::new();
    let good = b.warm(&warm);
    let pid = warm.pid().expect("a worker runs");
    let views = fs::read_to_string(b.cwd().join("library/views.py")).unwrap();
    fs::write(b.cwd().join("library/views.py"), format!("{views}\nimport time\ntime.sleep(600)\n"))
        .unwrap();
    let e = warm.run(&b.argv("warm.yaml"), &b.cwd(), Duration::from_secs(5)).unwrap_err();
    assert!(e.to_string().contains("timed out after 5s and was killed"), "{e}");
    wait_group_gone(pid, "a timed-out run");
    fs::write(b.cwd().join("library/views.py"), views).unwrap();
    assert_eq!(b.warm(&warm), good);
    assert_ne!(warm.pid(), Some(pid));
}

/// `apigend watch` with a warm worker: the worker and its children die with
/// the daemon on SIGTERM and when the daemon itself is SIGKILLed (the
/// worker sees its stdin close); a worker that cannot start is reported
/// once, however many runs fall back.
#[test]
#[ignore = "needs Django; run scripts/test.sh"]
fn the_daemon_takes_its_worker_along_and_warns_once() {
    let b = Backend::new();
    let config = |python: &Path| {
        b.dir.create(
            "apigend.toml",
            format!(
                "output_dir = \"out\"\n[spec]\ncommand = [\"{}\", \"manage.py\", \"spectacular\", \
                 \"--file\", \"openapi.yaml\"]\ncwd = \"backend\"\npath = \"backend/openapi.yaml\"\n\
                 [watch]\npaths = [\"backend\"]\ninclude = [\"**/*.py\"]\n[archive]\nenabled = false\n",
                python.display()
            ),
        );
    };
    config(&b.python);
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        let mut d = Watcher::start(b.dir.path());
        d.wait_runs(1);
        let pid = d.worker_pid();
        assert!(!group_members(pid).is_empty(), "the worker {pid} is not running");
        d.signal(signal);
        d.wait_exit();
        wait_group_gone(pid, &format!("the daemon got signal {signal}"));
    }

    let (_bin, fake) = fake_python(&b.python);
    config(&fake);
    let mut d = Watcher::start(b.dir.path());
    d.wait_runs(1);
    for n in 2..=3 {
        b.append("library/views.py", &format!("\n# save {n}\n"));
        d.wait_runs(n);
    }
    let runs = d.runs();
    assert!(runs.iter().all(|r| r["result"] == "ok"), "{runs:#?}");
    let warnings: Vec<Value> = d
        .events()
        .into_iter()
        .filter(|e| {
            e["level"] == "WARN" && e["fields"]["message"].to_string().contains("warm worker")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "expected one warning, got {warnings:#?}");
    assert!(warnings[0].to_string().contains("no warm worker here"), "{}", warnings[0]);
}

/// A running `apigend watch` with a JSON log; killed on drop.
struct Watcher {
    child: Child,
    log: PathBuf,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watcher {
    fn start(dir: &Path) -> Watcher {
        let log = dir.join(format!("daemon-{}.log", std::process::id()));
        let _ = fs::remove_file(&log);
        fs::create_dir_all(dir.join("run")).unwrap();
        let mut cmd = Command::new(apigend_bin());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("APIGEND_") {
                cmd.env_remove(&key);
            }
        }
        let child = cmd
            .args(["watch", "--log-format", "json", "--config"])
            .arg(dir.join("apigend.toml"))
            .current_dir(dir)
            .env("XDG_RUNTIME_DIR", dir.join("run"))
            .env("RUST_LOG", "info")
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn apigend watch");
        Watcher { child, log }
    }

    fn text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn events(&self) -> Vec<Value> {
        self.text().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    fn runs(&self) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["fields"]["message"] == "run finished")
            .map(|e| e["fields"].clone())
            .collect()
    }

    fn wait_runs(&mut self, n: usize) {
        let start = Instant::now();
        while self.runs().len() < n {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the daemon exited ({status}) before run {n}; log:\n{}", self.text());
            }
            assert!(start.elapsed() < PATIENCE, "run {n} did not finish; log:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The pid of the worker the daemon logged as started last.
    fn worker_pid(&self) -> u32 {
        let started = self
            .events()
            .into_iter()
            .rev()
            .find(|e| e["fields"]["message"] == "warm worker started")
            .unwrap_or_else(|| panic!("no worker started; log:\n{}", self.text()));
        u32::try_from(started["fields"]["pid"].as_u64().unwrap()).unwrap()
    }

    fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
    }

    fn wait_exit(&mut self) {
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < PATIENCE, "the daemon did not exit; log:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
