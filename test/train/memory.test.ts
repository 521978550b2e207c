import { beforeAll, describe, expect, it } from "vitest";
import { resolveRunConfig } from "../../src/config/run-config.js";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import { buildModel, buildTask } from "../../src/run/execute.js";
import { BatchStream } from "../../src/train/batches.js";
import { crossEntropy } from "../../src/train/loss.js";
import { makeOptimizer, optimizerStep } from "../../src/train/optimizer.js";
import { fastBackend } from "../helpers.js";

describe("tensor memory", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  for (const batchSize of [0, 64]) {
    it(`numTensors is the same after step 10 and step 100 (batchSize ${batchSize})`, () => {
      const config = resolveRunConfig({
        task: { name: "a5-s5" },
        technique: { name: "baseline" },
        model: { dEmbed: 16, dHidden: 16 },
        train: { batchSize },
      });
      const task = buildTask(config);
      const model = buildModel(config, task);
      const stream = new BatchStream(task.splits["X.train"], batchSize, new Rng(0));
      const opt = makeOptimizer(model.params, config.train);
      const counts: Record<number, number> = {};
      const losses: number[] = [];
      for (let step = 1; step <= 100; step++) {
        const b = stream.next();
        losses.push(optimizerStep(opt, model.params, () => crossEntropy(model.forward(b.x), b.y)));
        if (b.owned) tf.dispose([b.x, b.y]);
        if (step === 10 || step === 100) counts[step] = tf.memory().numTensors;
      }
      expect(counts[100]).toBe(counts[10]);
      expect(losses[99]).toBeLessThan(losses[0]); // and it did train
      opt.dispose();
      stream.dispose();
      model.dispose();
    });
  }
});
