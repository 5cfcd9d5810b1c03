#!/usr/bin/env bash
# The main job: build, then run the example application (the seed's dict
# walk-through) on an embedded node whose data lives in ./mn-data by default.
# Usage: scripts/run.sh [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec build/apps/seed_example "$@"
