#!/usr/bin/env bash
# Benchmark: apigend's Python generation against openapi-python-client
# 0.29.1 (pinned in bench/peers/opc), on the same document in one run.
#
#   bench/python.sh [SPEC]         default: ../shared/corpus/oas30-github-api.github.com.json
#   RUNS=5                         counted runs per tool (after 1 warm-up)
#
#   PEER=0                         apigend only (archive on and off)
#
# apigend: `apigend generate --config apigend.toml` (release build, one group
# `all` with every app, Python only), with the archive on (the default, what
# the comparison uses) and off. openapi-python-client:
# `openapi-python-client generate --path SPEC --output-path OUT --overwrite
# --meta none`, with its default ruff post-hooks (ruff is on PATH from its
# venv, as for any user who installs it).
# Targets: apigend >= 25x faster and < 1/5 of the peak memory.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

spec="$(realpath "${1:-$default_spec}")"
[[ -f "$spec" ]] || die "no spec at $spec"
ensure_gnu_time

peer="$bench_dir/peers/opc"
venv="$peer/.venv"
python=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null; then python="$(command -v "$candidate")"; break; fi
done
[[ -n "$python" ]] || die "python3 is needed for openapi-python-client"
PEER="${PEER:-1}"
want="$(sha256sum "$peer/requirements.txt" | cut -d' ' -f1) $("$python" --version)"
if [[ "$PEER" == 1 && "$(cat "$venv/.apigend-installed" 2>/dev/null)" != "$want" ]]; then
    say "creating bench/peers/opc/.venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$peer/requirements.txt"
    echo "$want" >"$venv/.apigend-installed"
fi
build_apigend

machine_info
echo "spec: $spec ($(du -h "$spec" | cut -f1))"
[[ "$PEER" == 1 ]] && echo "tools: apigend $(cd "$root" && git describe --always --dirty 2>/dev/null || echo '?'),"\
    "openapi-python-client $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-python-client"))')"\
    "(ruff $("$venv/bin/ruff" --version | cut -d' ' -f2)), $("$venv/bin/python" --version)"
echo "method: 1 warm-up + $RUNS runs each, median wall (min-max), median peak RSS of the largest process"

measure_apigend python "$spec"
[[ "$PEER" == 1 ]] || { echo "PEER=0: openapi-python-client not run"; exit 0; }

mkdir -p "$work/py-opc"
PATH="$venv/bin:$PATH" measure "opc 0.29.1" "$work/py-opc" "$work/py-opc/out" \
    "$venv/bin/openapi-python-client" generate --path "$spec" --output-path "$work/py-opc/out" --overwrite --meta none
p_wall=$m_wall p_rss=$m_rss

compare "openapi-python-client" 25 5
