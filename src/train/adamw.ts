import { fusedAdamW } from "../engine/native-kernels/AntilearnAdamW.js";
import type { Tensor, Variable } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { ownedVariable } from "../models/init.js";

/** AdamW hyperparameters (PyTorch's names and defaults, except those noted). */
export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay λ: p ← p − lr·λ·p before the Adam step. 0 gives plain Adam. */
  weightDecay?: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019), exactly as
 * `torch.optim.AdamW`: p ← p·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * p ← p − lr · m̂ / (√v̂ + ε) with bias-corrected m̂, v̂. tfjs has no AdamW
 * (its Adam adds L2 to the gradient instead), and weight decay is what makes
 * the group and modular tasks generalise, so it is written once here.
 *
 * Only the variables given at construction are updated: a relearning attack
 * in `embed` mode passes just the embeddings and the unembedding.
 */
export class AdamW {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();

  constructor(
    private readonly vars: Record<string, Variable>,
    opts: AdamWOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    for (const [k, p] of Object.entries(vars)) {
      this.m.set(k, ownedVariable(tf.zerosLike(p), undefined, false));
      this.v.set(k, ownedVariable(tf.zerosLike(p), undefined, false));
    }
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.t;
  }

  /** The variables this optimiser updates, by name. */
  get variables(): Record<string, Variable> {
    return this.vars;
  }

  /**
   * One update from gradients keyed like the constructor's variables. Missing
   * gradients (a variable the loss does not touch) count as zero, as in
   * PyTorch when `grad` is None… except that PyTorch would also skip weight
   * decay; we skip the variable entirely, matching it.
   */
  step(grads: Record<string, Tensor>): void {
    this.t += 1;
    const { beta1: b1, beta2: b2, eps, lr, weightDecay: wd } = this;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      for (const [k, p] of Object.entries(this.vars)) {
        const g = grads[k];
        if (!g) continue;
        const m = this.m.get(k) as Variable;
        const v = this.v.get(k) as Variable;
        // One fused pass where the backend has it (native: same float32
        // operations in the same order, so bit-identical to the chain below).
        const fused = fusedAdamW(p, g, m, v, {
          beta1: b1,
          beta2: b2,
          eps,
          stepSize: lr / bc1,
          sqrtBiasCorrection2: Math.sqrt(bc2),
          decay: 1 - lr * wd,
        });
        if (fused) {
          p.assign(fused[0]);
          m.assign(fused[1]);
          v.assign(fused[2]);
          continue;
        }
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(mNew);
        v.assign(vNew);
        // step = lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps), PyTorch's formulation
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(bc2)), eps);
        const update = tf.mul(tf.div(mNew, denom), lr / bc1);
        const decayed = wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
        p.assign(tf.sub(decayed, update));
      }
    });
  }

  /** Free the moment estimates (not the model's variables). */
  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
