#!/usr/bin/env bash
# Quick start, 2 of 2: install what is missing, build with warnings as errors, and run the whole
# test suite: every CTest test (Vulkan ones on Mesa's lavapipe with the Khronos validation layer
# on), then the engine, CLI and fuzz tests again under AddressSanitizer + UBSan.
#   EMBEDSCOPE_SKIP_SANITIZERS=1   skip the sanitizer stage (a quicker local run)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh" --test
export EMBEDSCOPE_REQUIRE_VULKAN=${EMBEDSCOPE_REQUIRE_VULKAN:-1}
jobs=${EMBEDSCOPE_JOBS:-$(nproc)}

stage() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

stage "build"
EMBEDSCOPE_BUILD_DIR=$here/build "$here/scripts/build.sh" -DEMBEDSCOPE_WERROR=ON
stage "engine without Qt (EMBEDSCOPE_BUILD_UI=OFF)"
EMBEDSCOPE_BUILD_DIR=$here/build-engine "$here/scripts/build.sh" -DEMBEDSCOPE_WERROR=ON -DEMBEDSCOPE_BUILD_UI=OFF
stage "tests"
ctest --test-dir "$here/build" --output-on-failure -j "$jobs"

if [ "${EMBEDSCOPE_SKIP_SANITIZERS:-0}" != 1 ]; then
  stage "sanitizer build (ASan + UBSan)"
  EMBEDSCOPE_BUILD_DIR=$here/build-asan "$here/scripts/build.sh" -DEMBEDSCOPE_WERROR=ON \
    -DEMBEDSCOPE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  stage "tests under sanitizers"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export LSAN_OPTIONS=suppressions=$here/scripts/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir "$here/build-asan" --output-on-failure -j "$jobs" -L 'engine|cli|fuzz|vulkan' -LE slow
fi
stage "done"
