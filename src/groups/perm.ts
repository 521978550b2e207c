/**
 * Permutations as plain image arrays.
 *
 * Why image arrays (and not cycle lists or objects): they are cheap to
 * compose, trivially serialisable into configs and records, and a stable
 * string key (`permKey`) makes them usable as Map keys, which is how groups
 * index their elements in O(1).
 *
 * Convention: `p[i]` is the image of `i`, points are 0-based, and
 * `compose(a, b)` applies `b` first (function composition a∘b).
 */
import { ConfigError } from "../util/errors.js";

/** A permutation of {0..n-1}: `p[i]` is the image of `i`. */
export type Perm = readonly number[];

/** The identity permutation of degree `n`. */
export function identity(n: number): Perm {
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`permutation degree must be a non-negative integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Function composition `a∘b`: `(a∘b)[i] = a[b[i]]`, i.e. apply `b` first.
 * Both must have the same degree.
 */
export function compose(a: Perm, b: Perm): Perm {
  if (a.length !== b.length) {
    throw new ConfigError(`cannot compose permutations of different degrees (${a.length} and ${b.length})`);
  }
  const out = new Array<number>(b.length);
  for (let i = 0; i < b.length; i++) out[i] = a[b[i]];
  return out;
}

/** The inverse permutation: `inverse(p)[p[i]] = i`. */
export function inverse(p: Perm): Perm {
  const out = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) out[p[i]] = i;
  return out;
}

/**
 * Parity of `p`: 0 for even, 1 for odd. Computed as (n − #cycles) mod 2,
 * since a k-cycle is a product of k−1 transpositions.
 */
export function parity(p: Perm): 0 | 1 {
  let cycles = 0;
  const seen = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) {
    if (seen[i]) continue;
    cycles++;
    for (let j = i; !seen[j]; j = p[j]) seen[j] = 1;
  }
  return ((p.length - cycles) % 2) as 0 | 1;
}

/** True iff `x` is an array containing each integer 0..n-1 exactly once (n = its length). */
export function isPermutation(x: unknown): x is Perm {
  if (!Array.isArray(x)) return false;
  const n = x.length;
  const seen = new Uint8Array(n);
  for (const v of x) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

/**
 * Build a permutation of degree `n` from disjoint cycles; `[a, b, c]` maps
 * a→b→c→a. Points not mentioned are fixed.
 * @throws ConfigError if a point is out of range, not an integer, or repeated.
 */
export function fromCycles(n: number, cycles: number[][]): Perm {
  const p = identity(n) as number[];
  const used = new Uint8Array(n);
  if (!Array.isArray(cycles)) throw new ConfigError("fromCycles: cycles must be an array of arrays of points");
  for (const cycle of cycles) {
    if (!Array.isArray(cycle)) throw new ConfigError(`fromCycles: each cycle must be an array, got ${String(cycle)}`);
    for (const v of cycle) {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= n) {
        throw new ConfigError(
          `fromCycles: point ${String(v)} in cycle (${cycle.join(" ")}) is not an integer in 0..${n - 1}`,
        );
      }
      if (used[v]) {
        throw new ConfigError(`fromCycles: point ${v} appears more than once; cycles must be disjoint`);
      }
      used[v] = 1;
    }
    for (let k = 0; k < cycle.length; k++) p[cycle[k]] = cycle[(k + 1) % cycle.length];
  }
  return p;
}

/** The disjoint cycles of `p` (including 1-cycles), each starting at its smallest point, ordered by that point. */
export function cycles(p: Perm): number[][] {
  const out: number[][] = [];
  const seen = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) {
    if (seen[i]) continue;
    const c: number[] = [];
    for (let j = i; !seen[j]; j = p[j]) {
      seen[j] = 1;
      c.push(j);
    }
    out.push(c);
  }
  return out;
}

/**
 * Cycle type: lengths of the disjoint cycles, sorted descending, 1-cycles
 * included (so the entries sum to n). Two permutations in S_n are conjugate
 * iff their cycle types are equal.
 */
export function cycleType(p: Perm): number[] {
  return cycles(p)
    .map((c) => c.length)
    .sort((a, b) => b - a);
}

/** A string key for Map/Set lookups, e.g. "0,2,1". */
export function permKey(p: Perm): string {
  return p.join(",");
}

/** Cycle notation without 1-cycles, e.g. "(0 1 2)(3 4)"; "e" for the identity. */
export function formatPerm(p: Perm): string {
  const parts = cycles(p)
    .filter((c) => c.length > 1)
    .map((c) => `(${c.join(" ")})`);
  return parts.length === 0 ? "e" : parts.join("");
}

/** Lexicographic comparison of image arrays (used to give group elements a stable order). */
export function comparePerms(a: Perm, b: Perm): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
