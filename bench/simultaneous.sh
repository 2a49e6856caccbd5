#!/usr/bin/env bash
# Two servers loaded at the same moment, one plain redis-benchmark each, so both see the same
# machine: on a shared box whose speed drifts by 20-40% between runs a minute apart, runs taken
# one after another cannot resolve a 10% difference, while two runs taken side by side can (both
# pay the same drift). Both benchmarks and both servers share the 2 cores, so the absolute rates
# are a contended machine's, not a user's: use it for A/B questions (this build against that one,
# Spindle's CPU per request against Redis's), and bench/suite.ts for the user's view.
#
#   bench/simultaneous.sh "<redis-benchmark args>" <rounds> <portA> <portB>
#   e.g. bench/simultaneous.sh "-t set,get -n 200000 -c 50" 3 7001 7002
#
# Prints per round each server's rates and the CPU ticks (user+system, 1 tick = 10 ms, from
# /proc/<pid>/stat) it used during the round. The servers must already listen on the ports.
set -euo pipefail
args="$1"; rounds=$2; A=$3; B=$4
pid_of_port() { ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
rates() { redis-benchmark -p "$1" $args -q 2>/dev/null | tr '\r' '\n' | grep 'per second' | awk '{print $1, $2}' | tr '\n' ' '; }
pa=$(pid_of_port "$A"); pb=$(pid_of_port "$B")
outA=$(mktemp); outB=$(mktemp)
trap 'rm -f "$outA" "$outB"' EXIT
for r in $(seq "$rounds"); do
  read -r ua sa < <(ticks "$pa"); read -r ub sb < <(ticks "$pb")
  rates "$A" > "$outA" &
  rates "$B" > "$outB" &
  wait
  read -r ua2 sa2 < <(ticks "$pa"); read -r ub2 sb2 < <(ticks "$pb")
  echo "round $r  A:$A $(cat "$outA") cpu=$((ua2 - ua))+$((sa2 - sa))  |  B:$B $(cat "$outB") cpu=$((ub2 - ub))+$((sb2 - sb))"
done
