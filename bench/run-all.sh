#!/bin/sh
# bench/run-all.sh [BUILD_DIR] - every benchmark, one after the other, then
# the summary table (measure | reference | Octoflow | ratio | target | met?).
# About 15 minutes on 2 cores with the defaults. Use a release build.
#
#   api_ceiling  GET /api/locks and /api/health vs a bare civetweb handler,
#                idle and with a CPU hog on one core       (bench/api/ceiling.py)
#   launch       4-step launch latency, `when`-skipped steps, 8 clients x 8
#                flows                                     (bench/launch/launch.py)
#   jobs         the job store and worker processes: launches/s and per-step
#                cost store on vs off, worker cost          (bench/jobs)
#   jq_storm     flow_loop with jq per item, max_workers 16 vs 2
#                                                          (bench/flow_loop/jq_storm.py)
#   memory       idle USS, USS per cached flow, growth over LAUNCHES launches
#                                                          (bench/memory/memory.py)
#   bigdata      flow_loop over 100,000 items, a 50 MB JSON through jq, vs jq
#                                                          (bench/bigdata/bigdata.py)
#   soak         the service under load with crashing flows for SOAK_SECONDS
#   template runner flow_loop api metrics   the older benchmarks (own output)
#
# Environment: ONLY="launch memory" (a subset, in this order), RESULTS_DIR
# (kept; default: a temporary directory removed at the end), DURATION (5 s
# per wrk run), LAUNCHES (100000), SOAK_SECONDS (180); each script documents
# its own variables. To regenerate docs/performance.md from a run:
#   RESULTS_DIR=/tmp/perf bench/run-all.sh build
#   bench/report.py markdown /tmp/perf > docs/performance.md
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BUILD/octoflow" ] || { echo "no $BUILD/octoflow: build first (make)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh --bench" >&2; exit 2; }
PY=/usr/bin/python3
ONLY=${ONLY:-"api_ceiling launch jobs jq_storm memory bigdata soak template runner flow_loop api metrics"}
export DURATION=${DURATION:-5}
export LAUNCHES=${LAUNCHES:-100000}
SOAK_SECONDS=${SOAK_SECONDS:-180}
if [ -n "${RESULTS_DIR:-}" ]; then
    KEEP=1
    mkdir -p "$RESULTS_DIR"
else
    KEEP=0
    RESULTS_DIR=$(mktemp -d /tmp/octo-bench-results.XXXXXX)
fi
export RESULTS_DIR

CHILD=
TAIL=
FAILED=
# A trap runs only once the foreground command is done: the benchmark and
# the tail showing its output run in the background and the shell waits in
# `wait`, which a signal interrupts. The benchmark gets SIGTERM and stops
# what it started (background jobs of a script ignore SIGINT).
on_signal() {
    if [ -n "$CHILD" ]; then
        kill -TERM "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
    fi
    [ -z "$TAIL" ] || kill "$TAIL" 2>/dev/null
    [ "$KEEP" = 1 ] || rm -rf "$RESULTS_DIR"
    exit 130
}
trap on_signal INT TERM

# run NAME CMD...: CMD's output shown live and kept as RESULTS_DIR/NAME.txt
run() {
    name=$1
    shift
    echo "== $name  (load $(cut -d' ' -f1-3 /proc/loadavg))"
    : > "$RESULTS_DIR/$name.txt"
    "$@" > "$RESULTS_DIR/$name.txt" 2>&1 &
    CHILD=$!
    tail -n +1 -f --pid="$CHILD" "$RESULTS_DIR/$name.txt" &
    TAIL=$!
    wait "$CHILD"
    rc=$?
    wait "$TAIL"
    CHILD=
    TAIL=
    if [ $rc -ne 0 ]; then
        echo "!! $name failed (exit $rc)"
        FAILED="$FAILED $name"
    fi
    echo
}

$PY "$HERE/report.py" begin "$RESULTS_DIR" "$BUILD"
for b in $ONLY; do
    case $b in
        api_ceiling) run api_ceiling $PY "$HERE/api/ceiling.py" "$BUILD" ;;
        launch) run launch $PY "$HERE/launch/launch.py" "$BUILD" ;;
        jobs) run jobs "$HERE/jobs/run.sh" "$BUILD" ;;
        jq_storm) run jq_storm $PY "$HERE/flow_loop/jq_storm.py" "$BUILD" ;;
        memory) run memory $PY "$HERE/memory/memory.py" "$BUILD" ;;
        bigdata) run bigdata $PY "$HERE/bigdata/bigdata.py" "$BUILD" ;;
        soak) run soak "$HERE/soak/run.sh" "$BUILD" "$SOAK_SECONDS" ;;
        template) run template "$HERE/template/run.sh" "$BUILD" ;;
        runner) run runner "$HERE/runner/run.sh" "$BUILD" ;;
        flow_loop) run flow_loop "$HERE/flow_loop/run.sh" "$BUILD" ;;
        api) run api "$HERE/api/run.sh" "$BUILD" ;;
        metrics) run metrics "$HERE/metrics/run.sh" "$BUILD" ;;
        *) echo "unknown benchmark: $b" >&2; FAILED="$FAILED $b" ;;
    esac
done
$PY "$HERE/report.py" end "$RESULTS_DIR"
echo "== summary"
$PY "$HERE/report.py" text "$RESULTS_DIR"
[ -z "$FAILED" ] || echo "benchmarks that failed:$FAILED"
if [ "$KEEP" = 1 ]; then
    echo "results in $RESULTS_DIR (bench/report.py markdown $RESULTS_DIR > docs/performance.md)"
else
    rm -rf "$RESULTS_DIR"
fi
[ -z "$FAILED" ]
