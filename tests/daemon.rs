//! `apigend watch` as a user runs it: the real binary on a temporary
//! project (a small spec with three apps in two groups), observed through
//! its JSON log (one `run finished` line per run) and its status file.
//!
//! Every wait has a generous timeout and no test asserts how fast anything
//! is: "exactly one run" is checked by waiting for the run, then letting
//! several debounce windows pass and counting again.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::util::{TempDir, apigend_bin};

/// Long enough for a loaded CI machine; never a speed claim.
const PATIENCE: Duration = Duration::from_secs(90);

/// How long "nothing more happens" is watched for: several debounce
/// windows (the tests use the default 300 ms).
const SETTLE: Duration = Duration::from_millis(2000);

/// The test spec: apps `users` and `shop` (group `core`) and `billing`
/// (group `billing`). `user_extra` and `invoice_extra` add properties to
/// one app's schema; `filler` adds that many operations and schemas per app
/// (to make a generation take a while).
fn spec(user_extra: &str, invoice_extra: &str, filler: usize) -> String {
    let mut paths = String::new();
    let mut schemas = String::new();
    let op = |path: &str, id: &str, tag: &str, schema: &str| {
        format!(
            "  {path}:\n    get:\n      operationId: {id}\n      tags: [{tag}]\n      responses:\n        '200':\n          description: ''\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/{schema}'\n"
        )
    };
    paths.push_str(&op("/api/users/me/", "users_me_retrieve", "users", "User"));
    paths.push_str(&op("/api/shop/products/", "shop_products_list", "shop", "Product"));
    paths.push_str(&op("/api/billing/invoices/", "billing_invoices_list", "billing", "Invoice"));
    let obj = |name: &str, props: &[&str], extra: &str| {
        let mut s = format!("    {name}:\n      type: object\n      properties:\n");
        for p in props {
            s.push_str(&format!("        {p}:\n          type: string\n"));
        }
        if !extra.is_empty() {
            s.push_str(&format!("        {extra}:\n          type: integer\n"));
        }
        s
    };
    schemas.push_str(&obj("User", &["id", "name"], user_extra));
    schemas.push_str(&obj("Product", &["sku", "title"], ""));
    schemas.push_str(&obj("Invoice", &["number", "total"], invoice_extra));
    for app in ["users", "shop", "billing"] {
        for i in 0..filler {
            let name = format!("{}Thing{i}", app[..1].to_uppercase() + &app[1..]);
            paths.push_str(&op(
                &format!("/api/{app}/thing{i}/"),
                &format!("{app}_thing{i}_retrieve"),
                app,
                &name,
            ));
            schemas.push_str(&obj(&name, &["a", "b", "c", "d", "e", "f"], ""));
        }
    }
    format!(
        "openapi: 3.0.3\ninfo:\n  title: Shop\n  version: 1.0.0\npaths:\n{paths}components:\n  schemas:\n{schemas}"
    )
}

/// A project in a temp dir: `apigend.toml`, `openapi.yaml`, output in
/// `openapi/`, runtime files in `run/`.
struct Project {
    dir: TempDir,
}

impl Project {
    /// `extra` is appended to the config (a `[watch]` table, `[spec]` keys
    /// go through `spec_keys`).
    fn new(spec_keys: &str, extra: &str) -> Project {
        Project::with_archive(spec_keys, extra, false)
    }

    /// [`Project::new`], with the archive on (in `openapi/archive`) when
    /// `archive`.
    fn with_archive(spec_keys: &str, extra: &str, archive: bool) -> Project {
        let dir = TempDir::new();
        dir.create("openapi.yaml", spec("", "", 0));
        dir.create("run/.keep", "");
        let p = Project { dir };
        p.write_config_archive(spec_keys, extra, archive);
        p
    }

    fn write_config_archive(&self, spec_keys: &str, extra: &str, archive: bool) {
        self.dir.create(
            "apigend.toml",
            format!(
                "output_dir = \"openapi\"\n\n[spec]\npath = \"openapi.yaml\"\n{spec_keys}\n\n\
                 [archive]\nenabled = {archive}\n\n\
                 [[groups]]\nname = \"core\"\napps = [\"users\", \"shop\"]\n\n\
                 [[groups]]\nname = \"billing\"\napps = [\"billing\"]\n\n{extra}\n"
            ),
        );
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> PathBuf {
        self.path().join("apigend.toml")
    }

    fn spec_file(&self) -> PathBuf {
        self.path().join("openapi.yaml")
    }

    /// `apigend <args> --config <this>` with the test's runtime dir.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(apigend_bin());
        cmd.args(args).arg("--config").arg(self.config()).current_dir(self.path());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("APIGEND_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("XDG_RUNTIME_DIR", self.path().join("run"))
            .env("RUST_LOG", "info")
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null());
        cmd
    }

    fn start(&self) -> Daemon {
        let log = self.path().join(format!("daemon-{}.log", unique()));
        let child = self
            .command(&["watch", "--log-format", "json"])
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn apigend watch");
        Daemon { child, log }
    }

    /// The daemon's status file.
    fn status(&self) -> Option<Value> {
        let run = self.path().join("run/apigend");
        for e in fs::read_dir(run).ok()?.flatten() {
            if let Ok(text) = fs::read_to_string(e.path().join("status.json")) {
                return serde_json::from_str(&text).ok();
            }
        }
        None
    }

    /// Every generated file of a group (both languages) and its mtime.
    fn mtimes(&self, group: &str) -> BTreeMap<PathBuf, SystemTime> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.path().join("openapi").join(group)];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.insert(p.clone(), fs::metadata(&p).unwrap().modified().unwrap());
                }
            }
        }
        assert!(!out.is_empty(), "no output for group {group}");
        out
    }

    /// Every output dir holds exactly what its manifest lists: no journal
    /// or staging left, every file complete.
    fn assert_output_consistent(&self) {
        for group in ["core", "billing"] {
            for lang in ["typescript", "python"] {
                let dir = self.path().join("openapi").join(group).join(lang);
                let state = dir.join(".apigend");
                assert!(!state.join("journal.json").exists(), "{}: journal left", dir.display());
                assert!(!state.join("staging").exists(), "{}: staging left", dir.display());
                let m: Value =
                    serde_json::from_slice(&fs::read(state.join("manifest.json")).unwrap())
                        .unwrap();
                for (rel, hash) in m["files"].as_object().unwrap() {
                    let bytes = fs::read(dir.join(rel)).unwrap();
                    assert_eq!(
                        apigend::output::hash(&bytes),
                        hash.as_str().unwrap(),
                        "{}/{rel} does not match its manifest",
                        dir.display()
                    );
                }
            }
        }
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A running `apigend watch`; killed on drop if still running.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log's JSON events.
    fn events(&self) -> Vec<Value> {
        self.log_text().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// The `run finished` events, in order.
    fn runs(&self) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["fields"]["message"] == "run finished")
            .map(|e| e["fields"].clone())
            .collect()
    }

    /// Waits until `n` runs have finished; returns them all.
    fn wait_runs(&mut self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let runs = self.runs();
            if runs.len() >= n {
                return runs;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the daemon exited ({status}) before run {n}; log:\n{}", self.log_text());
            }
            assert!(
                start.elapsed() < PATIENCE,
                "run {n} did not finish within {PATIENCE:?}; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a log message containing `text`.
    fn wait_log(&mut self, text: &str) {
        let start = Instant::now();
        while !self.log_text().contains(text) {
            assert!(
                start.elapsed() < PATIENCE,
                "`{text}` not logged within {PATIENCE:?}; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lets several debounce windows pass and checks that the run count is
    /// still `n`.
    fn assert_settled_at(&mut self, n: usize) {
        std::thread::sleep(SETTLE);
        let runs = self.runs();
        assert_eq!(
            runs.len(),
            n,
            "expected exactly {n} runs, got {runs:#?}\nlog:\n{}",
            self.log_text()
        );
        assert!(self.child.try_wait().unwrap().is_none(), "the daemon exited");
    }

    fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "the daemon did not exit; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Waits until `done` holds; after [`PATIENCE`] fails naming `what` it
/// waited for, with what `why` says (a log).
fn wait_until(what: &str, mut done: impl FnMut() -> bool, why: impl Fn() -> String) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "waited {PATIENCE:?} for {what}: {}", why());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo(3) with a NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

fn field<'v>(run: &'v Value, key: &str) -> &'v str {
    run[key].as_str().unwrap_or_default()
}

/// Issue 5: editing one app's part of the spec regenerates only the group
/// whose slice changed; the other group's files keep their mtimes.
#[test]
fn only_the_group_whose_slice_changed_is_regenerated() {
    let p = Project::new("", "");
    let mut d = p.start();
    let runs = d.wait_runs(1);
    assert_eq!(field(&runs[0], "result"), "ok", "{runs:#?}");
    assert_eq!(field(&runs[0], "written"), "billing,core", "the startup run writes both");
    let core = p.mtimes("core");
    let billing = p.mtimes("billing");

    fs::write(p.spec_file(), spec("", "due_date", 0)).unwrap();
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "written"), "billing", "{runs:#?}");
    assert_eq!(field(&runs[1], "up_to_date"), "core", "{runs:#?}");
    assert_eq!(p.mtimes("core"), core, "core was not touched");
    assert_ne!(p.mtimes("billing"), billing, "billing was rewritten");
    let log = d.log_text();
    assert!(log.contains("slice changed"), "the log says why: {log}");
    assert!(log.contains("skipped: slice unchanged"), "and what was skipped: {log}");

    fs::write(p.spec_file(), spec("email", "due_date", 0)).unwrap();
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "written"), "core", "{runs:#?}");
    d.assert_settled_at(3);
}

/// Issue 5: every editor's save pattern on the spec is exactly one run, and
/// the watch survives each of them (renames replace the file's inode).
#[test]
fn each_editor_save_pattern_is_exactly_one_run() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    let dir = p.path().to_path_buf();
    let spec_path = p.spec_file();
    let at = |name: &str| dir.join(name);
    type Save<'a> = Box<dyn Fn(&str) + 'a>;
    let patterns: Vec<(&str, Save)> = vec![
        // VS Code (default), Sublime: truncate and write in place.
        ("write in place", Box::new(|text: &str| fs::write(&spec_path, text).unwrap())),
        // VS Code atomic save and most tools: a temp file renamed over.
        (
            "rename over",
            Box::new(|text: &str| {
                fs::write(at("openapi.yaml.vsctmp"), text).unwrap();
                fs::rename(at("openapi.yaml.vsctmp"), &spec_path).unwrap();
            }),
        ),
        // vim: probe file 4913, swap file, original renamed to a backup,
        // a new file written, backup removed.
        (
            "vim",
            Box::new(|text: &str| {
                fs::write(at(".openapi.yaml.swp"), "swap").unwrap();
                fs::write(at("4913"), "").unwrap();
                fs::remove_file(at("4913")).unwrap();
                fs::rename(&spec_path, at("openapi.yaml~")).unwrap();
                fs::write(&spec_path, text).unwrap();
                fs::remove_file(at("openapi.yaml~")).unwrap();
                fs::write(at(".openapi.yaml.swp"), "swap 2").unwrap();
                fs::remove_file(at(".openapi.yaml.swp")).unwrap();
            }),
        ),
        // JetBrains safe write.
        (
            "jetbrains",
            Box::new(|text: &str| {
                fs::write(at("openapi.yaml___jb_tmp___"), text).unwrap();
                fs::rename(&spec_path, at("openapi.yaml___jb_old___")).unwrap();
                fs::rename(at("openapi.yaml___jb_tmp___"), &spec_path).unwrap();
                fs::remove_file(at("openapi.yaml___jb_old___")).unwrap();
            }),
        ),
        // emacs: a dangling-symlink lock, an autosave file, a backup.
        (
            "emacs",
            Box::new(|text: &str| {
                std::os::unix::fs::symlink("user@host.1234:1700000000", at(".#openapi.yaml"))
                    .unwrap();
                fs::write(at("#openapi.yaml#"), "autosave").unwrap();
                fs::rename(&spec_path, at("openapi.yaml~")).unwrap();
                fs::write(&spec_path, text).unwrap();
                fs::remove_file(at(".#openapi.yaml")).unwrap();
                fs::remove_file(at("#openapi.yaml#")).unwrap();
            }),
        ),
    ];
    for (i, (name, save)) in patterns.iter().enumerate() {
        let n = i + 2;
        save(&spec("", &format!("field_{i}"), 0));
        let runs = d.wait_runs(n);
        assert_eq!(field(&runs[n - 1], "result"), "ok", "{name}: {runs:#?}");
        assert_eq!(field(&runs[n - 1], "written"), "billing", "{name}: {runs:#?}");
        d.assert_settled_at(n);
    }
}

/// Issue 5: a thousand source changes within a second (new directories
/// among them, as in a branch switch) give one run, at most plus one
/// follow-up; the spec command's own write of the spec triggers nothing.
#[test]
fn a_thousand_changes_in_a_second_are_one_run() {
    let p = Project::new(
        "command = [\"sh\", \"-c\", \"cp next.yaml openapi.yaml\"]",
        "[watch]\npaths = [\"backend\"]\ninclude = [\"**/*.py\"]\n",
    );
    p.dir.create("next.yaml", spec("", "", 0));
    p.dir.create("backend/manage.py", "");
    let mut d = p.start();
    d.wait_runs(1);
    d.assert_settled_at(1);

    p.dir.create("next.yaml", spec("", "paid", 0));
    for i in 0..1000 {
        p.dir.create(format!("backend/app{}/m{i}.py", i % 10), format!("# {i}\n"));
    }
    let runs = d.wait_runs(2);
    std::thread::sleep(SETTLE);
    let runs_after = d.runs();
    assert!(
        runs_after.len() == 2 || runs_after.len() == 3,
        "expected one run (or one plus one follow-up), got {runs_after:#?}"
    );
    assert_eq!(field(&runs[1], "written"), "billing", "{runs:#?}");
    let n = runs_after.len();
    d.assert_settled_at(n);
}

/// Issue 5: the daemon's own writes (output and runtime files inside a
/// watched tree, with an include that matches everything) trigger nothing:
/// it goes idle and stays idle, and still after SIGHUP re-planned its
/// watches.
#[test]
fn own_writes_trigger_nothing() {
    let p =
        Project::new("", "[watch]\npaths = [\".\"]\ninclude = [\"**/*\"]\nexclude = [\"*.log\"]\n");
    let mut d = p.start();
    d.wait_runs(1);
    d.assert_settled_at(1);
    assert_eq!(p.status().unwrap()["state"], "idle");
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    d.wait_runs(2);
    d.assert_settled_at(2);
    assert_eq!(p.status().unwrap()["state"], "idle");
    assert_eq!(p.status().unwrap()["runs"], 2);

    // A reload regenerates once; the status file it then writes (under
    // `run/`, inside the watched tree) must not start another run.
    d.signal(libc::SIGHUP);
    d.wait_runs(3);
    d.assert_settled_at(3);
    assert_eq!(p.status().unwrap()["state"], "idle");
    assert_eq!(p.status().unwrap()["runs"], 3);
    fs::write(p.spec_file(), spec("", "due_date", 0)).unwrap();
    let runs = d.wait_runs(4);
    assert_eq!(field(&runs[3], "written"), "billing", "{runs:#?}");
    d.assert_settled_at(4);
    assert_eq!(p.status().unwrap()["state"], "idle");
}

/// Issue 5: a half-written spec is reported, the last good output stays,
/// and the next good save recovers.
#[test]
fn broken_spec_keeps_output_and_recovers() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    let core = p.mtimes("core");
    let billing = p.mtimes("billing");

    let full = spec("", "paid", 0);
    // A save that stopped mid-line, inside a flow sequence: not YAML. (One
    // cut at a line end can parse with dangling `$ref`s; the daemon defers
    // that as a half-written save, tested in
    // `a_truncated_in_place_save_is_not_generated`.)
    let cut = full.find("tags: [").unwrap() + "tags: [us".len();
    fs::write(p.spec_file(), &full[..cut]).unwrap();
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "result"), "error", "{runs:#?}");
    assert!(!field(&runs[1], "trigger").is_empty());
    assert_eq!(p.mtimes("core"), core);
    assert_eq!(p.mtimes("billing"), billing, "the last good output is kept");
    let st = p.status().unwrap();
    assert_eq!(st["state"], "error", "{st:#}");
    assert!(st["last_error"]["message"].as_str().unwrap().contains("openapi.yaml"), "{st:#}");
    p.assert_output_consistent();

    fs::write(p.spec_file(), &full).unwrap();
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "result"), "ok", "{runs:#?}");
    assert_eq!(field(&runs[2], "written"), "billing");
    assert_eq!(p.mtimes("core"), core);
    assert_eq!(p.status().unwrap()["state"], "idle");
    d.assert_settled_at(3);
}

/// Issue 5: a failing spec command and one hanging past its timeout are
/// reported with their cause; the daemon stays up and recovers.
#[test]
fn failing_and_hanging_spec_commands_are_survived() {
    let script = "test ! -e fail || { echo boom from the backend >&2; exit 3; }; \
                  test ! -e hang || sleep 60; cp next.yaml openapi.yaml";
    let p = Project::new(
        &format!("command = [\"sh\", \"-c\", \"{script}\"]\ncommand_timeout = \"1s\""),
        "[watch]\npaths = [\"backend\"]\n",
    );
    p.dir.create("next.yaml", spec("", "", 0));
    p.dir.create("backend/shop/models.py", "# 0\n");
    let mut d = p.start();
    d.wait_runs(1);
    let core = p.mtimes("core");

    p.dir.create("backend/shop/models.py", "# 1\n");
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "result"), "ok", "{runs:#?}");
    d.assert_settled_at(2);

    p.dir.create("fail", "");
    p.dir.create("backend/shop/models.py", "# 2\n");
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "result"), "error", "{runs:#?}");
    let st = p.status().unwrap();
    assert!(
        st["last_error"]["message"].as_str().unwrap().contains("boom from the backend"),
        "{st:#}"
    );

    fs::remove_file(p.path().join("fail")).unwrap();
    p.dir.create("hang", "");
    p.dir.create("backend/shop/models.py", "# 3\n");
    let runs = d.wait_runs(4);
    assert_eq!(field(&runs[3], "result"), "error", "{runs:#?}");
    let st = p.status().unwrap();
    assert!(st["last_error"]["message"].as_str().unwrap().contains("timed out"), "{st:#}");

    fs::remove_file(p.path().join("hang")).unwrap();
    p.dir.create("next.yaml", spec("", "paid", 0));
    p.dir.create("backend/shop/models.py", "# 4\n");
    let runs = d.wait_runs(5);
    assert_eq!(field(&runs[4], "result"), "ok", "{runs:#?}");
    assert_eq!(field(&runs[4], "written"), "billing", "{runs:#?}");
    assert_eq!(p.mtimes("core"), core, "core never changed");
    d.assert_settled_at(5);
}

/// Issue 5: SIGTERM while a run generates lets the commit finish, leaves
/// complete output and exits 0. (The spec is large so the run takes a
/// while; if it is over before the signal lands, the check still holds.)
#[test]
fn sigterm_during_generation_leaves_complete_output_and_exits_0() {
    let p = Project::new("", "");
    fs::write(p.spec_file(), spec("", "", 150)).unwrap();
    let mut d = p.start();
    d.wait_runs(1);
    fs::write(p.spec_file(), spec("email", "paid", 150)).unwrap();
    let start = Instant::now();
    loop {
        let generating = p.status().is_some_and(|s| s["state"] == "generating");
        if generating || d.runs().len() >= 2 || start.elapsed() > PATIENCE {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    d.signal(libc::SIGTERM);
    let status = d.wait_exit();
    assert_eq!(status.code(), Some(0), "log:\n{}", d.log_text());
    p.assert_output_consistent();
    assert_eq!(p.status().unwrap()["state"], "stopped");
}

/// True once `pid` is gone (or a zombie nobody reaped yet: a container's
/// init may never reap the orphans it inherits).
fn process_gone(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !exists || stat.contains(") Z ")
}

/// Waits for a file holding a pid, written by a test's spec command.
fn wait_pid_file(path: &Path) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(pid) = fs::read_to_string(path).ok().and_then(|s| s.trim().parse().ok()) {
            return pid;
        }
        assert!(start.elapsed() < PATIENCE, "{} was never written", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue 14: SIGTERM while the spec command hangs kills the command's whole
/// process group, a grandchild included: nothing of it survives the daemon
/// (a surviving `manage.py spectacular` would write the spec afterwards).
#[test]
fn sigterm_kills_a_hanging_spec_command_and_its_grandchild() {
    let script = "sleep 300 & echo $! > grandchild.pid; echo $$ > leader.pid; sleep 300; \
                  cp next.yaml openapi.yaml";
    let p = Project::new(
        &format!("command = [\"sh\", \"-c\", \"{script}\"]\ncommand_timeout = \"600s\""),
        "",
    );
    p.dir.create("next.yaml", spec("", "", 0));
    let mut d = p.start();
    let leader = wait_pid_file(&p.path().join("leader.pid"));
    let grandchild = wait_pid_file(&p.path().join("grandchild.pid"));
    assert!(!process_gone(leader) && !process_gone(grandchild), "the command runs");
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0), "log:\n{}", d.log_text());
    let start = Instant::now();
    while !(process_gone(leader) && process_gone(grandchild)) {
        assert!(
            start.elapsed() < PATIENCE,
            "a process of the spec command survived the daemon (leader {leader}: {}, grandchild {grandchild}: {})",
            !process_gone(leader),
            !process_gone(grandchild)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue 5: SIGHUP with an invalid config keeps the old one (and the daemon
/// keeps working); with a valid one it is adopted.
#[test]
fn sighup_with_a_bad_config_keeps_the_old_one() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    let good = fs::read_to_string(p.config()).unwrap();
    fs::write(p.config(), "[spec\npath = ").unwrap();
    d.signal(libc::SIGHUP);
    d.wait_log("config reload failed, keeping the previous config");
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "written"), "billing", "the old config still works: {runs:#?}");

    // A valid config that renames a group: adopted, and the new group is
    // generated.
    fs::write(p.config(), good.replace("name = \"billing\"", "name = \"money\"")).unwrap();
    d.signal(libc::SIGHUP);
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "written"), "money", "{runs:#?}");
    d.assert_settled_at(3);
}

/// Issue 5: a second daemon on the same project refuses to start and names
/// the first one's pid.
#[test]
fn a_second_daemon_refuses_to_start() {
    let p = Project::new("", "");
    let mut first = p.start();
    first.wait_runs(1);
    let out = p.command(&["watch"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already watching"), "{err}");
    assert!(err.contains(&format!("pid {}", first.child.id())), "{err}");
    first.assert_settled_at(1);
}

/// `apigend generate` beside a running daemon does not race it: it hands the
/// run to the daemon and reports that run.
#[test]
fn generate_beside_a_daemon_hands_the_run_over() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    let out = p.command(&["generate", "--groups", "billing"]).output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains(&format!("daemon (pid {}) is watching", d.child.id())), "{stderr}");
    assert!(stdout.contains("run #2: ok"), "{stdout}");
    d.assert_settled_at(2);
}

/// Issue 5: `apigend regen --wait` returns after the run it asked for, with
/// its result; `apigend status` shows the daemon; without a daemon, regen
/// runs once itself.
#[test]
fn regen_wait_returns_its_run_and_status_reports() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);

    let out = p.command(&["regen", "--wait", "--groups", "billing"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("run #2: ok") && stdout.contains("up to date [billing]"), "{stdout}");

    // A hand-deleted file makes the group stale; regen restores it.
    let victim = p.path().join("openapi/billing/typescript/index.ts");
    fs::remove_file(&victim).unwrap();
    let out = p.command(&["regen", "--wait"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("written [billing]"), "{stdout}");
    assert!(victim.exists());

    let out = p.command(&["regen", "--wait", "--groups", "nope"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown group `nope`"));

    let out = p.command(&["status"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("running (pid {})", d.child.id())), "{text}");
    assert!(text.contains("billing") && text.contains("core"), "{text}");
    assert!(text.contains("last run: #3"), "{text}");

    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0));
    let out = p.command(&["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not running"));

    fs::remove_file(&victim).unwrap();
    let mut child = p.command(&["regen", "--wait"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    assert!(child.wait().unwrap().success(), "{stdout}");
    assert!(stdout.contains("billing/typescript: 1 written"), "one-shot fallback: {stdout}");
    assert!(victim.exists());
}

/// Issue 5: with `watch.poll = true` the daemon polls (as it does on
/// network and bind mounts) and still sees saves.
#[test]
fn polling_when_asked_sees_saves() {
    let p = Project::new("", "[watch]\npoll = true\n");
    let mut d = p.start();
    d.wait_runs(1);
    assert_eq!(p.status().unwrap()["backend"], "poll");
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "written"), "billing", "{runs:#?}");
    d.assert_settled_at(2);
}

/// A backend whose spec command (a shell script standing in for
/// `manage.py spectacular`) writes the full spec while
/// `backend/shop/models.py` exists and one without the shop app otherwise.
fn shop_backend() -> Project {
    let full = spec("", "", 0);
    let start = full.find("  /api/shop/products/:").unwrap();
    let end = full.find("  /api/billing/invoices/:").unwrap();
    let p = Project::new(
        "command = [\"sh\", \"-c\", \"if [ -f backend/shop/models.py ]; then cp with_shop.yaml \
         openapi.yaml; else cp without_shop.yaml openapi.yaml; fi\"]",
        "[watch]\npaths = [\"backend\"]\ninclude = [\"**/*.py\"]\n",
    );
    p.dir.create("with_shop.yaml", &full);
    p.dir.create("without_shop.yaml", format!("{}{}", &full[..start], &full[end..]));
    p.dir.create("backend/manage.py", "");
    p.dir.create("backend/shop/models.py", "class Product: ...\n");
    p
}

/// Whether group `core`'s generated code has the shop app's operation.
fn core_has_shop(p: &Project) -> bool {
    p.mtimes("core")
        .keys()
        .any(|f| fs::read_to_string(f).unwrap_or_default().contains("/api/shop/products/"))
}

/// A directory moved out of a watched backend, back in and out again is a
/// run each time (a move gives one event for the directory, none for the
/// files it takes along), and each run's output follows the backend.
#[test]
fn a_directory_moved_out_in_and_out_again_is_a_run_each_time() {
    let p = shop_backend();
    let (shop, away) = (p.path().join("backend/shop"), p.path().join("shop-away"));
    let mut d = p.start();
    d.wait_runs(1);
    d.assert_settled_at(1);
    assert!(core_has_shop(&p), "the startup run generates the shop app");
    for (n, (from, to, present)) in
        [(&shop, &away, false), (&away, &shop, true), (&shop, &away, false)].into_iter().enumerate()
    {
        let n = n + 2;
        fs::rename(from, to).unwrap();
        let runs = d.wait_runs(n);
        assert_eq!(field(&runs[n - 1], "result"), "ok", "move {n}: {runs:#?}");
        assert_eq!(field(&runs[n - 1], "written"), "core", "move {n}: {runs:#?}");
        assert_eq!(core_has_shop(&p), present, "move {n}: the output follows the backend");
        d.assert_settled_at(n);
    }
}

/// A file back under a directory that was moved away is a change even with
/// the bytes it had before the move: the run after the move saw no file
/// there at all.
#[test]
fn a_file_back_in_a_directory_moved_away_is_a_change() {
    let p = shop_backend();
    let shop = p.path().join("backend/shop");
    let models = shop.join("models.py");
    let mut d = p.start();
    d.wait_runs(1);
    // A save records the file's bytes.
    fs::write(&models, "class Product:\n    sku: str\n").unwrap();
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "up_to_date"), "billing,core", "{runs:#?}");
    d.assert_settled_at(2);

    fs::rename(&shop, p.path().join("shop-away")).unwrap();
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "written"), "core", "{runs:#?}");
    assert!(!core_has_shop(&p));
    d.assert_settled_at(3);

    // An empty directory brings no file that could change the spec.
    fs::create_dir(&shop).unwrap();
    d.assert_settled_at(3);
    fs::write(&models, "class Product:\n    sku: str\n").unwrap();
    let runs = d.wait_runs(4);
    assert_eq!(field(&runs[3], "written"), "core", "{runs:#?}");
    assert!(core_has_shop(&p), "the output has the shop app again");
    d.assert_settled_at(4);
}

/// A FIFO among the watched files (named like one of them) is never
/// opened: opening it would wait for a writer, and the daemon would hang,
/// deaf to saves and to SIGTERM.
#[test]
fn a_fifo_among_the_watched_files_does_not_hang_the_daemon() {
    let p = Project::new("", "[watch]\npaths = [\"backend\"]\ninclude = [\"**/*.py\"]\n");
    p.dir.create("backend/manage.py", "");
    let mut d = p.start();
    d.wait_runs(1);
    mkfifo(&p.path().join("backend/pipe.py"));
    // A new path with nothing to read passes the content gate once.
    d.wait_runs(2);
    d.assert_settled_at(2);
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "written"), "billing", "{runs:#?}");
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0), "log:\n{}", d.log_text());
}

/// Issue 14: a FIFO at the spec path is refused as "not a regular file":
/// the daemon's run fails naming it (no hang), `regen --wait` returns, and
/// a real file there again is generated.
#[test]
fn a_fifo_at_the_spec_path_fails_the_run_without_hanging() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    fs::remove_file(p.spec_file()).unwrap();
    mkfifo(&p.spec_file());
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "result"), "error", "{runs:#?}");
    let err = p.status().unwrap()["last_error"]["message"].as_str().unwrap().to_string();
    assert!(err.contains("openapi.yaml") && err.contains("not a regular file"), "{err}");

    let mut regen = p.command(&["regen", "--wait"]).stdout(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = regen.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > PATIENCE {
            let _ = regen.kill();
            panic!("`regen --wait` hung on a FIFO at the spec path");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success(), "the run it waited for failed");

    fs::remove_file(p.spec_file()).unwrap();
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    wait_until(
        "the regular file to be generated",
        || d.runs().iter().any(|r| field(r, "written") == "billing"),
        || d.log_text(),
    );
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0), "log:\n{}", d.log_text());
}

/// Issue 14: the project lock lives with the project, so a daemon is found
/// whatever runtime directory the other command has (cron, ssh) and
/// however it names the config (a hard link): `watch` is refused naming
/// the holder, `generate` hands its run over, `status` finds the daemon.
#[test]
fn one_writer_per_project_across_runtime_dirs_and_hard_links() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    p.dir.create("other-run/.keep", "");
    let other = |args: &[&str], config: &Path| {
        let mut cmd = p.command(args);
        cmd.env("XDG_RUNTIME_DIR", p.path().join("other-run"));
        if config != p.config() {
            let mut c = Command::new(apigend_bin());
            c.args(args)
                .arg("--config")
                .arg(config)
                .current_dir(p.path())
                .env("XDG_RUNTIME_DIR", p.path().join("other-run"))
                .env_remove("NOTIFY_SOCKET")
                .stdin(Stdio::null());
            cmd = c;
        }
        cmd.output().unwrap()
    };
    let pid = format!("pid {}", d.child.id());

    let out = other(&["watch"], &p.config());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("already watching") && err.contains(&pid),
        "{err}"
    );

    let linked = p.path().join("linked.toml");
    fs::hard_link(p.config(), &linked).unwrap();
    let out = other(&["watch"], &linked);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains(&pid), "hard-linked config: {err}");

    let out = other(&["generate", "--groups", "billing"], &linked);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains(&format!("daemon ({pid}) is watching")), "{stderr}");
    assert!(stdout.contains("run #2: ok"), "handed over: {stdout}");

    let out = other(&["status"], &p.config());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains(&format!("running ({pid})")), "{text}");
    d.assert_settled_at(2);
}

/// The holder recorded in the project lock, once it is `what`.
fn wait_lock_holder(p: &Project, what: &str) -> Value {
    let lock = p.path().join("openapi/.apigend/lock");
    let start = Instant::now();
    loop {
        if let Some(h) = fs::read_to_string(&lock)
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(s.trim()).ok())
            .filter(|h| h["what"] == what)
        {
            return h;
        }
        assert!(start.elapsed() < PATIENCE, "no `{what}` took {}", lock.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue 14: without a daemon, writers take turns: a second `generate`
/// and an `archive restore` beside a running `generate` wait for it,
/// saying for whom, then do their work (a restore took no lock at all).
#[test]
fn a_second_generate_and_a_restore_wait_for_the_running_generate() {
    let p = Project::with_archive(
        "command = [\"sh\", \"-c\", \"test ! -e slow || { touch sleeping; sleep 3; }\"]\n\
         command_timeout = \"60s\"",
        "",
        true,
    );
    let out = p.command(&["generate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let first = fs::read_dir(p.path().join("openapi/archive")).unwrap().count();
    assert_eq!(first, 1, "one archive version");
    let v1 = String::from_utf8_lossy(&p.command(&["archive", "list"]).output().unwrap().stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    p.dir.create("slow", "");
    let slow = p.command(&["generate"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let slow = slow.unwrap();
    let holder = wait_lock_holder(&p, "generate");
    assert_eq!(holder["pid"], slow.id());
    let start = Instant::now();
    while !p.path().join("sleeping").exists() {
        assert!(start.elapsed() < PATIENCE, "the spec command never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    fs::remove_file(p.path().join("slow")).unwrap();

    let second = p.command(&["generate"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let restore = p.command(&["archive", "restore", &v1]).output().unwrap();
    let second = second.unwrap().wait_with_output().unwrap();
    let slow = slow.wait_with_output().unwrap();
    // Both started while the first one slept.
    let waited_for =
        format!("`apigend generate` (pid {}) is writing this project; waiting", holder["pid"]);
    for (what, out) in
        [("first generate", &slow), ("second generate", &second), ("restore", &restore)]
    {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{what}: {err}{}", String::from_utf8_lossy(&out.stdout));
        if what != "first generate" {
            assert!(err.contains(&waited_for), "{what} says whom it waits for: {err}");
        }
    }
    assert!(String::from_utf8_lossy(&restore.stdout).contains(&format!("restored from {v1}")));
}

/// Issue 14: `archive restore` beside a daemon is handed to it: the
/// daemon's baseline becomes the restored version, so a later run for an
/// unrelated change keeps it (it overwrote it), `status` says so, and a
/// change to that group's slice regenerates it.
#[test]
fn a_restore_beside_the_daemon_becomes_its_baseline() {
    let p = Project::with_archive(
        "",
        "[watch]\npaths = [\"backend\"]\ninclude = [\"**/*.py\"]\n",
        true,
    );
    p.dir.create("backend/models.py", "# 0\n");
    let mut d = p.start();
    d.wait_runs(1);
    let billing_ts = p.path().join("openapi/billing/typescript");
    // The generated files: `.apigend/stat.json` is a cache of sizes and
    // mtimes, which a restore rewrites like any commit.
    let v1_files: BTreeMap<PathBuf, Vec<u8>> = p
        .mtimes("billing")
        .into_keys()
        .filter(|f| !f.ends_with(".apigend/stat.json"))
        .map(|f| (f.clone(), fs::read(&f).unwrap()))
        .collect();
    let v1 = String::from_utf8_lossy(&p.command(&["archive", "list"]).output().unwrap().stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "written"), "billing", "{runs:#?}");

    let out = p.command(&["archive", "restore", &v1, "--groups", "billing"]).output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("handing the restore to it"), "{stderr}");
    assert!(stdout.contains(&format!("restored from {v1}")), "{stdout}");
    d.wait_log("these groups keep it until their slice changes");
    let restored = || v1_files.iter().all(|(f, bytes)| fs::read(f).is_ok_and(|b| b == *bytes));
    assert!(restored(), "the restore wrote version {v1}");
    let status =
        String::from_utf8_lossy(&p.command(&["status"]).output().unwrap().stdout).to_string();
    assert!(status.contains("restored") && status.contains(&v1), "{status}");

    // An unrelated change: a backend file (no spec command: the spec is
    // the same) runs, and keeps the restored version.
    p.dir.create("backend/models.py", "# 1\n");
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "result"), "ok", "{runs:#?}");
    assert!(restored(), "an unrelated run overwrote the restored version; log:\n{}", d.log_text());
    assert!(d.log_text().contains("kept: the restored version stays"), "{}", d.log_text());

    // A change to billing's slice regenerates it.
    fs::write(p.spec_file(), spec("", "due", 0)).unwrap();
    let runs = d.wait_runs(4);
    assert_eq!(field(&runs[3], "written"), "billing", "{runs:#?}");
    assert!(!restored());
    assert!(billing_ts.join("index.ts").exists());
}

/// Issue 14: after a successful run, `status` shows the old error only in
/// the history, not as the current error.
#[test]
fn status_shows_a_resolved_error_only_in_history() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    fs::write(p.spec_file(), "openapi: [unclosed").unwrap();
    let runs = d.wait_runs(2);
    assert_eq!(field(&runs[1], "result"), "error", "{runs:#?}");
    let text =
        String::from_utf8_lossy(&p.command(&["status"]).output().unwrap().stdout).to_string();
    assert!(text.contains("last error: run #2"), "{text}");
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    let runs = d.wait_runs(3);
    assert_eq!(field(&runs[2], "result"), "ok", "{runs:#?}");
    let text =
        String::from_utf8_lossy(&p.command(&["status"]).output().unwrap().stdout).to_string();
    assert!(!text.contains("last error"), "{text}");
    assert!(text.contains("resolved errors: 1 (latest: run #2"), "{text}");
    assert_eq!(p.status().unwrap()["last_error"], Value::Null);
}

/// Issue 14: a save read half-written (here: the spec cut off after its
/// paths, so its `$ref`s dangle) is not a version: nothing is generated
/// or archived from it; the whole save that follows is.
#[test]
fn a_truncated_in_place_save_is_not_generated() {
    let p = Project::with_archive("", "", true);
    let mut d = p.start();
    d.wait_runs(1);
    let before: BTreeMap<PathBuf, Vec<u8>> =
        p.mtimes("billing").into_keys().map(|f| (f.clone(), fs::read(&f).unwrap())).collect();
    let full = spec("", "paid", 0);
    let cut = &full[..full.find("components:").unwrap()];
    fs::write(p.spec_file(), cut).unwrap();
    d.wait_log("likely a save read half-written");
    let deferred = d.runs();
    assert_eq!(field(deferred.last().unwrap(), "result"), "deferred", "{deferred:#?}");
    for (f, bytes) in &before {
        assert_eq!(&fs::read(f).unwrap(), bytes, "{} changed from a truncated save", f.display());
    }
    fs::write(p.spec_file(), &full).unwrap();
    wait_until(
        "the whole save to be generated",
        || d.runs().iter().any(|r| field(r, "written") == "billing"),
        || d.log_text(),
    );
    d.assert_settled_at(d.runs().len());
    let versions = fs::read_dir(p.path().join("openapi/archive"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("manifest.json").exists())
        .count();
    assert_eq!(versions, 2, "startup and the whole save; nothing from the truncated one");
    let ts =
        fs::read_to_string(p.path().join("openapi/core/typescript/index.ts")).unwrap_or_default();
    assert!(!ts.contains("unknown"), "{ts}");
}

/// Issue 14: a truncated save that stays (the same bytes on the retry) is
/// what the user meant: generated, its dangling refs warned about.
#[test]
fn a_document_with_new_dangling_refs_that_stays_is_generated_after_the_retry() {
    let p = Project::new("", "");
    let mut d = p.start();
    d.wait_runs(1);
    let full = spec("", "paid", 0);
    fs::write(
        p.spec_file(),
        full.replace("#/components/schemas/Invoice", "#/components/schemas/Gone"),
    )
    .unwrap();
    d.wait_log("likely a save read half-written");
    wait_until(
        "the same bytes to be generated on the retry",
        || d.runs().iter().any(|r| field(r, "written") == "billing"),
        || d.log_text(),
    );
    assert!(d.log_text().contains("dangling $ref"), "{}", d.log_text());
}

/// Issue 14: the project directory removed and re-created under the daemon
/// (`rm -rf` and a fresh clone) makes it exit non-zero saying why, so the
/// service manager starts it again on the new project (instead of staying
/// deaf to it).
#[test]
fn the_project_directory_recreated_makes_the_daemon_exit_non_zero() {
    let outer = TempDir::new();
    outer.create("run/.keep", "");
    let proj = outer.path().join("proj");
    let write_project = || {
        fs::create_dir_all(&proj).unwrap();
        fs::write(proj.join("openapi.yaml"), spec("", "", 0)).unwrap();
        fs::write(
            proj.join("apigend.toml"),
            "output_dir = \"openapi\"\n[spec]\npath = \"openapi.yaml\"\n[archive]\nenabled = false\n\
             [[groups]]\nname = \"core\"\napps = [\"*\"]\n",
        )
        .unwrap();
    };
    write_project();
    let log = outer.path().join("daemon.log");
    // Started in the project with a bare `--config apigend.toml`, as a
    // unit's WorkingDirectory= does.
    let mut child = Command::new(apigend_bin())
        .args(["watch", "--log-format", "json", "--config", "apigend.toml"])
        .current_dir(&proj)
        .env("XDG_RUNTIME_DIR", outer.path().join("run"))
        .env("RUST_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let text = || fs::read_to_string(&log).unwrap_or_default();
    let start = Instant::now();
    while !text().contains("run finished") {
        assert!(start.elapsed() < PATIENCE, "no startup run: {}", text());
        std::thread::sleep(Duration::from_millis(20));
    }
    fs::remove_dir_all(&proj).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    write_project();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("the daemon stayed on a replaced project: {}", text());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success(), "{status}");
    assert!(text().contains("was removed and re-created"), "{}", text());
    for line in text().lines() {
        assert!(serde_json::from_str::<Value>(line).is_ok(), "not JSON: {line}");
    }
}

/// Issue 14: with `--log-format json` every line is JSON (the lock refusal
/// included), and a run's API change summary is an event whose counts are
/// fields, logged after the per-group lines.
#[test]
fn json_logs_carry_the_change_summary_in_fields_after_the_group_lines() {
    let p = Project::with_archive("", "", true);
    let mut d = p.start();
    d.wait_runs(1);
    fs::write(p.spec_file(), spec("", "paid", 0)).unwrap();
    d.wait_runs(2);
    let events = d.events();
    let run2: Vec<&Value> = events
        .iter()
        .filter(|e| e["fields"]["run"] == 2 || e["fields"]["group"] == "billing")
        .collect();
    let pos = |pred: &dyn Fn(&Value) -> bool| events.iter().position(pred);
    let regenerated = pos(&|e| {
        e["fields"]["run"] == 2
            && e["fields"]["message"].as_str().is_some_and(|m| m.starts_with("regenerated"))
    });
    let summary = pos(&|e| e["fields"]["breaking"].is_number() && e["fields"]["run"] == 2);
    let finished = pos(&|e| e["fields"]["run"] == 2 && e["fields"]["message"] == "run finished");
    let (Some(regenerated), Some(summary), Some(finished)) = (regenerated, summary, finished)
    else {
        panic!("missing events: {run2:#?}");
    };
    assert!(regenerated < summary && summary < finished, "order: {run2:#?}");
    let f = &events[summary]["fields"];
    assert_eq!(f["group"], "billing", "{f:#}");
    for key in ["breaking", "warnings", "info", "files_changed"] {
        assert!(f[key].is_u64(), "{key}: {f:#}");
    }
    assert!(f["files_changed"].as_u64().unwrap() > 0, "{f:#}");
    assert!(events[finished]["fields"]["duration_ms"].is_u64());

    let out = p.command(&["watch", "--log-format", "json"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already watching"), "{err}");
    for line in err.lines() {
        assert!(serde_json::from_str::<Value>(line).is_ok(), "not JSON: {line}");
    }
}

/// Issue 14: human logs written to a file (launchd's `StandardErrorPath`,
/// a cron redirect) have no ANSI colour and carry timestamps; journald
/// stamps its own lines, so under it there are none.
#[test]
fn human_logs_to_a_file_have_no_colour_and_are_stamped_unless_journald() {
    let p = Project::new("", "");
    let run = |journald: bool| {
        let mut cmd = p.command(&["regen"]);
        cmd.env("RUST_LOG", "info").env("XPC_SERVICE_NAME", "com.apigend.test");
        if journald {
            cmd.env_remove("XPC_SERVICE_NAME").env("JOURNAL_STREAM", "8:1234");
        } else {
            cmd.env_remove("JOURNAL_STREAM");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let launchd = run(false);
    assert!(!launchd.contains('\u{1b}'), "ANSI escape in a log file: {launchd:?}");
    let line = launchd.lines().find(|l| l.contains("generating once")).unwrap_or_default();
    assert!(line.starts_with("20") && line.contains('T'), "no timestamp: {launchd:?}");
    let journal = run(true);
    let line = journal.lines().find(|l| l.contains("generating once")).unwrap_or_default();
    assert!(!journal.contains('\u{1b}') && !line.starts_with("20"), "{journal:?}");
}
