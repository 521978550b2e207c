import { z } from "zod";
import { deriveSeed, Rng } from "../engine/rng.js";
import { alternating, formatPerm, parity, symmetric } from "../groups/index.js";
import { ConfigError } from "../util/errors.js";
import { dealFiveSplits, tokenSplit } from "./split.js";
import type { BuiltTask, TaskPair } from "./types.js";

/** Parameters of the A5→S5 pair. */
export const a5s5Config = z
  .object({
    /** Fraction of the 3,600 A5×A5 pairs used for training; the rest is X.test. */
    trainFraction: z.number().gt(0).lt(1).default(0.9),
    /** Fractions of the 10,800 pairs with an odd element for Y.access and Y.test; Y.relearn gets the rest. */
    yAccessFraction: z.number().gt(0).lt(1).default(0.2),
    yTestFraction: z.number().gt(0).lt(1).default(0.3),
  })
  .strict();
export type A5S5Config = z.infer<typeof a5s5Config>;

/**
 * Seed, toy example 3: composition in A5 (X) vs in S5 (Y). A5's smallest
 * faithful irrep is 3-dimensional and S5's is 4-dimensional; the 4-dim irrep
 * of A5 is the restriction of S5's standard representation, so a model that
 * learned A5 through it needs only the 60 odd elements' embeddings to do S5,
 * while one that learned A5 through 3a/3b must learn S5 from scratch.
 */
export const a5s5: TaskPair<typeof a5s5Config> = {
  name: "a5-s5",
  describe: "compose permutations: X = pairs in A5×A5, Y = pairs in S5×S5 with an odd element (vocab: all 120 of S5)",
  hypothesis:
    "A model that learns A5 through its 4-dim irrep (the restriction of S5's standard rep) needs only the odd elements' embeddings to compose in S5; whether it does depends on which irreps it learns.",
  configSchema: a5s5Config,
  defaultModel: "embed-mlp",
  trainDefaults: { steps: 1500, batchSize: 0, lr: 3e-3, weightDecay: 1, beta1: 0.9, beta2: 0.98, evalEvery: 100 },
  build(config: A5S5Config, seed: number): BuiltTask {
    if (config.yAccessFraction + config.yTestFraction >= 1) {
      throw new ConfigError(
        `task.yAccessFraction + task.yTestFraction must be < 1 so that Y.relearn is not empty, got ${config.yAccessFraction} + ${config.yTestFraction}`,
      );
    }
    const s5 = symmetric(5);
    const a5 = alternating(5);
    const N = s5.size;
    const table = s5.cayley();
    const xPairs: number[] = [];
    const yPairs: number[] = [];
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < N; b++) {
        const even = parity(s5.elements[a]) === 0 && parity(s5.elements[b]) === 0;
        (even ? xPairs : yPairs).push(a * N + b);
      }
    }
    const tokens = new Int32Array(N * N * 2);
    const labels = new Int32Array(N * N);
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < N; b++) {
        const r = a * N + b;
        tokens[2 * r] = a;
        tokens[2 * r + 1] = b;
        labels[r] = table[r];
      }
    }
    const rng = new Rng(deriveSeed(seed, "task:a5-s5"));
    const splits = dealFiveSplits(xPairs, yPairs, config, rng, (name, rows) =>
      tokenSplit(name, tokens, labels, 2, rows),
    );
    return {
      splits,
      chanceX: 1 / N,
      chanceY: 1 / N,
      numClasses: N,
      input: { kind: "tokens", vocab: N, length: 2 },
      info: {
        group: "S5",
        subgroup: "A5",
        elements: s5.elements.map(formatPerm),
        subgroupIndices: a5.elements.map((p) => s5.indexOf(p)),
        composition: "(a∘b)(i) = a(b(i))",
      },
    };
  },
};
