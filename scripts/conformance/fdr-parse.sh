#!/usr/bin/env bash
# FDR's example scripts: every .csp file under fdr-examples parses and passes the scope check
# (`cspot parse` exits 0),
# including those with Timed sections or modules (parsed; evaluation reports them).
#   bash scripts/conformance/fdr-parse.sh CORPUS     (CSPOT names the binary)
set -u
corpus="$1"
cspot="${CSPOT:?set CSPOT to the cspot binary}"
pass=0
fail=0
timed=0
modules=0
while IFS= read -r f; do
  case="${f#"$corpus"/}"
  # Counted on the formatted text, where declarations start lines. It keeps comments: a line
  # inside a block comment that starts with `Timed (` or `module ` would count (none does).
  formatted=$("$cspot" fmt "$f" 2>/dev/null)
  printf '%s\n' "$formatted" | grep -qE '^ *Timed[ ({]' && timed=$((timed + 1))
  printf '%s\n' "$formatted" | grep -qE '^ *(module|instance) ' && modules=$((modules + 1))
  err=$("$cspot" parse "$f" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "PASS $case"; pass=$((pass + 1))
  else
    echo "FAIL $case exit $rc: $(printf '%s' "$err" | head -n 1)"; fail=$((fail + 1))
  fi
done < <(find "$corpus/fdr-examples" -name '*.csp' | LC_ALL=C sort)
echo "files with Timed sections: $timed, with modules: $modules"
echo "$pass passed, $fail failed"
