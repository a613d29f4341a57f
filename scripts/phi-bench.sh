#!/usr/bin/env bash
# Φ throughput and the partial-order reduction, measured end to end through the CLI:
#  1. `traces verify` of TRACES synthesised checkout traces (about 50 spans each) on one job,
#     beside `traces check` of the same dump (reading, assembling and the structure rules), so
#     that the search's own share shows;
#  2. the 30-worker fan-out captured from the real Python SDK (conforming), and a 27-worker
#     batch with one worker lost (violating), with and without the reduction.
# Each figure is the median of RUNS runs: wall seconds, CPU seconds (user + sys), peak RSS.
#
#   scripts/phi-bench.sh [TRACES] [RUNS]     (defaults 10000 and 3; needs /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
TRACES=${1:-10000}
RUNS=${2:-3}
DIR=${TMPDIR:-/tmp}/cspot-phi-bench
mkdir -p "$DIR"
cargo build --release --quiet --bin cspot
BIN=target/release/cspot
DUMP="$DIR/checkout-$TRACES.json"
[ -s "$DUMP" ] || "$BIN" traces synth --model models/phi/checkout.toml --count "$TRACES" --seed 1 -o "$DUMP"

# median of RUNS runs of a command: "wall cpu rss_kb"
measure() {
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" "$@" > /dev/null 2> "$DIR/time.txt" || true
    tail -1 "$DIR/time.txt" | awk '{printf "%.3f %.3f %d\n", $1, $2 + $3, $4}'
  done | sort -n -k2 | awk -v n="$RUNS" 'NR == int((n + 1) / 2)'
}

row() { # name "wall cpu rss" count unit
  echo "$2" | awk -v name="$1" -v n="$3" -v unit="$4" '{
    rate = ($2 > 0) ? sprintf("%9.0f %s/CPU-s", n / $2, unit) : sprintf("%9s %s/CPU-s", "-", unit);
    printf "%-46s %7.3f s wall %7.3f s CPU %s %8.1f MiB\n", name, $1, $2, rate, $3 / 1024 }'
}

echo "checkout dump: $TRACES traces ($DUMP)"
V=$(measure "$BIN" traces verify "$DUMP" --model models/phi/checkout.toml -j1 --no-timings --format json)
V2=$(measure "$BIN" traces verify "$DUMP" --model models/phi/checkout.toml -j2 --no-timings --format json)
row "traces verify, end to end, one job" "$V" "$TRACES" traces
row "traces verify, end to end, two jobs" "$V2" "$TRACES" traces
echo "(the search alone, without reading and rendering: cargo bench --bench phi)"

echo
echo "fan-out (pipeline model)"
F=fixtures/phi/pipeline/captured-ok-30.json
B=fixtures/phi/pipeline/synth-bad-worker-new-root.json
row "30 workers, conforming, reduction" "$(measure "$BIN" traces verify $F --model models/phi/pipeline.toml -j1)" 1 traces
row "27 workers, one lost, reduction" "$(measure "$BIN" traces verify $B --model models/phi/pipeline.toml -j1)" 2 traces
row "27 workers, one lost, no reduction (1M states)" "$(measure "$BIN" traces verify $B --model models/phi/pipeline.toml -j1 --no-reduction --max-states 1000000)" 2 traces
