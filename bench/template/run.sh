#!/bin/sh
# Template engine benchmark: octo_tpl_render vs Python Jinja2 on the same
# templates and context. Builds nothing.
# usage: bench/template/run.sh BUILD_DIR   (BUILD_DIR holds bench/octo_tpl_bench: -DOCTO_BUILD_BENCH=ON;
#        use an optimized build without sanitizers, e.g. -DCMAKE_BUILD_TYPE=Release)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR}
bench="$build/bench/octo_tpl_bench"
[ -x "$bench" ] || { echo "no $bench (configure with -DOCTO_BUILD_BENCH=ON: make bench does)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/gen_context.py" "$tmp/ctx.json"
tpls="$here/templates/rest_payload.j2 $here/templates/yaml_doc.j2 $here/templates/loop_1000.j2 $here/templates/when_expr.j2"
# shellcheck disable=SC2086
"$bench" "$tmp/ctx.json" $tpls > "$tmp/ours.txt"
if /usr/bin/python3 -c 'import jinja2' 2>/dev/null; then
    # shellcheck disable=SC2086
    /usr/bin/python3 "$here/jinja_bench.py" "$tmp/ctx.json" $tpls > "$tmp/jinja.txt"
else
    echo "jinja2 missing: only our timings" >&2
    : > "$tmp/jinja.txt"
fi
/usr/bin/python3 - "$tmp/ours.txt" "$tmp/jinja.txt" <<'PY'
import sys
ours = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[1])}
jin = {l.split()[0]: float(l.split()[1]) for l in open(sys.argv[2])}
print("%-18s %8s %14s %14s %8s" % ("template", "bytes", "octo us/render", "jinja2 us/render", "ratio"))
for name, (t, b) in ours.items():
    j = jin.get(name)
    print("%-18s %8d %14.2f %14s %8s" % (name, b, t * 1e6, "%.2f" % (j * 1e6) if j else "-",
                                          "%.1fx" % (j / t) if j else "-"))
PY
