#!/usr/bin/env bash
# Quick start, 1 of 2: install what is missing, build, and open the explorer on its built-in demo.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
exec "${EMBEDSCOPE_BUILD_DIR:-$here/build}/app/embedscope" --demo "$@"
