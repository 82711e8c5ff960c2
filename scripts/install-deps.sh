#!/bin/sh
# Install everything Octoflow needs to build, test and benchmark on Debian 12.
# Run as root (or with sudo). Safe to run again: apt-get skips what is there.
#
#   scripts/install-deps.sh          build + test dependencies (valgrind included: .ci/run)
#   scripts/install-deps.sh --bench  also wrk and hyperfine for bench/
set -eu

pkgs="build-essential cmake pkg-config git ca-certificates \
  libyaml-dev libjansson-dev libcurl4-openssl-dev libjq-dev \
  libcivetweb-dev libcmocka-dev libpcre2-dev libsqlite3-dev libssl-dev openssl \
  tzdata curl python3 python3-jinja2 python3-yaml \
  clang clang-format libclang-rt-14-dev binutils procps \
  chromium prometheus python3-jsonschema fonts-dejavu-core \
  zsh groff-base valgrind"
# The dashboard's browser tests and the OpenAPI validation run on node
# (tests/browser/package.json): Debian's nodejs and npm, unless a node is
# already installed (another packaging's nodejs ships its own npm).
if ! command -v npm >/dev/null 2>&1; then
  pkgs="$pkgs nodejs npm"
fi

if [ "${1:-}" = "--bench" ]; then
  pkgs="$pkgs wrk hyperfine"
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs

# playwright-core (drives /usr/bin/chromium: it downloads no browser) and
# the OpenAPI schema validator, pinned by tests/browser/package-lock.json
(cd "$(dirname "$0")/../tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
