import type { RunConfig } from "../config/run-config.js";
import { runId } from "../run/execute.js";

/** One run of a plan: its id (the resume key) and its resolved config. */
export interface PlannedRun {
  id: string;
  config: RunConfig;
}

/** A named list of runs from a suite or a sweep, ready for the worker pool. */
export interface Plan {
  name: string;
  kind: "suite" | "sweep";
  /** What it was expanded from, stored with the plan for reports. */
  spec: unknown;
  runs: PlannedRun[];
}

/**
 * Make a plan from configs: ids from `runId` (config + seed + code version),
 * duplicates dropped (two entries that resolve to the same config are one
 * run), order kept.
 */
export function makePlan(name: string, kind: Plan["kind"], spec: unknown, configs: readonly RunConfig[]): Plan {
  const seen = new Set<string>();
  const runs: PlannedRun[] = [];
  for (const config of configs) {
    const id = runId(config);
    if (seen.has(id)) continue;
    seen.add(id);
    runs.push({ id, config });
  }
  return { name, kind, spec, runs };
}
