#!/usr/bin/env bash
# The main job: installs what is needed, builds, and runs the reference bot, hanabi-bot.
#  - With HANABI_BOT_CONFIG=path/to/bot.toml (tokens in the environment or the .env next to it)
#    and HANABI_DPP_DIR=<DPP's prefix>/lib/cmake/dpp (Debian has no DPP package: see the README):
#    the real bot on Discord, `hanabi-bot --config`.
#  - Otherwise: the offline demo, `hanabi-bot --offline` running a script against the bundled
#    fake Lavalink node; it ends by itself.
set -euo pipefail
# Same configuration as scripts/test.sh's first stage, so the two share one build directory.
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/hanabi-ccache} CCACHE_BASEDIR=$PWD
cmake -S . -B build/gcc -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-Og -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=g++ -DHANABI_WERROR=ON -DHANABI_COMPILE_ASIO=ON ${HANABI_DPP_DIR:+-Ddpp_DIR="$HANABI_DPP_DIR"} >/dev/null
cmake --build build/gcc -j "$(nproc)" --target hanabi-bot
if [[ -n "${HANABI_BOT_CONFIG:-}" ]]; then
  exec build/gcc/examples/bot/hanabi-bot --config "$HANABI_BOT_CONFIG" "$@"
fi
exec build/gcc/examples/bot/hanabi-bot --offline --script examples/bot/offline/demo.script "$@"
