import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AntilearnError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { BENCH_HELP, benchCommand } from "./commands/bench.js";
import { EVAL_HELP, evalCommand } from "./commands/eval.js";
import { EXPORT_HELP, exportCommand } from "./commands/export.js";
import { LIST_HELP, listCommand } from "./commands/list.js";
import { PERF_HELP, perfCommand } from "./commands/perf.js";
import { PREVIEW_HELP, previewCommand } from "./commands/preview.js";
import { REPORT_HELP, reportCommand } from "./commands/report.js";
import { RUN_HELP, runCommand } from "./commands/run.js";
import { SHOW_HELP, showCommand } from "./commands/show.js";
import { SWEEP_HELP, sweepCommand } from "./commands/sweep.js";

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  list: { run: listCommand, help: LIST_HELP },
  show: { run: showCommand, help: SHOW_HELP },
  eval: { run: evalCommand, help: EVAL_HELP },
  preview: { run: previewCommand, help: PREVIEW_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
  sweep: { run: sweepCommand, help: SWEEP_HELP },
  report: { run: reportCommand, help: REPORT_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  perf: { run: perfCommand, help: PERF_HELP },
};

/** The first sentence of a command's help text after its usage lines. */
function summary(help: string): string {
  const body = help.split("\n\n").slice(1).join(" ").replace(/\s+/g, " ").trim();
  const end = body.indexOf(". ");
  return end > 0 ? body.slice(0, end + 1) : body;
}

const USAGE = `antilearn ${VERSION}: train on a task X so that a related task Y is never learned

usage: antilearn <command> [options]     (antilearn <command> --help for details)

commands:
${Object.entries(COMMANDS)
  .map(([k, v]) => `  ${k.padEnd(8)} ${summary(v.help)}`)
  .join("\n")}
`;

/** Dispatch a command line; returns the exit code (0 ok, 1 run failed, 2 bad input). */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === "--version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    process.stderr.write(`antilearn: unknown command '${cmd}'; valid commands: ${Object.keys(COMMANDS).join(", ")}\n`);
    return 2;
  }
  try {
    return await c.run(rest);
  } catch (e) {
    if (e instanceof AntilearnError) {
      process.stderr.write(`antilearn ${cmd}: ${e.name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

// Run when this file is the entry point (`node --import tsx src/cli/main.ts …`);
// bin/antilearn.js imports it and calls `main` itself.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
