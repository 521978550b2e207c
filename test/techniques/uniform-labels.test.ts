import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastBackend } from "../helpers.js";
import { meanEntropy, series, type Trained, tinyConfig, trainWith } from "./harness.js";

describe("uniform-labels", () => {
  let base: Trained;
  let tech: Trained;
  beforeAll(async () => {
    await fastBackend();
    base = await trainWith(tinyConfig("baseline"));
    tech = await trainWith(tinyConfig("uniform-labels"));
  });
  afterAll(() => {
    base.model.dispose();
    tech.model.dispose();
  });

  it("makes the model's predictions on Y.access close to uniform (higher entropy than the baseline's)", () => {
    const y = tech.task.splits["Y.access"];
    const uniform = Math.log(tech.task.numClasses);
    const hBase = meanEntropy(base.model, y);
    const hTech = meanEntropy(tech.model, y);
    expect(hTech).toBeGreaterThan(hBase + 0.3);
    expect(hTech).toBeGreaterThan(0.97 * uniform);
    expect(hTech).toBeLessThanOrEqual(uniform + 1e-6);
  });

  it("and on held-out Y.test too: it learned to tell Y inputs apart, not to memorise Y.access", () => {
    const y = tech.task.splits["Y.test"];
    expect(meanEntropy(tech.model, y)).toBeGreaterThan(meanEntropy(base.model, y) + 0.3);
  });

  it("trains on X alone for the first phase (identical to the baseline), then on the mixture, within the budget", () => {
    const p1 = Math.round(0.5 * 150);
    const lb = series(base, "lossX").map((r) => r.value);
    const lt = series(tech, "lossX");
    expect(lt.map((r) => r.step)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    // Step p1 + 1 still reports the loss of the parameters phase 1 left; the mixture shows from p1 + 2.
    expect(lt.slice(0, p1 + 1).map((r) => r.value)).toEqual(lb.slice(0, p1 + 1));
    expect(lt[p1 + 1].value).not.toBe(lb[p1 + 1]);
    const ly = series(tech, "lossY");
    expect(ly.map((r) => r.step)).toEqual(Array.from({ length: 150 - p1 }, (_, i) => p1 + i + 1));
    // The Y term is the cross-entropy to uniform: ≥ ln C, and it falls towards it.
    expect(ly[ly.length - 1].value).toBeLessThan(ly[0].value);
    expect(ly[ly.length - 1].value).toBeGreaterThanOrEqual(Math.log(120) - 1e-4);
  });
});
