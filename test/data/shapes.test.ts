import { describe, expect, it } from "vitest";
import { renderShape, renderShapes, type ShapeSpec } from "../../src/data/shapes.js";
import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/util/errors.js";

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Mean RGB over the pixels the shape clearly covers (brightest channel above 0.4). */
function meanShapeColour(data: Float32Array): [number, number, number] {
  const sum = [0, 0, 0];
  let count = 0;
  for (let p = 0; p < data.length; p += 3) {
    if (Math.max(data[p], data[p + 1], data[p + 2]) > 0.4) {
      for (let k = 0; k < 3; k++) sum[k] += data[p + k];
      count++;
    }
  }
  expect(count).toBeGreaterThan(20);
  return [sum[0] / count, sum[1] / count, sum[2] / count];
}

describe("renderShape", () => {
  it("returns a 32x32 RGB HWC image in [0, 1] by default", () => {
    const img = renderShape({ shape: "square", colour: "red" }, new Rng(1));
    expect([img.height, img.width, img.channels]).toEqual([32, 32, 3]);
    expect(img.data.length).toBe(32 * 32 * 3);
    expect(Math.min(...img.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...img.data)).toBeLessThanOrEqual(1);
  });

  it("a red shape's pixels are red-dominant, a blue shape's blue-dominant", () => {
    const rng = new Rng(2);
    for (let i = 0; i < 20; i++) {
      const [r, g, b] = meanShapeColour(renderShape({ shape: i % 2 ? "square" : "triangle", colour: "red" }, rng).data);
      expect(r).toBeGreaterThan(0.7);
      expect(r).toBeGreaterThan(3 * Math.max(g, b));
      const [r2, g2, b2] = meanShapeColour(renderShape({ shape: "triangle", colour: "blue" }, rng).data);
      expect(b2).toBeGreaterThan(0.7);
      expect(b2).toBeGreaterThan(3 * Math.max(r2, g2));
    }
  });

  it("covers ≈ s² for a square and ≈ (√3/4)s² for a triangle", () => {
    const rng = new Rng(3);
    for (const [shape, factor] of [
      ["square", 1],
      ["triangle", Math.sqrt(3) / 4],
    ] as const) {
      for (let i = 0; i < 10; i++) {
        const img = renderShape({ shape, colour: "red", noise: 0, antialias: 4 }, rng);
        let covered = 0;
        for (let p = 0; p < img.data.length; p += 3) covered += img.data[p] / img.params.rgb[0];
        const expected = factor * img.params.side ** 2;
        expect(Math.abs(covered / expected - 1)).toBeLessThan(0.03);
      }
    }
  });

  it("with equalArea, triangles and squares from the same sideRange have equal areas", () => {
    const rng = new Rng(12);
    const area = (shape: "square" | "triangle") => {
      let total = 0;
      for (let i = 0; i < 200; i++) {
        const img = renderShape({ shape, colour: "red", noise: 0, equalArea: true, sideRange: [0.4, 0.4] }, rng);
        for (let p = 0; p < img.data.length; p += 3) total += img.data[p] / img.params.rgb[0];
      }
      return total / 200;
    };
    expect(area("triangle") / area("square")).toBeCloseTo(1, 1);
  });

  it("keeps the shape fully inside the image at every size, rotation and position", () => {
    const rng = new Rng(4);
    let worst = Infinity;
    for (let i = 0; i < 300; i++) {
      const size = [16, 28, 32][i % 3];
      const { params } = renderShape(
        { shape: i % 2 ? "square" : "triangle", colour: "blue", size, noise: 0, equalArea: i % 4 === 0 },
        rng,
      );
      // Half a pixel of margin: the outermost pixels are never clipped.
      for (const [x, y] of params.vertices) {
        worst = Math.min(worst, x - 0.5, y - 0.5, size - 0.5 - x, size - 0.5 - y);
      }
    }
    expect(worst).toBeGreaterThanOrEqual(-1e-9);
  });

  it("varies position, size and rotation", () => {
    const rng = new Rng(5);
    const ps = Array.from({ length: 50 }, () => renderShape({ shape: "square", colour: "red" }, rng).params);
    const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    expect(spread(ps.map((p) => p.centre[0]))).toBeGreaterThan(5);
    expect(spread(ps.map((p) => p.centre[1]))).toBeGreaterThan(5);
    expect(spread(ps.map((p) => p.side))).toBeGreaterThan(5);
    expect(spread(ps.map((p) => p.rotationDeg))).toBeGreaterThan(180);
  });

  it("without anti-aliasing or noise, pixels are background or the fill colour", () => {
    const img = renderShape({ shape: "triangle", colour: "red", antialias: 1, noise: 0 }, new Rng(6));
    for (let p = 0; p < img.data.length; p += 3) {
      const isBg = img.data[p] === 0 && img.data[p + 1] === 0 && img.data[p + 2] === 0;
      const isFill = [0, 1, 2].every((k) => img.data[p + k] === Math.fround(img.params.rgb[k]));
      expect(isBg || isFill).toBe(true);
    }
  });

  it("fills exactly the pixels whose centre is inside the polygon when not anti-aliased", () => {
    const rng = new Rng(11);
    const inside = (vs: [number, number][], x: number, y: number) => {
      const signs = vs.map(([ax, ay], k) => {
        const [bx, by] = vs[(k + 1) % vs.length];
        return Math.sign((bx - ax) * (y - ay) - (by - ay) * (x - ax));
      });
      return signs.every((sg) => sg >= 0) || signs.every((sg) => sg <= 0);
    };
    let mismatches = 0;
    for (let i = 0; i < 20; i++) {
      const img = renderShape({ shape: i % 2 ? "square" : "triangle", colour: "blue", antialias: 1, noise: 0 }, rng);
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 32; c++) {
          const filled = img.data[(r * 32 + c) * 3 + 2] > 0;
          if (filled !== inside(img.params.vertices, c + 0.5, r + 0.5)) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
  });

  it("same seed gives identical bytes; different seeds differ", () => {
    const spec: ShapeSpec = { shape: "triangle", colour: "blue" };
    const a = renderShape(spec, new Rng(42)).data;
    const b = renderShape(spec, new Rng(42)).data;
    const c = renderShape(spec, new Rng(43)).data;
    expect(bytesOf(a).equals(bytesOf(b))).toBe(true);
    expect(bytesOf(a).equals(bytesOf(c))).toBe(false);
  });

  it("rejects invalid specs", () => {
    const rng = new Rng(7);
    expect(() => renderShape({ shape: "circle" as "square", colour: "red" }, rng)).toThrow(ConfigError);
    expect(() => renderShape({ shape: "square", colour: "green" as "red" }, rng)).toThrow(ConfigError);
    expect(() => renderShape({ shape: "square", colour: "red", size: 2 }, rng)).toThrow(ConfigError);
    expect(() => renderShape({ shape: "square", colour: "red", sideRange: [0.5, 0.2] }, rng)).toThrow(ConfigError);
    expect(() => renderShape({ shape: "square", colour: "red", antialias: 0 }, rng)).toThrow(ConfigError);
    // A square of side 0.8·size cannot fit once rotated by 45°, even if this draw would not rotate it.
    expect(() => renderShape({ shape: "square", colour: "red", sideRange: [0.1, 0.8] }, rng)).toThrow(/cannot fit/);
    // The same side fits a triangle (widest extent = its side).
    expect(() => renderShape({ shape: "triangle", colour: "red", sideRange: [0.1, 0.8] }, rng)).not.toThrow();
  });
});

describe("renderShapes", () => {
  it("renders a batch identical to rendering one by one from the same stream", () => {
    const specs: ShapeSpec[] = [
      { shape: "square", colour: "red" },
      { shape: "triangle", colour: "blue" },
      { shape: "triangle", colour: "red" },
    ];
    const batch = renderShapes(specs, new Rng(8));
    expect([batch.n, batch.height, batch.width, batch.channels]).toEqual([3, 32, 32, 3]);
    expect(batch.params.map((p) => p.shape)).toEqual(["square", "triangle", "triangle"]);
    const rng = new Rng(8);
    const per = 32 * 32 * 3;
    specs.forEach((s, i) => {
      const one = renderShape(s, rng).data;
      expect(bytesOf(batch.images.subarray(i * per, (i + 1) * per)).equals(bytesOf(one))).toBe(true);
    });
  });

  it("rejects specs of different sizes", () => {
    const specs: ShapeSpec[] = [
      { shape: "square", colour: "red", size: 32 },
      { shape: "square", colour: "red", size: 28 },
    ];
    expect(() => renderShapes(specs, new Rng(9))).toThrow(/same size/);
  });
});
