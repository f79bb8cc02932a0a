#!/usr/bin/env bash
# Installs the Debian 12 packages eddy builds with, and only those that are missing.
# clang, its sanitizer and libFuzzer runtimes and lld are for scripts/sanitize.sh's build.
# Safe to run any number of times. Needs root (or sudo) only when something is missing.
# With --bench, also what `make bench` needs (matplotlib for the chart; Maven and a JDK for the
# Flink and Kafka Streams runners are in the list already).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3 python3-venv maven
  librdkafka-dev librocksdb-dev libantlr4-runtime-dev antlr4 default-jre-headless
  libfmt-dev catch2 libyaml-cpp-dev libsimdjson-dev libedit-dev libssl-dev
  clang libclang-rt-14-dev lld
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3-matplotlib default-jdk-headless linux-perf)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
