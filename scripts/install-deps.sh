#!/bin/sh
# Install everything Octoflow needs to build, test and benchmark on Debian 12.
# Run as root (or with sudo). Safe to run again: apt-get skips what is there.
#
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also wrk and hyperfine for bench/
set -eu

pkgs="build-essential cmake pkg-config git ca-certificates \
  libyaml-dev libjansson-dev libcurl4-openssl-dev libjq-dev \
  libcivetweb-dev libcmocka-dev libpcre2-dev libssl-dev openssl \
  tzdata curl python3 python3-jinja2 python3-yaml python3-jsonschema \
  clang libclang-rt-14-dev binutils procps \
  zsh groff-base"

if [ "${1:-}" = "--bench" ]; then
  pkgs="$pkgs wrk hyperfine valgrind"
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs
