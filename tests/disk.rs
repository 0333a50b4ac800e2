//! Issue 14: nothing lost, nothing stuck, through the real binary. A full
//! disk never blocks a commit and never outlives the space it took; a
//! commit that cannot be applied fails before its commit point, naming the
//! path, and leaves the old output whole; a file apigend did not write is
//! never replaced unless adopted on purpose; what a killed run left is
//! cleaned by the next run, up-to-date groups included.
//!
//! Library-level cases (the clock set back, rotation order, the checks
//! before the commit point one by one, config that cannot work) are unit
//! tests in `src/archive.rs`, `src/output.rs` and `src/config.rs`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::hardening::{Project, Tmpfs, assert_consistent, good_spec, sized_spec, stderr};
use crate::util::{self, run_apigend};

/// Turns the project's archive on, keeping `max_versions`.
fn with_archive(p: &Project, max_versions: usize) {
    let cfg = fs::read_to_string(p.path().join("apigend.toml")).unwrap();
    let cfg = cfg.replace("enabled = false", &format!("max_versions = {max_versions}"));
    assert!(cfg.contains("max_versions"), "{cfg}");
    p.dir.create("apigend.toml", cfg);
}

/// What a failed or killed run could leave under `dir`: output staging and
/// journals, archive `.tmp-*` and `.trash-*`.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let p = e.path();
            let in_state = d.file_name().is_some_and(|n| n == ".apigend");
            if name.starts_with(".tmp-")
                || name.starts_with(".trash-")
                || (in_state && (name == "staging" || name == "journal.json"))
            {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            } else if e.file_type().unwrap().is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The newest archive version lists exactly what the output manifests do.
fn assert_archived(p: &Project, what: &str) {
    let archive = apigend::archive::Archive { dir: p.out().join("archive"), max_versions: 2 };
    let latest = archive.latest().unwrap_or_else(|| panic!("{what}: no archive version"));
    for lang in ["typescript", "python"] {
        let m = apigend::output::read_manifest(&p.out().join("api").join(lang)).unwrap();
        let entry = &latest.manifest.groups["api"].outputs[lang];
        assert_eq!(entry.files, m.files, "{what}: {lang} is not what the archive holds");
    }
}

/// Issue 14, item 1: on a disk too small for everything (a tmpfs of sizes
/// from half of one version with its archive to four times that, both
/// outputs and the archive on it), four runs in a row: a run whose clients
/// are committed exits 0 even when its archive version does not fit (a
/// warning says so); a run that cannot commit fails naming the output; no
/// run leaves staging, a journal or a partial version behind. Once space is
/// freed, the next run succeeds and archives what is on disk.
#[test]
fn a_full_disk_never_blocks_a_commit_and_the_next_run_with_room_succeeds() {
    let probe = Project::new(sized_spec(30, "v0"));
    with_archive(&probe, 2);
    util::assert_success("probe", &probe.generate());
    let need: usize = probe.snapshot().values().map(Vec::len).sum();
    let mut archive_warnings = 0;
    let mut failed_commits = 0;
    let step = (need / 8).max(4096);
    for size in (need / 2..need * 4).step_by(step) {
        let p = Project::new(sized_spec(30, "v0"));
        with_archive(&p, 2);
        let Some(fs_) = Tmpfs::mount(&p.out(), &format!("size={size}")) else { return };
        let mut marker = String::new();
        for round in 0..4 {
            marker = if round == 0 { "v0".to_string() } else { format!("round_{round}_property") };
            p.write_spec(sized_spec(30, &marker));
            let out = p.generate();
            let err = stderr(&out);
            let what = format!("size {size}, round {round}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            let models = p.out().join("api/typescript/models.ts");
            let committed = fs::read_to_string(&models).is_ok_and(|m| m.contains(&marker))
                && fs::read_to_string(p.out().join("api/python/api/models.py"))
                    .is_ok_and(|m| m.contains(&marker));
            if committed {
                assert!(out.status.success(), "{what}: committed, yet the run failed:\n{err}");
                if err.contains("archive:") {
                    archive_warnings += 1;
                }
            } else {
                failed_commits += 1;
                assert_eq!(out.status.code(), Some(1), "{what}: {err}");
                assert!(err.contains("out/api"), "{what}: the error names no output:\n{err}");
            }
            assert_eq!(leftovers(&p.out()), Vec::<String>::new(), "{what}: left behind");
            for lang in ["typescript", "python"] {
                let dir = p.out().join("api").join(lang);
                if dir.join(".apigend/manifest.json").exists() {
                    assert_consistent(&dir);
                }
            }
        }
        fs_.remount(&format!("size={}", need * 16));
        let what = format!("size {size}: after freeing space");
        util::assert_success(&what, &p.generate());
        assert_eq!(leftovers(&p.out()), Vec::<String>::new(), "{what}");
        for lang in ["typescript", "python"] {
            assert_consistent(&p.out().join("api").join(lang));
        }
        let models = fs::read_to_string(p.out().join("api/typescript/models.ts")).unwrap();
        assert!(models.contains(&marker), "{what}");
        assert_archived(&p, &what);
    }
    assert!(archive_warnings > 0, "no size made only the archive fail; the test tests nothing");
    assert!(failed_commits > 0, "no size made a commit fail; the test tests nothing");
}

/// Two runs in a row each fail cleanly (exit 1, no panic) with an error
/// that says each of `expect`, and leave no staging, journal or partial
/// version: the second fails the same way, not at recovery.
fn fails_twice_cleanly(p: &Project, expect: &[&str]) {
    for attempt in 0..2 {
        let out = p.generate();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "attempt {attempt}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for e in expect {
            assert!(err.contains(e), "attempt {attempt}: `{e}` missing from:\n{err}");
        }
        assert_eq!(leftovers(&p.out()), Vec::<String>::new(), "attempt {attempt}");
    }
}

/// A spec with app `items` and, when `orders`, app `orders` too.
fn spec_with_orders(orders: bool) -> String {
    let mut s = good_spec("name");
    if orders {
        s = s.replace(
            "components:\n",
            "  /api/orders/:\n    get:\n      operationId: orders_list\n      tags: [orders]\n      responses:\n        '200': {description: ok}\ncomponents:\n",
        );
    }
    s
}

/// Issue 14, item 3: `typescript_output` on an existing folder does not
/// replace the user's `index.ts`: the run fails naming it and the file is
/// intact, until the folder is adopted on purpose (`--adopt`). A later
/// version that generates a path where the user put a file of their own
/// (or a file where it needs a directory) fails naming it, every time, with
/// the old output whole, and succeeds once the file is moved away.
#[test]
fn a_file_apigend_did_not_write_is_never_replaced() {
    let p = Project::new(spec_with_orders(false));
    let mine = p.dir.create("out/api/typescript/index.ts", "// the user's own\n");
    let out = p.generate();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("out/api/typescript/index.ts") && err.contains("--adopt"), "{err}");
    assert_eq!(fs::read_to_string(&mine).unwrap(), "// the user's own\n");
    assert_consistent(&p.out().join("api/python"));

    let out = run_apigend(p.path(), ["generate", "--config", "apigend.toml", "--adopt"]);
    util::assert_success("generate --adopt", &out);
    assert_ne!(fs::read_to_string(&mine).unwrap(), "// the user's own\n");
    assert_consistent(&p.out().join("api/typescript"));

    let theirs = p.dir.create("out/api/python/api/orders.py", "# the user's own\n");
    let in_the_way = p.dir.create("out/api/typescript/orders", "the user's own\n");
    let before = p.snapshot();
    p.write_spec(spec_with_orders(true));
    fails_twice_cleanly(&p, &["out/api/python/api/orders.py", "out/api/typescript/orders:"]);
    assert_eq!(p.snapshot(), before, "something changed");
    fs::remove_file(theirs).unwrap();
    fs::remove_file(in_the_way).unwrap();
    util::assert_success("generate after moving them away", &p.generate());
    for lang in ["typescript", "python"] {
        assert_consistent(&p.out().join("api").join(lang));
    }
    assert!(p.out().join("api/typescript/orders").is_dir());
}

/// A directory nobody may change, root included: `chattr +i`, or where that
/// is not possible a read-only bind mount of it over itself. Undone on
/// drop; `None` (with the reason printed) where neither is possible.
struct Frozen {
    dir: PathBuf,
    bind: bool,
}

impl Frozen {
    fn new(dir: &Path) -> Option<Frozen> {
        let run = |cmd: &str, args: &[&str]| {
            Command::new(cmd).args(args).arg(dir).output().is_ok_and(|o| o.status.success())
        };
        if run("chattr", &["+i"]) {
            return Some(Frozen { dir: dir.to_path_buf(), bind: false });
        }
        if run("mount", &["--bind"]) && {
            let ok = Command::new("mount")
                .args(["-o", "remount,bind,ro"])
                .arg(dir)
                .output()
                .is_ok_and(|o| o.status.success());
            if !ok {
                let _ = Command::new("umount").arg(dir).status();
            }
            ok
        } {
            return Some(Frozen { dir: dir.to_path_buf(), bind: true });
        }
        util::notice(&format!(
            "SKIPPED: cannot make {} unchangeable (neither `chattr +i` nor a read-only bind \
             mount is permitted here)",
            dir.display()
        ));
        None
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        if self.bind {
            let _ = Command::new("umount").arg(&self.dir).status();
        } else {
            let _ = Command::new("chattr").arg("-i").arg(&self.dir).status();
        }
    }
}

/// `spec_with_orders(false)` with a second operation in app `items`, so
/// the `items/` directory of the TypeScript client changes.
fn spec_with_more_items() -> String {
    spec_with_orders(false).replace(
        "components:\n",
        "  /api/items/{id}/:\n    get:\n      operationId: items_retrieve\n      tags: [items]\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer}}\n      responses:\n        '200': {description: ok}\ncomponents:\n",
    )
}

/// Issue 14, item 2: a generated subdirectory that cannot be changed (left
/// by a container running as root; here immutable, which stops root too)
/// fails the commit before its commit point: the error names the
/// directory, the output is entirely the old version with no journal, a
/// second run fails the same way instead of at recovery, and once the
/// directory can be changed the next run completes.
#[test]
fn a_generated_directory_that_cannot_be_changed_fails_before_the_commit_point() {
    let p = Project::new(spec_with_orders(false));
    util::assert_success("first generate", &p.generate());
    let items = p.out().join("api/typescript/items");
    assert!(items.is_dir());
    let before = p.snapshot();
    let frozen = Frozen::new(&items);
    let Some(frozen) = frozen else { return };
    p.write_spec(spec_with_more_items());
    fails_twice_cleanly(&p, &["out/api/typescript/items: not writable"]);
    let ts = |s: &std::collections::BTreeMap<String, Vec<u8>>| {
        s.iter()
            .filter(|(k, _)| k.starts_with("out/api/typescript/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ts(&p.snapshot()), ts(&before), "not the old output");
    drop(frozen);
    util::assert_success("generate once it can be changed", &p.generate());
    assert_consistent(&p.out().join("api/typescript"));
    let items_ts = fs::read_to_string(items.join("index.ts")).unwrap();
    assert!(items_ts.contains("RetrieveRequest"), "{items_ts}");
}

/// Issue 14, item 10: the staging of a killed commit, and a partial archive
/// version, are removed by the next run even when every group is up to
/// date (1.9 MB of staging outlived successful runs).
#[test]
fn what_a_killed_run_left_is_removed_by_the_next_run() {
    let p = Project::new(good_spec("name"));
    with_archive(&p, 3);
    util::assert_success("first generate", &p.generate());
    for lang in ["typescript", "python"] {
        p.dir.create(format!("out/api/{lang}/.apigend/staging/models.ts"), vec![b'x'; 1 << 20]);
    }
    p.dir.create("out/archive/.tmp-2026-01-01_00-00-00-999/api/slice.json", "{}");
    let out = p.generate();
    util::assert_success("second generate", &out);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("up to date"), "{said}");
    assert_eq!(leftovers(&p.out()), Vec::<String>::new());
}
