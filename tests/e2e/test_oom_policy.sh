#!/bin/sh
# The out-of-memory policy holds (core/xalloc.h, docs/code-layout.md):
# core/ and server/ allocate through octo_xmalloc/octo_xcalloc/
# octo_xrealloc/octo_xstrdup/octo_xstrndup, which abort with one line, so
# no caller carries an untested "out of memory" branch. Fails on
#   - a bare malloc/calloc/realloc/strdup/strndup/asprintf call, and
#   - an "out of memory" message in a string,
# in any .c file of core/ (the template engine aside: its allocator
# enforces the template memory limit) or server/, except in xalloc.c (the
# policy itself) and where the call is marked "oom-policy: reported" in
# the comment just above it: a size a client or a file chooses, refused
# with an error instead of an abort. The worker's crash handler and the
# supervisor read and write the "out of memory" line; they are listed.
set -eu
src=${OCTO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src"

files=$(find core server -name '*.c' -not -path 'core/template/*' -not -name xalloc.c | sort)
[ -n "$files" ] || { echo "FAIL: no sources found under $src"; exit 1; }

# Comments are blanked first (so "malloc'd" or "(out of memory)" in prose
# does not count; strings and character literals are kept whole, so a
# "/*" or '"' in them is not read as a comment or a string), but a marker
# comment lets the next call through.
bad=$(awk '
    FNR == 1 { in_comment = 0; marked = 0 }
    {
        line = $0
        if (index(line, "oom-policy: reported") > 0) {
            marked = 4 # covers the next 4 lines of code: the call, its branch
        }
        code = ""
        n = length(line)
        i = 1
        while (i <= n) {
            c = substr(line, i, 1)
            two = substr(line, i, 2)
            if (in_comment) {
                if (two == "*/") { in_comment = 0; i += 2; code = code " " } else { i++ }
            } else if (two == "/*") {
                in_comment = 1
                i += 2
            } else if (two == "//") {
                break
            } else if (c == "\"" || c == "\047") {
                quote = c
                code = code c
                i++
                while (i <= n && substr(line, i, 1) != quote) {
                    if (substr(line, i, 1) == "\\") { code = code substr(line, i, 1); i++ }
                    code = code substr(line, i, 1)
                    i++
                }
                code = code quote
                i++
            } else {
                code = code c
                i++
            }
        }
        hit = ""
        if (code ~ /(^|[^_A-Za-z0-9.>])(malloc|calloc|realloc|strdup|strndup|v?asprintf)[ \t]*\(/) {
            hit = "bare allocation"
        }
        if (code ~ /"[^"]*out of memory/ && FILENAME != "core/worker.c" &&
            FILENAME != "core/supervisor_death.c") {
            hit = "\"out of memory\" branch"
        }
        if (hit != "" && marked == 0) {
            printf "%s:%d: %s: %s\n", FILENAME, FNR, hit, $0
        }
        if (marked > 0 && code ~ /[^ \t]/) {
            marked--
        }
    }
' $files)

if [ -n "$bad" ]; then
    echo "FAIL: the out-of-memory policy (core/xalloc.h) is broken here:"
    echo "$bad"
    echo "Use octo_xmalloc & co (octoflow/core.h in server/), or, for a size a client"
    echo "or a file chooses, check it against a limit and mark the call"
    echo "\"oom-policy: reported\" (docs/code-layout.md)."
    exit 1
fi
n=$(echo "$files" | wc -l)
echo "ok: $n source files of core/ and server/ follow the out-of-memory policy"
