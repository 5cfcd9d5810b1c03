#!/usr/bin/env bash
# The functions benchmark (issue 4) with a plain-CAF floor, side by side in one
# run (BENCHMARKS.md, "Functions (issue 4)").
#
#   bash bench/function_run.sh            # full run: 3 s per phase side, map of 100,000 inputs x 3
#   bash bench/function_run.sh --quick    # smoke run: 0.5 s, map of 10,000 x 1
#
# Environment:
#   NODE_ARGS    extra node options for both serving nodes (e.g. --threads 2)
#   CLIENT_ARGS  node options for the client (CAF scheduler, heartbeat, timeouts);
#                defaults to NODE_ARGS
#   KEEP_WORK=1  keep build/function-bench-work (data, logs) after the run
#
# What it does: builds function_bench (Release, -j2); starts two serving nodes a
# and b (function_bench --serve) on free loopback ports, each with `noop` and
# `square` registered and a plain CAF echo actor published on a port of its own;
# their stdin is a pipe from a `sleep` this script owns, so closing it (killing
# the sleep) stops them. Then runs the client against node a:
#   call1 / caf1        blocking mn call vs blocking CAF request (scoped_actor), interleaved
#   async / cafasync    call_async with 64 futures outstanding vs 64 CAF requests in
#                       flight from one event-based actor, interleaved
#   map / cafmap        map(100,000 ints) over a and b vs 100,000 CAF requests from one
#                       event-based actor to both echo actors (64 in flight per actor);
#                       cafmapb (info): the same inputs in 1,000-input messages
# Finally stops the nodes by closing their stdin and checks that they exit 0.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

secs=3
map_n=100000
map_reps=3
for arg in "$@"; do
  case "$arg" in
    --quick) secs=0.5; map_n=10000; map_reps=1 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "function_run.sh: unknown argument '$arg' (only --quick)" >&2; exit 2 ;;
  esac
done
NODE_ARGS=${NODE_ARGS:-}
CLIENT_ARGS=${CLIENT_ARGS-$NODE_ARGS}

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C build -j2 function_bench

work=$PWD/build/function-bench-work
bench=build/bench/function_bench

# -- cleanup: every process started here is stopped, whatever happens -----------
pids=()        # serving nodes
feeders=()     # the sleeps that hold their stdin open
declare -A names
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${feeders[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do # closing stdin should stop it; 5 s
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do # then 10 s after SIGTERM
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "function_run.sh: ${names[$pid]:-pid $pid} did not stop, killing it" >&2
      if command -v gdb >/dev/null; then # keep its stacks (outside the work dir) for a bug report
        timeout 60 gdb -p "$pid" -batch -ex "thread apply all bt" >"build/function-bench-hang-$pid.txt" 2>&1 || true
        echo "function_run.sh: its threads' stacks are in build/function-bench-hang-$pid.txt" >&2
      fi
      kill -KILL "$pid" 2>/dev/null || true
      rc=${rc/#0/1}
    fi
    wait "$pid" 2>/dev/null || true
  done
  for pid in "${feeders[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ] && [ -d "$work" ]; then
    for f in "$work"/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $f" >&2
      tail -n 20 "$f" >&2 || true
    done
  fi
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$work"
mkdir -p "$work"

free_ports() { # n distinct free loopback ports (all bound at once, then released)
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
read -r port_a port_b echo_a echo_b <<<"$(free_ports 4)"

peers="--peer a=127.0.0.1:$port_a --peer b=127.0.0.1:$port_b"
start_node() { # name port echo-port
  # stdin: a pipe from a sleep owned by this script (bounded: 1 hour)
  mkfifo "$work/stdin-$1"
  sleep 3600 >"$work/stdin-$1" &
  feeders+=("$!")
  # shellcheck disable=SC2086
  "$bench" --serve --name "$1" --listen "127.0.0.1:$2" --echo-port "$3" --data-dir "$work/$1" \
    $peers $NODE_ARGS <"$work/stdin-$1" >"$work/node-$1.log" 2>&1 &
  pids+=("$!")
  names[$!]="node $1 (pid $!)"
}
wait_ready() { # name pid
  for _ in $(seq 1 300); do # up to 30 s
    if grep -q '^ready' "$work/node-$1.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then
      echo "function_run.sh: node $1 exited before it was ready" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "function_run.sh: node $1 not ready after 30 s" >&2
  return 1
}
start_node a "$port_a" "$echo_a"
start_node b "$port_b" "$echo_b"
wait_ready a "${pids[0]}"
wait_ready b "${pids[1]}"
grep -H '^ready' "$work"/node-*.log

echo "== machine: $(nproc) cores, $(uname -r); tree $(git describe --always --dirty 2>/dev/null || echo unknown)"
echo "== nodes: defaults + NODE_ARGS='$NODE_ARGS'; client: defaults + CLIENT_ARGS='$CLIENT_ARGS'"
out=$work/client.txt
rc=0
# shellcheck disable=SC2086
timeout 600 "$bench" --node "127.0.0.1:$port_a" --echo "127.0.0.1:$echo_a" --echo "127.0.0.1:$echo_b" \
  --seconds "$secs" --map-n "$map_n" --map-reps "$map_reps" $CLIENT_ARGS | tee "$out" || rc=$?

# -- stop the nodes: close their stdin, expect exit 0 ----------------------------------
for pid in "${feeders[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
node_rc=0
for i in 0 1; do
  pid=${pids[$i]}
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "function_run.sh: ${names[$pid]} still running 10 s after its stdin closed" >&2
    node_rc=1
    continue
  fi
  r=0; wait "$pid" || r=$?
  echo "${names[$pid]} exited with status $r"
  [ "$r" = 0 ] || node_rc=1
done

# -- the table ----------------------------------------------------------------------------
echo
echo "== Functions vs the plain-CAF floor (means over slices / reps)"
awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    p = f["phase"]; n[p]++; ops[p] += f["ops_s"]; p50[p] += f["p50_us"]; p99[p] += f["p99_us"]
    if (!(p in mn) || f["ops_s"] < mn[p]) mn[p] = f["ops_s"]; if (f["ops_s"] > mx[p]) mx[p] = f["ops_s"] }
  function a(x, p) { return n[p] ? x[p] / n[p] : 0 }
  function rate(x) { return x >= 1000 ? sprintf("%.1fk", x / 1000) : sprintf("%.0f", x) }
  function row(m, c, ray, goal, target, lat) {
    if (!n[m] || !n[c]) return
    printf "| %s | %s/s (%s–%s)%s | %s/s%s | %.2f | %s | %s | %s |\n", m, rate(a(ops, m)), rate(mn[m]), rate(mx[m]),
      lat ? sprintf(", p50 %.0f µs, p99 %.0f µs", a(p50, m), a(p99, m)) : "",
      rate(a(ops, c)), lat ? sprintf(", p50 %.0f µs, p99 %.0f µs", a(p50, c), a(p99, c)) : "",
      a(ops, m) / a(ops, c), ray, goal, target == 0 ? "–" : (a(ops, m) >= target ? "**met**" : "**missed**")
  }
  END {
    print "| phase | mn (mean, min–max) | plain-CAF floor | mn/floor | Ray published | goal | met? |"
    print "|---|---|---|---|---|---|---|"
    row("call1", "caf1", "2k sync actor calls/s", "≥ 2k/s (Ray sync actor calls)", 2000, 1)
    row("async", "cafasync", "8k async tasks/s", "(info) vs 8k/s", 0, 1)
    row("map", "cafmap", "8k async tasks/s", "≥ 80k/s (10x Ray)", 80000, 0)
    if (n["cafmapb"]) printf "| (info) cafmapb: the map floor with 1,000 inputs per message | – | %s/s | – | – | – | – |\n", rate(a(ops, "cafmapb"))
  }' "$out"
if [ "$rc" != 0 ]; then echo "function_run.sh: client failed (exit $rc)" >&2; exit 1; fi
if [ "$node_rc" != 0 ]; then echo "function_run.sh: a node did not exit 0" >&2; exit 1; fi
