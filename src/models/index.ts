import type { z } from "zod";
import { Registry } from "../util/registry.js";
import { cnnConfig, createCnn } from "./cnn.js";
import { createEmbedMlp, embedMlpConfig } from "./embed-mlp.js";
import { createMlp, mlpConfig } from "./mlp.js";
import { createTransformer, transformerConfig } from "./transformer.js";
import type { Model, ModelBuildArgs } from "./types.js";

export {
  type ActivationEdit,
  affineEdit,
  clearEdits,
  copyEdits,
  getEdits,
  multiplyEdit,
  removeEdit,
  setEdit,
} from "./edits.js";
export { type ActivationCache, type HookFilter, runWithCache, withCache } from "./hooks.js";
export type { HookFn, InputSpec, Model, ModelBuildArgs } from "./types.js";

/** A model architecture: a zod schema for its hyperparameters and a factory. */
export interface ModelEntry<S extends z.ZodType = z.ZodType> {
  name: string;
  describe: string;
  /** Which input kinds it accepts. */
  inputs: readonly ("tokens" | "image" | "vector")[];
  configSchema: S;
  create(args: ModelBuildArgs<z.infer<S>>): Model;
}

/** Helper that keeps the schema and the factory's config type in step. */
export function defineModel<S extends z.ZodType>(m: ModelEntry<S>): ModelEntry<S> {
  return m;
}

/** All model architectures, by name. */
export const models = new Registry<ModelEntry>("model");

models.register(
  defineModel({
    name: "embed-mlp",
    describe: "separate token embeddings, concat, one ReLU hidden layer, unembed, no biases (Chughtai et al. 2023)",
    inputs: ["tokens"],
    configSchema: embedMlpConfig,
    create: createEmbedMlp,
  }) as unknown as ModelEntry,
);

models.register(
  defineModel({
    name: "transformer",
    describe: "1-layer transformer, 4 heads, ReLU MLP, no LayerNorm, logits at the last position (Nanda et al. 2023)",
    inputs: ["tokens"],
    configSchema: transformerConfig,
    create: createTransformer,
  }) as unknown as ModelEntry,
);

models.register(
  defineModel({
    name: "cnn",
    describe: "conv3x3-32, pool, conv3x3-64, pool, dense 128, dense out; ReLU, biases (perf workload mnist-cnn)",
    inputs: ["image"],
    configSchema: cnnConfig,
    create: createCnn,
  }) as unknown as ModelEntry,
);

models.register(
  defineModel({
    name: "mlp",
    describe: "flattened input, ReLU hidden layers 256-256 with biases (perf workload mnist-mlp)",
    inputs: ["image", "vector"],
    configSchema: mlpConfig,
    create: createMlp,
  }) as unknown as ModelEntry,
);
