/**
 * antilearn: task pairs, models, techniques and evaluations for training on a
 * task X so that a related task Y is never learned. The CLI (`antilearn`) is
 * the usual entry point; this module is the library.
 */
export { VERSION } from "./version.js";
export { initBackend, currentBackend, type BackendChoice } from "./engine/backend.js";
export { Rng } from "./engine/rng.js";
export { tf } from "./engine/tf.js";
export { tasks, type TaskPair, type BuiltTask, type Split } from "./tasks/index.js";
export { models, runWithCache, withCache, type Model } from "./models/index.js";
export { techniques, type Technique, type TrainContext } from "./techniques/index.js";
export { resolveRunConfig, applySets, type RunConfig, type PartialRunConfig } from "./config/run-config.js";
export { executeRun, runId } from "./run/execute.js";
export { ResultStore, resolveDbPath } from "./store/sqlite.js";
export type { RunRecord } from "./store/types.js";
