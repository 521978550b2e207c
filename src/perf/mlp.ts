import { deriveSeed, Rng } from "../engine/rng.js";
import { AdamW } from "../train/adamw.js";
import { mnistBatches } from "./mnist-batches.js";
import { registryModel } from "./model.js";
import { trainingSession } from "./session.js";
import type { PerfWorkload } from "./types.js";

const BATCH = 128;

/**
 * `mlp`: real MNIST batches of 128 flattened to 784 through `mlp`
 * 784-256-256-10 (ReLU, biases), Adam lr 1e-3 (AdamW with no weight decay).
 */
export const mlp: PerfWorkload = {
  name: "mlp",
  describe: "MNIST flattened, mlp 784-256-256-10 ReLU, batch 128, Adam lr 1e-3",
  batchSize: BATCH,
  build(seed) {
    const rng = new Rng(deriveSeed(seed, "perf:mlp"));
    const batches = mnistBatches(BATCH, [784]);
    const model = registryModel("mlp", { kind: "vector", dim: 784 }, 10, { hidden: [256, 256] }, rng.fork("model"));
    return trainingSession(model, new AdamW(model.params, { lr: 1e-3 }), batches);
  },
};
