#!/usr/bin/env bash
# The README's run command: install what is missing, build, bring up the testbed (the reference lab
# by default), run the conformance cases, render the Allure report and the conformance statement,
# and say where they are. Exit status: 0 when no test purpose failed except listed known
# deviations and none was inconclusive; 1 otherwise; 2 for bad usage or set-up errors; 130 / 143
# when Ctrl-C (SIGINT) / SIGTERM interrupted the run (its report and statement say so).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() {
  cat <<'TXT'
usage: ./run-suite.sh [--profile FILE] [--name RUN] [--type manual|nightly|ci] [--filter EXPR]
                      [--settings FILE] [--fault MODE] [--build-url URL] [--no-build]
                      [--tp ID[,ID...]] [--list] [--dry-run] [--anonymise]
                      [--shard I/N] [--merge RUN,RUN...] [--baseline RUN]
  --profile   testbed + capability profile; give it again for more DUTs (default: the four reference testbeds,
              profiles/reference-lab.yaml (the Linux kernel alone between tester ports),
              profiles/reference-figure1.yaml (the Linux kernel as N4 of RFC 9259 Figure 1),
              profiles/reference-node.yaml (the suite's RFC-exact reference node, driven through its CLI) and
              profiles/reference-figure1-node.yaml (the reference node as N4 of Figure 1)), each its own run
              and report; with two or more, a side-by-side page compares their statements
              (reports/<run>-comparison/comparison.html, .md, .csv; srv6conf report compare)
  --anonymise the side-by-side page labels the DUTs A, B, C… instead of naming them
  --shard     run only shard I of N of the profile's purposes (by id, deterministic; shards may run in
              parallel on one host, each with its own lab; run folder reports/<stamp>-<profile>-shardIofN)
  --merge     no testbed: merge these shard runs (of --profile) into one run, report and statement
  --baseline  after the statement, compare it with this earlier run of the same profile (the previous
              nightly): regressions.md lists new failures, fixes and changed evidence; exit 1 when a
              purpose that passed there does not pass now
  --name      run name, the folder under reports/ (default: UTC time and profile name)
  --type      recorded in the report (default manual)
  --filter    dotnet test filter, e.g. "FullyQualifiedName~PspCases"
  --settings  a file from runsettings/ (default runsettings/reference-lab.runsettings)
  --fault     reference lab only: bring the lab up deliberately wrong (see: srv6conf lab up --help)
  --no-build  skip the install and build steps (the solution is built already)
  --tp        run only these test purposes: ids, comma-separated, globs allowed (TP-PSP-*,TP-END-BV-01)
  --list      list the test purposes (id, RFC section, level, whether the profile makes them applicable, title)
  --dry-run   print the configuration the run would apply to the DUT and the rollback it would run; connects
              to nothing (exit 3 when the platform pack cannot render part of what the profile asks)
The console shows one line per case as it ends (verdict, purpose, duration, known deviation or why it
failed), a progress line with the time left on a terminal, and the summary; NUnit's own output goes to
reports/<run>/console.log.
Ctrl-C or SIGTERM: the case under way finishes, the rest are reported as not run, the DUT is rolled
back and the lab torn down, the report is written; exit 130 / 143. A second signal stops at once.
TXT
}
given=(); anonymise=""; shard=""; merge=""; baseline=""; name=""; type=manual; filter=""; settings=runsettings/reference-lab.runsettings; fault=""; build_url=""; build=1; tp=""; list=0; dry=0
while (($#)); do
  case "$1" in
    --profile) given+=("${2:?}"); shift 2 ;;
    --anonymise) anonymise=--anonymise; shift ;;
    --shard) shard=${2:?}; shift 2 ;;
    --merge) merge=${2:?}; shift 2 ;;
    --baseline) baseline=${2:?}; shift 2 ;;
    --name) name=${2:?}; shift 2 ;;
    --type) type=${2:?}; shift 2 ;;
    --filter) filter=${2:?}; shift 2 ;;
    --settings) settings=${2:?}; shift 2 ;;
    --fault) fault=${2:?}; shift 2 ;;
    --build-url) build_url=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    --tp) tp=${2:?}; shift 2 ;;
    --list) list=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-suite: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
profiles=("${given[@]}")
[ ${#given[@]} -eq 0 ] && profiles=(profiles/reference-lab.yaml profiles/reference-figure1.yaml profiles/reference-node.yaml profiles/reference-figure1-node.yaml)
for p in "${profiles[@]}"; do
  [ -f "$p" ] || { echo "run-suite: profile $p not found (profiles/ has: $(ls profiles/*.yaml | tr '\n' ' '))" >&2; exit 2; }
done
[ -f "$settings" ] || { echo "run-suite: run settings $settings not found (runsettings/ has: $(ls runsettings | tr '\n' ' '))" >&2; exit 2; }
case "$name" in *[!A-Za-z0-9._-]*) echo "run-suite: --name may use letters, digits, '.', '_' and '-' only" >&2; exit 2 ;; esac
if { [ -n "$merge" ] || [ -n "$baseline" ] || [ -n "$shard" ]; } && [ ${#given[@]} -ne 1 ]; then
  echo "run-suite: --shard, --merge and --baseline are about one profile's run; name it with --profile (once)" >&2; exit 2
fi
case "$shard" in ""|[1-9]*/[1-9]*) ;; *) echo "run-suite: --shard takes i/n, e.g. 1/2" >&2; exit 2 ;; esac
if [ -n "$fault" ] && [ ${#profiles[@]} -gt 1 ]; then
  echo "run-suite: --fault misconfigures one profile's DUT; name the profile with --profile" >&2; exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ "$build" = 1 ]; then
  bash scripts/setup.sh
  echo "run-suite: building" >&2
  dotnet build Conformance.sln -c Release -nologo -clp:ErrorsOnly -v q >&2
fi

cli=(dotnet src/Conformance.Cli/bin/Release/net10.0/srv6conf.dll)
if [ "$list" = 1 ]; then
  for p in "${profiles[@]}"; do
    echo "== $p"
    "${cli[@]}" purposes --profile "$p" ${tp:+--tp "$tp"}
  done
  exit 0
fi
if [ "$dry" = 1 ]; then
  rc=0
  for p in "${profiles[@]}"; do
    set +e; "${cli[@]}" dry-run --profile "$p"; r=$?; set -e
    [ "$r" -gt "$rc" ] && rc=$r
  done
  exit "$rc"
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)

# One profile: its cases (those of its testbed's shape), report, conformance statement. Sets $gate.
run_profile() {
  local profile=$1 pname run test_rc html shape
  local checked
  local crc
  set +e; checked=$("${cli[@]}" profile check --host "$profile"); crc=$?; set -e
  if [ "$crc" = 5 ]; then
    # Valid, but this host cannot build the testbed (e.g. a kernel without SRv6 for the Linux reference DUT; the
    # message above says why). A default testbed is skipped and the summary says so; one asked for by name fails.
    if [ ${#given[@]} -eq 0 ]; then
      echo "run-suite: skipping $profile on this host (see above); the other testbeds run" >&2
      summary+=("
$profile:
SKIPPED: this host cannot build its testbed (the reason was printed above); nothing was judged")
      gate=0; return
    fi
    gate=2; return
  fi
  [ "$crc" = 0 ] || { gate=2; return; }
  echo "run-suite: ${checked%%$'\n'*}" >&2
  pname=$(basename "$profile" .yaml)
  if [ -n "$name" ]; then
    run="reports/$name"; [ ${#profiles[@]} -gt 1 ] && [ "$pname" != reference-lab ] && run="reports/$name-$pname"
  else
    run="reports/$stamp-$pname"
    [ -n "$shard" ] && run="$run-shard${shard%/*}of${shard#*/}"
  fi
  rm -rf "$run"; mkdir -p "$run"
  # A profile with testbed.topology places the DUT in a reference topology: only the cases written for one apply, and the
  # single-DUT cases that also run in one (category AlsoInTopology: the policy selector's, with the DUT as Figure 1's N1),
  # these only where the profile claims what they need (the purposes filter below: a Figure 1 run of the OAM purposes
  # does not list them). One with testbed.topology.dut_nodes holds several DUTs: only the interoperability cases (TP-IOP-*) apply.
  local topo=""
  if grep -Eq '^    dut_nodes:' "$profile"; then shape="TestCategory=Interop"
  elif grep -Eq '^  topology:' "$profile"; then shape="(TestCategory=Figure1|TestCategory=AlsoInTopology)"; topo=1
  else shape="TestCategory!=Figure1&TestCategory!=Interop"; fi
  # (dotnet test ANDs this with a run-settings TestCaseFilter, e.g. runsettings/smoke.runsettings.)
  local f="$shape" tpfilter="" total
  [ -n "$filter" ] && f="$f&($filter)"
  if [ -n "$tp" ] || [ -n "$shard" ] || [ -n "$topo" ]; then
    set +e; tpfilter=$("${cli[@]}" purposes --profile "$profile" ${tp:+--tp "$tp"} ${shard:+--shard "$shard"} --dotnet-filter); local rc=$?; set -e
    if [ "$rc" = 3 ]; then echo "run-suite: none of the selected purposes (${tp:+--tp $tp }${shard:+--shard $shard}) runs on $profile's testbed; skipped" >&2; gate=0; return; fi
    [ "$rc" = 0 ] || { gate=2; return; }
    f="$f&($tpfilter)"
  fi
  total=$("${cli[@]}" purposes --profile "$profile" ${tp:+--tp "$tp"} ${shard:+--shard "$shard"} --count 2>/dev/null || echo 0)
  export SRV6CONF_PROFILE=$PWD/$profile SRV6CONF_RUN_ID=$(basename "$run") SRV6CONF_ALLURE_RESULTS=$PWD/$run/allure-results
  export SRV6CONF_RUN_TYPE=$type SRV6CONF_GIT_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  # Trend history per profile (reports/history.jsonl for the single-DUT reference lab, as before).
  # A shard keeps its own (shards run in parallel; the merged run's report carries the trend).
  if [ -z "${history_set:-}" ]; then
    if [ -n "$shard" ]; then export SRV6CONF_HISTORY=$PWD/$run/history.jsonl
    elif [ "$pname" = reference-lab ]; then unset SRV6CONF_HISTORY; else export SRV6CONF_HISTORY=$PWD/reports/history-$pname.jsonl; fi
  fi
  [ -n "$build_url" ] && export SRV6CONF_BUILD_URL=$build_url
  [ -n "$fault" ] && export SRV6CONF_FAULT=$fault

  echo "run-suite: running the conformance cases against $profile (run $(basename "$run"))" >&2
  local args=(test src/Conformance.Cases -c Release --no-build --nologo --settings "$settings"
        --results-directory "$run" --logger "trx;LogFileName=results.trx" --logger "junit;LogFilePath=$PWD/$run/junit.xml"
        --logger "console;verbosity=normal" --filter "$f")
  local progress=$PWD/$run/progress.tsv watch_pid
  : > "$progress"; export SRV6CONF_PROGRESS=$progress
  # The cases run in a session of their own, so a terminal's Ctrl-C reaches this script only: on_signal passes it
  # to the test host, which owns the testbed (the first signal: finish the case under way, roll back, tear down).
  pidfile=$PWD/$run/.testhost.pid
  export SRV6CONF_PID_FILE=$pidfile
  set +e
  setsid dotnet "${args[@]}" > "$run/console.log" 2>&1 &
  test_pid=$!
  "${cli[@]}" progress --file "$progress" --total "$total" --pid "$test_pid" &
  watch_pid=$!
  while :; do
    wait "$test_pid"; test_rc=$?
    kill -0 "$test_pid" 2>/dev/null || break
  done
  wait "$watch_pid" 2>/dev/null
  set -e
  rm -f "$pidfile"; test_pid=""
  if [ "$test_rc" != 0 ] && ! grep -q -- '-result.json' <(ls "$run/allure-results" 2>/dev/null); then
    tail -n 30 "$run/console.log" >&2
  fi
  if [ ! -d "$run/allure-results" ] && [ "$test_rc" = 0 ]; then
    echo "run-suite: no case of this selection applies to $profile; nothing to report for it" >&2
    rm -rf "$run"; gate=0; return
  fi
  if [ ! -d "$run/allure-results" ]; then
    echo "run-suite: the cases wrote no results (dotnet test exit $test_rc); see $run/console.log" >&2
    gate=2; return
  fi
  finish_run "$run" "$profile"
}

# The report, the conformance statement (its gate sets $gate) and, with --baseline, the regressions against it.
finish_run() {
  local run=$1 profile=$2 html r
  echo "run-suite: rendering the report" >&2
  html=$(bash scripts/render-report.sh "$run")
  set +e
  "${cli[@]}" report statement --run "$run" --profile "$profile"
  gate=$?
  set -e
  [ "$gate" -le 1 ] && compared+=("$run")
  if [ "$gate" -le 1 ] && grep -Eq '^    dut_nodes:' "$profile"; then interop_runs+=("$run"); fi
  if [ -n "$baseline" ] && [ "$gate" -le 1 ]; then
    set +e; "${cli[@]}" report regressions --run "$run" --baseline "$baseline"; r=$?; set -e
    [ "$r" -gt "$gate" ] && gate=$r
  fi
  summary+=("
$profile:
Report:                $html
Conformance statement: $run/conformance-statement.md  (and .json; SHA256SUMS lists every evidence file)${baseline:+
Regressions:           $run/regressions.md  (against $baseline)}
CI files:              $run/junit.xml, $run/results.trx")
}

# First SIGINT/SIGTERM: record it for the statement and pass SIGTERM to the test host (a background process
# ignores SIGINT). Second: the test host tears the lab down at once; whatever is left is killed and cleaned up.
interrupted=""; signum=0; test_pid=""; pidfile=""
on_signal() {
  local sig=$1 num=$2 host=""
  [ -n "$pidfile" ] && [ -f "$pidfile" ] && host=$(cat "$pidfile")
  if [ -z "$interrupted" ]; then
    interrupted=SIG$sig; signum=$num
    echo "run-suite: $interrupted: stopping after the case under way, then rolling back and tearing down (again to stop at once)" >&2
    if [ -n "${run:-}" ] && [ -d "$run" ]; then mkdir -p "$run/allure-results"; echo "$interrupted" > "$run/allure-results/srv6conf-interrupted.txt"; fi
    if [ -n "$host" ]; then kill -TERM "$host" 2>/dev/null || true
    elif [ -n "$test_pid" ]; then kill -TERM "$test_pid" 2>/dev/null || true
    else exit $((128 + num)); fi
  else
    echo "run-suite: SIG$sig again: stopping now" >&2
    [ -n "$host" ] && kill -TERM "$host" 2>/dev/null
    sleep 2
    if [ -n "$test_pid" ]; then
      local pg; pg=$(ps -o pgid= -p "$test_pid" 2>/dev/null | tr -d ' ')
      [ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null
    fi
    [ -n "$host" ] && kill -KILL "$host" 2>/dev/null
    "${cli[@]}" lab cleanup >&2 || true
    exit $((128 + num))
  fi
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM

[ -n "${SRV6CONF_HISTORY:-}" ] && history_set=1
summary=(); worst=0; compared=(); interop_runs=()
# --merge: the shards' results become one run (no testbed is touched), reported and stated like any run.
if [ -n "$merge" ]; then
  pname=$(basename "${profiles[0]}" .yaml)
  run="reports/${name:-$stamp-$pname-merged}"
  IFS=, read -ra shard_runs <<< "$merge"
  rm -rf "$run"; mkdir -p "$run"
  "${cli[@]}" report merge "${shard_runs[@]}" --out "$run" || exit 2
  [ -z "${history_set:-}" ] && export SRV6CONF_HISTORY=$PWD/reports/history-$pname-merged.jsonl
  gate=0; finish_run "$run" "${profiles[0]}"
  for s in "${summary[@]}"; do printf '%s\n' "$s"; done
  exit "$gate"
fi
for p in "${profiles[@]}"; do
  gate=0
  run_profile "$p"
  [ "$gate" -gt "$worst" ] && worst=$gate
  [ -n "$interrupted" ] && break
done
for s in "${summary[@]}"; do printf '%s\n' "$s"; done
# Several testbeds (the default three, or --profile given more than once): one side-by-side page of their statements.
if [ -z "$interrupted" ] && [ ${#compared[@]} -ge 2 ]; then
  cmp="reports/${name:-$stamp}-comparison"
  if "${cli[@]}" report compare "${compared[@]}" --out "$cmp" $anonymise >"$cmp.log" 2>&1; then
    printf '\nSide by side (%s runs): %s\n' "${#compared[@]}" "$cmp/comparison.html"; rm -f "$cmp.log"
  else
    echo "run-suite: the side-by-side comparison failed; see $cmp.log" >&2
  fi
fi
# Runs of multi-DUT testbeds (testbed.topology.dut_nodes, e.g. Linux + node both ways round): one interop report, with the
# role table per DUT pair and the pair matrix (srv6conf report interop).
if [ -z "$interrupted" ] && [ ${#interop_runs[@]} -ge 1 ]; then
  iop="reports/${name:-$stamp}-interop"
  if "${cli[@]}" report interop "${interop_runs[@]}" --out "$iop" $anonymise >"$iop.log" 2>&1; then
    printf '\nInterop report (%s runs of two-DUT testbeds): %s\n' "${#interop_runs[@]}" "$iop/interop.html"; rm -f "$iop.log"
  else
    echo "run-suite: the interop report failed; see $iop.log" >&2
  fi
fi
if [ -n "$interrupted" ]; then
  echo "run-suite: interrupted by $interrupted; the statement lists the purposes not run" >&2
  exit $((128 + signum))
fi
exit $worst
