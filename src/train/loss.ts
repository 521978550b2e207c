import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";

/**
 * Mean softmax cross-entropy of integer labels. Goes through tfjs'
 * `softmaxCrossEntropy`, whose custom gradient (softmax − target) is one
 * fused expression instead of the chain rule through log-softmax.
 * @param logits [batch, classes]
 * @param labels int32 [batch]
 */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return tf.tidy(() => {
    const numClasses = logits.shape[1] as number;
    const oneHot = tf.oneHot(labels, numClasses);
    return tf.losses.softmaxCrossEntropy(oneHot, logits);
  });
}

/**
 * Mean cross-entropy against target distributions (e.g. uniform for the
 * `uniform-labels` technique). @param targets [batch, classes], rows sum to 1.
 */
export function softCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(targets, logits));
}

/** Fraction of rows whose arg-max equals the label. */
export function accuracy(logits: Tensor, labels: Tensor): number {
  return tf.tidy(() => {
    const pred = tf.argMax(logits, 1);
    return tf.mean(tf.cast(tf.equal(pred, tf.cast(labels, "int32")), "float32")).dataSync()[0];
  });
}
