import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../../src/engine/tf.js";
import { ownedVariable } from "../../src/models/init.js";
import { withTrain } from "../../src/techniques/shared/context.js";
import { gradReverse } from "../../src/techniques/shared/grad-reverse.js";
import { JointOptimizer, splitBudget } from "../../src/techniques/shared/steps.js";
import type { TrainContext } from "../../src/techniques/types.js";
import { makeOptimizer } from "../../src/train/optimizer.js";
import { fastBackend } from "../helpers.js";
import { makeContext, tinyConfig } from "./harness.js";

describe("technique helpers", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("gradReverse is the identity forward and multiplies the gradient by −scale", () => {
    tf.tidy(() => {
      const x = tf.tensor1d([1, -2, 3]);
      const f = (t: tf.Tensor) =>
        tf.sum(
          tf.mul(
            gradReverse(t, () => 2.5),
            tf.tensor1d([1, 10, 100]),
          ),
        );
      expect(Array.from(gradReverse(x, () => 2.5).dataSync())).toEqual([1, -2, 3]);
      expect(Array.from(tf.grad(f)(x).dataSync())).toEqual([-2.5, -25, -250]);
    });
  });

  it("splitBudget always adds up to the total", () => {
    expect(splitBudget(1000, [0.3, 0.7])).toEqual([300, 700]);
    expect(splitBudget(7, [0.5, 0.5])).toEqual([4, 3]);
    expect(splitBudget(10, [1, 0])).toEqual([10, 0]);
    expect(splitBudget(10, [0, 1])).toEqual([0, 10]);
    for (const f of [0.01, 0.33, 0.999]) expect(splitBudget(301, [f, 1 - f]).reduce((a, b) => a + b)).toBe(301);
  });

  it("JointOptimizer routes each prefixed gradient to its own optimiser", () => {
    const a = ownedVariable(tf.tensor1d([1, 1]), "a");
    const b = ownedVariable(tf.tensor1d([1, 1]), "b");
    const base = tinyConfig("baseline").train;
    const opt = new JointOptimizer([
      { prefix: "m:", opt: makeOptimizer({ w: a }, { ...base, optimizer: "sgd", lr: 0.1, weightDecay: 0 }) },
      { prefix: "n:", opt: makeOptimizer({ w: b }, { ...base, optimizer: "sgd", lr: 1, weightDecay: 0 }) },
    ]);
    tf.tidy(() => opt.step({ "m:w": tf.tensor1d([1, 2]), "n:w": tf.tensor1d([1, 2]) }));
    expect(Array.from(a.dataSync())).toEqual([Math.fround(0.9), Math.fround(0.8)]);
    expect(Array.from(b.dataSync())).toEqual([0, -1]);
    expect(() => opt.step({ "x:w": tf.tensor1d([1, 2]) })).toThrow(/no optimiser for variable 'x:w'/);
    opt.dispose();
    tf.dispose([a, b]);
  });

  it("withTrain overrides the settings without reading Y.access (which would throw for usesY: false)", () => {
    const { ctx } = makeContext(tinyConfig("baseline"));
    const c = withTrain(ctx as TrainContext<unknown>, { ...ctx.train, lr: 0.5 });
    expect(c.train.lr).toBe(0.5);
    expect(ctx.train.lr).toBe(0.01);
    expect(c.xTrain).toBe(ctx.xTrain);
    expect(() => c.yAccess).toThrow(/SplitAccessError|may not see|usesY/);
    ctx.model.dispose();
  });
});
