#!/usr/bin/env bash
# Two Spindle source trees side by side (say a base commit's worktree and HEAD): both servers run
# at once, and `redis-benchmark` loads them alternately, so drift on a shared machine hits both.
# Prints each run's rps and the server's CPU time per request (/proc utime+stime, all threads),
# which is steadier than rps.
#
#   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
#   bench/compare-trees.sh /tmp/base . set,get,incr,mset 16 1000000 5
set -euo pipefail
A_ROOT=${1:?tree A}; B_ROOT=${2:?tree B}; TESTS=${3:-set,get,incr,mset}; P=${4:-16}
NREQ=${5:-1000000}; RUNS=${6:-5}
NODE="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/node"
NT=$(tr ',' '\n' <<< "$TESTS" | wc -l)
TICK=$(getconf CLK_TCK)
"$NODE" "$A_ROOT/src/main.ts" --port 7701 --save '' --appendonly no >/dev/null 2>&1 & A=$!
"$NODE" "$B_ROOT/src/main.ts" --port 7702 --save '' --appendonly no >/dev/null 2>&1 & B=$!
trap 'kill $A $B 2>/dev/null' EXIT
sleep 2
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for r in $(seq "$RUNS"); do
  for side in "A $A 7701" "B $B 7702"; do
    read -r name pid port <<< "$side"
    t0=$(ticks "$pid")
    rps=$(redis-benchmark -p "$port" -t "$TESTS" -n "$NREQ" -c 50 -P "$P" --csv -q | tail -n +2 | cut -d, -f2 | tr -d '"' | tr '\n' ' ')
    t1=$(ticks "$pid")
    us=$(echo "scale=3; ($t1 - $t0) * 1000000 / $TICK / ($NREQ * $NT)" | bc)
    echo "$name run $r  rps: $rps  CPU us/req: $us"
  done
done
