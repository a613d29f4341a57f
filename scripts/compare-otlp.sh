#!/usr/bin/env bash
# Captured traces, side by side in one run: `cspot traces check` on a generated dump of
# SPANS spans (JSON Lines and the file exporter's length-prefixed protobuf), and the
# opentelemetry-proto crate's serde decoding alone of the same JSON Lines.
# Prints CPU seconds (user + sys), spans per CPU-second, peak RSS and bytes per span, and the
# ratio of cspot's end-to-end JSON time to the peer's decode time.
#
#   scripts/compare-otlp.sh [SPANS]        (default 1000000; needs /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
SPANS=${1:-1000000}
DIR=${TMPDIR:-/tmp}/cspot-compare-otlp
mkdir -p "$DIR"
cargo build --release --quiet --bin cspot --example gen_dump --example otel_decode
BIN=target/release
[ -s "$DIR/dump-$SPANS.jsonl" ] || "$BIN/examples/gen_dump" synth jsonl "$SPANS" "$DIR/dump-$SPANS.jsonl"
[ -s "$DIR/dump-$SPANS.pb" ] || "$BIN/examples/gen_dump" synth pb "$SPANS" "$DIR/dump-$SPANS.pb"

# Runs a command under /usr/bin/time -v; prints "cpu_seconds max_rss_kb".
measure() {
  /usr/bin/time -v "$@" > "$DIR/out.txt" 2> "$DIR/time.txt" || true
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2}
              END {printf "%.3f %d\n", u+s, m}' "$DIR/time.txt"
}

report() { # name cpu rss spans
  awk -v n="$1" -v c="$2" -v r="$3" -v s="$4" 'BEGIN {
    printf "%-44s %8.3f s CPU %12.0f spans/s %8.1f MiB %7.1f B/span\n", n, c, s / c, r / 1024, r * 1024 / s }'
}

printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
read -r oc or < <(measure "$BIN/examples/otel_decode" "$DIR/dump-$SPANS.jsonl")
SPANS_READ=$(cut -d' ' -f1 "$DIR/out.txt")
read -r jc jr < <(measure "$BIN/cspot" traces check -j1 "$DIR/dump-$SPANS.jsonl")
grep -q "^$SPANS_READ spans in" "$DIR/out.txt" || { echo "cspot read a different number of spans" >&2; exit 1; }
read -r pc pr < <(measure "$BIN/cspot" traces check -j1 "$DIR/dump-$SPANS.pb")
grep -q "^$SPANS_READ spans in" "$DIR/out.txt" || { echo "cspot read a different number of spans" >&2; exit 1; }
report "cspot traces check (JSON Lines)" "$jc" "$jr" "$SPANS_READ"
report "cspot traces check (protobuf stream)" "$pc" "$pr" "$SPANS_READ"
report "opentelemetry-proto serde decode (JSON Lines)" "$oc" "$or" "$SPANS_READ"
awk -v a="$oc" -v b="$jc" 'BEGIN { printf "ratio: opentelemetry-proto decode alone takes %.2fx the CPU time of cspot check end to end\n", a / b }'
