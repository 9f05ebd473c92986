#!/usr/bin/env bash
# Prints one closing line "Tests: N passed, N failed, N skipped" from a TRX file's counters.
# NUnit's Error/Inconclusive (verdict "broken") are counted as failed here: a broken test is not a pass.
set -euo pipefail
trx=${1:?usage: trx-summary.sh FILE.trx}
if [ ! -f "$trx" ]; then echo "trx-summary: no results file $trx (the test run did not start)" >&2; exit 1; fi
counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
total=$(get total); passed=$(get passed); failed=$(get failed); errors=$(get error)
timeout=$(get timeout); aborted=$(get aborted); notexec=$(get notExecuted); inconc=$(get inconclusive)
failed=$((failed + errors + timeout + aborted + inconc))
# Ignored tests (e.g. the Linux reference DUT on a kernel without SRv6) are in total but not executed; vstest does not
# always count them as notExecuted.
executed=$(get executed); skipped=$((total - executed)); [ "$notexec" -gt "$skipped" ] && skipped=$notexec
echo "Tests: $passed passed, $failed failed, $skipped skipped"
[ "$total" -gt 0 ] || { echo "trx-summary: no test was executed" >&2; exit 1; }
[ "$failed" -eq 0 ]
