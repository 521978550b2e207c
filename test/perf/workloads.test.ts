import { beforeAll, describe, expect, it } from "vitest";
import { workloads } from "../../src/perf/index.js";
import { fastBackend } from "../helpers.js";
import { EXPECTED_PARAMS } from "./expected.js";

/** Batch sizes and class counts of the definitions: 40% of 120², ⌊30% of 113²⌋, 128, 128. */
const SHAPES: Record<string, { batch: number; classes: number }> = {
  "group-mlp": { batch: 5760, classes: 120 },
  "modadd-transformer": { batch: 3830, classes: 113 },
  "mnist-cnn": { batch: 128, classes: 10 },
  mlp: { batch: 128, classes: 10 },
};

describe("perf workloads", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("are the four of the issue", () => {
    expect(workloads.names()).toEqual(Object.keys(EXPECTED_PARAMS).sort());
  });

  for (const [name, want] of Object.entries(SHAPES)) {
    it(`${name}: the specified model size and batch; two steps train from chance`, () => {
      const w = workloads.get(name);
      expect(w.batchSize).toBe(want.batch);
      const s = w.build(0);
      try {
        expect(s.params).toBe(EXPECTED_PARAMS[name]);
        const l1 = s.step();
        const l2 = s.step();
        expect(Number.isFinite(l1) && Number.isFinite(l2)).toBe(true);
        // at initialisation the prediction is near uniform: loss ≈ ln(classes)
        expect(Math.abs(l1 - Math.log(want.classes))).toBeLessThan(0.5);
        // one Adam step (every weight moves ~lr against its gradient) lowers the loss
        expect(l2).toBeLessThan(l1);
      } finally {
        s.dispose();
      }
    });
  }

  it("a build is seeded: the same seed gives the same losses", () => {
    const w = workloads.get("mlp");
    const a = w.build(3);
    const b = w.build(3);
    try {
      expect([a.step(), a.step()]).toEqual([b.step(), b.step()]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
