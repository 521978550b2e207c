/**
 * Fourier analysis of embeddings over Z_p (Nanda et al. 2023, "Progress
 * measures for grokking via mechanistic interpretability", arXiv:2301.05217):
 * a model doing modular addition embeds residue a through cos(2πka/p) and
 * sin(2πka/p) for a few "key" frequencies k, so the DFT of its embedding over
 * the residues puts most of the norm on those frequencies.
 *
 * Frequencies k and p − k are the same real frequency (the cos/sin pair), so
 * shares are reported per k = 1..⌊p/2⌋; k = 0 is the mean, which is removed
 * first (an offset says nothing about how the model represents Z_p, as for
 * the trivial irrep in `isotypicFractions`). By Parseval the shares of
 * k = 1..⌊p/2⌋ then sum to 1.
 */
import { ConfigError } from "../util/errors.js";

/** Share of one frequency. */
export interface FrequencyShare {
  /** k in 1..⌊p/2⌋ (k and p − k together). */
  k: number;
  /** Share of the centred embedding's sum of squares at this frequency. */
  share: number;
}

/** Result of `fourierShares`. */
export interface FourierAnalysis {
  p: number;
  /** One entry per k = 1..⌊p/2⌋, in order of k. */
  shares: FrequencyShare[];
  /** Frequencies whose share is at least `threshold` and at least `relative`× the uniform share 1/⌊p/2⌋, largest first. */
  keyFrequencies: number[];
  /** Summed share of the key frequencies ("their share of the norm"). */
  keyShare: number;
  threshold: number;
}

/**
 * DFT over residues of a p×d matrix (row a = the embedding of residue a) and
 * the share of its (centred) sum of squares per frequency.
 *
 * @param W row-major p×d values
 * A frequency is key when its share is at least `threshold` (default 0.05)
 * and at least `relative` (default 2) times the uniform share 1/⌊p/2⌋: a
 * random embedding spreads its norm almost evenly (every frequency of p = 29
 * holds ~1/14 = 0.07, above any fixed small threshold), while a trained
 * model concentrates it on a few frequencies (Nanda et al.: 5 of 56 for
 * p = 113, 10–30% each). For p ≤ 5 no frequency can be key unless one
 * dominates, which is the honest answer for so few frequencies.
 */
export function fourierShares(
  W: ArrayLike<number>,
  p: number,
  d: number,
  opts: { threshold?: number; relative?: number } = {},
): FourierAnalysis {
  if (!Number.isInteger(p) || p < 2) throw new ConfigError(`fourierShares: p must be an integer ≥ 2, got ${p}`);
  if (W.length !== p * d) throw new ConfigError(`fourierShares: expected ${p}×${d} = ${p * d} values, got ${W.length}`);
  const threshold = opts.threshold ?? 0.05;
  const half = Math.floor(p / 2);
  const energy = new Float64Array(half + 1);
  // Table of cos/sin(2πka/p); (k·a) mod p keeps the angle small, so values stay exact for large p.
  const cos = new Float64Array((half + 1) * p);
  const sin = new Float64Array((half + 1) * p);
  for (let k = 1; k <= half; k++) {
    for (let a = 0; a < p; a++) {
      const ang = (2 * Math.PI * ((k * a) % p)) / p;
      cos[k * p + a] = Math.cos(ang);
      sin[k * p + a] = Math.sin(ang);
    }
  }
  const v = new Float64Array(p);
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let a = 0; a < p; a++) m += W[a * d + j];
    m /= p;
    for (let a = 0; a < p; a++) v[a] = W[a * d + j] - m;
    for (let k = 1; k <= half; k++) {
      let re = 0;
      let im = 0;
      for (let a = 0; a < p; a++) {
        re += v[a] * cos[k * p + a];
        im += v[a] * sin[k * p + a];
      }
      // Parseval: Σ_a v_a² = (1/p) Σ_{k=0}^{p−1} |V_k|²; k and p−k both count,
      // except k = p/2 for even p, which is its own partner.
      const both = 2 * k === p ? 1 : 2;
      energy[k] += (both * (re * re + im * im)) / p;
    }
  }
  let total = 0;
  for (let k = 1; k <= half; k++) total += energy[k];
  const shares: FrequencyShare[] = [];
  for (let k = 1; k <= half; k++) shares.push({ k, share: total > 0 ? energy[k] / total : 0 });
  const floor = Math.max(threshold, (opts.relative ?? 2) / half);
  const key = shares.filter((s) => s.share >= floor).sort((x, y) => y.share - x.share);
  return {
    p,
    shares,
    keyFrequencies: key.map((s) => s.k),
    keyShare: key.reduce((a, s) => a + s.share, 0),
    threshold,
  };
}
