#!/usr/bin/env bash
# End-to-end test: generate the TypeScript and Python clients of a real
# Django + DRF + drf-spectacular backend with `apigend generate`, once from an
# OpenAPI 3.0 and once from a 3.1 schema, and drive both clients (TS on Node,
# Python sync and async) against the running backend on loopback.
#
# Environment:
#   APIGEND_BIN         the built apigend binary (default: target/debug/apigend)
#   APIGEND_PYTHON      a python with Django, DRF, drf-spectacular, httpx,
#                       pydantic (and mypy, optional)
#                       (default: tests/tools/.venv/bin/python, else python3)
#   APIGEND_TSC         the pinned tsc (default: $APIGEND_NODE_TOOLS/node_modules/.bin/tsc)
#   APIGEND_NODE_TOOLS  the dir `npm ci` installed into (default: tests/tools)
#   APIGEND_E2E_OAS_VERSIONS  "3.0.3 3.1.0" by default: the versions to run
#   APIGEND_E2E_KEEP=1  keep the scratch dir (database, uploads, logs)
#
# Prints one PASS/FAIL line per behaviour and ends with "N passed, N failed";
# exits non-zero when anything failed. The server is always stopped.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
APIGEND_BIN="${APIGEND_BIN:-$ROOT/target/debug/apigend}"
APIGEND_NODE_TOOLS="${APIGEND_NODE_TOOLS:-$ROOT/tests/tools}"
if [ -z "${APIGEND_PYTHON:-}" ]; then
  if [ -x "$ROOT/tests/tools/.venv/bin/python" ]; then APIGEND_PYTHON="$ROOT/tests/tools/.venv/bin/python"; else APIGEND_PYTHON=python3; fi
fi
OAS_VERSIONS="${APIGEND_E2E_OAS_VERSIONS:-3.0.3 3.1.0}"
# Upper bound for each step (generate, tsc, mypy, each driver), so a hung
# server or client fails the run instead of stalling it.
STEP_TIMEOUT="${APIGEND_E2E_STEP_TIMEOUT:-300}"

PASSED=0
FAILED=0
SUMMARY=()
SERVER_PID=""
WORK="$(mktemp -d "${TMPDIR:-/tmp}/apigend-e2e.XXXXXX")"

say() { printf '[e2e] %s\n' "$*"; }
record() { # record PASS|FAIL label text
  SUMMARY+=("$1 $2: $3")
  if [ "$1" = PASS ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
  printf '%s %s: %s\n' "$1" "$2" "$3"
}

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ "${APIGEND_E2E_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    say "scratch dir kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { say "error: $*"; exit 2; }

# --- tools -----------------------------------------------------------------
[ -x "$APIGEND_BIN" ] || die "APIGEND_BIN=$APIGEND_BIN is not an executable (build it with cargo build)"
PY="$(command -v "$APIGEND_PYTHON")" || die "APIGEND_PYTHON=$APIGEND_PYTHON not found"
"$PY" -c 'import django, rest_framework, drf_spectacular, httpx, pydantic' 2>/dev/null \
  || die "$PY lacks django/djangorestframework/drf-spectacular/httpx/pydantic (see tests/tools/requirements.txt)"
TSC="${APIGEND_TSC:-$APIGEND_NODE_TOOLS/node_modules/.bin/tsc}"
[ -x "$TSC" ] || die "no tsc at $TSC (npm ci in $APIGEND_NODE_TOOLS, or set APIGEND_TSC)"
NODE="$(command -v node)" || die "node not found"
HAVE_MYPY=0
"$PY" -c 'import mypy' 2>/dev/null && HAVE_MYPY=1

# `python` in apigend.toml's spec.command is this python.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$PY" > "$WORK/bin/python"
chmod +x "$WORK/bin/python"
export PATH="$WORK/bin:$PATH"
export APIGEND_E2E_DATA="$WORK/data"
export PYTHONDONTWRITEBYTECODE=1
say "apigend: $APIGEND_BIN; python: $PY ($("$PY" -c 'import django, rest_framework, drf_spectacular as s; print(f"Django {django.__version__}, DRF {rest_framework.__version__}, drf-spectacular {s.__version__}")')); node $("$NODE" --version); tsc $("$TSC" --version)"

# --- database and server ---------------------------------------------------
BACKEND="$HERE/backend"
(cd "$BACKEND" && "$PY" manage.py migrate --noinput -v0) > "$WORK/migrate.log" 2>&1 \
  || { cat "$WORK/migrate.log"; die "migrate failed"; }
record PASS setup "migrations applied to $APIGEND_E2E_DATA/db.sqlite3"

# A free port can be taken between choosing it and binding it: try a few.
ready=0
for attempt in 1 2 3; do
  PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  BASE_URL="http://127.0.0.1:$PORT"
  (cd "$BACKEND" && exec "$PY" manage.py runserver --noreload --skip-checks "127.0.0.1:$PORT") > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$BASE_URL/api/library/books/" 2>/dev/null; then
      ready=1; break
    fi
    sleep 0.2
  done
  [ "$ready" = 1 ] && break
  kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
  say "server attempt $attempt on port $PORT failed"
done
if [ "$ready" != 1 ]; then
  cat "$WORK/server.log"
  die "the Django server did not answer on $BASE_URL"
fi
record PASS setup "runserver answers on $BASE_URL (pid $SERVER_PID)"
export APIGEND_E2E_BASE_URL="$BASE_URL"

# apigend reads APIGEND_<KEY> as config keys (APIGEND_PYTHON would be the
# `[python]` table): the test's own tool variables stay out of its runs.
APIGEND_ENV_CLEAN="-u APIGEND_PYTHON -u APIGEND_TSC -u APIGEND_BIN -u APIGEND_NODE_TOOLS"

# --- per OpenAPI version ---------------------------------------------------
OUT="$HERE/.out"
for oas in $OAS_VERSIONS; do
  tag="oas${oas%.*}"   # oas3.0 / oas3.1
  export APIGEND_E2E_OAS="$oas"
  export APIGEND_E2E_RUN_ID="${tag//./}$(date +%s)"
  rm -rf "$OUT/openapi" "$HERE/ts/build" "$BACKEND/openapi.yaml"
  say "== OpenAPI $oas =="

  if ! timeout "$STEP_TIMEOUT" env $APIGEND_ENV_CLEAN "$APIGEND_BIN" generate --config "$HERE/apigend.toml" > "$WORK/generate-$tag.log" 2>&1; then
    cat "$WORK/generate-$tag.log"
    record FAIL "$tag generate" "apigend generate failed (log above)"
    continue
  fi
  got="$(sed -n 's/^openapi: *//p' "$BACKEND/openapi.yaml" | tr -d "'\"")"
  missing=""
  for f in core/typescript/index.ts core/typescript/client.ts core/typescript/models.ts \
           core/typescript/library/index.ts core/typescript/accounts/index.ts files/typescript/media/index.ts \
           core/python/core/__init__.py core/python/core/client.py core/python/core/py.typed \
           core/python/core/library.py core/python/core/accounts.py files/python/files/media.py; do
    [ -f "$OUT/openapi/$f" ] || missing="$missing $f"
  done
  if [ "$got" = "$oas" ] && [ -z "$missing" ]; then
    record PASS "$tag generate" "spec.command wrote OpenAPI $got; groups core (library, accounts) and files (media) generated for both languages"
  else
    record FAIL "$tag generate" "spec version '$got' (want $oas); missing files:${missing:- none}"
    continue
  fi

  # Regenerating from an unchanged spec is a no-op: no file rewritten.
  # The project lock (.apigend/lock) is taken by every run; it is no output.
  before="$(find "$OUT/openapi" -type f ! -path '*/.apigend/lock' -printf '%P %s %T@\n' | sort)"
  if timeout "$STEP_TIMEOUT" env $APIGEND_ENV_CLEAN "$APIGEND_BIN" generate --config "$HERE/apigend.toml" > "$WORK/regenerate-$tag.log" 2>&1 \
    && [ "$(find "$OUT/openapi" -type f ! -path '*/.apigend/lock' -printf '%P %s %T@\n' | sort)" = "$before" ]; then
    record PASS "$tag regenerate-unchanged" "a second generate from the same spec touched no file ($(printf '%s\n' "$before" | wc -l) files, same mtimes)"
  else
    cat "$WORK/regenerate-$tag.log"
    record FAIL "$tag regenerate-unchanged" "the second generate failed or rewrote files"
  fi

  # TypeScript: compile driver + generated clients strictly, run on Node.
  if timeout "$STEP_TIMEOUT" "$TSC" -p "$HERE/ts/tsconfig.json" > "$WORK/tsc-$tag.log" 2>&1; then
    record PASS "$tag ts-typecheck" "driver + generated clients compile with strict tsc"
    printf '{"type": "module"}\n' > "$HERE/ts/build/package.json"
    APIGEND_E2E_LABEL="ts/$tag" timeout "$STEP_TIMEOUT" "$NODE" "$HERE/ts/build/ts/main.js" > "$WORK/ts-$tag.log" 2>&1
    rc=$?
    cat "$WORK/ts-$tag.log"
    while IFS= read -r line; do
      case "$line" in
        PASS\ *) SUMMARY+=("$line"); PASSED=$((PASSED + 1)) ;;
        FAIL\ *) SUMMARY+=("$line"); FAILED=$((FAILED + 1)) ;;
      esac
    done < "$WORK/ts-$tag.log"
    [ "$rc" -eq 0 ] || grep -q '^FAIL ' "$WORK/ts-$tag.log" || record FAIL "ts/$tag driver" "exited $rc without a FAIL line"
  else
    sed 's/^/  tsc: /' "$WORK/tsc-$tag.log" | head -60
    record FAIL "$tag ts-typecheck" "tsc failed ($(grep -c 'error TS' "$WORK/tsc-$tag.log") errors, first above)"
  fi

  # Python: both packages on the path; mypy --strict on the driver when mypy is there.
  export PYTHONPATH="$OUT/openapi/core/python:$OUT/openapi/files/python"
  if [ "$HAVE_MYPY" = 1 ]; then
    if (cd "$HERE/py" && MYPYPATH="$PYTHONPATH" timeout "$STEP_TIMEOUT" "$PY" -m mypy --strict --no-incremental --cache-dir=/dev/null main.py) > "$WORK/mypy-$tag.log" 2>&1; then
      record PASS "$tag py-typecheck" "driver + generated packages pass mypy --strict"
    else
      sed 's/^/  mypy: /' "$WORK/mypy-$tag.log" | head -60
      record FAIL "$tag py-typecheck" "mypy --strict failed"
    fi
  else
    say "mypy not installed: skipping the Python type check"
  fi
  APIGEND_E2E_LABEL="py/$tag" timeout "$STEP_TIMEOUT" "$PY" "$HERE/py/main.py" > "$WORK/py-$tag.log" 2>&1
  rc=$?
  cat "$WORK/py-$tag.log"
  while IFS= read -r line; do
    case "$line" in
      PASS\ *) SUMMARY+=("$line"); PASSED=$((PASSED + 1)) ;;
      FAIL\ *) SUMMARY+=("$line"); FAILED=$((FAILED + 1)) ;;
    esac
  done < "$WORK/py-$tag.log"
  [ "$rc" -eq 0 ] || grep -q '^FAIL ' "$WORK/py-$tag.log" || record FAIL "py/$tag driver" "exited $rc without a FAIL line"
  unset PYTHONPATH
done

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  record FAIL server "the Django server died during the run (log: $WORK/server.log)"
elif grep -q 'Traceback' "$WORK/server.log"; then
  grep -B2 -A20 'Traceback' "$WORK/server.log" | head -60
  record FAIL server "the Django server logged a traceback (above)"
fi

echo
say "summary"
for line in "${SUMMARY[@]}"; do printf '  %s\n' "$line"; done
echo "e2e: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
