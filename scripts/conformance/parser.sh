#!/usr/bin/env bash
# libcspm's parser suite: every parser/should_pass file parses (`cspot parse --syntax-only`
# exits 0: the suite tests syntax, and several files use names they never define) and every
# parser/should_fail file is rejected with an error (exit 2 and an `error:` line; a crash fails).
#   bash scripts/conformance/parser.sh CORPUS     (CSPOT names the binary)
set -u
corpus="$1"
cspot="${CSPOT:?set CSPOT to the cspot binary}"
pass=0
fail=0
for f in "$corpus"/libcspm/parser/should_pass/*.csp; do
  case="libcspm/parser/should_pass/$(basename "$f")"
  err=$("$cspot" parse --syntax-only "$f" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "PASS $case"; pass=$((pass + 1))
  else
    echo "FAIL $case exit $rc: $(printf '%s' "$err" | head -n 1)"; fail=$((fail + 1))
  fi
done
for f in "$corpus"/libcspm/parser/should_fail/*.csp; do
  case="libcspm/parser/should_fail/$(basename "$f")"
  err=$("$cspot" parse --syntax-only "$f" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -eq 2 ] && printf '%s' "$err" | grep -q ': error: '; then
    echo "PASS $case"; pass=$((pass + 1))
  else
    echo "FAIL $case exit $rc (expected a parse error, exit 2)"; fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
