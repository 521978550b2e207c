import type { Rng } from "../engine/rng.js";
import { ConfigError } from "../util/errors.js";
import type { Split, SplitName } from "./types.js";

/** Fractions of the protocol's five splits: X.train of X (X.test gets the rest); Y.access and Y.test of Y (Y.relearn the rest). */
export interface SplitFractions {
  trainFraction: number;
  yAccessFraction: number;
  yTestFraction: number;
}

/**
 * Deal `n` items into consecutive parts of a seeded permutation, with sizes
 * from `fractions` (the last part takes the remainder). Deterministic per
 * seed, disjoint and exhaustive by construction.
 */
export function partition(n: number, fractions: number[], rng: Rng): Int32Array[] {
  const sum = fractions.reduce((a, b) => a + b, 0);
  if (fractions.some((f) => !(f > 0)) || sum > 1 + 1e-9) {
    throw new ConfigError(`split fractions must be positive and sum to at most 1, got ${fractions.join(" + ")}`);
  }
  const perm = rng.permutation(n);
  const parts: Int32Array[] = [];
  let start = 0;
  for (let i = 0; i < fractions.length; i++) {
    const last = i === fractions.length - 1;
    const size = last && Math.abs(sum - 1) < 1e-9 ? n - start : Math.round(fractions[i] * n);
    parts.push(perm.slice(start, start + size));
    start += size;
  }
  return parts;
}

/**
 * A split of token examples: `pairs` holds `length` ints per example.
 * Rows are taken in the order of `rows`.
 */
export function tokenSplit(
  name: SplitName,
  tokens: Int32Array,
  labels: Int32Array,
  length: number,
  rows: Int32Array,
  groupKey?: Int32Array,
): Split {
  const n = rows.length;
  const x = new Int32Array(n * length);
  const y = new Int32Array(n);
  const g = groupKey ? new Int32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    for (let j = 0; j < length; j++) x[i * length + j] = tokens[r * length + j];
    y[i] = labels[r];
    if (g && groupKey) g[i] = groupKey[r];
  }
  return { name, n, x, xDtype: "int32", exampleShape: [length], y, groupKey: g };
}

/**
 * Deal the rows of the X pool and the Y pool (indices into a table of
 * examples) into the five splits with seeded partitions ("X" and "Y" forks of
 * `rng`); `make` builds a split from the chosen table rows.
 */
export function dealFiveSplits(
  xPool: readonly number[],
  yPool: readonly number[],
  f: SplitFractions,
  rng: Rng,
  make: (name: SplitName, rows: Int32Array) => Split,
): Record<SplitName, Split> {
  const [xTrain, xTest] = partition(xPool.length, [f.trainFraction, 1 - f.trainFraction], rng.fork("X"));
  const [yAccess, yTest, yRelearn] = partition(
    yPool.length,
    [f.yAccessFraction, f.yTestFraction, 1 - f.yAccessFraction - f.yTestFraction],
    rng.fork("Y"),
  );
  const pick = (pool: readonly number[], idx: Int32Array) => Int32Array.from(idx, (i) => pool[i]);
  return {
    "X.train": make("X.train", pick(xPool, xTrain)),
    "X.test": make("X.test", pick(xPool, xTest)),
    "Y.access": make("Y.access", pick(yPool, yAccess)),
    "Y.test": make("Y.test", pick(yPool, yTest)),
    "Y.relearn": make("Y.relearn", pick(yPool, yRelearn)),
  };
}
