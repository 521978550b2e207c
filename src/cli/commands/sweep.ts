import { makePlan } from "../../bench/plan.js";
import { expandSweep, parseGridFlag, type SweepSpec, withBaselines } from "../../bench/sweep.js";
import { hashConfig } from "../../config/canonical.js";
import { ConfigError } from "../../util/errors.js";
import { intFlag, parseFlags, requireFlag } from "../args.js";
import { executePlan, PLAN_OPTIONS } from "./bench.js";

export const SWEEP_HELP = `antilearn sweep --task NAME --technique NAME --grid KEY=V1,V2,… [options]

Grid or seeded random search over any config key, run like a suite (worker
pool, resumable, leaderboard and report with a plot per swept key).

  --task NAME          task pair
  --technique NAME     technique
  --model NAME         model (default: the task's)
  --grid KEY=V1,V2     an axis: task.D=30,90,180  technique.x=0.1,1  train.lr=1e-3,3e-3
                       (repeatable; values parse like --set values; [3,5],[7] is two arrays)
  --grid KEY           with --random: draw KEY from the technique's sampler
  --random N           N random points instead of the full grid (no --grid: every
                       hyperparameter the technique has a sampler for)
  --seed S             seed of the random search (default 0)
  --seeds 0,1,2        seeds of every point (default 0)
  --set KEY=VALUE      override any config key for every point, repeatable
  --steps N            optimiser steps for every point
  --name NAME          name of the sweep in the store (default: from its spec)
  --no-baseline        do not add the baseline runs the scores need
  --workers N, --threads N, --backend B, --out DIR, --retry-failed, --plugin FILE,
  --no-report, --db PATH, --json: as for 'antilearn bench'
`;

/** Parse `--seeds 0,1,2`. */
function parseSeeds(raw: string): number[] {
  const seeds = raw.split(",").map((s) => s.trim());
  const out = seeds.map((s) => Number(s));
  if (seeds.some((s) => s === "") || out.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new ConfigError(`--seeds must be non-negative integers separated by commas (e.g. 0,1,2), got '${raw}'`);
  }
  return [...new Set(out)];
}

/** `antilearn sweep`. */
export async function sweepCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("sweep", {
    args: argv,
    options: {
      ...PLAN_OPTIONS,
      task: { type: "string" },
      technique: { type: "string" },
      model: { type: "string" },
      grid: { type: "string", multiple: true, default: [] },
      random: { type: "string" },
      seed: { type: "string" },
      seeds: { type: "string", default: "0" },
      set: { type: "string", multiple: true, default: [] },
      steps: { type: "string" },
      name: { type: "string" },
      "no-baseline": { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SWEEP_HELP);
    return 0;
  }
  const n = intFlag("random", values.random, 1);
  const steps = intFlag("steps", values.steps, 0);
  const spec: SweepSpec = {
    task: requireFlag("sweep", "task", values.task, "see 'antilearn list tasks'"),
    technique: requireFlag("sweep", "technique", values.technique, "see 'antilearn list techniques'"),
    model: values.model,
    sets: [...(values.set ?? []), ...(steps !== undefined ? [`train.steps=${steps}`] : [])],
    axes: (values.grid ?? []).map(parseGridFlag),
    random: n !== undefined ? { n, seed: intFlag("seed", values.seed, 0) ?? 0 } : undefined,
    seeds: parseSeeds(values.seeds ?? "0"),
  };
  if (values.seed !== undefined && n === undefined) {
    throw new ConfigError("--seed is the random search's seed and needs --random N; use --seeds for the runs' seeds");
  }
  const configs = expandSweep(spec);
  const name = values.name ?? `sweep-${spec.task}-${spec.technique}-${hashConfig(spec).slice(0, 6)}`;
  const plan = makePlan(name, "sweep", spec, values["no-baseline"] ? configs : withBaselines(configs));
  return executePlan(plan, values);
}
