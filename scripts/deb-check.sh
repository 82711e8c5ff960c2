#!/bin/sh
# The Debian packages as an administrator meets them (run as root, by CI):
# build both with `make deb`, install them with dpkg -i, run
# `octoflow --version` and a flow with the installed binary (its plugins
# found relative to /usr/bin, no PLUGINS_PATH), check the SDK's versions,
# `systemd-analyze verify` the unit, then dpkg -r both and check that only
# the configuration files are left; purge removes those too.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "deb-check: run as root (dpkg -i)"; exit 2; }

make deb >/tmp/octo-deb-build.log 2>&1 || { tail -50 /tmp/octo-deb-build.log; exit 1; }
run_deb=$(ls build-deb/octoflow_*.deb)
dev_deb=$(ls build-deb/octoflow-dev_*.deb)
tmp=$(mktemp -d /tmp/octo-deb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "deb-check: FAIL: $*"; exit 1; }

# what each package holds (conffiles apart), to check the removal against
{ dpkg-deb -c "$run_deb"; dpkg-deb -c "$dev_deb"; } | awk '{print substr($6, 2)}' \
    | grep -v '/$' | grep -v '^/etc/' >"$tmp/files"

dpkg -i "$run_deb" "$dev_deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "dpkg -i"; }
env -u PLUGINS_PATH /usr/bin/octoflow --version | grep -q '^octoflow .* (step ABI 1\.1)$' \
    || fail "octoflow --version"
getent passwd octoflow >/dev/null || fail "no octoflow system user"
test "$(stat -c %U:%a /var/lib/octoflow)" = "octoflow:750" || fail "/var/lib/octoflow"
test -f /etc/default/octoflow || fail "/etc/default/octoflow"
test "$(stat -c %G:%a /etc/default/octoflow)" = "octoflow:640" || fail "/etc/default/octoflow mode"
# a flow, with the plugins the package installed (found from /usr/bin)
(cd "$tmp" && env -u PLUGINS_PATH -u DATA_PATH /usr/bin/octoflow init data >/dev/null)
out=$(cd "$tmp" && env -u PLUGINS_PATH -u DATA_PATH /usr/bin/octoflow run hello.yml -q \
      -o greeting --data '{"name": "deb"}') || fail "octoflow run: $out"
echo "$out" | grep -q '"greeting": "Hello, deb!"' || fail "flow output: $out"
grep -q '^Hello, deb!' "$tmp/data/output/hello-deb.txt" || fail "the flow's file"
# the SDK: one ABI version everywhere
test "$(pkg-config --modversion octoflow-sdk)" = 1.1 || fail "pkg-config version"
test "$(pkg-config --variable=abi_minor octoflow-sdk)" = 1 || fail "pkg-config abi_minor"
grep -q 'set(PACKAGE_VERSION "1.1")' /usr/lib/*/cmake/OctoflowSDK/OctoflowSDKConfigVersion.cmake \
    || fail "CMake package version"
# man page and completion where the tools look for them
man -w octoflow >/dev/null 2>&1 || test -f /usr/share/man/man1/octoflow.1 || fail "man page"
test -f /usr/share/bash-completion/completions/octoflow || fail "bash completion"
# the unit: ExecStart is the installed binary, and systemd accepts it
grep -q '^ExecStart=/usr/bin/octoflow serve$' /usr/lib/systemd/system/octoflow.service \
    || fail "ExecStart"
if ! command -v systemd-analyze >/dev/null; then
    apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi
if ! systemd-analyze verify /usr/lib/systemd/system/octoflow.service >"$tmp/verify.log" 2>&1; then
    cat "$tmp/verify.log"
    fail "systemd-analyze verify"
fi

dpkg -r octoflow-dev octoflow >"$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log"; fail "dpkg -r"; }
left=""
while read -r f; do
    if [ -e "$f" ]; then left="$left $f"; fi
done <"$tmp/files"
[ -z "$left" ] || fail "left behind by dpkg -r:$left"
test ! -e /var/lib/octoflow || fail "/var/lib/octoflow left (it was empty)"
test -f /etc/default/octoflow || fail "dpkg -r removed the configuration"
dpkg --purge octoflow octoflow-dev >/dev/null 2>&1 || fail "dpkg --purge"
test ! -e /etc/default/octoflow && test ! -e /etc/logrotate.d/octoflow || fail "purge left config"
echo "deb-check: ok ($(basename "$run_deb"), $(basename "$dev_deb")): installed, ran a flow," \
     "unit verified, removed leaving only configuration, purged"
