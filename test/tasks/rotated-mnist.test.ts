import { describe, expect, it } from "vitest";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { loadMnist, rotateImage } from "../../src/data/index.js";
import { type RotatedMnistExamples, rotatedMnist } from "../../src/tasks/rotated-mnist.js";
import { SPLIT_NAMES, type SplitName } from "../../src/tasks/types.js";
import { ConfigError } from "../../src/util/errors.js";
import { sameSplit } from "./same-split.js";

const small = { D: 90, xTrain: 300, xTest: 100, yAccess: 120, yTest: 110, yRelearn: 130 };
const build = (over: Record<string, unknown> = {}, seed = 0) =>
  rotatedMnist.build(rotatedMnist.configSchema.parse({ ...small, ...over }), seed);
const PX = 28 * 28;

describe("rotated-mnist", () => {
  const task = build();
  const per = task.info.perExample as Record<SplitName, RotatedMnistExamples>;
  const source = task.info.source as Record<SplitName, "train" | "test">;

  it("has the configured sizes; defaults are 20k/2k/2k/2k/2k with D = 90", () => {
    expect(SPLIT_NAMES.map((k) => task.splits[k].n)).toEqual([300, 100, 120, 110, 130]);
    expect(rotatedMnist.configSchema.parse({})).toEqual({
      D: 90,
      xTrain: 20000,
      xTest: 2000,
      yAccess: 2000,
      yTest: 2000,
      yRelearn: 2000,
    });
    expect(task.input).toEqual({ kind: "image", height: 28, width: 28, channels: 1 });
    expect([task.numClasses, task.chanceX, task.chanceY]).toEqual([10, 0.1, 0.1]);
  });

  it("X angles lie in [0, D) and Y angles in [D, 360), spread over the range", () => {
    for (const name of SPLIT_NAMES) {
      const a = Array.from(per[name].angle);
      const [lo, hi] = name.startsWith("X") ? [0, 90] : [90, 360];
      expect(Math.min(...a)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...a)).toBeLessThan(hi);
      expect(Math.min(...a)).toBeLessThan(lo + 0.1 * (hi - lo));
      expect(Math.max(...a)).toBeGreaterThan(hi - 0.1 * (hi - lo));
    }
  });

  it("each example is its source digit rotated by its angle, with the digit's label", () => {
    for (const name of SPLIT_NAMES) {
      const mnist = loadMnist(source[name]);
      const s = task.splits[name];
      for (let i = 0; i < s.n; i += 13) {
        const j = per[name].mnistIndex[i];
        expect(s.y[i]).toBe(mnist.labels[j]);
        const orig = mnist.images.subarray(j * PX, (j + 1) * PX);
        const img = s.x.subarray(i * PX, (i + 1) * PX);
        expect(Array.from(img)).toEqual(Array.from(rotateImage(orig, { height: 28, width: 28 }, per[name].angle[i])));
        // Rotating back recovers the digit (up to interpolation blur): correlation with the original.
        const back = rotateImage(img, { height: 28, width: 28 }, -per[name].angle[i]);
        let dot = 0;
        let nb = 0;
        let no = 0;
        for (let p = 0; p < PX; p++) {
          dot += back[p] * orig[p];
          nb += back[p] ** 2;
          no += orig[p] ** 2;
        }
        expect(dot / Math.sqrt(nb * no)).toBeGreaterThan(0.85);
      }
    }
  });

  it("splits use disjoint source images: X.train, Y.access, Y.relearn from MNIST train; X.test, Y.test from test", () => {
    expect(source).toEqual({
      "X.train": "train",
      "X.test": "test",
      "Y.access": "train",
      "Y.test": "test",
      "Y.relearn": "train",
    });
    for (const from of ["train", "test"] as const) {
      const names = SPLIT_NAMES.filter((k) => source[k] === from);
      const all = names.flatMap((k) => Array.from(per[k].mnistIndex));
      expect(new Set(all).size).toBe(all.length);
    }
  });

  it("is deterministic per seed and different across seeds", () => {
    const again = build();
    for (const name of SPLIT_NAMES) expect(sameSplit(again.splits[name], task.splits[name])).toBe(true);
    const other = build({}, 1);
    expect(sameSplit(other.splits["X.train"], task.splits["X.train"])).toBe(false);
  });

  it("names bad parameters", () => {
    const bad = (over: Record<string, unknown>) => () => rotatedMnist.build({ ...small, ...over }, 0);
    for (const D of [0, 360, -10, 400]) {
      expect(bad({ D })).toThrow(ConfigError);
      expect(bad({ D })).toThrow(/task\.D: must be an angle in degrees strictly between 0 and 360/);
    }
    expect(bad({ xTrain: 59900 })).toThrow(/task\.xTrain: .*59900 \+ 120 \+ 130 = 60150 is too many/);
    expect(bad({ xTest: 9950 })).toThrow(/task\.xTest: .*9950 \+ 110 = 10060 is too many/);
    const resolve = (sets: string[]) =>
      resolveRunConfig(applySets({ task: { name: "rotated-mnist" }, technique: { name: "baseline" } }, sets));
    expect(() => resolve(["task.D=360"])).toThrow(/task\.D: must be an angle/);
  });
});
