#!/usr/bin/env bash
# Throughput of `cspot traces listen` on one core: TRACES synthesised checkout traces (about
# 6 spans each) sent by examples/otlp_load in requests of 512 spans over loopback, received,
# assembled, saved nowhere and checked (Φ against models/phi/checkout.toml, and the rules
# without a model). The receiver is pinned to CPU 0 and the load generator to CPU 1 (when
# taskset exists). Each figure is the median of RUNS runs:
#   - spans per CPU-second of the receiver (user + sys: receiving, decoding, assembling,
#     re-reading and verifying every trace, from start to the report),
#   - spans/s the load generator saw acknowledged (wall),
#   - peak RSS.
# Then memory per buffered span: the same load into a receiver that completes nothing
# (--trace-idle 1h), VmRSS after minus before, divided by the spans.
#
#   scripts/listen-bench.sh [TRACES] [RUNS]     (defaults 20000 and 3; needs /usr/bin/time;
#                                                LIMIT=seconds bounds each process, default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
TRACES=${1:-20000}
RUNS=${2:-3}
# Every receiver and load generator is bounded in time (seconds) as well as in count.
LIMIT=${LIMIT:-300}
DIR=${TMPDIR:-/tmp}/cspot-listen-bench
mkdir -p "$DIR"
cargo build --release --quiet --bin cspot --example otlp_load
BIN=target/release/cspot
LOAD=target/release/examples/otlp_load
DUMP="$DIR/checkout-$TRACES.jsonl"
[ -s "$DUMP" ] || "$BIN" traces synth --model models/phi/checkout.toml --count "$TRACES" --seed 1 --jsonl -o "$DUMP"
PIN0=() PIN1=()
if command -v taskset >/dev/null; then PIN0=(taskset -c 0) PIN1=(taskset -c 1); fi

# Starts the receiver with "$@" in the background; sets PID and PORT_GRPC / PORT_HTTP.
start() {
  rm -f "$DIR/err.txt" "$DIR/time.txt"
  "${PIN0[@]}" /usr/bin/time -o "$DIR/time.txt" -f "%e %U %S %M" \
    timeout "$LIMIT" "$BIN" traces listen --grpc 127.0.0.1:0 --http 127.0.0.1:0 --quiet "$@" \
    > "$DIR/out.txt" 2> "$DIR/err.txt" &
  PID=$!
  for _ in $(seq 200); do grep -q '^listening:' "$DIR/err.txt" 2>/dev/null && break; sleep 0.05; done
  PORT_GRPC=$(grep -o 'OTLP/gRPC on [0-9.:]*' "$DIR/err.txt" | sed 's/.*://')
  PORT_HTTP=$(grep -o 'OTLP/HTTP on [0-9.:]*' "$DIR/err.txt" | sed 's/.*://')
}

send() { # transport
  if [ "$1" = grpc ]; then
    "${PIN1[@]}" timeout "$LIMIT" "$LOAD" "$DUMP" --grpc "http://127.0.0.1:$PORT_GRPC"
  else
    "${PIN1[@]}" timeout "$LIMIT" "$LOAD" "$DUMP" --http "127.0.0.1:$PORT_HTTP"
  fi
}

# One run: "cpu_s load_spans_per_s rss_kb spans"
one() { # transport model-args...
  local transport=$1; shift
  start --trace-idle 0 --count "$TRACES" "$@"
  local sent; sent=$(send "$transport")
  wait "$PID" || true
  local spans; spans=$(echo "$sent" | awk '{print $2}')
  local rate; rate=$(echo "$sent" | sed 's/.*(\([0-9]*\) spans\/s).*/\1/')
  awk -v s="$spans" -v r="$rate" '{printf "%.3f %d %d %d\n", $2 + $3, r, $4, s}' "$DIR/time.txt"
}

row() { # name transport model-args...
  local name=$1 transport=$2; shift 2
  for _ in $(seq "$RUNS"); do one "$transport" "$@"; done | sort -n -k1 |
    awk -v n="$RUNS" -v name="$name" 'NR == int((n + 1) / 2) {
      printf "%-26s %8d spans  %7.3f CPU-s  %8.0f spans/CPU-s  %8d spans/s acked  %6.0f MiB peak\n",
        name, $4, $1, $4 / $1, $2, $3 / 1024 }'
}

echo "cspot traces listen, $TRACES checkout traces, median of $RUNS runs (nproc $(nproc))"
row "gRPC, Φ (--model)" grpc --model models/phi/checkout.toml
row "HTTP/protobuf, Φ (--model)" http --model models/phi/checkout.toml
row "gRPC, rules" grpc
row "HTTP/protobuf, rules" http

# Memory per buffered span.
start --trace-idle 1h --max-spans 100000000 --max-traces 10000000 --allow-empty
# The cspot process under time and timeout.
CHILD=$PID
for _ in 1 2 3; do
  [ "$(cat "/proc/$CHILD/comm")" = cspot ] && break
  CHILD=$(pgrep -P "$CHILD" | head -1)
done
before=$(awk '/VmRSS/ {print $2}' "/proc/$CHILD/status")
sent=$(send grpc)
sleep 0.5
after=$(awk '/VmRSS/ {print $2}' "/proc/$CHILD/status")
spans=$(echo "$sent" | awk '{print $2}')
kill -TERM "$CHILD"; wait "$PID" || true
awk -v b="$before" -v a="$after" -v s="$spans" 'BEGIN {
  printf "buffered: %d spans, VmRSS %d -> %d KiB: %.0f bytes per buffered span\n", s, b, a, (a - b) * 1024 / s }'
