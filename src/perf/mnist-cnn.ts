import { deriveSeed, Rng } from "../engine/rng.js";
import { AdamW } from "../train/adamw.js";
import { mnistBatches } from "./mnist-batches.js";
import { registryModel } from "./model.js";
import { trainingSession } from "./session.js";
import type { PerfWorkload } from "./types.js";

const BATCH = 128;

/**
 * `mnist-cnn`: real MNIST batches of 128 (28×28×1) through `cnn` (conv 3×3
 * 32 + ReLU + max-pool 2, conv 3×3 64 + ReLU + max-pool 2, 'valid':
 * 5×5×64 = 1,600 features, dense 128 + ReLU, dense 10; biases), Adam lr 1e-3
 * (AdamW with no weight decay is Adam).
 */
export const mnistCnn: PerfWorkload = {
  name: "mnist-cnn",
  describe: "MNIST, conv3×3·32-pool-conv3×3·64-pool-dense128-dense10, batch 128, Adam lr 1e-3",
  batchSize: BATCH,
  build(seed) {
    const rng = new Rng(deriveSeed(seed, "perf:mnist-cnn"));
    const batches = mnistBatches(BATCH, [28, 28, 1]);
    const model = registryModel(
      "cnn",
      { kind: "image", height: 28, width: 28, channels: 1 },
      10,
      { channels: [32, 64], kernel: 3, dDense: 128 },
      rng.fork("model"),
    );
    return trainingSession(model, new AdamW(model.params, { lr: 1e-3 }), batches);
  },
};
