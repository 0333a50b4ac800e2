#!/usr/bin/env bash
# Benchmark of save -> clients on disk on a real Django project (issue 15):
# the e2e backend (tests/e2e/backend: library, accounts, media) grown with a
# fourth app, `catalog` (bench/django/catalog, three model viewsets), about
# 45 operations in four groups. Three ways of getting the schema, side by
# side in one run, each with its own copy of the project and its own daemon:
#
#   plain  spec.command = python manage.py spectacular --file ..., warm = false
#   warm   the same command in the warm schema worker (warm = true)
#   url    spec.url against `manage.py runserver` (with its autoreloader)
#
# Each save rewrites catalog/serializers.py (a field's help text) by rename,
# as editors do; the latency is from the rename to the daemon's `run
# finished` log line of the run that committed the catalog's clients, minus
# the debounce window (a deliberate wait, not work). SAVES saves per mode
# (default 12), reported as p50 and p95 (nearest rank), min and max.
#
# Usage: bench/django.sh
# Environment: SAVES, DEBOUNCE (default 300ms), APIGEND_PYTHON (a python with
# Django, DRF and drf-spectacular; default tests/tools/.venv/bin/python,
# which scripts/test.sh installs), MODES (default "plain warm url").
# KEEP=1 keeps the scratch projects (their daemon logs). Linux only (/proc).

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAVES="${SAVES:-12}"
DEBOUNCE="${DEBOUNCE:-300ms}"
MODES="${MODES:-plain warm url}"
python="${APIGEND_PYTHON:-$root/tests/tools/.venv/bin/python}"
[[ -x "$python" ]] || die "no python at $python: run scripts/test.sh once (it installs tests/tools/.venv) or set APIGEND_PYTHON"
"$python" -c "import django, rest_framework, drf_spectacular" 2>/dev/null \
    || die "$python lacks Django, DRF or drf-spectacular"

build_apigend
debounce_ms="$(python3 -c "import sys,re; s=sys.argv[1]; m=re.fullmatch(r'(\d+)(ms|s)', s); print(int(m[1])*(1 if m[2]=='ms' else 1000))" "$DEBOUNCE")"

pids=()
scratch=""
cleanup() {
    for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null; kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    [[ -z "$scratch" || -n "${KEEP:-}" ]] || rm -rf "$scratch"
}
trap cleanup EXIT

# A copy of the e2e backend with the catalog app in DIR/backend.
make_project() { # DIR
    local dir="$1"
    rm -rf "$dir"
    mkdir -p "$dir/run" "$dir/data"
    cp -r "$root/tests/e2e/backend" "$dir/backend"
    find "$dir/backend" -name __pycache__ -prune -exec rm -rf {} +
    rm -f "$dir/backend/openapi.yaml"
    cp -r "$bench_dir/django/catalog" "$dir/backend/catalog"
    cat >>"$dir/backend/e2eproject/settings.py" <<'PY'

# Added by bench/django.sh: the fourth app.
INSTALLED_APPS += ["catalog"]
PY
    cat >>"$dir/backend/e2eproject/urls.py" <<'PY'

# Added by bench/django.sh: the fourth app.
urlpatterns += [path("api/catalog/", include("catalog.urls"))]
PY
}

write_config() { # DIR MODE PORT
    local dir="$1" mode="$2" port="$3" source
    case "$mode" in
        plain | warm)
            source="command = [\"$python\", \"manage.py\", \"spectacular\", \"--file\", \"openapi.yaml\"]
cwd = \"backend\"
path = \"backend/openapi.yaml\"
warm = $([[ $mode == warm ]] && echo true || echo false)" ;;
        url) source="url = \"http://127.0.0.1:$port/api/schema/?format=json\"" ;;
    esac
    cat >"$dir/apigend.toml" <<TOML
output_dir = "out"

[spec]
$source
command_timeout = "120s"

[apps]
by = "tag"

[archive]
enabled = false

[[groups]]
name = "core"
apps = ["library", "accounts"]

[[groups]]
name = "files"
apps = ["media"]

[[groups]]
name = "catalog"
apps = ["catalog"]

[watch]
paths = ["backend"]
include = ["**/*.py"]
debounce = "$DEBOUNCE"
TOML
}

runs() { local c; c="$(grep -c '"message":"run finished"' "$1" 2>/dev/null)"; echo "${c:-0}"; }
run_line() { grep '"message":"run finished"' "$1" | sed -n "${2}p"; }
field() { python3 -c "import json,sys; e=json.loads(sys.argv[1]); print(e['timestamp'] if sys.argv[2]=='timestamp' else e['fields'].get(sys.argv[2], ''))" "$1" "$2"; }
to_ns() { python3 -c "import datetime,sys; t=datetime.datetime.fromisoformat(sys.argv[1].replace('Z','+00:00')); print(int(t.timestamp()*1e9))" "$1"; }
wait_runs() { # LOG N PID SECONDS -> 0 when run N finished in time
    local log="$1" n="$2" pid="$3" deadline=$(( $(date +%s) + $4 ))
    while (( $(runs "$log") < n )); do
        kill -0 "$pid" 2>/dev/null || die "the daemon exited; log: $log"
        (( $(date +%s) < deadline )) || return 1
        sleep 0.01
    done
}
pct() { # P values... : nearest-rank percentile
    local p="$1"; shift
    printf '%s\n' "$@" | sort -n | awk -v p="$p" '{a[NR]=$1} END {r=int((p*NR+99)/100); if (r<1) r=1; print a[r]}'
}

# Outside the repository: the daemon honours .gitignore, and bench/.work is
# ignored, so a project there would never see a save.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/apigend-bench-django.XXXXXX")"
declare -A p50 p95 lo hi runp50 missed load
for mode in $MODES; do
    dir="$scratch/$mode"
    make_project "$dir"
    port=$((18000 + RANDOM % 2000))
    write_config "$dir" "$mode" "$port"
    load[$mode]="$(cut -d' ' -f1 /proc/loadavg)"
    if [[ "$mode" == url ]]; then
        say "url: starting manage.py runserver on 127.0.0.1:$port (autoreload on, as in development)"
        # Its own session, so the autoreloader's child goes with it.
        (cd "$dir/backend" && APIGEND_E2E_DATA="$dir/data" exec setsid "$python" manage.py runserver "127.0.0.1:$port" >"$dir/runserver.log" 2>&1) &
        server=$!
        pids+=("$server")
        for _ in $(seq 600); do
            curl -fsS -o /dev/null "http://127.0.0.1:$port/api/schema/" 2>/dev/null && break
            sleep 0.1
        done
        curl -fsS -o /dev/null "http://127.0.0.1:$port/api/schema/" || die "runserver did not answer; log: $dir/runserver.log"
    fi
    log="$dir/daemon.log"
    say "$mode: starting the daemon; startup run"
    (cd "$dir" && XDG_RUNTIME_DIR="$dir/run" APIGEND_E2E_DATA="$dir/data" exec "$apigend" watch --config apigend.toml --log-format json 2>"$log") &
    pid=$!
    pids+=("$pid")
    wait_runs "$log" 1 "$pid" 300 || die "$mode: no startup run in 300 s; log: $log"
    [[ "$(field "$(run_line "$log" 1)" result)" == ok ]] || die "$mode: the startup run failed; log: $log"
    lat=() rms=() miss=0 n=1
    for ((i = 1; i <= SAVES; i++)); do
        sleep 1.5 # let the previous run (and runserver's reload) settle
        ser="$dir/backend/catalog/serializers.py"
        sed "s/^SAVE = .*/SAVE = \"save $i\"/" "$ser" >"$ser.tmp"
        t0="$(date +%s%N)"
        mv "$ser.tmp" "$ser"
        # The run that wrote the catalog: with spec.url the first run may
        # fetch the schema before runserver reloaded, see nothing new and
        # write nothing; that save is missed.
        got=""
        while [[ -z "$got" ]]; do
            n=$((n + 1))
            if ! wait_runs "$log" "$n" "$pid" 20; then n=$((n - 1)); break; fi
            line="$(run_line "$log" "$n")"
            [[ "$(field "$line" written)" == *catalog* ]] && got="$line"
        done
        if [[ -z "$got" ]]; then
            miss=$((miss + 1))
            say "$mode save $i: the catalog's clients were not regenerated within 20 s"
            continue
        fi
        t1="$(to_ns "$(field "$got" timestamp)")"
        lat+=($(( (t1 - t0) / 1000000 - debounce_ms )))
        rms+=("$(field "$got" duration_ms)")
        say "$mode save $i: $(( (t1 - t0) / 1000000 )) ms from save to clients on disk (run ${rms[-1]} ms)"
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    missed[$mode]=$miss
    if ((${#lat[@]})); then
        p50[$mode]="$(pct 50 "${lat[@]}")"; p95[$mode]="$(pct 95 "${lat[@]}")"
        lo[$mode]="$(pct 0 "${lat[@]}")"; hi[$mode]="$(pct 100 "${lat[@]}")"
        runp50[$mode]="$(pct 50 "${rms[@]}")"
    fi
    if [[ "$mode" == url ]]; then kill -- "-$server" 2>/dev/null || kill "$server" 2>/dev/null || true; fi
done

ops="$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for p in d['paths'].values() for m in p if m in ('get','put','post','patch','delete')))" <(
    cd "$scratch/$(set -- $MODES; echo "$1")/backend" && APIGEND_E2E_DATA=/tmp "$python" manage.py spectacular --format openapi-json 2>/dev/null))"
echo
echo "apigend watch on the e2e Django backend + catalog (4 apps, $ops operations, 4 groups, TypeScript and Python), debounce $DEBOUNCE, $SAVES saves per mode"
machine_info
echo "save -> clients on disk, minus the debounce (p50 / p95, min-max, run duration p50):"
for mode in $MODES; do
    if [[ -n "${p50[$mode]:-}" ]]; then
        echo "  $mode: p50 ${p50[$mode]} ms / p95 ${p95[$mode]} ms (${lo[$mode]}-${hi[$mode]}), run ${runp50[$mode]} ms, load ${load[$mode]} at its start, missed ${missed[$mode]} of $SAVES"
    else
        echo "  $mode: every save missed (${missed[$mode]} of $SAVES)"
    fi
done
if [[ -n "${p50[plain]:-}" && -n "${p50[warm]:-}" ]]; then
    python3 - "${p50[plain]}" "${p50[warm]}" "$debounce_ms" <<'PY'
import sys
p, w, d = (float(x) for x in sys.argv[1:4])
print(f"warm vs plain, p50: {(p + d) / (w + d):.2f}x faster save to disk with the debounce, "
      f"{p / max(w, 1):.2f}x without it (target >= 2.5x); warm beyond the debounce: {w:.0f} ms (target < 300 ms)")
PY
fi
