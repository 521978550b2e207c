/**
 * antilearn: task pairs, models, techniques and evaluations for training on a
 * task X so that a related task Y is never learned. The CLI (`antilearn`) is
 * the usual entry point; this module is the library.
 */

export { applySets, type PartialRunConfig, type RunConfig, resolveRunConfig } from "./config/run-config.js";
export { type BackendChoice, currentBackend, initBackend } from "./engine/backend.js";
export { Rng } from "./engine/rng.js";
export { tf } from "./engine/tf.js";
export { type Model, models, runWithCache, withCache } from "./models/index.js";
export { executeRun, runId } from "./run/execute.js";
export { ResultStore, resolveDbPath } from "./store/sqlite.js";
export type { RunRecord } from "./store/types.js";
export { type BuiltTask, type Split, type TaskPair, tasks } from "./tasks/index.js";
export { type Technique, type TrainContext, techniques } from "./techniques/index.js";
export { VERSION } from "./version.js";
