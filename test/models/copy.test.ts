import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../../src/engine/tf.js";
import { copyWeights } from "../../src/models/copy.js";
import { getEdits, multiplyEdit, setEdit } from "../../src/models/edits.js";
import { AdamW } from "../../src/train/adamw.js";
import { splitTensors } from "../../src/train/batches.js";
import { crossEntropy } from "../../src/train/loss.js";
import { optimizerStep } from "../../src/train/optimizer.js";
import { ConfigError } from "../../src/util/errors.js";
import { fastBackend } from "../helpers.js";
import { makeContext, tinyConfig } from "../techniques/harness.js";

/** Every parameter's values, by name (copies). */
function values(params: Record<string, tf.Variable>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
}

describe("copyWeights", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("copies every parameter bit-exactly into a model of the same architecture, which then trains independently", () => {
    const { ctx, result } = makeContext(tinyConfig("baseline"));
    const source = result.model;
    const target = ctx.newModel("copy-target");
    const other = ctx.newModel("other");
    try {
      const src = values(source.params);
      // Fresh models from different seed labels start different.
      expect(values(target.params)).not.toEqual(src);
      const before = tf.memory().numTensors;
      copyWeights(source, target);
      expect(tf.memory().numTensors).toBe(before);
      expect(values(target.params)).toEqual(src);
      // Same outputs, to the bit.
      const b = splitTensors(result.task.splits["Y.access"], [0, 1, 2, 3, 4, 5, 6, 7]);
      const [ls, lt] = tf.tidy(() => [source.forward(b.x).dataSync(), target.forward(b.x).dataSync()]);
      expect(Array.from(lt)).toEqual(Array.from(ls));
      // Training the copy leaves the source untouched.
      const opt = new AdamW(target.params, { lr: 0.1 });
      for (let s = 0; s < 3; s++) optimizerStep(opt, target.params, () => crossEntropy(target.forward(b.x), b.y));
      opt.dispose();
      tf.dispose([b.x, b.y]);
      expect(values(source.params)).toEqual(src);
      expect(values(target.params)).not.toEqual(src);
      // Copying again restores it; copying the other way round works too.
      copyWeights(source, target);
      expect(values(target.params)).toEqual(src);
      copyWeights(other, source);
      expect(values(source.params)).toEqual(values(other.params));
    } finally {
      source.dispose();
      target.dispose();
      other.dispose();
    }
  });

  it("gives the target clones of the source's activation edits (replacing its own), so both compute the same function", () => {
    const { ctx, result } = makeContext(tinyConfig("baseline"));
    const source = result.model;
    const target = ctx.newModel("copy-target");
    try {
      const hook = source.hookPoints[1].name;
      const shapeOf = (m: typeof source) =>
        tf.tidy(() => {
          let shape: number[] = [];
          m.forward(splitTensors(result.task.splits["X.train"], [0]).x, (name, a) => {
            if (name === hook) shape = a.shape.slice(1);
          });
          return shape;
        });
      const shape = shapeOf(source);
      const size = shape.reduce((a, b) => a * b, 1);
      expect(size).toBeGreaterThan(0);
      setEdit(
        source,
        hook,
        multiplyEdit(
          Array.from({ length: size }, (_, i) => (i % 3) / 2),
          shape,
          "test: scale",
        ),
      );
      setEdit(target, hook, multiplyEdit(Array(size).fill(5), shape, "test: to be replaced"));
      const before = tf.memory().numTensors;
      copyWeights(source, target);
      copyWeights(source, target);
      expect(tf.memory().numTensors).toBe(before);
      expect([...getEdits(target).values()].map((e) => e.describe)).toEqual(["test: scale"]);
      const b = splitTensors(result.task.splits["Y.access"], [0, 1, 2, 3]);
      const [ls, lt] = tf.tidy(() => [source.forward(b.x).dataSync(), target.forward(b.x).dataSync()]);
      tf.dispose([b.x, b.y]);
      expect(Array.from(lt)).toEqual(Array.from(ls));
    } finally {
      source.dispose();
      target.dispose();
    }
  });

  it("refuses models of different shapes and leaves the target unchanged", () => {
    const small = makeContext(tinyConfig("baseline"));
    const wide = makeContext(tinyConfig("baseline", ["model.dHidden=48"]));
    try {
      const kept = values(small.result.model.params);
      expect(() => copyWeights(wide.result.model, small.result.model)).toThrow(ConfigError);
      expect(() => copyWeights(wide.result.model, small.result.model)).toThrow(/is float32\[.*\] in the source/);
      expect(values(small.result.model.params)).toEqual(kept);
    } finally {
      small.result.model.dispose();
      wide.result.model.dispose();
    }
  });
});
