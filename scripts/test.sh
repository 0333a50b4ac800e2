#!/usr/bin/env bash
# The project's test command (README: "Testing"). Needs only the Rust
# toolchain, git, Node 20 with npm, and Python 3.10+ (python3.11 preferred).
#
#   1. installs the pinned checkers from tests/tools/ into the work tree
#      (npm ci -> tests/tools/node_modules: tsc and Prism; a virtualenv ->
#      tests/tools/.venv);
#      nothing global, and nothing at all when the pins have not changed;
#   2. cargo fmt --check, cargo clippy -D warnings;
#   3. cargo test, including the #[ignore]d tests that need node/python
#      (golden and corpus type checks, the Django end-to-end test).
#
# Arguments are passed to the final `cargo test` after `--include-ignored`,
# e.g. `scripts/test.sh golden` runs only the golden tests (lints included).
#
# The last lines it prints, after cargo's summary, list every test that
# skipped something and why (a test that skips appends a line to the file
# named by APIGEND_SKIP_LOG, which this script sets): in a clone without
# ../shared, the corpus and the real pairs of API versions.
#
# Environment: APIGEND_SKIP_LINT=1 skips fmt and clippy; APIGEND_TEST_JOBS
# caps concurrent external checkers (default: number of cores);
# APIGEND_REQUIRE_SHARED=1 (set by .ci/run) makes a missing ../shared a
# failure instead of a skip.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/tests/tools"

say() { printf '==> %s\n' "$*"; }
die() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }

# The contents' hash, not the paths': a clone elsewhere (or a worktree)
# with the same pins needs no reinstall.
sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# needs_install DIR WANT PROBE: whether DIR must be (re)installed. A DIR that
# is a symlink (tools shared with another checkout) is never reinstalled
# through the link, which would replace the other checkout's tools: a
# mismatch there is a warning.
needs_install() {
    local dir="$1" want="$2" probe="$3"
    if [[ -x "$probe" && "$(cat "$dir/.apigend-installed" 2>/dev/null)" == "$want" ]]; then
        return 1
    fi
    if [[ -L "$dir" ]]; then
        [[ -x "$probe" ]] || die "$dir is a symlink without $probe; remove the link to install the pinned tools here"
        say "WARNING: $dir is a symlink whose tools do not match the pins here; using them as they are"
        return 1
    fi
    return 0
}

# --- node tools (tsc) --------------------------------------------------------
command -v node >/dev/null || die "node is not on PATH (Node 20+ is needed for tsc)"
command -v npm >/dev/null || die "npm is not on PATH"
node_stamp="$tools/node_modules/.apigend-installed"
node_want="$(sha "$tools/package.json" "$tools/package-lock.json") $(node --version)"
if needs_install "$tools/node_modules" "$node_want" "$tools/node_modules/.bin/tsc" ||
    { [[ ! -L "$tools/node_modules" && ! -x "$tools/node_modules/.bin/prism" ]]; }; then
    say "installing pinned node tools (npm ci in tests/tools)"
    (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
    printf '%s\n' "$node_want" >"$node_stamp"
fi
export APIGEND_TSC="$tools/node_modules/.bin/tsc"
# Stoplight Prism's validating mock server, for the Prism test (tests/prism.rs).
export APIGEND_PRISM="$tools/node_modules/.bin/prism"

# --- python tools (mypy, pydantic, httpx, Django) ---------------------------
python=""
for candidate in "${APIGEND_BASE_PYTHON:-}" python3.11 python3.12 python3.13 python3.10 python3; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        python="$(command -v "$candidate")"
        break
    fi
done
[[ -n "$python" ]] || die "no python3 >= 3.10 on PATH (python3.11 is the tested one)"
venv="$tools/.venv"
py_stamp="$venv/.apigend-installed"
py_want="$(sha "$tools/requirements.txt") $("$python" -c 'import sys; print(sys.version.split()[0])')"
if needs_install "$venv" "$py_want" "$venv/bin/python"; then
    say "creating tests/tools/.venv from tests/tools/requirements.txt with $python"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input --require-virtualenv -r "$tools/requirements.txt"
    printf '%s\n' "$py_want" >"$py_stamp"
fi
export APIGEND_PYTHON="$venv/bin/python"

say "tools: tsc $("$APIGEND_TSC" --version | sed 's/^Version //'), $("$APIGEND_PYTHON" --version), mypy $("$APIGEND_PYTHON" -m mypy --version | cut -d' ' -f2)"
if [[ ! -d "$root/../shared" ]]; then
    if [[ "${APIGEND_REQUIRE_SHARED:-}" == 1 ]]; then
        say "NOTE: ../shared is absent and APIGEND_REQUIRE_SHARED=1: the tests that need it will fail"
    else
        say "NOTE: ../shared is absent: the tests that need it skip, listed at the end"
    fi
fi

# Every test that skips something appends "test<TAB>what<TAB>why" here.
APIGEND_SKIP_LOG="$(mktemp "${TMPDIR:-/tmp}/apigend-skips.XXXXXX")"
export APIGEND_SKIP_LOG
trap 'rm -f "$APIGEND_SKIP_LOG"' EXIT

# The closing summary: one line per thing that was missing, with the tests
# that skipped for it.
report_skips() {
    if [[ ! -s "$APIGEND_SKIP_LOG" ]]; then
        say "skipped: nothing"
        return
    fi
    say "skipped: these tests did not check what needs something absent here:"
    sort -u "$APIGEND_SKIP_LOG" | awk -F '\t' '
        !($2 in why) { order[++n] = $2; why[$2] = $3 }
        { tests[$2] = count[$2]++ ? tests[$2] ", " $1 : $1 }
        END {
            for (i = 1; i <= n; i++) {
                w = order[i]
                printf "==>   %s (%d test%s: %s): %s\n", w, count[w], count[w] == 1 ? "" : "s", tests[w], why[w]
            }
        }'
}

# --- lints --------------------------------------------------------------------
if [[ "${APIGEND_SKIP_LINT:-}" != 1 ]]; then
    say "cargo fmt --check"
    cargo fmt --check
    say "cargo clippy --all-targets --locked -- -D warnings"
    cargo clippy --all-targets --locked --quiet -- -D warnings
fi

# --- tests --------------------------------------------------------------------
# Doc tests first, so that the last thing printed is the summary of the
# integration tests (the `tests` binary), which is what CI reads.
say "cargo test --locked --doc"
cargo test --locked --doc --quiet
say "cargo test --locked --all-targets -- --include-ignored $*"
status=0
cargo test --locked --all-targets -- --include-ignored "$@" || status=$?
report_skips
if [[ $status -ne 0 ]]; then
    say "FAILED: cargo test exited with $status"
fi
exit "$status"
