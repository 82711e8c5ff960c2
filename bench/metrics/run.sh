#!/bin/sh
# bench/metrics/run.sh BUILD_DIR - what collecting metrics costs.
#
# 1. A micro-benchmark of core/metrics.c (metrics_bench.c, compiled now):
#    nanoseconds per observation, on 1 and 2 threads sharing one series.
# 2. wrk throughput of an authenticated API route (GET /api/v1/schedules)
#    with HTTP metrics collected and with them off (OCTO_METRICS_OFF=1),
#    ROUNDS (3) alternating runs of DURATION (5) seconds each, medians.
#
# Use a release build (not build-asan). Needs wrk (install-deps.sh --bench).
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$1" && pwd)
[ -x "$BUILD/octoflow" ] || { echo "no $BUILD/octoflow: build first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh --bench" >&2; exit 2; }
mkdir -p "$BUILD/bench-metrics"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$SRC/core" -I"$SRC/core/util" -I"$SRC/core/include" -I"$SRC/sdk/include" \
   -o "$BUILD/bench-metrics/metrics_bench" "$HERE/metrics_bench.c" "$SRC/core/metrics.c" \
   "$SRC/core/util/buf.c" "$SRC/core/util/xalloc.c" -ljansson -lpthread
echo "== one observation (core/metrics.c)"
"$BUILD/bench-metrics/metrics_bench"
echo
echo "== GET /api/v1/schedules with wrk, metrics on and off (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
exec /usr/bin/python3 "$HERE/wrk_onoff.py" "$BUILD"
