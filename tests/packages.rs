//! The clients as packages (`[typescript] package`, `[python] package`):
//! each installs into a fresh consumer and is usable from there. The npm
//! package is installed with `npm install` into a new npm project and
//! compiled with strict `tsc` under both `Bundler` and `NodeNext` module
//! resolution; the Python package is built and installed with `pip` into a
//! new virtualenv, imported, and a consumer script passes `mypy --strict`
//! against the installed copy (which mypy only reads when `py.typed` was
//! shipped).

use std::path::Path;
use std::process::Command;

use crate::util::{self, TempDir};

const CONFIG: &str = r#"
output_dir = "openapi"

[spec]
path = "openapi.yaml"

[typescript]
package = true

[python]
package = true

[[groups]]
name = "core"
apps = ["accounts", "catalog"]
title = "Shop Core API"
version = "1.4.0"
package_name = "@shop/core"

[[groups]]
name = "billing"
apps = ["billing*"]
version = "v2"
"#;

/// A project generated from the example schema with both package options on.
fn generated() -> TempDir {
    let tmp = TempDir::new();
    let spec = std::fs::read(util::crate_root().join("example/openapi.yaml")).unwrap();
    tmp.create("openapi.yaml", spec);
    tmp.create("apigend.toml", CONFIG);
    let out = util::run_apigend(tmp.path(), ["generate", "--config", "apigend.toml"]);
    util::assert_success("apigend generate", &out);
    tmp
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn package_files_are_written_only_when_asked() {
    let tmp = generated();
    let core = json(&tmp.path().join("openapi/core/typescript/package.json"));
    assert_eq!(core["name"], "@shop/core");
    assert_eq!(core["version"], "1.4.0");
    assert_eq!(core["type"], "module");
    assert_eq!(core["sideEffects"], false);
    assert_eq!(core["types"], "./index.ts");
    assert_eq!(core["exports"]["."]["types"], "./index.ts");
    // The default name: the document's title, npm-safe, and the group; a
    // version npm would refuse (`v2`) is made SemVer.
    let billing = json(&tmp.path().join("openapi/billing/typescript/package.json"));
    let title = "Shop API";
    assert_eq!(billing["name"], format!("@{}/billing", title.to_lowercase().replace(' ', "-")));
    assert_eq!(billing["version"], "2.0.0");

    let pyproject =
        std::fs::read_to_string(tmp.path().join("openapi/core/python/pyproject.toml")).unwrap();
    for want in [
        "build-backend = \"hatchling.build\"",
        "name = \"core\"",
        "version = \"1.4.0\"",
        "requires-python = \">=3.10\"",
        "\"httpx>=",
        "\"pydantic>=",
        "packages = [\"core\"]",
    ] {
        assert!(pyproject.contains(want), "pyproject.toml lacks {want}:\n{pyproject}");
    }
    // The files are apigend's: listed in the manifest, so a later run may
    // replace or remove them.
    let manifest =
        std::fs::read_to_string(tmp.path().join("openapi/core/python/.apigend/manifest.json"))
            .unwrap();
    assert!(manifest.contains("pyproject.toml"), "{manifest}");

    // Turned off, the files go and the clients are regenerated without them.
    tmp.create("apigend.toml", CONFIG.replace("package = true", "package = false"));
    let out = util::run_apigend(tmp.path(), ["generate", "--config", "apigend.toml"]);
    util::assert_success("apigend generate without packages", &out);
    assert!(!tmp.path().join("openapi/core/typescript/package.json").exists());
    assert!(!tmp.path().join("openapi/core/python/pyproject.toml").exists());
    assert!(tmp.path().join("openapi/core/typescript/index.ts").exists());
}

#[test]
fn an_invalid_npm_name_is_a_config_error_naming_the_key() {
    let tmp = TempDir::new();
    tmp.create(
        "openapi.yaml",
        std::fs::read(util::crate_root().join("example/openapi.yaml")).unwrap(),
    );
    tmp.create("apigend.toml", CONFIG.replace("@shop/core", "Shop Core"));
    let out = util::run_apigend(tmp.path(), ["generate", "--config", "apigend.toml"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("groups[0].package_name") && err.contains("npm"), "{err}");
}

#[test]
#[ignore = "needs npm, tsc and python; run scripts/test.sh"]
fn the_npm_package_installs_into_a_fresh_project_and_compiles_strictly() {
    let tools = util::tools();
    let tmp = generated();
    let consumer = tmp.path().join("web");
    std::fs::create_dir_all(&consumer).unwrap();
    std::fs::write(
        consumer.join("package.json"),
        r#"{ "name": "web", "private": true, "type": "module" }"#,
    )
    .unwrap();
    // `npm install <folder>` links the folder and records it, as a
    // workspace would; it needs no registry since the client has no
    // dependencies.
    let out = Command::new("npm")
        .args(["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"])
        .arg("../openapi/core/typescript")
        .current_dir(&consumer)
        .output()
        .expect("spawn npm");
    util::assert_success("npm install ../openapi/core/typescript", &out);
    let manifest = json(&consumer.join("package.json"));
    assert!(manifest["dependencies"]["@shop/core"].as_str().unwrap().starts_with("file:"));

    std::fs::write(
        consumer.join("main.ts"),
        r#"import { createClient, ApiError, type models } from "@shop/core";

const api = createClient({ baseUrl: "http://127.0.0.1:8000" });
export async function firstName(): Promise<string | undefined> {
  try {
    const page = await api.catalog.productsList({ query: { page: 1 } });
    const first: models.Product | undefined = page.results[0];
    return first?.name;
  } catch (e) {
    if (e instanceof ApiError) return String(e.status);
    throw e;
  }
}
"#,
    )
    .unwrap();
    for (module, resolution) in [("ESNext", "Bundler"), ("NodeNext", "NodeNext")] {
        let tsconfig = serde_json::json!({
            "extends": util::strict_tsconfig().to_string_lossy(),
            "compilerOptions": { "module": module, "moduleResolution": resolution, "types": [] },
            "files": ["main.ts"],
        });
        let path = consumer.join(format!("tsconfig.{resolution}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&tsconfig).unwrap()).unwrap();
        let out = Command::new(&tools.tsc)
            .arg("-p")
            .arg(&path)
            .args(["--pretty", "false"])
            .output()
            .expect("spawn tsc");
        util::assert_success(&format!("tsc ({resolution}) over a consumer of @shop/core"), &out);
    }
}

#[test]
#[ignore = "needs python with pip, hatchling and mypy; run scripts/test.sh"]
fn the_python_package_installs_into_a_fresh_venv_and_type_checks() {
    let tools = util::tools();
    let tmp = generated();
    let venv = tmp.path().join("venv");
    let out = Command::new(&tools.python).arg("-m").arg("venv").arg(&venv).output().unwrap();
    util::assert_success("python -m venv", &out);
    let python = venv.join("bin/python");
    // The fresh venv sees the pinned test tools (httpx, pydantic, mypy,
    // hatchling) through a .pth file, so nothing is fetched from an index:
    // what pip installs from the generated folder is the only new package.
    let site = |py: &Path| {
        let out = Command::new(py)
            .args(["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
            .output()
            .unwrap();
        util::assert_success("sysconfig", &out);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let tools_site = site(&tools.python);
    std::fs::write(Path::new(&site(&python)).join("apigend_test_tools.pth"), tools_site + "\n")
        .unwrap();
    let out = Command::new(&python)
        .args(["-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index"])
        .args(["--disable-pip-version-check", "--quiet"])
        .arg(tmp.path().join("openapi/core/python"))
        .output()
        .unwrap();
    util::assert_success("pip install openapi/core/python", &out);

    let out =
        Command::new(&python).args(["-m", "pip", "show", "--files", "core"]).output().unwrap();
    util::assert_success("pip show core", &out);
    let shown = String::from_utf8_lossy(&out.stdout);
    for want in ["Version: 1.4.0", "Requires: httpx, pydantic", "core/py.typed", "core/client.py"] {
        assert!(shown.contains(want), "pip show lacks {want}:\n{shown}");
    }

    let script = tmp.create(
        "consumer/main.py",
        r#"from core import ApiError, Client, models


def first_name() -> str | None:
    with Client("http://127.0.0.1:8000") as api:
        try:
            page = api.catalog.products_list(page=1)
        except ApiError as e:
            return str(e.status_code)
        first: models.Product | None = page.results[0] if page.results else None
        return first.name if first else None
"#,
    );
    // Run from the consumer's folder, so `core` can only come from the venv.
    let out = Command::new(&python)
        .args(["-c", "import core, os; print(core.__file__)"])
        .current_dir(script.parent().unwrap())
        .output()
        .unwrap();
    util::assert_success("import core", &out);
    let file = String::from_utf8_lossy(&out.stdout);
    assert!(file.contains("site-packages"), "core was imported from {file}");
    let out = Command::new(&python)
        .args(["-m", "mypy", "--strict", "--no-color-output", "--cache-dir"])
        .arg(tmp.path().join("mypy-cache"))
        .arg(&script)
        .current_dir(script.parent().unwrap())
        .env_remove("MYPYPATH")
        .output()
        .unwrap();
    util::assert_success("mypy --strict over a consumer of the installed package", &out);
}
