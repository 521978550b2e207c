/**
 * A run record: everything needed to reproduce, compare and plot one run.
 * The store and the reports know records, not tensors.
 */
export interface RunRecord {
  /** Hash of the canonical config + seed + code version. */
  id: string;
  status: "ok" | "failed";
  /** Why it failed (a NaN loss, a crash), or undefined. */
  error?: string;
  /** The fully resolved config (`RunConfig`). */
  config: Record<string, unknown> & {
    task: { name: string };
    technique: { name: string };
    model: { name: string };
    seed: number;
  };
  seed: number;
  backend: string;
  threads: number;
  versions: Record<string, string>;
  /** Final numbers: accX, lossX, accY, lossY, and evaluation results. */
  metrics: Record<string, number>;
  /** Chance levels of the task, for reports and scores. */
  chance: { x: number; y: number };
  /** Steps actually taken (less than the budget after early stopping or failure). */
  steps: number;
  /** Per-step technique metrics, columnar: `{ step: [...], lossX: [...] }`. */
  log: Record<string, number[]>;
  /** Evaluation curves during training, columnar: `{ step, accX, accY, lossX, lossY }`. */
  curves: Record<string, number[]>;
  /** Extra structured results (eval details, technique notes). */
  extra: Record<string, unknown>;
  timing: { buildMs: number; trainMs: number; evalMs: number; totalMs: number };
  createdAt: string;
}
