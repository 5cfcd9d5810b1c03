#!/usr/bin/env bash
# The main job: build, then run the example application (the seed's tweet
# summaries) on a node whose data lives in ./mn-data by default; HTTP on
# 127.0.0.1:8080. Stop it with Ctrl-C.
# Usage: scripts/run.sh [--data-dir DIR] [--every-ms N] [--feed DIR] [node options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec build/apps/tweet_summaries "$@"
