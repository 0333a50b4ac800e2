#!/usr/bin/env bash
# Benchmark: `apigend diff` on a real pair of consecutive API versions.
#
#   bench/diff.sh [PAIR_DIR]       default: ../shared/pairs/github-octokit-22.0.0-to-23.0.0
#   RUNS=5                         counted runs per format (after 1 warm-up)
#   FORMATS="json markdown github" the output formats measured
#
# apigend: `apigend diff BASE REVISION --format F` (release build), the whole
# process: parsing both documents, the structural diff, every rule, the
# causes and the rendering. No peer: Optic's figures on the same pairs are
# in ../shared/pairs/README.md.
# Targets: under 3 s and 300 MiB peak on GitHub's pair (11 + 12 MiB of JSON).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pair="$(realpath "${1:-$root/../shared/pairs/github-octokit-22.0.0-to-23.0.0}")"
[[ -d "$pair" ]] || die "no pair at $pair (the shared pairs are not beside this clone)"
base="$(ls "$pair"/base.* | head -n1)"
revision="$(ls "$pair"/revision.* | head -n1)"
ensure_gnu_time
build_apigend

machine_info
echo "pair: $pair ($(du -h "$base" | cut -f1) + $(du -h "$revision" | cut -f1))"
echo "tools: apigend $(cd "$root" && git describe --always --dirty 2>/dev/null || echo '?')"
echo "method: 1 warm-up + $RUNS runs per format, median wall (min-max), median peak RSS"

for format in ${FORMATS:-json markdown github}; do
    dir="$work/diff-$format"
    # The report goes to out/ (emptied before each run) and GitHub's step
    # summary to a scratch file, as in a workflow; `exec` keeps apigend the
    # process GNU time measures.
    GITHUB_STEP_SUMMARY="$dir/summary.md" \
        measure "diff --format $format" "$dir" "$dir/out" \
        sh -c 'mkdir -p out && exec "$@" >out/report' sh \
        "$apigend" diff "$base" "$revision" --format "$format"
    verdict=$(awk -v w="$m_wall" -v r="$m_rss" 'BEGIN {print (w < 3 && r < 300) ? "meets" : "MISSES"}')
    echo "  target < 3 s and < 300 MiB: $verdict ($(wc -l <"$dir/out/report") lines of output)"
    # CPU time moves far less than wall time when other work shares the
    # cores: on a loaded machine it is the better estimate of an idle run.
    /usr/bin/time -f '%U %S' -o "$dir/.cpu" \
        "$apigend" diff "$base" "$revision" --format "$format" >/dev/null
    echo "  cpu (one more run): $(awk '{printf "%.2f s user + %.2f s sys", $1, $2}' "$dir/.cpu")"
done
