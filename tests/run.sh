#!/usr/bin/env bash
# Sets up and runs every test: dependencies, a warning-free build, ctest.
#   bash tests/run.sh            everything
#   bash tests/run.sh -L unit    only tests with a label (ctest options)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash tests/deps.sh
build=${MID_BUILD_DIR:-$top/build}
cmake -S . -B "$build" -DMID_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export MID_BUILD_DIR=$build MID_SOURCE_DIR=$top
cd "$build"
ctest --output-on-failure --timeout 600 "$@"
