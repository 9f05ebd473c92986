#!/usr/bin/env bash
# The README's run command: install what is missing, build, bring up the testbed (the reference lab
# by default), run the conformance cases, render the Allure report and the conformance statement,
# and say where they are. Exit status: 0 when no test purpose failed except listed known
# deviations and none was inconclusive; 1 otherwise; 2 for bad usage or set-up errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() {
  cat <<'TXT'
usage: ./run-suite.sh [--profile FILE] [--name RUN] [--type manual|nightly|ci] [--filter EXPR]
                      [--settings FILE] [--fault MODE] [--build-url URL]
  --profile   testbed + capability profile (default: both reference labs, profiles/reference-lab.yaml
              (the DUT alone between tester ports) and then profiles/reference-figure1.yaml (the DUT
              as N4 of RFC 9259 Figure 1), each its own run and report)
  --name      run name, the folder under reports/ (default: UTC time and profile name)
  --type      recorded in the report (default manual)
  --filter    dotnet test filter, e.g. "FullyQualifiedName~PspCases"
  --settings  a file from runsettings/ (default runsettings/reference-lab.runsettings)
  --fault     reference lab only: bring the lab up deliberately wrong (see: srv6conf lab up --help)
TXT
}
profile=""; name=""; type=manual; filter=""; settings=runsettings/reference-lab.runsettings; fault=""; build_url=""
while (($#)); do
  case "$1" in
    --profile) profile=${2:?}; shift 2 ;;
    --name) name=${2:?}; shift 2 ;;
    --type) type=${2:?}; shift 2 ;;
    --filter) filter=${2:?}; shift 2 ;;
    --settings) settings=${2:?}; shift 2 ;;
    --fault) fault=${2:?}; shift 2 ;;
    --build-url) build_url=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-suite: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
profiles=("$profile")
[ -z "$profile" ] && profiles=(profiles/reference-lab.yaml profiles/reference-figure1.yaml)
for p in "${profiles[@]}"; do
  [ -f "$p" ] || { echo "run-suite: profile $p not found (profiles/ has: $(ls profiles/*.yaml | tr '\n' ' '))" >&2; exit 2; }
done
[ -f "$settings" ] || { echo "run-suite: run settings $settings not found (runsettings/ has: $(ls runsettings | tr '\n' ' '))" >&2; exit 2; }
case "$name" in *[!A-Za-z0-9._-]*) echo "run-suite: --name may use letters, digits, '.', '_' and '-' only" >&2; exit 2 ;; esac
if [ -n "$fault" ] && [ ${#profiles[@]} -gt 1 ]; then
  echo "run-suite: --fault misconfigures one profile's DUT; name the profile with --profile" >&2; exit 2
fi

bash scripts/setup.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
echo "run-suite: building" >&2
dotnet build Conformance.sln -c Release -nologo -clp:ErrorsOnly -v q >&2

cli=(dotnet src/Conformance.Cli/bin/Release/net10.0/srv6conf.dll)
stamp=$(date -u +%Y%m%dT%H%M%SZ)

# One profile: its cases (those of its testbed's shape), report, conformance statement. Sets $gate.
run_profile() {
  local profile=$1 pname run test_rc html shape
  "${cli[@]}" profile check "$profile" >&2 || { gate=2; return; }
  pname=$(basename "$profile" .yaml)
  if [ -n "$name" ]; then
    run="reports/$name"; [ ${#profiles[@]} -gt 1 ] && [ "$pname" != reference-lab ] && run="reports/$name-$pname"
  else
    run="reports/$stamp-$pname"
  fi
  rm -rf "$run"; mkdir -p "$run"
  # A profile with testbed.topology places the DUT in a reference topology: only the cases written for one apply.
  if grep -Eq '^  topology:' "$profile"; then shape="TestCategory=Figure1"; else shape="TestCategory!=Figure1"; fi
  # (dotnet test ANDs this with a run-settings TestCaseFilter, e.g. runsettings/smoke.runsettings.)
  local f="$shape"
  [ -n "$filter" ] && f="$f&($filter)"
  export SRV6CONF_PROFILE=$PWD/$profile SRV6CONF_RUN_ID=$(basename "$run") SRV6CONF_ALLURE_RESULTS=$PWD/$run/allure-results
  export SRV6CONF_RUN_TYPE=$type SRV6CONF_GIT_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  # Trend history per profile (reports/history.jsonl for the single-DUT reference lab, as before).
  if [ -z "${history_set:-}" ]; then
    if [ "$pname" = reference-lab ]; then unset SRV6CONF_HISTORY; else export SRV6CONF_HISTORY=$PWD/reports/history-$pname.jsonl; fi
  fi
  [ -n "$build_url" ] && export SRV6CONF_BUILD_URL=$build_url
  [ -n "$fault" ] && export SRV6CONF_FAULT=$fault

  echo "run-suite: running the conformance cases against $profile (run $(basename "$run"))" >&2
  local args=(test src/Conformance.Cases -c Release --no-build --nologo --settings "$settings"
        --results-directory "$run" --logger "trx;LogFileName=results.trx" --logger "junit;LogFilePath=$PWD/$run/junit.xml"
        --logger "console;verbosity=normal" --filter "$f")
  set +e
  dotnet "${args[@]}"
  test_rc=$?
  set -e
  if [ ! -d "$run/allure-results" ] && [ "$test_rc" = 0 ]; then
    echo "run-suite: no case of this selection applies to $profile; nothing to report for it" >&2
    rm -rf "$run"; gate=0; return
  fi
  if [ ! -d "$run/allure-results" ]; then
    echo "run-suite: the cases wrote no results (dotnet test exit $test_rc); see the output above" >&2
    gate=2; return
  fi
  echo "run-suite: rendering the report" >&2
  html=$(bash scripts/render-report.sh "$run")
  set +e
  "${cli[@]}" report statement --run "$run" --profile "$profile"
  gate=$?
  set -e
  summary+=("
$profile:
Report:                $html
Conformance statement: $run/conformance-statement.md  (and .json; SHA256SUMS lists every evidence file)
CI files:              $run/junit.xml, $run/results.trx")
}

[ -n "${SRV6CONF_HISTORY:-}" ] && history_set=1
summary=(); worst=0
for p in "${profiles[@]}"; do
  gate=0
  run_profile "$p"
  [ "$gate" -gt "$worst" ] && worst=$gate
done
for s in "${summary[@]}"; do printf '%s\n' "$s"; done
exit $worst
