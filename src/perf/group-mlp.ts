import { deriveSeed, Rng } from "../engine/rng.js";
import { tf } from "../engine/tf.js";
import { symmetric } from "../groups/index.js";
import { AdamW } from "../train/adamw.js";
import { registryModel } from "./model.js";
import { trainingSession } from "./session.js";
import type { PerfWorkload } from "./types.js";

/** |S5| = 120 elements, so 14,400 ordered pairs. */
const N = 120;
/** A fixed 40% of the pairs: the full batch. */
export const GROUP_MLP_BATCH = Math.floor(0.4 * N * N); // 5,760

/**
 * `group-mlp`: composition in S5 (vocab 120) with `embed-mlp` at its
 * defaults (Chughtai et al. 2023: separate left/right embeddings of 256,
 * concat, hidden 128 + ReLU, unembed 120, no biases), trained full batch on
 * a fixed 40% of the 14,400 pairs (5,760) with AdamW lr 1e-3, wd 1, betas
 * (0.9, 0.98).
 */
export const groupMlp: PerfWorkload = {
  name: "group-mlp",
  describe: `S5 composition, embed-mlp 2×256 → 128 → 120, full batch ${GROUP_MLP_BATCH}, AdamW lr 1e-3 wd 1`,
  batchSize: GROUP_MLP_BATCH,
  build(seed) {
    const rng = new Rng(deriveSeed(seed, "perf:group-mlp"));
    const table = symmetric(5).cayley();
    const rows = rng
      .fork("pairs")
      .permutation(N * N)
      .subarray(0, GROUP_MLP_BATCH);
    const tokens = new Int32Array(GROUP_MLP_BATCH * 2);
    const labels = new Int32Array(GROUP_MLP_BATCH);
    rows.forEach((r, i) => {
      tokens[2 * i] = Math.floor(r / N);
      tokens[2 * i + 1] = r % N;
      labels[i] = table[r];
    });
    const model = registryModel(
      "embed-mlp",
      { kind: "tokens", vocab: N, length: 2 },
      N,
      { dEmbed: 256, dHidden: 128 },
      rng.fork("model"),
    );
    const opt = new AdamW(model.params, { lr: 1e-3, weightDecay: 1, beta1: 0.9, beta2: 0.98 });
    const batch = { x: tf.tensor2d(tokens, [GROUP_MLP_BATCH, 2], "int32"), y: tf.tensor1d(labels, "int32") };
    return trainingSession(model, opt, [batch]);
  },
};
