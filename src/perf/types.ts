import type { Tensor } from "../engine/tf.js";
import type { Model } from "../models/types.js";

/**
 * A reference training workload: a fixed model, batch and optimiser whose
 * time per optimiser step is what `antilearn perf` measures. Each has a
 * PyTorch twin in bench/reference/perf.py under the same name.
 */
export interface PerfWorkload {
  /** kebab-case name, also the PyTorch reference's `--workload` argument. */
  name: string;
  /** One line: model, batch, optimiser. */
  describe: string;
  /** Examples per optimiser step. */
  batchSize: number;
  /**
   * Build the model, data and optimiser on the current tfjs backend.
   * Everything is seeded: the same seed gives the same losses on a backend.
   */
  build(seed: number): PerfSession;
}

/** A built workload, ready to take steps. */
export interface PerfSession {
  /** The model being trained (for checks against the PyTorch reference). */
  readonly model: Model;
  /** Number of trainable parameters (to check against the PyTorch reference's count). */
  readonly params: number;
  /** One optimiser step on the next batch; returns its loss. */
  step(): number;
  /** Free the model, optimiser state and data tensors. */
  dispose(): void;
}

/** The batches a session cycles through: inputs and int32 labels. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}
