import type { Rng } from "../../engine/rng.js";
import type { Tensor, Variable } from "../../engine/tf.js";
import { tf } from "../../engine/tf.js";
import { disposeParams, normalVariable, zerosVariable } from "../../models/init.js";

/** A small classifier on top of activations: a probe adversary or an X-vs-Y discriminator head. */
export interface Head {
  /** Its trainable variables, by name (`W`, `b`; `W1`, `b1`, `W2`, `b2` for an MLP). */
  readonly params: Record<string, Variable>;
  /** Logits [batch, dOut] from features [batch, dIn]. */
  forward(features: Tensor): Tensor;
  dispose(): void;
}

/** Shape of a head. */
export interface HeadSpec {
  dIn: number;
  dOut: number;
  /** Width of one ReLU hidden layer; 0 for a linear (softmax-regression) head. */
  hidden: number;
}

/**
 * A linear or one-hidden-layer MLP head, initialised from `rng` (LeCun
 * normal for the output layer, He normal before a ReLU, zero biases) so the
 * same run seed always gives the same head.
 */
export function createHead(rng: Rng, spec: HeadSpec, name = "head"): Head {
  const { dIn, dOut, hidden } = spec;
  const params: Record<string, Variable> = {};
  if (hidden > 0) {
    params.W1 = normalVariable(rng.fork("W1"), [dIn, hidden], Math.sqrt(2 / dIn), `${name}.W1`);
    params.b1 = zerosVariable([hidden], `${name}.b1`);
    params.W2 = normalVariable(rng.fork("W2"), [hidden, dOut], Math.sqrt(1 / hidden), `${name}.W2`);
    params.b2 = zerosVariable([dOut], `${name}.b2`);
  } else {
    params.W = normalVariable(rng.fork("W"), [dIn, dOut], Math.sqrt(1 / dIn), `${name}.W`);
    params.b = zerosVariable([dOut], `${name}.b`);
  }
  return {
    params,
    forward(features) {
      return tf.tidy(() => {
        if (hidden > 0) {
          const h = tf.relu(tf.add(tf.matMul(features, params.W1), params.b1));
          return tf.add(tf.matMul(h, params.W2), params.b2);
        }
        return tf.add(tf.matMul(features, params.W), params.b);
      });
    },
    dispose() {
      disposeParams(params);
    },
  };
}
