#!/usr/bin/env bash
# The scheduled-tasks benchmark (issue 5) with its anchors, side by side in one
# run (BENCHMARKS.md, "Scheduled tasks (issue 5)").
#
#   bash bench/schedule_run.sh            # full run: 60 periods per phase, 30 s CPU windows, 20 s of firing
#   bash bench/schedule_run.sh --quick    # smoke run: 10 periods, 5 s windows, 5 s of firing
#
# Environment:
#   NODE_ARGS     extra node options for the three serving nodes (e.g. --threads 2)
#   LOAD_THREADS  load threads of the driver in the load phase (default 4)
#   KEEP_WORK=1   keep build/schedule-bench-work (data, logs) after the run
#
# What it does: builds schedule_bench (Release, -j2).
# 1. Lateness: starts three serving nodes a, b, c (schedule_bench --serve; same
#    --peer list; free loopback ports; stdin a fifo fed by a `sleep` this script
#    owns, so closing it stops them) and runs the driver against a. Phase idle:
#    every node schedules "lat.idle" every(1 s); the body's lateness is body
#    start - ctx.scheduled_time() (system_clock); the anchor is a plain timer
#    thread in each node sleeping (sleep_until) to the same due times and
#    measuring its own lateness. Phase load: the same with "lat.load" (offset
#    500 ms) while the driver runs LOAD_THREADS threads of blocking durable
#    dict::set (dicts owned by each node) and blocking function calls. Runs per
#    period are counted over the cluster (must be exactly 1). Then stops the
#    nodes and checks that they exit 0.
# 2. Idle cost: one embedded node; process CPU (getrusage) and RSS over a window
#    with no schedules (anchor), the time to register 10,000 schedules
#    (every 1 h, none due for 15 min) until schedules() lists them all, then
#    the same window with the 10,000 registered.
# 3. Firing: one embedded node with 1,000 schedules every(1 s), then (a fresh
#    process) 3,000: runs per second achieved and their lateness, beside the
#    process's timer-thread anchor and the node's synced-write floor (4 writers;
#    a run costs 3 synced writes); task-periods never run vs the records'
#    `missed` counters.
# Exit status: non-zero when a process fails, a node does not stop, or a period
# did not run exactly once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

periods=60
window=30
fire_window=20
for arg in "$@"; do
  case "$arg" in
    --quick) periods=10; window=5; fire_window=5 ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "schedule_run.sh: unknown argument '$arg' (only --quick)" >&2; exit 2 ;;
  esac
done
NODE_ARGS=${NODE_ARGS:-}
LOAD_THREADS=${LOAD_THREADS:-4}

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C build -j2 schedule_bench

work=$PWD/build/schedule-bench-work
bench=build/bench/schedule_bench

# -- cleanup: every process started here is stopped, whatever happens -----------
pids=()        # serving nodes
feeders=()     # the sleeps that hold their stdin open
sampler=""     # the contention sampler
declare -A names
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$sampler" ]; then kill -TERM "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; fi
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
      echo "schedule_run.sh: ${names[$pid]:-pid $pid} did not stop, killing it" >&2
      if command -v gdb >/dev/null; then # keep its stacks (outside the work dir) for a bug report
        timeout 60 gdb -p "$pid" -batch -ex "thread apply all bt" >"build/schedule-bench-hang-$pid.txt" 2>&1 || true
        echo "schedule_run.sh: its threads' stacks are in build/schedule-bench-hang-$pid.txt" >&2
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
read -r port_a port_b port_c <<<"$(free_ports 3)"

peers="--peer a=127.0.0.1:$port_a --peer b=127.0.0.1:$port_b --peer c=127.0.0.1:$port_c"
start_node() { # name port
  mkfifo "$work/stdin-$1"
  sleep 3600 >"$work/stdin-$1" &
  feeders+=("$!")
  # shellcheck disable=SC2086
  "$bench" --serve --name "$1" --listen "127.0.0.1:$2" --data-dir "$work/$1" \
    $peers $NODE_ARGS <"$work/stdin-$1" >"$work/node-$1.log" 2>&1 &
  pids+=("$!")
  names[$!]="node $1 (pid $!)"
}
wait_ready() { # name pid
  for _ in $(seq 1 300); do # up to 30 s
    if grep -q '^ready' "$work/node-$1.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then
      echo "schedule_run.sh: node $1 exited before it was ready" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "schedule_run.sh: node $1 not ready after 30 s" >&2
  return 1
}

# Other processes' CPU while we measure (the machine has 2 cores; an engineer may
# compile meanwhile): every 5 s, the processes other than ours that used >= 20%
# of a core over 1 s (top's second frame).
(
  while :; do
    top -b -n 2 -d 1 -w 200 2>/dev/null \
      | awk -v t="$(date +%s)" '/^top -/ { f++ } f == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 20 && $12 !~ /^(schedule_bench|top|sleep)$/ { print t, $12, $9 }' || true
    echo "sample"
    sleep 4
  done
) >"$work/contention.txt" 2>/dev/null &
sampler=$!

echo "== machine: $(nproc) cores, $(uname -r); tree $(git describe --always --dirty 2>/dev/null || echo unknown)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg); nodes: defaults + NODE_ARGS='$NODE_ARGS'; load threads: $LOAD_THREADS"
out=$work/results.txt
: >"$out"
rc=0

# -- 1. lateness on a 3-node cluster ----------------------------------------------
start_node a "$port_a"
start_node b "$port_b"
start_node c "$port_c"
wait_ready a "${pids[0]}"
wait_ready b "${pids[1]}"
wait_ready c "${pids[2]}"
# shellcheck disable=SC2086
timeout 900 "$bench" --drive --node "127.0.0.1:$port_a" --periods "$periods" \
  --load-threads "$LOAD_THREADS" $NODE_ARGS | tee -a "$out" || rc=$?
if [ "$rc" != 0 ]; then echo "schedule_run.sh: the driver failed (exit $rc)" >&2; fi

for pid in "${feeders[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
node_rc=0
for i in 0 1 2; do
  pid=${pids[$i]}
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "schedule_run.sh: ${names[$pid]} still running 15 s after its stdin closed" >&2
    node_rc=1
    if command -v gdb >/dev/null; then # its stacks (outside the work dir) for a bug report
      timeout 60 gdb -p "$pid" -batch -ex "thread apply all bt" >"build/schedule-bench-hang-$pid.txt" 2>&1 || true
      echo "schedule_run.sh: its threads' stacks are in build/schedule-bench-hang-$pid.txt" >&2
    fi
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    continue
  fi
  r=0; wait "$pid" || r=$?
  echo "${names[$pid]} exited with status $r"
  [ "$r" = 0 ] || node_rc=1
done
pids=()

# -- 2. CPU and memory of 10,000 idle schedules ---------------------------------------
idle_rc=0
timeout 900 "$bench" --idle-cost --data-dir "$work/idle" --count 10000 --window "$window" \
  | tee -a "$out" || idle_rc=$?
if [ "$idle_rc" != 0 ]; then echo "schedule_run.sh: --idle-cost failed (exit $idle_rc)" >&2; fi

# -- 3. 1,000 schedules firing every second -------------------------------------------
fire_rc=0
for n in 1000 3000; do # 3,000: beyond what one node starts in a second here (see BENCHMARKS.md)
  r=0
  timeout 600 "$bench" --fire --data-dir "$work/fire-$n" --count "$n" --window "$fire_window" \
    | tee -a "$out" || r=$?
  if [ "$r" != 0 ]; then echo "schedule_run.sh: --fire --count $n failed (exit $r)" >&2; fire_rc=$r; fi
  rm -rf "$work/fire-$n"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
echo "== other processes using >= 20% of a core, in $(grep -c '^sample' "$work/contention.txt" || true) samples of 1 s taken every 5 s: $(awk '$1 != "sample" { n[$2]++ } END { s = ""; for (c in n) s = s (s == "" ? "" : ", ") c " in " n[c]; print (s == "" ? "none" : s) }' "$work/contention.txt")"

# -- the tables ---------------------------------------------------------------------
echo
awk '
  function kv(    i, a) { delete f; for (i = 2; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] } }
  function ms(x) { return x == "nan" ? "–" : sprintf("%.2f ms", x / 1000) }
  function ratio(a, b) { return (b + 0 > 0 && a != "nan") ? sprintf("%.1f", a / b) : "–" }
  /^RESULT part=lateness/ { kv(); p = f["phase"]; k = f["kind"]
    n[p, k] = f["n"]; p50[p, k] = f["p50_us"]; p99[p, k] = f["p99_us"]; mx[p, k] = f["max_us"] }
  /^RUNS/ { kv(); p = f["phase"]; runs[p] = sprintf("%s of %s exactly once (0 runs: %s, 2+: %s); by node %s; missed %s, skipped %s",
    f["one"], f["periods"], f["zero"], f["more"], f["nodes"], f["missed"], f["skipped"]) }
  /^SPLIT/ { kv(); p = f["phase"]; split_[p] = sprintf("period → marker write p50 %s ms, p99 %s ms; marker write → body p50 %s ms, p99 %s ms (n %s)",
    f["to_marker_p50_ms"], f["to_marker_p99_ms"], f["marker_body_p50_ms"], f["marker_body_p99_ms"], f["n"]) }
  /^RUNS/ { claimbad[p] = f["claim_anchor_not_one"] }
  /^MACHINE phase=(idle|load)/ { kv(); p = f["phase"]; busy[p] = f["busy_pct"]
    load[p] = f["load_sets_s"] + f["load_calls_s"] > 0 ? sprintf("%.0f sets/s + %.0f calls/s (errors %s)", f["load_sets_s"], f["load_calls_s"], f["load_errors"]) : "none" }
  /^COST/ { kv(); s = f["state"]; cpu[s] = f["cpu_pct"]; rss[s] = f["rss_mib"]; anon[s] = f["anon_mib"]; cbusy[s] = f["machine_busy_pct"]; csecs[s] = f["secs"] }
  /^IDLERUNS/ { kv(); idleruns = sprintf("runs %s, missed %s", f["runs"], f["missed"]) }
  /^REGISTER/ { kv(); for (x in f) reg[x] = f[x]; regfloor = floor_s }
  /^FLOOR/ { kv(); floor_s = f["writes_s"] }
  /^FIRE / { kv(); fn = f["n"]; nf++; order[nf] = fn; for (x in f) fire[fn, x] = f[x]; fire[fn, "floor"] = floor_s }
  /^FIRE_ANCHOR/ { kv(); for (x in f) fa[fn, x] = f[x] }
  /^MACHINE phase=fire/ { kv(); firebusy[fn] = f["busy_pct"] }
  function lat(p, k) { return sprintf("%s / %s / %s (n %s)", ms(p50[p, k]), ms(p99[p, k]), ms(mx[p, k]), n[p, k]) }
  function row(p, label) {
    if (!((p, "mn") in n)) return
    printf "| %s | %s | %s | %s / %s | %s | %s / %s | %s%% |\n", label,
      lat(p, "mn"), lat(p, "anchor"), ratio(p50[p, "mn"], p50[p, "anchor"]), ratio(p99[p, "mn"], p99[p, "anchor"]),
      lat(p, "claim"), ratio(p50[p, "mn"], p50[p, "claim"]), ratio(p99[p, "mn"], p99[p, "claim"]), busy[p]
  }
  END {
    print "== Lateness of a 1 s schedule on 3 nodes (body start - scheduled time) vs a timer thread in the same nodes"
    print ""
    print "| phase | mn: p50 / p99 / max | anchor: timer thread (sleep_until), p50 / p99 / max | mn/anchor p50 / p99 | anchor 2: timer thread + the same claim, winner | mn/anchor 2 p50 / p99 | machine CPU busy |"
    print "|---|---|---|---|---|---|---|"
    row("idle", "unloaded")
    row("load", "loaded")
    print ""
    print "| (info) | unloaded | loaded |"
    print "|---|---|---|"
    printf "| runs per period, over the 3 nodes | %s | %s |\n", runs["idle"], runs["load"]
    printf "| anchor 2: instants not won by exactly one node | %s | %s |\n", claimbad["idle"], claimbad["load"]
    printf "| load (driver threads) | %s | %s |\n", load["idle"], load["load"]
    printf "| split of the mn lateness (ms resolution) | %s | %s |\n", split_["idle"], split_["load"]
    print ""
    print "== CPU and memory of 10,000 registered schedules (one embedded node, none due in the window)"
    print ""
    print "| state | CPU (% of one core) | VmRSS | RssAnon | window | machine CPU busy |"
    print "|---|---|---|---|---|---|"
    if ("none" in cpu) printf "| anchor: node with no schedules | %.3f%% | %.1f MiB | %.1f MiB | %s s | %s%% |\n", cpu["none"], rss["none"], anon["none"], csecs["none"], cbusy["none"]
    if ("scheduled" in cpu) printf "| 10,000 schedules every 1 h (none due) | %.3f%% | %.1f MiB | %.1f MiB | %s s | %s%% |\n", cpu["scheduled"], rss["scheduled"], anon["scheduled"], csecs["scheduled"], cbusy["scheduled"]
    if (("none" in cpu) && ("scheduled" in cpu))
      printf "| delta (10,000 − none) | %+.3f points | %+.1f MiB | %+.1f MiB (%.2f KiB per schedule) | – | – |\n", cpu["scheduled"] - cpu["none"], rss["scheduled"] - rss["none"], anon["scheduled"] - anon["none"], (anon["scheduled"] - anon["none"]) * 1024 / 10000
    if (idleruns != "") printf "| (info) counters of the 10,000 after the window (should be 0) | %s | – | – | – | – |\n", idleruns
    if ("n" in reg) {
      print ""
      print "| registering 10,000 schedules (same process) | mn | anchor | mn/anchor |"
      print "|---|---|---|---|"
      printf "| %s schedule() calls | %s ms (%.1f µs each) | – | – |\n", reg["n"], reg["schedule_calls_ms"], reg["schedule_calls_ms"] * 1000 / reg["n"]
      rr = reg["n"] / (reg["records_ms"] / 1000)
      printf "| records created by the first ticks (set_if_absent + get each) | all after %s ms: %.0f records/s | synced-write floor, 4 writers: %s writes/s | %.2f |\n", reg["records_ms"], rr, regfloor, rr / regfloor
      printf "| schedules() lists all | %s ms after the first schedule() call (one schedules() call over 10,000 records: %s ms) | – | – |\n", reg["visible_ms"], reg["schedules_call_ms"]
      printf "| process CPU from the first schedule() call until then | %s s | – | – |\n", reg["cpu_s"]
    }
    print ""
    print "== Schedules that all fire every 1 s on one embedded node (claim throughput)"
    print ""
    print "| schedules | runs/s of the window'"'"'s periods (demand) | capacity: runs started per s of drain (n ÷ p50 drain) | anchor: synced-write floor ÷ 3 writes per run | capacity/anchor | lateness p50 / p99 / max | anchor: timer thread p50 / p99 / max | mn/anchor p50 | never run / `missed` counters / run twice | started ≥ 1 s late | machine CPU busy |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nf; i++) {
      k = order[i]; cap = k / (fire[k, "drain_p50_us"] / 1e6); fl = fire[k, "floor"] / 3
      printf "| %s | %s/s (%s/s; per period %s–%s) | %.0f/s (drain p50 %s, max %s) | %.0f/s (%s writes/s) | %.2f | %s / %s / %s | %s / %s / %s | %s | %s of %d / %s / %s | %s of %s | %s%% |\n",
        k, fire[k, "runs_s"], fire[k, "demanded_s"], fire[k, "per_period_min"], fire[k, "per_period_max"],
        cap, ms(fire[k, "drain_p50_us"]), ms(fire[k, "drain_max_us"]), fl, fire[k, "floor"], cap / fl,
        ms(fire[k, "p50_us"]), ms(fire[k, "p99_us"]), ms(fire[k, "max_us"]),
        ms(fa[k, "p50_us"]), ms(fa[k, "p99_us"]), ms(fa[k, "max_us"]), ratio(fire[k, "p50_us"], fa[k, "p50_us"]),
        fire[k, "dropped"], k * fire[k, "periods"], fire[k, "missed"], fire[k, "dup"],
        fire[k, "late_over_period"], fire[k, "runs"], firebusy[k]
    }
  }' "$out"

# RESULT lines, for tools
echo
grep -E '^(RESULT|RUNS|SPLIT|MACHINE|COST|REGISTER|IDLERUNS|FIRE|FLOOR|MISSING|DUP)' "$out" | sed 's/^/  /' || true

fail=0
if [ "$rc" != 0 ]; then echo "schedule_run.sh: lateness driver failed (exit $rc; a period not run exactly once, or an error)" >&2; fail=1; fi
if [ "$node_rc" != 0 ]; then echo "schedule_run.sh: a serving node did not exit 0" >&2; fail=1; fi
if [ "$idle_rc" != 0 ]; then echo "schedule_run.sh: --idle-cost failed" >&2; fail=1; fi
if [ "$fire_rc" != 0 ]; then echo "schedule_run.sh: --fire failed" >&2; fail=1; fi
exit "$fail"
