import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import type { Split } from "../tasks/types.js";
import { splitTensors } from "../train/batches.js";

/** Accuracy and mean cross-entropy of a model on a split. */
export interface Behaviour {
  acc: number;
  loss: number;
}

/**
 * Behaviour on a split (protocol §3), in chunks of `batchSize` so that large
 * splits (MNIST test) do not need one huge activation tensor.
 */
export function evaluateSplit(model: Model, split: Split, batchSize = 256): Behaviour {
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < split.n; start += batchSize) {
    const end = Math.min(split.n, start + batchSize);
    const rows = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const [c, l] = tf.tidy(() => {
      const b = splitTensors(split, rows);
      const logits = model.forward(b.x);
      const pred = tf.argMax(logits, 1);
      const nCorrect = tf.sum(tf.cast(tf.equal(pred, b.y), "float32"));
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(b.y, logits.shape[1] as number)));
      return [nCorrect.dataSync()[0], -picked.dataSync()[0]];
    });
    correct += c;
    lossSum += l;
  }
  return { acc: split.n ? correct / split.n : Number.NaN, loss: split.n ? lossSum / split.n : Number.NaN };
}

/** The two behaviour numbers the protocol reports: X.test and Y.test. */
export function evaluateBehaviour(
  model: Model,
  splits: { xTest: Split; yTest: Split },
  batchSize = 256,
): { accX: number; lossX: number; accY: number; lossY: number } {
  const x = evaluateSplit(model, splits.xTest, batchSize);
  const y = evaluateSplit(model, splits.yTest, batchSize);
  return { accX: x.acc, lossX: x.loss, accY: y.acc, lossY: y.loss };
}
