import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tf } from "../../src/engine/tf.js";
import { fastBackend } from "../helpers.js";
import { activations, fitProbe, series, type Trained, tinyConfig, trainWith } from "./harness.js";

const HOOK = "layers.0.hook_post";
/** A strong adversary on one hook (3 updates per model step), so that fooling it means hiding information. */
const SETS = [
  `technique.advProbeHooks=["${HOOK}"]`,
  "technique.advProbeSteps=3",
  "technique.advProbeLr=0.03",
  "technique.advProbeBatchSize=256",
  "train.steps=100",
];

/** Mean logged adversary accuracy over the second half of training. */
function lateAdvAcc(t: Trained): number {
  const s = series(t, "advAcc").filter((r) => r.step > 50);
  return s.reduce((a, r) => a + r.value, 0) / s.length;
}

/** In-sample accuracy of a fresh softmax-regression probe on the hooked activation of Y.access. */
function freshProbe(t: Trained): number {
  const y = t.task.splits["Y.access"];
  const a = activations(t.model, y, HOOK);
  try {
    return fitProbe({ x: a, y: y.y }, { x: a, y: y.y }, t.task.numClasses).trainAcc;
  } finally {
    a.dispose();
  }
}

describe("adversarial-probe", () => {
  let base: Trained;
  let unweighted: Trained;
  let minmax: Trained;
  let reversal: Trained;
  beforeAll(async () => {
    await fastBackend();
    base = await trainWith(tinyConfig("baseline", ["train.steps=100"]));
    // λ = 0: the adversary trains alongside but the model ignores it (the reference for the adversary's accuracy).
    unweighted = await trainWith(tinyConfig("adversarial-probe", [...SETS, "technique.advProbeWeight=0"]));
    minmax = await trainWith(tinyConfig("adversarial-probe", SETS));
    reversal = await trainWith(tinyConfig("adversarial-probe", [...SETS, "technique.advProbeMode=reversal"]));
  });
  afterAll(() => {
    for (const t of [base, unweighted, minmax, reversal]) t.model.dispose();
  });

  it("with λ = 0 trains the model exactly like the baseline", () => {
    expect(series(unweighted, "lossX").map((r) => r.value)).toEqual(series(base, "lossX").map((r) => r.value));
  });

  it("lowers the adversary's accuracy below what it reaches against an unpenalised model", () => {
    const ref = lateAdvAcc(unweighted);
    expect(ref).toBeGreaterThan(0.05); // the adversary does find Y information in a plain model
    expect(lateAdvAcc(minmax)).toBeLessThan(0.6 * ref);
    expect(lateAdvAcc(reversal)).toBeLessThan(0.6 * ref);
  });

  it("lowers a fresh probe's accuracy on the hooked activation below the baseline's (information removed, not hidden)", () => {
    const ref = freshProbe(base);
    expect(freshProbe(minmax)).toBeLessThan(ref - 0.02);
    expect(freshProbe(reversal)).toBeLessThan(ref - 0.02);
  });

  it("logs the adversary's accuracy per hook ten times per evalEvery and the penalty every step", () => {
    const acc = series(minmax, "advAcc");
    expect(acc.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => 5 * (i + 1)));
    expect(series(minmax, `advAcc:${HOOK}`).map((r) => r.value)).toEqual(acc.map((r) => r.value));
    const pen = series(minmax, "penalty");
    expect(pen).toHaveLength(100);
    // penalty = max(0, ln C − CE_adv) per step, as documented.
    const ce = series(minmax, "lossAdv");
    pen.forEach((p, i) => {
      expect(p.value).toBeCloseTo(Math.max(0, Math.log(120) - ce[i].value), 4);
    });
    expect(minmax.steps).toBe(100);
  });

  it("frees every tensor it makes", async () => {
    const before = tf.memory().numTensors;
    const t = await trainWith(tinyConfig("adversarial-probe", ["train.steps=3", "technique.advProbeMode=reversal"]));
    t.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
