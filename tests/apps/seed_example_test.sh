#!/usr/bin/env bash
# Runs the seed example twice on one fresh data directory and checks its output:
# the walk-through's results, and that the second run sees the first run's data.
set -euo pipefail
bin=$1
dir=$2
rm -rf "$dir"
trap 'rm -rf "$dir" "$dir.err"' EXIT
out1=$("$bin" --data-dir "$dir")
out2=$("$bin" --data-dir "$dir")
echo "$out1"
grep -q 'my_dict\["c"\] *-> 4' <<<"$out1"
grep -q 'my_dict.keys() *-> b c$' <<<"$out1"
grep -q 'my_dict.get("a") *-> None' <<<"$out1"
grep -q 'raises key_error' <<<"$out1"
grep -q '+= 2 *-> 6' <<<"$out1"
grep -q 'update("x", 9, expected 6) *-> true (x is now 9)' <<<"$out1"
grep -q 'set_if_absent("y", 11) *-> false (y stays 10)' <<<"$out1"
grep -q 'run the example 1 time' <<<"$out1"
grep -q 'run the example 2 time' <<<"$out2"
# Bad usage: one clear line, non-zero exit.
if "$bin" --no-such-option 2>"$dir.err"; then echo "bad option accepted"; exit 1; fi
grep -q 'unrecognised option' "$dir.err" || grep -q 'unrecognized option' "$dir.err"
rm -f "$dir.err"
