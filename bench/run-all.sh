#!/bin/sh
# bench/run-all.sh BUILD_DIR: every benchmark, one after the other.
# Each prints its own table; see the script of each for what it measures.
#   bench/template   our template engine vs python3-jinja2, per template
#   bench/runner     per-step overhead of the runner
#   bench/flow_loop  flow_loop items/s against a local REST server
#   bench/api        requests/s and memory of the service (needs wrk)
#   bench/metrics    the cost of collecting metrics (needs wrk)
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
for b in template runner flow_loop api metrics; do
    echo "== bench/$b"
    "$HERE/$b/run.sh" "$BUILD"
    echo
done
