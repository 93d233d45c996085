#!/usr/bin/env bash
# The main job: installs what is needed, builds, and runs the most complete program hanabi has.
# Today that is `hanabi selftest`: an in-process fake Lavalink node driven by the hanabi CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/hanabi-ccache} CCACHE_BASEDIR=$PWD
cmake -S . -B build/gcc -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=g++ -DHANABI_WERROR=ON -DHANABI_COMPILE_ASIO=ON >/dev/null
cmake --build build/gcc -j "$(nproc)" --target hanabi_cli
exec build/gcc/tools/cli/hanabi selftest "$@"
