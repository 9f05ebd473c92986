#!/usr/bin/env bash
# Render reports/<run>/allure-results into a single-file HTML report at reports/<run>/html/index.html.
# Uses the Allure 3 generator pinned in reporting/package-lock.json (npm package "allure"; no Java, works offline
# once installed). Trend history: an append-only JSONL file, reports/history.jsonl by default (override with
# SRV6CONF_HISTORY), is read before and appended after each generation; a copy of the history as it was before this
# run is kept in the run dir as history.before.jsonl. Opens nothing, serves nothing; prints the index.html path.
set -euo pipefail

usage() { echo "usage: $0 <run-dir>   (e.g. reports/20260101T000000Z)" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="$(cd "$1" && pwd)" || usage
results="$run_dir/allure-results"
[[ -d "$results" ]] || { echo "no allure-results in $run_dir" >&2; exit 1; }

reporting="$here/reporting"
allure="$reporting/node_modules/.bin/allure"
if [[ ! -x "$allure" ]]; then
  echo "installing the pinned Allure generator (npm ci --prefix reporting)..." >&2
  npm ci --prefix "$reporting" --no-audit --no-fund >&2
fi

history="${SRV6CONF_HISTORY:-$here/reports/history.jsonl}"
mkdir -p "$(dirname "$history")"
touch "$history"
cp "$history" "$run_dir/history.before.jsonl"

out="$run_dir/html"
rm -rf "$out"
config="$run_dir/allurerc.json"
RUN_NAME="$(basename "$run_dir")" OUT="$out" HISTORY="$history" BASE="$reporting/allurerc.base.json" node -e '
  const fs = require("fs");
  const c = JSON.parse(fs.readFileSync(process.env.BASE, "utf8"));
  c.name = `${c.name} - ${process.env.RUN_NAME}`;
  c.output = process.env.OUT;
  c.historyPath = process.env.HISTORY;
  c.plugins.awesome.options.reportName = c.name;
  process.stdout.write(JSON.stringify(c, null, 2));
' > "$config"

# Telemetry/update checks off; nothing here needs the network.
export ALLURE_NO_ANALYTICS=1 ALLURE_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI="${CI:-true}"
( cd "$run_dir" && "$allure" generate --config "$config" "$results" ) >&2
[[ -f "$out/index.html" ]] || { echo "generator wrote no $out/index.html" >&2; exit 1; }

# Allure 3's Awesome template always embeds a Google Analytics tag (ALLURE_NO_ANALYTICS only affects the
# allure2 plugin in 3.18.0). A conformance report must not call out when opened: strip it, and fail if any
# reference is left.
INDEX="$out/index.html" node -e '
  const fs = require("fs");
  const f = process.env.INDEX;
  let html = fs.readFileSync(f, "utf8");
  html = html.replace(/<script async src="https:\/\/www\.googletagmanager\.com\/gtag\/js[^"]*"><\/script>/g, "");
  html = html.replace(/<script>\s*window\.dataLayer = window\.dataLayer[\s\S]*?<\/script>/g, "");
  if (/googletagmanager|gtag\(/.test(html)) { console.error("analytics tag still present in " + f); process.exit(1); }
  fs.writeFileSync(f, html);
'
echo "$out/index.html"
