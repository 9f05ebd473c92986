#!/usr/bin/env bash
# The README's test command: the harness's own tests (codec, oracles, profiles, reference lab,
# negative controls for every test purpose, reports). Prints a closing line
# "Tests: N passed, N failed, N skipped" and exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash scripts/setup.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out=reports/harness-tests
rm -rf "$out"; mkdir -p "$out"
dotnet build Conformance.sln -c Release -nologo -clp:ErrorsOnly
set +e
dotnet test tests/Conformance.Harness.Tests -c Release --no-build --nologo \
  --settings runsettings/harness-tests.runsettings \
  --logger "trx;LogFileName=harness-tests.trx" --logger "console;verbosity=normal" \
  --results-directory "$out" "$@"
rc=$?
set -e
bash scripts/trx-summary.sh "$out/harness-tests.trx" || rc=${rc:-1}
exit $rc
