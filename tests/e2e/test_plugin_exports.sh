#!/bin/sh
# Every plugin exports exactly one dynamic symbol: octo_plugin_entry.
set -eu
fail=0
count=0
for so in "$OCTO_PLUGIN_DIR"/*.so; do
    count=$((count + 1))
    syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u)
    if [ "$syms" != "octo_plugin_entry" ]; then
        echo "FAIL: $so exports: $syms"
        fail=1
    fi
done
[ "$count" -gt 0 ] || { echo "FAIL: no plugin in $OCTO_PLUGIN_DIR"; exit 1; }
[ "$fail" -eq 0 ] && echo "ok: $count plugins export only octo_plugin_entry"
exit $fail
