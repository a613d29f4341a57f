#!/usr/bin/env bash
# How the one engine scales with --jobs (issue 13): the left-handed dining philosophers
# (benches/spin/phils.csp, assertion 2, deadlock free) at N = 9 and 10, `cspot check` at
# --jobs 1 and 2. For each: the median over RUNS runs of CPU seconds (user + sys, from
# /usr/bin/time) and wall seconds, the CPU ratio jobs-2 / jobs-1 (printed always: CPU time
# stays meaningful on a loaded machine), and the wall speed-up jobs-1 / jobs-2, printed only
# when the machine was idle before the runs (1-minute load average below IDLE_LOAD, default
# 0.3) because on a shared machine another process takes the second core.
#
#   scripts/scaling.sh [RUNS] [SIZES...]       (defaults 3, and 9 10; needs /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
SIZES=${*:-9 10}
IDLE_LOAD=${IDLE_LOAD:-0.3}
cargo build --release --quiet --bin cspot
BIN=$PWD/target/release/cspot
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load=$(cut -d' ' -f1 /proc/loadavg)
idle=$(awk -v l="$load" -v m="$IDLE_LOAD" 'BEGIN { print (l < m) ? 1 : 0 }')
echo "load average before the runs: $load ($( [ "$idle" = 1 ] && echo idle || echo "busy: wall speed-up not measured" )), nproc $(nproc)"
printf '%-10s %12s | %9s %9s | %9s %9s | %9s %9s\n' system states "j1 cpu" "j1 wall" "j2 cpu" "j2 wall" "cpu j2/j1" "speed-up"

# median "cpu wall states" of RUNS runs of one configuration
measure() { # spec jobs
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$work/time.txt" -f "%U %S %e" \
      "$BIN" check "$1" --assert 2 --jobs "$2" --format json -q --no-timings > "$work/out.json" || true
    states=$(grep -o '"states": [0-9]*' "$work/out.json" | head -1 | grep -o '[0-9]*')
    awk -v s="$states" '{ printf "%.3f %.3f %d\n", $1 + $2, $3, s }' "$work/time.txt"
  done | sort -n -k1 | awk -v n="$RUNS" 'NR == int((n + 1) / 2)'
}

for n in $SIZES; do
  sed "s/^N = 5$/N = $n/" benches/spin/phils.csp > "$work/phils$n.csp"
  read -r c1 w1 s1 <<< "$(measure "$work/phils$n.csp" 1)"
  read -r c2 w2 s2 <<< "$(measure "$work/phils$n.csp" 2)"
  [ "$s1" = "$s2" ] || echo "warning: jobs 1 found $s1 states, jobs 2 $s2" >&2
  ratio=$(awk -v a="$c2" -v b="$c1" 'BEGIN { printf "%.2f", a / b }')
  speed=$(awk -v a="$w1" -v b="$w2" -v i="$idle" 'BEGIN { if (i == 1) printf "%.2f", a / b; else printf "-" }')
  printf '%-10s %12d | %9.2f %9.2f | %9.2f %9.2f | %9s %9s\n' "lefty $n" "$s1" "$c1" "$w1" "$c2" "$w2" "$ratio" "$speed"
done
