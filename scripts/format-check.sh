#!/bin/sh
# scripts/format-check.sh [--fix] - every C source and header tracked by git
# is formatted as .clang-format says (CI runs it without --fix). Left out:
# the frozen step ABI 1.0 header (tests/abi/sdk-1.0: byte for byte what
# 1.0 plugins were built against) and generated tables (ident_tab.c, from
# core/template/tools/gen_ident.py).
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format is missing: scripts/install-deps.sh" >&2; exit 2; }
files=$(git ls-files '*.c' '*.h' | grep -v -e '^tests/abi/sdk-1\.0/' -e '^core/template/ident_tab\.c$')
if [ "${1:-}" = "--fix" ]; then
    echo "$files" | xargs clang-format -i
else
    echo "$files" | xargs clang-format --dry-run -Werror
    echo "format: $(echo "$files" | wc -l) files as .clang-format says"
fi
