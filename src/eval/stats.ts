/**
 * Aggregation over seeds (protocol §4: every figure is reported per seed and
 * as a mean with a 95% confidence interval over at least 3 seeds).
 *
 * The interval is the Student-t interval mean ± t_{(1+level)/2, n−1}·s/√n,
 * the right one for a handful of seeds (a normal 1.96 would be far too
 * narrow at n = 3, where t = 4.303). The t quantile is computed from the
 * regularised incomplete beta function, so any n works without a table.
 */
import { ConfigError } from "../util/errors.js";

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); NaN for fewer than 2 values. */
export function sampleStd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t cumulative distribution function with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  if (!(df > 0)) throw new ConfigError(`tCdf: degrees of freedom must be > 0, got ${df}`);
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Student-t quantile: the t with P(T ≤ t) = p for `df` degrees of freedom
 * (e.g. `tQuantile(0.975, 2)` = 4.3027). Bisection on the CDF to ~1e-12.
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new ConfigError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new ConfigError(`tQuantile: degrees of freedom must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi);
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** A mean with its confidence interval. */
export interface MeanCI {
  n: number;
  mean: number;
  /** Sample standard deviation. */
  sd: number;
  /** t·s/√n; NaN for n < 2 (one seed says nothing about the spread). */
  halfWidth: number;
  lo: number;
  hi: number;
  level: number;
}

/**
 * Mean and Student-t confidence interval (default 95%) of per-seed values.
 * Non-finite values make the whole result NaN rather than being dropped
 * silently: a failed seed must be visible, and the caller decides whether
 * to exclude it.
 */
export function meanCI(xs: readonly number[], level = 0.95): MeanCI {
  if (!(level > 0 && level < 1)) throw new ConfigError(`meanCI: level must be in (0, 1), got ${level}`);
  const n = xs.length;
  const m = mean(xs);
  const sd = sampleStd(xs);
  const halfWidth = n >= 2 ? (tQuantile((1 + level) / 2, n - 1) * sd) / Math.sqrt(n) : Number.NaN;
  return { n, mean: m, sd, halfWidth, lo: m - halfWidth, hi: m + halfWidth, level };
}
