import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveSeed, Rng } from "../../src/engine/rng.js";
import { fastBackend } from "../helpers.js";
import { predictions, series, type Trained, tinyConfig, trainWith } from "./harness.js";

/** The random labels the technique draws (its documented recipe: one uniform label per Y.access row, fixed). */
function randomLabels(seed: number, n: number, classes: number): Int32Array {
  const rng = new Rng(deriveSeed(seed, "technique:random-labels")).fork("random-labels");
  return Int32Array.from({ length: n }, () => rng.int(classes));
}

function agreement(pred: Int32Array, labels: Int32Array): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) c++;
  return c / labels.length;
}

describe("random-labels", () => {
  let base: Trained;
  let tech: Trained;
  beforeAll(async () => {
    await fastBackend();
    base = await trainWith(tinyConfig("baseline"));
    tech = await trainWith(tinyConfig("random-labels"));
  });
  afterAll(() => {
    base.model.dispose();
    tech.model.dispose();
  });

  it("moves the model's Y.access predictions towards the random labels (memorisation), unlike the baseline", () => {
    const y = tech.task.splits["Y.access"];
    const labels = randomLabels(0, y.n, tech.task.numClasses);
    // The labels really are random: about 1/120 agree with the true ones.
    expect(agreement(y.y, labels)).toBeLessThan(0.03);
    const aBase = agreement(predictions(base.model, y), labels);
    const aTech = agreement(predictions(tech.model, y), labels);
    expect(aBase).toBeLessThan(0.03);
    expect(aTech).toBeGreaterThan(0.05);
    expect(aTech).toBeGreaterThan(5 * aBase);
  });

  it("memorises rather than generalises: held-out Y.test predictions are not pulled to any label", () => {
    const t = tech.task.splits["Y.test"];
    // Accuracy on true labels stays at chance for both (a5-s5's baseline does not learn Y).
    const acc = (m: Trained) => agreement(predictions(m.model, t), t.y);
    expect(acc(tech)).toBeLessThan(0.03);
    expect(acc(base)).toBeLessThan(0.03);
  });

  it("reports lossY only in the mixed phase, where it falls (the random labels are being fitted)", () => {
    const ly = series(tech, "lossY");
    expect(ly[0].step).toBe(76);
    expect(ly).toHaveLength(75);
    expect(ly[ly.length - 1].value).toBeLessThan(ly[0].value - 0.1);
    expect(tech.steps).toBe(150);
  });
});
