import { dirname, join, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { buildLeaderboard } from "../../bench/aggregate.js";
import { makePlan, type Plan } from "../../bench/plan.js";
import { defaultWorkers, type PoolEvent } from "../../bench/pool.js";
import { runPlan } from "../../bench/runner.js";
import { expandSuite, loadSuite } from "../../bench/suite.js";
import type { BackendChoice } from "../../engine/backend.js";
import { bestTableMarkdown } from "../../report/leaderboard.js";
import { describeFiles, writeReport } from "../../report/report.js";
import { ResultStore, resolveDbPath } from "../../store/sqlite.js";
import { ConfigError } from "../../util/errors.js";
import { COMMON_OPTIONS, intFlag, parseFlags, requireFlag } from "../args.js";
import { duration, num } from "../format.js";

export const BENCH_HELP = `antilearn bench --suite NAME|FILE [options]

Run a benchmark suite (task pairs × techniques × seeds) on a pool of worker
processes, then write the leaderboard and the report. Resumable: runs already
in the store are skipped, so re-running after Ctrl-C or a crash finishes only
what is missing.

  --suite NAME|FILE   quick (every pair × every technique, small budgets, 1 seed),
                      baselines (every pair at its defaults, plain training, 3 seeds),
                      standard (every pair × every technique, defaults, plus
                      shapes colour, 3 seeds),
                      or a suite .json file
  --seeds 0,1         only these of the suite's seeds (e.g. the first seed of
                      standard now, the others later: the runs are the same)
  --workers N         worker processes (default: one per core, ${defaultWorkers()} here)
  --threads N         compute threads per worker (default 1)
  --backend B         auto | native | node | wasm | cpu (default auto)
  --out DIR           where the leaderboard and report go
                      (default: reports/<suite> next to the store)
  --retry-failed      run again the runs recorded as failed
  --plugin FILE       a module each worker imports first (registers extra tasks or
                      techniques); repeatable
  --no-report         do not write the leaderboard and report
  --db PATH           results store (default: ANTILEARN_DB or .antilearn/results.db)
  --json              print a JSON summary on stdout

Ctrl-C once: start no more runs, let the running ones finish and be recorded.
Ctrl-C twice: stop now; the running runs are not recorded (the next bench runs them).
`;

/** Flags shared by `bench` and `sweep`. */
export const PLAN_OPTIONS = {
  ...COMMON_OPTIONS,
  workers: { type: "string" },
  out: { type: "string" },
  "retry-failed": { type: "boolean", default: false },
  plugin: { type: "string", multiple: true, default: [] as string[] },
  "no-report": { type: "boolean", default: false },
} as const satisfies ParseArgsConfig["options"];

/** The values of PLAN_OPTIONS after parsing. */
export interface PlanFlags {
  backend?: string;
  threads?: string;
  db?: string;
  json?: boolean;
  workers?: string;
  out?: string;
  "retry-failed"?: boolean;
  plugin?: string[];
  "no-report"?: boolean;
}

function describeRun(config: Plan["runs"][number]["config"]): string {
  return `${config.task.name} × ${config.technique.name} seed ${config.seed}`;
}

/**
 * Run a plan with the CLI's output and signal handling, write the
 * leaderboard and report for the plan's runs, and print where they are.
 * Shared by `bench` and `sweep`. Returns the exit code: 0 all ok, 1 some
 * run failed, 130 interrupted.
 */
export async function executePlan(plan: Plan, values: PlanFlags): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const store = new ResultStore(resolveDbPath(values.db));
  const workers = intFlag("workers", values.workers, 1) ?? defaultWorkers();
  const threads = intFlag("threads", values.threads, 1) ?? 1;
  const byId = new Map(plan.runs.map((r) => [r.id, r]));
  let done = 0;
  let todoCount = 0;
  const onEvent = (e: PoolEvent) => {
    if (e.type === "worker") {
      log(`worker ${e.worker}: pid ${e.pid}, backend ${e.backend} (${e.threads} thread${e.threads === 1 ? "" : "s"})`);
    } else if (e.type === "done") {
      done++;
      const r = e.record;
      const what = describeRun(byId.get(e.id)?.config ?? (r.config as never));
      const result =
        r.status === "ok"
          ? `accX ${num(r.metrics.accX, 3)}  accY ${num(r.metrics.accY, 3)}`
          : `FAILED: ${(r.error ?? "").split("\n")[0]}`;
      log(`[${done}/${todoCount}] ${what} (${e.id.slice(0, 8)}): ${result}  ${duration(r.timing.totalMs)}`);
    } else if (e.type === "crash") {
      const what = describeRun((byId.get(e.id) as Plan["runs"][number]).config);
      log(
        `${what} (${e.id.slice(0, 8)}): ${e.error.split("\n")[0]}${e.retry ? "; retrying once" : "; recorded as failed"}`,
      );
    }
  };

  const stop = new AbortController();
  const abandon = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) {
      log("stopping: no new runs; the running ones finish and are recorded (Ctrl-C again to abandon them)");
      stop.abort();
    } else {
      log("abandoning the running runs (not recorded; the next bench runs them)");
      abandon.abort();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const t0 = performance.now();
  let result: Awaited<ReturnType<typeof runPlan>>;
  try {
    result = await runPlan(plan, store, {
      onPlanned: (todo, skipped) => {
        todoCount = todo.length;
        const w = Math.min(workers, todo.length);
        log(
          `${plan.kind} ${plan.name}: ${plan.runs.length} runs, ${skipped} already recorded, ${todo.length} to run on ${w} worker${w === 1 ? "" : "s"} → ${store.path}`,
        );
      },
      workers,
      threads,
      backend: (values.backend ?? "auto") as BackendChoice,
      imports: (values.plugin ?? []).map((p) => resolve(p)),
      retryFailed: values["retry-failed"],
      stopSignal: stop.signal,
      abandonSignal: abandon.signal,
      onEvent,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const elapsed = performance.now() - t0;
  const records = store.records(plan.runs.map((r) => r.id));
  const failed = records.filter((r) => r.status === "failed").length;
  const missing = plan.runs.length - records.length;
  log(
    `${plan.name}: ${result.recorded} recorded in ${duration(elapsed)}; ${records.length}/${plan.runs.length} runs in the store (${failed} failed)${
      missing ? `, ${missing} missing: run the same command again to finish them` : ""
    }`,
  );
  let files: Awaited<ReturnType<typeof writeReport>> | undefined;
  if (!values["no-report"]) {
    const out = resolve(values.out ?? join(dirname(store.path), "reports", plan.name));
    const plans = store
      .plans()
      .filter((p) => p.name === plan.name)
      .map((info) => ({ info, ids: plan.runs.map((r) => r.id) }));
    files = await writeReport({ records, plans, title: `antilearn ${plan.kind} ${plan.name}` }, out);
  }
  store.close();
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({
        plan: plan.name,
        kind: plan.kind,
        total: plan.runs.length,
        skipped: result.skipped,
        recorded: result.recorded,
        failed,
        missing,
        interrupted: result.interrupted,
        elapsedMs: elapsed,
        leaderboard: files?.leaderboardMd,
        leaderboardHtml: files?.leaderboardHtml,
        report: files?.report,
        baselines: files?.baselinesMd,
        sweeps: files?.sweepsMd,
      })}\n`,
    );
  } else {
    // The answer first (what won where, at what X cost), then where the details are.
    if (records.some((r) => r.status === "ok")) {
      process.stdout.write(`best per setting:\n${bestTableMarkdown(buildLeaderboard(records))}`);
    }
    if (files) process.stdout.write(describeFiles(files));
  }
  if (result.interrupted) return 130;
  return failed > 0 ? 1 : 0;
}

/** The seeds of `--seeds 0,2`, each of which must be one of the suite's. */
export function pickSeeds(suiteSeeds: readonly number[], flag: string): number[] {
  const seeds = flag.split(",").map((v) => v.trim());
  const bad = seeds.filter((v) => !/^\d+$/.test(v) || !suiteSeeds.includes(Number(v)));
  if (bad.length || seeds.length === 0) {
    throw new ConfigError(
      `--seeds: ${bad.length ? `'${bad.join("', '")}' is not among` : "give some of"} the suite's seeds (${suiteSeeds.join(", ")})`,
    );
  }
  return [...new Set(seeds.map(Number))];
}

/** `antilearn bench`. */
export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("bench", {
    args: argv,
    options: { ...PLAN_OPTIONS, suite: { type: "string" }, seeds: { type: "string" } },
  });
  if (values.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const loaded = loadSuite(
    requireFlag("bench", "suite", values.suite, "quick, baselines, standard or a suite .json file"),
  );
  const suite = values.seeds === undefined ? loaded : { ...loaded, seeds: pickSeeds(loaded.seeds, values.seeds) };
  const plan = makePlan(suite.name, "suite", suite, expandSuite(suite));
  return executePlan(plan, values);
}
