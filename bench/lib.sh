# Shared helpers of bench/typescript.sh and bench/python.sh. Sourced, not run.
#
# Method (the same as shared/reference/peer-generators.md): each tool runs as
# a whole process on the same document in the same script run, 1 warm-up run
# then RUNS counted runs (default 5), each into a freshly emptied output
# directory. Reported: the median wall time (min-max) and the median peak
# RSS of the largest single process (GNU time's %M, in MiB).

set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench_dir/.." && pwd)"
work="$bench_dir/.work"
RUNS="${RUNS:-5}"
default_spec="$root/../shared/corpus/oas30-github-api.github.com.json"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

machine_info() {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
        "$(free -h | awk '/^Mem:/ {print $2}') memory, $(uname -sr)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
}

ensure_gnu_time() {
    if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
        if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
            say "installing GNU time (Debian package time)"
            apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
        else
            die "GNU time is needed at /usr/bin/time (Debian: apt-get install time)"
        fi
    fi
}

build_apigend() {
    say "cargo build --release --locked"
    (cd "$root" && cargo build --release --locked --quiet)
    apigend="$root/target/release/apigend"
    [[ -x "$apigend" ]] || die "no $apigend after the build"
}

# Writes an apigend.toml for SPEC into DIR with one group `all` (every app)
# and only LANGUAGE on; output goes to DIR/out. ARCHIVE (default false) is
# `archive.enabled`; the archive then lives in DIR/out/archive, emptied with
# the output before each run (a first version every time).
write_apigend_config() { # DIR SPEC LANGUAGE [ARCHIVE]
    local dir="$1" spec="$2" lang="$3" archive="${4:-false}" ts=false py=false
    [[ "$lang" == typescript ]] && ts=true
    [[ "$lang" == python ]] && py=true
    mkdir -p "$dir"
    cat >"$dir/apigend.toml" <<TOML
output_dir = "out"

[spec]
path = "$spec"

[apps]
by = "tag"

[languages]
typescript = $ts
python = $py

[archive]
enabled = $archive

[[groups]]
name = "all"
apps = ["*"]
TOML
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# measure LABEL WORKDIR OUTDIR CMD... : runs CMD in WORKDIR (after emptying
# OUTDIR) 1 + RUNS times. Sets m_wall (median s), m_rss (median MiB),
# m_range ("min-max"), and prints one result row.
measure() {
    local label="$1" dir="$2" out="$3"; shift 3
    local walls=() rsss=() i t0 t1 rc
    mkdir -p "$dir"
    for ((i = 0; i <= RUNS; i++)); do
        rm -rf "$out"
        t0=$(date +%s%N)
        set +e
        (cd "$dir" && /usr/bin/time -f %M -o "$dir/.time" "$@" >"$dir/.log" 2>&1)
        rc=$?
        set -e
        t1=$(date +%s%N)
        if [[ $rc -ne 0 ]]; then
            tail -n 30 "$dir/.log" >&2
            die "$label exited with $rc (run $i; log above)"
        fi
        if ((i > 0)); then # run 0 is the warm-up
            walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e9}')")
            rsss+=("$(awk '/^[0-9]+$/ {printf "%.1f", $1/1024}' "$dir/.time" | tail -n1)")
        fi
    done
    m_wall=$(printf '%s\n' "${walls[@]}" | median)
    m_rss=$(printf '%s\n' "${rsss[@]}" | median)
    m_range="$(printf '%s\n' "${walls[@]}" | sort -g | head -n1)-$(printf '%s\n' "${walls[@]}" | sort -g | tail -n1)"
    local files lines
    files=$(find "$out" -type f \( -name '*.ts' -o -name '*.py' \) 2>/dev/null | wc -l)
    lines=$(find "$out" -type f \( -name '*.ts' -o -name '*.py' \) -exec cat {} + 2>/dev/null | wc -l)
    printf '%-16s median %7.3f s (%s)   peak %7.1f MiB   %5d files %8d lines\n' \
        "$label" "$m_wall" "$m_range" "$m_rss" "$files" "$lines"
}

# apigend with the archive on (the default) and off, in one run; PEER=0
# skips the peer. Sets a_wall a_rss (archive on, what users get).
measure_apigend() { # NAME(typescript|python) SPEC
    local lang="$1" spec="$2"
    write_apigend_config "$work/$lang-apigend-off" "$spec" "$lang" false
    write_apigend_config "$work/$lang-apigend" "$spec" "$lang" true
    measure "apigend (archive on)" "$work/$lang-apigend" "$work/$lang-apigend/out" \
        "$apigend" generate --config "$work/$lang-apigend/apigend.toml"
    a_wall=$m_wall a_rss=$m_rss
    measure "apigend (archive off)" "$work/$lang-apigend-off" "$work/$lang-apigend-off/out" \
        "$apigend" generate --config "$work/$lang-apigend-off/apigend.toml"
    awk -v on="$a_wall" -v off="$m_wall" -v ron="$a_rss" -v roff="$m_rss" 'BEGIN {
        t = (on / off - 1) * 100
        printf "archive on vs off: time %+.1f%% (target within 15%%: %s), peak memory %+.1f%%\n",
            t, (t <= 15) ? "meets" : "MISSES", (ron / roff - 1) * 100 }'
}

# compare NAME TARGET_SPEEDUP TARGET_MEM_FRACTION_DENOMINATOR
# uses a_wall a_rss (apigend) and p_wall p_rss (peer)
compare() {
    local peer="$1" want_speed="$2" want_mem="$3"
    local speed mem verdict_s verdict_m
    speed=$(awk -v a="$a_wall" -v p="$p_wall" 'BEGIN {printf "%.1f", p/a}')
    mem=$(awk -v a="$a_rss" -v p="$p_rss" 'BEGIN {printf "%.3f", a/p}')
    verdict_s=$(awk -v s="$speed" -v w="$want_speed" 'BEGIN {print (s >= w) ? "meets" : "MISSES"}')
    verdict_m=$(awk -v m="$mem" -v w="$want_mem" 'BEGIN {print (m < 1/w) ? "meets" : "MISSES"}')
    echo "apigend vs $peer: ${speed}x faster (target >= ${want_speed}x: $verdict_s);" \
        "peak memory ${mem} of $peer's (target < 1/${want_mem}: $verdict_m)"
}
