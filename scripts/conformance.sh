#!/usr/bin/env bash
# Runs cspot against the read-only reference corpus (../shared/corpus by default) and prints, per
# suite, `N passed, N failed`. Each suite is a script in scripts/conformance/ that prints one line per
# case (`PASS <case> ...` or `FAIL <case> <reason>`) and its summary lines.
#
#   scripts/conformance.sh                    run every suite, print summaries
#   scripts/conformance.sh --check-baseline   also fail (exit 1) when a case that passed before
#                                             (scripts/conformance-baseline.txt) no longer passes
#   scripts/conformance.sh --update-baseline  record the cases that pass now as the baseline
#
# Environment: CORPUS (corpus dir), CSPOT (binary; default target/release/cspot, built here),
# VERDICTS (reads cspot's JSON; default target/release/examples/verdicts, built here).
set -uo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
corpus="${CORPUS:-../shared/corpus}"
baseline=scripts/conformance-baseline.txt
if [ ! -d "$corpus" ]; then
  echo "conformance: no corpus at $corpus; nothing to run" >&2
  exit 0
fi
corpus="$(cd "$corpus" && pwd)"
if [ -z "${CSPOT:-}" ]; then
  cargo build --release --quiet --bin cspot || exit 2
  export CSPOT="$PWD/target/release/cspot"
fi
if [ -z "${VERDICTS:-}" ]; then
  cargo build --release --quiet --example verdicts || exit 2
  export VERDICTS="$PWD/target/release/examples/verdicts"
fi
out=target/conformance
mkdir -p "$out"
: > "$out/passing.txt"
status=0
for suite in scripts/conformance/*.sh; do
  [ -e "$suite" ] || continue
  name="$(basename "$suite" .sh)"
  bash "$suite" "$corpus" > "$out/$name.txt" 2> "$out/$name.err"
  # Summary lines of the suite, as it printed them.
  grep -E '[0-9]+ passed, [0-9]+ failed' "$out/$name.txt" | sed "s/^/[$name] /"
  # Keys of passing cases: suite, case, and the case's occurrence number within the suite.
  awk -v s="$name" '$1 == "PASS" { n[$2]++; print s " " $2 " #" n[$2] }' "$out/$name.txt" >> "$out/passing.txt"
done
sort -o "$out/passing.txt" "$out/passing.txt"
total_pass=$(wc -l < "$out/passing.txt")
total_fail=$(cat "$out"/*.txt | grep -c '^FAIL ' || true)
echo "conformance: $total_pass passed, $total_fail failed"
case "$mode" in
  --update-baseline)
    cp "$out/passing.txt" "$baseline"
    echo "baseline updated: $(wc -l < "$baseline") passing cases"
    ;;
  --check-baseline)
    if [ -f "$baseline" ]; then
      regressed=$(comm -23 "$baseline" "$out/passing.txt")
      gained=$(comm -13 "$baseline" "$out/passing.txt" | wc -l)
      if [ -n "$regressed" ]; then
        echo "conformance: cases that passed before and fail now:"
        echo "$regressed" | sed 's/^/  /'
        status=1
      fi
      [ "$gained" -gt 0 ] && echo "conformance: $gained cases pass that the baseline does not list (scripts/conformance.sh --update-baseline)"
    else
      echo "conformance: no baseline yet ($baseline); run with --update-baseline"
    fi
    ;;
esac
exit $status
