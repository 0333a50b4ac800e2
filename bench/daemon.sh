#!/usr/bin/env bash
# Benchmark of `apigend watch` (issue 5) on a large real spec, two groups:
#
#   1. save-to-disk latency: the time from a saved spec change (a rename over
#      the spec, as editors do) to the end of the run that committed the
#      regenerated files, minus the debounce window (which is a deliberate
#      wait, not work). Taken from the daemon's own `run finished` log
#      timestamp, which it writes after the commit. CHANGES saves (default
#      6), each changing one operation's summary in one group only, so each
#      run regenerates one group and skips the other.
#   2. the idle daemon's cost over IDLE_SECS (default 30): CPU time from
#      /proc/<pid>/stat (utime + stime), memory from /proc/<pid>/status
#      (VmRSS now, VmHWM peak since start).
#
# Usage: bench/daemon.sh [SPEC]   (default: ../shared/corpus/oas30-github-api.github.com.json)
# Environment: CHANGES, IDLE_SECS, DEBOUNCE (default 300ms).
# Linux only (/proc). Prints the figures and the machine description.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

spec="${1:-$default_spec}"
[[ -f "$spec" ]] || die "no spec at $spec (pass one as the first argument)"
[[ -d /proc/self ]] || die "needs Linux /proc"
command -v python3 >/dev/null || die "python3 is needed to prepare the spec variants"
CHANGES="${CHANGES:-6}"
IDLE_SECS="${IDLE_SECS:-30}"
DEBOUNCE="${DEBOUNCE:-300ms}"

say "cargo build --release --locked"
(cd "$root" && cargo build --release --locked --quiet)
apigend="${CARGO_TARGET_DIR:-$root/target}/release/apigend"
[[ -x "$apigend" ]] || die "no $apigend after the build"
dir="$work/daemon"
rm -rf "$dir"
mkdir -p "$dir/run" "$dir/variants"

# Two groups split by the first letter of the app (tag).
cat >"$dir/apigend.toml" <<TOML
output_dir = "out"

[spec]
path = "openapi.json"

[apps]
by = "tag"

[archive]
enabled = false

[[groups]]
name = "a_to_m"
apps = ["[a-m]*"]

[[groups]]
name = "n_to_z"
apps = ["[n-z]*"]

[watch]
debounce = "$DEBOUNCE"
TOML

say "preparing $CHANGES spec variants (one operation's summary changed each time)"
python3 - "$spec" "$dir" "$CHANGES" <<'PY'
import json, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = json.load(open(src))
ops = [op for item in doc["paths"].values() for op in item.values()
       if isinstance(op, dict) and op.get("tags")]
# Alternate between the groups: even saves touch a-m, odd ones n-z.
first = {g: next(op for op in ops if (op["tags"][0][0] <= "m") == (g == 0)) for g in (0, 1)}
json.dump(doc, open(f"{out}/openapi.json", "w"))
for i in range(n):
    op = first[i % 2]
    op["summary"] = f"{op.get('summary', '')} (bench save {i})"
    json.dump(doc, open(f"{out}/variants/{i}.json", "w"))
PY

log="$dir/daemon.log"
export XDG_RUNTIME_DIR="$dir/run"
(cd "$dir" && exec "$apigend" watch --config apigend.toml --log-format json 2>"$log") &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# Number of `run finished` lines so far.
runs() { # the log may not exist yet: count 0 then
    local c
    c="$(grep -c '"message":"run finished"' "$log" 2>/dev/null)"
    echo "${c:-0}"
}
wait_runs() { # N
    local n="$1" t=0
    while (( $(runs) < n )); do
        kill -0 "$pid" 2>/dev/null || die "the daemon exited; log: $log"
        sleep 0.01
        t=$((t + 1))
        (( t < 30000 )) || die "run $n did not finish in 300 s; log: $log"
    done
}
# Field of the Nth `run finished` line.
run_field() { # N FIELD
    grep '"message":"run finished"' "$log" | sed -n "${1}p" | python3 -c \
        "import json,sys; e=json.loads(sys.stdin.read()); print(e['timestamp'] if '$2'=='timestamp' else e['fields']['$2'])"
}
to_ns() { python3 -c "import datetime,sys; t=datetime.datetime.fromisoformat(sys.argv[1].replace('Z','+00:00')); print(int(t.timestamp()*1e9))" "$1"; }

say "starting the daemon; startup run (every group generated)"
wait_runs 1
startup_ms="$(run_field 1 duration_ms)"
debounce_ms="$(python3 -c "import sys,re; s=sys.argv[1]; m=re.fullmatch(r'(\d+)(ms|s)', s); print(int(m[1])*(1 if m[2]=='ms' else 1000))" "$DEBOUNCE")"

latencies=()
run_ms=()
for ((i = 0; i < CHANGES; i++)); do
    sleep 1 # let the previous run's events settle
    cp "$dir/variants/$i.json" "$dir/.openapi.json.new"
    t0="$(date +%s%N)"
    mv "$dir/.openapi.json.new" "$dir/openapi.json"
    n=$((i + 2))
    wait_runs "$n"
    t1="$(to_ns "$(run_field "$n" timestamp)")"
    written="$(run_field "$n" written)"
    [[ "$written" == "a_to_m" || "$written" == "n_to_z" ]] || die "run $n wrote '$written', expected one group; log: $log"
    latencies+=($(( (t1 - t0) / 1000000 - debounce_ms )))
    run_ms+=("$(run_field "$n" duration_ms)")
    say "save $i: $written regenerated, $(( (t1 - t0) / 1000000 )) ms from save to committed (run ${run_ms[-1]} ms)"
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms (min %d, max %d, n=%d)", a[int((NR+1)/2)], a[1], a[NR], NR}'; }

say "idle for ${IDLE_SECS}s"
tck="$(getconf CLK_TCK)"
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0="$(cpu)"
sleep "$IDLE_SECS"
c1="$(cpu)"
rss="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")"
hwm="$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")"
watched="$(python3 -c "import json,glob; print(json.load(open(glob.glob('$dir/run/apigend/*/status.json')[0]))['watched_dirs'])")"
(( $(runs) == CHANGES + 1 )) || die "the idle daemon ran $(( $(runs) - CHANGES - 1 )) extra runs; log: $log"

echo
echo "apigend watch on $(basename "$spec") ($(du -h "$spec" | cut -f1)), groups a_to_m and n_to_z, debounce $DEBOUNCE"
machine_info
echo "startup run (both groups, both languages): ${startup_ms} ms"
echo "save -> regenerated files on disk, minus the ${debounce_ms} ms debounce: $(stats "${latencies[@]}")"
echo "  of which the run itself (obtain, parse, fingerprint, generate, commit): $(stats "${run_ms[@]}")"
echo "idle over ${IDLE_SECS}s: CPU $(python3 -c "print(f'{($c1 - $c0) / $tck / $IDLE_SECS * 100:.3f}')")% of one core ($((c1 - c0)) ticks at ${tck}/s), RSS $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB), watching ${watched} directories, no run while idle"
