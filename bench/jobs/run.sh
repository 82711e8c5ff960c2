#!/bin/sh
# bench/jobs/run.sh BUILD_DIR - what recording jobs and running them in
# worker processes cost, each side by side with its reference in one run:
#
#   store      launches/s (wrk, one-step flows) with the job store on, as
#              a ratio of the same with JOBS_DB=none (target: >= 80%)
#   workers    median latency of one sequential launch (wrk, one thread,
#              one connection) with worker processes (FLOW_ISOLATION=process)
#              minus the same with the service's own threads: what
#              containment adds (target: <= 50 us)
#   per step   runner + timeline cost per executed step: (T(201 steps) -
#              T(1 step)) / 200 from the jobs' own durations, store on and
#              off (target: < 10 us on average)
#
# The four configurations run in turn, ROUNDS times (default 3; medians), so
# that a change of machine load does not land on one of them only.
# Needs wrk (scripts/install-deps.sh --bench). Use a release build.
#   DURATION=10 ROUNDS=3 SEQ_SECONDS=4 bench/jobs/run.sh build
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$1" && pwd)
[ -x "$BUILD/octoflow" ] || { echo "no $BUILD/octoflow: build first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh --bench" >&2; exit 2; }
exec /usr/bin/python3 "$HERE/bench_jobs.py" "$BUILD"
