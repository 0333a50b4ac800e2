#!/usr/bin/env bash
# One fuzz campaign: `fuzz/run.sh <target> [seconds]` (default 600).
# Seeds: tests/specs for spec_to_code, fuzz/seeds/config_text for
# config_text; the saved regressions of the target too. The growing corpus
# stays in fuzz/corpus/<target>/ (not committed), crashes land in
# fuzz/artifacts/<target>/. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`); see README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
target="${1:?usage: fuzz/run.sh spec_to_code|config_text|debounce_events [seconds]}"
secs="${2:-600}"
seeds=()
dict=()
case "$target" in
    spec_to_code) seeds=(../tests/specs); dict=(-dict=dict/openapi.dict) ;;
    config_text) seeds=(seeds/config_text); dict=(-dict=dict/config.dict) ;;
    debounce_events) ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
esac
regressions="../tests/fuzz_regressions/$target"
[[ -d "$regressions" ]] && seeds+=("$regressions")
mkdir -p "corpus/$target"
# -timeout: an input that takes more than 10 s is a hang, and a finding.
# -rss_limit_mb: 4 GiB per input is a memory bomb, and a finding.
exec nice cargo +nightly fuzz run -O "$target" "corpus/$target" "${seeds[@]}" -- \
    "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
    -max_len=65536 -print_final_stats=1
