#!/bin/sh
# bench/flow_loop/run.sh BUILD_DIR [ITEMS] [REPEAT]
#
# flow_loop throughput: a flow_loop over ITEMS (default 1000) items, each a
# sub-flow making one REST call (GET with a templated query) to a local
# server, at max_workers 1, 2, 4, 8 and 16, reporting items/s. Three cases:
#   rest+jq    the call plus a jq_expression on its answer (the shape of the
#              original's sample flows)
#   rest       the call alone
#   rest 10ms  the call alone, the server answering after 10 ms (a remote
#              API's latency: what parallel items are for); ITEMS/4 items,
#              one run
# items/s is given from the wall-clock time of `octoflow run` (start-up,
# flow load and jq compilation included) and from the run time the flow
# logs itself ("Flow ... finished successfully in N ms"). Each
# configuration runs REPEAT times (default 3); the best run is shown.
#
# The server is item_server.c (civetweb, keep-alive, 64 threads, one write
# per answer), compiled here with cc into a temporary directory; `wrk`, when
# installed, measures it alone first to show it is not the bottleneck.
# FLOW_MAX_WORKERS is set to 16 so that max_workers 16 is not capped by the
# default pool of 8. Everything listens on 127.0.0.1 only.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [ITEMS] [REPEAT]" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
ITEMS=${2:-1000}
REPEAT=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$BUILD/octoflow
[ -x "$BIN" ] || { echo "no $BIN: build first" >&2; exit 2; }

TMP=$(mktemp -d /tmp/octo-bench-loop.XXXXXX)
SRV=
cleanup() {
    if [ -n "$SRV" ]; then
        kill "$SRV" 2>/dev/null || true
        wait "$SRV" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cc -O2 -Wall -o "$TMP/item_server" "$HERE/item_server.c" -lcivetweb
"$TMP/item_server" "$TMP/port" "$TMP/count" &
SRV=$!
i=0
while [ ! -s "$TMP/port" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "item_server did not start" >&2; exit 1; }
    sleep 0.05
done
URL="http://127.0.0.1:$(cat "$TMP/port")"

echo "octoflow: $BIN"
echo "$(nproc) CPU(s), FLOW_MAX_WORKERS=16, best of $REPEAT runs (rest 10ms: 1 run)"
if command -v wrk >/dev/null 2>&1; then
    printf 'server alone (wrk -t2 -c16 -d2s): '
    wrk -t2 -c16 -d2s "$URL/item?i=1" | awk '/Requests\/sec/ {print $2 " req/s"}'
fi

DATA=$TMP/data
mkdir -p "$DATA/flows"
now() { date +%s.%N; }

# items N FILE
items() {
    awk -v n="$1" 'BEGIN { printf "["; for (i = 1; i <= n; i++) printf "%s{\"name\": \"item %d\"}", (i > 1 ? ", " : ""), i; print "]" }' > "$2"
}

# bench CASE ITEM_FLOW_JQ DELAY_MS N REPEAT
bench() {
    case_name=$1 jq=$2 delay=$3 n=$4 rep=$5
    {
        echo "name: item"
        echo "steps:"
        echo "- name: call"
        echo "  type: rest"
        echo "  rest:"
        echo "    uri: \"$URL/item\""
        if [ "$delay" -gt 0 ]; then
            echo "    query: {i: \"{{ __loop_index__ }}\", name: \"{{ __input__.name }}\", delay_ms: $delay}"
        else
            echo "    query: {i: \"{{ __loop_index__ }}\", name: \"{{ __input__.name }}\"}"
        fi
        if [ "$jq" = yes ]; then
            echo "  jq_expression: .item.status"
        fi
    } > "$DATA/flows/item.yml"
    items "$n" "$TMP/items.json"
    for W in 1 2 4 8 16; do
        {
            echo "name: loop $W"
            echo "steps:"
            echo "- name: loop"
            echo "  type: flow_loop"
            echo "  flow_loop: {path: item.yml, data_key: __input__, max_workers: $W}"
        } > "$DATA/flows/loop_$W.yml"
        best_wall=
        best_run=
        r=0
        while [ $r -lt "$rep" ]; do
            r=$((r + 1))
            rm -rf "$DATA/logs" "$DATA/locks"
            t0=$(now)
            DATA_PATH=$DATA PLUGINS_PATH=$BUILD/plugins FLOW_MAX_WORKERS=16 \
                "$BIN" run "loop_$W.yml" --data "@$TMP/items.json" > "$TMP/out.json" 2> "$TMP/err.txt" || {
                echo "run failed:" >&2
                tail -5 "$TMP/err.txt" >&2
                exit 1
            }
            t1=$(now)
            if [ "$jq" = yes ]; then pat='"call": "successful"'; else pat='"status": "successful"'; fi
            ok=$(grep -c "$pat" "$TMP/out.json" || true)
            if [ "$ok" -ne "$n" ]; then
                echo "$case_name max_workers $W: only $ok of $n items succeeded" >&2
                exit 1
            fi
            wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
            run=$(sed -n "s/.*Flow loop_$W.yml finished successfully in \([0-9.]*\) ms.*/\1/p" \
                "$DATA/logs/spooler_service.log" | tail -1)
            best_wall=$(awk -v a="$wall" -v b="${best_wall:-1e9}" 'BEGIN { print (a < b ? a : b) }')
            best_run=$(awk -v a="$run" -v b="${best_run:-1e12}" 'BEGIN { print (a < b ? a : b) }')
        done
        awk -v c="$case_name" -v w="$W" -v wall="$best_wall" -v run="$best_run" -v n="$n" 'BEGIN {
            printf "%-10s %6d %11s %8.3f %14.0f %10.1f %13.0f\n", c, n, w, wall, n / wall, run, n / (run / 1000) }'
    done
}

printf '%-10s %6s %11s %8s %14s %10s %13s\n' case items max_workers wall_s 'items/s(wall)' run_ms 'items/s(run)'
bench "rest+jq" yes 0 "$ITEMS" "$REPEAT"
bench "rest" no 0 "$ITEMS" "$REPEAT"
bench "rest 10ms" no 10 $((ITEMS / 4)) 1
