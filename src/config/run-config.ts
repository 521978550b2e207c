import { z } from "zod";
import { models } from "../models/index.js";
import { tasks } from "../tasks/index.js";
import { techniques } from "../techniques/index.js";
import { ConfigError } from "../util/errors.js";
import { TRAIN_DEFAULTS, type TrainConfig, trainConfig } from "./train.js";

/**
 * Evaluation settings (protocol §3). The probe, relearn and interp budgets are
 * part of the run's identity (a score compares a run with the baseline run
 * of the same eval config), so they live here and not in CLI flags.
 *
 * Default budgets were sized on a5-s5: the attack must learn the 60 odd
 * elements' embeddings from its own data, which the seed-0 baseline does
 * from 5,400 examples (all of Y.relearn) in ~120 steps of batch 512 at lr
 * 1e-2 (Y.test 0.99; 2,700 examples: 0.74; 540: 0.02); probes and attacks
 * together cost less than half of the baseline's 1,000 full-batch steps.
 */
export const evalConfig = z
  .object({
    /**
     * Examples per forward pass during evaluation (speed and memory, not
     * results). 256 measured 1.5–3× faster than 4096 on the CNN pairs (the
     * im2col buffers of a 4096-image batch leave the caches) and no slower
     * on the token pairs.
     */
    batchSize: z.number().int().positive().default(256),
    /** Linear probes on every hook of the trained and of a fresh model (`probeY`, `probeY_fresh`). */
    probe: z.boolean().default(true),
    /** Full-batch Adam steps per probe. */
    probeSteps: z.number().int().positive().default(50),
    probeLr: z.number().positive().default(0.05),
    /** Weight of the L2 penalty on the probe's weights. */
    probeL2: z.number().nonnegative().default(1e-4),
    /** Activations wider than this are pooled (image maps) or subsampled to this many features. */
    probeMaxFeatures: z.number().int().positive().default(1024),
    /** Rows of Y.relearn (and of Y.test) used by the probe at most; larger splits are subsampled. */
    probeMaxExamples: z.number().int().positive().default(4096),
    /** Hooks to probe; empty = every hook except hook_logits. */
    probeHooks: z.array(z.string()).default([]),
    /** The relearning attack on the trained and on a fresh model (`relearnY`, `relearnY_fresh`). */
    relearn: z.boolean().default(true),
    /** Which parameters the attack trains: `embed` (embeddings + unembedding) and/or `all`. */
    relearnModes: z
      .array(z.enum(["embed", "all"]))
      .min(1)
      .default(["embed", "all"]),
    /** Attack sizes: a value ≤ 1 is a fraction of Y.relearn, a larger one a number of examples. */
    relearnK: z.array(z.number().positive()).min(1).default([0.5, 1]),
    /**
     * Optimiser steps per attack; "auto" = 15% of train.steps (150 for a5-s5's
     * 1,000), so the attack stays a small, fixed share of the budget it probes.
     */
    relearnSteps: z.union([z.number().int().nonnegative(), z.literal("auto")]).default("auto"),
    /**
     * Examples per attack step; 0 = all k; "auto" = train.batchSize, or 512 when
     * training is full batch (the group and modular pairs, whose splits are small).
     */
    relearnBatchSize: z.union([z.number().int().nonnegative(), z.literal("auto")]).default("auto"),
    relearnOptimizer: z.enum(["adamw", "sgd"]).default("adamw"),
    relearnLr: z.number().positive().default(1e-2),
    relearnWeightDecay: z.number().nonnegative().default(0),
    /** Score the curve every this many attack steps; "auto" = a tenth of the attack (11 curve points). */
    relearnEvalEvery: z.union([z.number().int().positive(), z.literal("auto")]).default("auto"),
    /** The curve is scored on a seeded subset of this many Y.test rows; the final accuracy on all of Y.test. */
    relearnCurveExamples: z.number().int().positive().default(512),
    /** Irreps (group tasks) or Fourier frequencies (modular tasks) of the embeddings and logits. */
    interp: z.boolean().default(true),
    /** Logit similarity at or above which an irrep counts as key. */
    interpKeyThreshold: z.number().min(0).max(1).default(0.05),
    /** Share of the norm at or above which a frequency counts as key. */
    interpFourierThreshold: z.number().min(0).max(1).default(0.05),
  })
  .strict();
export type EvalConfig = z.infer<typeof evalConfig>;

/** A named section: `{ name, ...params }`. */
type Named = { name: string } & Record<string, unknown>;

/** A fully resolved run config: every default filled in, every key validated. */
export interface RunConfig {
  task: Named;
  model: Named;
  technique: Named;
  train: TrainConfig;
  eval: EvalConfig;
  seed: number;
}

/** What a user or a suite file gives: names and any overrides. */
export interface PartialRunConfig {
  task: { name: string } & Record<string, unknown>;
  technique: { name: string } & Record<string, unknown>;
  model?: { name?: string } & Record<string, unknown>;
  train?: Partial<TrainConfig>;
  eval?: Partial<EvalConfig>;
  seed?: number;
}

const SECTIONS = ["task", "model", "technique", "train", "eval"] as const;

/** Turn zod issues into one ConfigError that names the key and what is allowed. */
function zodToConfigError(section: string, err: z.ZodError, shape: Record<string, unknown> | undefined): ConfigError {
  const lines = err.issues.map((iss) => {
    if (iss.code === "unrecognized_keys") {
      const valid = shape ? Object.keys(shape) : [];
      return `unknown key ${iss.keys.map((k) => `'${section}.${k}'`).join(", ")}; valid keys: ${
        valid.length ? valid.map((k) => `${section}.${k}`).join(", ") : `(none: ${section} takes no parameters)`
      }`;
    }
    const key = [section, ...iss.path.map(String)].join(".");
    return `${key}: ${iss.message}`;
  });
  return new ConfigError(lines.join("\n"));
}

function parseSection<S extends z.ZodType>(section: string, schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, unknown>) : undefined;
    throw zodToConfigError(section, r.error, shape);
  }
  return r.data;
}

/**
 * Validate a partial config and fill in every default: task parameters from
 * the task's schema, the model from the task's default, training settings
 * from the task's `trainDefaults` over the global ones, evaluation settings
 * from the task's `evalDefaults` over the global ones.
 */
export function resolveRunConfig(p: PartialRunConfig): RunConfig {
  for (const k of Object.keys(p)) {
    if (!(SECTIONS as readonly string[]).includes(k) && k !== "seed") {
      throw new ConfigError(`unknown config section '${k}'; valid sections: ${SECTIONS.join(", ")}, seed`);
    }
  }
  const seed = p.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new ConfigError(`seed must be a non-negative integer, got ${seed}`);
  const { name: taskName, ...taskParams } = p.task;
  const task = tasks.get(taskName);
  const taskCfg = parseSection("task", task.configSchema, taskParams);
  const { name: techName, ...techParams } = p.technique;
  const tech = techniques.get(techName);
  const techCfg = parseSection("technique", tech.hparams, techParams);
  const { name: modelNameGiven, ...modelParams } = p.model ?? {};
  const model = models.get(modelNameGiven ?? task.defaultModel);
  const modelCfg = parseSection("model", model.configSchema, modelParams);
  const train = parseSection("train", trainConfig, { ...TRAIN_DEFAULTS, ...task.trainDefaults, ...(p.train ?? {}) });
  const ev = parseSection("eval", evalConfig, { ...task.evalDefaults, ...(p.eval ?? {}) });
  return {
    task: { name: task.name, ...(taskCfg as object) },
    model: { name: model.name, ...(modelCfg as object) },
    technique: { name: tech.name, ...(techCfg as object) },
    train,
    eval: ev,
    seed,
  };
}

/**
 * Parse a `--set` value: JSON where it parses (numbers, booleans, arrays,
 * objects, quoted strings), otherwise the raw string. `1e-3` → 0.001.
 */
export function parseSetValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Apply `section.key=value` overrides (the CLI's `--set`) to a partial
 * config. The section must be one of task, model, technique, train, eval;
 * key validity is checked later by `resolveRunConfig` against the schemas.
 */
export function applySets(p: PartialRunConfig, sets: readonly string[]): PartialRunConfig {
  const out: PartialRunConfig = {
    ...p,
    task: { ...p.task },
    technique: { ...p.technique },
    model: { ...(p.model ?? {}) },
    train: { ...(p.train ?? {}) },
    eval: { ...(p.eval ?? {}) },
  };
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new ConfigError(`--set expects section.key=value, got '${s}'`);
    const path = s.slice(0, eq).trim();
    const value = parseSetValue(s.slice(eq + 1).trim());
    const dot = path.indexOf(".");
    const section = dot > 0 ? path.slice(0, dot) : path;
    const key = dot > 0 ? path.slice(dot + 1) : "";
    if (!(SECTIONS as readonly string[]).includes(section) || !key) {
      throw new ConfigError(
        `--set key '${path}' must be section.key with section one of ${SECTIONS.join(", ")} (e.g. train.lr=0.001, task.trainFraction=0.5)`,
      );
    }
    if (key === "name" && section !== "model") {
      throw new ConfigError(`use --${section} to choose the ${section}, not --set ${section}.name`);
    }
    (out[section as (typeof SECTIONS)[number]] as Record<string, unknown>)[key] = value;
  }
  return out;
}
