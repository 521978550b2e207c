import type { z } from "zod";
import { hashConfig } from "../config/canonical.js";
import type { RunConfig } from "../config/run-config.js";
import { currentBackend } from "../engine/backend.js";
import { deriveSeed, Rng } from "../engine/rng.js";
import { tf } from "../engine/tf.js";
import { evaluateBehaviour } from "../eval/behaviour.js";
import { interpretModel } from "../eval/interp.js";
import { probeModel } from "../eval/probe.js";
import { type RelearnResult, relearnAttack } from "../eval/relearn.js";
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
  /** One line per evaluation stage after training ("probe: …"), for logs. */
  onEvalProgress?: (message: string) => void;
  /**
   * Called with the trained model after the evaluations, before it is freed
   * (to save weights or run extra analyses; do not keep the model).
   */
  onTrained?: (model: Model, task: BuiltTask) => void | Promise<void>;
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

/** What the post-training evaluations add to a record. */
export interface EvalOutcome {
  /** probeY, probeY_fresh, relearnY, relearnY_fresh, relearnAuc, … (see `evaluateModel`). */
  metrics: Record<string, number>;
  /** probe (per-hook tables), relearn (curves), interp (irrep or Fourier tables). */
  extra: Record<string, unknown>;
  /** Milliseconds per stage. */
  timing: { probeMs: number; relearnMs: number; interpMs: number };
}

/**
 * Results of the fresh-model references, by what determines them. The fresh
 * model is `buildModel(config, task, "fresh")` — a function of the task,
 * model and seed only — and every evaluation is seeded, so its probe and
 * attack results are the same for every technique of a setting: a process
 * that evaluates several techniques (a bench worker, `eval --score`)
 * computes them once. Small FIFO: a process rarely cycles through many
 * settings, and each entry is a few curves.
 */
const freshCache = new Map<string, unknown>();
const FRESH_CACHE_SIZE = 32;

function cachedFresh<T>(what: string, config: RunConfig, compute: () => T): T {
  const backend = currentBackend();
  const key = hashConfig({
    what,
    task: config.task,
    model: config.model,
    eval: config.eval,
    seed: config.seed,
    backend: backend?.name ?? tf.getBackend(),
    threads: backend?.threads ?? 1,
    antilearn: VERSION,
  });
  if (freshCache.has(key)) return structuredClone(freshCache.get(key)) as T;
  const value = compute();
  freshCache.set(key, structuredClone(value));
  if (freshCache.size > FRESH_CACHE_SIZE) freshCache.delete(freshCache.keys().next().value as string);
  return value;
}

/**
 * The attack's budget with "auto" resolved: steps = 15% of train.steps, batch
 * = the training batch (512 when training is full batch), curve scored at 10
 * intervals. Relative to the training budget so that the attack stays a
 * fixed, modest share of what it probes, whatever the pair.
 */
export function resolveRelearnBudget(config: RunConfig): { steps: number; batchSize: number; evalEvery: number } {
  const { relearnSteps, relearnBatchSize, relearnEvalEvery } = config.eval;
  const steps = relearnSteps === "auto" ? Math.max(1, Math.round(0.15 * config.train.steps)) : relearnSteps;
  const batchSize =
    relearnBatchSize === "auto" ? (config.train.batchSize > 0 ? config.train.batchSize : 512) : relearnBatchSize;
  const evalEvery = relearnEvalEvery === "auto" ? Math.max(1, Math.round(steps / 10)) : relearnEvalEvery;
  return { steps, batchSize, evalEvery };
}

/** Attack sizes from `eval.relearnK` (≤ 1: fraction of Y.relearn, else a count), clamped to Y.relearn, ascending, unique. */
export function resolveRelearnK(values: readonly number[], n: number): number[] {
  const ks = values.map((v) => Math.min(n, Math.max(1, v <= 1 ? Math.round(v * n) : Math.round(v))));
  return [...new Set(ks)].sort((a, b) => a - b);
}

/**
 * The evaluations of protocol §3 beyond behaviour, on a trained model, as
 * `config.eval` switches them on: probes (`probeY` = best hook's Y.test
 * accuracy, `probeY_fresh` the same on a freshly initialised model), the
 * relearning attack (per mode and k: `relearnY_<mode>_k<k>`,
 * `relearnAuc_<mode>_k<k>` and their `_fresh` twins; `relearnY` /
 * `relearnAuc` and `..._fresh` = the strongest mode at the largest k, i.e.
 * the max over modes, taken separately for the model and for fresh), and
 * interp. The fresh model is `buildModel(config, task, "fresh")`: it depends
 * only on the seed and the model config, so it is the same for a technique
 * and its baseline. The trained model is only read.
 */
export function evaluateModel(
  config: RunConfig,
  task: BuiltTask,
  model: Model,
  log: (message: string) => void = () => {},
): EvalOutcome {
  const ev = config.eval;
  const metrics: Record<string, number> = {};
  const extra: Record<string, unknown> = {};
  const timing = { probeMs: 0, relearnMs: 0, interpMs: 0 };
  const relearnSplit = task.splits["Y.relearn"];
  const yTest = task.splits["Y.test"];
  const fresh = () => buildModel(config, task, "fresh");

  if (ev.probe) {
    const t = performance.now();
    const opts = {
      hooks: ev.probeHooks,
      steps: ev.probeSteps,
      lr: ev.probeLr,
      l2: ev.probeL2,
      maxFeatures: ev.probeMaxFeatures,
      maxExamples: ev.probeMaxExamples,
      batchSize: ev.batchSize,
      spatial: task.input.kind === "image",
    };
    const rng = () => new Rng(deriveSeed(config.seed, "eval:probe"));
    const trained = probeModel(model, relearnSplit, yTest, task.numClasses, { ...opts, rng: rng() });
    const ref = cachedFresh("probe", config, () => {
      const f = fresh();
      try {
        return probeModel(f, relearnSplit, yTest, task.numClasses, { ...opts, rng: rng() });
      } finally {
        f.dispose();
      }
    });
    metrics.probeY = trained.best.testAcc;
    metrics.probeY_fresh = ref.best.testAcc;
    extra.probe = { model: trained, fresh: ref };
    timing.probeMs = performance.now() - t;
    log(
      `probe: best ${trained.best.hook} ${trained.best.testAcc.toFixed(4)} (fresh: ${ref.best.hook} ${ref.best.testAcc.toFixed(4)}), ${(timing.probeMs / 1000).toFixed(1)} s`,
    );
  }

  if (ev.relearn) {
    const t = performance.now();
    const ks = resolveRelearnK(ev.relearnK, relearnSplit.n);
    const budget = resolveRelearnBudget(config);
    const kMax = ks[ks.length - 1];
    const results: Record<string, { model: RelearnResult; fresh: RelearnResult }> = {};
    for (const mode of ev.relearnModes) {
      const opts = {
        ks,
        mode,
        steps: budget.steps,
        batchSize: budget.batchSize,
        evalEvery: budget.evalEvery,
        curveExamples: ev.relearnCurveExamples,
        optimizer: {
          optimizer: ev.relearnOptimizer,
          lr: ev.relearnLr,
          weightDecay: ev.relearnWeightDecay,
          beta1: 0.9,
          beta2: 0.999,
        },
        evalBatchSize: ev.batchSize,
      };
      // The same stream for the model and its fresh reference: same examples, same batch order.
      const rng = () => new Rng(deriveSeed(config.seed, `eval:relearn:${mode}`));
      const copy = () => buildModel(config, task, "relearn-copy");
      const onModel = relearnAttack(model, copy, relearnSplit, yTest, { ...opts, rng: rng() });
      const onFresh = cachedFresh(`relearn:${mode}`, config, () => {
        const f = fresh();
        try {
          return relearnAttack(f, copy, relearnSplit, yTest, { ...opts, rng: rng() });
        } finally {
          f.dispose();
        }
      });
      results[mode] = { model: onModel, fresh: onFresh };
      for (const [suffix, r] of [
        ["", onModel],
        ["_fresh", onFresh],
      ] as const) {
        for (const c of r.curves) {
          metrics[`relearnY${suffix}_${mode}_k${c.k}`] = c.final;
          metrics[`relearnAuc${suffix}_${mode}_k${c.k}`] = c.auc;
        }
      }
      const last = (r: RelearnResult) => r.curves[r.curves.length - 1];
      log(
        `relearn ${mode} k=${kMax}: ${last(onModel).final.toFixed(4)} (fresh ${last(onFresh).final.toFixed(4)}) after ${budget.steps} steps`,
      );
    }
    const best = (key: "relearnY" | "relearnAuc", suffix: string) =>
      Math.max(...ev.relearnModes.map((m) => metrics[`${key}${suffix}_${m}_k${kMax}`]));
    metrics.relearnY = best("relearnY", "");
    metrics.relearnY_fresh = best("relearnY", "_fresh");
    metrics.relearnAuc = best("relearnAuc", "");
    metrics.relearnAuc_fresh = best("relearnAuc", "_fresh");
    extra.relearn = { ks, ...budget, modes: results };
    timing.relearnMs = performance.now() - t;
    log(`relearn: ${(timing.relearnMs / 1000).toFixed(1)} s`);
  }

  if (ev.interp) {
    const t = performance.now();
    const r = interpretModel(model, task, {
      batchSize: ev.batchSize,
      keyThreshold: ev.interpKeyThreshold,
      fourierThreshold: ev.interpFourierThreshold,
    });
    if (r) extra.interp = r;
    timing.interpMs = performance.now() - t;
    if (r?.kind === "group") {
      log(`interp: key irreps ${r.groups.map((g) => `${g.group}: ${g.keyIrreps?.join(", ") || "none"}`).join("; ")}`);
    }
  }
  return { metrics, extra, timing };
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
    const evalBefore = evalMs; // checkpoint(0) ran before the training clock started
    await tech.train(ctx);
    trainMs = performance.now() - tt - (evalMs - evalBefore);
    if (opts.signal?.aborted) throw new Error("interrupted");
    const te = performance.now();
    metrics = evaluateBehaviour(model, { xTest, yTest }, config.eval.batchSize);
    evalMs += performance.now() - te;
    if (curves.step[curves.step.length - 1] !== steps) push(curves, { step: steps, ...metrics });
    if (stopReason) extra.stopReason = stopReason;
    const ev = evaluateModel(config, task, model, opts.onEvalProgress);
    Object.assign(metrics, ev.metrics);
    Object.assign(extra, ev.extra);
    extra.evalTiming = ev.timing;
    evalMs += ev.timing.probeMs + ev.timing.relearnMs + ev.timing.interpMs;
    await opts.onTrained?.(model, task);
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
