import type { z } from "zod";
import { hashConfig } from "../config/canonical.js";
import type { RunConfig } from "../config/run-config.js";
import { currentBackend } from "../engine/backend.js";
import { deriveSeed, Rng } from "../engine/rng.js";
import { tf } from "../engine/tf.js";
import { evaluateBehaviour } from "../eval/behaviour.js";
import { models } from "../models/index.js";
import type { Model } from "../models/types.js";
import type { RunRecord } from "../store/types.js";
import { tasks } from "../tasks/index.js";
import type { BuiltTask } from "../tasks/types.js";
import { techniques } from "../techniques/index.js";
import type { StepMetrics, TrainContext } from "../techniques/types.js";
import { NumericalError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { guardTask } from "./guard.js";

/** The run id: hash of the canonical resolved config (seed included) and the code version. */
export function runId(config: RunConfig): string {
  return hashConfig({ config, antilearn: VERSION });
}

/** What the pipeline reports while it runs (progress bars, logs). */
export interface ProgressEvent {
  step: number;
  steps: number;
  metrics: StepMetrics;
  /** Present at evaluation checkpoints. */
  curve?: { accX: number; accY: number };
}

export interface ExecuteOptions {
  onProgress?: (e: ProgressEvent) => void;
  /** Aborting stops training at the next step; the run is recorded as failed ("interrupted"). */
  signal?: AbortSignal;
}

/** Build the model a config names, initialised from the run's seed. */
export function buildModel(config: RunConfig, task: BuiltTask, label = "init"): Model {
  const entry = models.get(config.model.name);
  const { name: _n, ...modelCfg } = config.model;
  const rng = new Rng(deriveSeed(config.seed, `model:${label}`));
  return entry.create({ input: task.input, numClasses: task.numClasses, config: modelCfg, rng });
}

/** Build the task a config names (its splits are a function of config and seed). */
export function buildTask(config: RunConfig): BuiltTask {
  const pair = tasks.get(config.task.name);
  const { name: _n, ...taskCfg } = config.task;
  return pair.build(taskCfg, config.seed);
}

function push(cols: Record<string, number[]>, row: Record<string, number>): void {
  const n = cols.step?.length ?? 0;
  for (const [k, v] of Object.entries(row)) {
    if (!cols[k]) cols[k] = new Array(n).fill(Number.NaN);
    cols[k].push(v);
  }
  for (const k of Object.keys(cols)) if (!(k in row)) cols[k].push(Number.NaN);
}

/**
 * The single-run pipeline (`(config, seed) → record`): build the task and the
 * model, train with the technique, evaluate, and return the record. Never
 * throws for a failure of the run itself (NaN loss, technique error): those
 * become `status: "failed"` records with the reason. Config errors throw
 * before anything runs.
 */
export async function executeRun(config: RunConfig, opts: ExecuteOptions = {}): Promise<RunRecord> {
  const t0 = performance.now();
  const id = runId(config);
  const backend = currentBackend();
  const tech = techniques.get(config.technique.name);
  const task = buildTask(config);
  const model = buildModel(config, task);
  const tBuilt = performance.now();
  const log: Record<string, number[]> = {};
  const curves: Record<string, number[]> = {};
  const extra: Record<string, unknown> = {};
  const { splits } = task;
  const xTest = splits["X.test"];
  const yTest = splits["Y.test"];
  let steps = 0;
  let stopReason: string | undefined;
  let evalMs = 0;

  const checkpoint = (step: number) => {
    const te = performance.now();
    const b = evaluateBehaviour(model, { xTest, yTest }, config.eval.batchSize);
    evalMs += performance.now() - te;
    push(curves, { step, accX: b.accX, accY: b.accY, lossX: b.lossX, lossY: b.lossY });
    return b;
  };

  const guarded = guardTask(task, tech.name, tech.usesY);
  const { name: _n, ...hparams } = config.technique;
  const ctx: TrainContext<z.infer<typeof tech.hparams>> = {
    task: guarded,
    xTrain: splits["X.train"],
    get yAccess() {
      return guarded.splits["Y.access"];
    },
    model,
    newModel: (label: string) => buildModel(config, task, label),
    train: config.train,
    hparams,
    rng: new Rng(deriveSeed(config.seed, `technique:${tech.name}`)),
    onStep(step, metrics) {
      for (const [k, v] of Object.entries(metrics)) {
        if (!Number.isFinite(v)) {
          throw new NumericalError(`${k} became ${v} at step ${step}; stopping the run (try a lower train.lr)`);
        }
      }
      steps = step;
      push(log, { step, ...metrics });
      let curve: ProgressEvent["curve"];
      if (step % config.train.evalEvery === 0 || step === config.train.steps) {
        const b = checkpoint(step);
        curve = { accX: b.accX, accY: b.accY };
      }
      opts.onProgress?.({ step, steps: config.train.steps, metrics, curve });
    },
    log(step, metrics) {
      push(log, { step, ...metrics });
    },
    shouldStop: () => stopReason !== undefined || (opts.signal?.aborted ?? false),
    stop(reason) {
      stopReason = reason;
    },
  };

  let status: RunRecord["status"] = "ok";
  let error: string | undefined;
  let trainMs = 0;
  let metrics: Record<string, number> = {};
  const before = tf.memory().numTensors;
  try {
    checkpoint(0);
    const tt = performance.now();
    await tech.train(ctx);
    trainMs = performance.now() - tt - evalMs;
    if (opts.signal?.aborted) throw new Error("interrupted");
    const te = performance.now();
    metrics = evaluateBehaviour(model, { xTest, yTest }, config.eval.batchSize);
    evalMs += performance.now() - te;
    if (curves.step[curves.step.length - 1] !== steps) push(curves, { step: steps, ...metrics });
    if (stopReason) extra.stopReason = stopReason;
  } catch (e) {
    status = "failed";
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } finally {
    model.dispose();
  }
  extra.tensorsLeaked = tf.memory().numTensors - before + Object.keys(model.params).length;
  const t1 = performance.now();
  return {
    id,
    status,
    error,
    config: { ...config } as RunRecord["config"],
    seed: config.seed,
    backend: backend?.name ?? tf.getBackend(),
    threads: backend?.threads ?? 1,
    versions: { antilearn: VERSION, tfjs: tf.version_core, node: process.versions.node },
    metrics,
    chance: { x: task.chanceX, y: task.chanceY },
    steps,
    log,
    curves,
    extra,
    timing: { buildMs: tBuilt - t0, trainMs, evalMs, totalMs: t1 - t0 },
    createdAt: new Date().toISOString(),
  };
}
