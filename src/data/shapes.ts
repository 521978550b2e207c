/**
 * Procedurally rendered images of a coloured square or equilateral triangle,
 * the raw material of the `shapes` task pair.
 *
 * Each image: black background, one filled shape of random side, rotation and
 * position (always entirely inside the frame), a slightly jittered red or blue
 * colour, optional anti-aliasing by supersampling, and mild gaussian pixel
 * noise. Everything random comes from the caller's `Rng`, drawn in a fixed
 * order, so `(spec, seed)` determines the image bit for bit.
 *
 * Geometry uses continuous coordinates where pixel (r, c) is the unit square
 * [c, c+1) x [r, r+1); a pixel's value is the fraction of its area the shape
 * covers (estimated from `antialias²` sub-samples) blended with the colour.
 */

import type { Rng } from "../engine/rng.js";
import { ConfigError } from "../util/errors.js";
import type { FloatImage, ImageBatch } from "./image.js";

/** Which shape to draw. */
export type ShapeKind = "square" | "triangle";
/** Which colour family to fill it with. */
export type ShapeColour = "red" | "blue";

/** What to render; everything but `shape` and `colour` has a default. */
export interface ShapeSpec {
  shape: ShapeKind;
  colour: ShapeColour;
  /** Image side in pixels (images are square). Default 32. */
  size?: number;
  /** Range of the shape's side length as a fraction of `size`. Default [0.3, 0.6]. */
  sideRange?: readonly [number, number];
  /** Standard deviation of additive gaussian noise per channel, before clipping to [0, 1]. Default 0.03. */
  noise?: number;
  /** Sub-samples per pixel along each axis (1 = hard edges). Default 2, i.e. 2x2 supersampling. */
  antialias?: number;
  /**
   * Scale triangles up by √(4/√3) ≈ 1.52 so that a triangle and a square drawn
   * from the same `sideRange` have the same area distribution. Why: with equal
   * sides a triangle covers only √3/4 ≈ 43% of a square's area, so area (or
   * total brightness) alone tells the shapes apart. Default false.
   */
  equalArea?: boolean;
}

/** The random draws behind one image, kept for inspection and tests. */
export interface ShapeParams {
  shape: ShapeKind;
  colour: ShapeColour;
  /** Side length in pixels. */
  side: number;
  /** Clockwise rotation in degrees, in [0, 360). */
  rotationDeg: number;
  /** Centre (centroid) `[x, y]` in continuous pixel coordinates. */
  centre: [number, number];
  /** The fill colour actually used. */
  rgb: [number, number, number];
  /** Polygon corners `[x, y]` in continuous pixel coordinates. */
  vertices: [number, number][];
}

/** One rendered image: 3-channel HWC float32 in [0, 1], plus its parameters. */
export interface RenderedShape extends FloatImage {
  channels: 3;
  params: ShapeParams;
}

/** A batch of rendered images plus the parameters of each. */
export interface ShapeBatch extends ImageBatch {
  channels: 3;
  params: ShapeParams[];
}

/** Default image side. */
export const DEFAULT_SHAPE_SIZE = 32;
// Keep the shape this far (in pixels) from the border so that its outermost
// pixels are never clipped, whatever the anti-aliasing.
const MARGIN = 0.5;

function resolveSpec(spec: ShapeSpec) {
  const size = spec.size ?? DEFAULT_SHAPE_SIZE;
  const sideRange = spec.sideRange ?? [0.3, 0.6];
  const noise = spec.noise ?? 0.03;
  const antialias = spec.antialias ?? 2;
  if (spec.shape !== "square" && spec.shape !== "triangle") {
    throw new ConfigError(`renderShape: shape must be 'square' or 'triangle', got '${spec.shape}'`);
  }
  if (spec.colour !== "red" && spec.colour !== "blue") {
    throw new ConfigError(`renderShape: colour must be 'red' or 'blue', got '${spec.colour}'`);
  }
  if (!Number.isInteger(size) || size < 4)
    throw new ConfigError(`renderShape: size must be an integer >= 4, got ${size}`);
  const [lo, hi] = sideRange;
  if (!(lo > 0 && hi >= lo && hi <= 1)) {
    throw new ConfigError(`renderShape: sideRange must satisfy 0 < lo <= hi <= 1, got [${lo}, ${hi}]`);
  }
  const areaScale = spec.equalArea && spec.shape === "triangle" ? Math.sqrt(4 / Math.sqrt(3)) : 1;
  // Reject up front a side that cannot fit at its worst rotation (a square's
  // diagonal, s√2; a triangle's widest extent, its side s), so a bad config
  // fails at once rather than on an unlucky draw.
  const extent = size * areaScale * (spec.shape === "square" ? Math.SQRT2 : 1); // worst extent per unit of sideRange
  if (hi * extent > size - 2 * MARGIN) {
    throw new ConfigError(
      `renderShape: a ${spec.shape} with sideRange[1] = ${hi} cannot fit in a ${size}px image at every rotation; ` +
        `expected sideRange[1] <= ${((size - 2 * MARGIN) / extent).toFixed(3)}`,
    );
  }
  if (!(noise >= 0)) throw new ConfigError(`renderShape: noise must be >= 0, got ${noise}`);
  if (!Number.isInteger(antialias) || antialias < 1) {
    throw new ConfigError(`renderShape: antialias must be a positive integer, got ${antialias}`);
  }
  return { shape: spec.shape, colour: spec.colour, size, lo: lo * areaScale, hi: hi * areaScale, noise, antialias };
}

/** Corners of the shape centred at the origin, side `s`, turned clockwise by `deg` (y grows downwards). */
function corners(shape: ShapeKind, s: number, deg: number): [number, number][] {
  // Square: corners on a circle of radius s/√2 at 45° + k·90°.
  // Triangle: centroid at the origin, circumradius s/√3, first corner pointing up.
  const [radius, start, count] = shape === "square" ? [s / Math.SQRT2, 45, 4] : [s / Math.sqrt(3), -90, 3];
  const out: [number, number][] = [];
  for (let k = 0; k < count; k++) {
    const a = ((start + deg + (360 / count) * k) * Math.PI) / 180;
    out.push([radius * Math.cos(a), radius * Math.sin(a)]);
  }
  return out;
}

/** Fill colour: the named primary at 0.8–1.0, the other channels at 0–0.15. */
function drawColour(colour: ShapeColour, rng: Rng): [number, number, number] {
  const main = 0.8 + 0.2 * rng.uniform();
  const a = 0.15 * rng.uniform();
  const b = 0.15 * rng.uniform();
  return colour === "red" ? [main, a, b] : [a, b, main];
}

/** Render into `out` at `off`; returns the parameters drawn. */
function renderInto(spec: ReturnType<typeof resolveSpec>, rng: Rng, out: Float32Array, off: number): ShapeParams {
  const { size, lo, hi, noise, antialias } = spec;
  const side = size * (lo + (hi - lo) * rng.uniform());
  const rotationDeg = 360 * rng.uniform();
  const rel = corners(spec.shape, side, rotationDeg);
  const xs = rel.map((p) => p[0]);
  const ys = rel.map((p) => p[1]);
  // Centre range that keeps the rotated bounding box inside [MARGIN, size - MARGIN].
  const xLo = MARGIN - Math.min(...xs);
  const xHi = size - MARGIN - Math.max(...xs);
  const yLo = MARGIN - Math.min(...ys);
  const yHi = size - MARGIN - Math.max(...ys);
  // Guaranteed by the check in resolveSpec; clamp only against rounding.
  const cx = xLo + Math.max(0, xHi - xLo) * rng.uniform();
  const cy = yLo + Math.max(0, yHi - yLo) * rng.uniform();
  const rgb = drawColour(spec.colour, rng);
  const vertices = rel.map(([x, y]) => [x + cx, y + cy] as [number, number]);

  const cover = coverage(vertices, [cx, cy], size, antialias);
  out.fill(0, off, off + size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const a = cover[i];
    if (a > 0) {
      const p = off + i * 3;
      out[p] = rgb[0] * a;
      out[p + 1] = rgb[1] * a;
      out[p + 2] = rgb[2] * a;
    }
  }
  if (noise > 0) {
    for (let p = off, end = off + size * size * 3; p < end; p++) {
      const v = out[p] + noise * rng.normal();
      out[p] = Math.min(1, Math.max(0, v));
    }
  }
  return { shape: spec.shape, colour: spec.colour, side, rotationDeg, centre: [cx, cy], rgb, vertices };
}

/**
 * Fraction of each pixel of a `size`×`size` grid covered by a convex polygon,
 * estimated from `k`×`k` sub-samples per pixel at sub-pixel centres.
 *
 * Why scanlines instead of testing each sub-sample against every edge: on a
 * sub-sample row the polygon is one interval [xl, xr], found from the edges'
 * half-planes in O(edges); the samples inside it are then counted directly.
 * That keeps rendering cost proportional to the covered area.
 */
function coverage(vertices: [number, number][], inner: [number, number], size: number, k: number): Float32Array {
  // Each edge as a half-plane ex·x + ey·y + ec >= 0, signed so that a point
  // known to be inside (the centroid) satisfies it, whatever the winding.
  const edges = vertices.map((a, i) => {
    const b = vertices[(i + 1) % vertices.length];
    const nx = -(b[1] - a[1]);
    const ny = b[0] - a[0];
    const sign = Math.sign(nx * (inner[0] - a[0]) + ny * (inner[1] - a[1]));
    return [nx * sign, ny * sign, -(nx * a[0] + ny * a[1]) * sign];
  });
  const ys = vertices.map((v) => v[1]);
  const out = new Float32Array(size * size);
  const perSample = 1 / (k * k);
  const nSub = size * k; // sub-sample index t sits at (t + 0.5) / k
  const tyLo = Math.max(0, Math.floor(Math.min(...ys) * k - 0.5));
  const tyHi = Math.min(nSub - 1, Math.ceil(Math.max(...ys) * k - 0.5));
  for (let ty = tyLo; ty <= tyHi; ty++) {
    const y = (ty + 0.5) / k;
    let xl = 0;
    let xr = size;
    for (const [ex, ey, ec] of edges) {
      const rest = ey * y + ec; // need ex·x + rest >= 0
      if (ex > 0) xl = Math.max(xl, -rest / ex);
      else if (ex < 0) xr = Math.min(xr, -rest / ex);
      else if (rest < 0) xr = -1; // horizontal edge with this row outside it
    }
    const txLo = Math.max(0, Math.ceil(xl * k - 0.5));
    const txHi = Math.min(nSub - 1, Math.floor(xr * k - 0.5));
    const row = Math.floor(ty / k) * size;
    for (let tx = txLo; tx <= txHi; tx++) out[row + Math.floor(tx / k)] += perSample;
  }
  return out;
}

/**
 * Render one image of a shape.
 *
 * @param spec what to draw (see `ShapeSpec` for defaults)
 * @param rng source of every random choice; advanced by the draws
 * @throws ConfigError for an invalid spec
 */
export function renderShape(spec: ShapeSpec, rng: Rng): RenderedShape {
  const s = resolveSpec(spec);
  const data = new Float32Array(s.size * s.size * 3);
  const params = renderInto(s, rng, data, 0);
  return { data, height: s.size, width: s.size, channels: 3, params };
}

/**
 * Render one image per spec, back to back in one HWC array, drawing from
 * `rng` in order (image i's draws follow image i-1's).
 *
 * @throws ConfigError if the specs are invalid or disagree on `size`
 */
export function renderShapes(specs: readonly ShapeSpec[], rng: Rng): ShapeBatch {
  const resolved = specs.map(resolveSpec);
  const size = resolved.length > 0 ? resolved[0].size : DEFAULT_SHAPE_SIZE;
  const bad = resolved.findIndex((s) => s.size !== size);
  if (bad >= 0) {
    throw new ConfigError(
      `renderShapes: every spec must have the same size; spec 0 has ${size}, spec ${bad} has ${resolved[bad].size}`,
    );
  }
  const per = size * size * 3;
  const images = new Float32Array(per * resolved.length);
  const params = resolved.map((s, i) => renderInto(s, rng, images, i * per));
  return { images, n: resolved.length, height: size, width: size, channels: 3, params };
}
