#!/bin/sh
# bench/soak/run.sh BUILD_DIR [SECONDS] - the service under wrk, schedules
# firing and a crashing flow every few seconds, for SECONDS (default 600):
# no unexpected response, no descriptor or memory growth, every crash
# accounted for in the job records (see soak.py). Loopback only. Needs wrk.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [SECONDS]" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh --bench" >&2; exit 2; }
exec /usr/bin/python3 "$(dirname "$0")/soak.py" "$1" "${2:-600}"
