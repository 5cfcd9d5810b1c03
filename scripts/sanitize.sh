#!/usr/bin/env bash
# Builds the test suite with a sanitizer and runs it through CTest; any sanitizer
# report, in a test or in a process a test started (mn_test_node, mnode, mn, ...),
# fails the run. The last lines are CTest's summary and the sanitizer verdict.
# Usage: scripts/sanitize.sh {asan|tsan} [ctest args...]
#   asan: AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer, in build-asan/
#   tsan: ThreadSanitizer, in build-tsan/
# Env: JOBS (build parallelism, default 2), MN_TEST_TIME_SCALE (multiplies the
# tests' waiting bounds; default 3 under tsan, 2 under asan), SUITES (names of
# test suites, space-separated: build and run only those; default every suite).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-}
shift || true
case "$mode" in
  asan) scale_default=2 ;;
  tsan) scale_default=3 ;;
  *) echo "usage: $0 {asan|tsan} [ctest args...]" >&2; exit 2 ;;
esac
build="build-$mode"
# shellcheck source=scripts/sanitize-configure.sh
. scripts/sanitize-configure.sh

t0=$(date +%s)
sanitize_configure "$mode" || exit 1
suites=(${SUITES:-})
filter=()
if [ ${#suites[@]} -gt 0 ]; then
  # Only these suites (and the programs they start, their CMake dependencies).
  cmake --build "$build" -j"${JOBS:-2}" --target "${suites[@]}" || exit 1
  filter=(-R "^($(IFS='|'; echo "${suites[*]}"))\$")
else
  cmake --build "$build" -j"${JOBS:-2}" || exit 1
fi
t1=$(date +%s)
echo "== $mode build: $((t1 - t0)) s"

# Every sanitized process writes its reports to $logs/<tool>.<pid>; a report in a
# child a test started would otherwise go unnoticed, so the script checks them all.
logs="$root/$build/sanitizer-logs"
rm -rf "$logs" && mkdir -p "$logs"
supp="$root/tests/sanitizers"
common="print_stacktrace=1:halt_on_error=1:abort_on_error=0:exitcode=66"
export UBSAN_OPTIONS="$common:log_path=$logs/ubsan:suppressions=$supp/ubsan.supp"
export ASAN_OPTIONS="$common:log_path=$logs/asan:detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
# ignore_noninstrumented_modules: memcpy/memcmp/... called from libraries not
# built with TSan (libstdc++, CAF, LMDB, httplib) are not checked, since TSan
# cannot see those libraries' own synchronization (see tests/sanitizers/tsan.supp).
# Locks, condition variables and our own code's accesses are still tracked.
export TSAN_OPTIONS="$common:log_path=$logs/tsan:suppressions=$supp/tsan.supp:print_suppressions=0:second_deadlock_stack=1:history_size=4:ignore_noninstrumented_modules=1"
export MN_TEST_TIME_SCALE="${MN_TEST_TIME_SCALE:-$scale_default}"

runner=()
if [ "$mode" = tsan ]; then
  # gcc 12's TSan aborts with "unexpected memory mapping" when the kernel uses high
  # ASLR entropy (vm.mmap_rnd_bits > 28); running without ASLR avoids that.
  probe="$root/$build/tests/storage_test"
  if ! TSAN_OPTIONS= "$probe" --list_content >/dev/null 2>&1 &&
     setarch "$(uname -m)" -R true 2>/dev/null; then
    runner=(setarch "$(uname -m)" -R)
    echo "== tsan: running without ASLR (setarch -R)"
  fi
fi

cd "$build"
"${runner[@]}" ctest --output-on-failure "${filter[@]}" "$@"
rc=$?
t2=$(date +%s)
echo "== $mode ctest: $((t2 - t1)) s, exit $rc"

reports=$(find "$logs" -type f -size +0 | sort)
if [ -n "$reports" ]; then
  for f in $reports; do
    echo "=================== sanitizer report: $f"
    cat "$f"
  done
  echo "== $mode: FAILED: $(echo "$reports" | wc -l) sanitizer report file(s) in $logs"
  [ $rc -eq 0 ] && rc=1
else
  echo "== $mode: no sanitizer reports"
fi
exit $rc
