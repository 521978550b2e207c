import type { RunConfig } from "../config/run-config.js";
import type { BackendChoice } from "../engine/backend.js";
import type { RunRecord } from "../store/types.js";

/** Parent → worker. Exactly one `run` is in flight per worker. */
export type ToWorker =
  | {
      type: "init";
      backend: BackendChoice;
      threads: number;
      /** Modules to import before anything runs (plugins that register tasks or techniques). */
      imports: string[];
    }
  | { type: "run"; id: string; config: RunConfig }
  | { type: "exit" };

/** Worker → parent. */
export type FromWorker =
  | { type: "ready"; backend: string; threads: number; versions: Record<string, string> }
  /** Initialisation failed (bad backend, bad plugin): the whole bench stops with this error. */
  | { type: "fatal"; error: string }
  | { type: "progress"; id: string; step: number; steps: number; accX?: number; accY?: number }
  | { type: "done"; id: string; record: RunRecord }
  /** The pipeline threw before it could make a record (e.g. a task that cannot be built). */
  | { type: "error"; id: string; error: string };
