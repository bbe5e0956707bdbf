#!/usr/bin/env bash
# Configures and builds into build/ (or $EMBEDSCOPE_BUILD_DIR). Extra arguments go to CMake.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${EMBEDSCOPE_BUILD_DIR:-$here/build}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$here" -B "$build" -G Ninja "${launcher[@]}" "$@" >/dev/null
cmake --build "$build" --parallel "${EMBEDSCOPE_JOBS:-$(nproc)}"
