#!/bin/sh
# The generated parts of the docs match the build (scripts/gen-docs.py
# --check): each step type's option table in docs/steps.md is its plugin's
# option schema, every bundled step type has one, and docs/cli.md holds the
# --help of every command as the parser prints it. A plugin or command
# that changes without its docs fails here; scripts/gen-docs.py BIN PLUGINS
# rewrites them.
set -eu
/usr/bin/python3 "$OCTO_SOURCE_DIR/scripts/gen-docs.py" --check "$OCTO_BIN" "$OCTO_PLUGIN_DIR"
echo "ok: docs/steps.md and docs/cli.md match the build"
