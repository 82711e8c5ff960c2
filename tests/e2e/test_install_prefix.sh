#!/bin/sh
# An install under any prefix works without PLUGINS_PATH: `cmake --install
# --prefix` (what `make install PREFIX=...` runs, whatever prefix build/ was
# configured with) writes only under the prefix, and the installed
# executable finds its plugins relative to itself
# (<prefix>/lib/octoflow/plugins), also after the tree is moved. The
# installed unit's ExecStart is the configured prefix's binary; the SDK's
# pkg-config file and CMake package carry the header's ABI version.
set -eu
tmp=$(mktemp -d /tmp/octo-prefix-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$OCTO_BINARY_DIR" --prefix "$tmp/prefix" >"$tmp/install.log"
# nothing outside the prefix (the manifest lists every file written)
outside=$(grep -v "^$tmp/prefix/" "$OCTO_BINARY_DIR/install_manifest.txt" || true)
[ -z "$outside" ] || fail "installed outside the prefix: $outside"
for f in bin/octoflow share/man/man1/octoflow.1 share/bash-completion/completions/octoflow \
         share/zsh/vendor-completions/_octoflow lib/systemd/system/octoflow.service \
         etc/default/octoflow etc/logrotate.d/octoflow share/doc/octoflow/README.md; do
    test -f "$tmp/prefix/$f" || fail "missing $f"
done
# the unit runs the binary of this prefix, with this prefix's environment file
grep -q "^ExecStart=$tmp/prefix/bin/octoflow serve\$" "$tmp/prefix/lib/systemd/system/octoflow.service" \
    || fail "ExecStart: $(grep ExecStart "$tmp/prefix/lib/systemd/system/octoflow.service")"
grep -q "^EnvironmentFile=-$tmp/prefix/etc/default/octoflow\$" \
    "$tmp/prefix/lib/systemd/system/octoflow.service" || fail "EnvironmentFile"
abi=$(sed -n 's/^#define OCTO_ABI_MAJOR \([0-9]*\)$/\1/p' "$OCTO_SOURCE_DIR/sdk/include/octoflow/octo_step.h")
abi="$abi.$(sed -n 's/^#define OCTO_ABI_MINOR \([0-9]*\)$/\1/p' "$OCTO_SOURCE_DIR/sdk/include/octoflow/octo_step.h")"
pc=$(ls "$tmp"/prefix/lib*/pkgconfig/octoflow-sdk.pc "$tmp"/prefix/lib/*/pkgconfig/octoflow-sdk.pc 2>/dev/null | head -n 1)
test "$(pkg-config --modversion "$pc")" = "$abi" || fail "pkg-config version != $abi"
grep -q "set(PACKAGE_VERSION \"$abi\")" "$(dirname "$pc")/../cmake/OctoflowSDK/OctoflowSDKConfigVersion.cmake" \
    || fail "CMake package version != $abi"

flow_runs() { # $1: the installed tree's bin/octoflow
    rm -rf "$tmp/data"
    (cd "$tmp" && env -u PLUGINS_PATH DATA_PATH="$tmp/data" "$1" init "$tmp/data" >/dev/null)
    out=$(cd "$tmp" && env -u PLUGINS_PATH DATA_PATH="$tmp/data" "$1" run hello.yml -q -o greeting \
          --data '{"name": "prefix"}') || fail "run with $1: $out"
    echo "$out" | grep -q '"greeting": "Hello, prefix!"' || fail "output: $out"
    env -u PLUGINS_PATH DATA_PATH="$tmp/data" "$1" plugins | head -n 1 | grep -q "plugins from $2" \
        || fail "plugins not from $2: $(env -u PLUGINS_PATH DATA_PATH="$tmp/data" "$1" plugins | head -n 1)"
}
plugdir=$(cd "$(dirname "$(find "$tmp/prefix" -name jq.so | head -n 1)")" && pwd -P)
flow_runs "$tmp/prefix/bin/octoflow" "$plugdir"
# the whole tree moved elsewhere: still found, relative to the executable
mv "$tmp/prefix" "$tmp/moved"
flow_runs "$tmp/moved/bin/octoflow" "$(echo "$plugdir" | sed "s|$tmp/prefix|$tmp/moved|")"
echo "ok: installed under the prefix only, plugins found relative to the executable"
