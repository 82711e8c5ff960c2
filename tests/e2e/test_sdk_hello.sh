#!/bin/sh
# The SDK as a third party uses it: install into a temporary prefix, build
# sdk/examples/hello out of tree with pkg-config (and with CMake's
# find_package), build and run its unit test on the installed mock host
# (both ways), load it into octoflow next to the bundled plugins and run
# a flow that uses it.
set -eu
tmp=$(mktemp -d /tmp/octo-sdk-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$OCTO_BINARY_DIR" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib*/pkgconfig | head -n 1)
test -f "$tmp/prefix/include/octoflow/octo_step.h"
test -x "$tmp/prefix/bin/octoflow"

cp -r "$OCTO_SOURCE_DIR/sdk/examples/hello" "$tmp/hello"
extra=""
if [ "${OCTO_SANITIZE:-OFF}" = "ON" ]; then
    extra="-fsanitize=address,undefined"
fi
PKG_CONFIG_PATH="$libdir" make -s -C "$tmp/hello" CFLAGS="-O2 -g -Wall -Wextra -Werror $extra" \
    LDFLAGS="$extra" hello.so
test "$(pkg-config --variable=abi_major "$libdir/octoflow-sdk.pc")" = 1
test "$(pkg-config --variable=abi_minor "$libdir/octoflow-sdk.pc")" = 1
test -f "$tmp/prefix/include/octoflow/octo_mock_host.h"

# its unit test on the installed mock host: no core involved
out=$(PKG_CONFIG_PATH="$libdir" make -s -C "$tmp/hello" CFLAGS="-O2 -g -Wall -Wextra -Werror $extra" \
      LDFLAGS="$extra" check)
echo "$out" | grep -q '^ok: hello passes its unit test on the mock host' || { echo "FAIL: $out"; exit 1; }
nm -D --defined-only "$tmp/hello/hello.so" | grep -q ' T octo_plugin_entry'

# CMake consumers: find_package(OctoflowSDK 1.0)
cmake -S "$tmp/hello" -B "$tmp/hello-cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_C_FLAGS="$extra" -DCMAKE_MODULE_LINKER_FLAGS="$extra" \
    -DCMAKE_EXE_LINKER_FLAGS="$extra" >/dev/null
cmake --build "$tmp/hello-cmake" >/dev/null
test -f "$tmp/hello-cmake/hello.so"
ctest --test-dir "$tmp/hello-cmake" --output-on-failure >/dev/null

mkdir -p "$tmp/data/flows" "$tmp/plugins"
cp "$tmp/hello/hello.so" "$tmp/plugins/"
cp "$tmp/hello/flow.yml" "$tmp/data/flows/hello.yml"
out=$(DATA_PATH="$tmp/data" PLUGINS_PATH="$tmp/plugins:$OCTO_PLUGIN_DIR" \
      "$OCTO_BIN" run hello.yml --data '"world"')
echo "$out" | grep -q '"greet": "Hello, world!"' || { echo "FAIL: $out"; exit 1; }
DATA_PATH="$tmp/data" PLUGINS_PATH="$tmp/plugins:$OCTO_PLUGIN_DIR" "$OCTO_BIN" plugins \
    | grep -q 'type hello'
echo "ok: the example plugin and its mock-host test build against the installed SDK and run"
