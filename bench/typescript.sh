#!/usr/bin/env bash
# Benchmark: apigend's TypeScript generation against @hey-api/openapi-ts
# 0.95.0 (pinned in bench/peers/heyapi), on the same document in one run.
#
#   bench/typescript.sh [SPEC]     default: ../shared/corpus/oas30-github-api.github.com.json
#   RUNS=5                         counted runs per tool (after 1 warm-up)
#
#   PEER=0                         apigend only (archive on and off)
#
# apigend: `apigend generate --config apigend.toml` (release build, one group
# `all` with every app, TypeScript only), with the archive on (the default,
# what the comparison uses) and off. hey-api: `openapi-ts
# -i SPEC -o OUT` with its defaults (types + sdk + client-fetch).
# Targets: apigend >= 40x faster and < 1/5 of the peak memory.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

spec="$(realpath "${1:-$default_spec}")"
[[ -f "$spec" ]] || die "no spec at $spec"
ensure_gnu_time
PEER="${PEER:-1}"
command -v node >/dev/null || die "node is needed for hey-api"

peer="$bench_dir/peers/heyapi"
stamp="$peer/node_modules/.apigend-installed"
want="$(cat "$peer/package.json" "$peer/package-lock.json" | sha256sum | cut -d' ' -f1) $(node --version)"
if [[ "$PEER" == 1 && "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    say "npm ci in bench/peers/heyapi"
    (cd "$peer" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi
build_apigend

machine_info
echo "spec: $spec ($(du -h "$spec" | cut -f1))"
[[ "$PEER" == 1 ]] && echo "tools: apigend $(cd "$root" && git describe --always --dirty 2>/dev/null || echo '?'),"\
    "@hey-api/openapi-ts $(node -p "require('$peer/node_modules/@hey-api/openapi-ts/package.json').version")"\
    "(typescript $(node -p "require('$peer/node_modules/typescript/package.json').version")), node $(node --version)"
echo "method: 1 warm-up + $RUNS runs each, median wall (min-max), median peak RSS of the largest process"

measure_apigend typescript "$spec"
[[ "$PEER" == 1 ]] || { echo "PEER=0: hey-api not run"; exit 0; }

mkdir -p "$work/ts-heyapi"
measure "hey-api 0.95.0" "$work/ts-heyapi" "$work/ts-heyapi/out" "$peer/node_modules/.bin/openapi-ts" -i "$spec" -o "$work/ts-heyapi/out"
p_wall=$m_wall p_rss=$m_rss

compare "hey-api" 40 5
