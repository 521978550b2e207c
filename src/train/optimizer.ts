import type { TrainConfig } from "../config/train.js";
import type { Tensor, Variable } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { AdamW } from "./adamw.js";

/** The interface every optimiser here offers: named gradients in, update applied. */
export interface Optimizer {
  step(grads: Record<string, Tensor>): void;
  dispose(): void;
}

/** Plain SGD with optional L2 weight decay (added to the gradient). */
class Sgd implements Optimizer {
  constructor(
    private readonly vars: Record<string, Variable>,
    private readonly lr: number,
    private readonly wd: number,
  ) {}
  step(grads: Record<string, Tensor>): void {
    tf.tidy(() => {
      for (const [k, p] of Object.entries(this.vars)) {
        const g = grads[k];
        if (!g) continue;
        const gg = this.wd ? tf.add(g, tf.mul(p, this.wd)) : g;
        p.assign(tf.sub(p, tf.mul(gg, this.lr)));
      }
    });
  }
  dispose(): void {}
}

/** The optimiser a TrainConfig asks for, over the given variables. */
export function makeOptimizer(vars: Record<string, Variable>, cfg: TrainConfig): Optimizer {
  if (cfg.optimizer === "sgd") return new Sgd(vars, cfg.lr, cfg.weightDecay);
  return new AdamW(vars, { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, weightDecay: cfg.weightDecay });
}

/**
 * One optimiser step: loss and gradients of `lossFn` with respect to `vars`,
 * then the update. Returns the loss value. Everything temporary is freed.
 */
export function optimizerStep(opt: Optimizer, vars: Record<string, Variable>, lossFn: () => Tensor): number {
  return tf.tidy(() => {
    const names = Object.keys(vars);
    const list = names.map((n) => vars[n]);
    const { value, grads } = tf.variableGrads(lossFn as () => tf.Scalar, list);
    const named: Record<string, Tensor> = {};
    for (const n of names) {
      const g = grads[vars[n].name];
      if (g) named[n] = g;
    }
    opt.step(named);
    return value.dataSync()[0];
  });
}
