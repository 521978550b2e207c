/**
 * Image rotation about the centre with bilinear interpolation.
 *
 * Conventions (fixed here so every task agrees): pixel (r, c) has its centre
 * at (r, c) and the image centre is ((H-1)/2, (W-1)/2), so a 90° rotation of a
 * square image is an exact permutation of its pixels. A positive angle turns
 * the picture clockwise as displayed (rows growing downwards). The image is
 * taken to be zero outside its bounds, so corners that rotate in from outside
 * are filled with 0 and edges fade over one pixel instead of being cut.
 *
 * Output pixels are computed by inverse mapping (for each output pixel, find
 * where it came from and sample there), which leaves no holes.
 */

import { ConfigError } from "../util/errors.js";
import { checkLength, checkShape, type ImageShape, imageSize } from "./image.js";

/**
 * Cosine and sine of an angle in degrees, exact for multiples of 90°.
 * Why: `Math.cos(Math.PI / 2)` is 6e-17, not 0, which would blend a sliver of
 * a neighbouring pixel into what should be a pure permutation.
 */
export function cosSinDeg(deg: number): [number, number] {
  const a = ((deg % 360) + 360) % 360;
  if (a === 0) return [1, 0];
  if (a === 90) return [0, 1];
  if (a === 180) return [-1, 0];
  if (a === 270) return [0, -1];
  const rad = (a * Math.PI) / 180;
  return [Math.cos(rad), Math.sin(rad)];
}

/**
 * Bilinear sample of channel `ch` of an HWC image at fractional position
 * (`y`, `x`) in pixel-centre coordinates, treating everything outside the
 * image as 0.
 */
export function bilinearSample(src: ArrayLike<number>, shape: ImageShape, y: number, x: number, ch = 0): number {
  const { height: h, width: w, channels: c } = shape;
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const at = (r: number, col: number) => (r >= 0 && r < h && col >= 0 && col < w ? src[(r * w + col) * c + ch] : 0);
  const top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx;
  const bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Rotate one HWC image clockwise by `angleDeg` about its centre.
 *
 * @param src `height * width * channels` values
 * @param shape the image geometry (`channels` defaults to 1)
 * @param angleDeg clockwise angle in degrees (any real number)
 * @param out optional destination of the same length (must not alias `src`)
 * @returns `out`, or a new array
 */
export function rotateImage(
  src: ArrayLike<number>,
  shape: { height: number; width: number; channels?: number },
  angleDeg: number,
  out?: Float32Array,
): Float32Array {
  const full: ImageShape = { height: shape.height, width: shape.width, channels: shape.channels ?? 1 };
  checkShape(full, "rotateImage");
  checkLength(src, full, 1, "rotateImage");
  if (!Number.isFinite(angleDeg)) throw new ConfigError(`rotateImage: angle must be finite, got ${angleDeg}`);
  // In-place rotation would read pixels already overwritten.
  if (out !== undefined && (out as ArrayLike<number>) === src) {
    throw new ConfigError("rotateImage: out must not be the source array");
  }
  const dst = out ?? new Float32Array(imageSize(full));
  checkLength(dst, full, 1, "rotateImage(out)");
  rotateInto(src, 0, dst, 0, full, angleDeg);
  return dst;
}

/**
 * Rotate each image of a batch by its own angle.
 *
 * @param images `n` HWC images back to back, `n = anglesDeg.length`
 * @param shape geometry of one image (`channels` defaults to 1)
 * @param anglesDeg one clockwise angle in degrees per image
 * @returns a new array of the same length
 */
export function rotateBatch(
  images: ArrayLike<number>,
  shape: { height: number; width: number; channels?: number },
  anglesDeg: ArrayLike<number>,
): Float32Array {
  const full: ImageShape = { height: shape.height, width: shape.width, channels: shape.channels ?? 1 };
  checkShape(full, "rotateBatch");
  const n = anglesDeg.length;
  checkLength(images, full, n, `rotateBatch (${n} angles)`);
  const size = imageSize(full);
  const out = new Float32Array(size * n);
  for (let i = 0; i < n; i++) {
    const a = anglesDeg[i];
    if (!Number.isFinite(a)) throw new ConfigError(`rotateBatch: angle ${i} must be finite, got ${a}`);
    rotateInto(images, i * size, out, i * size, full, a);
  }
  return out;
}

/** The inner loop, with offsets so batches need no per-image copies. */
function rotateInto(
  src: ArrayLike<number>,
  srcOff: number,
  dst: Float32Array,
  dstOff: number,
  shape: ImageShape,
  angleDeg: number,
): void {
  const { height: h, width: w, channels: nc } = shape;
  const [cos, sin] = cosSinDeg(angleDeg);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  // Inverse map: an output offset (dy, dx) from the centre came from the
  // source offset rotated counter-clockwise by the angle:
  //   sx = dx*cos + dy*sin,  sy = -dx*sin + dy*cos.
  // Both are affine in c, so step them along each row instead of recomputing.
  for (let r = 0; r < h; r++) {
    const dy = r - cy;
    let sx = -cx * cos + dy * sin + cx;
    let sy = cx * sin + dy * cos + cy;
    let o = dstOff + r * w * nc;
    for (let c = 0; c < w; c++, sx += cos, sy -= sin, o += nc) {
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || x0 >= w || y0 < -1 || y0 >= h) {
        for (let k = 0; k < nc; k++) dst[o + k] = 0;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      // Weights of the four neighbours; a neighbour outside the image counts as 0.
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < w;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < h;
      const w00 = inY0 && inX0 ? (1 - fy) * (1 - fx) : 0;
      const w01 = inY0 && inX1 ? (1 - fy) * fx : 0;
      const w10 = inY1 && inX0 ? fy * (1 - fx) : 0;
      const w11 = inY1 && inX1 ? fy * fx : 0;
      const base = srcOff + (y0 * w + x0) * nc;
      const down = w * nc;
      for (let k = 0; k < nc; k++) {
        const p = base + k;
        let v = 0;
        if (w00 !== 0) v += w00 * src[p];
        if (w01 !== 0) v += w01 * src[p + nc];
        if (w10 !== 0) v += w10 * src[p + down];
        if (w11 !== 0) v += w11 * src[p + down + nc];
        dst[o + k] = v;
      }
    }
  }
}
