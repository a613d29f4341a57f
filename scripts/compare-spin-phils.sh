#!/usr/bin/env bash
# The exhaustive deadlock check of the dining philosophers, cspot against SPIN, in one run.
#
#   scripts/compare-spin-phils.sh [butler|lefty] [SIZES...]     (default: butler 5 6 7 8 9)
#
# cspot checks benches/spin/phils.csp (`cspot check --assert 1|2`, with 1 and 2 jobs); SPIN
# checks benches/spin/phils.pml, the same system in Promela (`spin -a`, `gcc -O2 -DSAFETY`,
# `./pan`), once depth-first (SPIN's default, with partial-order reduction) and once
# breadth-first (-DBFS). Times are wall-clock seconds of the search: cspot's whole run (parse,
# compile, explore) against pan's own "elapsed time" (compilation of pan.c not counted).
# The ratio is SPIN's best time over cspot's best time (> 1: cspot is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
variant="${1:-butler}"
shift || true
sizes="${*:-5 6 7 8 9}"
case "$variant" in
  butler) assert=1; define=-DBUTLER ;;
  lefty) assert=2; define=-DLEFTY ;;
  *) echo "usage: $0 [butler|lefty] [SIZES...]" >&2; exit 2 ;;
esac
command -v spin > /dev/null || { echo "spin not found: apt-get install -y spin" >&2; exit 2; }
cargo build --release --quiet --bin cspot
cspot="$PWD/target/release/cspot"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
printf '%-7s %3s | %10s %8s %8s | %10s %8s %10s %8s | %7s\n' variant N states "cspot-j1" "cspot-j2" \
  "spin-dfs" "seconds" "spin-bfs" "seconds" "ratio"
for n in $sizes; do
  sed "s/^N = 5$/N = $n/" benches/spin/phils.csp > "$work/phils.csp"
  times=()
  states=0
  for jobs in 1 2; do
    t0=$(now)
    "$cspot" check "$work/phils.csp" --assert "$assert" --jobs "$jobs" --format json -q \
      --no-timings > "$work/out.json"
    t1=$(now)
    times+=("$(echo "$t1 - $t0" | bc -l)")
    states=$(grep -o '"states": [0-9]*' "$work/out.json" | head -1 | grep -o '[0-9]*')
    grep -q '"verdict": "holds"' "$work/out.json" || { echo "cspot: not deadlock free?" >&2; exit 1; }
  done
  cp benches/spin/phils.pml "$work/"
  spin_run() {
    (cd "$work" && spin -a "-DN=$n" $define phils.pml > /dev/null \
      && gcc -O2 -DSAFETY $1 -o pan pan.c 2> /dev/null \
      && ./pan -m100000000 -w26 2>&1) > "$work/pan.txt"
    grep -q 'errors: 0' "$work/pan.txt" || { echo "spin: errors" >&2; cat "$work/pan.txt" >&2; exit 1; }
    local st el
    st=$(grep 'states, stored' "$work/pan.txt" | head -1 | awk '{print $1}')
    el=$(grep 'elapsed time' "$work/pan.txt" | awk '{print $4}')
    echo "$st $el"
  }
  read -r dfs_states dfs_secs < <(spin_run "")
  read -r bfs_states bfs_secs < <(spin_run "-DBFS")
  best_cspot=$(printf '%s\n' "${times[@]}" | sort -g | head -1)
  best_spin=$(printf '%s\n%s\n' "$dfs_secs" "$bfs_secs" | sort -g | head -1)
  ratio=$(echo "$best_spin / $best_cspot" | bc -l)
  printf '%-7s %3s | %10s %8.3f %8.3f | %10s %8.3f %10s %8.3f | %7.2f\n' "$variant" "$n" "$states" \
    "${times[0]}" "${times[1]}" "$dfs_states" "$dfs_secs" "$bfs_states" "$bfs_secs" "$ratio"
done
