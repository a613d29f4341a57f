#!/usr/bin/env bash
# The pretty-printer's round trip over every corpus .csp file that parses:
# parse(fmt(parse(x))) == parse(x), spans aside, every comment kept, and fmt(fmt(x)) == fmt(x)
# (`cspot fmt --verify`).
# Files that do not parse (libcspm's should_fail suites) are listed as SKIP and not counted.
#   bash scripts/conformance/roundtrip.sh CORPUS     (CSPOT names the binary)
set -u
corpus="$1"
cspot="${CSPOT:?set CSPOT to the cspot binary}"
pass=0
fail=0
skip=0
while IFS= read -r f; do
  case="${f#"$corpus"/}"
  if ! "$cspot" parse --syntax-only "$f" >/dev/null 2>&1; then
    echo "SKIP $case does not parse"; skip=$((skip + 1))
    continue
  fi
  err=$("$cspot" fmt --verify "$f" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "PASS $case"; pass=$((pass + 1))
  else
    echo "FAIL $case exit $rc: $(printf '%s' "$err" | tail -n 1)"; fail=$((fail + 1))
  fi
done < <(find "$corpus" -name '*.csp' | LC_ALL=C sort)
echo "$pass passed, $fail failed, $skip skipped (do not parse)"
