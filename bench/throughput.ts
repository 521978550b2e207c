/**
 * Worker-pool throughput: the same set of equal runs executed with 1 worker
 * and with 2 (or --workers a,b,…) worker processes, each with one compute
 * thread; prints runs per minute and the speed-up over the first count, with
 * the machine's load before and after (the numbers mean little on a machine
 * that others are using: say how loaded it was).
 *
 *   node --import tsx bench/throughput.ts [--runs 8] [--workers 1,2] [--steps 60] [--backend auto] [--json]
 *
 * Runs are a5-s5 × baseline at the default model size with distinct seeds
 * (equal work), evaluations off so that every run is the same training
 * loop. Nothing is stored.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { makePlan } from "../src/bench/plan.js";
import { WorkerPool } from "../src/bench/pool.js";
import { applySets, resolveRunConfig } from "../src/config/run-config.js";
import type { BackendChoice } from "../src/engine/backend.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "8" },
    workers: { type: "string", default: "1,2" },
    steps: { type: "string", default: "60" },
    backend: { type: "string", default: "auto" },
    json: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const counts = String(values.workers).split(",").map(Number);
const configs = Array.from({ length: runs }, (_, seed) =>
  resolveRunConfig(
    applySets({ task: { name: "a5-s5" }, technique: { name: "baseline" }, seed }, [
      `train.steps=${values.steps}`,
      `train.evalEvery=${values.steps}`,
      "eval.probe=false",
      "eval.relearn=false",
      "eval.interp=false",
    ]),
  ),
);
const plan = makePlan("throughput", "suite", null, configs);

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const results: { workers: number; wallS: number; busyS: number; runsPerMin: number; backend: string }[] = [];
const loadBefore = load();
for (const workers of counts) {
  let firstStart = 0;
  let backend = "";
  const t0 = performance.now();
  const pool = new WorkerPool({
    workers,
    backend: values.backend as BackendChoice,
    onEvent: (e) => {
      if (e.type === "start" && !firstStart) firstStart = performance.now();
      if (e.type === "worker") backend = e.backend;
    },
  });
  let failed = 0;
  await pool.run(plan.runs, (r) => {
    if (r.status !== "ok") failed++;
  });
  const t1 = performance.now();
  if (failed) throw new Error(`${failed} runs failed; throughput numbers would be meaningless`);
  // busy time: from the first run's start (workers started) to the last record
  const busyS = (t1 - firstStart) / 1000;
  results.push({ workers, wallS: (t1 - t0) / 1000, busyS, runsPerMin: (60 * runs) / busyS, backend });
  process.stderr.write(
    `${workers} worker(s): ${runs} runs in ${busyS.toFixed(1)} s (${((t1 - t0) / 1000).toFixed(1)} s with start-up)\n`,
  );
}
const loadAfter = load();
const summary = {
  cores: availableParallelism(),
  runs,
  steps: Number(values.steps),
  loadavgBefore: loadBefore,
  loadavgAfter: loadAfter,
  results: results.map((r) => ({ ...r, speedup: r.runsPerMin / results[0].runsPerMin })),
};
if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  process.stdout.write(
    `cores ${summary.cores}; load average (1/5/15 min) before ${loadBefore}, after ${loadAfter}\n${summary.results
      .map(
        (r) =>
          `${r.workers} worker(s), backend ${r.backend}: ${r.runsPerMin.toFixed(2)} runs/min (${r.busyS.toFixed(1)} s busy, ${r.wallS.toFixed(1)} s wall)  speed-up ×${r.speedup.toFixed(2)}`,
      )
      .join("\n")}\n`,
  );
}
