#!/usr/bin/env bash
# Installs hanabi's build and test dependencies from Debian 12 packages.
# Runs as root, or through sudo when it is available. Skips apt when all are present.
set -euo pipefail
packages=(g++ clang libclang-rt-14-dev cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev nlohmann-json3-dev libfmt-dev catch2 libsimdjson-dev
  libsqlite3-dev libbenchmark-dev libtomlplusplus-dev redis-server libhiredis-dev
  openssl procps)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "Installing: ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
