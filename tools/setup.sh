#!/usr/bin/env bash
# Shared set-up for tools/run and tools/test: installs the Debian packages the build needs (only
# those missing), then configures and builds into build/ (incrementally).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages=(cmake ninja-build g++ libboost-graph-dev libyaml-cpp-dev libfmt-dev nlohmann-json3-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libprotobuf-dev protobuf-compiler
          zlib1g-dev libarchive-dev libopenblas-dev ${DTSIM_EXTRA_PACKAGES-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "dtsim: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
[ "${1-}" = "--packages-only" ] && exit 0
build="${DTSIM_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
ninja -C "$build" "$@" >&2
