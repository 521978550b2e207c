import type { Tensor } from "../../engine/tf.js";
import { tf } from "../../engine/tf.js";

/** Options of `gaussianMmd`. */
export interface MmdOptions {
  /** Number of Gaussian kernels summed (default 5). */
  kernelNum?: number;
  /** Ratio between successive kernels' bandwidths (default 2). */
  kernelMul?: number;
  /**
   * The middle kernel's bandwidth h (a squared distance: k(a, b) =
   * exp(−‖a − b‖² / h)); default: the mean squared distance between distinct
   * rows of both sets together, treated as a constant (no gradient).
   */
  bandwidth?: number;
}

/** The identity with a zero gradient (tfjs has no stopGradient). */
const stopGradient = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as Tensor),
  gradFunc: (dy: Tensor) => tf.zerosLike(dy),
}));

/**
 * Squared maximum mean discrepancy between the rows of `a` [n, d] and `b`
 * [m, d] under a sum of Gaussian kernels (the biased V-statistic):
 * mean K(a, a) + mean K(b, b) − 2·mean K(a, b), with
 * K(p, q) = Σ_{i<kernelNum} exp(−‖p − q‖² / (h·kernelMul^(i − ⌊kernelNum/2⌋))).
 *
 * This is the multi-kernel MMD of Long et al. 2015 ("Learning Transferable
 * Features with Deep Adaptation Networks", arXiv:1502.02791) as written in
 * the code of Non-Transferable Learning (Wang et al., ICLR 2022,
 * github.com/conditionWang/NTL `MMD_loss`): five kernels, bandwidths h/4 …
 * 4h around the data's mean squared pairwise distance h. For n = m it equals
 * their `mean(XX + YY − XY − YX)`; for n ≠ m each block is averaged on its
 * own. Its range is [0, 2·kernelNum]; 0 iff the two sets' kernel means agree.
 * @returns a scalar, differentiable in `a` and `b`.
 */
export function gaussianMmd(a: Tensor, b: Tensor, opts: MmdOptions = {}): Tensor {
  const kernelNum = opts.kernelNum ?? 5;
  const kernelMul = opts.kernelMul ?? 2;
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new Error(`gaussianMmd: expected [n, d] and [m, d], got [${a.shape}] and [${b.shape}]`);
  }
  const n = a.shape[0] as number;
  const m = b.shape[0] as number;
  if (n === 0 || m === 0) throw new Error("gaussianMmd: both sets need at least one row");
  return tf.tidy(() => {
    const total = tf.concat([a, b], 0); // [N, d]
    const N = n + m;
    const sq = tf.sum(tf.square(total), 1, true); // [N, 1]
    // ‖p − q‖² = ‖p‖² + ‖q‖² − 2 p·q, clipped at 0 against rounding.
    const d2 = tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(tf.matMul(total, total, false, true), 2)));
    const h: Tensor =
      opts.bandwidth !== undefined
        ? tf.scalar(opts.bandwidth)
        : tf.maximum(stopGradient(tf.div(tf.sum(d2), N * N - N)), 1e-12);
    const base = tf.div(h, kernelMul ** Math.floor(kernelNum / 2));
    let k: Tensor = tf.zerosLike(d2);
    for (let i = 0; i < kernelNum; i++) k = tf.add(k, tf.exp(tf.neg(tf.div(d2, tf.mul(base, kernelMul ** i)))));
    const kaa = tf.mean(tf.slice(k, [0, 0], [n, n]));
    const kbb = tf.mean(tf.slice(k, [n, n], [m, m]));
    const kab = tf.mean(tf.slice(k, [0, n], [n, m]));
    return tf.sub(tf.add(kaa, kbb), tf.mul(kab, 2));
  });
}
