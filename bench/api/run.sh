#!/bin/sh
# bench/api/run.sh BUILD_DIR - requests/s, latency and memory of the REST API.
#
# Drives `BUILD_DIR/octoflow serve` with wrk (scripts/install-deps.sh --bench)
# for DURATION seconds per run (default 10), THREADS threads (2) and CONNS
# connections (16):
#   GET /api/health (no auth; reference), GET /api/locks (authenticated),
#   POST /api/flows/launch of a small one-step jq flow (launch.lua),
#   GET /api/locks again with LOG_LEVEL=WARNING (no access lines),
# then the same GET against two reference servers started here: a bare
# civetweb handler with the same bearer check (bare_civetweb.c, compiled now
# with cc and Debian's libcivetweb-dev) and Python's ThreadingHTTPServer
# (py_baseline.py). Memory: USS (Private_Clean + Private_Dirty from
# /proc/PID/smaps_rollup), PSS and RSS, idle and under load.
#
#   DURATION=30 bench/api/run.sh build
#   JSON=results.json bench/api/run.sh build     (also write the numbers)
#
# Use a release build (not build-asan). Numbers depend on what else the
# machine is doing: the load average is printed first.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$1" && pwd)
[ -x "$BUILD/octoflow" ] || { echo "no $BUILD/octoflow: build first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh --bench" >&2; exit 2; }

mkdir -p "$BUILD/bench-api"
BARE="$BUILD/bench-api/bare_civetweb"
if ! cc -O2 -o "$BARE" "$HERE/bare_civetweb.c" -lcivetweb 2>"$BUILD/bench-api/cc.log"; then
    echo "note: cannot build the bare civetweb reference (see $BUILD/bench-api/cc.log)" >&2
    BARE=""
fi
exec /usr/bin/python3 "$HERE/bench_api.py" "$BUILD" $BARE
