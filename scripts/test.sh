#!/usr/bin/env bash
# Builds everything and runs every test through CTest; the last line is CTest's
# summary. Usage: scripts/test.sh [extra ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
exec ctest --output-on-failure "$@"
