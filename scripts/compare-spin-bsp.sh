#!/usr/bin/env bash
# SPIN and cspot side by side on the correct BatchSpanProcessor (benches/spin/bsp.pml and
# `cspot bsp --variant spec`, the same actors and atomic steps), on 2 producers × 3 spans and
# 3 × 2, queue 4, batch 2, every exporter behaviour, ForceFlush and Shutdown at any moment.
# cspot runs twice: the plain search (the same state space as SPIN's) and --symmetry (one
# state per renaming of the producers; SPIN has no such reduction for this model).
# Prints, for each: CPU time (user + system) and wall time to the verdict (best of RUNS runs;
# SPIN's compile excluded), states stored, peak resident memory, bytes per stored state (SPIN:
# state vector as stored + its overhead; cspot: packed state + the engine's store), and
# the CPU-time ratio (CPU time, because the machine is shared and wall time then measures the
# neighbours). Then the time to the first counterexample of every bug variant.
#
# Needs spin and gcc (apt-get install -y spin gcc). Usage: scripts/compare-spin-bsp.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
command -v spin >/dev/null || { echo "spin not found: apt-get install -y spin" >&2; exit 2; }
cargo build --release --quiet
CSPOT=$PWD/target/release/cspot
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# best CPU time (s), its wall time (s) and peak RSS (KB) of RUNS runs of a command; its
# stdout+stderr in $WORK/out
best() {
  local best_t="" best_w="" best_m=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%U %S %e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>&1 || true
    read -r u s w m < <(tail -1 "$WORK/time")
    t=$(echo "$u + $s" | bc -l)
    if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; best_w=$w; best_m=$m; fi
  done
  echo "$best_t $best_w $best_m"
}

printf '%-24s %8s %9s %9s %10s %8s %14s\n' "configuration / tool" "verdict" "CPU (s)" "wall (s)" "states" "peak MB" "bytes/state"
for cfg in "2 3 4 2" "3 2 4 2"; do
  read -r P S Q B <<<"$cfg"
  (cd "$WORK" && cp "$OLDPWD/benches/spin/bsp.pml" . &&
    spin -DNP="$P" -DNS="$S" -DQCAP="$Q" -DBATCH="$B" -a bsp.pml >/dev/null &&
    gcc -O2 -DSAFETY -o pan pan.c)
  read -r st sw sm < <(best "$WORK/pan" -m10000 -w21)
  s_states=$(grep -oE '^ *[0-9]+ states, stored' "$WORK/out" | grep -oE '[0-9]+')
  s_err=$(grep -oE 'errors: [0-9]+' "$WORK/out" | grep -oE '[0-9]+')
  s_vec=$(grep -oE 'state-vector as stored = [0-9]+ byte \+ [0-9]+ byte overhead' "$WORK/out" | grep -oE '[0-9]+' | paste -sd+ | bc)
  s_verdict=$([ "$s_err" = 0 ] && echo holds || echo violated)
  printf '%-24s %8s %9.2f %9.2f %10s %8.1f %14s\n' "${P}x${S} q$Q b$B  SPIN" "$s_verdict" "$st" "$sw" "$s_states" "$(echo "$sm/1024" | bc -l)" "$s_vec"
  for flag in "" --symmetry; do
    read -r ct cw cm < <(best "$CSPOT" bsp --variant spec --producers "$P" --spans "$S" --queue "$Q" --batch "$B" \
      --export-failures --export-timeouts --exporter-retries --force-flush any --shutdown any --stats -q --no-timings $flag)
    c_states=$(grep -m1 -oE '[0-9]+ states,' "$WORK/out" | grep -oE '[0-9]+')
    c_bytes=$(grep -m1 -oE '[0-9.]+ bytes stored/state' "$WORK/out" | grep -oE '^[0-9.]+')
    c_words=$(grep -m1 -oE '[0-9]+ words/state' "$WORK/out" | grep -oE '^[0-9]+')
    c_verdict=$(grep -q '5 holds' "$WORK/out" && echo holds || echo violated)
    printf '%-24s %8s %9.2f %9.2f %10s %8.1f %14s\n' "${P}x${S} q$Q b$B  cspot${flag:+ sym}" "$c_verdict" "$ct" "$cw" "$c_states" "$(echo "$cm/1024" | bc -l)" "$((c_words * 4)) + $(echo "$c_bytes - $c_words * 4" | bc -l | xargs printf '%.1f')"
    printf '%-24s %8s %9.3f\n' "  cspot CPU / SPIN CPU" "" "$(echo "$ct / $st" | bc -l)"
  done
done

echo
echo "first counterexample of each bug variant (acceptance-2x3.toml; time of the search that settled it):"
for v in $("$CSPOT" bsp --list-variants | awk '$1 != "spec" {print $1}'); do
  prop=$("$CSPOT" bsp --list-variants | awk -v v="$v" '$1 == v {print $3}')
  out=$("$CSPOT" bsp models/bsp/acceptance-2x3.toml --variant "$v" --format json -q || true)
  read -r steps secs < <(echo "$out" | python3 -c "
import json, sys
r = [x for x in json.load(sys.stdin)['results'] if x['id'].startswith('$prop ')][0]
print(len(r['counterexample']['steps']), r['stats']['seconds'])")
  printf '  %-34s %s violated in %2s steps, found after %.4fs of search\n' "$v" "$prop" "$steps" "$secs"
done
