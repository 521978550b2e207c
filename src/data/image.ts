/**
 * The one image layout used across `src/data`: row-major HWC float32.
 *
 * Why HWC and float32: tfjs convolutions default to NHWC, so a batch built
 * from these images reshapes to `[n, height, width, channels]` with no copy,
 * and float32 is what every model consumes. Values are intensities in [0, 1].
 */

import { ConfigError } from "../util/errors.js";

/** Geometry of one image. `channels` is 1 (gray), 3 (RGB) or 4 (RGBA). */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** One HWC float image; `data.length === height * width * channels`. */
export interface FloatImage extends ImageShape {
  data: Float32Array;
}

/** A batch of `n` HWC images stored back to back in one array. */
export interface ImageBatch extends ImageShape {
  images: Float32Array;
  n: number;
}

/** Number of floats in one image of this shape. */
export function imageSize(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

/**
 * Throw a `ConfigError` unless the shape is made of positive integers.
 * Checked at API boundaries so a bad shape fails loudly instead of producing
 * a silently misaligned image.
 */
export function checkShape(shape: ImageShape, where: string): void {
  for (const key of ["height", "width", "channels"] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v <= 0) {
      throw new ConfigError(`${where}: ${key} must be a positive integer, got ${v}`);
    }
  }
}

/** Throw a `ConfigError` unless `data` holds exactly `count` images of `shape`. */
export function checkLength(data: ArrayLike<number>, shape: ImageShape, count: number, where: string): void {
  const expected = imageSize(shape) * count;
  if (data.length !== expected) {
    throw new ConfigError(
      `${where}: expected ${count} image(s) of ${shape.height}x${shape.width}x${shape.channels} ` +
        `= ${expected} values, got ${data.length}`,
    );
  }
}
