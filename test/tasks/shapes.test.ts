import { describe, expect, it } from "vitest";
import { shapes } from "../../src/tasks/shapes.js";
import { SPLIT_NAMES, type Split, type SplitName } from "../../src/tasks/types.js";
import { sameSplit } from "./same-split.js";

const small = { xTrain: 60, xTest: 41, yAccess: 30, yTest: 40, yRelearn: 30 };
const build = (over: Record<string, unknown> = {}, seed = 0) =>
  shapes.build(shapes.configSchema.parse({ ...small, ...over }), seed);
const PX = 32 * 32;

/** Red minus blue over the whole image: > 0 for a red shape, < 0 for a blue one (read from pixels). */
function redness(s: Split, i: number): number {
  let d = 0;
  for (let p = 0; p < PX; p++) d += s.x[(i * PX + p) * 3] - s.x[(i * PX + p) * 3 + 2];
  return d;
}

/**
 * Rotation-invariant shape measure from pixels: polar second moment about
 * the centroid over area² (J/A²). A square has 1/6 ≈ 0.167, an equilateral
 * triangle √3/9 ≈ 0.192, whatever the size, position and rotation. Pixel
 * weights are coverage: brightness over the fill intensity (estimated from
 * the lit pixels, so edge pixels count partially and noise does not).
 */
function compactness(s: Split, i: number): number {
  const v = new Float64Array(PX);
  for (let p = 0; p < PX; p++) v[p] = Math.max(s.x[(i * PX + p) * 3], s.x[(i * PX + p) * 3 + 2]);
  const lit = [...v].filter((x) => x > 0.3).sort((a, b) => b - a);
  const fill = lit[Math.floor(0.3 * lit.length)];
  const w = v.map((x) => (x > 0.25 ? Math.min(1, x / fill) : 0));
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let p = 0; p < PX; p++) {
    m += w[p];
    mx += w[p] * (p % 32);
    my += w[p] * Math.floor(p / 32);
  }
  const cx = mx / m;
  const cy = my / m;
  let j = 0;
  for (let p = 0; p < PX; p++) j += w[p] * (((p % 32) - cx) ** 2 + (Math.floor(p / 32) - cy) ** 2 + 1 / 6);
  return j / (m * m);
}

// Measured over 400 images: squares ≤ 0.175, triangles ≥ 0.193.
const isTriangle = (s: Split, i: number) => compactness(s, i) > 0.183;
const isRed = (s: Split, i: number) => redness(s, i) > 0;

describe("shapes", () => {
  const task = build();

  it("has the configured sizes, exactly balanced classes, 32×32 RGB inputs", () => {
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      const key = {
        "X.train": "xTrain",
        "X.test": "xTest",
        "Y.access": "yAccess",
        "Y.test": "yTest",
        "Y.relearn": "yRelearn",
      }[name] as keyof typeof small;
      expect(s.n).toBe(small[key]);
      const ones = s.y.filter((y) => y === 1).length;
      expect(ones).toBe(Math.floor(s.n / 2));
      expect(s.exampleShape).toEqual([32, 32, 3]);
    }
    expect(task.input).toEqual({ kind: "image", height: 32, width: 32, channels: 3 });
    expect(task.chanceX).toBe(0.5);
    expect(shapes.configSchema.parse({})).toMatchObject({ variant: "shape", xTrain: 2000, equalArea: true });
  });

  /** Expected label of example i from its pixels, per side and variant. */
  const expectLabels = (t: ReturnType<typeof build>, variant: "shape" | "colour") => {
    for (const name of SPLIT_NAMES) {
      const s = t.splits[name];
      for (let i = 0; i < s.n; i++) {
        const red = isRed(s, i);
        const tri = isTriangle(s, i);
        if (name.startsWith("X")) {
          // red square = 0, blue triangle = 1
          expect([red, tri]).toEqual(s.y[i] === 0 ? [true, false] : [false, true]);
        } else if (variant === "shape") {
          expect(red).toBe(true);
          expect(tri ? 1 : 0).toBe(s.y[i]);
        } else {
          expect(tri).toBe(false);
          expect(red ? 0 : 1).toBe(s.y[i]);
        }
      }
    }
  };

  it("labels match what the pixels show (shape variant: Y = red square vs red triangle, by shape)", () => {
    expectLabels(task, "shape");
  });

  it("labels match what the pixels show (colour variant: Y = red square vs blue square, by colour)", () => {
    const t = build({ variant: "colour" });
    expectLabels(t, "colour");
    expect(t.info.classes).toEqual({ X: ["red square", "blue triangle"], Y: ["red square", "blue square"] });
  });

  it("equalArea removes area as a cue; without it triangles cover ~43% of a square's area", () => {
    const meanMass = (t: ReturnType<typeof build>, name: SplitName, label: number) => {
      const s = t.splits[name];
      let total = 0;
      let count = 0;
      for (let i = 0; i < s.n; i++) {
        if (s.y[i] !== label) continue;
        for (let p = 0; p < PX; p++) total += Math.max(s.x[(i * PX + p) * 3], s.x[(i * PX + p) * 3 + 2]) > 0.25 ? 1 : 0;
        count++;
      }
      return total / count;
    };
    const eq = build({ xTrain: 400 });
    const ratioEq = meanMass(eq, "X.train", 1) / meanMass(eq, "X.train", 0);
    expect(ratioEq).toBeGreaterThan(0.9);
    expect(ratioEq).toBeLessThan(1.1);
    const raw = build({ xTrain: 400, equalArea: false });
    const ratioRaw = meanMass(raw, "X.train", 1) / meanMass(raw, "X.train", 0);
    expect(ratioRaw).toBeGreaterThan(0.35);
    expect(ratioRaw).toBeLessThan(0.5);
  });

  it("no image appears in two splits; deterministic per seed, different across seeds", () => {
    const seen = new Set<string>();
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i++)
        seen.add(Buffer.from(s.x.buffer, s.x.byteOffset + i * PX * 12, PX * 12).toString("base64"));
    }
    expect(seen.size).toBe(Object.values(small).reduce((a, b) => a + b, 0));
    const again = build();
    for (const name of SPLIT_NAMES) expect(sameSplit(again.splits[name], task.splits[name])).toBe(true);
    expect(sameSplit(build({}, 1).splits["X.train"], task.splits["X.train"])).toBe(false);
  });

  it("rejects an unknown variant at config parsing", () => {
    expect(shapes.configSchema.safeParse({ variant: "size" }).success).toBe(false);
  });
});
