import type { ResultStore } from "../store/sqlite.js";
import type { Plan, PlannedRun } from "./plan.js";
import { type PoolOptions, type PoolResult, WorkerPool } from "./pool.js";

/** Options of `runPlan`: the pool's, plus what to do with runs already recorded. */
export interface RunPlanOptions extends PoolOptions {
  /** Run again the runs whose record says `failed` (default false: a record, ok or failed, means done). */
  retryFailed?: boolean;
  /** Aborting stops starting runs; in-flight ones finish and are recorded. */
  stopSignal?: AbortSignal;
  /** Aborting kills the workers; in-flight runs are not recorded (the next invocation re-runs them). */
  abandonSignal?: AbortSignal;
  /** Called once the runs to do are known, before any starts. */
  onPlanned?: (todo: readonly PlannedRun[], skipped: number) => void;
}

/** What `runPlan` did. */
export interface RunPlanResult extends PoolResult {
  /** Runs in the plan. */
  total: number;
  /** Runs skipped because a record already existed. */
  skipped: number;
  /** Runs handed to the pool. */
  todo: PlannedRun[];
  /** Whether a stop or abandon signal ended it early. */
  interrupted: boolean;
}

/**
 * Execute a plan against a store, resumably: the plan and its run ids are
 * saved first, runs that already have a record are skipped (the id is the
 * hash of config + seed + code version, so "already recorded" means "this
 * exact run is done"), and each new record is written in its own
 * transaction the moment it arrives, so killing the bench at any point
 * loses nothing that was recorded and the next invocation runs only what is
 * missing.
 */
export async function runPlan(plan: Plan, store: ResultStore, opts: RunPlanOptions = {}): Promise<RunPlanResult> {
  store.savePlan(
    { name: plan.name, kind: plan.kind, spec: plan.spec, createdAt: new Date().toISOString() },
    plan.runs.map((r) => r.id),
  );
  const have = store.statuses(plan.runs.map((r) => r.id));
  const todo = plan.runs.filter((r) => {
    const s = have.get(r.id);
    return s === undefined || (s === "failed" && opts.retryFailed === true);
  });
  opts.onPlanned?.(todo, plan.runs.length - todo.length);
  const pool = new WorkerPool(opts);
  let interrupted = false;
  const onStop = () => {
    interrupted = true;
    pool.stop();
  };
  const onAbandon = () => {
    interrupted = true;
    pool.abandon();
  };
  if (opts.stopSignal?.aborted || opts.abandonSignal?.aborted) {
    const notStarted = todo.map((r) => r.id);
    return {
      total: plan.runs.length,
      skipped: plan.runs.length - todo.length,
      todo,
      interrupted: true,
      recorded: 0,
      abandoned: [],
      notStarted,
    };
  }
  opts.stopSignal?.addEventListener("abort", onStop, { once: true });
  opts.abandonSignal?.addEventListener("abort", onAbandon, { once: true });
  try {
    const result = await pool.run(todo, (r) => store.put(r));
    return { ...result, total: plan.runs.length, skipped: plan.runs.length - todo.length, todo, interrupted };
  } finally {
    opts.stopSignal?.removeEventListener("abort", onStop);
    opts.abandonSignal?.removeEventListener("abort", onAbandon);
  }
}
