import { z } from "zod";
import { loadMnist, type MnistSplit, type MnistSplitName, rotateBatch } from "../data/index.js";
import { deriveSeed, Rng } from "../engine/rng.js";
import { type ConfigProblem, refineWith, throwProblems } from "./checks.js";
import { imageSplit } from "./image-split.js";
import { type BuiltTask, SPLIT_NAMES, type Split, type SplitName, type TaskPair } from "./types.js";

const MNIST_TRAIN = 60000;
const MNIST_TEST = 10000;

const size = (def: number) => z.number().int().positive().default(def);

function problems(c: RotatedMnistConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (!(c.D > 0 && c.D < 360)) {
    out.push({
      key: "D",
      message: `must be an angle in degrees strictly between 0 and 360 (X is rotated in [0, D), Y in [D, 360), both must be non-empty), got ${c.D}`,
    });
  }
  const fromTrain = c.xTrain + c.yAccess + c.yRelearn;
  if (fromTrain > MNIST_TRAIN) {
    out.push({
      key: "xTrain",
      message: `X.train + Y.access + Y.relearn come from disjoint images of the ${MNIST_TRAIN}-image MNIST train split; ${c.xTrain} + ${c.yAccess} + ${c.yRelearn} = ${fromTrain} is too many`,
    });
  }
  const fromTest = c.xTest + c.yTest;
  if (fromTest > MNIST_TEST) {
    out.push({
      key: "xTest",
      message: `X.test + Y.test come from disjoint images of the ${MNIST_TEST}-image MNIST test split; ${c.xTest} + ${c.yTest} = ${fromTest} is too many`,
    });
  }
  return out;
}

/** Parameters of the rotated-MNIST pair. */
export const rotatedMnistConfig = z
  .object({
    /** X angles are uniform in [0, D) degrees clockwise, Y angles uniform in [D, 360). */
    D: z.number().default(90),
    /** Images per split. */
    xTrain: size(20000),
    xTest: size(2000),
    yAccess: size(2000),
    yTest: size(2000),
    yRelearn: size(2000),
  })
  .strict()
  .superRefine(refineWith((c) => problems(c)));
export type RotatedMnistConfig = z.infer<typeof rotatedMnistConfig>;

/** Per-example facts of one split (`info.perExample[split]`). */
export interface RotatedMnistExamples {
  /** Clockwise rotation of each example, degrees, in [0, D) for X splits and [D, 360) for Y splits. */
  angle: Float64Array;
  /** Index of each example's source image in its MNIST split (`info.source[split]`). */
  mnistIndex: Int32Array;
}

/** Which MNIST split and which angle range feed each of the five splits. */
const PLAN: Record<SplitName, { mnist: MnistSplitName; side: "X" | "Y" }> = {
  "X.train": { mnist: "train", side: "X" },
  "X.test": { mnist: "test", side: "X" },
  "Y.access": { mnist: "train", side: "Y" },
  "Y.test": { mnist: "test", side: "Y" },
  "Y.relearn": { mnist: "train", side: "Y" },
};

/** Order in which splits take images from a shuffled MNIST split (fixes which images each gets). */
const TAKE_ORDER: SplitName[] = ["X.train", "Y.access", "Y.relearn", "X.test", "Y.test"];

function sizeOf(c: RotatedMnistConfig, name: SplitName): number {
  return {
    "X.train": c.xTrain,
    "X.test": c.xTest,
    "Y.access": c.yAccess,
    "Y.test": c.yTest,
    "Y.relearn": c.yRelearn,
  }[name];
}

/**
 * Seed, toy example 1: MNIST digits rotated clockwise by an angle in [0, D)
 * (X) or in [D, 360) (Y). Digits come from the real MNIST train/test files;
 * X.train, Y.access and Y.relearn use disjoint images of the MNIST train
 * split and X.test, Y.test disjoint images of the test split, so no Y
 * example is a rotated copy of an X image. Each example's angle is drawn
 * from the seed and the split; rotation is bilinear about the image centre
 * (`src/data/rotate.ts`). Whichever side holds angles near 180° holds
 * upside-down digits, where 6 and 9 are genuinely ambiguous, so its accuracy
 * has a ceiling below 1 (Y's, at the default D = 90).
 */
export const rotatedMnist: TaskPair<typeof rotatedMnistConfig> = {
  name: "rotated-mnist",
  describe: "MNIST digits: X rotated uniformly in [0, D)°, Y in [D, 360)° clockwise (bilinear; disjoint source images)",
  hypothesis:
    "A CNN is not rotation-invariant, but what it learns on [0, D) carries to angles just past D and just below 360 (next to 0); once [0, D) covers enough of the circle the rest is expected to come with it, for small D it should not (seed, toy example 1).",
  configSchema: rotatedMnistConfig,
  defaultModel: "cnn",
  models: ["cnn", "mlp"],
  trainDefaults: { steps: 1500, batchSize: 128, lr: 1e-3, weightDecay: 1e-4, beta1: 0.9, beta2: 0.999, evalEvery: 250 },
  // Evaluation at most ~40% of training: one attack size (all of Y.relearn),
  // all parameters (a CNN has no token embeddings; its `embed` mode, first
  // conv + output layer, adds little here and doubled the attack time).
  evalDefaults: { relearnModes: ["all"], relearnK: [1] },
  build(config: RotatedMnistConfig, seed: number): BuiltTask {
    throwProblems(problems(config));
    const rng = new Rng(deriveSeed(seed, "task:rotated-mnist"));
    const data: Record<MnistSplitName, MnistSplit> = { train: loadMnist("train"), test: loadMnist("test") };
    const order: Record<MnistSplitName, Int32Array> = {
      train: rng.fork("images:train").permutation(data.train.n),
      test: rng.fork("images:test").permutation(data.test.n),
    };
    const used: Record<MnistSplitName, number> = { train: 0, test: 0 };
    const shape = { height: 28, width: 28, channels: 1 };
    const px = 28 * 28;
    const made = {} as Record<SplitName, Split>;
    const perExample = {} as Record<SplitName, RotatedMnistExamples>;
    for (const name of TAKE_ORDER) {
      const { mnist, side } = PLAN[name];
      const n = sizeOf(config, name);
      const indices = order[mnist].slice(used[mnist], used[mnist] + n);
      used[mnist] += n;
      const [lo, hi] = side === "X" ? [0, config.D] : [config.D, 360];
      // Float64, not Float32: rounding to float32 could land an angle on hi
      // itself (or just below lo) and break the half-open ranges.
      const angleRng = rng.fork(`angles:${name}`);
      const angles = new Float64Array(n);
      for (let i = 0; i < n; i++) angles[i] = lo + (hi - lo) * angleRng.uniform();
      const src = new Float32Array(n * px);
      const labels = new Int32Array(n);
      const { images, labels: digits } = data[mnist];
      for (let i = 0; i < n; i++) {
        src.set(images.subarray(indices[i] * px, (indices[i] + 1) * px), i * px);
        labels[i] = digits[indices[i]];
      }
      made[name] = imageSplit(name, rotateBatch(src, shape, angles), labels, shape);
      perExample[name] = { angle: angles, mnistIndex: indices };
    }
    const splits = Object.fromEntries(SPLIT_NAMES.map((k) => [k, made[k]])) as Record<SplitName, Split>;
    return {
      splits,
      chanceX: 0.1,
      chanceY: 0.1,
      numClasses: 10,
      input: { kind: "image", ...shape },
      info: {
        D: config.D,
        angleRange: { X: [0, config.D], Y: [config.D, 360] },
        rotation: "clockwise degrees about the image centre, bilinear, zero fill",
        /** Which MNIST split each split's images come from. */
        source: Object.fromEntries(SPLIT_NAMES.map((k) => [k, PLAN[k].mnist])),
        perExample,
        classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      },
    };
  },
};
