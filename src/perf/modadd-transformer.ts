import { deriveSeed, Rng } from "../engine/rng.js";
import { tf } from "../engine/tf.js";
import { AdamW } from "../train/adamw.js";
import { registryModel } from "./model.js";
import { trainingSession } from "./session.js";
import type { PerfWorkload } from "./types.js";

/** The modulus of Nanda et al. 2023. */
const P = 113;
/** A fixed 30% of the P² pairs: the full batch. */
export const MODADD_BATCH = Math.floor(0.3 * P * P); // 3,830
/** Spelled out (they are also the defaults) so that a change of defaults cannot change the workload. */
const TRANSFORMER = { dModel: 128, nHeads: 4, dHead: 32, dMlp: 512, nLayers: 1, causal: true };

/**
 * `modadd-transformer`: a + b mod 113 on inputs `[a, b, =]` (vocab 114) with
 * `transformer` at its defaults (Nanda et al. 2023: one layer, d_model 128,
 * 4 heads × 32, d_mlp 512, ReLU, no LayerNorm, learned positions, causal
 * attention, no attention biases, MLP biases, unembed at the last position
 * to 113), trained full batch on a fixed 30% of the 12,769 pairs (3,830)
 * with AdamW lr 1e-3, wd 1, betas (0.9, 0.98).
 */
export const modaddTransformer: PerfWorkload = {
  name: "modadd-transformer",
  describe: `a+b mod 113, 1-layer transformer d128 4×32 mlp512, full batch ${MODADD_BATCH}, AdamW lr 1e-3 wd 1`,
  batchSize: MODADD_BATCH,
  build(seed) {
    const rng = new Rng(deriveSeed(seed, "perf:modadd-transformer"));
    const rows = rng
      .fork("pairs")
      .permutation(P * P)
      .subarray(0, MODADD_BATCH);
    const tokens = new Int32Array(MODADD_BATCH * 3);
    const labels = new Int32Array(MODADD_BATCH);
    rows.forEach((r, i) => {
      const a = Math.floor(r / P);
      const b = r % P;
      tokens.set([a, b, P], 3 * i); // P is the `=` token
      labels[i] = (a + b) % P;
    });
    const model = registryModel(
      "transformer",
      { kind: "tokens", vocab: P + 1, length: 3 },
      P,
      TRANSFORMER,
      rng.fork("model"),
    );
    const opt = new AdamW(model.params, { lr: 1e-3, weightDecay: 1, beta1: 0.9, beta2: 0.98 });
    const batch = { x: tf.tensor2d(tokens, [MODADD_BATCH, 3], "int32"), y: tf.tensor1d(labels, "int32") };
    return trainingSession(model, opt, [batch]);
  },
};
