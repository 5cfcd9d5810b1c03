#!/usr/bin/env bash
# The cluster benchmark against Redis, side by side in one run (BENCHMARKS.md,
# "Cluster vs Redis (issue 3)").
#
#   bash bench/cluster_run.sh            # full run: 100,000 keys, 3 s per side of each phase
#   bash bench/cluster_run.sh --quick    # smoke run: 10,000 keys, 0.5 s
#   MNODE_ARGS="--scheduler-policy sharing" bash bench/cluster_run.sh
#   MNODE_ARGS="--no-fast-path" bash bench/cluster_run.sh   # blocking calls over CAF (BASP)
#
# Environment:
#   MNODE_ARGS   extra options for both mnode processes (see build/apps/mnode --help)
#   CLIENT_ARGS  node options for the cluster_bench client (its CAF scheduler, heartbeat,
#                timeouts); defaults to MNODE_ARGS, so that both ends run the same CAF
#                settings (heartbeats must be on at both ends or at neither)
#   KEEP_WORK=1  keep build/cluster-bench-work (data, logs) after the run
#
# What it does: builds mnode and cluster_bench (Release, -j2); starts two mnode
# processes a and b on free loopback ports; picks a dict owned by b; starts
# redis-server on a free port. Every timed phase runs its two sides interleaved,
# mn, Redis, Redis, mn, each slice half the phase's time, and the table shows the
# mean of the two slices of each side (ops/s, p50, p99). The client
# (cluster_bench) talks to node a for the membership and to b, the owner,
# for every call, so each call crosses the network (loopback).
#   Redis without persistence (--save '' --appendonly no): get1, getN, incrN.
#   Redis with --appendonly yes --appendfsync always (restarted): set1, setN.
# Then a disk probe (cluster_bench --phase disk): raw LMDB synced commits of 1 and 50
# random puts vs appending as many Redis SET records + fdatasync, to show what one
# durable group commit costs on this disk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

keys=100000
secs=3
clients=50
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "cluster_run.sh: unknown argument '$arg' (only --quick)" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then
  keys=10000
  secs=0.5
fi
slice=$(awk -v s="$secs" 'BEGIN { printf "%.3f", s / 2 }')
MNODE_ARGS=${MNODE_ARGS:-}
CLIENT_ARGS=${CLIENT_ARGS-$MNODE_ARGS}

if [ -f scripts/install-deps.sh ]; then
  bash scripts/install-deps.sh
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C build -j2 mnode cluster_bench

work=$PWD/build/cluster-bench-work
mnode=build/apps/mnode
bench=build/bench/cluster_bench

# -- cleanup: every process started here is stopped, whatever happens -----------
pids=()
declare -A names # pid -> what it is, for messages
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do # up to 10 s each
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster_run.sh: ${names[$pid]:-pid $pid} did not stop within 10 s of SIGTERM, killing it" >&2
      if command -v gdb >/dev/null; then # keep its stacks (outside the work dir) for a bug report
        timeout 60 gdb -p "$pid" -batch -ex "thread apply all bt" >"build/cluster-bench-hang-$pid.txt" 2>&1 || true
        echo "cluster_run.sh: its threads' stacks are in build/cluster-bench-hang-$pid.txt" >&2
      fi
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] && [ -d "$work" ]; then
    for f in "$work"/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $f" >&2
      tail -n 20 "$f" >&2 || true
    done
  fi
  if [ "${KEEP_WORK:-0}" != 1 ]; then
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$work"
mkdir -p "$work"
results=$work/results.txt
: >"$results"

# -- free loopback ports -------------------------------------------------------------
# Asks the kernel for n distinct free ports (all bound at once, then released).
free_ports() {
  if command -v python3 >/dev/null; then
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
  else # random ports that nothing listens on
    local out=() p
    for _ in $(seq 1 200); do
      [ "${#out[@]}" -ge "$1" ] && break
      p=$((20000 + RANDOM % 40000))
      if ! ss -ltnH "sport = :$p" | grep -q . && [[ " ${out[*]} " != *" $p "* ]]; then
        out+=("$p")
      fi
    done
    echo "${out[@]}"
  fi
}
read -r port_a port_b port_r <<<"$(free_ports 3)"

# -- the cluster -----------------------------------------------------------------------
peers="--peer a=127.0.0.1:$port_a --peer b=127.0.0.1:$port_b"
start_mnode() { # name port
  # shellcheck disable=SC2086  # MNODE_ARGS is a list of words
  "$mnode" --name "$1" --listen "127.0.0.1:$2" --data-dir "$work/$1" $peers $MNODE_ARGS \
    >"$work/mnode-$1.log" 2>&1 &
  pids+=("$!")
  names[$!]="mnode $1 (pid $!)"
}
wait_for_line() { # file pattern pid what
  for _ in $(seq 1 300); do # up to 30 s
    if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then
      echo "cluster_run.sh: $4 exited before it was ready:" >&2
      cat "$1" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "cluster_run.sh: $4 not ready after 30 s" >&2
  return 1
}
start_mnode a "$port_a"
pid_a=${pids[-1]}
start_mnode b "$port_b"
pid_b=${pids[-1]}
wait_for_line "$work/mnode-a.log" "ready" "$pid_a" "mnode a"
wait_for_line "$work/mnode-b.log" "ready" "$pid_b" "mnode b"
cat "$work/mnode-a.log" "$work/mnode-b.log"

# shellcheck disable=SC2086
run_bench() { timeout 300 "$bench" --node "127.0.0.1:$port_a" $CLIENT_ARGS "$@"; }

dict=""
for i in $(seq 0 63); do
  if [ "$(run_bench --owner-of "bench$i")" = b ]; then
    dict="bench$i"
    break
  fi
done
if [ -z "$dict" ]; then
  echo "cluster_run.sh: no dict bench0..bench63 is owned by b" >&2
  exit 1
fi
echo "dict '$dict' is owned by b; the client talks to a for the membership, then to b"

# -- Redis -----------------------------------------------------------------------------
redis_pid=""
start_redis() { # name extra-args...
  local name=$1
  shift
  mkdir -p "$work/$name"
  redis-server --port "$port_r" --bind 127.0.0.1 --dir "$work/$name" --daemonize no \
    --logfile "$work/$name.log" "$@" &
  redis_pid=$!
  pids+=("$redis_pid")
  names[$redis_pid]="redis-server $name (pid $redis_pid)"
  rps_seen=() # slice sizes are per server
  for _ in $(seq 1 100); do # up to 10 s
    if redis-cli -p "$port_r" ping 2>/dev/null | grep -q PONG; then break; fi
    sleep 0.1
  done
  redis-cli -p "$port_r" ping | grep -q PONG
  # The same data as the dict: keys key:%012d (redis-benchmark -r's keys), 100-byte values.
  awk -v n="$keys" 'BEGIN {
    v = sprintf("%0100d", 0); gsub(/0/, "x", v)
    for (i = 0; i < n; i++) {
      k = sprintf("key:%012d", i)
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n", length(k), k, v
    }
  }' | timeout 120 redis-cli -p "$port_r" --pipe >/dev/null
  echo "redis-server ($name, port $port_r, $(redis-server --version | awk '{print $3}')): $(redis-cli -p "$port_r" dbsize) keys"
}
stop_redis() {
  redis-cli -p "$port_r" shutdown nosave >/dev/null 2>&1 || kill -TERM "$redis_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$redis_pid" 2>/dev/null || true
  local keep=()
  for p in "${pids[@]}"; do [ "$p" = "$redis_pid" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# -- one slice of each side --------------------------------------------------------------
# Records lines "SIDE PHASE ops_s p50_us p99_us" in $results.
declare -A rps_seen # last measured rps of each Redis test, to size the next slice
redis_slice() { # phase test clients seconds
  local phase=$1 test=$2 c=$3 s=$4 key=$2/$3 n rps extra=()
  [ "$test" = incr ] || extra=(-d 100 -r "$keys") # INCR: one hot key (counter:__rand_int__)
  if [ -z "${rps_seen[$key]:-}" ]; then # calibrate (also warms up)
    n=$((c == 1 ? 500 : 5000))
    rps=$(timeout 120 redis-benchmark -p "$port_r" -t "$test" -n "$n" -c "$c" "${extra[@]}" --csv |
      awk -F'"' 'NR == 2 { print $4 }')
    rps_seen[$key]=$rps
  fi
  n=$(awk -v r="${rps_seen[$key]}" -v s="$s" 'BEGIN { n = int(r * s); print (n < 200 ? 200 : n) }')
  local line
  line=$(timeout 300 redis-benchmark -p "$port_r" -t "$test" -n "$n" -c "$c" "${extra[@]}" --csv |
    awk -F'"' 'NR == 2 { printf "%s %.1f %.1f", $4, $10 * 1000, $14 * 1000 }')
  [ -n "$line" ] || { echo "cluster_run.sh: redis-benchmark gave no result" >&2; return 1; }
  rps_seen[$key]=${line%% *}
  echo "redis $phase $line" >>"$results"
  printf '  redis  %-16s %2d client%s: %9.0f ops/s  p50 %7.1f us  p99 %7.1f us  (n=%d)\n' \
    "$test" "$c" "$([ "$c" = 1 ] && echo " " || echo s)" $line "$n"
}
incr_failed=0
mn_slice() { # phase seconds
  local out rc=0
  out=$(run_bench --dict "$dict" --keys "$keys" --clients "$clients" --phase "$1" \
    --seconds "$2") || rc=$?
  echo "$out" | sed -n '/^#/d; /^RESULT/d; s/^/  mn     /p'
  if [ "$rc" = 3 ]; then
    incr_failed=1
  elif [ "$rc" != 0 ]; then
    echo "cluster_run.sh: cluster_bench --phase $1 failed (exit $rc)" >&2
    return 1
  fi
  echo "$out" | awk -v ph="$1" '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      print "mn", ph, f["ops_s"], f["p50_us"], f["p99_us"], f["batch"] }' >>"$results"
}
interleaved() { # phase redis-test redis-clients
  echo "$1 (interleaved: mn, Redis, Redis, mn; $slice s each)"
  mn_slice "$1" "$slice"
  redis_slice "$1" "$2" "$3" "$slice"
  redis_slice "$1" "$2" "$3" "$slice"
  mn_slice "$1" "$slice"
}

echo
echo "== CAF settings in force"
echo "  mnode a, b: defaults (scheduler.policy=stealing, scheduler.max-threads=$(nproc) = cores, heartbeat 500 ms) + MNODE_ARGS='$MNODE_ARGS'"
echo "  client:     the same defaults + CLIENT_ARGS='$CLIENT_ARGS'"
echo "  machine:    $(nproc) cores, $(uname -r)"
echo "  tree:       $(git describe --always --dirty 2>/dev/null || echo unknown), $(git status --short 2>/dev/null | wc -l) files changed since"
echo
echo "== preload: $keys keys, 16-byte keys, 100-byte values"
start_redis redis-plain --save '' --appendonly no
run_bench --dict "$dict" --keys "$keys" --phase preload | sed 's/^/  mn     /'

echo
echo "== Redis without persistence"
interleaved get1 get 1
interleaved getN get "$clients"
interleaved incrN incr "$clients"
echo "info: non-durable SET (not an anchor for the durable mn sets)"
redis_slice set1-nopersist set 1 "$secs"
redis_slice setN-nopersist set "$clients" "$secs"
stop_redis

echo
echo "== Redis with appendonly yes, appendfsync always (restarted)"
start_redis redis-aof --save '' --appendonly yes --appendfsync always
interleaved set1 set 1
interleaved setN set "$clients"
echo "info: durable INCR, hot key"
redis_slice incrN-durable incr "$clients" "$secs"
stop_redis

echo
echo "== what one durable group commit costs on this disk (raw LMDB vs append + fdatasync, no network)"
timeout 300 "$bench" --phase disk --dir "$work/disk" --keys "$keys" --clients "$clients" \
  --seconds "$secs" | tee "$work/disk.txt" | sed -n '/^RESULT/d; s/^/  /p'
awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
  print "disk", f["phase"] "-" f["batch"], f["puts_s"], f["p50_us"], f["p99_us"] }' \
  "$work/disk.txt" >>"$results"

# -- the table --------------------------------------------------------------------------------
echo
echo "== Cluster vs Redis: mean of the two slices of each side (mnode args: '${MNODE_ARGS:-defaults}')"
awk -v clients="$clients" '
  { n[$1 " " $2]++; k = $1 " " $2
    ops[k] += $3; p50[k] += $4; p99[k] += $5; if ($6 != "") { batch[k] += $6; nb[k]++ } }
  function avg(a, k) { return n[k] ? a[k] / n[k] : 0 }
  function rate(x) { return x >= 1000 ? sprintf("%.1fk", x / 1000) : sprintf("%.0f", x) }
  function us(x) { return x >= 1000 ? sprintf("%.2f ms", x / 1000) : sprintf("%.0f µs", x) }
  function row(ph, rph, anchor, goal, kind,    m, r, ratio, lat, met, extra) {
    m = "mn " ph; r = "redis " rph
    if (!n[m] || !n[r]) return
    ratio = avg(ops, m) / avg(ops, r)
    lat = avg(p50, m) / avg(p50, r)
    if (kind == "p50x2") { met = lat <= 2 ? "**met**" : "**missed**"; rt = sprintf("p50 %.1fx (ops %.2f)", lat, ratio) }
    else if (kind == "ops50") { met = ratio >= 0.5 ? "**met**" : "**missed**"; rt = sprintf("%.2f", ratio) }
    else if (kind == "ops100") { met = ratio >= 1 ? "**met**" : "**missed**"; rt = sprintf("%.2f", ratio) }
    else { met = "–"; rt = sprintf("%.2f", ratio) }
    extra = nb[m] ? sprintf(" (batch %.1f)", batch[m] / nb[m]) : ""
    printf "| %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", ph, rate(avg(ops, m)), extra,
      us(avg(p50, m)), us(avg(p99, m)), anchor, rate(avg(ops, r)), us(avg(p50, r)), us(avg(p99, r)),
      rt, goal, met
  }
  END {
    print "| phase | mn ops/s | mn p50 | mn p99 | Redis anchor | Redis ops/s | Redis p50 | Redis p99 | ratio mn/Redis | goal | met? |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    row("get1", "get1", "GET, 1 client", "p50 ≤ 2x Redis", "p50x2")
    row("getN", "getN", "GET, " clients " clients", "ops ≥ 0.5x Redis", "ops50")
    row("set1", "set1", "SET, 1 client, appendfsync always", "(info)", "info")
    row("setN", "setN", "SET, " clients " clients, appendfsync always", "ops ≥ 1x Redis", "ops100")
    row("incrN", "incrN", "INCR, " clients " clients, no persistence", "(info)", "info")
    row("incrN", "incrN-durable", "INCR, " clients " clients, appendfsync always (1 slice)", "(info)", "info")
    row("set1", "set1-nopersist", "SET, 1 client, no persistence (1 slice)", "(info)", "info")
    row("setN", "setN-nopersist", "SET, " clients " clients, no persistence (1 slice)", "(info)", "info")
    for (b = 1; b <= clients; b += clients - 1) {
      l = "disk disk-lmdb-" b; a = "disk disk-aof-" b
      if (n[l] && n[a])
        printf "| disk, %d put%s/commit | raw LMDB %s puts/s | %s | %s | append + fdatasync | %s puts/s | %s | %s | %.2f | (info: commit p50) | – |\n",
          b, b == 1 ? "" : "s", rate(avg(ops, l)), us(avg(p50, l)), us(avg(p99, l)),
          rate(avg(ops, a)), us(avg(p50, a)), us(avg(p99, a)), avg(ops, l) / avg(ops, a)
      if (clients == 1) break
    }
  }' "$results"
if [ "$incr_failed" = 1 ]; then
  echo "cluster_run.sh: incrN check FAILED: the hot key does not hold the acknowledged increments" >&2
  exit 3
fi
