#!/bin/sh
# bench/runner/run.sh BUILD_DIR [REPEAT] [ITEMS]
#
# Per-step overhead of the runner: a flow of 100 jq steps on a small
# document against the same flow with 1 step, in the same run of this
# script, so that process start-up, plugin loading and the work common to
# both cancel out. Two variants:
#   distinct   each step has its own expression (".n + K")
#   same       every step has the same expression (".n + 1")
# (each jq step is compiled at flow load - libjq 1.6 - whatever its text:
# there is no cross-step cache, so both variants compile 100 programs).
#
# Reported per step:
#   load+run   wall-clock of `octoflow run FLOW`: (T100 - T1) / 99, flow
#              load and jq compilation included, as one CLI run pays them
#   run        execution only: a parent flow runs FLOW once (load and
#              compile, untimed), then loops ITEMS times over it with
#              max_workers 1; the loop's time comes from the log timestamps
#              ("-> N item(s)" to "Flow ... finished"), so per step =
#              (L100 - L1) / (ITEMS * 99): when, data_key lookup, the jq
#              run, result storage, per-step bookkeeping
# Each measurement runs REPEAT times (default 3); the median is used.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [REPEAT] [ITEMS]" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
REPEAT=${2:-3}
ITEMS=${3:-200}
BIN=$BUILD/octoflow
[ -x "$BIN" ] || { echo "no $BIN: build first" >&2; exit 2; }

TMP=$(mktemp -d /tmp/octo-bench-runner.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
DATA=$TMP/data
mkdir -p "$DATA/flows"
INPUT='{"n": 1, "name": "ticket", "tags": ["a", "b", "c"], "meta": {"owner": "ops", "prio": 2}}'

# mkflow NAME STEPS VARIANT
mkflow() {
    {
        echo "name: $1"
        echo "steps:"
        k=1
        while [ $k -le "$2" ]; do
            if [ "$3" = distinct ]; then e=".n + $k"; else e=".n + 1"; fi
            printf -- '- name: s%d\n  type: jq\n  jq: {expression: "%s", data_key: __input__}\n' "$k" "$e"
            k=$((k + 1))
        done
    } > "$DATA/flows/$1.yml"
}

now() { date +%s.%N; }

# median of the numbers on stdin
median() {
    sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# the time of day in ms of the first log line containing TEXT
stamp() {
    grep -F -m1 -- "$1" "$DATA/logs/spooler_service.log" |
        awk '{ split($2, t, /[:,]/); printf "%.0f\n", ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }'
}

# wall FLOW: median wall-clock ms of `octoflow run FLOW`
wall() {
    : > "$TMP/wall"
    r=0
    while [ $r -lt "$REPEAT" ]; do
        r=$((r + 1))
        rm -rf "$DATA/logs" "$DATA/locks"
        t0=$(now)
        DATA_PATH=$DATA PLUGINS_PATH=$BUILD/plugins "$BIN" run "$1.yml" --data "$INPUT" \
            > "$TMP/out.json" 2> "$TMP/err.txt" || { tail -5 "$TMP/err.txt" >&2; exit 1; }
        t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' >> "$TMP/wall"
    done
    median < "$TMP/wall"
}

# loopms FLOW: median ms of ITEMS runs of FLOW in a loop, after a warm-up run
loopms() {
    {
        echo "name: loop $1"
        echo "steps:"
        echo "- name: one"
        echo "  type: jq"
        echo "  jq: {expression: .one, data_key: __input__}"
        echo "- name: items"
        echo "  type: jq"
        echo "  jq: {expression: .items, data_key: __input__}"
        echo "- name: warm"
        echo "  type: flow"
        echo "  flow: {path: $1.yml, data_key: one}"
        echo "- name: loop"
        echo "  type: flow_loop"
        echo "  flow_loop: {path: $1.yml, data_key: items, max_workers: 1}"
    } > "$DATA/flows/loop_$1.yml"
    : > "$TMP/loop"
    r=0
    while [ $r -lt "$REPEAT" ]; do
        r=$((r + 1))
        rm -rf "$DATA/logs" "$DATA/locks"
        DATA_PATH=$DATA PLUGINS_PATH=$BUILD/plugins "$BIN" run "loop_$1.yml" --data "@$TMP/items.json" \
            > "$TMP/out.json" 2> "$TMP/err.txt" || { tail -5 "$TMP/err.txt" >&2; exit 1; }
        a=$(stamp "[loop // flow_loop] -> $ITEMS item(s)")
        b=$(stamp "Flow loop_$1.yml finished successfully")
        echo $((b - a)) >> "$TMP/loop"
    done
    median < "$TMP/loop"
}

awk -v n="$ITEMS" -v doc="$INPUT" 'BEGIN { printf "{\"one\": %s, \"items\": [", doc;
    for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? ", " : ""), doc; print "]}" }' > "$TMP/items.json"

echo "octoflow: $BIN"
echo "median of $REPEAT runs, loops of $ITEMS items, $(nproc) CPU(s)"
printf '%-9s %9s %10s %17s %9s %10s %13s\n' variant wall1_ms wall100_ms per_step_load+run \
    loop1_ms loop100_ms per_step_run
for V in distinct same; do
    mkflow "one_$V" 1 "$V"
    mkflow "hundred_$V" 100 "$V"
    w1=$(wall "one_$V")
    w100=$(wall "hundred_$V")
    if [ "$V" = distinct ] && ! grep -q '"s100": 101' "$TMP/out.json"; then
        echo "unexpected output" >&2
        exit 1
    fi
    l1=$(loopms "one_$V")
    l100=$(loopms "hundred_$V")
    awk -v v="$V" -v w1="$w1" -v w100="$w100" -v l1="$l1" -v l100="$l100" -v n="$ITEMS" 'BEGIN {
        printf "%-9s %9.1f %10.1f %14.2f ms %9.0f %10.0f %10.2f us\n", v, w1, w100, (w100 - w1) / 99,
            l1, l100, (l100 - l1) / (n * 99) * 1000 }'
done
