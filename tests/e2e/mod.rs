//! The end-to-end test: `tests/e2e/run.sh` generates both clients of a real
//! Django + DRF + drf-spectacular backend (`tests/e2e/backend`) from an
//! OpenAPI 3.0 and a 3.1 schema and drives them against the running server
//! (TypeScript on Node, Python sync and async). See `tests/e2e/README.md`.

use std::process::Command;

use crate::util;

#[test]
#[ignore = "needs Django, node and tsc; run scripts/test.sh"]
fn both_clients_work_against_a_real_django_backend() {
    let tools = util::tools();
    let script = util::crate_root().join("tests/e2e/run.sh");
    // One job slot: the run is sequential (one server, one driver at a time).
    let out = util::with_job_slot(|| {
        Command::new("bash")
            .arg(&script)
            .env("APIGEND_BIN", util::apigend_bin())
            .env("APIGEND_PYTHON", &tools.python)
            .env("APIGEND_TSC", &tools.tsc)
            .env_remove("PYTHONPATH")
            .output()
            .unwrap_or_else(|e| panic!("spawn bash {}: {e}", script.display()))
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        panic!("{} failed ({}):\n{stdout}\n--- stderr ---\n{stderr}", script.display(), out.status);
    }
    // The per-behaviour summary, visible in a passing run too.
    let summary: Vec<&str> =
        stdout.lines().skip_while(|l| !l.starts_with("[e2e] summary")).collect();
    util::notice(&summary.join("\n"));
}
