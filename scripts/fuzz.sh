#!/usr/bin/env bash
# Fuzzes every reader of cspot (issue 14) for a bounded time, on the stable toolchain.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# The targets live in fuzz/ (a crate of its own, outside cspot's workspace, with its own
# Cargo.lock and target directory): cspm, cspm_eval, otlp_json, otlp_jsonl, otlp_protobuf, otlp_zstd,
# jaeger, zipkin, phi_model, bsp_config. Each calls one reader of the library on arbitrary bytes
# (fuzz/src/readers.rs). They are built by cargo-fuzz with `-s none`: libFuzzer and
# SanitizerCoverage (`-Cpasses=sancov-module` and `-Cllvm-args=-sanitizer-coverage-*`, stable
# codegen options), no sanitizer (those need nightly's -Z flags), debug assertions on, so an
# integer overflow is a crash too.
#
# Each target's corpus (fuzz/corpus/TARGET, kept between runs, not committed) is seeded from the
# repository's test inputs and from tests/data/hostile/TARGET (the crashes found before). Targets
# run one after the other, each in libFuzzer's fork mode with one job, which goes on after a
# crash; every crash, out-of-memory (past FUZZ_RSS_MB, default 2048) and timeout (one input
# running past FUZZ_TIMEOUT seconds, default 10) is saved under fuzz/artifacts/TARGET/.
# Prints one line per target (executions, seconds, crashes, ooms, timeouts) and exits 1 when
# any target crashed, ran out of memory or timed out. A saved input replays with
#   fuzz/target/<host>/release/TARGET fuzz/artifacts/TARGET/crash-...
# and shrinks with `cargo fuzz tmin -s none TARGET FILE` (run in fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

secs=${1:-60}
shift || true
all=(cspm cspm_eval otlp_json otlp_jsonl otlp_protobuf otlp_zstd jaeger zipkin phi_model bsp_config)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
rss=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install --locked cargo-fuzz --version 0.13.2
fi
host=$(rustc -vV | sed -n 's/^host: //p')
(cd fuzz && cargo fuzz build -s none 2>&1 | tail -3) >&2 ||
  { echo "fuzz build failed" >&2; exit 2; }
bin=$root/fuzz/target/$host/release

# ----- seeds: the repository's own test inputs, by reader -----
seed() { # seed TARGET FILE...
  local dir=$root/fuzz/corpus/$1 f
  shift
  mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] && cp -f "$f" "$dir/seed-${f//\//_}"
  done
  return 0
}
otlp_docs() { # OTLP/JSON documents (not Jaeger, not Zipkin)
  find fixtures/otlp tests/data/reports fixtures/phi -name '*.json' \
    ! -name 'jaeger-*' ! -name 'zipkin-*' | sort
}
seed_all() {
  seed cspm $(find tests/data specs examples benches -name '*.csp' | sort)
  seed cspm_eval $(find tests/data/check specs -name '*.csp' | sort)
  seed otlp_json $(otlp_docs)
  seed otlp_jsonl $(find fixtures tests/data -name '*.jsonl' | sort)
  # One-line forms of the documents, two per file: JSON Lines.
  local f dir=$root/fuzz/corpus/otlp_jsonl
  for f in $(otlp_docs); do
    { tr -d '\r\n' <"$f"; echo; tr -d '\r\n' <"$f"; echo; } >"$dir/lines-${f//\//_}l"
  done
  seed otlp_protobuf $(find fixtures -name '*.pb' | sort)
  seed otlp_zstd $(find fixtures -name '*.zst' -o -name '*.bin' | sort) \
    $(find fixtures/otlp -name '*.pb' -o -name '*.jsonl' | sort) fixtures/otlp/good-otlp.json
  seed jaeger $(find fixtures -name 'jaeger-*.json' | sort)
  seed zipkin $(find fixtures -name 'zipkin-*.json' | sort)
  seed phi_model $(find models/phi tests/data -path '*phi*' -name '*.toml' | sort)
  seed bsp_config $(find models/bsp tests/data -path '*bsp*' -name '*.toml' | sort)
  local t
  for t in "${all[@]}"; do
    [ -d "tests/data/hostile/$t" ] && seed "$t" $(find "tests/data/hostile/$t" -type f | sort)
  done
  return 0
}
seed_all

# ----- runs -----
failed=0
printf '%-14s %12s %6s %7s %5s %8s\n' target executions secs crashes ooms timeouts
for t in "${targets[@]}"; do
  [ -x "$bin/$t" ] || { echo "no target $t" >&2; exit 2; }
  art=$root/fuzz/artifacts/$t
  mkdir -p "$art" "$root/fuzz/corpus/$t"
  log=$art/last-run.log
  before=$(find "$art" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l)
  start=$(date +%s)
  # Fork mode with one job: libFuzzer restarts its worker after a crash instead of stopping.
  "$bin/$t" "$root/fuzz/corpus/$t" -fork=1 -ignore_crashes=1 -ignore_ooms=1 \
    -ignore_timeouts=1 -max_total_time="$secs" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" \
    -timeout="$timeout" -artifact_prefix="$art/" -print_final_stats=1 >"$log" 2>&1 || true
  took=$(($(date +%s) - start))
  # Progress lines: "#EXECS: cov: .. oom/timeout/crash: O/T/C time: ..".
  last=$(grep -E '^#[0-9]+:.*oom/timeout/crash' "$log" | tail -1 || true)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  otc=$(sed -E 's#.*oom/timeout/crash: ([0-9]+/[0-9]+/[0-9]+).*#\1#' <<<"$last")
  IFS=/ read -r ooms timeouts crashes <<<"${otc:-0/0/0}"
  after=$(find "$art" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l)
  printf '%-14s %12s %6s %7s %5s %8s\n' "$t" "${execs:-0}" "$took" "${crashes:-0}" \
    "${ooms:-0}" "${timeouts:-0}"
  if [ "${crashes:-0}" != 0 ] || [ "${ooms:-0}" != 0 ] || [ "${timeouts:-0}" != 0 ] ||
    [ "$after" -gt "$before" ]; then
    failed=1
    echo "  $t: $((after - before)) new input(s) in fuzz/artifacts/$t (log: $log)"
  fi
done
exit $failed
