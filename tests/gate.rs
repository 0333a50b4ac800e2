//! `apigend check --base`, the CI gate, replayed as the README's recipe in
//! real git repositories: a pull request's branch is checked against its
//! target branch, as GitHub Actions (`origin/${{ github.base_ref }}`) and
//! GitLab CI (`$CI_MERGE_REQUEST_DIFF_BASE_SHA`) do.
//!
//! The "backend" is `backend/api.yaml`; `spec.command` copies it to the
//! gitignored `openapi.yaml`, as `manage.py spectacular --file` would, so
//! the base is built in a temporary worktree. One case commits the spec
//! itself instead, so the base is read from git.

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{self, TempDir};

/// The backend's API on the target branch.
const BASE_API: &str = r"openapi: 3.0.3
info: {title: Shop, version: '1.0'}
paths:
  /api/products/:
    get:
      operationId: products_list
      tags: [catalog]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Product'}
  /api/products/{id}/:
    get:
      operationId: products_retrieve
      tags: [catalog]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Product'}
components:
  schemas:
    Product:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
";

/// A project in a fresh git repository whose `main` holds the backend,
/// `apigend.toml` and the committed clients generated from them.
struct Repo {
    dir: TempDir,
}

impl Repo {
    /// `spec_committed`: `openapi.yaml` is the backend itself, tracked by
    /// git (no spec.command); otherwise spec.command builds it.
    fn new(spec_committed: bool) -> Repo {
        let dir = TempDir::new();
        let spec = if spec_committed {
            "[spec]\npath = \"openapi.yaml\"\n"
        } else {
            "[spec]\npath = \"openapi.yaml\"\ncommand = [\"cp\", \"backend/api.yaml\", \"openapi.yaml\"]\n"
        };
        dir.create(
            "apigend.toml",
            format!(
                "output_dir = \"openapi\"\n{spec}[apps]\nby = \"tag\"\n[archive]\nenabled = false\n\
                 [[groups]]\nname = \"shop\"\napps = [\"*\"]\n"
            ),
        );
        let ignored = if spec_committed { "" } else { "/openapi.yaml\n" };
        dir.create(".gitignore", ignored);
        let repo = Repo { dir };
        repo.write_backend(BASE_API);
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["config", "user.email", "ci@example.com"]);
        repo.git(&["config", "user.name", "CI"]);
        repo.generate();
        repo.commit("main: backend and its clients");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The backend's API is `api` (the spec file itself when committed).
    fn write_backend(&self, api: &str) {
        self.dir.create("backend/api.yaml", api);
        self.dir.create("openapi.yaml", api);
    }

    fn git(&self, args: &[&str]) -> String {
        let out =
            Command::new("git").args(args).current_dir(self.path()).output().expect("run git");
        util::assert_success(&format!("git {}", args.join(" ")), &out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "-m", message]);
    }

    fn generate(&self) {
        util::assert_success("apigend generate", &util::run_apigend(self.path(), ["generate"]));
    }

    /// A pull request's branch off `main`.
    fn branch(&self, name: &str) {
        self.git(&["checkout", "--quiet", "-b", name, "main"]);
    }

    fn check(&self, args: &[&str]) -> Output {
        util::run_apigend(self.path(), ["check"].iter().chain(args))
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `Product.name` is no longer returned: breaking for every client.
fn breaking_api() -> String {
    BASE_API
        .replace("required: [id, name]", "required: [id]")
        .replace("        name: {type: string}\n", "        title: {type: string}\n")
}

/// A new endpoint: compatible.
fn additive_api() -> String {
    BASE_API.replace(
        "components:\n",
        "  /api/categories/:\n    get:\n      operationId: categories_list\n      tags: [catalog]\n      \
         responses: {'200': {description: ok}}\ncomponents:\n",
    )
}

/// The recipe: a PR that made a breaking change and committed its
/// regenerated clients fails (1) with the breaking change named; the base
/// was built by spec.command in a temporary worktree, which is gone after.
#[test]
fn a_breaking_pull_request_with_regenerated_clients_fails() {
    let repo = Repo::new(false);
    repo.branch("pr");
    repo.write_backend(&breaking_api());
    repo.generate();
    repo.commit("pr: rename Product.name");

    let out = repo.check(&["--base", "main", "--fail-on", "ERR"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(
            "built at main by `cp backend/api.yaml openapi.yaml` in a temporary git worktree"
        ),
        "{text}"
    );
    assert!(
        text.contains("shop/typescript: up to date") && text.contains("shop/python: up to date"),
        "{text}"
    );
    assert!(text.contains("response-required-property-removed"), "{text}");
    assert!(text.contains("name"), "{text}");
    // The temporary worktree is unregistered and deleted.
    let worktrees = repo.git(&["worktree", "list", "--porcelain"]);
    assert_eq!(worktrees.matches("worktree ").count(), 1, "{worktrees}");
    // The check wrote nothing: the branch is as committed.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");

    // Without --fail-on the change is reported, and only staleness fails.
    let out = repo.check(&["--base", "main"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("response-required-property-removed"), "{}", stdout(&out));
}

/// The recipe: an additive PR with regenerated clients passes (0).
#[test]
fn an_additive_pull_request_passes() {
    let repo = Repo::new(false);
    repo.branch("pr");
    repo.write_backend(&additive_api());
    repo.generate();
    repo.commit("pr: GET /api/categories/");

    let out = repo.check(&["--base", "main", "--fail-on", "ERR"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("COMPATIBLE: 0 breaking"), "{text}");
    assert!(text.contains("endpoint-added"), "the new endpoint is reported: {text}");
}

/// The recipe: a PR that changed the backend and did not regenerate fails
/// as stale (1), naming each stale file and why; a file edited by hand and
/// one deleted are named as such.
#[test]
fn a_pull_request_that_did_not_regenerate_fails_as_stale() {
    let repo = Repo::new(false);
    repo.branch("pr");
    repo.write_backend(&additive_api());
    let edited = repo.path().join("openapi/shop/typescript/index.ts");
    let mut contents = std::fs::read_to_string(&edited).unwrap();
    contents.push_str("// a hand edit\n");
    std::fs::write(&edited, contents).unwrap();
    std::fs::remove_file(repo.path().join("openapi/shop/python/shop/py.typed")).unwrap();
    repo.commit("pr: GET /api/categories/, clients not regenerated");

    let out = repo.check(&["--base", "main", "--fail-on", "ERR"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("shop/typescript: stale (openapi/shop/typescript does not match"),
        "{text}"
    );
    assert!(text.contains("outdated catalog/index.ts"), "{text}");
    assert!(text.contains("outdated shop/catalog.py"), "{text}");
    assert!(text.contains("edited   index.ts"), "{text}");
    assert!(text.contains("missing  shop/py.typed"), "{text}");
    assert!(text.contains("COMPATIBLE: 0 breaking"), "the API change itself is fine: {text}");
}

/// With the spec committed (no spec.command), the base is read from git at
/// the revision; `--base FILE` and a file the spec no longer generates
/// (`extra`) work the same way.
#[test]
fn a_committed_spec_is_read_from_git_and_a_file_base_works() {
    let repo = Repo::new(true);
    let base_file = repo.path().join("base.yaml");
    std::fs::write(&base_file, BASE_API).unwrap();
    repo.branch("pr");
    repo.write_backend(&breaking_api());
    repo.generate();
    repo.commit("pr: rename Product.name");

    let out = repo.check(&["--base", "HEAD~1", "--fail-on", "ERR"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("base: openapi.yaml as committed at HEAD~1"), "{text}");
    assert!(text.contains("response-required-property-removed"), "{text}");

    let out = repo.check(&["--base", base_file.to_str().unwrap(), "--fail-on", "ERR"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("response-required-property-removed"), "{}", stdout(&out));

    // A file apigend wrote that the spec no longer generates.
    let extra = repo.path().join("openapi/shop/typescript/catalog/old.ts");
    let manifest_path = repo.path().join("openapi/shop/typescript/.apigend/manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["files"]["catalog/old.ts"] = "0".repeat(64).into();
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    std::fs::write(&extra, "// old\n").unwrap();
    let out = repo.check(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("extra    catalog/old.ts"), "{}", stdout(&out));
}

/// Exit 2, not 1, when the gate cannot run: an unknown revision (with the
/// CI hint), a directory outside git, an unknown archive version.
#[test]
fn errors_of_the_gate_exit_2() {
    let repo = Repo::new(false);
    let out = repo.check(&["--base", "no-such-branch", "--fail-on", "ERR"]);
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("--base no-such-branch: no such file"), "{}", stderr(&out));
    assert!(stderr(&out).contains("`no-such-branch` is not a commit"), "{}", stderr(&out));
    assert!(stderr(&out).contains("fetch-depth: 0"), "{}", stderr(&out));

    let out = repo.check(&["--base", "archive:latest"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("the archive is disabled"), "{}", stderr(&out));

    let out = repo.check(&["--fail-on", "NOPE"]);
    assert_eq!(out.status.code(), Some(2), "a usage error: {}", stderr(&out));

    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    let out = repo.check(&["--base", "main"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("git rev-parse"), "{}", stderr(&out));
}

/// `--format github`: one annotation per finding and per stale file, and
/// the Markdown report appended to `$GITHUB_STEP_SUMMARY`; `--format json`
/// is one JSON document.
#[test]
fn github_and_json_formats() {
    let repo = Repo::new(false);
    repo.branch("pr");
    repo.write_backend(&breaking_api());
    repo.commit("pr: breaking, not regenerated");

    let summary = repo.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = Command::new(util::apigend_bin())
        .args(["check", "--base", "main", "--fail-on", "ERR", "--format", "github"])
        .current_dir(repo.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    // On the spec's line where the property was (file and line from the
    // diff's renderer), and once per stale file.
    assert!(
        text.contains("::error file=openapi.yaml,line=")
            && text.contains(",title=response-required-property-removed::"),
        "{text}"
    );
    assert!(text.contains("::error title=shop/typescript is stale::"), "{text}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n## Generated clients"), "{md}");
    assert!(md.contains("response-required-property-removed"), "{md}");

    let out = repo.check(&["--base", "main", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "stale: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["stale"][0]["group"], "shop");
    assert!(v["reports"][0]["changes"].as_array().is_some_and(|c| !c.is_empty()), "{v}");
}

/// `--help` documents the exit codes and the kinds of base.
#[test]
fn help_documents_the_exit_codes() {
    let out = util::run_apigend(Path::new("."), ["check", "--help"]);
    let help = stdout(&out);
    assert!(out.status.success(), "{help}");
    for needle in
        ["0 clean", "1 stale output", "2 a usage, config, spec or git error", "archive:latest"]
    {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

/// A project in a subdirectory of its repository (a monorepo's `backend/`):
/// spec.command runs in that subdirectory of the base's worktree, and a
/// program named by a relative path that git does not track (a virtualenv's
/// `.venv/bin/python`; here an ignored script) is the work tree's own.
#[test]
fn a_project_in_a_subdirectory_builds_its_base_there() {
    let t = TempDir::new();
    t.create(
        "svc/apigend.toml",
        "output_dir = \"openapi\"\n[spec]\npath = \"openapi.yaml\"\n\
         command = [\"venv/bin/spectacular\"]\n[archive]\nenabled = false\n\
         [languages]\npython = false\n[[groups]]\nname = \"shop\"\napps = [\"*\"]\n",
    );
    t.create("svc/.gitignore", "/openapi.yaml\n/venv/\n");
    let script = t.create("svc/venv/bin/spectacular", "#!/bin/sh\ncp api.yaml openapi.yaml\n");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    t.create("svc/api.yaml", BASE_API);
    let svc = t.path().join("svc");
    let git = |args: &[&str]| {
        let out = Command::new("git").args(args).current_dir(t.path()).output().unwrap();
        util::assert_success(&format!("git {}", args.join(" ")), &out);
    };
    git(&["init", "--quiet", "--initial-branch=main"]);
    git(&["config", "user.email", "ci@example.com"]);
    git(&["config", "user.name", "CI"]);
    util::assert_success("generate", &util::run_apigend(&svc, ["generate"]));
    git(&["add", "--all"]);
    git(&["commit", "--quiet", "-m", "main"]);
    t.create("svc/api.yaml", breaking_api());
    util::assert_success("generate", &util::run_apigend(&svc, ["generate"]));

    let out = util::run_apigend(&svc, ["check", "--base", "main", "--fail-on", "ERR"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("by `") && text.contains("in a temporary git worktree"), "{text}");
    assert!(text.contains("response-required-property-removed"), "{text}");
}
