import { loadMnist } from "../data/mnist.js";
import { tf } from "../engine/tf.js";
import type { Batch } from "./types.js";

/** How many distinct batches a session cycles through (1,024 images at batch 128). */
export const MNIST_BATCHES = 8;

/**
 * The first `count` batches of the real MNIST training split, as tensors
 * (made once, so a step measures training and not data loading). `shape`
 * is the per-example shape: [28, 28, 1] for the CNN, [784] for the MLP.
 */
export function mnistBatches(batchSize: number, shape: number[], count = MNIST_BATCHES): Batch[] {
  const train = loadMnist("train");
  const px = 28 * 28;
  const out: Batch[] = [];
  for (let i = 0; i < count; i++) {
    const lo = i * batchSize;
    const x = tf.tensor(train.images.subarray(lo * px, (lo + batchSize) * px), [batchSize, ...shape], "float32");
    const y = tf.tensor1d(Int32Array.from(train.labels.subarray(lo, lo + batchSize)), "int32");
    out.push({ x, y });
  }
  return out;
}
