# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: configures the clang
# sanitizer build of MODE in build-MODE/ (prints CMake's output only on failure).
#   asan: ASan + LSan + UBSan with libFuzzer's coverage hooks (-DMN_FUZZ=ON): the
#         test suites and the fuzz targets share this one build (built once in CI).
#   tsan: ThreadSanitizer.
# clang: it builds this code base in ~60% of gcc's time with the same
# sanitizers. -O1 and line tables: fast enough to run, readable stacks, small
# enough to link. NDEBUG stays off so that assertions run too.
sanitize_configure() {
  local mode=$1 flags="-O1 -gline-tables-only" extra=()
  case "$mode" in
    asan) extra=(-DMN_FUZZ=ON) ;; # the top CMakeLists.txt adds the sanitizers
    tsan) flags="$flags -fsanitize=thread"
          extra=(-DMN_FUZZ=OFF
                 -DCMAKE_EXE_LINKER_FLAGS_SANITIZE=-fsanitize=thread
                 -DCMAKE_SHARED_LINKER_FLAGS_SANITIZE=-fsanitize=thread) ;;
    *) echo "sanitize_configure: unknown mode '$mode'" >&2; return 2 ;;
  esac
  command -v ccache >/dev/null && extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  local log="build-$mode.configure.log"
  if ! CC=clang CXX=clang++ cmake -S . -B "build-$mode" -DCMAKE_BUILD_TYPE=Sanitize \
       -DCMAKE_CXX_FLAGS_SANITIZE="$flags" -DBUILD_TESTING=ON -DMN_BUILD_BENCH=OFF \
       "${extra[@]}" >"$log" 2>&1; then
    cat "$log"
    echo "cmake failed for the $mode build" >&2
    return 1
  fi
  rm -f "$log"
}
