import { z } from "zod";
import { renderShapes, type ShapeColour, type ShapeKind, type ShapeSpec } from "../data/index.js";
import { deriveSeed, Rng } from "../engine/rng.js";
import { imageSplit } from "./image-split.js";
import { type BuiltTask, SPLIT_NAMES, type Split, type SplitName, type TaskPair } from "./types.js";

const size = (def: number) => z.number().int().positive().default(def);

/** Parameters of the shapes pair. */
export const shapesConfig = z
  .object({
    /** Which feature Y separates: `shape` (red square vs red triangle) or `colour` (red square vs blue square). */
    variant: z.enum(["shape", "colour"]).default("shape"),
    /** Images per split (half of each class, in seeded order). */
    xTrain: size(2000),
    xTest: size(1000),
    yAccess: size(1000),
    yTest: size(1000),
    yRelearn: size(1000),
    /**
     * Draw triangles ≈1.52× larger so both shapes have the same area
     * distribution. On by default: with equal sides a triangle covers 43% of
     * a square's area, and "small and dim" would then be a third feature that
     * separates X and, in the `shape` variant, Y too, so accY would measure
     * whether the model learned area, not shape.
     */
    equalArea: z.boolean().default(true),
  })
  .strict();
export type ShapesConfig = z.infer<typeof shapesConfig>;

type Example = { shape: ShapeKind; colour: ShapeColour };

/** The two classes of each side: index = label. */
export function shapesClasses(variant: ShapesConfig["variant"]): Record<"X" | "Y", [Example, Example]> {
  const redSquare: Example = { shape: "square", colour: "red" };
  return {
    X: [redSquare, { shape: "triangle", colour: "blue" }],
    Y: [redSquare, variant === "shape" ? { shape: "triangle", colour: "red" } : { shape: "square", colour: "blue" }],
  };
}

/**
 * Seed, toy example 2 (from Concept Extrapolation, Armstrong & Gorman 2022):
 * in X colour and shape are perfectly correlated (red square = 0, blue
 * triangle = 1); Y decorrelates them and labels by one feature only. A model
 * that solved X through that feature carries to Y; one that solved it through
 * the other feature scores exactly 0.5 on Y (it answers 0 for every Y image).
 * Images: 32×32 RGB, one shape of random size, rotation and position on
 * black, jittered colour and pixel noise (`src/data/shapes.ts`).
 */
export const shapes: TaskPair<typeof shapesConfig> = {
  name: "shapes",
  describe:
    "32×32 shapes: X = red square vs blue triangle; Y = red square vs red triangle (shape) or vs blue square (colour)",
  hypothesis:
    "X is solvable by colour or by shape. Colour is the simpler, per-pixel feature, so a CNN is expected to carry X to the colour variant of Y by default; the shape variant tests whether it also learned shape (seen in probes and relearning even when accY is 0.5).",
  configSchema: shapesConfig,
  defaultModel: "cnn",
  models: ["cnn", "mlp"],
  trainDefaults: { steps: 200, batchSize: 64, lr: 1e-3, weightDecay: 1e-4, beta1: 0.9, beta2: 0.999, evalEvery: 50 },
  // One attack size, all parameters, a 6-point curve on 256 examples: with a
  // 200-step budget (a 30-step attack), two sizes × two modes × 11 curve
  // points took 5× the training time, and one size × one mode still ~1×.
  evalDefaults: { relearnModes: ["all"], relearnK: [1], relearnEvalEvery: 6, relearnCurveExamples: 256 },
  build(config: ShapesConfig, seed: number): BuiltTask {
    const rng = new Rng(deriveSeed(seed, "task:shapes"));
    const classes = shapesClasses(config.variant);
    const n: Record<SplitName, number> = {
      "X.train": config.xTrain,
      "X.test": config.xTest,
      "Y.access": config.yAccess,
      "Y.test": config.yTest,
      "Y.relearn": config.yRelearn,
    };
    const splits = {} as Record<SplitName, Split>;
    const perExample = {} as Record<SplitName, { shape: ShapeKind[]; colour: ShapeColour[] }>;
    for (const name of SPLIT_NAMES) {
      const side = name.startsWith("X") ? "X" : "Y";
      const r = rng.fork(name);
      // Exactly balanced classes (class 0 gets the odd one), in seeded order.
      const labels = r.fork("labels").shuffle(Int32Array.from({ length: n[name] }, (_, i) => i % 2)) as Int32Array;
      const specs: ShapeSpec[] = Array.from(labels, (y) => ({ ...classes[side][y], equalArea: config.equalArea }));
      // Every split renders from its own stream, so images never repeat across splits.
      const batch = renderShapes(specs, r.fork("render"));
      splits[name] = imageSplit(name, batch.images, labels, batch);
      perExample[name] = { shape: specs.map((s) => s.shape), colour: specs.map((s) => s.colour) };
    }
    const describeClass = (e: Example) => `${e.colour} ${e.shape}`;
    return {
      splits,
      chanceX: 0.5,
      chanceY: 0.5,
      numClasses: 2,
      input: { kind: "image", height: 32, width: 32, channels: 3 },
      info: {
        variant: config.variant,
        equalArea: config.equalArea,
        /** Name of each class (index = label) on each side. */
        classes: { X: classes.X.map(describeClass), Y: classes.Y.map(describeClass) },
        /** What each example shows (index-aligned with the split's rows). */
        perExample,
      },
    };
  },
};
