#!/usr/bin/env node
// Entry point of the `antilearn` command: runs the compiled CLI in dist/.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("antilearn: dist/ is missing; run 'npm run build' (npm install runs it for you)");
  process.exit(2);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
