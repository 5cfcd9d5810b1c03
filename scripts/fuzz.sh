#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan, in build-asan/,
# the build scripts/sanitize.sh asan runs the tests in) and runs each for
# FUZZ_SECONDS on a copy of its seed corpus (fuzz/corpus/<target>/;
# the committed corpus never grows). Fails on any crash, sanitizer report, leak,
# timeout or out-of-memory, printing the input that did it and the command that
# reproduces it. Prints per target: runs, exec/s, coverage; then the build and
# run times.
# Usage: scripts/fuzz.sh [TARGET...]   (default: all four, see fuzz/CMakeLists.txt)
# Env: FUZZ_SECONDS (per target, default 30), FUZZ_RSS_MB (default 2048),
#      FUZZ_TIMEOUT (seconds for one input, default 10), JOBS (build, default 2),
#      FUZZ_ARTIFACTS (where failing inputs are kept, default build-asan/fuzz-artifacts).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=build-asan
seconds=${FUZZ_SECONDS:-30}
rss_mb=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}
artifacts=${FUZZ_ARTIFACTS:-$root/$build/fuzz-artifacts}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_codec fuzz_node_options fuzz_mn_cli fuzz_http_api)
# shellcheck source=scripts/sanitize-configure.sh
. scripts/sanitize-configure.sh

t0=$(date +%s)
sanitize_configure asan || { echo "fuzz: cmake failed"; exit 1; }
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}" || { echo "fuzz: build failed"; exit 1; }
t1=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/mn-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
failed=()
summary=()
for t in "${targets[@]}"; do
  bin="$root/$build/fuzz/$t"
  corpus="$work/corpus/$t"
  mkdir -p "$corpus" "$work/tmp/$t" "$artifacts/$t"
  cp "$root/fuzz/corpus/$t/"* "$corpus/"
  dict=()
  [ -f "$root/fuzz/corpus/$t.dict" ] && dict=(-dict="$root/fuzz/corpus/$t.dict")
  log="$work/$t.log"
  echo "== $t: ${seconds}s on $(ls "$corpus" | wc -l) seeds"
  # The targets put their temporary files (data directory, config file) in TMPDIR.
  TMPDIR="$work/tmp/$t" \
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    "$bin" "$corpus" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" \
      -timeout="$timeout" -artifact_prefix="$artifacts/$t/" -print_final_stats=1 \
      </dev/null >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(ls "$corpus" | wc -l)
  line=$(printf '%-18s runs %-9s exec/s %-7s cov %-6s ft %-6s corpus %-5s peak RSS %s MB' \
    "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$corp" "${rss:-?}")
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "---- $t FAILED (exit $rc); the end of its log:"
    tail -60 "$log"
    input=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/^Test unit written to //')
    if [ -n "$input" ]; then
      echo "---- failing input: $input"
      echo "---- reproduce: $bin $input"
    else
      cp "$log" "$artifacts/$t/fuzz.log"
      echo "---- no input was written; the log is in $artifacts/$t/fuzz.log"
    fi
    line="$line  FAILED"
  fi
  echo "$line"
  summary+=("$line")
done
t2=$(date +%s)

echo "== fuzz summary (FUZZ_SECONDS=$seconds)"
printf '%s\n' "${summary[@]}"
echo "build: $((t1 - t0)) s, fuzzing: $((t2 - t1)) s, total: $((t2 - t0)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: no crash, leak or timeout in ${#targets[@]} targets"
