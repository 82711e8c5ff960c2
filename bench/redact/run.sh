#!/bin/sh
# bench/redact/run.sh BUILD_DIR [LINES]
#
# Cost of secret redaction per log line (core/redact.c): compiles
# redact_bench.c with cc -O2 against BUILD_DIR's static libraries and runs
# it (20 registered secrets, ~200-byte lines; see the program's comment).
# To compare two builds, run it once with each BUILD_DIR.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [LINES]" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d /tmp/octo-bench-redact.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
cc -O2 -std=c11 -D_GNU_SOURCE -I"$SRC/core" -I"$SRC/core/util" -I"$SRC/core/include" \
    -I"$SRC/sdk/include" -o "$TMP/redact_bench" \
    "$HERE/redact_bench.c" "$BUILD/core/libocto_core.a" "$BUILD/core/util/libocto_util.a" \
    $(pkg-config --libs jansson) -lpthread
"$TMP/redact_bench" "${2:-200000}"
