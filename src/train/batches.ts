import type { Rng } from "../engine/rng.js";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import type { Split } from "../tasks/types.js";

/** A batch as tensors; the caller disposes both. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}

/** Tensors for all of `split`, or for the rows in `indices`. */
export function splitTensors(split: Split, indices?: Int32Array | number[]): Batch {
  const d = split.exampleShape.reduce((a, b) => a * b, 1);
  if (!indices) {
    return {
      x: tf.tensor(split.x, [split.n, ...split.exampleShape], split.xDtype),
      y: tf.tensor1d(split.y, "int32"),
    };
  }
  const m = indices.length;
  const x = split.xDtype === "int32" ? new Int32Array(m * d) : new Float32Array(m * d);
  const y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const r = indices[i];
    x.set(split.x.subarray(r * d, (r + 1) * d), i * d);
    y[i] = split.y[r];
  }
  return { x: tf.tensor(x, [m, ...split.exampleShape], split.xDtype), y: tf.tensor1d(y, "int32") };
}

/** The given rows of a split, as a new Split (copies). */
export function takeRows(split: Split, rows: Int32Array | number[]): Split {
  const d = split.exampleShape.reduce((a, b) => a * b, 1);
  const m = rows.length;
  const x = split.xDtype === "int32" ? new Int32Array(m * d) : new Float32Array(m * d);
  const y = new Int32Array(m);
  const g = split.groupKey ? new Int32Array(m) : undefined;
  for (let i = 0; i < m; i++) {
    const r = rows[i];
    x.set(split.x.subarray(r * d, (r + 1) * d), i * d);
    y[i] = split.y[r];
    if (g && split.groupKey) g[i] = split.groupKey[r];
  }
  return { ...split, n: m, x, y, groupKey: g };
}

/**
 * Yields training batches from a split. Full batch (`batchSize` 0 or ≥ n)
 * builds the tensors once and returns the same ones every step, which matters
 * for the small group tasks where tensor creation would rival the step itself.
 * Mini-batches walk a seeded permutation, reshuffled each epoch.
 */
export class BatchStream {
  private readonly full: Batch | null;
  private order: Int32Array;
  private pos = 0;

  constructor(
    private readonly split: Split,
    private readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    if (split.n === 0) throw new Error(`split ${split.name} is empty`);
    this.full = batchSize <= 0 || batchSize >= split.n ? splitTensors(split) : null;
    this.order = this.full ? new Int32Array(0) : rng.permutation(split.n);
  }

  /** True when every batch is the whole split. */
  get isFullBatch(): boolean {
    return this.full !== null;
  }

  /**
   * The next batch. For full batch the returned tensors are shared: do not
   * dispose them (call `dispose()` on the stream at the end). For mini-batches
   * the caller owns the returned tensors.
   */
  next(): Batch & { owned: boolean } {
    if (this.full) return { ...this.full, owned: false };
    if (this.pos + this.batchSize > this.split.n) {
      this.order = this.rng.permutation(this.split.n);
      this.pos = 0;
    }
    const idx = this.order.subarray(this.pos, this.pos + this.batchSize);
    this.pos += this.batchSize;
    return { ...splitTensors(this.split, idx), owned: true };
  }

  dispose(): void {
    if (this.full) {
      this.full.x.dispose();
      this.full.y.dispose();
    }
  }
}
