import { applySets, type PartialRunConfig, resolveRunConfig } from "../../config/run-config.js";
import { type BackendChoice, initBackend } from "../../engine/backend.js";
import { executeRun, runId } from "../../run/execute.js";
import { ResultStore, resolveDbPath } from "../../store/sqlite.js";
import { COMMON_OPTIONS, intFlag, parseFlags, requireFlag } from "../args.js";
import { summarize } from "../format.js";
import { Progress } from "../progress.js";

export const RUN_HELP = `antilearn run --task NAME --technique NAME [options]

Train one model with one technique on one task pair, evaluate it and record it.

  --task NAME         task pair (antilearn list tasks)
  --technique NAME    technique (antilearn list techniques)
  --model NAME        model architecture (default: the task's)
  --seed N            seed for data and initialisation (default 0)
  --steps N           optimiser steps (default: the task's budget)
  --set KEY=VALUE     override any config key, repeatable:
                      task.trainFraction=0.5  train.lr=0.001  model.dHidden=64
                      eval.relearnSteps=300  eval.relearnK=[0.25,1]  eval.probeSteps=100
  --no-probe          skip the linear probes (same as --set eval.probe=false)
  --no-relearn        skip the relearning attack (eval.relearn=false)
  --no-interp         skip irreps / Fourier analysis (eval.interp=false)
  --backend B         auto | native | node | wasm | cpu (default auto)
  --threads N         intra-op threads (default: ANTILEARN_THREADS or 1)
  --db PATH           results store (default: ANTILEARN_DB or .antilearn/results.db)
  --no-store          do not record the run
  --json              print the record as JSON on stdout
`;

/** `antilearn run`: returns the process exit code (0 ok, 1 the run failed). */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("run", {
    args: argv,
    options: {
      ...COMMON_OPTIONS,
      task: { type: "string" },
      technique: { type: "string" },
      model: { type: "string" },
      seed: { type: "string" },
      steps: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      "no-store": { type: "boolean", default: false },
      "no-probe": { type: "boolean", default: false },
      "no-relearn": { type: "boolean", default: false },
      "no-interp": { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const partial: PartialRunConfig = {
    task: { name: requireFlag("run", "task", values.task, "see 'antilearn list tasks'") },
    technique: { name: requireFlag("run", "technique", values.technique, "see 'antilearn list techniques'") },
    model: values.model ? { name: values.model } : {},
    seed: intFlag("seed", values.seed, 0) ?? 0,
  };
  const steps = intFlag("steps", values.steps, 0);
  if (steps !== undefined) partial.train = { steps };
  // The eval switches are config keys (they change what a run records, so its id).
  const off: Record<string, boolean> = {};
  for (const k of ["probe", "relearn", "interp"] as const) if (values[`no-${k}`]) off[k] = false;
  if (Object.keys(off).length) partial.eval = off;
  const config = resolveRunConfig(applySets(partial, values.set ?? []));
  const backend = await initBackend(values.backend as BackendChoice, intFlag("threads", values.threads, 1));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  // tfjs-node is an optional extra most users never install: its absence is
  // no news. A native backend that did not build is (installing
  // libopenblas-dev makes training several times faster), so say why.
  for (const s of backend.skipped) {
    if (s.name !== "node") log(`antilearn: backend ${s.name} unavailable (${s.reason}); falling back`);
  }
  log(`backend: ${backend.name} (${backend.threads} thread${backend.threads === 1 ? "" : "s"})`);
  log(
    `run ${runId(config)}: ${config.task.name} × ${config.technique.name}, seed ${config.seed}, ${config.train.steps} steps`,
  );

  const progress = new Progress(config.technique.name);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  let lastCurve: { accX: number; accY: number } | undefined;
  let evalStarted = false;
  const record = await executeRun(config, {
    signal: abort.signal,
    onEvalProgress: (m) => {
      // Close the training bar once before the first evaluation line.
      if (!evalStarted) progress.done();
      evalStarted = true;
      log(m);
    },
    onProgress: (e) => {
      if (e.curve) lastCurve = e.curve;
      const fields: Record<string, number> = { loss: e.metrics.lossX };
      if (lastCurve) Object.assign(fields, lastCurve);
      progress.update(e.step, e.steps, fields, e.curve !== undefined);
    },
  });
  process.off("SIGINT", onSigint);
  if (!evalStarted) progress.done();
  if (!values["no-store"]) {
    const store = new ResultStore(resolveDbPath(values.db));
    store.put(record);
    store.close();
    log(`recorded in ${store.path}`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(record)}\n`);
  else process.stdout.write(`${summarize(record)}\n`);
  return record.status === "ok" ? 0 : 1;
}
