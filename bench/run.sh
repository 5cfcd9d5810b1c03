#!/usr/bin/env bash
# Builds (Release) and runs the core dict benchmark against its raw-LMDB anchor.
#   bash bench/run.sh            # full run: 1M keys, 3 s per phase
#   bash bench/run.sh --quick    # smoke run
# Extra arguments go to build/bench/dict_bench (see its --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -f scripts/install-deps.sh ]; then
  bash scripts/install-deps.sh
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C build -j2 dict_bench

work=build/bench-work
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

build/bench/dict_bench --dir "$work" "$@"
